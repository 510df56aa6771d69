/**
 * Planning, for each goal and era, with fake ports (a recording docker, an
 * empty cache, plain tool directories): no Docker engine. Then the run of
 * each plan, whose containers must be the plan's, field by field.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { planText } from '../../src/cli/plan-text.js';
import { DirectoryToolStore, layout } from '../../src/cli/store.js';
import { run } from '../../src/exec.js';
import type { Inputs } from '../../src/inputs.js';
import { NoCache, type CacheStore } from '../../src/ports.js';
import { execute } from '../../src/pipeline/execute.js';
import type { Goal } from '../../src/pipeline/goal.js';
import { findDockerDir, planImage } from '../../src/pipeline/image.js';
import { resolveInputs, type PipelineEnv } from '../../src/pipeline/index.js';
import { imageRequest, makePlan, UNKNOWN_IDF_DIR, type Plan } from '../../src/pipeline/plan.js';
import { SUBMODULES_SCRIPT } from '../../src/pipeline/submodules.js';
import { TOOL_ARCH, TOOL_NAME } from '../../src/pipeline/toolchain.js';
import { createMicroPythonTree, type FixtureTree } from '../support/micropython-tree.js';
import {
  EmptyCache,
  inputsFor,
  quietLog,
  QuietProgress,
  RecordingDocker,
  tinyIdfRepo
} from '../support/plan-ports.js';

let scratch: string;
let idf: { url: string; commit: string };
let modern: FixtureTree;
let legacy: FixtureTree;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'plan-'));
  idf = await tinyIdfRepo(path.join(scratch, 'esp-idf.git'));
  modern = await createMicroPythonTree(path.join(scratch, 'mp-1.24'), { shape: 'v1.24' });
  legacy = await createMicroPythonTree(path.join(scratch, 'mp-1.14'), { shape: 'v1.14', idfPin: idf.commit });
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let machineCount = 0;

/**
 * What a build container leaves: the firmware in the tree's build directory,
 * and an object in the ccache directory mounted into it.
 */
function fakeBuild(buildDir: string) {
  return (args: string[]) => {
    if (!args.includes('esp32-build')) return;
    mkdirSync(buildDir, { recursive: true });
    writeFileSync(path.join(buildDir, 'firmware.bin'), 'firmware');
    // ccache keeps an object, the component manager a download.
    for (const [mount, file] of [
      [':/opt/esp32-devel/ccache', '0/object'],
      [':/opt/esp32-devel/components', 'service_d92d8f1e/espressif__mdns_1.1.0_46ee81d3/CMakeLists.txt']
    ]) {
      const host = args.find((a) => a.endsWith(mount))?.split(':')[0];
      if (!host) continue;
      mkdirSync(path.dirname(path.join(host, file)), { recursive: true });
      writeFileSync(path.join(host, file), 'written by the build');
    }
  };
}

/** A machine of its own: a store, a tool store, a docker that has no image yet. */
function machine(options: { cache?: CacheStore; buildDir?: string } = {}) {
  const root = path.join(scratch, `machine-${++machineCount}`);
  const docker = new RecordingDocker(options.buildDir ? fakeBuild(options.buildDir) : undefined);
  const env: PipelineEnv = {
    docker,
    cache: options.cache ?? new NoCache(),
    tools: new DirectoryToolStore(layout(root).toolCache),
    places: { root, temp: path.join(root, 'tmp', '1') },
    progress: new QuietProgress(),
    user: { uid: 1001, gid: 121 },
    dockerDir: findDockerDir(),
    runId: 'run-1'
  };
  return { root, docker, env };
}

async function planFor(inputs: Inputs, goal: Goal, env: PipelineEnv): Promise<Plan> {
  return makePlan(inputs, await resolveInputs(inputs), goal, { ...env, log: quietLog });
}

const presence = (plan: Plan) => Object.fromEntries(plan.resources.map((r) => [r.name, r.presence]));
const steps = (plan: Plan) => plan.resources.flatMap((r) => r.steps).join('\n');

/** A complete legacy toolchain in the tool store, as a download would leave it. */
async function storeToolchain(env: PipelineEnv, plan: Plan): Promise<void> {
  const source = path.join(env.places.root, 'tmp', 'tc');
  mkdirSync(path.join(source, 'bin'), { recursive: true });
  writeFileSync(path.join(source, 'bin', `${TOOL_NAME}-gcc`), '#!/bin/sh\n', { mode: 0o755 });
  await env.tools.add(source, TOOL_NAME, plan.toolchain!.storeVersion, TOOL_ARCH);
}

describe('planning', () => {
  const modernInputs = () =>
    inputsFor(modern.root, { 'idf-repo': idf.url, board: 'ESP32_GENERIC', network: 'host' });

  it('a cold machine: the image is built, ESP-IDF cloned and installed, ccache starts empty', async () => {
    const { env, docker } = machine();
    const plan = await planFor(modernInputs(), { kind: 'build' }, env);
    expect(presence(plan)).toEqual({
      image: 'absent',
      'esp-idf': 'absent',
      ccache: 'absent',
      components: 'absent'
    });
    expect(plan.idf.remote).toEqual({ kind: 'tag', commit: idf.commit });
    expect(steps(plan)).toMatch(/build it .*: docker build .*--file \S+\/docker\/Dockerfile /);
    expect(plan.image).toMatchObject({ era: 'bookworm', python: '3.11' });
    expect(steps(plan)).toMatch(/clone .* at v5\.2\.2 with its submodules/);
    expect(steps(plan)).toMatch(/run install\.sh for esp32/);
    // The port's make submodules is answered in a container, and done on this machine, before the build.
    expect(plan.containers.map((c) => c.role)).toEqual(['install', 'submodules', 'build']);
    expect(plan.containers[0].argv.slice(-2)).toEqual(['/opt/esp32-devel/esp-idf/install.sh', 'esp32']);
    expect(plan.containers[1].argv.slice(-5)).toEqual([
      SUBMODULES_SCRIPT,
      'esp32-build',
      '-C',
      'ports/esp32',
      'BOARD=ESP32_GENERIC'
    ]);
    expect(plan.containers[1].then).toMatch(/^git submodule sync and update --init .*on this machine/);
    expect(plan.containers[2].argv).toEqual(
      expect.arrayContaining(['--network', 'host', '--user', '1001:121'])
    );
    // Planning wrote nothing and ran nothing.
    expect(docker.runs).toEqual([]);
    expect(() => mkdirSync(env.places.root)).not.toThrow();
  });

  it('a warm machine: the plan names no download, clone, build or install', async () => {
    const { env } = machine({ buildDir: modern.buildDir('ESP32_GENERIC') });
    const goal: Goal = { kind: 'build' };
    await execute(await planFor(modernInputs(), goal, env), env);
    for (const g of [
      { kind: 'setup' },
      goal,
      { kind: 'make', step: { title: 'erase', cwd: modern.root, args: ['erase'], board: true } }
    ] as Goal[]) {
      const warm = await planFor(modernInputs(), g, env);
      expect(presence(warm)).toEqual({
        image: 'present',
        'esp-idf': 'present',
        ccache: 'present',
        components: 'present'
      });
      expect(steps(warm)).not.toMatch(/download|clone|build it|install\.sh|restore/);
      expect(warm.containers.map((c) => c.role)).not.toContain('install');
      expect(warm.resources.every((r) => r.unknown === undefined)).toBe(true);
    }
  });

  it('a build plans its artifacts: named in place (the CLI), or copied where the places say (the action)', async () => {
    const { env } = machine({ buildDir: modern.buildDir('ESP32_GENERIC') });
    const inPlace = await planFor(modernInputs(), { kind: 'build' }, env);
    expect(inPlace.artifacts).toMatchObject({
      tree: modern.root,
      buildDir: modern.buildDir('ESP32_GENERIC')
    });
    expect(inPlace.artifacts!.copyTo).toBeUndefined();
    expect(planText(inPlace)).toContain(
      `# Artifacts: regular files only, never through a link, in ${modern.buildDir('ESP32_GENERIC')}\n`
    );
    const here = await execute(inPlace, env);
    expect(here.artifacts!.firmware).toBe(path.join(modern.buildDir('ESP32_GENERIC'), 'firmware.bin'));

    const copyTo = path.join(env.places.root, 'runner-temp');
    const action = { ...env, places: { ...env.places, artifacts: copyTo } };
    const copied = await planFor(modernInputs(), { kind: 'build' }, action);
    expect(copied.artifacts!.copyTo).toBe(copyTo);
    expect(copied.runSpecific.join(' ')).toMatch(/artifacts-XXXXXX/);
    expect(planText(copied)).toContain(`to a fresh ${copyTo}/artifacts-XXXXXX`);
    const result = await execute(copied, action);
    expect(result.artifacts!.firmware).toMatch(new RegExp(`^${copyTo}/artifacts-\\w+/firmware\\.bin$`));
    expect(readFileSync(result.artifacts!.firmware!, 'utf8')).toBe('firmware');

    const make = { kind: 'make', step: { title: 'size', cwd: modern.root, args: ['size'] } } as Goal;
    expect((await planFor(modernInputs(), make, env)).artifacts).toBeUndefined();
  });

  it('a firmware.bin the build made a link stops the run before a deploy, naming it', async () => {
    const tree = await createMicroPythonTree(path.join(scratch, 'mp-hostile'), { shape: 'v1.24' });
    const dir = tree.buildDir('ESP32_GENERIC');
    const { env } = machine();
    const hostile = new RecordingDocker((args) => {
      fakeBuild(dir)(args);
      // The build container only (not the one that asks the port for its submodules).
      if (!args.some((arg) => arg.startsWith('esp32-build-build-'))) return;
      rmSync(path.join(dir, 'firmware.bin'));
      symlinkSync('/proc/self/environ', path.join(dir, 'firmware.bin'));
    });
    const deploy: Goal = {
      kind: 'build',
      then: { title: 'Deploy', cwd: path.join(tree.root, 'ports/esp32'), args: ['deploy'], board: true }
    };
    const inputs = inputsFor(tree.root, { 'idf-repo': idf.url, board: 'ESP32_GENERIC' });
    const plan = await planFor(inputs, deploy, { ...env, docker: hostile });
    expect(plan.containers.map((c) => c.role)).toEqual(['install', 'submodules', 'build', 'make']);
    await expect(execute(plan, { ...env, docker: hostile })).rejects.toThrow(
      `${path.join(dir, 'firmware.bin')} is a symbolic link to "/proc/self/environ"`
    );
    // install, the port's submodule list and the build ran; the deploy did not.
    expect(hostile.runs).toHaveLength(3);
  });

  (process.getuid?.() === 0 ? it : it.skip)(
    'run by root on a tree someone else owns: install.sh as root, the tree’s code as its owner, the caches handed over',
    async () => {
      const owned = await createMicroPythonTree(path.join(scratch, 'mp-owned'), { shape: 'v1.24' });
      await run('chown', ['-R', '1001:121', owned.root]);
      const { env, docker } = machine({ buildDir: owned.buildDir('ESP32_GENERIC') });
      const asRoot = { ...env, user: { uid: 0, gid: 0 } };
      const lines: string[] = [];
      const inputs = inputsFor(owned.root, { 'idf-repo': idf.url, board: 'ESP32_GENERIC' });
      const plan = await makePlan(
        inputs,
        await resolveInputs(inputs),
        { kind: 'build' },
        {
          ...asRoot,
          log: { ...quietLog, info: (line) => lines.push(line) }
        }
      );
      expect(lines).toContainEqual(
        expect.stringMatching(/the build runs as 1001:121, the owner of the MicroPython tree/)
      );
      const users = Object.fromEntries(plan.containers.map((c) => [c.role, c.spec.user]));
      expect(users).toEqual({
        install: { uid: 0, gid: 0 },
        submodules: { uid: 1001, gid: 121 },
        build: { uid: 1001, gid: 121 }
      });
      await execute(plan, asRoot);
      expect(docker.runs.map((r) => r[r.indexOf('--user') + 1])).toEqual(['0:0', '1001:121', '1001:121']);
      for (const dir of [plan.ccache!.dir, plan.components!.dir]) {
        expect(statSync(dir)).toMatchObject({ uid: 1001, gid: 121 });
      }
    }
  );

  it('setup runs no container but install.sh; make runs one make with the board first', async () => {
    const { env } = machine();
    const setup = await planFor(modernInputs(), { kind: 'setup' }, env);
    expect(setup.containers.map((c) => c.role)).toEqual(['install']);
    const erase = await planFor(
      modernInputs(),
      { kind: 'make', step: { title: 'Erase the flash', cwd: modern.root, args: ['erase'], board: true } },
      env
    );
    expect(erase.containers.map((c) => c.role)).toEqual(['install', 'make']);
    expect(erase.containers[1].argv.slice(-3)).toEqual(['make', 'BOARD=ESP32_GENERIC', 'erase']);
  });

  it('make submodules (the esp32 alias) is answered in a container and done on this machine; the rest is made', async () => {
    const { env } = machine();
    const cwd = path.join(modern.root, 'ports', 'esp32');
    const step = (args: string[]) => ({
      kind: 'make' as const,
      step: { title: 'make', cwd, args, board: true }
    });
    const only = await planFor(modernInputs(), step(['-j', '4', 'submodules']), env);
    expect(only.containers.map((c) => c.role)).toEqual(['install', 'submodules']);
    expect(only.containers[1].spec.workdir).toBe(cwd);
    expect(only.containers[1].argv.slice(-4)).toEqual(['esp32-build', 'BOARD=ESP32_GENERIC', '-j', '4']);
    const more = await planFor(modernInputs(), step(['submodules', 'all', 'V=1']), env);
    expect(more.containers.map((c) => c.role)).toEqual(['install', 'submodules', 'make']);
    expect(more.containers[2].argv.slice(-4)).toEqual(['make', 'BOARD=ESP32_GENERIC', 'all', 'V=1']);
    // A variable or an option's value named submodules is not the goal.
    const not = await planFor(modernInputs(), step(['-C', 'submodules', 'X=submodules']), env);
    expect(not.containers.map((c) => c.role)).toEqual(['install', 'make']);
  });

  it('legacy era: the toolchain from the tool store, ESP-IDF by commit with no install', async () => {
    const { env } = machine();
    const inputs = inputsFor(legacy.root, { 'idf-repo': idf.url });
    const cold = await planFor(inputs, { kind: 'build' }, env);
    expect(presence(cold)).toEqual({ image: 'absent', toolchain: 'absent', 'esp-idf': 'absent' });
    expect(steps(cold)).toMatch(/download https:\/\/dl\.espressif\.com\/.*check its SHA-256/);
    expect(cold.idf.remote).toEqual({ kind: 'commit', commit: idf.commit });
    expect(cold.containers.map((c) => c.role)).toEqual(['submodules', 'build']);

    await storeToolchain(env, cold);
    const warmer = await planFor(inputs, { kind: 'build' }, env);
    expect(presence(warmer).toolchain).toBe('present');
    expect(warmer.containers[1].argv).toContain(
      `${warmer.toolchain!.dir}:/opt/esp32-devel/xtensa-esp32-elf:ro`
    );
  });

  it('ESP-IDF v4: the image of its era, from docker/Dockerfile.idf4 with its Python', async () => {
    const { env } = machine();
    const tree = await createMicroPythonTree(path.join(scratch, 'mp-1.20'), { shape: 'v1.20' });
    const inputs = inputsFor(tree.root, { 'idf-repo': idf.url, 'idf-version': 'v5.2.2' });
    expect((await planFor(inputs, { kind: 'build' }, env)).image.era).toBe('bookworm');
    const v4 = inputsFor(tree.root, {
      'idf-repo': idf.url,
      'image-build-args': 'BASE=esp32-devel-base:bullseye\nESP32_DEVEL_PYTHON=3.9'
    });
    const plan = await planFor(v4, { kind: 'setup' }, env).catch((e: Error) => e);
    // The tiny repository has no v4.4 tag: planning stops at ESP-IDF, after the image.
    expect(String(plan)).toMatch(/'v4\.4' does not exist/);
    const image = await planImage(
      imageRequest(v4, env.dockerDir, await resolveInputs(v4)),
      env.docker,
      env.places
    );
    expect(image).toMatchObject({ era: 'idf4', python: '3.9' });
    expect(image.ref).toMatch(/^esp32-devel:idf4-[0-9a-f]{16}$/);
    expect(image.build!.args).toEqual(
      expect.arrayContaining([
        '--file',
        path.join(env.dockerDir, 'Dockerfile.idf4'),
        '--build-arg',
        'ESP32_DEVEL_PYTHON=3.9'
      ])
    );
  });

  it('an image given by name whose Python cannot serve the ESP-IDF is refused, naming the image it needs', async () => {
    const { env, docker } = machine();
    docker.images.add('ghcr.io/acme/old:1');
    docker.python = '3.7';
    const inputs = inputsFor(modern.root, { 'idf-repo': idf.url, image: 'ghcr.io/acme/old:1' });
    await expect(planFor(inputs, { kind: 'build' }, env)).rejects.toThrow(
      /ghcr\.io\/acme\/old:1 has Python 3\.7, and this ESP-IDF needs Python 3\.8 or later.*image: build, which builds docker\/Dockerfile /
    );
  });

  it('v1.21 and later: the component manager gets a kept cache, keyed by the ESP-IDF and the manifests', async () => {
    const { env } = machine();
    const inputs = inputsFor(modern.root, {
      'idf-repo': idf.url,
      'component-registry-mirror': 'http://127.0.0.1:9/components'
    });
    const plan = await planFor(inputs, { kind: 'build' }, env);
    expect(plan.components!.files).toEqual(
      expect.arrayContaining(['ports/esp32/main_esp32/idf_component.yml'])
    );
    expect(plan.components!.key).toMatch(/^esp32-components-v1-v5\.2\.2-[0-9a-f]{16}$/);
    const build = plan.containers.find((c) => c.role === 'build')!.spec;
    expect(build.mounts).toContainEqual({
      host: plan.components!.dir,
      container: '/opt/esp32-devel/components'
    });
    expect(build.env).toMatchObject({
      IDF_COMPONENT_CACHE_PATH: '/opt/esp32-devel/components',
      IDF_COMPONENT_CHECK_NEW_VERSION: '0',
      IDF_COMPONENT_REGISTRY_URL: 'http://127.0.0.1:9/components',
      IDF_COMPONENT_STORAGE_URL: 'http://127.0.0.1:9/components'
    });
    // Another set of manifests is another entry; a legacy tree has none.
    const other = await createMicroPythonTree(path.join(scratch, 'mp-1.26.1'), {
      shape: 'v1.26.1',
      idfPin: '5.2.2'
    });
    const otherPlan = await planFor(inputsFor(other.root, { 'idf-repo': idf.url }), { kind: 'build' }, env);
    expect(otherPlan.components!.files).toEqual(
      expect.arrayContaining(['ports/esp32/lockfiles/dependencies.lock.esp32'])
    );
    expect(otherPlan.components!.key).not.toBe(plan.components!.key);
    const legacyPlan = await planFor(inputsFor(legacy.root, { 'idf-repo': idf.url }), { kind: 'build' }, env);
    expect(legacyPlan.components).toBeUndefined();
  });

  it('a cache that may hold things: each restore is an unknown with both outcomes', async () => {
    const { env } = machine({ cache: new EmptyCache() });
    const plan = await planFor(modernInputs(), { kind: 'build' }, env);
    for (const r of plan.resources) {
      expect(r.steps[0]).toMatch(/^restore /);
      expect(r.unknown).toMatch(/hit .*, a miss/);
    }
  });

  it('a pulled image not here yet: its Python, and so the ESP-IDF entry, are unknown until run', async () => {
    const { env } = machine();
    const inputs = inputsFor(modern.root, { 'idf-repo': idf.url, image: 'ghcr.io/acme/esp32-devel:1' });
    const plan = await planFor(inputs, { kind: 'build' }, env);
    expect(plan.image).toMatchObject({ mode: 'pull', present: false, python: undefined });
    expect(presence(plan)['esp-idf']).toBe('unknown');
    expect(plan.resources.find((r) => r.name === 'esp-idf')!.unknown).toMatch(/pulled image's Python/);
    expect(plan.containers[2].argv.join(' ')).toContain(UNKNOWN_IDF_DIR);
  });

  it('an unreachable repository: planned offline, from the caches only', async () => {
    const { env } = machine();
    const inputs = inputsFor(modern.root, { 'idf-repo': path.join(scratch, 'nowhere.git') });
    const plan = await planFor(inputs, { kind: 'build' }, env);
    expect(plan.idf.offline).toMatch(/^fatal: /);
    const view = plan.resources.find((r) => r.name === 'esp-idf')!;
    expect(view.presence).toBe('unknown');
    expect(view.steps.at(-1)).toMatch(/otherwise fail/);
  });

  it('a ref the repository does not have fails at planning, naming its tags', async () => {
    const { env } = machine();
    const inputs = inputsFor(modern.root, { 'idf-repo': idf.url, 'idf-version': 'v9.9.9' });
    await expect(planFor(inputs, { kind: 'build' }, env)).rejects.toThrow(
      /'v9\.9\.9' does not exist .*newest tags are v5\.2\.2/
    );
  });
});

/** The fields of a `docker run` argv (after `docker`). */
function containerFields(args: string[]) {
  const fields = {
    name: '',
    user: '',
    network: '',
    workdir: '',
    mounts: [] as string[],
    devices: [] as string[],
    groups: [] as string[],
    hardening: [] as string[],
    labels: {} as Record<string, string>,
    env: {} as Record<string, string>,
    image: '',
    command: [] as string[]
  };
  let i = args.indexOf('run') + 1;
  const flags: Record<string, (v: string) => void> = {
    '--name': (v) => (fields.name = v),
    '--user': (v) => (fields.user = v),
    '--network': (v) => (fields.network = v),
    '--workdir': (v) => (fields.workdir = v),
    '-v': (v) => fields.mounts.push(v),
    '--device': (v) => fields.devices.push(v),
    '--group-add': (v) => fields.groups.push(v),
    '--cap-drop': (v) => fields.hardening.push(`cap-drop ${v}`),
    '--security-opt': (v) => fields.hardening.push(`security-opt ${v}`),
    '--pids-limit': (v) => fields.hardening.push(`pids-limit ${v}`),
    '--label': (v) => (fields.labels[v.slice(0, v.indexOf('='))] = v.slice(v.indexOf('=') + 1)),
    '-e': (v) => (fields.env[v.slice(0, v.indexOf('='))] = v.slice(v.indexOf('=') + 1))
  };
  for (; i < args.length && args[i].startsWith('-'); i++) {
    if (args[i] === '--rm' || args[i] === '--init') continue;
    flags[args[i]](args[++i]);
  }
  fields.image = args[i];
  fields.command = args.slice(i + 1);
  return fields;
}

describe('the run executes the plan: its containers are the plan’s, field by field', () => {
  const serial = { host: '/dev/pts/7', container: '/dev/ttyUSB0', kind: 'bind' as const, gid: 20 };
  const portDir = () => path.join(modern.root, 'ports', 'esp32');
  const goals: [string, () => Goal][] = [
    ['build', () => ({ kind: 'build' })],
    [
      'deploy',
      () => ({
        kind: 'build',
        then: {
          title: 'Deploy',
          cwd: portDir(),
          args: ['PORT=/dev/ttyUSB0', 'deploy'],
          board: true,
          serial
        }
      })
    ],
    [
      'erase',
      () => ({
        kind: 'make',
        step: { title: 'Erase', cwd: portDir(), args: ['PORT=/dev/ttyUSB0', 'erase'], board: true, serial }
      })
    ],
    ['make', () => ({ kind: 'make', step: { title: 'make size', cwd: portDir(), args: ['size'] } })]
  ];

  for (const [name, goal] of goals) {
    for (const state of ['cold', 'warm'] as const) {
      it(`${name}, on a ${state} machine`, async () => {
        const inputs = inputsFor(modern.root, { 'idf-repo': idf.url, board: 'ESP32_GENERIC' });
        const { env, docker } = machine({ buildDir: modern.buildDir('ESP32_GENERIC') });
        if (state === 'warm') await execute(await planFor(inputs, { kind: 'build' }, env), env);
        docker.runs.length = 0;

        const plan = await planFor(inputs, goal(), env);
        await execute(plan, env);
        expect(docker.runs).toHaveLength(plan.containers.length);
        plan.containers.forEach((planned, i) => {
          const ran = containerFields(docker.runs[i]);
          const expected = containerFields(planned.argv.slice(1));
          // Only the name and the labels' values are the run's own, as the plan says.
          expect(plan.runSpecific.join(' ')).toMatch(/spec\.name.*spec\.labels/);
          expect(ran.name).toMatch(new RegExp(`^esp32-build-${planned.role}-\\d+-[0-9a-f]{6}$`));
          expect(Object.keys(ran.labels)).toEqual(Object.keys(expected.labels));
          expect(ran.labels).toMatchObject({
            'esp32-micropython-build': '1',
            'esp32-micropython-build.run': 'run-1',
            'esp32-micropython-build.pid': String(process.pid),
            'esp32-micropython-build.host': os.hostname()
          });
          expect(ran.hardening).toEqual([
            'cap-drop ALL',
            'security-opt no-new-privileges',
            'pids-limit 4096'
          ]);
          for (const field of [
            'image',
            'user',
            'mounts',
            'devices',
            'groups',
            'env',
            'workdir',
            'network',
            'hardening',
            'command'
          ] as const) {
            expect({ field, value: ran[field] }).toEqual({ field, value: expected[field] });
          }
        });
        if (state === 'warm') expect(plan.containers.map((c) => c.role)).not.toContain('install');
      });
    }
  }
});
