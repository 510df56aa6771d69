/**
 * An ESP-IDF entry on this machine, `<root>/idf/<name>/` with `esp-idf/` (the
 * checkout) and `espressif/` (its installed tools), and its marker,
 * `complete.json`, which only this machine's runs write: after their own
 * clone and install, or after verifying what they restored. The Actions
 * cache never carries a marker: an entry is saved from, and restored into,
 * `<name>.transfer` (a hard-linked copy without the marker), verified there
 * and only then renamed into place. Every change happens under the entry's
 * lock (entry-lock.ts), and nothing is removed in place (partials.ts).
 */
import {
  copyFile,
  link,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
  writeFile
} from 'node:fs/promises';
import path from 'node:path';
import { git } from '../git.js';
import type { CacheStore, Log } from '../ports.js';
import { lockEntry } from './entry-lock.js';
import { checkoutProblem } from './idf-verify.js';
import { evictedName, removeAside } from './partials.js';

export const MARKER = 'complete.json';

export interface Marker {
  key: string;
  commit: string;
  chips: string[];
}

export async function readMarker(dir: string): Promise<Marker | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, MARKER), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

/** Record that an entry is whole; only then may it be used or saved. */
export async function writeMarker(dir: string, marker: Marker): Promise<void> {
  await writeFile(path.join(dir, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
}

/** Where an entry is saved to the Actions cache from, and restored into. Pure. */
export function transferDir(dir: string): string {
  return `${dir}.transfer`;
}

/** Where an entry keeps the checkout and ESP-IDF's installed tools. Pure. */
export function entryPaths(dir: string): { idfPath: string; toolsPath: string } {
  return { idfPath: path.join(dir, 'esp-idf'), toolsPath: path.join(dir, 'espressif') };
}

/** Put the directory `staged` in place of the entry `dir`: an entry already there is renamed aside first, then removed. */
export async function replaceEntry(dir: string, staged: string): Promise<void> {
  const aside = evictedName(dir);
  let old = true;
  await rename(dir, aside).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    old = false;
  });
  await rename(staged, dir);
  if (old) await rm(aside, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
}

/** A copy of the tree `src` at `dest` made of hard links (copies where no link can be made), without `skip` at its top. */
export async function linkTree(src: string, dest: string, skip: readonly string[] = []): Promise<void> {
  await mkdir(dest, { mode: (await lstat(src)).mode & 0o7777 });
  for (const entry of await readdir(src, { withFileTypes: true })) {
    if (skip.includes(entry.name)) continue;
    const from = path.join(src, entry.name);
    const to = path.join(dest, entry.name);
    if (entry.isDirectory()) await linkTree(from, to);
    else if (entry.isSymbolicLink()) await symlink(await readlink(from), to);
    else if (entry.isFile()) await link(from, to).catch(() => copyFile(from, to));
  }
}

/** What a check of an entry on this machine found. */
export type LocalCheck =
  | { state: 'absent' }
  | { state: 'other'; marker: Marker }
  | { state: 'good'; marker: Marker }
  | { state: 'bad'; marker: Marker; problem: string };

/**
 * The entry at `dir` as this run may use it: absent (or unfinished), whole
 * but of another key (a branch's older commit), or whole and verified (good)
 * or not (bad). Without a key, any whole entry will do.
 */
export async function checkLocal(
  dir: string,
  key: string | undefined,
  signal?: AbortSignal
): Promise<LocalCheck> {
  const marker = await readMarker(dir);
  if (!marker) return { state: 'absent' };
  if (key !== undefined && marker.key !== key) return { state: 'other', marker };
  const problem = await checkoutProblem(entryPaths(dir).idfPath, marker.commit, signal);
  return problem ? { state: 'bad', marker, problem } : { state: 'good', marker };
}

/** The commit a checkout is at. */
export async function headOf(idfPath: string, signal?: AbortSignal): Promise<string> {
  const { stdout } = await git(['-C', idfPath, 'rev-parse', 'HEAD'], { repo: '', signal });
  return stdout.trim();
}

export interface RestoreRequest {
  key: string;
  restoreKeys?: string[];
  /** The commit the entry must be at, given the key it was restored under; undefined: any (offline, a tag). */
  expected: (matchedKey: string) => string | undefined;
  chips: string[];
}

export interface RestoreContext {
  cache: CacheStore;
  log: Log;
  signal?: AbortSignal;
}

/**
 * Restore an entry from the Actions cache into its transfer directory,
 * verify it there, and only then rename it into place with a marker of this
 * run. Returns its key and commit, or undefined for a miss or an entry that
 * fails verification (discarded, with a warning). Call with the entry's lock held.
 */
export async function restoreEntry(
  dir: string,
  req: RestoreRequest,
  ctx: RestoreContext
): Promise<Marker | undefined> {
  const transfer = transferDir(dir);
  await removeAside(transfer);
  const hit = await ctx.cache.restore([transfer], req.key, req.restoreKeys ?? []);
  if (!hit) {
    await removeAside(transfer);
    return undefined;
  }
  const expected = req.expected(hit);
  const problem = await checkoutProblem(entryPaths(transfer).idfPath, expected, ctx.signal);
  if (problem) {
    ctx.log.warning(
      `The ESP-IDF entry restored from the Actions cache (${hit}) fails verification: ${problem}. It is discarded and ESP-IDF fetched again; delete that cache entry so that no run restores it again.`
    );
    await removeAside(transfer);
    return undefined;
  }
  const head = expected ?? (await headOf(entryPaths(transfer).idfPath, ctx.signal));
  // A marker from an archive of an older version of this tool is not this run's: it goes.
  await rm(path.join(transfer, MARKER), { force: true });
  await replaceEntry(dir, transfer);
  const marker = { key: hit, commit: head, chips: req.chips };
  await writeMarker(dir, marker);
  return marker;
}

/**
 * Saving an entry: under its lock, check that it is still what its marker
 * says (a build may have written into it), stage a hard-linked copy without
 * the marker in the transfer directory, `save` it from there, and remove the
 * copy. False when the entry fails the check and is not saved.
 */
export async function saveFromTransfer(
  dir: string,
  commit: string,
  log: Log,
  save: () => Promise<void>
): Promise<boolean> {
  const lock = await lockEntry(dir, { what: `the ESP-IDF entry ${dir}`, log });
  const transfer = transferDir(dir);
  try {
    const problem = await checkoutProblem(entryPaths(dir).idfPath, commit);
    if (problem) {
      log.warning(`Not saving the ESP-IDF entry ${dir}: ${problem}.`);
      return false;
    }
    await removeAside(transfer);
    await linkTree(dir, transfer, [MARKER]);
    await save();
    return true;
  } finally {
    await removeAside(transfer);
    await lock.release();
  }
}
