/**
 * The `.git` entries of the tree. git runs what a repository's config names
 * (core.fsmonitor on the next `git status`, hooks, filters), so no container
 * may write one: each is mounted read-only over itself. A `.git` that a build
 * creates (say in a submodule's empty directory, which the next `git status`
 * of the superproject then enters) is removed once the container is gone.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Log } from '../ports.js';
import type { Mount } from './docker.js';
import { hostPath, type HostPaths } from './host-paths.js';

export interface GitEntry {
  path: string;
  kind: 'dir' | 'file' | 'link';
  /** Identity: a `.git` put where another was is not that one. */
  dev: number;
  ino: number;
}

async function entriesOf(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return []; // gone, or not ours to read
  }
}

/**
 * Every entry named `.git` under `roots`: not inside a `.git` itself, and
 * never through a symbolic link. A root that does not exist has none.
 */
export async function findGitEntries(roots: readonly string[]): Promise<GitEntry[]> {
  const found: GitEntry[] = [];
  const pending = [...roots];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    for (const entry of await entriesOf(dir)) {
      const full = path.join(dir, entry.name);
      if (entry.name === '.git') {
        const info = await lstat(full).catch(() => undefined);
        if (!info) continue;
        const kind = info.isSymbolicLink() ? 'link' : info.isDirectory() ? 'dir' : 'file';
        found.push({ path: full, kind, dev: info.dev, ino: info.ino });
      } else if (entry.isDirectory()) {
        pending.push(full);
      }
    }
  }
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

/** What to mount read-only: the files and directories (a link cannot be mounted over). Pure. */
export function protectedPaths(entries: readonly GitEntry[]): string[] {
  return entries.filter((e) => e.kind !== 'link').map((e) => e.path);
}

/** The `.git` mounts inside the tree, each read-only over itself (at its container name: build.ts). Pure. */
export function gitMounts(tree: string, paths: readonly string[], hostPaths?: HostPaths): Mount[] {
  const { isAbsolute, relative } = hostPath(hostPaths);
  return paths
    .filter((p) => !relative(tree, p).startsWith('..') && !isAbsolute(relative(tree, p)))
    .map((p) => ({ host: p, container: p, readonly: true }));
}

/** The entries found after a container that were not there before it. Pure. */
export function plantedEntries(before: readonly GitEntry[], after: readonly GitEntry[]): GitEntry[] {
  const known = new Set(before.map((e) => `${e.dev}:${e.ino}`));
  return after.filter((e) => !known.has(`${e.dev}:${e.ino}`));
}

/**
 * After a container that could write `roots`: remove each `.git` it created
 * (a link is removed, not followed), with a warning that names it.
 */
export async function removePlantedGit(
  before: readonly GitEntry[],
  roots: readonly string[],
  log: Log
): Promise<string[]> {
  const planted = plantedEntries(before, await findGitEntries(roots));
  for (const entry of planted) {
    await rm(entry.path, { recursive: true, force: true });
    log.warning(
      `The build created ${entry.path} (a ${entry.kind === 'dir' ? 'directory' : entry.kind === 'file' ? 'file' : 'link'}): removed it. git would run what such a repository's config names on this machine.`
    );
  }
  return planted.map((e) => e.path);
}
