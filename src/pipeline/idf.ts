import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExecError } from '../exec.js';
import { git, progressArgs } from '../git.js';
import type { CacheStore, Log, Places } from '../ports.js';
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
  const tags = new Set<string>();
  for (const match of lsRemote.matchAll(/refs\/tags\/(v\d+\.\d+(?:\.\d+)?)(?:\^\{\})?$/gm))
    tags.add(match[1]);
  const parts = (t: string) => t.slice(1).split('.').map(Number);
  return [...tags]
    .sort((a, b) => {
      const [x, y] = [parts(a), parts(b)];
      for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
      return 0;
    })
    .slice(0, count);
}

export interface IdfRequest {
  repo: string;
  ref: string;
  chips: string[];
  python: string;
  /** Whether ESP-IDF's install.sh must run (CMake-era builds). */
  install: boolean;
}

export interface PreparedIdf {
  /** Host directory of this entry: esp-idf/, espressif/ and the completion marker. */
  dir: string;
  idfPath: string;
  toolsPath: string;
  commit: string;
  kind: RefKind;
  key: string;
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
}

/** Ask the repository what `ref` is; a failure says why it could not be reached. */
async function lookUp(
  repo: string,
  ref: string,
  log: Log
): Promise<{ found?: RemoteRef; listing: string } | { failure: string }> {
  try {
    const { stdout } = await git(['ls-remote', '--heads', '--tags', '--', repo], {
      repo,
      timeoutMs: 60_000,
      debug: log.debug
    });
    return { found: classifyRef(stdout, ref), listing: stdout };
  } catch (error) {
    const message = (error as Error).message;
    // git's first "fatal:" line says why (not found, refused, dubious ownership…).
    const failure = /^fatal: .*$/m.exec(message)?.[0] ?? message.split('\n').slice(-1)[0];
    log.warning(`Could not reach the ESP-IDF repository ${repo}: ${failure}`);
    return { failure };
  }
}

function unreachable(repo: string, ref: string, failure?: string): IdfError {
  return new IdfError(
    `The ESP-IDF repository ${repo} cannot be reached${failure ? ` (${failure})` : ''} and no cached checkout of '${ref}' exists. Check the network, or set idf-repo to a mirror or fork this machine can reach (and idf-tools-mirror for ESP-IDF's tool downloads).`
  );
}

/**
 * An ESP-IDF checkout at `ref` with its submodules: used as it is on this
 * machine, else restored from the Actions cache, else cloned. A warm entry
 * needs no network; a branch that cannot be resolved offline falls back to
 * the newest cached commit of it.
 */
export async function prepareIdf(req: IdfRequest, ctx: IdfContext): Promise<PreparedIdf> {
  const { log } = ctx;
  const base = { repo: req.repo, ref: req.ref, chips: req.chips, python: req.python };
  const entryDir = (kind: RefKind) => idfEntryDir(ctx.places.root, { ...base, kind });

  let remote: RemoteRef | undefined;
  let listing: string | undefined;
  let offline = false;
  let failure: string | undefined;
  if (FULL_SHA.test(req.ref)) {
    remote = { kind: 'commit', commit: req.ref };
  } else {
    // A tag never moves: when it is already here, the network is not needed.
    const tagDir = entryDir('tag');
    const marker = await readMarker(tagDir);
    if (marker && marker.key === idfKey({ ...base, kind: 'tag' })) {
      log.info(`ESP-IDF ${req.ref} (${marker.commit}) is already on this machine`);
      return entry(tagDir, 'tag', marker.commit, marker.key, 'local', false);
    }
    const answer = await lookUp(req.repo, req.ref, log);
    if ('failure' in answer) {
      offline = true;
      failure = answer.failure;
    } else {
      listing = answer.listing;
      remote = answer.found;
      if (!remote) {
        const tags = suggestTags(listing);
        throw new IdfError(
          `ESP-IDF ref '${req.ref}' does not exist in ${req.repo}. Use a tag, a branch or a full 40-character commit hash` +
            (tags.length ? `; the newest tags are ${tags.join(', ')}.` : '.')
        );
      }
    }
  }

  if (offline) return fromCacheOffline(req, ctx, entryDir, failure);

  const kind = remote!.kind;
  const commit = remote!.commit;
  const key = idfKey({ ...base, kind, commit });
  const dir = entryDir(kind);
  log.info(
    `ESP-IDF ${req.ref} is ${kind === 'commit' ? 'a commit' : `${kind === 'tag' ? 'a tag' : 'a branch'} at ${commit}`}`
  );

  const marker = await readMarker(dir);
  if (marker && marker.key === key) {
    log.info(`Found on this machine: ${dir}`);
    return entry(dir, kind, marker.commit, key, 'local', false);
  }

  // A complete entry of an older commit (a branch that moved) stays until a
  // new clone has fully replaced it; only an unfinished one is cleared for a restore.
  if (!marker && ctx.useCache && ctx.cache.available) {
    await rm(dir, { recursive: true, force: true });
    log.info(`Restoring from the Actions cache: ${key}`);
    const hit = await ctx.cache.restore([dir], key);
    const restored = hit ? await readMarker(dir) : undefined;
    if (restored && restored.key === key) {
      log.info('Restored from the Actions cache');
      return entry(dir, kind, restored.commit, key, 'actions-cache', false);
    }
    log.info(hit ? 'The cached entry was incomplete; cloning instead' : 'Not in the Actions cache');
  }

  await clone(req, kind, dir, ctx);
  const head = await revParse(path.join(dir, 'esp-idf'));
  const cloned = entry(dir, kind, head, key, 'clone', req.install);
  cloned.save = { kind: 'idf', key, paths: [dir], ready: path.join(dir, MARKER) };
  if (!req.install) await markComplete(cloned, req.chips);
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

function entry(
  dir: string,
  kind: RefKind,
  commit: string,
  key: string,
  source: PreparedIdf['source'],
  needsInstall: boolean
): PreparedIdf {
  return {
    dir,
    ...entryPaths(dir),
    commit,
    kind,
    key,
    source,
    needsInstall
  };
}

/** No network: a cached tag or commit, or the newest cached commit of a branch. */
async function fromCacheOffline(
  req: IdfRequest,
  ctx: IdfContext,
  entryDir: (kind: RefKind) => string,
  failure?: string
): Promise<PreparedIdf> {
  const base = { repo: req.repo, ref: req.ref, chips: req.chips, python: req.python };
  const branchDir = entryDir('branch');
  const local = await readMarker(branchDir);
  if (local) {
    ctx.log.warning(
      `Could not resolve branch '${req.ref}' in ${req.repo}; using the commit cached on this machine, ${local.commit}.`
    );
    return entry(branchDir, 'branch', local.commit, local.key, 'local', false);
  }
  if (ctx.useCache && ctx.cache.available) {
    // Offline, a name may be a tag or a branch: try the tag's key, then any commit of the branch.
    const tagDir = entryDir('tag');
    await rm(tagDir, { recursive: true, force: true });
    const tagHit = await ctx.cache.restore([tagDir], idfKey({ ...base, kind: 'tag' }));
    const tagMarker = tagHit ? await readMarker(tagDir) : undefined;
    if (tagMarker) return entry(tagDir, 'tag', tagMarker.commit, tagMarker.key, 'actions-cache', false);

    await rm(branchDir, { recursive: true, force: true });
    const anyCommit = idfRestoreKeys({ ...base, kind: 'branch' });
    const hit = await ctx.cache.restore([branchDir], anyCommit[0], anyCommit);
    const marker = hit ? await readMarker(branchDir) : undefined;
    if (marker) {
      ctx.log.warning(
        `Could not resolve branch '${req.ref}' in ${req.repo}; using the newest cached commit of it, ${marker.commit}.`
      );
      return entry(branchDir, 'branch', marker.commit, marker.key, 'actions-cache', false);
    }
  }
  throw unreachable(req.repo, req.ref, failure);
}

async function revParse(dir: string): Promise<string> {
  const { stdout } = await git(['-C', dir, 'rev-parse', 'HEAD'], { repo: dir });
  return stdout.trim();
}

/**
 * Clone into a sibling temporary directory and move it into place only when
 * the checkout and every submodule are complete: an interrupted clone never
 * looks like a finished one.
 */
async function clone(req: IdfRequest, kind: RefKind, dir: string, ctx: IdfContext): Promise<void> {
  const { log } = ctx;
  const staging = `${dir}.partial-${process.pid}`;
  const checkout = path.join(staging, 'esp-idf');
  await rm(staging, { recursive: true, force: true });
  await mkdir(checkout, { recursive: true });
  const options = { repo: req.repo, debug: log.debug, onGitLine: ctx.onGitLine };
  const step = (args: string[]) => git(args, options);
  const progress = progressArgs(options);
  try {
    if (kind === 'commit') {
      log.info(`Fetching commit ${req.ref} from ${req.repo}`);
      await step(['init', '--quiet', checkout]);
      await step(['-C', checkout, 'remote', 'add', 'origin', req.repo]);
      try {
        await step(['-C', checkout, 'fetch', ...progress, '--depth', '1', 'origin', req.ref]);
      } catch {
        // Some servers refuse to serve an unadvertised commit: fetch everything instead.
        log.info('The server would not serve the commit alone; fetching the whole history');
        await step(['-C', checkout, 'fetch', '--tags', 'origin', '+refs/heads/*:refs/remotes/origin/*']);
      }
      await step(['-C', checkout, 'checkout', '--quiet', '--detach', req.ref]);
    } else {
      log.info(`Cloning ${req.repo} at ${req.ref} (shallow)`);
      await step(['clone', '--depth', '1', ...progress, `--branch=${req.ref}`, '--', req.repo, checkout]);
    }
    log.info('Updating submodules (git submodule update --init --recursive)');
    try {
      await step([
        '-C',
        checkout,
        'submodule',
        'update',
        ...progress,
        '--init',
        '--recursive',
        '--depth',
        '1',
        '--jobs',
        '4'
      ]);
    } catch {
      log.info('A shallow submodule fetch was refused; retrying with full history');
      await step(['-C', checkout, 'submodule', 'update', '--init', '--recursive', '--jobs', '4']);
    }
    await mkdir(path.join(staging, 'espressif'), { recursive: true });
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
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

export function isInstalled(idf: PreparedIdf): boolean {
  return existsSync(path.join(idf.dir, MARKER));
}
