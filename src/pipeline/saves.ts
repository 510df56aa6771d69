import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { CacheStore, Log } from '../ports.js';
import type { Docker } from './docker.js';
import { fingerprint } from './fingerprint.js';
import { saveFromTransfer } from './idf-entry.js';

/** A cache entry the main step prepared, for the post step to save. */
export interface PendingSave {
  kind: 'toolchain' | 'idf' | 'image' | 'ccache' | 'components';
  key: string;
  paths: string[];
  /** A file that must exist: the proof that the entry was finished completely. */
  ready?: string;
  /** For the image: the tag to `docker save` into paths[0] just before saving. */
  image?: string;
  /** The directory's fingerprint when restored: still the same means nothing new to save. */
  unchanged?: string;
  /**
   * For ESP-IDF: the entry, saved from a copy of it in paths[0] without its
   * marker, made just before saving once the checkout is checked to be still
   * at its commit (see saveFromTransfer).
   */
  entry?: { dir: string; commit: string };
}

/**
 * Saves every pending entry; each failure is a warning, never a failed job,
 * and an entry without its completion proof is never saved.
 */
export async function performSaves(
  saves: PendingSave[],
  cache: CacheStore,
  docker: Docker,
  log: Log
): Promise<string[]> {
  const saved: string[] = [];
  for (const entry of saves) {
    if (entry.ready && !existsSync(entry.ready)) {
      log.warning(
        `Not saving ${entry.kind} cache ${entry.key}: it was not completed (${entry.ready} is missing).`
      );
      continue;
    }
    if (entry.unchanged && (await fingerprint(entry.paths[0])).id === entry.unchanged) {
      log.info(`Not saving ${entry.kind} cache: nothing changed since it was restored.`);
      continue;
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
        if (!(await saveFromTransfer(entry.entry.dir, entry.entry.commit, log, save))) continue;
      } else {
        await cache.save(entry.paths, entry.key);
      }
      saved.push(entry.key);
    } catch (error) {
      log.warning(`Saving the ${entry.kind} cache failed: ${(error as Error).message}`);
    } finally {
      // The exported image takes hundreds of megabytes, and the image itself stays.
      if (entry.image) await rm(entry.paths[0], { force: true });
    }
  }
  return saved;
}
