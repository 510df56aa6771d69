/**
 * The toolchain's tool-cache entry: one run at a time, and a download that
 * a killed run left is the leftover sweep's. A small archive served on
 * loopback; the CLI's tool store (plain directories).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DirectoryToolStore, placesFor } from '../../src/cli/store.js';
import { partialName, runGone, sweepLeftovers } from '../../src/pipeline/partials.js';
import { obtainToolchain, planToolchain } from '../../src/pipeline/toolchain.js';
import { NoCache } from '../../src/ports.js';
import { recordingLog } from '../support/log.js';

let root: string;
let archive: Buffer;
let server: Server;
let url: string;
let requests = 0;
/** What the next requests get before the archive: a status to answer with instead. */
let failures: number[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'toolchain-lock-'));
  const stage = path.join(root, 'stage');
  await mkdir(path.join(stage, 'xtensa-esp32-elf', 'bin'), { recursive: true });
  const gcc = path.join(stage, 'xtensa-esp32-elf', 'bin', 'xtensa-esp32-elf-gcc');
  await writeFile(gcc, '#!/bin/sh\necho xtensa-esp32-elf-gcc\n');
  await chmod(gcc, 0o755);
  execFileSync('tar', ['-czf', path.join(root, 'tc.tar.gz'), '-C', stage, 'xtensa-esp32-elf']);
  archive = readFileSync(path.join(root, 'tc.tar.gz'));
  server = createServer((_req, res) => {
    requests++;
    const status = failures.shift();
    if (status) return void res.writeHead(status).end();
    // Slow enough that a second run asks while the first is still downloading.
    setTimeout(() => res.writeHead(200, { 'content-length': archive.length }).end(archive), 300);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/xtensa-esp32-elf-linux64.tar.gz`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

beforeEach(() => {
  requests = 0;
  failures = [];
});

async function store(name: string) {
  const storeRoot = path.join(root, name);
  await rm(storeRoot, { recursive: true, force: true });
  const tools = new DirectoryToolStore(path.join(storeRoot, 'toolcache'));
  const spec = {
    name: 'xtensa-esp32-elf' as const,
    version: '1.22.0-test',
    url,
    sha256: createHash('sha256').update(archive).digest('hex')
  };
  return { tools, places: placesFor(storeRoot), plan: planToolchain(spec, tools, 'x64') };
}

describe('obtainToolchain', () => {
  it('two runs on one store at once: one downloads, the other waits and finds it', async () => {
    const { tools, places, plan } = await store('two');
    const ctx = { cache: new NoCache(), useCache: true, tools, places };
    const [a, b] = [recordingLog(), recordingLog()];
    const both = await Promise.all([
      obtainToolchain(plan, { ...ctx, log: a }),
      obtainToolchain(plan, { ...ctx, log: b })
    ]);
    expect(requests).toBe(1);
    expect(both.map((t) => t.source).sort()).toEqual(['download', 'tool-cache']);
    expect(both[0].dir).toBe(plan.dir);
    expect(both[1].dir).toBe(plan.dir);
    expect(existsSync(path.join(plan.dir, 'bin', 'xtensa-esp32-elf-gcc'))).toBe(true);
    const waited = [...a.lines, ...b.lines].filter((l) => l.startsWith('Waiting for'));
    expect(waited).toEqual([
      expect.stringMatching(
        /which is preparing the xtensa-esp32-elf 1\.22\.0-test toolchain in the tool cache$/
      )
    ]);
    expect(existsSync(`${plan.dir}.lock`)).toBe(false);
    // The download's staging directory is gone with the run.
    expect(readdirSync(places.temp)).toEqual([]);
  });

  it('a download that fails once is tried again, with a warning that says so', async () => {
    const { tools, places, plan } = await store('retry');
    failures = [502];
    const log = recordingLog();
    const got = await obtainToolchain(plan, {
      cache: new NoCache(),
      useCache: false,
      tools,
      places,
      log,
      retry: { baseDelayMs: 5 }
    });
    expect(got.source).toBe('download');
    expect(requests).toBe(2);
    expect(log.warnings).toEqual([
      expect.stringMatching(
        new RegExp(`^Download attempt 1 of ${url} failed \\(HTTP 502 Bad Gateway\\); trying again in`)
      )
    ]);
  });

  it('gives up with the attempts counted and the fix, and releases the lock', async () => {
    const { tools, places, plan } = await store('fails');
    failures = [503, 503];
    await expect(
      obtainToolchain(plan, {
        cache: new NoCache(),
        useCache: false,
        tools,
        places,
        log: recordingLog(),
        retry: { attempts: 2, baseDelayMs: 5 }
      })
    ).rejects.toThrow(/failed after 2 attempts: HTTP 503 .*toolchain-url/s);
    expect(existsSync(`${plan.dir}.lock`)).toBe(false);
    expect(readdirSync(places.temp)).toEqual([]);
  });

  it("a killed run's download staging is named for the leftover sweep", async () => {
    const { places } = await store('killed');
    const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']));
    const left = partialName(path.join(places.temp, 'toolchain-1.22.0-test'), dead);
    await mkdir(left, { recursive: true });
    await writeFile(partialName(path.join(left, 'x.tar.gz'), dead), 'half');
    expect(sweepLeftovers([places.temp], runGone)).toEqual([left]);
    expect(existsSync(left)).toBe(false);
  });
});
