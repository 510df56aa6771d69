/**
 * End to end: a hostile tree. Its build, inside the container, tries to write
 * into ESP-IDF, its tools, the legacy toolchain, the tree's .git (a planted
 * core.fsmonitor, a hook, a submodule's .git file) and the workspace beside
 * the tree, and plants a repository in a submodule's empty directory. Every
 * write fails or is undone, the build still succeeds, and `git status` in the
 * workspace afterwards runs nothing. The port's `make submodules` is done on
 * the host: the tree's submodule is initialised there.
 */
import { jest } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../src/exec.js';
import { startCacheServer } from '../support/cache-server.js';
import { requireDocker } from '../support/docker.js';
import { createMicroPythonTree, type FixtureTree } from '../support/micropython-tree.js';
import { makeRunner, runnerUser, runStep, type Runner, type RunnerUser } from '../support/runner.js';
import { createUpstreams, type FixtureUpstreams } from '../support/upstreams.js';

jest.setTimeout(20 * 60_000);

let upstreams: FixtureUpstreams;
let user: RunnerUser;
let scratch: string;

const gitEnv = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Fixture',
  GIT_AUTHOR_EMAIL: 'fixture@example.invalid',
  GIT_COMMITTER_NAME: 'Fixture',
  GIT_COMMITTER_EMAIL: 'fixture@example.invalid'
};

function git(cwd: string, ...args: string[]) {
  // The fixture repositories end up owned by the runner user; this test's git runs as root.
  return run(
    'git',
    ['-c', 'safe.directory=*', '-c', 'protocol.file.allow=always', '-c', 'core.hooksPath=/dev/null', ...args],
    {
      cwd,
      env: { ...gitEnv, HOME: scratch }
    }
  );
}

/** git as the runner user runs it in a later step of the job: plain, with the repository's own config. */
function gitAsRunner(runner: Runner, cwd: string, ...args: string[]) {
  return run(
    'setpriv',
    [`--reuid=${user.uid}`, `--regid=${user.gid}`, `--groups=${user.gid}`, 'git', ...args],
    { cwd, env: { ...gitEnv, HOME: runner.dir }, allowFailure: true }
  );
}

async function chown(dir: string): Promise<void> {
  await run('chown', ['-R', `${user.uid}:${user.gid}`, dir]);
}

/** Every file under dir with its size, mode and content hash (a directory: its mode). */
function fingerprint(dir: string, skip: (relative: string) => boolean = () => false): string[] {
  const lines: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      const relative = path.relative(dir, full);
      if (skip(relative)) continue;
      const info = lstatSync(full);
      if (info.isDirectory()) {
        lines.push(`${relative}/ ${info.mode.toString(8)}`);
        walk(full);
      } else {
        const hash = info.isFile() ? createHash('sha256').update(readFileSync(full)).digest('hex') : '';
        lines.push(`${relative} ${info.mode.toString(8)} ${info.size} ${hash}`);
      }
    }
  };
  walk(dir);
  return lines;
}

function idfEntry(runner: Runner): string {
  const entries = path.join(runner.toolCache, 'esp32-micropython-build', 'idf');
  const [entry] = readdirSync(entries).filter((name) => !name.includes('.partial'));
  return path.join(entries, entry);
}

/** ESP-IDF's index may be refreshed by git on the host (stat data only); everything else must stay. */
const idfFingerprint = (runner: Runner) =>
  fingerprint(idfEntry(runner), (relative) => relative === path.join('esp-idf', '.git', 'index'));

/** What the hostile build tries; `marker` is where a planted fsmonitor would leave a trace. */
function hostileScript(runner: Runner, marker: string, extra: string[] = []): string {
  return [
    '# ESP-IDF and its tools: poison them for the next build and the cache.',
    'echo pwned >> "$IDF_PATH/tools/idf.py"',
    'echo pwned > "$IDF_PATH/planted"',
    'mkdir "$IDF_PATH/tools/__pycache__"',
    ...extra,
    '# The tree’s .git: code that git on the host would run.',
    `git -C ../.. config core.fsmonitor "touch ${marker}; false"`,
    `printf '#!/bin/sh\\ntouch ${marker}\\n' > ../../.git/hooks/post-checkout`,
    'echo "gitdir: /tmp/elsewhere" > ../../lib/micropython-lib/.git',
    '# Beside the tree, in the workspace.',
    `echo pwned > ${runner.workspace}/beside.txt`,
    `echo pwned >> ${runner.workspace}/clean/ports/esp32/main.c`,
    '# A repository of its own in a submodule’s empty directory: this one is written, and undone.',
    'git init -q ../../lib/unused',
    `git -C ../../lib/unused config core.fsmonitor "touch ${marker}; false"`,
    'echo "hostile: done"',
    ''
  ].join('\n');
}

/**
 * The hostile tree as a pull request's checkout: cloned (without its
 * submodules) from a local upstream, with micropython-lib a real submodule
 * the port names, and an unused one left empty.
 */
async function hostileCheckout(
  runner: Runner,
  shape: 'v1.24' | 'v1.12',
  script: string,
  idfPin: string,
  name: string = shape
) {
  const upstream = path.join(scratch, name, 'micropython.git');
  await createMicroPythonTree(upstream, { shape, idfPin, git: true, hostile: script });
  const lib = path.join(scratch, name, 'micropython-lib.git');
  mkdirSync(lib);
  await git(lib, 'init', '-q', '-b', 'master');
  writeFileSync(path.join(lib, 'README.md'), '# micropython-lib (fixture submodule)\n');
  await git(lib, 'add', '-A');
  await git(lib, 'commit', '-qm', 'micropython-lib');
  if (shape === 'v1.24') {
    // The fixture's placeholder checkout of it goes: a real submodule takes its place.
    await git(upstream, 'rm', '-rq', '--cached', 'lib/micropython-lib');
    await rm(path.join(upstream, 'lib', 'micropython-lib'), { recursive: true, force: true });
  }
  await git(upstream, 'submodule', '-q', 'add', '../micropython-lib.git', 'lib/micropython-lib');
  await git(upstream, 'submodule', '-q', 'add', '../micropython-lib.git', 'lib/unused');
  // The port names micropython-lib as MicroPython's CMake files do (v1.24); the legacy Makefile names its own.
  writeFileSync(
    path.join(upstream, 'ports', 'esp32', 'submodules.cmake'),
    'list(APPEND GIT_SUBMODULES lib/micropython-lib)\n'
  );
  await git(upstream, 'add', '-A');
  await git(upstream, 'commit', '-qm', 'submodules');
  await chown(path.join(scratch, name));
  const tree = path.join(runner.workspace, 'micropython');
  await run(
    'setpriv',
    [
      `--reuid=${user.uid}`,
      `--regid=${user.gid}`,
      `--groups=${user.gid}`,
      'git',
      'clone',
      '-q',
      upstream,
      tree
    ],
    {
      env: { ...gitEnv, HOME: runner.dir }
    }
  );
  return tree;
}

beforeAll(async () => {
  await requireDocker();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'e2e-hostile-'));
  await run('chmod', ['a+rx', scratch]);
  user = runnerUser();
  upstreams = await createUpstreams();
  await chown(upstreams.root);
  let dir = upstreams.root;
  while (dir !== path.dirname(dir)) {
    await run('chmod', ['a+x', dir]);
    dir = path.dirname(dir);
  }
});

afterAll(async () => {
  await upstreams?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function expectNothingRan(runner: Runner, tree: string, marker: string): Promise<void> {
  // What a later step of the job does in the workspace.
  const status = await gitAsRunner(runner, tree, 'status', '--porcelain');
  expect(status.code).toBe(0);
  expect(existsSync(marker)).toBe(false);
  expect((await gitAsRunner(runner, tree, 'config', '--get', 'core.fsmonitor')).code).toBe(1);
  expect(existsSync(path.join(tree, '.git', 'hooks', 'post-checkout'))).toBe(false);
  expect(existsSync(path.join(tree, 'lib', 'unused', '.git'))).toBe(false);
  expect(existsSync(path.join(runner.workspace, 'beside.txt'))).toBe(false);
}

describe('a hostile tree of the CMake era', () => {
  it('builds, and changes nothing outside its tree: ESP-IDF and its tools, .git, the workspace', async () => {
    const runner = makeRunner(path.join(scratch, 'modern'), user);
    const inputs = {
      board: 'ESP32_GENERIC',
      'idf-version': 'v5.2.2',
      'idf-repo': upstreams.idfRepoUrl,
      'idf-tools-mirror': upstreams.assetsMirror,
      'component-registry-mirror': upstreams.registry.url,
      network: 'host',
      cache: 'false'
    };
    // A trusted build first: ESP-IDF is installed, the entry complete.
    const clean: FixtureTree = await createMicroPythonTree(path.join(runner.workspace, 'clean'), {
      shape: 'v1.24',
      idfPin: 'v5.2.2'
    });
    await chown(runner.dir);
    const first = await runStep('main', runner, { ...inputs, 'micropython-path': 'clean' });
    expect({ code: first.code, errors: first.output.match(/::error::.*/g) }).toEqual({
      code: 0,
      errors: null
    });
    const idfBefore = idfFingerprint(runner);
    const besideBefore = readFileSync(path.join(clean.root, 'ports', 'esp32', 'main.c'), 'utf8');

    const marker = path.join(scratch, 'fsmonitor-ran');
    const extra = [
      'echo pwned > "$IDF_TOOLS_PATH/planted"',
      'for f in "$IDF_TOOLS_PATH"/tools/*/*/*/bin/* "$IDF_TOOLS_PATH"/python_env/*/bin/*; do echo pwned > "$f"; done'
    ];
    const tree = await hostileCheckout(runner, 'v1.24', hostileScript(runner, marker, extra), 'v5.2.2');
    const gitConfig = readFileSync(path.join(tree, '.git', 'config'), 'utf8');
    const result = await runStep('main', runner, { ...inputs, 'micropython-path': 'micropython' });
    expect({ code: result.code, errors: result.output.match(/::error::.*/g) }).toEqual({
      code: 0,
      errors: null
    });
    expect(result.output).toContain('hostile: done');
    // Every write was tried, and refused.
    expect(result.output.match(/Read-only file system/g)?.length).toBeGreaterThanOrEqual(8);
    // The port's make submodules, done on the host: micropython-lib is there (the build checks it).
    expect(result.output).toContain('Updating submodules on this machine: lib/micropython-lib');
    expect(readFileSync(path.join(tree, 'lib', 'micropython-lib', 'README.md'), 'utf8')).toContain('fixture');
    expect(readFileSync(path.join(tree, 'lib', 'micropython-lib', '.git'), 'utf8')).toMatch(
      /^gitdir: \.\.\/\.\.\/\.git\/modules/
    );
    // The repository it planted in lib/unused was removed, with a warning.
    expect(result.output).toMatch(
      /::warning::The build created \S+\/lib\/unused\/\.git \(a directory\): removed it/
    );

    expect(idfFingerprint(runner)).toEqual(idfBefore);
    // The one change to .git/config: the submodule that git on the host initialised.
    expect(readFileSync(path.join(tree, '.git', 'config'), 'utf8')).toBe(
      `${gitConfig}[submodule "lib/micropython-lib"]\n\tactive = true\n\turl = ${path.join(scratch, 'v1.24', 'micropython-lib.git')}\n`
    );
    expect(readFileSync(path.join(clean.root, 'ports', 'esp32', 'main.c'), 'utf8')).toBe(besideBefore);
    await expectNothingRan(runner, tree, marker);
  });
});

describe('a hostile tree of the legacy era', () => {
  it('builds, and changes neither ESP-IDF nor the toolchain', async () => {
    const runner = makeRunner(path.join(scratch, 'legacy'), user);
    const inputs = {
      'idf-version': 'auto',
      'idf-repo': upstreams.idfRepoUrl,
      'toolchain-url': upstreams.legacyToolchain.url,
      'toolchain-sha256': upstreams.legacyToolchain.sha256,
      network: 'host',
      cache: 'false'
    };
    const pin = upstreams.idfTags['v3.3.2'];
    const clean = await createMicroPythonTree(path.join(runner.workspace, 'clean'), {
      shape: 'v1.12',
      idfPin: pin,
      git: true
    });
    await chown(runner.dir);
    const first = await runStep('main', runner, { ...inputs, 'micropython-path': 'clean' });
    expect({ code: first.code, errors: first.output.match(/::error::.*/g) }).toEqual({
      code: 0,
      errors: null
    });
    const toolchain = path.join(runner.toolCache, 'xtensa-esp32-elf');
    const before = { idf: idfFingerprint(runner), toolchain: fingerprint(toolchain) };
    const besideBefore = readFileSync(path.join(clean.root, 'ports', 'esp32', 'main.c'), 'utf8');

    const marker = path.join(scratch, 'fsmonitor-ran-legacy');
    const extra = [
      'echo pwned > "$ESPIDF/components/planted.c"',
      'for f in "$ESP32_DEVEL_TOOLCHAIN"/bin/*; do echo pwned > "$f"; done',
      'echo pwned > "$ESP32_DEVEL_TOOLCHAIN/planted"'
    ];
    const tree = await hostileCheckout(runner, 'v1.12', hostileScript(runner, marker, extra), pin);
    const result = await runStep('main', runner, { ...inputs, 'micropython-path': 'micropython' });
    expect({ code: result.code, errors: result.output.match(/::error::.*/g) }).toEqual({
      code: 0,
      errors: null
    });
    expect(result.output).toContain('hostile: done');
    expect(result.output.match(/Read-only file system/g)?.length).toBeGreaterThanOrEqual(6);
    expect({ idf: idfFingerprint(runner), toolchain: fingerprint(toolchain) }).toEqual(before);
    expect(readFileSync(path.join(clean.root, 'ports', 'esp32', 'main.c'), 'utf8')).toBe(besideBefore);
    await expectNothingRan(runner, tree, marker);
  });
});

describe('a hostile pull request, then a trusted build on a fresh runner with the same Actions cache', () => {
  it('the pull request builds, reads no secret, and the trusted build restores nothing it touched', async () => {
    const cache = await startCacheServer();
    const secret = `ghs_${randomBytes(16).toString('hex')}`;
    const inputs = {
      'micropython-path': 'micropython',
      board: 'ESP32_GENERIC',
      'idf-version': 'v5.2.2',
      'idf-repo': upstreams.idfRepoUrl,
      'idf-tools-mirror': upstreams.assetsMirror,
      'component-registry-mirror': upstreams.registry.url,
      network: 'host'
    };
    // The step's environment as a workflow gives it: a token, the cache service's own token.
    const stepEnv = (event: Record<string, string>) => ({ ...cache.env, GITHUB_TOKEN: secret, ...event });
    const pullRequest = { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/9/merge' };
    // Both runners at one path, as hosted runners are: the Actions cache restores only into the paths it saved.
    const dir = path.join(scratch, 'pull-request');
    try {
      const runner = makeRunner(dir, user);
      const marker = path.join(scratch, 'fsmonitor-ran-pr');
      const extra = [
        'echo pwned > "$IDF_TOOLS_PATH/planted"',
        '# The caches the build writes: poison them for the next build.',
        'echo pwned > "$CCACHE_DIR/planted"',
        'mkdir -p "$CCACHE_DIR/f/0" && echo pwned > "$CCACHE_DIR/f/0/poisoned.o"',
        'echo pwned > "$IDF_COMPONENT_CACHE_PATH/planted"',
        '# Every secret it can find, into the tree (and so into whatever the tree publishes).',
        '{ env; tr "\\0" "\\n" < /proc/self/environ; tr "\\0" "\\n" < /proc/1/environ; } > ../../found.txt 2>&1'
      ];
      const tree = await hostileCheckout(
        runner,
        'v1.24',
        hostileScript(runner, marker, extra),
        'v5.2.2',
        'pr'
      );
      const main = await runStep('main', runner, inputs, { env: stepEnv(pullRequest) });
      expect({ code: main.code, errors: main.output.match(/::error::.*/g) }).toEqual({
        code: 0,
        errors: null
      });
      expect(main.output).toContain('hostile: done');
      const found = readFileSync(path.join(tree, 'found.txt'), 'utf8');
      expect(found).toContain('IDF_PATH=');
      for (const value of [secret, cache.env.ACTIONS_RUNTIME_TOKEN]) expect(found).not.toContain(value);
      for (const output of ['firmware', 'artifacts']) {
        for (const file of main.outputs[output].split('\n').filter(Boolean)) {
          expect(lstatSync(file).isFile()).toBe(true);
          expect(readFileSync(file, 'utf8')).not.toContain(secret);
        }
      }
      // Its writes into the caches it may write did land (in its own scope).
      const planted = await run(
        'grep',
        ['-rl', 'pwned', path.join(runner.toolCache, 'esp32-micropython-build')],
        {
          allowFailure: true
        }
      );
      expect(planted.stdout).toMatch(/ccache\/.*planted/);
      expect(planted.stdout).toMatch(/components\/.*planted/);
      const post = await runStep('post', runner, inputs, { env: stepEnv(pullRequest), state: main.state });
      expect({ code: post.code, errors: post.output.match(/::error::.*/g) }).toEqual({
        code: 0,
        errors: null
      });
      // What the build wrote, saved under the pull request's scope.
      const written = cache
        .entries()
        .map((e) => e.key)
        .filter((k) => k.startsWith('esp32-ccache-') || k.startsWith('esp32-components-'));
      expect(written.length).toBeGreaterThan(0);
      await expectNothingRan(runner, tree, marker);

      // The trusted build: a push to the default branch, on a fresh runner, with a clean tree.
      await rm(dir, { recursive: true, force: true });
      const trusted = makeRunner(dir, user);
      const clean = await createMicroPythonTree(path.join(trusted.workspace, 'micropython'), {
        shape: 'v1.24',
        idfPin: 'v5.2.2'
      });
      await chown(clean.root);
      const result = await runStep('main', trusted, inputs, { env: stepEnv({}) });
      expect({ code: result.code, errors: result.output.match(/::error::.*/g) }).toEqual({
        code: 0,
        errors: null
      });
      // ESP-IDF came from the cache, verified; the pull request's ccache and components did not.
      expect(JSON.parse(result.outputs['cache-hit']).idf).toBe(true);
      const restored = [...result.output.matchAll(/Restored (?:ccache|managed components) from (\S+)/g)];
      for (const [, key] of restored) expect(written).not.toContain(key);
      const poisoned = await run('grep', ['-rl', 'pwned', trusted.toolCache], { allowFailure: true });
      expect(poisoned.stdout).toBe('');
      for (const output of ['firmware', 'artifacts']) {
        for (const file of result.outputs[output].split('\n').filter(Boolean)) {
          expect(lstatSync(file).isFile()).toBe(true);
        }
      }
    } finally {
      await cache.close();
    }
  });
});
