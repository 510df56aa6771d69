import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExecError } from '../exec.js';
import { git, LS_REMOTE_TIMEOUT_MS } from '../git.js';
import { newestVersionTags } from '../idf-versions.js';
import type { CacheStore, Log, Places } from '../ports.js';
import type { RepoCredentials } from '../secrets.js';
import { cloneEntry } from './idf-clone.js';
import { idfDirName, idfKey, idfRestoreKeys, type IdfIdentity, type RefKind } from './keys.js';
import type { PendingSave } from './saves.js';

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
  save?: PendingSave;
}

interface Marker {
  key: string;
  commit: string;
  chips: string[];
}

export const MARKER = 'complete.json';

async function readMarker(dir: string): Promise<Marker | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, MARKER), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

/** Record that an entry is whole; only then may it be used or saved. */
export async function markComplete(idf: PreparedIdf, chips: string[]): Promise<void> {
  const marker: Marker = { key: idf.key, commit: idf.commit, chips };
  await writeFile(path.join(idf.dir, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
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

/**
 * The ESP-IDF checkout as planned: used as it is on this machine, else
 * restored from the Actions cache, else cloned. Planned offline: the newest
 * cached commit of a branch, or a cached tag or commit.
 */
export async function obtainIdf(plan: IdfPlan, ctx: IdfContext): Promise<PreparedIdf> {
  const { log } = ctx;
  if (plan.python === undefined) throw new IdfError("ESP-IDF was planned without the image's Python.");
  if (plan.offline !== undefined || !plan.remote || !plan.entry) {
    return fromCacheOffline(plan, plan.python, ctx, plan.offline);
  }
  const { kind, commit } = plan.remote;
  const entry = plan.entry;
  log.info(
    `ESP-IDF ${plan.ref} is ${kind === 'commit' ? 'a commit' : `${kind === 'tag' ? 'a tag' : 'a branch'} at ${commit}`}`
  );
  const marker = await readMarker(entry.dir);
  if (marker && marker.key === entry.key) {
    log.info(`Found on this machine: ${entry.dir}`);
    return { ...entry, kind, commit: marker.commit, source: 'local', needsInstall: false };
  }

  // A complete entry of an older commit (a branch that moved) stays until a
  // new clone has fully replaced it; only an unfinished one is cleared for a restore.
  if (!marker && ctx.useCache && ctx.cache.available) {
    await rm(entry.dir, { recursive: true, force: true });
    log.info(`Restoring from the Actions cache: ${entry.key}`);
    const hit = await ctx.cache.restore([entry.dir], entry.key);
    const restored = hit ? await readMarker(entry.dir) : undefined;
    if (restored && restored.key === entry.key) {
      log.info('Restored from the Actions cache');
      return { ...entry, kind, commit: restored.commit, source: 'actions-cache', needsInstall: false };
    }
    log.info(hit ? 'The cached entry was incomplete; cloning instead' : 'Not in the Actions cache');
  }

  await clone(plan, kind, entry.dir, ctx);
  const head = await revParse(entry.idfPath, ctx.signal);
  const cloned: PreparedIdf = { ...entry, kind, commit: head, source: 'clone', needsInstall: plan.install };
  cloned.save = { kind: 'idf', key: entry.key, paths: [entry.dir], ready: path.join(entry.dir, MARKER) };
  if (!plan.install) await markComplete(cloned, plan.chips);
  return cloned;
}

/** The directory of an entry under the places' root. Pure. */
export function idfEntryDir(root: string, id: Omit<IdfIdentity, 'commit'>): string {
  return path.join(root, 'idf', idfDirName(id));
}

/** Where an entry keeps the checkout and ESP-IDF's installed tools. Pure. */
export function entryPaths(dir: string): { idfPath: string; toolsPath: string } {
  return { idfPath: path.join(dir, 'esp-idf'), toolsPath: path.join(dir, 'espressif') };
}

/** No network: a cached tag or commit, or the newest cached commit of a branch. */
async function fromCacheOffline(
  plan: IdfPlan,
  python: string,
  ctx: IdfContext,
  failure?: string
): Promise<PreparedIdf> {
  const root = ctx.places.root;
  const at = (kind: RefKind) => idfEntry(root, plan, { kind, commit: '' }, python);
  const found = (entry: IdfEntry, kind: RefKind, marker: Marker, source: PreparedIdf['source']) => ({
    ...entry,
    key: marker.key,
    kind,
    commit: marker.commit,
    source,
    needsInstall: false
  });
  const branch = at('branch');
  const local = await readMarker(branch.dir);
  if (local) {
    ctx.log.warning(
      `Could not resolve branch '${plan.ref}' in ${plan.repo}; using the commit cached on this machine, ${local.commit}.`
    );
    return found(branch, 'branch', local, 'local');
  }
  if (ctx.useCache && ctx.cache.available) {
    // Offline, a name may be a tag or a branch: try the tag's key, then any commit of the branch.
    const tag = at('tag');
    await rm(tag.dir, { recursive: true, force: true });
    const tagHit = await ctx.cache.restore([tag.dir], tag.key);
    const tagMarker = tagHit ? await readMarker(tag.dir) : undefined;
    if (tagMarker) return found(tag, 'tag', tagMarker, 'actions-cache');

    await rm(branch.dir, { recursive: true, force: true });
    const anyCommit = idfRestoreKeys({
      repo: plan.repo,
      ref: plan.ref,
      chips: plan.chips,
      python,
      kind: 'branch'
    });
    const hit = await ctx.cache.restore([branch.dir], anyCommit[0], anyCommit);
    const marker = hit ? await readMarker(branch.dir) : undefined;
    if (marker) {
      ctx.log.warning(
        `Could not resolve branch '${plan.ref}' in ${plan.repo}; using the newest cached commit of it, ${marker.commit}.`
      );
      return found(branch, 'branch', marker, 'actions-cache');
    }
  }
  throw unreachable(plan.repo, plan.ref, failure);
}

async function revParse(dir: string, signal?: AbortSignal): Promise<string> {
  const { stdout } = await git(['-C', dir, 'rev-parse', 'HEAD'], { repo: dir, signal });
  return stdout.trim();
}

async function clone(req: IdfRequest, kind: RefKind, dir: string, ctx: IdfContext): Promise<void> {
  try {
    await cloneEntry({ ...req, kind }, dir, { ...ctx, timeoutMs: ctx.cloneTimeoutMs });
  } catch (error) {
    if (error instanceof ExecError) {
      throw new IdfError(
        `Could not check out ESP-IDF ${req.ref} from ${req.repo}: ${error.message}\nIf the repository is unreachable from here, set idf-repo to a mirror or fork.`
      );
    }
    throw error;
  }
}

/** Remove what install.sh only needed while installing: the downloaded archives. */
export async function pruneInstall(idf: PreparedIdf): Promise<void> {
  await rm(path.join(idf.toolsPath, 'dist'), { recursive: true, force: true });
}
