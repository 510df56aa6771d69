/**
 * The component manager's cache around a build: before it, put back the lock
 * the cache was solved with, evict what does not match this tool's record of
 * it, and decide whether the build can do without the registry; after it,
 * keep the lock, prune what the lock no longer names and record the rest.
 */
import { createHash } from 'node:crypto';
import { copyFile, lstat, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Log } from '../ports.js';
import {
  cachedPath,
  covers,
  parseLock,
  registryHosts,
  UNREACHABLE_STORAGE,
  type Lock
} from './component-locks.js';
import { PORT_DIR } from './resolve/index.js';

/** What this tool records of the cache after a good build: every file's sha256, per component directory. */
const RECORD = '.esp32-devel-contents.json';
/** The lock a tree without committed lock files generated (MicroPython v1.21 to v1.26.0). */
const KEPT_LOCK = '.esp32-devel-dependencies.lock';
const GENERATED_LOCK = path.join(PORT_DIR, 'dependencies.lock');

type Record = { [componentPath: string]: { [file: string]: string } };

/** How a covered build is kept from the registry; undefined when it needs the registry. */
export interface ComponentsOffline {
  storage: string;
  hosts: string[];
}

/** A directory's entries, sorted; none when it cannot be read. */
export async function names(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false
  );
}

/** The lock files a build of these chips reads: lockfiles/dependencies.lock.<chip> (v1.26.1+), else the generated one. */
async function lockFiles(tree: string, chips: string[]): Promise<string[]> {
  const lockfiles = path.join(tree, PORT_DIR, 'lockfiles');
  if ((await names(lockfiles)).length > 0)
    return chips.map((chip) => path.join(lockfiles, `dependencies.lock.${chip}`));
  return [path.join(tree, GENERATED_LOCK)];
}

async function readLocks(tree: string, chips: string[]): Promise<Lock[] | undefined> {
  const locks: Lock[] = [];
  for (const file of await lockFiles(tree, chips)) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const lock = parseLock(text);
    if (lock.target && !chips.includes(lock.target)) return undefined;
    locks.push(lock);
  }
  return locks;
}

/** The component directories in the cache, as service_…/<component> paths. */
async function componentPaths(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const service of await names(dir)) {
    if (!service.startsWith('service_')) continue;
    for (const component of await names(path.join(dir, service))) found.push(`${service}/${component}`);
  }
  return found;
}

/** Every regular file's sha256 under dir; undefined when it holds anything else (a link, a device). */
async function fileHashes(dir: string): Promise<{ [file: string]: string } | undefined> {
  const hashes: { [file: string]: string } = {};
  const walk = async (rel: string): Promise<boolean> => {
    for (const name of await names(path.join(dir, rel))) {
      const relative = rel ? `${rel}/${name}` : name;
      const info = await lstat(path.join(dir, relative));
      if (info.isDirectory()) {
        if (!(await walk(relative))) return false;
      } else if (info.isFile()) {
        hashes[relative] = createHash('sha256')
          .update(await readFile(path.join(dir, relative)))
          .digest('hex');
      } else return false;
    }
    return true;
  };
  return (await walk('')) ? hashes : undefined;
}

async function readRecord(dir: string): Promise<Record | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, RECORD), 'utf8')) as Record;
  } catch {
    return undefined;
  }
}

const sameFiles = (a: { [f: string]: string }, b: { [f: string]: string }) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([f, h]) => b[f] === h);

/**
 * The component directories whose files are exactly as recorded; with
 * `evict`, the others are removed (the manager then downloads them again)
 * rather than trusted.
 */
async function verified(dir: string, evict: Log | undefined): Promise<Set<string>> {
  const record = (await readRecord(dir)) ?? {};
  const good = new Set<string>();
  for (const component of await componentPaths(dir)) {
    const files = await fileHashes(path.join(dir, component));
    if (files && record[component] && sameFiles(files, record[component])) {
      good.add(component);
    } else if (evict && record[component]) {
      evict.warning(
        `The cached component ${component} is not what was saved: removed, to be downloaded again`
      );
      await rm(path.join(dir, component), { recursive: true, force: true });
    }
  }
  return good;
}

async function gitMirrors(dir: string): Promise<string[]> {
  return (await names(dir)).filter((name) => name.startsWith('b_git_'));
}

/**
 * How the build keeps away from the registry when the cache at `dir` holds
 * everything the tree's locks (or the kept lock) name, as recorded; undefined
 * when it does not. With `evict`, entries that are not as recorded are removed.
 */
export async function offlineIfCovered(
  dir: string,
  tree: string,
  chips: string[],
  registry: string | undefined,
  evict?: Log
): Promise<ComponentsOffline | undefined> {
  const good = await verified(dir, evict);
  const locks = (await readLocks(tree, chips)) ?? (await keptLock(dir, chips));
  const mirrors = await gitMirrors(dir);
  if (!locks || !covers(locks, { paths: good, gitMirrors: mirrors.length > 0 })) return undefined;
  return { storage: UNREACHABLE_STORAGE, hosts: registryHosts(locks, registry) };
}

async function keptLock(dir: string, chips: string[]): Promise<Lock[] | undefined> {
  const text = await readFile(path.join(dir, KEPT_LOCK), 'utf8').catch(() => undefined);
  const lock = text === undefined ? undefined : parseLock(text);
  return lock && (!lock.target || chips.includes(lock.target)) ? [lock] : undefined;
}

/**
 * Before the build: the tree gets back the lock its cache was solved with
 * (when it commits none and has none), corrupt entries go, and a cache that
 * covers the lock makes the build keep away from the registry.
 */
export async function readyComponents(
  dir: string,
  tree: string,
  chips: string[],
  registry: string | undefined,
  log: Log
): Promise<ComponentsOffline | undefined> {
  const generated = path.join(tree, GENERATED_LOCK);
  const [target] = await lockFiles(tree, chips);
  if (target === generated && !(await exists(generated)) && (await keptLock(dir, chips))) {
    await copyFile(path.join(dir, KEPT_LOCK), generated);
    log.info(`Restored ${GENERATED_LOCK}, the lock the cached components were solved with`);
  }
  const offline = await offlineIfCovered(dir, tree, chips, registry, log);
  if (!offline) {
    log.info('The component cache does not hold everything the lock names: the build asks the registry');
    return undefined;
  }
  const mirrors = await gitMirrors(dir);
  // The manager fetches a git dependency's bare mirror (b_git_…) whenever its FETCH_HEAD is over a
  // minute old, which a restored one always is. Dated a day ahead, it is not fetched during this build.
  const ahead = new Date(Date.now() + 24 * 3600_000);
  for (const mirror of mirrors)
    await utimes(path.join(dir, mirror, 'FETCH_HEAD'), ahead, ahead).catch(() => {});
  log.info('The component cache holds everything the lock names: the build runs without the registry');
  return offline;
}

/**
 * After a good build: keep the generated lock, drop what the locks no longer
 * name (the cache never grows from run to run), and record what stays.
 */
export async function keepComponents(dir: string, tree: string, chips: string[], log: Log): Promise<void> {
  const generated = path.join(tree, GENERATED_LOCK);
  const [target] = await lockFiles(tree, chips);
  if (target === generated && (await exists(generated))) {
    const [now, kept] = await Promise.all([
      readFile(generated, 'utf8'),
      readFile(path.join(dir, KEPT_LOCK), 'utf8').catch(() => '')
    ]);
    if (now !== kept) await writeFile(path.join(dir, KEPT_LOCK), now);
  }
  const locks = await readLocks(tree, chips);
  const named = new Set(locks?.flatMap((lock) => lock.components.map(cachedPath)) ?? []);
  const record: Record = {};
  for (const component of await componentPaths(dir)) {
    if (locks && !named.has(component)) {
      log.info(`Pruned ${component} from the component cache: no lock names it`);
      await rm(path.join(dir, component), { recursive: true, force: true });
      continue;
    }
    const files = await fileHashes(path.join(dir, component));
    if (files) record[component] = files;
  }
  const before = await readFile(path.join(dir, RECORD), 'utf8').catch(() => '');
  const after = JSON.stringify(record);
  if (before !== after) await writeFile(path.join(dir, RECORD), after);
}
