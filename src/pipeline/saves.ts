import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { CacheStore, Log } from '../ports.js';
import type { Docker } from './docker.js';
import { fingerprint } from './fingerprint.js';
import { saveFromTransfer } from './idf-entry.js';
import { lockKeptDir, scopeInPlaceIs } from './kept-dir.js';

/** A cache entry the main step prepared, for the post step to save. */
export interface PendingSave {
  kind: 'toolchain' | 'idf' | 'image' | 'ccache' | 'components';
  key: string;
  paths: string[];
  /** A file that must exist: the proof that the entry was finished completely. */
  ready?: string;
  /** For the image: the tag to `docker save` into paths[0] just before saving. */
  image?: string;
  /**
   * For a directory the build writes (kept-dir.ts): its scope, which must
   * still be the one in place when the post step saves it (on a self-hosted
   * runner another run may have swapped its own in meanwhile), and what it is.
   */
  kept?: { scopeTag: string; what: string };
  /** The directory's fingerprint when restored: still the same means nothing new to save. */
  unchanged?: string;
  /**
   * For ESP-IDF: the entry, saved from a copy of it in paths[0] without its
   * marker, made just before saving once the checkout is checked to be still
   * at its commit (see saveFromTransfer).
   */
  entry?: { dir: string; commit: string };
}

/** The post step's time bound passed with entries still to save; the one being saved is abandoned. */
export class SavesTimedOut extends Error {
  constructor(
    message: string,
    readonly unsaved: string[]
  ) {
    super(message);
    this.name = 'SavesTimedOut';
  }
}

/**
 * What `work` resolves to, or `timedOut` once `ms` have passed (`work` is
 * then left to itself). The timer is cleared either way, so it never keeps
 * the process alive.
 */
export async function withDeadline<T>(
  work: Promise<T>,
  ms: number
): Promise<{ timedOut: false; value: T } | { timedOut: true }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<{ timedOut: true }>((resolve) => {
    timer = setTimeout(() => resolve({ timedOut: true }), ms);
  });
  try {
    return await Promise.race([work.then((value) => ({ timedOut: false as const, value })), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Saves every pending entry; each failure is a warning, never a failed job,
 * and an entry without its completion proof is never saved. With
 * `deadlineMs`, rejects with SavesTimedOut, naming the entries not saved,
 * once that time has passed.
 */
export async function performSaves(
  saves: PendingSave[],
  cache: CacheStore,
  docker: Docker,
  log: Log,
  options: { deadlineMs?: number } = {}
): Promise<string[]> {
  const saved: string[] = [];
  const left = new Set(saves);
  const work = (async () => {
    for (const entry of saves) {
      if (await saveLocked(entry, cache, docker, log)) saved.push(entry.key);
      left.delete(entry);
    }
    return saved;
  })();
  if (options.deadlineMs === undefined) return work;
  const outcome = await withDeadline(work, options.deadlineMs);
  if (!outcome.timedOut) return outcome.value;
  const unsaved = [...left].map((entry) => `${entry.kind} ${entry.key}`);
  throw new SavesTimedOut(
    `Saving caches took longer than ${inWords(options.deadlineMs)} (cache-save-timeout); not saved: ${unsaved.join(', ')}. Raise cache-save-timeout if saves here are slow.`,
    unsaved
  );
}

function inWords(ms: number): string {
  return ms >= 60_000 ? `${+(ms / 60_000).toFixed(1)} min` : `${+(ms / 1000).toFixed(1)} s`;
}

/**
 * One entry; a directory the build writes is locked while it is read, and
 * saved only if its scope's contents are still the ones in place.
 */
async function saveLocked(entry: PendingSave, cache: CacheStore, docker: Docker, log: Log): Promise<boolean> {
  if (!entry.kept) return saveOne(entry, cache, docker, log);
  const dir = entry.paths[0];
  const lock = await lockKeptDir(dir, entry.kept.what, { log });
  try {
    if (!(await scopeInPlaceIs(dir, entry.kept.scopeTag))) {
      log.warning(
        `Not saving ${entry.kind} cache ${entry.key}: another run has put its own contents in ${dir} since this build ran (a runner that runs several jobs); the next build of this scope saves it.`
      );
      return false;
    }
    return await saveOne(entry, cache, docker, log);
  } finally {
    await lock.release();
  }
}

/** One entry: whether it was saved. */
async function saveOne(entry: PendingSave, cache: CacheStore, docker: Docker, log: Log): Promise<boolean> {
  if (entry.ready && !existsSync(entry.ready)) {
    log.warning(
      `Not saving ${entry.kind} cache ${entry.key}: it was not completed (${entry.ready} is missing).`
    );
    return false;
  }
  if (entry.unchanged && (await fingerprint(entry.paths[0])).id === entry.unchanged) {
    log.info(`Not saving ${entry.kind} cache: nothing changed since it was restored.`);
    return false;
  }
  try {
    if (entry.image) {
      const file = entry.paths[0];
      await rm(file, { force: true });
      await mkdir(path.dirname(file), { recursive: true });
      log.info(`Exporting image ${entry.image}`);
      await docker.run(['save', '--output', file, entry.image]);
    }
    log.info(`Saving ${entry.kind} cache ${entry.key}`);
    if (entry.entry) {
      const save = () => cache.save(entry.paths, entry.key);
      return await saveFromTransfer(entry.entry.dir, entry.entry.commit, log, save);
    }
    await cache.save(entry.paths, entry.key);
    return true;
  } catch (error) {
    log.warning(`Saving the ${entry.kind} cache failed: ${(error as Error).message}`);
    return false;
  } finally {
    // The exported image takes hundreds of megabytes, and the image itself stays.
    if (entry.image) await rm(entry.paths[0], { force: true });
  }
}
