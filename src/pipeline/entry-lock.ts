/**
 * One run at a time per cache entry: `<entry>.lock`, created exclusively
 * (O_EXCL) and holding its run's host, pid and a nonce. A run that finds it
 * waits, then looks at the entry again (the other run may have made it). A
 * lock whose run is gone (its pid, on this host) or that nobody has touched
 * for STALE_MS (its holder refreshes it every HEARTBEAT_MS; on another host
 * only this tells) is broken: renamed aside, so that of two runs breaking it
 * at once only one succeeds, and checked, so that a lock taken meanwhile is
 * put back.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError } from '../exec.js';
import type { Log } from '../ports.js';
import { hostName, processAlive } from './partials.js';

export const HEARTBEAT_MS = 15_000;
export const STALE_MS = 120_000;
const POLL_MS = 250;

interface Holder {
  host: string;
  pid: number;
  nonce: string;
  since: string;
}

/** A lock this run holds. It never serialises (a prepared entry may carry one). */
export interface HeldLock {
  readonly file: string;
  /** Give it up; safe to call more than once. */
  release(): Promise<void>;
  toJSON(): undefined;
}

export interface LockOptions {
  /** What the entry is, for the waiting message. */
  what: string;
  /** What the holder does with it, for the waiting message: 'preparing' unless told. */
  doing?: string;
  log?: Log;
  signal?: AbortSignal;
}

/** The lock file of an entry directory. Pure. */
export function lockFile(entryDir: string): string {
  return `${entryDir}.lock`;
}

/** Whether a holder's lock may be broken: its run is gone, or it has not been refreshed for too long. Pure. */
export function isStale(holder: Holder | undefined, ageMs: number, alive: (pid: number) => boolean): boolean {
  if (ageMs > STALE_MS) return true;
  // A lock file just created holds nothing yet: give its run the time to write it.
  if (!holder) return false;
  return holder.host === hostName() && !alive(holder.pid);
}

async function readHolder(file: string): Promise<{ holder?: Holder; ageMs: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    let holder: Holder | undefined;
    try {
      holder = JSON.parse(text) as Holder;
    } catch {
      holder = undefined;
    }
    return { holder, ageMs: Date.now() - info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Break a stale lock; if another run took the lock in the meantime, put its lock back. */
async function breakLock(file: string, stale: Holder | undefined, me: Holder): Promise<void> {
  const aside = `${file}.stale-${me.nonce}`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const taken = (await readHolder(aside))?.holder;
  if (taken && taken.nonce !== stale?.nonce) await link(aside, file).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

async function tryCreate(file: string, me: Holder): Promise<boolean> {
  try {
    const handle = await open(file, 'wx');
    try {
      await handle.writeFile(JSON.stringify(me));
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function held(file: string, me: Holder): HeldLock {
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(file, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();
  let released: Promise<void> | undefined;
  return {
    file,
    release() {
      released ??= (async () => {
        clearInterval(heartbeat);
        // Only our own: a lock broken as stale and taken by another run is theirs now.
        if ((await readHolder(file))?.holder?.nonce === me.nonce) await unlink(file).catch(() => undefined);
      })();
      return released;
    },
    toJSON: () => undefined
  };
}

function describe(holder: Holder | undefined): string {
  return holder ? `process ${holder.pid} on ${holder.host} (since ${holder.since})` : 'another run';
}

/** Take the lock of the entry at `entryDir`, waiting while a live run holds it. */
export async function lockEntry(entryDir: string, options: LockOptions): Promise<HeldLock> {
  const file = lockFile(entryDir);
  const me: Holder = {
    host: hostName(),
    pid: process.pid,
    nonce: randomBytes(8).toString('hex'),
    since: new Date().toISOString()
  };
  await mkdir(path.dirname(file), { recursive: true });
  let told = false;
  for (;;) {
    if (options.signal?.aborted) throw new AbortError('Cancelled while waiting for a lock');
    if (await tryCreate(file, me)) return held(file, me);
    const found = await readHolder(file);
    if (!found) continue;
    if (isStale(found.holder, found.ageMs, processAlive)) {
      options.log?.info(
        `Taking over the lock of ${options.what} from ${describe(found.holder)}, which is gone`
      );
      await breakLock(file, found.holder, me);
      continue;
    }
    if (!told) {
      options.log?.info(
        `Waiting for ${describe(found.holder)}, which is ${options.doing ?? 'preparing'} ${options.what}`
      );
      told = true;
    }
    await sleep(POLL_MS, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
