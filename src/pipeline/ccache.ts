import path from 'node:path';
import { obtainKeptDir, scopedPresence, type KeptDir, type KeptDirContext } from './kept-dir.js';
import { ccacheKey, ccacheRestoreKeys, shortHash, type ScopeTags } from './keys.js';

/** Which ccache directory a CMake build uses, and whether it holds anything yet. */
export interface CcachePlan {
  dir: string;
  /** The directory holds objects from an earlier build on this machine. */
  present: boolean;
  /** Restored from the newest entry whose key starts with one of these. */
  restoreKeys: string[];
  /** Fixed part of the key it is saved under; each run adds its own id. */
  stem: { idfKey: string; board: string; variant?: string };
  /** The scope it is saved under and restored from (cache-scope.ts). */
  scope: ScopeTags;
}

/** ccache's directory, ready for the build. */
export type CcacheState = KeptDir;

export interface CcacheIdentity {
  repo: string;
  ref: string;
  chips: string[];
  board: string;
  variant?: string;
}

/** One directory per ESP-IDF, board and cache scope on this machine. */
export async function planCcache(id: CcacheIdentity, root: string, scope: ScopeTags): Promise<CcachePlan> {
  const stem = { idfKey: `${id.repo}|${id.ref}|${id.chips.join('+')}`, board: id.board, variant: id.variant };
  const dir = path.join(root, 'ccache', shortHash(JSON.stringify(stem), 16));
  const present = await scopedPresence(dir, scope.tag);
  return { dir, present, restoreKeys: ccacheRestoreKeys(stem, scope), stem, scope };
}

/** The key this run's ccache is saved under. Pure. */
export function ccacheSaveKey(plan: CcachePlan, runId: string): string {
  return ccacheKey({ ...plan.stem, run: runId }, plan.scope);
}

/** ccache's directory: kept on this machine, seeded from the newest cached one; locked (KeptDir.lock). */
export function obtainCcache(plan: CcachePlan, ctx: KeptDirContext): Promise<CcacheState> {
  const restore = { key: plan.restoreKeys[0], restoreKeys: plan.restoreKeys, scopeTag: plan.scope.tag };
  return obtainKeptDir(plan.dir, restore, 'ccache', ctx);
}
