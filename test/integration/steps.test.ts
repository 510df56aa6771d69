/**
 * The toolchain and ESP-IDF steps against real git, tar and HTTP on loopback,
 * and the real @actions/cache talking to a loopback cache service.
 */
import { jest } from '@jest/globals';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ActionsCache, RunnerToolStore } from '../../src/action/ports.js';
import type { CacheStore, Log, Places } from '../../src/ports.js';
import { NoCache } from '../../src/ports.js';
import { IdfError, obtainIdf, planIdf, type IdfContext, type IdfRequest } from '../../src/pipeline/idf.js';
import type { Docker } from '../../src/pipeline/docker.js';
import { performSaves } from '../../src/pipeline/saves.js';
import { obtainToolchain, planToolchain, ToolchainError } from '../../src/pipeline/toolchain.js';
import type { ToolchainSpec } from '../../src/pipeline/resolve/index.js';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';
import { createUpstreams, type FixtureUpstreams } from '../support/upstreams.js';
import { recordingLog } from '../support/log.js';

jest.setTimeout(120_000);

/** Saving ESP-IDF and the toolchain needs no Docker. */
const NO_DOCKER = undefined as unknown as Docker;

let upstreams: FixtureUpstreams;
let server: CacheServer;
let scratch: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  upstreams = await createUpstreams();
  server = await startCacheServer();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'steps-'));
  Object.assign(process.env, server.env);
});

afterAll(async () => {
  process.env = savedEnv;
  await server?.close();
  await upstreams?.close();
  await rm(scratch, { recursive: true, force: true });
});

/** A fresh runner: its own tool cache and places, the same cache service. */
async function machine(name: string): Promise<Places> {
  const dir = path.join(scratch, name);
  await rm(dir, { recursive: true, force: true });
  process.env.RUNNER_TOOL_CACHE = path.join(dir, 'toolcache');
  process.env.RUNNER_TEMP = path.join(dir, 'temp');
  const places = {
    root: path.join(dir, 'toolcache', 'esp32-micropython-build'),
    temp: path.join(dir, 'temp')
  };
  await import('node:fs/promises').then((fs) => fs.mkdir(places.temp, { recursive: true }));
  return places;
}

/** Plan, then obtain: the toolchain as the pipeline has it, in the runner's tool cache. */
function prepareToolchain(
  spec: ToolchainSpec,
  ctx: { cache: CacheStore; useCache: boolean; places: Places; log: Log; retry?: { baseDelayMs: number } }
) {
  const tools = new RunnerToolStore();
  return obtainToolchain(planToolchain(spec, tools), { ...ctx, tools });
}

/** Plan, then obtain: ESP-IDF as the pipeline has it, for an image with Python 3.11. */
async function prepareIdf(req: IdfRequest, ctx: IdfContext) {
  return obtainIdf(await planIdf(req, '3.11', ctx), ctx);
}

describe('prepareToolchain', () => {
  const spec = (): ToolchainSpec => ({
    name: 'xtensa-esp32-elf',
    version: upstreams.legacyToolchain.version,
    url: upstreams.legacyToolchain.url,
    sha256: upstreams.legacyToolchain.sha256
  });

  it('downloads and verifies, then finds it in the tool cache, then restores it on a fresh runner', async () => {
    const places = await machine('tc-a');
    const cache = new ActionsCache();
    const log = recordingLog();
    const first = await prepareToolchain(spec(), { cache, useCache: true, places, log });
    expect(first.source).toBe('download');
    expect(existsSync(path.join(first.dir, 'bin', 'xtensa-esp32-elf-gcc'))).toBe(true);
    expect(first.save?.key).toMatch(/^esp32-toolchain-v1-xtensa-esp32-elf-1\.22\.0-80-g6c4433a-5\.2\.0-/);

    const again = await prepareToolchain(spec(), { cache, useCache: true, places, log });
    expect(again).toMatchObject({ source: 'tool-cache', dir: first.dir });
    expect(again.save).toBeUndefined();

    await cache.save(first.save!.paths, first.save!.key);
    const freshPlaces = await machine('tc-a');
    upstreams.http.setDown(true);
    try {
      const restored = await prepareToolchain(spec(), { cache, useCache: true, places: freshPlaces, log });
      expect(restored.source).toBe('actions-cache');
      expect(existsSync(path.join(restored.dir, 'bin', 'xtensa-esp32-elf-gcc'))).toBe(true);
    } finally {
      upstreams.http.setDown(false);
    }
  });

  it('refuses a checksum mismatch and leaves nothing in the tool cache', async () => {
    const places = await machine('tc-b');
    const bad = { ...spec(), sha256: 'f'.repeat(64) };
    await expect(
      prepareToolchain(bad, { cache: new NoCache(), useCache: true, places, log: recordingLog() })
    ).rejects.toThrow(/SHA-256 mismatch for .*expected f{64}, got [0-9a-f]{64}.*nothing was cached/s);
    // No entry, no marker, no lock, and not the directories the lock was taken in.
    expect(existsSync(path.join(process.env.RUNNER_TOOL_CACHE!, 'xtensa-esp32-elf'))).toBe(false);
  });

  it('names the URL it cannot reach and suggests toolchain-url', async () => {
    const places = await machine('tc-c');
    // The default number of attempts, with short waits.
    const unreachable = {
      cache: new NoCache(),
      useCache: false,
      log: recordingLog(),
      retry: { baseDelayMs: 10 }
    };
    upstreams.http.setDown(true);
    try {
      await expect(prepareToolchain(spec(), { ...unreachable, places })).rejects.toThrow(
        new RegExp(
          `${upstreams.legacyToolchain.url.replace(/[.]/g, '\\.')} failed after 4 attempts: HTTP 503.*toolchain-url`,
          's'
        )
      );
    } finally {
      upstreams.http.setDown(false);
    }
    await expect(
      prepareToolchain({ ...spec(), url: 'http://127.0.0.1:9/x.tar.gz' }, { ...unreachable, places })
    ).rejects.toBeInstanceOf(ToolchainError);
  });
});

describe('prepareIdf', () => {
  const request = (ref: string): IdfRequest => ({
    repo: upstreams.idfRepoUrl,
    ref,
    chips: ['esp32'],
    install: false
  });
  const stubRevision = (idfPath: string) =>
    readFileSync(path.join(idfPath, 'components/esptool_py/esptool/flasher_stub/stub.h'), 'utf8');

  it('clones a tag with its nested submodules, then uses it with no network', async () => {
    const places = await machine('idf-a');
    const ctx = { cache: new NoCache(), useCache: true, places, log: recordingLog() };
    const cloned = await prepareIdf(request('v5.2.2'), ctx);
    expect(cloned).toMatchObject({ kind: 'tag', source: 'clone', commit: upstreams.idfTags['v5.2.2'] });
    expect(stubRevision(cloned.idfPath)).toBeTruthy();
    // Saved from a copy beside it, made only when the post step saves (see saveFromTransfer).
    expect(cloned.save?.paths).toEqual([`${cloned.dir}.transfer`]);
    expect(cloned.save?.entry).toEqual({ dir: cloned.dir, commit: cloned.commit });

    const repo = upstreams.idfRepoUrl;
    renameSync(repo, `${repo}.away`);
    try {
      const local = await prepareIdf(request('v5.2.2'), ctx);
      expect(local).toMatchObject({ source: 'local', dir: cloned.dir, commit: cloned.commit });
    } finally {
      renameSync(`${repo}.away`, repo);
    }
  });

  it('checks out a full commit hash, with the submodules that commit pins', async () => {
    const places = await machine('idf-b');
    const ctx = { cache: new NoCache(), useCache: true, places, log: recordingLog() };
    const atTag = await prepareIdf(request('v5.4.2'), ctx);
    const atCommit = await prepareIdf(request(upstreams.idfTags['v3.3.2']), ctx);
    expect(atCommit).toMatchObject({ kind: 'commit', commit: upstreams.idfTags['v3.3.2'] });
    expect(stubRevision(atCommit.idfPath)).not.toBe(stubRevision(atTag.idfPath));
  });

  it('follows a branch to its newest commit, and offline falls back to the cached one with a warning', async () => {
    const places = await machine('idf-c');
    const cache = new ActionsCache();
    const log = recordingLog();
    const first = await prepareIdf(request('master'), { cache, useCache: true, places, log });
    expect(first).toMatchObject({ kind: 'branch', commit: upstreams.idfBranches.master });
    expect(await performSaves([first.save!], cache, NO_DOCKER, log)).toEqual([first.save!.key]);

    const moved = await upstreams.advanceMaster();
    const second = await prepareIdf(request('master'), { cache, useCache: true, places, log });
    expect(second).toMatchObject({ source: 'clone', commit: moved });
    expect(second.key).not.toBe(first.key);

    // A fresh runner that cannot reach the repository: the newest cached commit of the branch.
    const fresh = await machine('idf-c');
    const repo = upstreams.idfRepoUrl;
    renameSync(repo, `${repo}.away`);
    try {
      const offlineLog = recordingLog();
      const offline = await prepareIdf(request('master'), {
        cache,
        useCache: true,
        places: fresh,
        log: offlineLog
      });
      expect(offline).toMatchObject({ source: 'actions-cache', commit: first.commit });
      expect(offlineLog.warnings.join('\n')).toMatch(
        /Could not resolve branch 'master'.*newest cached commit/
      );
    } finally {
      renameSync(`${repo}.away`, repo);
    }
  });

  it('says a ref does not exist and suggests the newest tags', async () => {
    const places = await machine('idf-d');
    await expect(
      prepareIdf(request('v9.9.9'), { cache: new NoCache(), useCache: true, places, log: recordingLog() })
    ).rejects.toThrow(
      /ESP-IDF ref 'v9\.9\.9' does not exist in .*newest tags are v5\.4\.2, v5\.2\.2, v5\.0\.4, v4\.4\.6, v3\.3\.2/
    );
  });

  it('says the repository cannot be reached when nothing is cached, and leaves no partial checkout', async () => {
    const places = await machine('idf-e');
    const missing = path.join(scratch, 'nowhere', 'esp-idf.git');
    await expect(
      prepareIdf(
        { ...request('v5.2.2'), repo: missing },
        { cache: new NoCache(), useCache: true, places, log: recordingLog() }
      )
    ).rejects.toBeInstanceOf(IdfError);
    expect(existsSync(path.join(places.root, 'idf'))).toBe(false);
  });
});
