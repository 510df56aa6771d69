/**
 * Cloning ESP-IDF with its submodules into a `.partial-<host>-<pid>` sibling
 * of the entry, moved into place only once the checkout and every submodule
 * are complete: an interrupted clone never looks like a finished one. The
 * whole clone is bounded in time; the credentials reach git through its
 * environment only, so the checkout's .git/config holds the URL without them.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { CLONE_TIMEOUT_MS, git, progressArgs } from '../git.js';
import type { Log } from '../ports.js';
import type { RepoCredentials } from '../secrets.js';
import { replaceEntry } from './idf-entry.js';
import type { RefKind } from './keys.js';
import { partialName } from './partials.js';

export interface CloneRequest {
  repo: string;
  ref: string;
  kind: RefKind;
  credentials?: RepoCredentials;
}

export interface CloneContext {
  log: Log;
  onGitLine?: (line: string) => void;
  signal?: AbortSignal;
  /** The bound on the whole clone; CLONE_TIMEOUT_MS unless a test needs less. */
  timeoutMs?: number;
}

type Step = (args: string[]) => Promise<unknown>;

/** Whether a failed step may be retried another way: not once cancelled, nor once out of time. */
function retryable(ctx: CloneContext, deadline: number): boolean {
  return !ctx.signal?.aborted && Date.now() < deadline;
}

/** Fetch the ref into an empty `checkout`, each step within what is left of the time. */
async function fetchRef(
  req: CloneRequest,
  checkout: string,
  step: Step,
  ctx: CloneContext & { deadline: number; progress: string[] }
) {
  const { progress } = ctx;
  const { log } = ctx;
  if (req.kind !== 'commit') {
    log.info(`Cloning ${req.repo} at ${req.ref} (shallow)`);
    await step(['clone', '--depth', '1', ...progress, `--branch=${req.ref}`, '--', req.repo, checkout]);
    return;
  }
  log.info(`Fetching commit ${req.ref} from ${req.repo}`);
  await step(['init', '--quiet', checkout]);
  await step(['-C', checkout, 'remote', 'add', '--', 'origin', req.repo]);
  try {
    await step(['-C', checkout, 'fetch', ...progress, '--depth', '1', 'origin', req.ref]);
  } catch (error) {
    if (!retryable(ctx, ctx.deadline)) throw error;
    // Some servers refuse to serve an unadvertised commit: fetch everything instead.
    log.info('The server would not serve the commit alone; fetching the whole history');
    await step(['-C', checkout, 'fetch', '--tags', 'origin', '+refs/heads/*:refs/remotes/origin/*']);
  }
  await step(['-C', checkout, 'checkout', '--quiet', '--detach', req.ref]);
}

async function updateSubmodules(
  checkout: string,
  step: Step,
  ctx: CloneContext & { deadline: number; progress: string[] }
) {
  const { progress } = ctx;
  ctx.log.info('Updating submodules (git submodule update --init --recursive)');
  const update = ['-C', checkout, 'submodule', 'update'];
  try {
    await step([...update, ...progress, '--init', '--recursive', '--depth', '1', '--jobs', '4']);
  } catch (error) {
    if (!retryable(ctx, ctx.deadline)) throw error;
    ctx.log.info('A shallow submodule fetch was refused; retrying with full history');
    await step([...update, '--init', '--recursive', '--jobs', '4']);
  }
}

/**
 * Clone `req` with its submodules and put it in place of the entry `dir`
 * (with an empty tools directory). Throws git's ExecError, or exec's
 * AbortError when cancelled; either way nothing of the clone is left.
 */
export async function cloneEntry(req: CloneRequest, dir: string, ctx: CloneContext): Promise<void> {
  const staging = partialName(dir);
  const checkout = path.join(staging, 'esp-idf');
  await rm(staging, { recursive: true, force: true });
  await mkdir(checkout, { recursive: true });
  const deadline = Date.now() + (ctx.timeoutMs ?? CLONE_TIMEOUT_MS);
  const options = {
    repo: req.repo,
    credentials: req.credentials,
    debug: ctx.log.debug,
    onGitLine: ctx.onGitLine,
    signal: ctx.signal
  };
  const step: Step = (args) => git(args, { ...options, timeoutMs: deadline - Date.now() });
  const stepCtx = { ...ctx, deadline, progress: progressArgs(options) };
  try {
    await fetchRef(req, checkout, step, stepCtx);
    await updateSubmodules(checkout, step, stepCtx);
    await mkdir(path.join(staging, 'espressif'), { recursive: true });
    await replaceEntry(dir, staging);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
