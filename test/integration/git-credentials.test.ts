/**
 * A token in idf-repo, against a private repository on loopback (git's own
 * smart-HTTP backend behind Basic authentication): git gets it through its
 * environment, and it lands nowhere: not in .git/config nor any file of the
 * entry, not in a log line, a cache key or the cache archive. Nothing masks
 * it here (maskSecret is never called), so any leak would show. Also: clones
 * are bounded in time.
 */
import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ActionsCache } from '../../src/action/ports.js';
import { ExecError } from '../../src/exec.js';
import { git } from '../../src/git.js';
import { parseRepository } from '../../src/inputs.js';
import { IdfError, obtainIdf, planIdf, type IdfContext, type IdfRequest } from '../../src/pipeline/idf.js';
import { performSaves } from '../../src/pipeline/saves.js';
import type { Log, Places } from '../../src/ports.js';
import { archivePaths, startCacheServer, unpackArchive, type CacheServer } from '../support/cache-server.js';
import { startGitHttp, startSilentServer, type GitHttpServer } from '../support/git-http.js';
import { createUpstreams, type FixtureUpstreams } from '../support/upstreams.js';

jest.setTimeout(120_000);

const TOKEN = `tok${randomBytes(12).toString('hex')}`;
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');

let upstreams: FixtureUpstreams;
let server: GitHttpServer;
let cacheServer: CacheServer;
let scratch: string;
const savedEnv = { ...process.env };

/** Everything a run says, debug lines and git's progress included. */
function recordingLog(): Log & { all: string[]; warnings: string[] } {
  const all: string[] = [];
  const warnings: string[] = [];
  return {
    all,
    warnings,
    info: (m) => all.push(m),
    warning: (m) => {
      all.push(m);
      warnings.push(m);
    },
    debug: (m) => all.push(m),
    output: (m) => all.push(m)
  };
}

function expectNoSecret(text: string | Buffer): void {
  const haystack = typeof text === 'string' ? text : text.toString('latin1');
  expect(haystack.includes(TOKEN)).toBe(false);
  expect(haystack.includes(BASIC)).toBe(false);
}

function filesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(p));
    else if (entry.isFile()) found.push(p);
  }
  return found;
}

beforeAll(async () => {
  upstreams = await createUpstreams();
  server = await startGitHttp(path.join(upstreams.root, 'git'), 'x-access-token', TOKEN);
  cacheServer = await startCacheServer();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'git-credentials-'));
  Object.assign(process.env, cacheServer.env);
});

afterAll(async () => {
  process.env = savedEnv;
  await server?.close();
  await cacheServer?.close();
  await upstreams?.close();
  await rm(scratch, { recursive: true, force: true });
});

async function machine(name: string): Promise<Places> {
  const dir = path.join(scratch, name);
  await rm(dir, { recursive: true, force: true });
  process.env.RUNNER_TOOL_CACHE = path.join(dir, 'toolcache');
  process.env.RUNNER_TEMP = path.join(dir, 'temp');
  return { root: path.join(dir, 'toolcache', 'esp32-micropython-build'), temp: path.join(dir, 'temp') };
}

const repoUrl = (token = TOKEN) =>
  `${server.url.replace('http://', `http://x-access-token:${token}@`)}/espressif/esp-idf.git`;

function request(raw = repoUrl()): IdfRequest {
  const { url, credentials } = parseRepository(raw);
  return { repo: url, credentials, ref: 'v5.2.2', chips: ['esp32'], install: false };
}

describe('a token in idf-repo', () => {
  it('is needed: the repository refuses a request without it', async () => {
    const error = await git(['ls-remote', '--', `${server.url}/espressif/esp-idf.git`], {
      repo: server.url
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecError);
    expect((error as ExecError).message).toMatch(/git ls-remote failed .*Authentication failed/);
  });

  it('reaches git through its environment: the clone and every nested submodule are fetched with it', async () => {
    const places = await machine('clone');
    const log = recordingLog();
    const lines: string[] = [];
    const ctx: IdfContext = {
      cache: new ActionsCache(),
      useCache: true,
      places,
      log,
      onGitLine: (l) => lines.push(l)
    };
    const req = request();
    expect(req.repo).toBe(`${server.url}/espressif/esp-idf.git`);
    const before = server.requests.length;
    const plan = await planIdf(req, '3.11', ctx);
    const idf = await obtainIdf(plan, ctx);
    expect(idf).toMatchObject({ source: 'clone', commit: upstreams.idfTags['v5.2.2'] });
    const asked = server.requests.slice(before);
    expect(asked.every((r) => r.authorized)).toBe(true);
    for (const repo of ['esp-idf.git', 'esptool.git', 'esptool-stub.git']) {
      expect(asked.some((r) => r.path.startsWith(`/espressif/${repo}/`))).toBe(true);
    }
    expect(
      readFileSync(path.join(idf.idfPath, 'components/esptool_py/esptool/flasher_stub/stub.h'), 'utf8')
    ).toContain('ESPTOOL_FLASHER_STUB_REVISION');

    // Not in any file of the entry: .git/config (and the submodules' configs) name the bare URL.
    const config = readFileSync(path.join(idf.idfPath, '.git', 'config'), 'utf8');
    expect(config).toContain(`url = ${server.url}/espressif/esp-idf.git`);
    for (const file of filesUnder(idf.dir)) expectNoSecret(readFileSync(file));
    // Not in the key, the paths, a log line, a debug line (the argv) or git's own output.
    expect(log.all.some((l) => l.startsWith('$ git'))).toBe(true);
    expectNoSecret([idf.key, idf.dir, ...log.all, ...lines, JSON.stringify(plan)].join('\n'));

    // Not in the cache: the archive the post step saves, which carries no marker either.
    const saved = await performSaves([idf.save!], new ActionsCache(), undefined as never, log);
    expect(saved).toEqual([idf.key]);
    const archive = cacheServer.archive(idf.key)!;
    expectNoSecret(unpackArchive(archive));
    const paths = archivePaths(archive);
    expect(paths.some((p) => p.endsWith('/esp-idf/.git/config'))).toBe(true);
    expect(paths.some((p) => p.endsWith('complete.json'))).toBe(false);
    expect(paths.every((p) => p.includes('.transfer/'))).toBe(true);
    expect(existsSync(`${idf.dir}.transfer`)).toBe(false);
    expectNoSecret(log.all.join('\n'));
  });

  it('a wrong one is never echoed: the failure names the bare URL', async () => {
    const places = await machine('wrong');
    const log = recordingLog();
    const wrong = `bad${randomBytes(8).toString('hex')}`;
    const ctx: IdfContext = { cache: new ActionsCache(), useCache: false, places, log };
    const req = request(repoUrl(wrong));
    const error = await planIdf(req, '3.11', ctx)
      .then((plan) => obtainIdf(plan, ctx))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdfError);
    const said = [(error as Error).message, ...log.all].join('\n');
    expect(said).toContain(`${server.url}/espressif/esp-idf.git`);
    expect(said).toMatch(/Authentication failed/);
    expect(said.includes(wrong)).toBe(false);
    expectNoSecret(said);
  });
});

describe('a clone that stalls', () => {
  it('is stopped at its time bound, with nothing of it left', async () => {
    const silent = await startSilentServer();
    try {
      const places = await machine('stalled');
      const commit = upstreams.idfTags['v5.0.4'];
      const ctx: IdfContext = {
        cache: new ActionsCache(),
        useCache: false,
        places,
        log: recordingLog(),
        cloneTimeoutMs: 1500
      };
      const req = {
        repo: `${silent.url}/espressif/esp-idf.git`,
        ref: commit,
        chips: ['esp32'],
        install: false
      };
      const started = Date.now();
      const error = await planIdf(req, '3.11', ctx)
        .then((plan) => obtainIdf(plan, ctx))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdfError);
      expect((error as Error).message).toMatch(
        /Could not check out ESP-IDF .*git fetch timed out after [12] s/
      );
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(readdirSync(path.join(places.root, 'idf'))).toEqual([]);
    } finally {
      await silent.close();
    }
  });
});
