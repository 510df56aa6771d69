/**
 * What differs between the GitHub Action and the local CLI. The pipeline only
 * talks to these interfaces, so both front ends drive the same steps.
 */

/** A remote cache of directories (the Actions cache), or none. */
export interface CacheStore {
  /** Whether restore and save can do anything at all. */
  readonly available: boolean;
  /**
   * Restores `paths` saved under `key`, or the newest entry whose key starts
   * with one of `restoreKeys`. Returns the matched key. Service problems are
   * warnings, never errors.
   */
  restore(paths: string[], key: string, restoreKeys?: string[]): Promise<string | undefined>;
  /** Saves `paths` under `key`; an existing key or a service problem is a warning. */
  save(paths: string[], key: string): Promise<void>;
}

/**
 * Where downloaded tools are kept on this machine: the runner's tool cache in
 * the action, plain directories in $HOME/esp32-devel for the CLI. A tool
 * lives in `dir(...)` and counts only once `complete(...)` exists beside it.
 */
export interface ToolStore {
  /** The directory a tool version lives in, whether or not it is there yet. */
  dir(name: string, version: string, arch: string): string;
  /** The directory of a complete tool version, or undefined. */
  find(name: string, version: string, arch: string): string | undefined;
  /** Moves or copies `source` into the store and marks it complete; returns its directory. */
  add(source: string, name: string, version: string, arch: string): Promise<string>;
}

/** Log output of one phase. */
export interface Log {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
  /** A line of a command's output. */
  output(line: string): void;
}

/** How progress is shown: log groups on a runner, lines on a terminal. */
export interface Progress {
  /**
   * One phase. A `concurrent` phase runs beside others: its log is kept and
   * shown as a whole when it ends, so concurrent output never interleaves.
   */
  phase<T>(title: string, fn: (log: Log) => Promise<T>, options?: { concurrent?: boolean }): Promise<T>;
  /** Messages outside any phase. */
  readonly log: Log;
}

/** Where the pipeline keeps things on this machine. */
export interface Places {
  /** Root of cached checkouts, images and ccache: stable across runs. */
  root: string;
  /** Scratch space for downloads. */
  temp: string;
  /**
   * Where a build's artifacts are copied, each run into a fresh directory
   * (the action). Unset (the CLI), they stay where the build left them.
   */
  artifacts?: string;
}

export class NoCache implements CacheStore {
  readonly available = false;
  async restore(): Promise<string | undefined> {
    return undefined;
  }
  async save(): Promise<void> {}
}
