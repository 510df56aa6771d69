/** The post step's time bound on saving caches, with a cache service that stops answering. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CacheStore, Log } from '../../src/ports.js';
import type { Docker } from '../../src/pipeline/docker.js';
import { lockKeptDir } from '../../src/pipeline/kept-dir.js';
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
afterEach(async () => {
  for (const p of [dir, `${dir}.scope`, `${dir}.lock`]) await rm(p, { recursive: true, force: true });
});

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

describe('performSaves of a directory the build writes', () => {
  const warnings: string[] = [];
  const noting: Log = { ...log, warning: (m) => warnings.push(m) };
  const kept = (tag: string): PendingSave => ({
    kind: 'ccache',
    key: `ccache-${tag}`,
    paths: [dir],
    kept: { scopeTag: tag, what: 'ccache' }
  });

  it('saves it while its scope is the one in place, and leaves no lock behind', async () => {
    await writeFile(`${dir}.scope`, 'pr-7\n');
    const cache = cacheThatHangs([]);
    expect(await performSaves([kept('pr-7')], cache, NO_DOCKER, noting)).toEqual(['ccache-pr-7']);
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });

  it("skips it, with a warning, once another run's scope is in place", async () => {
    await writeFile(`${dir}.scope`, 'main\n');
    const cache = cacheThatHangs([]);
    warnings.length = 0;
    expect(await performSaves([kept('pr-7')], cache, NO_DOCKER, noting)).toEqual([]);
    expect(cache.saved).toEqual([]);
    expect(warnings.join('\n')).toMatch(
      /Not saving ccache cache ccache-pr-7: another run has put its own contents/
    );
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });

  it('waits for the run using it before reading it', async () => {
    await writeFile(`${dir}.scope`, 'main\n');
    const held = await lockKeptDir(dir, 'ccache', {});
    const cache = cacheThatHangs([]);
    const saving = performSaves([kept('main')], cache, NO_DOCKER, log);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(cache.saved).toEqual([]);
    await held.release();
    expect(await saving).toEqual(['ccache-main']);
  });
});
