import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { CacheStore, Log } from '../ports.js';
import { fingerprint, hasAnyFile } from './fingerprint.js';
import { ccacheKey, ccacheRestoreKeys, shortHash } from './keys.js';

/** Which ccache directory a CMake build uses, and whether it holds anything yet. */
export interface CcachePlan {
  dir: string;
  /** The directory holds objects from an earlier build on this machine. */
  present: boolean;
  /** Restored from the newest entry whose key starts with one of these. */
  restoreKeys: string[];
  /** Fixed part of the key it is saved under; each run adds its own id. */
  stem: { idfKey: string; board: string; variant?: string };
}

export interface CcacheState {
  dir: string;
  /** Where its contents came from: the restored key, or 'this machine'; undefined when empty. */
  hit?: string;
  /** What the directory held before the build; unchanged means nothing to save. */
  fingerprint: string;
}

export interface CcacheIdentity {
  repo: string;
  ref: string;
  chips: string[];
  board: string;
  variant?: string;
}

/** One directory per ESP-IDF and board on this machine. */
export async function planCcache(id: CcacheIdentity, root: string): Promise<CcachePlan> {
  const stem = { idfKey: `${id.repo}|${id.ref}|${id.chips.join('+')}`, board: id.board, variant: id.variant };
  const dir = path.join(root, 'ccache', shortHash(JSON.stringify(stem), 16));
  return { dir, present: await hasAnyFile(dir), restoreKeys: ccacheRestoreKeys(stem), stem };
}

/** The key this run's ccache is saved under. Pure. */
export function ccacheSaveKey(plan: CcachePlan, runId: string): string {
  return ccacheKey({ ...plan.stem, run: runId });
}

/** ccache's directory: kept on this machine, seeded from the newest cached one. */
export async function obtainCcache(
  plan: CcachePlan,
  ctx: { cache: CacheStore; useCache: boolean; log: Log }
): Promise<CcacheState> {
  const { dir } = plan;
  await mkdir(dir, { recursive: true });
  const before = await fingerprint(dir);
  let hit: string | undefined;
  if (before.files > 0) {
    hit = 'this machine';
    ctx.log.info(`Using the ccache on this machine (${before.files} files)`);
  } else if (ctx.useCache && ctx.cache.available) {
    hit = await ctx.cache.restore([dir], plan.restoreKeys[0], plan.restoreKeys);
    ctx.log.info(hit ? `Restored ccache from ${hit}` : 'No cached ccache yet');
    // Only a restore changes the directory: otherwise what was read before still holds.
    if (hit) return { dir, hit, fingerprint: (await fingerprint(dir)).id };
  }
  return { dir, hit, fingerprint: before.id };
}
