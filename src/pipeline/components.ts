/**
 * ESP-IDF's component manager (MicroPython v1.21 and later) downloads the
 * managed components at CMake configure time into its cache,
 * IDF_COMPONENT_CACHE_PATH, which would otherwise sit in the container's
 * throwaway HOME: every fresh runner would download every component again.
 * This keeps that cache, per ESP-IDF and per set of the tree's manifests and
 * lock files, on this machine and in the Actions cache.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { hasAnyFile } from './fingerprint.js';
import { names, offlineIfCovered, readyComponents, type ComponentsOffline } from './component-cache.js';
import { obtainKeptDir, scopedContents, type KeptDir, type KeptDirContext } from './kept-dir.js';
import { componentsKey, shortHash, type ScopeTags } from './keys.js';
import { PORT_DIR } from './resolve/index.js';

export interface ComponentsPlan {
  dir: string;
  /** The directory holds components from an earlier build on this machine. */
  present: boolean;
  /** Saved under exactly this key, and restored from it (or else from the fallback scope's). */
  key: string;
  restoreKeys: string[];
  /** The cache scope whose contents it holds (kept-dir.ts). */
  scopeTag: string;
  /** The manifests and lock files (relative to the tree) the key is made of. */
  files: string[];
  /** The chips built: their lock files are the ones that count. */
  chips: string[];
  /** The registry mirror, when one is set. */
  registry?: string;
  /** Known when the cache is on this machine: how the build keeps away from the registry. */
  offline?: ComponentsOffline;
}

/** The component manager's cache, ready for the build. */
export type ComponentsState = KeptDir & { offline?: ComponentsOffline };

/** The tree's component manifests and lock files, relative to the tree, sorted. */
export async function componentFiles(tree: string): Promise<string[]> {
  const port = path.join(tree, PORT_DIR);
  const files: string[] = [];
  // v1.21 to v1.24 keep a manifest per chip (main_esp32/…), v1.25 and later one in main/.
  for (const name of await names(port)) {
    if (name !== 'main' && !name.startsWith('main_')) continue;
    if ((await names(path.join(port, name))).includes('idf_component.yml')) {
      files.push(`${PORT_DIR}/${name}/idf_component.yml`);
    }
  }
  // v1.26.1 and later commit a lock file per chip.
  for (const name of await names(path.join(port, 'lockfiles'))) {
    if (name.startsWith('dependencies.lock.')) files.push(`${PORT_DIR}/lockfiles/${name}`);
  }
  return files.sort();
}

/** The cache a tree's build uses, or undefined when the tree uses no managed components. */
export async function planComponents(
  tree: string,
  build: { idfRef: string; chips: string[]; registry?: string },
  root: string,
  scope: ScopeTags = { tag: '' }
): Promise<ComponentsPlan | undefined> {
  const files = await componentFiles(tree);
  if (files.length === 0) return undefined;
  const chips = [...build.chips].sort();
  // One cache per chip set: each chip's lock names its own components (tinyusb on S2/S3 only).
  const hash = createHash('sha256').update(`chips\0${chips.join(',')}\0`);
  for (const file of files) hash.update(`${file}\0${await readFile(path.join(tree, file))}\0`);
  const manifests = hash.digest('hex');
  const key = componentsKey(build.idfRef, manifests, scope.tag);
  const restoreKeys = scope.fallbackTag ? [componentsKey(build.idfRef, manifests, scope.fallbackTag)] : [];
  // One path whatever the scope (the Actions cache restores into the path it saved from).
  const dir = path.join(root, 'components', shortHash(componentsKey(build.idfRef, manifests), 16));
  const contents = await scopedContents(dir, scope.tag);
  const present = await hasAnyFile(contents);
  const offline = present ? await offlineIfCovered(contents, tree, chips, build.registry) : undefined;
  return {
    dir,
    present,
    key,
    restoreKeys,
    scopeTag: scope.tag,
    files,
    chips,
    registry: build.registry,
    offline
  };
}

/**
 * The cache as planned: kept on this machine, else restored from the Actions
 * cache under exactly its key; locked (KeptDir.lock).
 */
export async function obtainComponents(
  plan: ComponentsPlan,
  ctx: KeptDirContext,
  tree: string
): Promise<ComponentsState> {
  const kept = await obtainKeptDir(
    plan.dir,
    { key: plan.key, restoreKeys: plan.restoreKeys, scopeTag: plan.scopeTag },
    'managed components',
    ctx
  );
  try {
    return { ...kept, offline: await readyComponents(plan.dir, tree, plan.chips, plan.registry, ctx.log) };
  } catch (error) {
    await kept.lock?.release();
    throw error;
  }
}
