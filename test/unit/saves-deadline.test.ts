/** The post step's time bound on saving caches, with a cache service that stops answering. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CacheStore, Log } from '../../src/ports.js';
import type { Docker } from '../../src/pipeline/docker.js';
import { performSaves, SavesTimedOut, withDeadline, type PendingSave } from '../../src/pipeline/saves.js';

const NO_DOCKER = undefined as unknown as Docker;
const log: Log = { info: () => {}, warning: () => {}, debug: () => {}, output: () => {} };

/** A cache whose saves of the keys in `hang` never end; the others are recorded. */
function cacheThatHangs(hang: string[]): CacheStore & { saved: string[] } {
  const saved: string[] = [];
  return {
    saved,
    available: true,
    restore: () => Promise.resolve(undefined),
    save: (_paths, key) => {
      if (hang.includes(key)) return new Promise<void>(() => undefined);
      saved.push(key);
      return Promise.resolve();
    }
  };
}

let dir: string;
let saves: PendingSave[];
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'saves-'));
  await writeFile(path.join(dir, 'f'), 'x');
  saves = ['toolchain-k', 'idf-k', 'ccache-k'].map((key) => ({
    kind: key.split('-')[0] as PendingSave['kind'],
    key,
    paths: [dir]
  }));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('withDeadline', () => {
  it('gives what the work gives when it ends in time', async () => {
    expect(await withDeadline(Promise.resolve(7), 1000)).toEqual({ timedOut: false, value: 7 });
  });

  it('gives up on work that never ends', async () => {
    const start = performance.now();
    expect(await withDeadline(new Promise(() => undefined), 30)).toEqual({ timedOut: true });
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('passes a failure through', async () => {
    await expect(withDeadline(Promise.reject(new Error('no')), 1000)).rejects.toThrow('no');
  });
});

describe('performSaves with a deadline', () => {
  it('names the entry being saved and those not started when the time is up', async () => {
    const cache = cacheThatHangs(['idf-k']);
    const error = await performSaves(saves, cache, NO_DOCKER, log, { deadlineMs: 50 }).catch(
      (e: unknown) => e
    );
    expect(error).toBeInstanceOf(SavesTimedOut);
    expect((error as SavesTimedOut).unsaved).toEqual(['idf idf-k', 'ccache ccache-k']);
    expect((error as Error).message).toMatch(
      /took longer than 0\.1 s \(cache-save-timeout\); not saved: idf idf-k, ccache ccache-k\. Raise cache-save-timeout/
    );
    expect(cache.saved).toEqual(['toolchain-k']);
  });

  it('saves everything as before when the service answers', async () => {
    const cache = cacheThatHangs([]);
    expect(await performSaves(saves, cache, NO_DOCKER, log, { deadlineMs: 5000 })).toEqual([
      'toolchain-k',
      'idf-k',
      'ccache-k'
    ]);
  });
});
