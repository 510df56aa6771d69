/**
 * End to end: the committed dist/ bundles, run exactly as GitHub's runner runs
 * them (INPUT_* variables, command files, a non-root user in the docker
 * group), in a real Docker engine, against fixture upstreams on loopback and
 * the Actions cache service speaking its real protocol.
 */
import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ActionsCache } from '../../src/action/ports.js';
import { run } from '../../src/exec.js';
import { imageInputsHash, IMAGE_NAME } from '../../src/pipeline/image.js';
import { archivePaths, startCacheServer, unpackArchive, type CacheServer } from '../support/cache-server.js';
import { killTree } from '../support/faults.js';
import { startGitHttp, type GitHttpServer } from '../support/git-http.js';
import { BOOKWORM_TEST_BUILD_ARGS, requireDocker } from '../support/docker.js';
import { createMicroPythonTree } from '../support/micropython-tree.js';
import { makeRunner, PROJECT, runnerUser, runStep, type Runner, type RunnerUser } from '../support/runner.js';
import { createUpstreams, type FixtureUpstreams } from '../support/upstreams.js';

jest.setTimeout(15 * 60_000);

let upstreams: FixtureUpstreams;
let cache: CacheServer;
let user: RunnerUser;
let scratch: string;
let imageRef: string;

async function chownTree(dir: string, who: RunnerUser): Promise<void> {
  await run('chown', ['-R', `${who.uid}:${who.gid}`, dir]);
}

/** A runner machine at a fixed path; `fresh` empties it as a new hosted runner would be. */
function runnerAt(name: string, fresh = false): Runner {
  const dir = path.join(scratch, name);
  if (fresh) rmSync(dir, { recursive: true, force: true });
  return makeRunner(dir, user);
}

/** A user C module in the workspace, beside the MicroPython tree. */
async function addUserModule(runner: Runner): Promise<void> {
  mkdirSync(path.join(runner.workspace, 'modules', 'hello'), { recursive: true });
  writeFileSync(
    path.join(runner.workspace, 'modules', 'hello', 'hello_module.c'),
    'int hello_module_answer(void) { return 42; }\n'
  );
  await chownTree(path.join(runner.workspace, 'modules'), user);
}

async function removeImage(): Promise<void> {
  await run('docker', ['image', 'rm', '--force', imageRef], { allowFailure: true });
}

/** The ESP-IDF upstream, the HTTP server and the component registry gone: anything that needs them fails. */
async function offline<T>(fn: () => Promise<T>): Promise<T> {
  const repo = upstreams.idfRepoUrl;
  renameSync(repo, `${repo}.away`);
  upstreams.http.setDown(true);
  upstreams.registry.setMode('down');
  try {
    return await fn();
  } finally {
    renameSync(`${repo}.away`, repo);
    upstreams.http.setDown(false);
    upstreams.registry.setMode('ok');
  }
}

beforeAll(async () => {
  await requireDocker();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'e2e-action-'));
  user = runnerUser();
  upstreams = await createUpstreams();
  // The runner user owns its mirror of the fixture repositories (git refuses repositories owned by others).
  await chownTree(upstreams.root, user);
  let dir = upstreams.root;
  while (dir !== path.dirname(dir)) {
    await run('chmod', ['a+x', dir]);
    dir = path.dirname(dir);
  }
  await run('chmod', ['a+rx', scratch]);
  cache = await startCacheServer({ storageDir: path.join(scratch, 'cache-service') });
  // The image the action builds when a test gives no build arguments (see runStep).
  imageRef = `${IMAGE_NAME}:${await imageInputsHash(path.join(PROJECT, 'docker'), 'bookworm', BOOKWORM_TEST_BUILD_ARGS)}`;
});

afterAll(async () => {
  await cache?.close();
  await upstreams?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const env = () => ({ ...cache.env });

describe('modern build (CMake era, ESP-IDF v5.2.2 tag)', () => {
  let runner: Runner;
  let inputs: Record<string, string>;
  let tree: Awaited<ReturnType<typeof createMicroPythonTree>>;

  beforeAll(async () => {
    runner = runnerAt('modern');
    tree = await createMicroPythonTree(path.join(runner.workspace, 'micropython'), {
      shape: 'v1.24',
      idfPin: 'v5.2.2'
    });
    await chownTree(tree.root, user);
    inputs = {
      'micropython-path': 'micropython',
      board: 'ESP32_GENERIC',
      'idf-version': 'v5.2.2',
      'idf-repo': upstreams.idfRepoUrl,
      'idf-tools-mirror': upstreams.assetsMirror,
      'component-registry-mirror': upstreams.registry.url,
      network: 'host',
      // A user C module beside the tree, in the workspace, as users keep theirs in their own repository.
      'make-args': `V=1\nEXTRA=x; touch ${tree.root}/injected\nUSER_C_MODULES=${path.join(runner.workspace, 'modules')}`
    };
    await addUserModule(runner);
    await removeImage();
  });

  let first: Awaited<ReturnType<typeof runStep>>;

  it('builds cold: image built, ESP-IDF cloned, tools installed for esp32 only, firmware owned by the runner', async () => {
    first = await runStep('main', runner, inputs, { env: env() });
    expect(first.output).not.toMatch(/::error::/);
    expect(first.code).toBe(0);
    const out = first.outputs;
    expect(out['build-dir']).toBe(tree.buildDir('ESP32_GENERIC'));
    // The outputs name copies in the runner's temp directory, not the tree's files.
    const copies = expectCopies(out, runner);
    expect(statSync(out.firmware).size).toBeGreaterThan(0);
    expect(statSync(out.firmware).uid).toBe(user.uid);
    for (const f of [
      'firmware.bin',
      'micropython.bin',
      'bootloader/bootloader.bin',
      'partition_table/partition-table.bin',
      'micropython.elf',
      'micropython.map'
    ]) {
      expect(out.artifacts.split('\n')).toContain(path.join(copies, f));
    }
    expect(out['idf-version']).toBe('v5.2.2');
    expect(out['idf-commit']).toBe(upstreams.idfTags['v5.2.2']);
    expect(out['build-system']).toBe('cmake');
    expect(out['micropython-version']).toMatch(/^1\.24/);
    expect(out.toolchain).toBe('');
    expect(out.image).toBe(imageRef);
    // The idf.py double downloads no managed component (it does not model the component manager
    // yet): the component cache stays empty, so it is never a hit here.
    expect(JSON.parse(out['cache-hit'])).toEqual({
      image: false,
      idf: false,
      ccache: false,
      components: false
    });
    expect(JSON.parse(out['supported-idf-versions'])).toContain('v5.2.2');
    // The module beside the tree was compiled in: the workspace is mounted, not only the tree.
    expect(readFileSync(path.join(out['build-dir'], 'micropython.map'), 'utf8')).toContain('hello_module');
    // make-args reached make as literal arguments: nothing ran the injected command.
    expect(existsSync(path.join(tree.root, 'injected'))).toBe(false);
    expect(first.output).toContain('::add-matcher::');
    expect(first.summary).toContain('ESP32_GENERIC');
    expect(first.summary).toContain(upstreams.idfTags['v5.2.2']);
    expect(first.summary).toMatch(/firmware\.bin: [\d,]+ bytes/);
    // install.sh ran once, for the board's chip only, through the mirror.
    const installLog = findFile(
      path.join(runner.toolCache, 'esp32-micropython-build', 'idf'),
      'fixture-install.log'
    );
    const lines = readFileSync(installLog, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('esp32');
    expect(lines[0]).not.toMatch(/esp32s3|esp32c3/);
    expect(lines[0]).toContain(upstreams.assetsMirror);
  });

  it('post saves the image, the ESP-IDF checkout and ccache to the Actions cache', async () => {
    const post = await runStep('post', runner, inputs, { env: env(), state: first.state });
    expect(post.code).toBe(0);
    const keys = cache.entries().map((e) => e.key);
    expect(keys.some((k) => k.startsWith('esp32-devel-image-'))).toBe(true);
    expect(keys.some((k) => k.startsWith('esp32-idf-') && k.endsWith('-tag-v5.2.2'))).toBe(true);
    expect(keys.some((k) => k.startsWith('esp32-ccache-'))).toBe(true);
    expect(keys.some((k) => k.startsWith('esp32-components-v1-'))).toBe(true);
  });

  it('rebuilds warm on the same machine with no upstream at all', async () => {
    const warm = await offline(() => runStep('main', runner, inputs, { env: env() }));
    expect(warm.code).toBe(0);
    expect(JSON.parse(warm.outputs['cache-hit'])).toEqual({
      image: true,
      idf: true,
      ccache: true,
      components: true
    });
    expect(warm.output).not.toContain('Building esp32-devel');
  });

  it('builds on a fresh runner from the Actions cache alone: nothing downloaded, cloned or rebuilt', async () => {
    // A fresh hosted runner has the same paths as the last one, but nothing in them.
    const again = runnerAt('modern', true);
    const copy = await createMicroPythonTree(path.join(again.workspace, 'micropython'), {
      shape: 'v1.24',
      idfPin: 'v5.2.2'
    });
    await chownTree(copy.root, user);
    await addUserModule(again);
    await removeImage();
    const requestsBefore = upstreams.http.requests.length;
    const registryBefore = upstreams.registry.requests.length;
    const result = await offline(() => runStep('main', again, inputs, { env: env() }));
    expect(result.output).not.toMatch(/::error::/);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.outputs['cache-hit'])).toEqual({
      image: true,
      idf: true,
      ccache: true,
      components: true
    });
    // No request to the tool server, the package index or the component registry.
    expect(upstreams.http.requests.length).toBe(requestsBefore);
    expect(upstreams.registry.requests.slice(registryBefore)).toEqual([]);
    expect(result.output).toContain('the build runs without the registry');
    expect(existsSync(path.join(copy.root, 'ports/esp32/managed_components/espressif__mdns/mdns.c'))).toBe(
      true
    );
    expect(result.output).toContain(`Loaded ${imageRef}`);
    expect(statSync(result.outputs.firmware).uid).toBe(user.uid);
    const post = await runStep('post', again, inputs, { env: env(), state: result.state });
    expect(post.code).toBe(0);
    expect(post.output).not.toContain('Exporting image');
  });

  it('builds on another fresh runner while the registry answers only errors', async () => {
    const again = runnerAt('modern', true);
    const copy = await createMicroPythonTree(path.join(again.workspace, 'micropython'), {
      shape: 'v1.24',
      idfPin: 'v5.2.2'
    });
    await chownTree(copy.root, user);
    await addUserModule(again);
    const registryBefore = upstreams.registry.requests.length;
    upstreams.registry.setMode('error');
    try {
      const result = await runStep('main', again, inputs, { env: env() });
      expect(result.output).not.toMatch(/::error::/);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.outputs['cache-hit']).components).toBe(true);
      expect(upstreams.registry.requests.slice(registryBefore)).toEqual([]);
      // The lock the cache was solved with went back into the tree, so nothing had to be solved.
      expect(readFileSync(path.join(copy.root, 'ports/esp32/dependencies.lock'), 'utf8')).toContain(
        'espressif/mdns:'
      );
    } finally {
      upstreams.registry.setMode('ok');
    }
  });

  it('fails a compile error with the compiler message and the source line', async () => {
    const broken = runnerAt('modern-broken');
    const bad = await createMicroPythonTree(path.join(broken.workspace, 'micropython'), {
      shape: 'v1.24',
      idfPin: 'v5.2.2',
      compileError: true
    });
    await chownTree(bad.root, user);
    await addUserModule(broken);
    const result = await runStep('main', broken, inputs, { env: env() });
    expect(result.code).not.toBe(0);
    const errorLine = `${bad.errorFile}:${bad.errorLine}:`;
    expect(result.output).toMatch(/::error::The build failed/);
    expect(result.output).toContain(errorLine);
    expect(result.output).toContain('::add-matcher::');
    expect(result.state.saves).toBeUndefined();
  });
});

describe('the caches a build writes, on pull requests (build-cache-policy: scoped)', () => {
  const inputs = () => ({
    'micropython-path': 'micropython',
    board: 'ESP32_GENERIC',
    'idf-version': 'v5.2.2',
    'idf-repo': upstreams.idfRepoUrl,
    'idf-tools-mirror': upstreams.assetsMirror,
    'component-registry-mirror': upstreams.registry.url,
    network: 'host'
  });
  const saved = (prefix: string) =>
    cache
      .entries()
      .map((e) => e.key)
      .filter((k) => k.startsWith(prefix));
  /**
   * A build and its post step on a fresh runner, as the given event. Fresh runners have the same paths,
   * as hosted ones do (the Actions cache restores an entry only into the paths it was saved from).
   */
  const buildAs = async (event: Record<string, string>) => {
    const runner = runnerAt('scope', true);
    const tree = await createMicroPythonTree(path.join(runner.workspace, 'micropython'), {
      shape: 'v1.24',
      idfPin: 'v5.2.2'
    });
    await chownTree(tree.root, user);
    const main = await runStep('main', runner, inputs(), { env: { ...env(), ...event } });
    expect({ code: main.code, errors: main.output.match(/::error::.*/g) }).toEqual({ code: 0, errors: null });
    const post = await runStep('post', runner, inputs(), { env: { ...env(), ...event }, state: main.state });
    expect(post.code).toBe(0);
    return main.output;
  };
  const restored = (output: string, what: string) =>
    new RegExp(`Restored ${what} from (\\S+)`).exec(output)?.[1];
  const pullRequest = { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/7/merge' };
  let mainCcache: string[];
  let prKeys: string[] = [];

  it("a pull request starts from the default branch's ccache and components, and saves under its own scope", async () => {
    await buildAs({});
    mainCcache = saved('esp32-ccache-');
    const mainComponents = saved('esp32-components-');
    const output = await buildAs(pullRequest);
    expect(output).toContain('scope pull request 7, restored from the default branch');
    expect(mainCcache).toContain(restored(output, 'ccache'));
    expect(mainComponents).toContain(restored(output, 'managed components'));
    const prCcache = saved('esp32-ccache-').filter((k) => !mainCcache.includes(k));
    expect(prCcache).toHaveLength(1);
    prKeys = prCcache;
    // The components it restored were all it needed: unchanged, nothing to save.
    expect(saved('esp32-components-').filter((k) => !mainComponents.includes(k))).toEqual([]);
  });

  it('the default branch never restores what the pull request saved, newer as it is', async () => {
    const output = await buildAs({});
    expect(mainCcache).toContain(restored(output, 'ccache'));
  });

  it('pull_request_target reads the base branch and saves nothing the build wrote', async () => {
    const before = [...saved('esp32-ccache-'), ...saved('esp32-components-')];
    const output = await buildAs({ GITHUB_EVENT_NAME: 'pull_request_target' });
    expect(output).toMatch(/not saved: a pull_request_target run saves no build cache/);
    const hit = restored(output, 'ccache');
    expect(saved('esp32-ccache-')).toContain(hit);
    expect(prKeys).not.toContain(hit);
    expect([...saved('esp32-ccache-'), ...saved('esp32-components-')]).toEqual(before);
  });
});

describe('a hostile build replaces its artifacts with links', () => {
  let inputs: Record<string, string>;

  beforeAll(() => {
    inputs = {
      'micropython-path': 'micropython',
      board: 'ESP32_GENERIC',
      'idf-version': 'v5.2.2',
      'idf-repo': upstreams.idfRepoUrl,
      'idf-tools-mirror': upstreams.assetsMirror,
      'component-registry-mirror': upstreams.registry.url,
      network: 'host'
    };
  });

  /** A runner whose home holds a registry credential, and a tree whose build ends with `afterBuild`. */
  async function hostileRunner(name: string, afterBuild: (secret: string) => string) {
    const runner = runnerAt(name, true);
    const secret = path.join(runner.dir, '.docker', 'config.json');
    mkdirSync(path.dirname(secret), { recursive: true });
    writeFileSync(secret, '{"auths":{"ghcr.io":{"auth":"RUNNER-SECRET"}}}\n');
    const tree = await createMicroPythonTree(path.join(runner.workspace, 'micropython'), {
      shape: 'v1.24',
      idfPin: 'v5.2.2',
      afterBuild: afterBuild(secret)
    });
    await chownTree(runner.dir, user);
    return { runner, secret, buildDir: tree.buildDir('ESP32_GENERIC') };
  }

  /** The step failed, published no artifact, and left no copy of anything. */
  function expectNothingPublished(result: Awaited<ReturnType<typeof runStep>>, runner: Runner): void {
    expect(result.code).not.toBe(0);
    expect(result.outputs.firmware).toBeUndefined();
    expect(result.outputs.artifacts).toBeUndefined();
    for (const value of Object.values(result.outputs).flatMap((v) => v.split('\n'))) {
      if (path.isAbsolute(value) && existsSync(value)) expect(lstatSync(value).isSymbolicLink()).toBe(false);
    }
    const copies = path.join(runner.temp, 'esp32-micropython-build');
    expect(existsSync(copies) ? readdirSync(copies).filter((n) => n.startsWith('artifacts-')) : []).toEqual(
      []
    );
    expect(result.state.saves).toBeUndefined();
  }

  it('firmware.bin a link to a file of the runner: the step fails naming it', async () => {
    const { runner, secret, buildDir } = await hostileRunner(
      'hostile-link',
      (secret) => `ln -sf ${secret} "$1/firmware.bin"`
    );
    const result = await runStep('main', runner, inputs, { env: env() });
    expect(result.output).toMatch(/::error::The build left artifacts that are not regular files inside/);
    expect(result.output).toContain(`${buildDir}/firmware.bin is a symbolic link to "${secret}"`);
    expectNothingPublished(result, runner);
    expect(result.output).not.toContain('RUNNER-SECRET');
  });

  it('firmware.bin a link to /proc/self/environ and a directory linked out: both named', async () => {
    const { runner, buildDir } = await hostileRunner('hostile-environ', () =>
      [
        'ln -sf /proc/self/environ "$1/firmware.bin"',
        'rm -rf "$1/bootloader"',
        `ln -s ${path.join(scratch, 'hostile-environ')} "$1/bootloader"`
      ].join('\n')
    );
    const result = await runStep('main', runner, inputs, { env: { ...env(), PLANTED: 'RUNNER-SECRET' } });
    expect(result.output).toContain(`${buildDir}/firmware.bin is a symbolic link to "/proc/self/environ"`);
    expect(result.output).toContain(`${buildDir}/bootloader is a symbolic link to "`);
    expectNothingPublished(result, runner);
    expect(result.output).not.toContain('RUNNER-SECRET');
  });
});

/**
 * A tar that stops part-way through restoring an ESP-IDF entry, as a runner
 * killed then would: what it extracted stays, without one file.
 */
function stallingTar(dir: string, idfDir: string, mark: string): string {
  mkdirSync(dir, { recursive: true });
  const realTar = ['/usr/bin/tar', '/bin/tar'].find((p) => existsSync(p))!;
  writeFileSync(
    path.join(dir, 'tar'),
    [
      '#!/bin/sh',
      'case " $* " in',
      `  *" -xf "*) ${realTar} "$@" || exit $?`,
      `    rm -f '${idfDir}'/*.transfer/esp-idf/README.md`,
      `    touch '${mark}'; exec sleep 600;;`,
      'esac',
      `exec ${realTar} "$@"`,
      ''
    ].join('\n'),
    { mode: 0o755 }
  );
  return dir;
}

describe('a private ESP-IDF mirror, and entries tampered with (modern build, ESP-IDF v5.2.2)', () => {
  const token = `tok${randomBytes(12).toString('hex')}`;
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  let mirror: GitHttpServer;
  let inputs: Record<string, string>;
  let key: string;

  /** Output lines that carry the token: only the runner's mask commands may. */
  const leaks = (output: string) =>
    output
      .split('\n')
      .filter((line) => (line.includes(token) || line.includes(basic)) && !line.startsWith('::add-mask::'));
  const idfDir = (runner: Runner) => path.join(runner.toolCache, 'esp32-micropython-build', 'idf');
  const entryOf = (runner: Runner) => {
    const entries = readdirSync(idfDir(runner)).filter((n) => /^v5\.2\.2-[0-9a-f]{10}$/.test(n));
    expect(entries).toHaveLength(1);
    return path.join(idfDir(runner), entries[0]);
  };
  /** What is beside the entries: nothing once a run is over, whatever happened before. */
  const leftovers = (runner: Runner) => readdirSync(idfDir(runner)).filter((n) => !/-[0-9a-f]{10}$/.test(n));
  const newRunner = async (name: string) => {
    const runner = runnerAt(name, true);
    const tree = await createMicroPythonTree(path.join(runner.workspace, 'micropython'), {
      shape: 'v1.24',
      idfPin: 'v5.2.2'
    });
    await chownTree(tree.root, user);
    return { runner, tree };
  };
  const asRunner = (args: string[], cwd: string) =>
    run('setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', 'git', ...args], {
      cwd,
      env: { ...process.env, HOME: scratch }
    });

  beforeAll(async () => {
    mirror = await startGitHttp(path.join(upstreams.root, 'git'), 'x-access-token', token);
    inputs = {
      'micropython-path': 'micropython',
      board: 'ESP32_GENERIC',
      'idf-version': 'v5.2.2',
      'idf-repo': `${mirror.url.replace('http://', `http://x-access-token:${token}@`)}/espressif/esp-idf.git`,
      'idf-tools-mirror': upstreams.assetsMirror,
      'component-registry-mirror': upstreams.registry.url,
      network: 'host'
    };
  });
  afterAll(() => mirror?.close());

  it('builds from a private mirror: the token is masked, and reaches no .git/config, no container and no cache archive', async () => {
    const { runner } = await newRunner('private');
    const result = await runStep('main', runner, inputs, { env: env() });
    expect(result.output).not.toMatch(/::error::/);
    expect(result.code).toBe(0);
    expect(result.output).toContain(`::add-mask::${token}`);
    // The debug lines (every git and docker argv) are in the output too, and say nothing of it.
    expect(result.output).toMatch(/::debug::\$ git .*clone/);
    expect(result.output).toMatch(/::debug::\$ docker run /);
    expect(leaks(result.output)).toEqual([]);
    expect(mirror.requests.length).toBeGreaterThan(0);
    expect(mirror.requests.every((r) => r.authorized)).toBe(true);
    expect(mirror.requests.some((r) => r.path.startsWith('/espressif/esptool-stub.git/'))).toBe(true);
    const entry = entryOf(runner);
    expect(readFileSync(path.join(entry, 'esp-idf', '.git', 'config'), 'utf8')).toContain(
      `url = ${mirror.url}/espressif/esp-idf.git`
    );
    for (const file of findFiles(entry)) {
      const text = readFileSync(file).toString('latin1');
      expect(text.includes(token) || text.includes(basic)).toBe(false);
    }

    const before = cache.entries().map((e) => e.key);
    const post = await runStep('post', runner, inputs, { env: env(), state: result.state });
    expect(post.code).toBe(0);
    expect(leaks(post.output)).toEqual([]);
    key = cache.entries().find((e) => e.key.startsWith('esp32-idf-') && !before.includes(e.key))!.key;
    expect(key).toMatch(/-tag-v5\.2\.2$/);
    const archive = cache.archive(key)!;
    const bytes = unpackArchive(archive).toString('latin1');
    expect(bytes.includes(token) || bytes.includes(basic)).toBe(false);
    // The archive carries no marker: a run that restores it writes its own once it has verified it.
    expect(archivePaths(archive).some((p) => p.endsWith('complete.json'))).toBe(false);
    expect(leftovers(runner)).toEqual([]);
  });

  it('an ESP-IDF file modified on this machine: the entry is set aside, restored again from the Actions cache, verified', async () => {
    const runner = runnerAt('private');
    const file = path.join(entryOf(runner), 'esp-idf', 'tools', 'idf.py');
    const good = readFileSync(file, 'utf8');
    appendFileSync(file, '\nimport os\n');
    const result = await runStep('main', runner, inputs, { env: env() });
    expect(result.output).not.toMatch(/::error::/);
    expect(result.code).toBe(0);
    expect(result.output).toMatch(
      /fails verification: it differs from its commit: M tools\/idf\.py\. It is set aside/
    );
    expect(result.output).toContain('Restored from the Actions cache and verified');
    expect(JSON.parse(result.outputs['cache-hit']).idf).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(good);
    expect(leftovers(runner)).toEqual([]);
  });

  it("ESP-IDF's HEAD moved on this machine: the same", async () => {
    const runner = runnerAt('private');
    const idfPath = path.join(entryOf(runner), 'esp-idf');
    await asRunner(
      [
        '-c',
        'user.name=x',
        '-c',
        'user.email=x@example.com',
        'commit',
        '--quiet',
        '--allow-empty',
        '-m',
        'moved'
      ],
      idfPath
    );
    const result = await runStep('main', runner, inputs, { env: env() });
    expect(result.code).toBe(0);
    expect(result.output).toMatch(
      new RegExp(`fails verification: it is at [0-9a-f]{40}, not at ${upstreams.idfTags['v5.2.2']}`)
    );
    expect(result.outputs['idf-commit']).toBe(upstreams.idfTags['v5.2.2']);
    expect((await asRunner(['rev-parse', 'HEAD'], idfPath)).stdout.trim()).toBe(upstreams.idfTags['v5.2.2']);
    expect(leftovers(runner)).toEqual([]);
  });

  it('a restore killed part-way is never used: the next run takes over its lock and restores again', async () => {
    // The entry gone from this machine (ccache and the components kept), so that ESP-IDF is all it restores.
    const runner = runnerAt('private');
    rmSync(entryOf(runner), { recursive: true, force: true });
    // Where the runner's user (whom the shim runs as) may write.
    const mark = path.join(runner.dir, 'restore-stalled');
    const shim = stallingTar(path.join(scratch, 'stalling-tar'), idfDir(runner), mark);
    let pid = 0;
    const killed = runStep('main', runner, inputs, {
      env: { ...env(), PATH: `${shim}:${process.env.PATH}` },
      onSpawn: (child) => (pid = child.pid!)
    });
    try {
      for (const end = Date.now() + 300_000; !existsSync(mark);) {
        if (Date.now() > end) throw new Error('the restore never started');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      // Killed outright, and what it started with it (the stalled tar), as a runner that dies would be.
      killTree(pid);
    }
    await killed;
    // What it left: a half-extracted transfer directory, no entry, a lock of a gone process.
    const names = readdirSync(idfDir(runner));
    const transfer = names.find((n) => n.endsWith('.transfer'))!;
    expect(transfer).toBeDefined();
    expect(existsSync(path.join(idfDir(runner), transfer, 'esp-idf', 'tools', 'idf.py'))).toBe(true);
    expect(existsSync(path.join(idfDir(runner), transfer, 'esp-idf', 'README.md'))).toBe(false);
    expect(names.filter((n) => /-[0-9a-f]{10}$/.test(n))).toEqual([]);
    expect(names.some((n) => n.endsWith('.lock'))).toBe(true);
    rmSync(mark, { force: true });

    const result = await runStep('main', runner, inputs, { env: env() });
    expect(result.output).not.toMatch(/::error::/);
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/Taking over the lock of ESP-IDF v5\.2\.2 from process \d+/);
    expect(result.output).toContain('Restored from the Actions cache and verified');
    expect(existsSync(path.join(entryOf(runner), 'esp-idf', 'README.md'))).toBe(true);
    expect(leftovers(runner)).toEqual([]);
  });

  it('a poisoned entry in the Actions cache: discarded on a fresh runner, which clones ESP-IDF and builds', async () => {
    // Saved as a poisoner would, past the post step's check, for the paths of another runner.
    const good = entryOf(runnerAt('private'));
    const { runner: poisoner } = await newRunner('poisoned');
    const transfer = path.join(idfDir(poisoner), `${path.basename(good)}.transfer`);
    mkdirSync(idfDir(poisoner), { recursive: true });
    await run('cp', ['-a', good, transfer]);
    rmSync(path.join(transfer, 'complete.json'));
    appendFileSync(path.join(transfer, 'esp-idf', 'tools', 'idf.py'), '\nimport os; os.system("id")\n');
    const saved = { ...process.env };
    Object.assign(process.env, cache.env, {
      GITHUB_WORKSPACE: poisoner.workspace,
      RUNNER_TEMP: poisoner.temp
    });
    try {
      await new ActionsCache().save([transfer], key);
    } finally {
      process.env = saved;
    }

    const { runner } = await newRunner('poisoned');
    const result = await runStep('main', runner, inputs, { env: env() });
    expect(result.output).not.toMatch(/::error::/);
    expect(result.code).toBe(0);
    expect(result.output).toContain(
      `restored from the Actions cache (${key}) fails verification: it differs from its commit: M tools/idf.py`
    );
    expect(result.output).toContain('delete that cache entry');
    expect(JSON.parse(result.outputs['cache-hit']).idf).toBe(false);
    expect(readFileSync(path.join(entryOf(runner), 'esp-idf', 'tools', 'idf.py'), 'utf8')).not.toContain(
      'os.system'
    );
    expect(leaks(result.output)).toEqual([]);
    expect(leftovers(runner)).toEqual([]);
  });
});

describe('legacy build (GNU make era, ESP-IDF v3.3.2 commit, standalone toolchain)', () => {
  let inputs: Record<string, string>;

  beforeAll(() => {
    inputs = {
      'micropython-path': 'micropython',
      // auto: the tree's ESPIDF_SUPHASH_V3, which the fixture tree pins to the fixture's v3.3.2 commit.
      'idf-version': 'auto',
      'idf-repo': upstreams.idfRepoUrl,
      'toolchain-url': upstreams.legacyToolchain.url,
      'toolchain-sha256': upstreams.legacyToolchain.sha256,
      network: 'host'
    };
  });

  async function legacyRunner(name: string, fresh = false) {
    const runner = runnerAt(name, fresh);
    const tree = await createMicroPythonTree(path.join(runner.workspace, 'micropython'), {
      shape: 'v1.12',
      idfPin: upstreams.idfTags['v3.3.2'],
      git: true
    });
    await chownTree(tree.root, user);
    return { runner, tree };
  }

  it('downloads and verifies the toolchain, checks out the commit with submodules, builds', async () => {
    const { runner, tree } = await legacyRunner('legacy');
    const result = await runStep('main', runner, inputs, { env: env() });
    expect(result.output).not.toMatch(/::error::/);
    expect(result.code).toBe(0);
    expect(result.outputs['build-dir']).toBe(tree.buildDir('GENERIC'));
    const copies = expectCopies(result.outputs, runner);
    expect(result.outputs.firmware).toBe(path.join(copies, 'firmware.bin'));
    expect(statSync(result.outputs.firmware).uid).toBe(user.uid);
    expect(result.outputs['build-system']).toBe('make');
    expect(result.outputs.toolchain).toBe(upstreams.legacyToolchain.version);
    expect(result.outputs['idf-commit']).toBe(upstreams.idfTags['v3.3.2']);
    expect(result.outputs['idf-version']).toBe(upstreams.idfTags['v3.3.2']);
    expect(JSON.parse(result.outputs['cache-hit'])).toEqual({
      image: expect.any(Boolean),
      idf: false,
      toolchain: false
    });
    expect(upstreams.http.requests).toContain(new URL(upstreams.legacyToolchain.url).pathname);
    const post = await runStep('post', runner, inputs, { env: env(), state: result.state });
    expect(post.code).toBe(0);
    const keys = cache.entries().map((e) => e.key);
    expect(
      keys.some((k) => k.startsWith('esp32-toolchain-v1-xtensa-esp32-elf-1.22.0-80-g6c4433a-5.2.0-'))
    ).toBe(true);
    expect(keys.some((k) => k.includes(`-commit-${upstreams.idfTags['v3.3.2']}`))).toBe(true);
  });

  it('builds on a fresh runner offline: the toolchain and ESP-IDF come from the Actions cache', async () => {
    rmSync(path.join(scratch, 'legacy'), { recursive: true, force: true });
    const { runner } = await legacyRunner('legacy');
    const result = await offline(() => runStep('main', runner, inputs, { env: env() }));
    expect(result.output).not.toMatch(/::error::/);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.outputs['cache-hit'])).toMatchObject({ idf: true, toolchain: true });
  });

  it('refuses a toolchain whose checksum does not match, and caches nothing', async () => {
    const { runner } = await legacyRunner('legacy-badsum', true);
    const result = await runStep(
      'main',
      runner,
      { ...inputs, 'toolchain-sha256': '0'.repeat(64) },
      { env: env() }
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/::error::.*SHA-256 mismatch/);
    expect(existsSync(path.join(runner.toolCache, 'xtensa-esp32-elf'))).toBe(false);
  });
});

describe('resolve-only', () => {
  it('sets the version outputs from the tree without Docker or network', async () => {
    const runner = runnerAt('resolve');
    const tree = await createMicroPythonTree(path.join(runner.workspace, 'micropython'), {
      shape: 'v1.26.1'
    });
    await chownTree(tree.root, user);
    const result = await runStep('main', runner, {
      'micropython-path': 'micropython',
      'resolve-only': 'true'
    });
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({
      'idf-version': 'v5.4.2',
      'build-system': 'cmake',
      board: 'ESP32_GENERIC',
      'micropython-version': '1.26.1',
      toolchain: ''
    });
    expect(JSON.parse(result.outputs['supported-idf-versions'])[0]).toBe('v5.4.2');
    expect(result.outputs.firmware).toBeUndefined();
    expect(result.state.saves).toBeUndefined();
  });

  it('drops refs from the tree that are not refs, with a warning: no output runs anything in a later shell', async () => {
    const runner = runnerAt('resolve-hostile', true);
    const marker = path.join(runner.dir, 'pwned');
    const payload = `touch\${IFS}${marker}`;
    const tree = await createMicroPythonTree(path.join(runner.workspace, 'micropython'), {
      shape: 'v1.26.1',
      idfPin: `$(${payload})`
    });
    appendFileSync(path.join(tree.root, 'tools/ci.sh'), `git -C esp-idf checkout v5.4\`${payload}\`\n`);
    mkdirSync(path.join(tree.root, '.github/workflows'), { recursive: true });
    writeFileSync(
      path.join(tree.root, '.github/workflows/ports_esp32.yml'),
      `env:\n  IDF_OLDEST_VER: v5.2\n  IDF_NEWEST_VER: v5.5$(${payload})\n`
    );
    await chownTree(tree.root, user);
    const result = await runStep('main', runner, {
      'micropython-path': 'micropython',
      'resolve-only': 'true'
    });
    expect(result.code).toBe(0);
    for (const source of [
      'ports/esp32/lockfiles/dependencies.lock.esp32',
      'tools/ci.sh (git checkout)',
      '.github/workflows/ports_esp32.yml (IDF_NEWEST_VER)'
    ]) {
      expect(result.output).toMatch(
        new RegExp(`::warning::Ignored the ESP-IDF ref .* in ${escape(source)}:`)
      );
    }
    // No pin is left: the README's newest version, as for a tree that pins nothing.
    expect(result.outputs['idf-version']).toBe('v5.4.2');
    const supported: string[] = JSON.parse(result.outputs['supported-idf-versions']);
    expect(supported).toEqual(['v5.4.2', 'v5.4.1', 'v5.4', 'v5.3', 'v5.2.2', 'v5.2']);
    // A later step that interpolates the outputs into a shell, as `run: echo ${{ … }}` does.
    for (const value of [result.outputs['idf-version'], ...supported]) {
      await run('bash', ['-c', `echo ${value}`]);
    }
    expect(existsSync(marker)).toBe(false);
  });
});

describe('bad input gets a clear error', () => {
  let runner: Runner;
  let base: Record<string, string>;
  beforeAll(async () => {
    runner = runnerAt('bad');
    const tree = await createMicroPythonTree(path.join(runner.workspace, 'micropython'), {
      shape: 'v1.24',
      idfPin: 'v5.2.2'
    });
    await chownTree(tree.root, user);
    base = {
      'micropython-path': 'micropython',
      'idf-version': 'v5.2.2',
      'idf-repo': upstreams.idfRepoUrl,
      'idf-tools-mirror': upstreams.assetsMirror,
      'component-registry-mirror': upstreams.registry.url,
      network: 'host'
    };
  });

  const fails = async (inputs: Record<string, string>, message: RegExp, who?: RunnerUser, extra = {}) => {
    const result = await runStep('main', who ? { ...runner, user: who } : runner, inputs, {
      env: { ...env(), ...extra }
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(message);
  };

  it('names a missing micropython-path', () =>
    fails({ ...base, 'micropython-path': 'nothing-here' }, /::error::.*nothing-here.*does not exist/));
  it('lists the boards when the board is unknown', () =>
    fails({ ...base, board: 'NO_SUCH_BOARD' }, /::error::.*NO_SUCH_BOARD.*ESP32_GENERIC/));
  it('says an ESP-IDF ref does not exist', () =>
    fails(
      { ...base, 'idf-version': 'v9.9.9' },
      /::error::ESP-IDF ref 'v9\.9\.9' does not exist in .*newest tags are v5\.4\.2/
    ));
  it('says which repository cannot be reached and suggests a mirror', () =>
    fails(
      { ...base, 'idf-repo': path.join(scratch, 'no-such-repo.git') },
      /::error::The ESP-IDF repository .*no-such-repo\.git cannot be reached.*idf-repo/
    ));
  it('names the component, the host and the mirror input when the registry is down on a cold run', async () => {
    upstreams.registry.setMode('down');
    try {
      await fails(
        { ...base, cache: 'false' },
        /could not reach 127\.0\.0\.1 \(port \d+\) to fetch espressif\/mdns.*component-registry-mirror/
      );
    } finally {
      upstreams.registry.setMode('ok');
    }
  });

  it('refuses a ref that would be read as an option', () =>
    fails(
      { ...base, 'idf-version': '--upload-pack=touch /tmp/x' },
      /::error::idf-version .* is not an ESP-IDF tag/
    ));
  it('explains that no Docker engine answers', () =>
    fails(base, /::error::No Docker engine is reachable/, undefined, {
      DOCKER_HOST: `unix://${path.join(scratch, 'no-docker.sock')}`
    }));
  it('explains a user who may not use Docker', () =>
    fails(base, /::error::This user may not use the Docker engine.*docker group/, { ...user, groups: [] }));
});

/**
 * The firmware and artifacts outputs name regular files in one fresh
 * directory under the runner's temp directory, each the same as the build
 * directory's file of that name. Returns that directory.
 */
function expectCopies(outputs: Record<string, string>, runner: Runner): string {
  const copies = path.dirname(outputs.firmware);
  expect(path.dirname(copies)).toBe(path.join(runner.temp, 'esp32-micropython-build'));
  expect(path.basename(copies)).toMatch(/^artifacts-/);
  expect(path.basename(outputs.firmware)).toBe('firmware.bin');
  const files = outputs.artifacts.split('\n');
  expect(files).toContain(outputs.firmware);
  for (const file of files) {
    expect(file.startsWith(`${copies}/`)).toBe(true);
    expect(lstatSync(file).isFile()).toBe(true);
    const original = path.join(outputs['build-dir'], path.relative(copies, file));
    expect(readFileSync(file).equals(readFileSync(original))).toBe(true);
  }
  return copies;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function findFile(dir: string, name: string): string {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return p;
    if (entry.isDirectory()) {
      try {
        return findFile(p, name);
      } catch {
        /* keep looking */
      }
    }
  }
  throw new Error(`${name} not found under ${dir}`);
}

function findFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findFiles(p));
    else if (entry.isFile()) found.push(p);
  }
  return found;
}
