/**
 * The real @actions/cache against the loopback cache service v2 double.
 */
import { jest } from '@jest/globals';
import * as cache from '@actions/cache';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';

const TWIRP = '/twirp/github.actions.results.api.v1.CacheService';

let work: string;
let server: CacheServer;
let savedEnv: NodeJS.ProcessEnv;
let output: string[];

/** Points process.env at a server (the runner's variables) until afterEach puts it back. */
function useServer(s: CacheServer): void {
  Object.assign(process.env, s.env);
}

beforeEach(async () => {
  savedEnv = { ...process.env };
  work = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'cache-server-test-')));
  await fs.mkdir(path.join(work, 'runner-temp'));
  await fs.mkdir(path.join(work, 'workspace'));
  for (const name of Object.keys(process.env)) {
    if (/^(ACTIONS_|GITHUB_|RUNNER_)/.test(name)) delete process.env[name];
  }
  process.env.RUNNER_TEMP = path.join(work, 'runner-temp');
  process.env.GITHUB_WORKSPACE = path.join(work, 'workspace');
  server = await startCacheServer();
  useServer(server);
  // @actions/core writes its log (and ::warning:: commands) to stdout.
  output = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output.push(chunk.toString());
    return true;
  });
});

afterEach(async () => {
  jest.restoreAllMocks();
  for (const name of Object.keys(process.env)) {
    if (!(name in savedEnv)) delete process.env[name];
  }
  Object.assign(process.env, savedEnv);
  await server.close();
  await fs.rm(work, { recursive: true, force: true });
});

async function makeDir(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(work, name);
  for (const [file, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await fs.writeFile(path.join(dir, file), content);
  }
  return dir;
}

async function readTree(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const full = path.join(entry.parentPath, entry.name);
      result[path.relative(dir, full)] = await fs.readFile(full, 'utf8');
    }
  }
  return result;
}

describe('the cache service double with the real @actions/cache', () => {
  it('saves a directory and restores it into the emptied path', async () => {
    const files = { 'bin/xtensa-esp32-elf-gcc': '#!/bin/sh\necho gcc\n', 'share/info.txt': 'toolchain\n' };
    const dir = await makeDir('toolchain', files);
    const id = await cache.saveCache([dir], 'toolchain-linux-v1');
    expect(id).toBeGreaterThan(0);
    expect(server.entries()).toEqual([
      {
        key: 'toolchain-linux-v1',
        version: expect.stringMatching(/^[0-9a-f]{64}$/),
        size: expect.any(Number)
      }
    ]);
    expect(server.entries()[0].size).toBeGreaterThan(0);

    await fs.rm(dir, { recursive: true });
    expect(await cache.restoreCache([dir], 'toolchain-linux-v1')).toBe('toolchain-linux-v1');
    expect(await readTree(dir)).toEqual(files);

    // The exchange, as @actions/cache v6 makes it against a host that is not Azure.
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST ${TWIRP}/CreateCacheEntry`,
      'PUT /fixturecache/actions-cache/1',
      `POST ${TWIRP}/FinalizeCacheEntryUpload`,
      `POST ${TWIRP}/GetCacheEntryDownloadURL`,
      'GET /fixturecache/actions-cache/1'
    ]);
  });

  it('matches restore keys as prefixes, newest first, and the key itself as a prefix', async () => {
    const dir = await makeDir('idf', { 'v.txt': 'first\n' });
    await cache.saveCache([dir], 'idf-v5.2.2-aaaa');
    await fs.writeFile(path.join(dir, 'v.txt'), 'second\n');
    await cache.saveCache([dir], 'idf-v5.2.2-bbbb');
    await fs.writeFile(path.join(dir, 'v.txt'), 'other\n');
    await cache.saveCache([dir], 'idf-v5.4.2-cccc');

    await fs.rm(dir, { recursive: true });
    expect(await cache.restoreCache([dir], 'idf-v5.2.2-zzzz', ['idf-v5.2.2-', 'idf-'])).toBe(
      'idf-v5.2.2-bbbb'
    );
    expect(await fs.readFile(path.join(dir, 'v.txt'), 'utf8')).toBe('second\n');
    expect(await cache.restoreCache([dir], 'idf-v5.2.2-zzzz', ['idf-'])).toBe('idf-v5.4.2-cccc');
    // No exact hit: the key is tried as a prefix before the restore keys.
    expect(await cache.restoreCache([dir], 'idf-v5.2.2', ['idf-v5.4'])).toBe('idf-v5.2.2-bbbb');
    // An exact hit wins over newer prefix matches.
    expect(await cache.restoreCache([dir], 'idf-v5.2.2-aaaa', ['idf-'])).toBe('idf-v5.2.2-aaaa');
    expect(await fs.readFile(path.join(dir, 'v.txt'), 'utf8')).toBe('first\n');
  });

  it('misses: an unknown key, and a known key saved for other paths (another version)', async () => {
    const dir = await makeDir('a', { 'f.txt': 'x\n' });
    await cache.saveCache([dir], 'only-key');
    expect(await cache.restoreCache([dir], 'other-key', ['nothing-'])).toBeUndefined();
    const elsewhere = path.join(work, 'b');
    expect(await cache.restoreCache([elsewhere], 'only-key')).toBeUndefined();
    expect(output.join('')).not.toContain('::warning::');
  });

  it('refuses to save an existing key: 409 already_exists, which the library logs and does not throw', async () => {
    const dir = await makeDir('a', { 'f.txt': 'x\n' });
    expect(await cache.saveCache([dir], 'same-key')).toBeGreaterThan(0);
    await fs.writeFile(path.join(dir, 'f.txt'), 'changed\n');
    expect(await cache.saveCache([dir], 'same-key')).toBe(-1);
    expect(server.entries()).toHaveLength(1);
    const log = output.join('');
    expect(log).toContain(
      'Failed to save: Unable to reserve cache with key same-key, another job may be creating this cache.'
    );
    expect(log).not.toContain('::warning::');
    await fs.rm(dir, { recursive: true });
    await cache.restoreCache([dir], 'same-key');
    expect(await fs.readFile(path.join(dir, 'f.txt'), 'utf8')).toBe('x\n');
  });

  it('keeps entries across a restart with the same storage directory (a fresh runner)', async () => {
    const storageDir = path.join(work, 'storage');
    await server.close();
    server = await startCacheServer({ storageDir });
    useServer(server);
    const dir = await makeDir('ccache', { 'stats.txt': 'hits 1\n' });
    await cache.saveCache([dir], 'ccache-GENERIC-1');

    await server.close();
    server = await startCacheServer({ storageDir });
    useServer(server);
    await fs.rm(dir, { recursive: true });
    expect(server.entries().map((e) => e.key)).toEqual(['ccache-GENERIC-1']);
    expect(await cache.restoreCache([dir], 'ccache-GENERIC-2', ['ccache-GENERIC-'])).toBe('ccache-GENERIC-1');
    expect(await fs.readFile(path.join(dir, 'stats.txt'), 'utf8')).toBe('hits 1\n');
  });

  it('uploads an archive above 128 MiB in blocks (Put Block, Put Block List) and restores it', async () => {
    const dir = path.join(work, 'big');
    await fs.mkdir(dir);
    const file = path.join(dir, 'random.bin');
    const out = createWriteStream(file);
    for (let i = 0; i < 130; i++) {
      if (!out.write(randomBytes(1024 * 1024)))
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve) => out.end(() => resolve()));
    const digest = async () => {
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
      return hash.digest('hex');
    };
    const before = await digest();

    expect(await cache.saveCache([dir], 'big-archive')).toBeGreaterThan(0);
    const writes = server.requests.filter((r) => r.method === 'PUT').map((r) => r.path);
    expect(writes.filter((p) => p.endsWith('?comp=block')).length).toBe(3);
    expect(writes.at(-1)).toBe('/fixturecache/actions-cache/1?comp=blocklist');
    expect(server.entries()[0].size).toBeGreaterThan(128 * 1024 * 1024);

    await fs.rm(dir, { recursive: true });
    expect(await cache.restoreCache([dir], 'big-archive')).toBe('big-archive');
    expect(await digest()).toBe(before);
  }, 120_000);

  it('while the service is down (503), restore retries and then returns undefined without throwing', async () => {
    const dir = await makeDir('a', { 'f.txt': 'x\n' });
    await cache.saveCache([dir], 'down-key');
    server.setDown(true);
    const started = Date.now();
    expect(await cache.restoreCache([dir], 'down-key')).toBeUndefined();
    const elapsed = Date.now() - started;
    const attempts = server.requests.filter((r) => r.path === `${TWIRP}/GetCacheEntryDownloadURL`);
    // Five attempts with backoff (3 s, then x1.5 with jitter): roughly half a minute.
    expect(attempts).toHaveLength(5);
    expect(elapsed).toBeGreaterThan(20_000);
    const log = output.join('');
    expect(log).toContain(
      'Attempt 1 of 5 failed with error: Failed request: (503) Service Unavailable: the cache service is unavailable'
    );
    expect(log).toMatch(
      /::warning::Failed to restore: Failed to GetCacheEntryDownloadURL: Failed to make request after 5 attempts/
    );

    server.setDown(false);
    expect(await cache.restoreCache([dir], 'down-key')).toBe('down-key');
  }, 90_000);
});
