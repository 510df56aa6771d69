/**
 * A directory that the build itself fills (ccache's objects, the component
 * manager's downloads): kept on this machine from run to run, and on a
 * machine where it is empty seeded from the Actions cache.
 */
import { mkdir } from 'node:fs/promises';
import type { CacheStore, Log } from '../ports.js';
import { fingerprint } from './fingerprint.js';

export interface KeptDir {
  dir: string;
  /** Where its contents came from: the restored key, or 'this machine'; undefined when empty. */
  hit?: string;
  /** What the directory held before the build; unchanged means nothing to save. */
  fingerprint: string;
}

/** The directory, kept here or restored from `key` (or the newest entry starting with a restore key). */
export async function obtainKeptDir(
  dir: string,
  restore: { key: string; restoreKeys?: string[] },
  what: string,
  ctx: { cache: CacheStore; useCache: boolean; log: Log }
): Promise<KeptDir> {
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
