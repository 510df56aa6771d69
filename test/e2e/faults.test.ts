/**
 * End to end: faults. Each breaks one thing a run depends on (a download, the
 * Actions cache service, the process itself, the disk, the Docker engine, a
 * second run on the same tool cache), checks what the user sees, then runs
 * again as a user would and looks at the caches: the retry succeeds and
 * nothing half-made is ever used or saved.
 */
import { jest } from '@jest/globals';
import { existsSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../src/exec.js';
import { startCacheServer, type CacheServer } from '../support/cache-server.js';
import { requireDocker } from '../support/docker.js';
import { faultyServer, killTree, secondEngine, until, type FaultyServer } from '../support/faults.js';
import { createMicroPythonTree } from '../support/micropython-tree.js';
import { makeRunner, runnerUser, runStep, type Runner, type RunnerUser } from '../support/runner.js';
import { createUpstreams, type FixtureUpstreams } from '../support/upstreams.js';

jest.setTimeout(15 * 60_000);

let upstreams: FixtureUpstreams;
let cache: CacheServer;
let user: RunnerUser;
let scratch: string;
/** The action's image, as its first run names it (the runs after find it present). */
let imageRef = '';
const noteImage = (text: string) => {
  imageRef ||= /(esp32-devel:[\w.-]+)/.exec(text)?.[1] ?? '';
};

const chown = (dir: string) => run('chown', ['-R', `${user.uid}:${user.gid}`, dir]);

/** A runner machine at a fixed path; `fresh` empties it first, as a new hosted runner is. */
async function runnerAt(name: string, fresh = false): Promise<Runner> {
  const dir = path.join(scratch, name);
  if (fresh) await rm(dir, { recursive: true, force: true });
  return makeRunner(dir, user);
}

/** Every path under dir, relative to it. */
function listAll(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

/** What an interrupted or failed run could leave: partials, staging and transfer directories, locks. */
function leftovers(runner: Runner): string[] {
  return [...listAll(runner.toolCache), ...listAll(runner.temp).map((f) => `temp/${f}`)].filter(
    (f) =>
      /\.(partial|transfer|evicted)\b|\.partial-|toolchain-/.test(f) ||
      (f.endsWith('.lock') && !f.endsWith('dependencies.lock'))
  );
}

const errors = (output: string) => output.match(/::error::.*/g);
const ok = (result: { code: number; output: string }) =>
  expect({ code: result.code, errors: errors(result.output) }).toEqual({ code: 0, errors: null });

beforeAll(async () => {
  await requireDocker();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'e2e-faults-'));
  await run('chmod', ['a+rx', scratch]);
  user = runnerUser();
  upstreams = await createUpstreams();
  await chown(upstreams.root);
  for (let dir = upstreams.root; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    await run('chmod', ['a+x', dir]);
  }
  cache = await startCacheServer({ storageDir: path.join(scratch, 'cache-service') });
});

afterAll(async () => {
  await cache?.close();
  await upstreams?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the legacy toolchain download and the Actions cache (legacy tree)', () => {
  let server: FaultyServer;
  let inputs: Record<string, string>;
  const env = () => ({ ...cache.env });
  const toolchainEntries = (runner: Runner) =>
    listAll(path.join(runner.toolCache, 'xtensa-esp32-elf')).filter((f) => f.endsWith('x64.complete'));
  const toolchainKey = () => cache.entries().find((e) => e.key.startsWith('esp32-toolchain-'))?.key;

  /**
   * A fresh runner. Runners that share a name share their paths, as GitHub's
   * hosted runners do: the Actions cache restores an entry only into the
   * paths it was saved from.
   */
  async function legacyRunner(name = 'legacy'): Promise<Runner> {
    const runner = await runnerAt(name, true);
    const tree = await createMicroPythonTree(path.join(runner.workspace, 'micropython'), {
      shape: 'v1.12',
      idfPin: upstreams.idfTags['v3.3.2'],
      git: true
    });
    await chown(tree.root);
    return runner;
  }

  beforeAll(async () => {
    server = await faultyServer(
      path.join(upstreams.root, 'www', 'dl', upstreams.legacyToolchain.fileName),
      upstreams.legacyToolchain.fileName
    );
    inputs = {
      'micropython-path': 'micropython',
      'idf-version': 'auto',
      'idf-repo': upstreams.idfRepoUrl,
      'toolchain-url': server.url,
      'toolchain-sha256': upstreams.legacyToolchain.sha256,
      network: 'host'
    };
  });
  afterAll(() => server?.close());

  it('a body that stops midway, then a 500: retried with backoff, verified, and saved once', async () => {
    const runner = await legacyRunner();
    server.plan(['cut', '500']);
    const before = server.requests();
    const result = await runStep('main', runner, inputs, { env: env(), onOutput: noteImage });
    ok(result);
    expect(server.requests() - before).toBe(3);
    // Each failed attempt said, as a warning, with the wait before the next.
    expect(result.output).toMatch(
      /::warning::Download attempt 1 of \S+ failed \(.*\); trying again in [\d.]+ s/
    );
    expect(result.output).toMatch(
      /::warning::Download attempt 2 of \S+ failed \(.*HTTP 500.*\); trying again/
    );
    expect(toolchainEntries(runner)).toHaveLength(1);
    expect(leftovers(runner)).toEqual([]);
    const post = await runStep('post', runner, inputs, { env: env(), state: result.state });
    ok(post);
    expect(toolchainKey()).toBeDefined();
  });

  it('503 every time: the step fails after its bounded retries and says what to do; then a retry builds', async () => {
    const runner = await legacyRunner('unavailable');
    // Nothing restored from the Actions cache: the download is the only way.
    const noCache = { ...inputs, cache: 'false' };
    server.plan(Array(20).fill('503'));
    const before = server.requests();
    const failed = await runStep('main', runner, noCache, { env: env() });
    expect(failed.code).toBe(1);
    const attempts = server.requests() - before;
    expect(attempts).toBeGreaterThan(1);
    expect(attempts).toBeLessThan(10);
    expect(failed.output).toMatch(new RegExp(`::error::.*failed after ${attempts} attempts: HTTP 503`));
    expect(failed.output).toContain('toolchain-url');
    expect(toolchainEntries(runner)).toEqual([]);
    expect(leftovers(runner)).toEqual([]);

    server.plan([]);
    ok(await runStep('main', runner, noCache, { env: env() }));
    expect(toolchainEntries(runner)).toHaveLength(1);
  });

  it('kill -9 in the middle of the download: the next run clears what it left and completes', async () => {
    const runner = await legacyRunner('killed-download');
    server.plan(['stall']);
    let pid = 0;
    const killed = runStep(
      'main',
      runner,
      { ...inputs, cache: 'false' },
      {
        env: env(),
        onSpawn: (child) => (pid = child.pid!)
      }
    );
    const before = server.requests();
    await until(
      'the download to be under way',
      () => server.requests() > before && leftovers(runner).length > 0,
      300_000
    );
    killTree(pid);
    await killed;
    expect(toolchainEntries(runner)).toEqual([]);

    const result = await runStep('main', runner, { ...inputs, cache: 'false' }, { env: env() });
    ok(result);
    expect(toolchainEntries(runner)).toHaveLength(1);
    expect(leftovers(runner)).toEqual([]);
  });

  it('a truncated archive in the Actions cache: the restore warns, the toolchain is downloaded and verified', async () => {
    const key = toolchainKey()!;
    const archive = cache.archive(key)!;
    truncateSync(archive, Math.floor(statSync(archive).size / 2));
    const runner = await legacyRunner();
    const before = server.requests();
    const result = await runStep('main', runner, inputs, { env: env() });
    ok(result);
    expect(result.output).toMatch(/::warning::Failed to restore: /);
    expect(server.requests() - before).toBe(1);
    expect(toolchainEntries(runner)).toHaveLength(1);
    expect(existsSync(path.join(runner.toolCache, 'xtensa-esp32-elf'))).toBe(true);
    expect(leftovers(runner)).toEqual([]);
  });

  it('the cache service failing on restore: a warning and the cold path; failing on save: a warning', async () => {
    const runner = await legacyRunner();
    const entries = cache.entries().length;
    cache.setFault('restore-error');
    let result;
    try {
      result = await runStep('main', runner, inputs, { env: env() });
    } finally {
      cache.setFault('none');
    }
    ok(result);
    expect(result.output).toMatch(/::warning::.*fixture fault: restoring fails/);
    expect(toolchainEntries(runner)).toHaveLength(1);

    cache.setFault('save-error');
    let post;
    try {
      post = await runStep('post', runner, inputs, { env: env(), state: result.state });
    } finally {
      cache.setFault('none');
    }
    ok(post);
    // The library logs the service's answer; the step says, as a warning, what was not saved.
    expect(post.output).toContain('fixture fault: saving fails');
    expect(post.output).toMatch(
      /::warning::Saving the toolchain cache failed: the cache service did not take esp32-toolchain-/
    );
    expect(post.output).toContain('Saved 0 of');
    expect(cache.entries()).toHaveLength(entries);
  });

  it('kill -9 while the post step uploads: nothing half-saved is ever restored; the retry passes', async () => {
    // A cache service of its own, empty: the cold run leaves everything to save.
    const own = await startCacheServer();
    const ownEnv = { ...own.env };
    const image = { ...inputs, image: imageRef };
    try {
      const runner = await legacyRunner('killed-save');
      const main = await runStep('main', runner, image, { env: ownEnv });
      ok(main);
      own.setFault('upload-stall');
      let pid = 0;
      const killed = runStep('post', runner, image, {
        env: ownEnv,
        state: main.state,
        onSpawn: (child) => (pid = child.pid!)
      });
      await until('an upload to start', () => own.requests.some((r) => r.method === 'PUT'), 300_000);
      killTree(pid);
      await killed;
      own.setFault('none');
      expect(own.entries()).toEqual([]);

      // Run again: whatever the interrupted upload had reserved is refused with a warning, the rest saved.
      const again = await runStep('post', runner, image, { env: ownEnv, state: main.state });
      ok(again);
      const saved = own.entries().map((e) => e.key);
      expect(saved.length).toBeGreaterThan(0);
      // A fresh runner restores only what was saved whole, and builds.
      const fresh = await legacyRunner('killed-save');
      const result = await runStep('main', fresh, image, { env: ownEnv });
      ok(result);
      expect(leftovers(fresh)).toEqual([]);
    } finally {
      await own.close();
    }
  });

  it('a save that hangs: the post step gives up after cache-save-timeout, with a warning, and passes', async () => {
    const own = await startCacheServer();
    const image = { ...inputs, image: imageRef, 'cache-save-timeout': '1' };
    try {
      const runner = await legacyRunner('hung-save');
      const main = await runStep('main', runner, image, { env: { ...own.env } });
      ok(main);
      own.setFault('upload-stall');
      const started = Date.now();
      const post = await runStep('post', runner, image, { env: { ...own.env }, state: main.state });
      const seconds = (Date.now() - started) / 1000;
      ok(post);
      expect(seconds).toBeGreaterThanOrEqual(59);
      expect(seconds).toBeLessThan(120);
      expect(post.output).toMatch(
        /::warning::Saving caches took longer than 1 min \(cache-save-timeout\); not saved: /
      );
      expect(own.entries()).toEqual([]);
    } finally {
      await own.close();
    }
  });
});

describe('ESP-IDF install, the disk, the Docker engine and a second run (modern tree)', () => {
  let inputs: Record<string, string>;
  const idfDir = (runner: Runner) => path.join(runner.toolCache, 'esp32-micropython-build', 'idf');
  const entries = (runner: Runner) =>
    listAll(idfDir(runner)).filter((n) => /^v5\.2\.2-[0-9a-f]{10}$/.test(n));
  const complete = (runner: Runner) =>
    entries(runner).filter((n) => existsSync(path.join(idfDir(runner), n, 'complete.json')));
  const toolDownloads = () => upstreams.http.requests.filter((r) => r.includes('xtensa-esp-elf')).length;

  async function modernRunner(name: string, hostile?: string): Promise<Runner> {
    const runner = await runnerAt(name, true);
    const tree = await createMicroPythonTree(path.join(runner.workspace, 'micropython'), {
      shape: 'v1.24',
      idfPin: 'v5.2.2',
      git: hostile !== undefined,
      hostile
    });
    await chown(tree.root);
    return runner;
  }

  beforeAll(() => {
    inputs = {
      'micropython-path': 'micropython',
      board: 'ESP32_GENERIC',
      'idf-version': 'v5.2.2',
      'idf-repo': upstreams.idfRepoUrl,
      'idf-tools-mirror': upstreams.assetsMirror,
      'component-registry-mirror': upstreams.registry.url,
      network: 'host',
      cache: 'false'
    };
  });

  it('kill -9 while install.sh runs: the next run removes its container, takes over its lock, installs again', async () => {
    const runner = await modernRunner('killed-install');
    let pid = 0;
    const killed = runStep('main', runner, inputs, {
      onSpawn: (child) => (pid = child.pid!),
      onOutput: noteImage
    });
    const installing = async () =>
      (await run('docker', ['ps', '--quiet', '--filter', `name=esp32-build-install-${pid}-`])).stdout.trim();
    for (const end = Date.now() + 600_000; !(pid && (await installing()));) {
      if (Date.now() > end) throw new Error('install.sh never started');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    killTree(pid);
    await killed;
    expect(complete(runner)).toEqual([]);

    const result = await runStep('main', runner, inputs);
    ok(result);
    expect(result.output).toMatch(/Taking over the lock of .* from process \d+/);
    expect(complete(runner)).toHaveLength(1);
    expect(leftovers(runner)).toEqual([]);
    expect(await installing()).toBe('');
    expect(
      (await run('docker', ['ps', '-a', '--quiet', '--filter', `name=esp32-build-install-${pid}-`])).stdout
    ).toBe('');
  });

  it('two runs on one tool cache at once: one installs, the other waits for it; both build', async () => {
    const first = await modernRunner('together-a');
    const second = { ...(await modernRunner('together-b')), toolCache: first.toolCache };
    const before = toolDownloads();
    const [a, b] = await Promise.all([runStep('main', first, inputs), runStep('main', second, inputs)]);
    ok(a);
    ok(b);
    // The second waits at the first lock the first run holds (ccache's, taken first: one order, no deadlock).
    expect(`${a.output}\n${b.output}`).toMatch(
      /Waiting for process \d+ on \S+ \(since [^)]+\), which is using the ccache directory/
    );
    expect(complete(first)).toHaveLength(1);
    expect(toolDownloads() - before).toBe(1);
    expect(leftovers(first)).toEqual([]);
  });

  it('a disk that fills: the step fails saying so, nothing half-written counts; with room, the retry builds', async () => {
    const runner = await modernRunner('full-disk');
    await run('mount', [
      '-t',
      'tmpfs',
      '-o',
      `size=300k,uid=${user.uid},gid=${user.gid}`,
      'tmpfs',
      runner.toolCache
    ]);
    try {
      const failed = await runStep('main', runner, inputs);
      expect(failed.code).toBe(1);
      expect(failed.output).toMatch(/::error::.*No space left on device/);
      expect(failed.output).toContain(`The disk holding ${idfDir(runner)}`);
      expect(failed.output).not.toContain('set idf-repo to a mirror');
      expect(complete(runner)).toEqual([]);

      await run('mount', ['-o', 'remount,size=512m', runner.toolCache]);
      ok(await runStep('main', runner, inputs));
      expect(complete(runner)).toHaveLength(1);
      expect(leftovers(runner)).toEqual([]);
    } finally {
      await run('umount', ['--lazy', runner.toolCache], { allowFailure: true });
    }
  });

  it('the Docker engine stopping mid-build: the step says so; once it is back, the retry builds', async () => {
    const engineDir = await mkdtemp(path.join(os.tmpdir(), 'e2e-engine-'));
    // The runner's user reaches the socket as a member of the docker group.
    await run('chmod', ['a+rx', engineDir]);
    const engine = secondEngine(engineDir);
    const slow = 'if [ -e ../../slow ]; then touch ../../building; sleep 300; fi\n';
    const runner = await modernRunner('engine-stops', slow);
    const tree = path.join(runner.workspace, 'micropython');
    try {
      await engine.start();
      expect(imageRef).not.toBe('');
      const loaded = await run('bash', [
        '-c',
        'docker save "$1" | docker --host "$2" load',
        'load',
        imageRef,
        engine.host
      ]);
      expect(loaded.stdout).toContain(imageRef);
      const env = { DOCKER_HOST: engine.host };
      // ESP-IDF installed first, so that what the stop interrupts is make.
      ok(await runStep('main', runner, inputs, { env }));
      const entry = entries(runner);
      writeFileSync(path.join(tree, 'slow'), '');
      await chown(tree);
      const stopped = runStep('main', runner, inputs, { env });
      await until('make to be under way', () => existsSync(path.join(tree, 'building')), 300_000);
      await engine.stop();
      const failed = await stopped;
      expect(failed.code).toBe(1);
      expect(failed.output).toMatch(
        /::error::The Docker engine stopped during this step \(The build, exit code \d+\)\. Start it again/
      );
      await rm(path.join(tree, 'slow'));
      await engine.start();
      const result = await runStep('main', runner, inputs, { env });
      ok(result);
      expect(result.output).not.toContain('install.sh');
      expect(entries(runner)).toEqual(entry);
      expect(leftovers(runner)).toEqual([]);
    } finally {
      await engine.remove();
      await rm(engineDir, { recursive: true, force: true });
    }
  });
});
