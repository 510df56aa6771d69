import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { redact } from './secrets.js';

/** Options for {@link run}. */
export interface RunOptions {
  cwd?: string;
  /** Replaces the environment when given; merge with process.env yourself. */
  env?: NodeJS.ProcessEnv;
  /** Each line of output as it arrives (stdout and stderr, in order). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Also end a line at a lone carriage return, so progress meters arrive as they update. */
  splitOnCarriageReturn?: boolean;
  /** Kill the process after this many milliseconds. */
  timeoutMs?: number;
  /** Resolve instead of throwing when the exit code is not 0. */
  allowFailure?: boolean;
  /** Debug log for the argv; defaults to nothing. */
  debug?: (message: string) => void;
  /** Run as this user (this process must be root): its uid and gid, no supplementary groups. */
  user?: { uid: number; gid: number };
  /**
   * Cancels the command: SIGTERM to its whole process group (SIGKILL after
   * {@link ABORT_GRACE_MS}), then an {@link AbortError}, even with allowFailure.
   * With a signal the command runs in a process group of its own, so the
   * terminal's Ctrl-C reaches only this process, which decides what to stop.
   */
  signal?: AbortSignal;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** How many lines of output an error message keeps. */
const TAIL_LINES = 25;

/** A command that could not start or exited with a non-zero code; any secret in its text is masked. */
export class ExecError extends Error {
  readonly stdout: string;
  readonly stderr: string;

  constructor(
    message: string,
    readonly command: string,
    readonly args: readonly string[],
    readonly code: number | null,
    stdout: string,
    stderr: string
  ) {
    super(redact(message));
    this.name = 'ExecError';
    this.stdout = redact(stdout);
    this.stderr = redact(stderr);
  }

  /** The last lines of stderr, or of stdout when stderr said nothing. */
  get tail(): string {
    return lastLines(this.stderr.trim() ? this.stderr : this.stdout, TAIL_LINES);
  }
}

/** A command cancelled through its AbortSignal, or one that was not started because it already was. */
export class AbortError extends Error {
  constructor(message = 'The operation was cancelled', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}

/** True for an {@link AbortError} and for a DOM-style abort (a DOMException or Error named 'AbortError'). */
export function isAbort(error: unknown): boolean {
  return (
    error instanceof AbortError ||
    (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError')
  );
}

/** How long a cancelled command has between SIGTERM and SIGKILL. */
export const ABORT_GRACE_MS = 2000;

export function lastLines(text: string, count: number): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-count).join('\n');
}

/** Quote an argv for a log line or a dry run; never executed by a shell. */
export function formatArgv(command: string, args: readonly string[]): string {
  return [command, ...args]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/**
 * Process groups of commands started with a signal (so detached) that are
 * still running. A detached group no longer receives the terminal's SIGINT
 * nor SIGHUP, and outlives this process unless stopped: so while any is
 * running, a signal this program does not handle itself is passed on to them
 * before it takes its default effect, and exiting stops them too.
 */
const liveGroups = new Set<number>();
const PASSED_ON: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function signalGroups(signal: NodeJS.Signals): void {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, signal);
    } catch {
      // The group is gone already.
    }
  }
}

function onParentSignal(signal: NodeJS.Signals): void {
  // Another listener means the program handles this signal itself (and cancels through its AbortSignal).
  if (process.listenerCount(signal) > 1) return;
  signalGroups(signal);
  // A non-interactive shell's background jobs ignore SIGINT: make sure.
  if (signal !== 'SIGTERM') signalGroups('SIGTERM');
  unhookParent();
  // No listener is left: the signal now takes its default effect, as it would have without us.
  process.kill(process.pid, signal);
}

function onParentExit(): void {
  signalGroups('SIGTERM');
}

function hookParent(): void {
  for (const signal of PASSED_ON) process.on(signal, onParentSignal);
  process.on('exit', onParentExit);
}

function unhookParent(): void {
  for (const signal of PASSED_ON) process.removeListener(signal, onParentSignal);
  process.removeListener('exit', onParentExit);
}

function addGroup(pgid: number): void {
  if (liveGroups.size === 0) hookParent();
  liveGroups.add(pgid);
}

function removeGroup(pgid: number): void {
  if (liveGroups.delete(pgid) && liveGroups.size === 0) unhookParent();
}

type Stream = 'stdout' | 'stderr';

/** Collects a child's output, and streams it line by line to onLine. */
function collectOutput(child: ChildProcessByStdio<null, Readable, Readable>, options: RunOptions) {
  const out: Record<Stream, string[]> = { stdout: [], stderr: [] };
  const partial = { stdout: '', stderr: '' };
  const onData = (stream: Stream) => (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    out[stream].push(text);
    if (!options.onLine) return;
    const pieces = (partial[stream] + text).split(options.splitOnCarriageReturn ? /\r\n|\n|\r(?!$)/ : '\n');
    partial[stream] = pieces.pop() ?? '';
    for (const line of pieces) options.onLine(redact(line.replace(/\r$/, '')), stream);
  };
  child.stdout.on('data', onData('stdout'));
  child.stderr.on('data', onData('stderr'));
  /** Everything, once the child is done: the last unfinished lines go to onLine too. */
  return (): Record<Stream, string> => {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (options.onLine && partial[stream]) options.onLine(redact(partial[stream]), stream);
    }
    return { stdout: out.stdout.join(''), stderr: out.stderr.join('') };
  };
}

/** Signals the child's whole group when it has one, so grandchildren (git's index-pack) go too. */
function killer(child: ChildProcess, pgid: number | undefined): (sig: NodeJS.Signals) => void {
  return (sig) => {
    if (pgid !== undefined) {
      try {
        process.kill(-pgid, sig);
        return;
      } catch {
        // The group is gone (or never formed): the child alone, below.
      }
    }
    child.kill(sig);
  };
}

interface Ending {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  output: Record<Stream, string>;
}

/** What a finished command amounts to: its result, or the error to throw. Pure. */
function outcome(
  command: string,
  args: readonly string[],
  options: RunOptions,
  end: Ending
): RunResult | Error {
  const { stdout, stderr } = end.output;
  const exitCode = end.code ?? 128;
  if (!end.timedOut && (exitCode === 0 || options.allowFailure)) return { code: exitCode, stdout, stderr };
  const how = end.timedOut
    ? `timed out after ${(options.timeoutMs ?? 0) / 1000} s`
    : end.signal
      ? `was killed by ${end.signal}`
      : `exited with code ${exitCode}`;
  const error = new ExecError(`${command} ${how}`, command, args, end.code, stdout, stderr);
  const tail = error.tail;
  error.message = redact(tail ? `${command} ${how}:\n${tail}` : `${command} ${how}`);
  return error;
}

/**
 * Whether a command runs in a process group of its own, so that cancelling
 * it stops everything it started: on Windows there are no process groups,
 * and a detached child would get a console window of its own, so it shares
 * this one (Ctrl-C reaches it there) and is stopped by itself. Pure.
 */
export function startsGroup(cancellable: boolean, platform: NodeJS.Platform = process.platform): boolean {
  return cancellable && platform !== 'win32';
}

/**
 * The one way this project runs a process: an argv array, never a shell
 * string. Output is collected (and streamed line by line to onLine); a
 * failure throws an ExecError carrying the exit code and the output's tail.
 * A cancelled command (options.signal) throws an AbortError instead.
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { signal } = options;
  if (signal?.aborted) {
    return Promise.reject(
      new AbortError(`${command} was cancelled before it started`, { cause: signal.reason })
    );
  }
  options.debug?.(redact(`$ ${formatArgv(command, args)}`));
  return new Promise((resolve, reject) => {
    const detached = startsGroup(signal !== undefined);
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached,
      uid: options.user?.uid,
      gid: options.user?.gid
    });
    // A detached child leads a process group of its own, whose id is its pid.
    const pgid = detached ? child.pid : undefined;
    if (pgid !== undefined) addGroup(pgid);
    const output = collectOutput(child, options);
    const kill = killer(child, pgid);
    let timedOut = false;
    let aborted = false;
    let escalation: NodeJS.Timeout | undefined;
    const onAbort = () => {
      aborted = true;
      kill('SIGTERM');
      escalation = setTimeout(() => kill('SIGKILL'), ABORT_GRACE_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            kill('SIGTERM');
          }, options.timeoutMs)
        : undefined;
    const cleanUp = () => {
      if (timer) clearTimeout(timer);
      if (escalation) clearTimeout(escalation);
      signal?.removeEventListener('abort', onAbort);
      if (pgid !== undefined) removeGroup(pgid);
    };

    child.on('error', (error: NodeJS.ErrnoException) => {
      cleanUp();
      const why = error.code === 'ENOENT' ? `${command} was not found on PATH` : error.message;
      reject(new ExecError(`Could not run ${command}: ${why}`, command, args, null, '', ''));
    });
    // 'close' comes once every holder of the output pipes is gone, grandchildren included.
    child.on('close', (code, exitSignal) => {
      cleanUp();
      const all = output();
      if (aborted) return reject(new AbortError(`${command} was cancelled`, { cause: signal?.reason }));
      const result = outcome(command, args, options, { code, signal: exitSignal, timedOut, output: all });
      if (result instanceof Error) reject(result);
      else resolve(result);
    });
  });
}
