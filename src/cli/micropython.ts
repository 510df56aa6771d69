/**
 * Which MicroPython tree a command works on: the one given, the one around
 * the current directory, or (for a newcomer with none) the latest release,
 * cloned into $HOME/esp32-devel/micropython/<tag>.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ExecError } from '../exec.js';
import { CLONE_TIMEOUT_MS, git, LS_REMOTE_TIMEOUT_MS, progressArgs } from '../git.js';
import { newestVersionTags } from '../idf-versions.js';
import { partialName } from '../pipeline/partials.js';
import type { Log } from '../ports.js';
import type { RepoCredentials } from '../secrets.js';

export const DEFAULT_MICROPYTHON_REPO = 'https://github.com/micropython/micropython.git';

export class TreeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TreeError';
  }
}

/** A MicroPython checkout has py/ and ports/esp32/ at its root. */
export function looksLikeMicroPython(dir: string): boolean {
  return existsSync(path.join(dir, 'py', 'mpconfig.h')) && existsSync(path.join(dir, 'ports', 'esp32'));
}

/** The nearest directory at or above `start` that is a MicroPython tree. Pure but for `isTree`. */
export function findTreeAbove(start: string, isTree: (dir: string) => boolean): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (isTree(dir)) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Whether `inner` is `outer` or inside it. Pure. */
export function isInside(inner: string, outer: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The newest release tag (vX.Y or vX.Y.Z, no previews) in `git ls-remote --tags` output. Pure. */
export function latestRelease(lsRemote: string): string | undefined {
  const tags = [...lsRemote.matchAll(/refs\/tags\/(v\d+\.\d+(?:\.\d+)?)(?:\^\{\})?$/gm)].map(
    (match) => match[1]
  );
  return newestVersionTags(tags, 1)[0];
}

export interface CloneContext {
  /** $HOME/esp32-devel/micropython */
  dir: string;
  log: Log;
  onGitLine?: (line: string) => void;
  signal?: AbortSignal;
  /** Credentials --micropython-repo carried, for git's environment only. */
  credentials?: RepoCredentials;
}

/**
 * The latest release of `repo`, cloned (shallow) into `<dir>/<tag>` unless it
 * is there already. The clone lands in a `.partial-<host>-<pid>` sibling first.
 */
export async function latestReleaseTree(
  repo: string,
  ctx: CloneContext
): Promise<{ root: string; tag: string; cloned: boolean }> {
  const { log } = ctx;
  let listing: string;
  try {
    listing = (
      await git(['ls-remote', '--tags', '--', repo], {
        repo,
        timeoutMs: LS_REMOTE_TIMEOUT_MS,
        debug: log.debug,
        signal: ctx.signal,
        credentials: ctx.credentials
      })
    ).stdout;
  } catch (error) {
    throw new TreeError(
      `No MicroPython tree here, and the latest release cannot be looked up in ${repo}: ${(error as Error).message.split('\n').slice(-1)[0]}\n` +
        'Run this inside a MicroPython checkout, give one with --micropython DIR, or point --micropython-repo at a reachable mirror.'
    );
  }
  const tag = latestRelease(listing);
  if (!tag) throw new TreeError(`${repo} has no release tags (vX.Y.Z): is it MicroPython's repository?`);
  const root = path.join(ctx.dir, tag);
  if (existsSync(root)) {
    log.info(`Using MicroPython ${tag} in ${root}`);
    return { root, tag, cloned: false };
  }
  const staging = partialName(root);
  await mkdir(ctx.dir, { recursive: true });
  await rm(staging, { recursive: true, force: true });
  log.info(`Cloning MicroPython ${tag}, the latest release of ${repo}, into ${root}`);
  const options = {
    repo,
    debug: log.debug,
    onGitLine: ctx.onGitLine,
    signal: ctx.signal,
    credentials: ctx.credentials,
    timeoutMs: CLONE_TIMEOUT_MS
  };
  try {
    await git(
      ['clone', '--depth', '1', ...progressArgs(options), `--branch=${tag}`, '--', repo, staging],
      options
    );
    await rename(staging, root);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (error instanceof ExecError)
      throw new TreeError(`Could not clone MicroPython ${tag} from ${repo}: ${error.message}`);
    throw error;
  }
  return { root, tag, cloned: true };
}
