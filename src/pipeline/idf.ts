import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ExecError } from '../exec.js';
import { git, LS_REMOTE_TIMEOUT_MS } from '../git.js';
import { newestVersionTags } from '../idf-versions.js';
import type { CacheStore, Log, Places } from '../ports.js';
import type { RepoCredentials } from '../secrets.js';
import { diskFullHint } from '../diagnostics.js';
import { lockEntry, type HeldLock } from './entry-lock.js';
import { cloneEntry, type CloneRequest } from './idf-clone.js';
import {
  checkLocal,
  entryPaths,
  headOf,
  MARKER,
  readMarker,
  restoreEntry,
  transferDir,
  writeMarker,
  type Marker
} from './idf-entry.js';
import { idfDirName, idfKey, idfRestoreKeys, type IdfIdentity, type RefKind } from './keys.js';
import { removeAside } from './partials.js';
import type { PendingSave } from './saves.js';

export { entryPaths, MARKER } from './idf-entry.js';

export class IdfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdfError';
  }
}

/** What `git ls-remote` says a ref is. */
export interface RemoteRef {
  kind: RefKind;
  commit: string;
}

const FULL_SHA = /^[0-9a-f]{40}$/;

/**
 * Classify `ref` from `git ls-remote --heads --tags` output. Pure. A tag wins
 * over a branch of the same name, as git itself resolves it; an annotated
 * tag's peeled commit (`^{}`) wins over the tag object.
 */
export function classifyRef(lsRemote: string, ref: string): RemoteRef | undefined {
  const refs = new Map<string, string>();
  for (const line of lsRemote.split('\n')) {
    const [sha, name] = line.trim().split(/\s+/);
    if (sha && name) refs.set(name, sha);
  }
  const tag = refs.get(`refs/tags/${ref}^{}`) ?? refs.get(`refs/tags/${ref}`);
  if (tag) return { kind: 'tag', commit: tag };
  const branch = refs.get(`refs/heads/${ref}`);
  if (branch) return { kind: 'branch', commit: branch };
  if (FULL_SHA.test(ref)) return { kind: 'commit', commit: ref };
  return undefined;
}

/** The newest version tags in ls-remote output, to suggest when a ref is not found. Pure. */
export function suggestTags(lsRemote: string, count = 5): string[] {
  const names = [...lsRemote.matchAll(/refs\/tags\/([^\s^]+)(?:\^\{\})?$/gm)].map((m) => m[1]);
  return newestVersionTags(names, count);
}

export interface IdfRequest {
  /** The repository without credentials. */
  repo: string;
  /** Its credentials, for git's environment only (they print as ***). */
  credentials?: RepoCredentials;
  ref: string;
  chips: string[];
  /** Whether ESP-IDF's install.sh must run (CMake-era builds). */
  install: boolean;
}

/**
 * Which ESP-IDF checkout the build uses and what is known of it before the
 * run: what the repository says the ref is (or why it could not be asked),
 * and, once the image's Python is known, the entry's key and directory.
 */
export interface IdfPlan extends IdfRequest {
  /** What the ref is; undefined when the repository could not be asked. */
  remote?: RemoteRef;
  /** Why the repository could not be asked: the run then looks in the caches only. */
  offline?: string;
  /** The image's Python; undefined until a pulled image is here to ask. */
  python?: string;
  /** The entry, when the ref's kind and the Python are known. */
  entry?: IdfEntry;
  /** A complete entry with this key is on this machine. */
  present: boolean;
}

export interface IdfEntry {
  key: string;
  dir: string;
  idfPath: string;
  toolsPath: string;
}

export interface PreparedIdf extends IdfEntry {
  commit: string;
  kind: RefKind;
  source: 'local' | 'actions-cache' | 'clone';
  /** install.sh has still to run inside the image before the entry is complete. */
  needsInstall: boolean;
  /** The entry's lock, held while install.sh runs (see markComplete); never serialised. */
  lock?: HeldLock;
  save?: PendingSave;
}

/** Record that an entry is whole, once install.sh has run; then give up its lock. */
export async function markComplete(idf: PreparedIdf, chips: string[]): Promise<void> {
  await writeMarker(idf.dir, { key: idf.key, commit: idf.commit, chips });
  await idf.lock?.release();
}

export interface IdfContext {
  cache: CacheStore;
  useCache: boolean;
  places: Places;
  log: Log;
  /** Streams clone progress lines. */
  onGitLine?: (line: string) => void;
  signal?: AbortSignal;
  /** The bound on a whole clone (CLONE_TIMEOUT_MS unless a test needs less). */
  cloneTimeoutMs?: number;
}

/** Ask the repository what `ref` is; a failure says why it could not be reached. */
async function lookUp(
  req: IdfRequest,
  log: Log,
  signal?: AbortSignal
): Promise<{ found?: RemoteRef; listing: string } | { failure: string }> {
  try {
    const { stdout } = await git(['ls-remote', '--heads', '--tags', '--', req.repo], {
      repo: req.repo,
      credentials: req.credentials,
      timeoutMs: LS_REMOTE_TIMEOUT_MS,
      debug: log.debug,
      signal
    });
    return { found: classifyRef(stdout, req.ref), listing: stdout };
  } catch (error) {
    if (signal?.aborted) throw error;
    const message = (error as Error).message;
    // git's first "fatal:" says why (not found, refused, dubious ownership…).
    const failure = /\bfatal: .*$/m.exec(message)?.[0] ?? message.split('\n').slice(-1)[0];
    log.warning(`Could not reach the ESP-IDF repository ${req.repo}: ${failure}`);
    return { failure };
  }
}

function unreachable(repo: string, ref: string, failure?: string): IdfError {
  return new IdfError(
    `The ESP-IDF repository ${repo} cannot be reached${failure ? ` (${failure})` : ''} and no cached checkout of '${ref}' exists. Check the network, or set idf-repo to a mirror or fork this machine can reach (and idf-tools-mirror for ESP-IDF's tool downloads).`
  );
}

/** The entry of a ref whose kind (and, for a branch, commit) is known, for the image's Python. Pure. */
export function idfEntry(root: string, req: IdfRequest, remote: RemoteRef, python: string): IdfEntry {
  const id = { repo: req.repo, ref: req.ref, chips: req.chips, python, kind: remote.kind };
  const dir = idfEntryDir(root, id);
  return { key: idfKey({ ...id, commit: remote.commit }), dir, ...entryPaths(dir) };
}

/**
 * What the ESP-IDF ref is and whether its entry is here. A tag already on
 * this machine needs no network (a tag never moves); anything else asks the
 * repository with `git ls-remote`, read-only. Unreachable, it is planned
 * offline: the run then looks in the caches only.
 */
export async function planIdf(
  req: IdfRequest,
  python: string | undefined,
  ctx: Pick<IdfContext, 'places' | 'log' | 'signal'>
): Promise<IdfPlan> {
  const root = ctx.places.root;
  const known = (remote: RemoteRef): IdfPlan => ({ ...req, remote, python, present: false });
  let plan: IdfPlan;
  if (FULL_SHA.test(req.ref)) {
    plan = known({ kind: 'commit', commit: req.ref });
  } else {
    if (python !== undefined) {
      const tag = idfEntry(root, req, { kind: 'tag', commit: '' }, python);
      const marker = await readMarker(tag.dir);
      if (marker && marker.key === tag.key) {
        return { ...known({ kind: 'tag', commit: marker.commit }), entry: tag, present: true };
      }
    }
    const answer = await lookUp(req, ctx.log, ctx.signal);
    if ('failure' in answer) return { ...req, python, offline: answer.failure, present: false };
    if (!answer.found) {
      const tags = suggestTags(answer.listing);
      throw new IdfError(
        `ESP-IDF ref '${req.ref}' does not exist in ${req.repo}. Use a tag, a branch or a full 40-character commit hash` +
          (tags.length ? `; the newest tags are ${tags.join(', ')}.` : '.')
      );
    }
    plan = known(answer.found);
  }
  return withEntry(plan, root);
}

/** The plan with its entry, once the Python is known; whether that entry is complete here. */
export async function withEntry(plan: IdfPlan, root: string, python = plan.python): Promise<IdfPlan> {
  if (!plan.remote || python === undefined) return { ...plan, python };
  const entry = idfEntry(root, plan, plan.remote, python);
  const marker = await readMarker(entry.dir);
  return { ...plan, python, entry, present: marker?.key === entry.key };
}

/** Run `fn` holding the entry's lock. */
async function locked<T>(dir: string, what: string, ctx: IdfContext, fn: () => Promise<T>): Promise<T> {
  const lock = await lockEntry(dir, { what, log: ctx.log, signal: ctx.signal });
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/** Set aside an entry that fails verification: it is fetched again, never repaired in place. */
async function evict(dir: string, problem: string, log: Log): Promise<void> {
  log.warning(
    `The ESP-IDF entry ${dir} fails verification: ${problem}. It is set aside and ESP-IDF fetched again.`
  );
  await removeAside(dir);
}

/**
 * The ESP-IDF checkout as planned: used as it is on this machine once
 * verified, else restored from the Actions cache and verified, else cloned.
 * Planned offline: the newest cached commit of a branch, or a cached tag or
 * commit. Whatever is written happens under the entry's lock; a clone that
 * still needs install.sh keeps it (markComplete gives it up).
 */
export async function obtainIdf(plan: IdfPlan, ctx: IdfContext): Promise<PreparedIdf> {
  if (plan.python === undefined) throw new IdfError("ESP-IDF was planned without the image's Python.");
  if (plan.offline !== undefined || !plan.remote || !plan.entry) {
    return fromCacheOffline(plan, plan.python, ctx, plan.offline);
  }
  const { kind, commit } = plan.remote;
  const entry = plan.entry;
  ctx.log.info(
    `ESP-IDF ${plan.ref} is ${kind === 'commit' ? 'a commit' : `${kind === 'tag' ? 'a tag' : 'a branch'} at ${commit}`}`
  );
  const here = await checkLocal(entry.dir, entry.key, ctx.signal);
  if (here.state === 'good') {
    ctx.log.info(`Found on this machine, verified: ${entry.dir}`);
    return { ...entry, kind, commit: here.marker.commit, source: 'local', needsInstall: false };
  }
  const lock = await lockEntry(entry.dir, { what: `ESP-IDF ${plan.ref}`, log: ctx.log, signal: ctx.signal });
  try {
    const idf = await obtainLocked(plan, entry, ctx);
    if (idf.needsInstall) return { ...idf, lock };
    await lock.release();
    return idf;
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** obtainIdf with the entry's lock held: look again (another run may have made it meanwhile), restore, clone. */
async function obtainLocked(plan: IdfPlan, entry: IdfEntry, ctx: IdfContext): Promise<PreparedIdf> {
  const { kind, commit } = plan.remote!;
  const { log } = ctx;
  const here = await checkLocal(entry.dir, entry.key, ctx.signal);
  if (here.state === 'good') {
    log.info(`Made by another run meanwhile, verified: ${entry.dir}`);
    return { ...entry, kind, commit: here.marker.commit, source: 'local', needsInstall: false };
  }
  if (here.state === 'bad') await evict(entry.dir, here.problem, log);
  if (ctx.useCache && ctx.cache.available) {
    log.info(`Restoring from the Actions cache: ${entry.key}`);
    const request = { key: entry.key, expected: () => commit, chips: plan.chips };
    const restored = await restoreEntry(entry.dir, request, ctx);
    if (restored) {
      log.info('Restored from the Actions cache and verified');
      return { ...entry, kind, commit: restored.commit, source: 'actions-cache', needsInstall: false };
    }
    log.info('Not restored from the Actions cache; cloning');
  }
  await clone({ repo: plan.repo, ref: plan.ref, kind, credentials: plan.credentials }, entry.dir, ctx);
  const head = await headOf(entry.idfPath, ctx.signal);
  const cloned: PreparedIdf = { ...entry, kind, commit: head, source: 'clone', needsInstall: plan.install };
  cloned.save = {
    kind: 'idf',
    key: entry.key,
    paths: [transferDir(entry.dir)],
    ready: path.join(entry.dir, MARKER),
    entry: { dir: entry.dir, commit: head }
  };
  if (!plan.install) await writeMarker(entry.dir, { key: entry.key, commit: head, chips: plan.chips });
  return cloned;
}

async function clone(req: CloneRequest, dir: string, ctx: IdfContext): Promise<void> {
  try {
    await cloneEntry(req, dir, { ...ctx, timeoutMs: ctx.cloneTimeoutMs });
  } catch (error) {
    if (error instanceof ExecError) {
      const hint =
        diskFullHint(error.message, path.dirname(dir)) ??
        'If the repository is unreachable from here, set idf-repo to a mirror or fork.';
      throw new IdfError(
        `Could not check out ESP-IDF ${req.ref} from ${req.repo}: ${error.message}\n${hint}`
      );
    }
    throw error;
  }
}

/** The directory of an entry under the places' root. Pure. */
export function idfEntryDir(root: string, id: Omit<IdfIdentity, 'commit'>): string {
  return path.join(root, 'idf', idfDirName(id));
}

/** The commit a branch's key names, after the restore key it matched. Pure. */
function branchCommit(key: string, prefix: string): string | undefined {
  const commit = key.slice(prefix.length);
  return FULL_SHA.test(commit) ? commit : undefined;
}

/** No network: a cached tag or commit, or the newest cached commit of a branch, each verified. */
async function fromCacheOffline(
  plan: IdfPlan,
  python: string,
  ctx: IdfContext,
  failure?: string
): Promise<PreparedIdf> {
  const at = (kind: RefKind) => idfEntry(ctx.places.root, plan, { kind, commit: '' }, python);
  const found = (entry: IdfEntry, kind: RefKind, marker: Marker, source: PreparedIdf['source']) => ({
    ...entry,
    key: marker.key,
    kind,
    commit: marker.commit,
    source,
    needsInstall: false
  });
  const what = `ESP-IDF ${plan.ref}`;
  const guess = `Could not resolve branch '${plan.ref}' in ${plan.repo}; using`;
  const [tag, branch] = [at('tag'), at('branch')];
  for (const [entry, kind] of [
    [tag, 'tag'],
    [branch, 'branch']
  ] as const) {
    // A branch's entry holds whichever commit it was last at: its key is not known here.
    const here = await checkLocal(entry.dir, kind === 'tag' ? entry.key : undefined, ctx.signal);
    if (here.state === 'good') {
      if (kind === 'branch')
        ctx.log.warning(`${guess} the commit cached on this machine, ${here.marker.commit}.`);
      return found(entry, kind, here.marker, 'local');
    }
    if (here.state === 'bad')
      await locked(entry.dir, what, ctx, () => evict(entry.dir, here.problem, ctx.log));
  }
  if (ctx.useCache && ctx.cache.available) {
    // Offline, a name may be a tag or a branch: try the tag's key, then any commit of the branch.
    const tagRequest = { key: tag.key, expected: () => undefined, chips: plan.chips };
    const tagHit = await locked(tag.dir, what, ctx, () => restoreEntry(tag.dir, tagRequest, ctx));
    if (tagHit) return found(tag, 'tag', tagHit, 'actions-cache');
    const anyCommit = idfRestoreKeys({
      repo: plan.repo,
      ref: plan.ref,
      chips: plan.chips,
      python,
      kind: 'branch'
    });
    const request = {
      key: anyCommit[0],
      restoreKeys: anyCommit,
      expected: (key: string) => branchCommit(key, anyCommit[0]),
      chips: plan.chips
    };
    const hit = await locked(branch.dir, what, ctx, () => restoreEntry(branch.dir, request, ctx));
    if (hit) {
      ctx.log.warning(`${guess} the newest cached commit of it, ${hit.commit}.`);
      return found(branch, 'branch', hit, 'actions-cache');
    }
  }
  throw unreachable(plan.repo, plan.ref, failure);
}

/** Remove what install.sh only needed while installing: the downloaded archives. */
export async function pruneInstall(idf: PreparedIdf): Promise<void> {
  await rm(path.join(idf.toolsPath, 'dist'), { recursive: true, force: true });
}
