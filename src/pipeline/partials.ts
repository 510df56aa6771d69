/**
 * What a run leaves beside an entry of a store (the action's tool cache, the
 * CLI's $HOME/esp32-devel): a `.partial-<host>-<pid>` staging copy, renamed
 * into place only once whole, and an `.evicted<n>-<host>-<pid>` copy, set
 * aside to be removed. Every name carries its run's host and pid, so a later
 * run (on any host that shares the store) knows whose it is, and removes only
 * what a run of its own host that is gone left behind. Nothing is removed in
 * place: a directory is first renamed aside, so no run ever sees half of one.
 */
import { readdirSync, rmSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** This machine's name as it appears in partial names. */
export function hostName(): string {
  return os.hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'localhost';
}

/** Whether a process of this host is still running (EPERM: it is, as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a pid in a partial name is a run of this host that is over (not this one). */
export function runGone(pid: number): boolean {
  return pid !== process.pid && !processAlive(pid);
}

/** Where a run stages `target` before renaming it into place. Pure. */
export function partialName(target: string, pid = process.pid, host = hostName()): string {
  return `${target}.partial-${host}-${pid}`;
}

let evictions = 0;

/** A fresh name to set `target` aside under. */
export function evictedName(target: string, pid = process.pid, host = hostName()): string {
  evictions += 1;
  return `${target}.evicted${evictions}-${host}-${pid}`;
}

export interface LeftoverOwner {
  pid: number;
  /** Absent in names from before hosts were recorded: this host's, then. */
  host?: string;
}

/** Whose leftover a name is, or undefined when it is no leftover. Pure. */
export function leftoverOwner(name: string): LeftoverOwner | undefined {
  const match = /\.(?:partial|evicted\d*)-(?:(.+)-)?(\d+)$/.exec(name);
  if (!match) return undefined;
  return match[1] === undefined ? { pid: Number(match[2]) } : { pid: Number(match[2]), host: match[1] };
}

/** Whether a leftover is of this host: only then can its run be asked whether it still runs. Pure. */
export function isOwnHost(owner: LeftoverOwner, host = hostName()): boolean {
  return owner.host === undefined || owner.host === host;
}

/**
 * Rename `target` aside, if it is there, and remove it. What cannot be
 * removed now (files still in use) stays under its evicted name, for a later
 * sweep; what was at `target` is gone at once either way.
 */
export async function removeAside(target: string): Promise<void> {
  const aside = evictedName(target);
  try {
    await rename(target, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  await rm(aside, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Remove the leftovers in `parents` whose run `remove` names (it is told the
 * owner, and is asked only about leftovers of this host). Synchronous and
 * never throwing, so that it can run while a cancelled run exits; returns
 * what it removed.
 */
export function sweepLeftovers(parents: string[], remove: (pid: number) => boolean): string[] {
  const removed: string[] = [];
  for (const parent of parents) {
    for (const name of list(parent)) {
      const owner = leftoverOwner(name);
      if (!owner || !isOwnHost(owner) || !remove(owner.pid)) continue;
      try {
        rmSync(path.join(parent, name), { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
        removed.push(path.join(parent, name));
      } catch {
        // Still being written by processes being stopped: the next sweep removes it.
      }
    }
  }
  return removed;
}
