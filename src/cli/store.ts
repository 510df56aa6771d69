/**
 * $HOME/esp32-devel, the CLI's cache store: one directory per ESP-IDF entry
 * (the pipeline keys them), the Xtensa toolchains in a tool cache, ccache,
 * MicroPython release clones, and per-run scratch space under tmp/<pid>.
 *
 * Everything written there lands atomically (a `.partial-<host>-<pid>`
 * sibling that is renamed into place, see pipeline/partials.ts), so what an
 * interrupted run leaves is recognisable: its own partials are removed on
 * Ctrl-C, and those of a run of this host that died outright are removed by
 * the next one.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Places, ToolStore } from '../ports.js';
import { MARKER } from '../pipeline/idf-entry.js';
import { isOwnHost, leftoverOwner, sweepLeftovers } from '../pipeline/partials.js';
import { TOOL_NAME } from '../pipeline/toolchain.js';

/** The store: esp32-devel in the user's home (os.homedir(): HOME, or USERPROFILE on Windows), joined as the platform joins. */
export function develRoot(home = os.homedir(), platform: NodeJS.Platform = process.platform): string {
  return (platform === 'win32' ? path.win32 : path.posix).join(home, 'esp32-devel');
}

export interface StoreLayout {
  root: string;
  idf: string;
  toolCache: string;
  micropython: string;
  tmp: string;
}

export function layout(root: string): StoreLayout {
  return {
    root,
    idf: path.join(root, 'idf'),
    toolCache: path.join(root, 'toolcache'),
    micropython: path.join(root, 'micropython'),
    tmp: path.join(root, 'tmp')
  };
}

/** The pipeline's places for this run: the store, and a scratch directory of its own. */
export function placesFor(root: string, pid = process.pid): Places {
  return { root, temp: path.join(layout(root).tmp, String(pid)) };
}

/**
 * Tools in plain directories, `toolcache/<name>/<version>/<arch>`, each
 * counted only once the `<arch>.complete` file beside it exists: the layout
 * of the runner's tool cache, so `doctor` reads both alike.
 */
export class DirectoryToolStore implements ToolStore {
  constructor(private readonly root: string) {}

  dir(name: string, version: string, arch: string): string {
    return path.join(this.root, name, version, arch);
  }

  find(name: string, version: string, arch: string): string | undefined {
    const dir = this.dir(name, version, arch);
    return existsSync(`${dir}.complete`) && existsSync(dir) ? dir : undefined;
  }

  async add(source: string, name: string, version: string, arch: string): Promise<string> {
    const dir = this.dir(name, version, arch);
    await rm(`${dir}.complete`, { force: true });
    await rm(dir, { recursive: true, force: true });
    await mkdir(path.dirname(dir), { recursive: true });
    try {
      await rename(source, dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await cp(source, dir, { recursive: true, verbatimSymlinks: true });
    }
    await writeFile(`${dir}.complete`, '');
    return dir;
  }
}

/** The pid in a `name.partial-<host>-<pid>` staging name (or an evicted one). Pure. */
export function partialOwner(name: string): number | undefined {
  return leftoverOwner(name)?.pid;
}

/** Where staging directories of a run can be. */
function stagingParents(root: string): string[] {
  const dirs = layout(root);
  return [dirs.idf, dirs.micropython];
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Remove a tree that processes being stopped may still be touching: retry
 * what a concurrent writer makes fail (ENOTEMPTY, EBUSY), and never throw, so
 * a cleanup on Ctrl-C cannot itself crash the exit. A tree left behind is
 * removed by the next run, as a dead pid's.
 */
function removeQuietly(target: string): boolean {
  try {
    rmSync(target, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    return true;
  } catch {
    return false;
  }
}

/** Remove what a run of this host (alive or not) left half-written or set aside. */
export function removeLeftovers(root: string, owner: (pid: number) => boolean): string[] {
  const removed = sweepLeftovers(stagingParents(root), owner);
  const tmp = layout(root).tmp;
  for (const name of list(tmp)) {
    if (/^\d+$/.test(name) && owner(Number(name))) {
      if (removeQuietly(path.join(tmp, name))) removed.push(path.join(tmp, name));
    }
  }
  return removed;
}

export interface IdfEntryState {
  name: string;
  dir: string;
  complete: boolean;
  commit?: string;
  chips?: string[];
}

export interface ToolchainState {
  version: string;
  dir: string;
  complete: boolean;
}

export interface PartialState {
  path: string;
  pid: number;
  /** Whether its run still runs; a run of another host sharing the store counts as running. */
  alive: boolean;
  /** The host of its run, when that is not this one. */
  host?: string;
}

/** The state of a leftover named `name` in `parent`, or undefined when it is none. */
function partialState(
  parent: string,
  name: string,
  alive: (pid: number) => boolean
): PartialState | undefined {
  const owner = leftoverOwner(name);
  if (!owner) return undefined;
  const state: PartialState = { path: path.join(parent, name), pid: owner.pid, alive: true };
  if (isOwnHost(owner)) state.alive = alive(owner.pid);
  else state.host = owner.host;
  return state;
}

export interface StoreState {
  root: string;
  exists: boolean;
  /** Free bytes on the file system that holds (or will hold) the store. */
  freeBytes?: number;
  idf: IdfEntryState[];
  toolchains: ToolchainState[];
  micropython: string[];
  partials: PartialState[];
}

async function dirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

async function nearestExisting(dir: string): Promise<string> {
  for (let d = dir; ; d = path.dirname(d)) {
    if (
      await stat(d).then(
        () => true,
        () => false
      )
    )
      return d;
    if (path.dirname(d) === d) return d;
  }
}

/** What the store holds, for doctor. */
export async function storeState(root: string, alive: (pid: number) => boolean): Promise<StoreState> {
  const dirsOf = layout(root);
  const exists = await stat(root).then(
    () => true,
    () => false
  );
  const state: StoreState = { root, exists, idf: [], toolchains: [], micropython: [], partials: [] };
  try {
    const fsInfo = await statfs(await nearestExisting(root));
    state.freeBytes = Number(fsInfo.bavail) * Number(fsInfo.bsize);
  } catch {
    state.freeBytes = undefined;
  }
  if (!exists) return state;

  for (const name of await dirs(dirsOf.idf)) {
    const dir = path.join(dirsOf.idf, name);
    const partial = partialState(dirsOf.idf, name, alive);
    if (partial) {
      state.partials.push(partial);
      continue;
    }
    const marker = await readFile(path.join(dir, MARKER), 'utf8').then(
      (text) => JSON.parse(text) as { commit?: string; chips?: string[] },
      () => undefined
    );
    state.idf.push({
      name,
      dir,
      complete: marker !== undefined,
      commit: marker?.commit,
      chips: marker?.chips
    });
  }

  const tools = path.join(dirsOf.toolCache, TOOL_NAME);
  for (const version of await dirs(tools)) {
    for (const arch of await dirs(path.join(tools, version))) {
      const dir = path.join(tools, version, arch);
      const complete = await stat(`${dir}.complete`).then(
        () => true,
        () => false
      );
      state.toolchains.push({ version, dir, complete });
    }
  }

  for (const name of await dirs(dirsOf.micropython)) {
    const partial = partialState(dirsOf.micropython, name, alive);
    if (partial) state.partials.push(partial);
    else state.micropython.push(name);
  }
  for (const name of await dirs(dirsOf.tmp)) {
    if (/^\d+$/.test(name))
      state.partials.push({
        path: path.join(dirsOf.tmp, name),
        pid: Number(name),
        alive: alive(Number(name))
      });
  }
  return state;
}

/** Remove this run's scratch directory once it is done. */
export async function removeScratch(places: Places): Promise<void> {
  await rm(places.temp, { recursive: true, force: true });
}
