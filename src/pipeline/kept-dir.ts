/**
 * A directory that the build itself fills (ccache's objects, the component
 * manager's downloads): kept on this machine from run to run, and on a
 * machine where it is empty seeded from the Actions cache.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CacheStore, Log } from '../ports.js';
import { lockEntry, type HeldLock } from './entry-lock.js';
import { fingerprint, hasAnyFile } from './fingerprint.js';

/*
 * A scoped directory (cache-scope.ts) lives at one path whatever its scope,
 * since the Actions cache only restores an entry into the paths it was saved
 * from. Each scope's contents are kept beside it, at <dir>.<scope>, and moved
 * into place for a run of that scope; <dir>.scope says whose contents are in
 * place. So a build never sees another scope's objects, on a self-hosted
 * runner either.
 */
const scopeFile = (dir: string) => `${dir}.scope`;

async function scopeInPlace(dir: string): Promise<string> {
  return (await readFile(scopeFile(dir), 'utf8').catch(() => '')).trim();
}

/** Whether this scope's contents are the ones in place (always, unscoped). */
export async function scopeInPlaceIs(dir: string, tag: string): Promise<boolean> {
  return !tag || (await scopeInPlace(dir)) === tag;
}

/** Where this scope's contents are now: in place, or set aside. */
export async function scopedContents(dir: string, tag: string): Promise<string> {
  return !tag || (await scopeInPlace(dir)) === tag ? dir : `${dir}.${tag}`;
}

/** Whether this scope's contents are here, in place or set aside. */
export async function scopedPresence(dir: string, tag: string): Promise<boolean> {
  return hasAnyFile(await scopedContents(dir, tag));
}

/** Puts this scope's contents (or nothing) in place, setting aside another scope's. */
async function checkOutScope(dir: string, tag: string): Promise<void> {
  const current = await scopeInPlace(dir);
  if (current === tag) return;
  await mkdir(path.dirname(dir), { recursive: true });
  if (await hasAnyFile(dir)) {
    const aside = `${dir}.${current || 'unscoped'}`;
    await rm(aside, { recursive: true, force: true });
    await rename(dir, aside);
  } else {
    await rm(dir, { recursive: true, force: true });
  }
  await rename(`${dir}.${tag}`, dir).catch(() => undefined);
  await writeFile(scopeFile(dir), `${tag}\n`);
}

export interface KeptDir {
  dir: string;
  /** Where its contents came from: the restored key, or 'this machine'; undefined when empty. */
  hit?: string;
  /** What the directory held before the build; unchanged means nothing to save. */
  fingerprint: string;
  /**
   * Held from before the scope is checked out until the build that writes
   * the directory is over: another run would swap or write it meanwhile.
   * Whoever runs the build releases it.
   */
  lock?: HeldLock;
}

export interface KeptDirContext {
  cache: CacheStore;
  useCache: boolean;
  log: Log;
  signal?: AbortSignal;
  /** The directory's lock, already taken (lockKeptDir); taken here when absent. */
  lock?: HeldLock;
}

/** Take the lock of a kept directory, waiting while another run uses it. */
export function lockKeptDir(
  dir: string,
  what: string,
  ctx: { log?: Log; signal?: AbortSignal }
): Promise<HeldLock> {
  return lockEntry(dir, {
    what: `the ${what} directory ${dir}`,
    doing: 'using',
    log: ctx.log,
    signal: ctx.signal
  });
}

/**
 * The directory, kept here or restored from `key` (or the newest entry
 * starting with a restore key), locked for this run: the lock comes back in
 * KeptDir.lock, or is released when this fails.
 */
export async function obtainKeptDir(
  dir: string,
  restore: { key: string; restoreKeys?: string[]; scopeTag?: string },
  what: string,
  ctx: KeptDirContext
): Promise<KeptDir> {
  const lock = ctx.lock ?? (await lockKeptDir(dir, what, ctx));
  try {
    return { ...(await obtainLocked(dir, restore, what, ctx)), lock };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function obtainLocked(
  dir: string,
  restore: { key: string; restoreKeys?: string[]; scopeTag?: string },
  what: string,
  ctx: KeptDirContext
): Promise<KeptDir> {
  if (restore.scopeTag) await checkOutScope(dir, restore.scopeTag);
  await mkdir(dir, { recursive: true });
  const before = await fingerprint(dir);
  if (before.files > 0) {
    ctx.log.info(`Using the ${what} on this machine (${before.files} files)`);
    return { dir, hit: 'this machine', fingerprint: before.id };
  }
  if (ctx.useCache && ctx.cache.available) {
    const hit = await ctx.cache.restore([dir], restore.key, restore.restoreKeys);
    ctx.log.info(hit ? `Restored ${what} from ${hit}` : `No cached ${what} yet`);
    // Only a restore changes the directory: otherwise what was read before still holds.
    if (hit) return { dir, hit, fingerprint: (await fingerprint(dir)).id };
  }
  return { dir, fingerprint: before.id };
}
