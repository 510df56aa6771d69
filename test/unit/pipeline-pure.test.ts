import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lastCompilerErrors } from '../../src/diagnostics.js';
import {
  ArtifactError,
  entryKind,
  linkTarget,
  pathSteps,
  planArtifacts
} from '../../src/pipeline/artifacts.js';
import { collectArtifacts } from '../../src/pipeline/collect-artifacts.js';
import {
  BUILD_SCRIPT,
  boardArgs,
  buildContainer,
  installContainer,
  makeDuration,
  makeGoalIndices,
  mountedRoot,
  treeMounts,
  type BuildPlan
} from '../../src/pipeline/build.js';
import { dockerRunArgs, explainDockerFailure, HARDENING, PIDS_LIMIT } from '../../src/pipeline/docker.js';
import { containerLabels } from '../../src/pipeline/stale-containers.js';
import { classifyRef, suggestTags } from '../../src/pipeline/idf.js';
import { declaredPython } from '../../src/pipeline/image.js';
import { cacheScope } from '../../src/pipeline/cache-scope.js';
import {
  ccacheKey,
  ccacheRestoreKeys,
  componentsKey,
  idfDirName,
  idfKey,
  idfRestoreKeys,
  imageKey,
  toolCacheVersion,
  toolchainKey
} from '../../src/pipeline/keys.js';
import { matcherDocument } from '../../src/action/matcher.js';
import { CONTAINER } from '../../src/layout.js';

const sha = (c: string) => c.repeat(40);

describe('cache keys', () => {
  const tag = {
    repo: 'https://github.com/espressif/esp-idf.git',
    kind: 'tag' as const,
    ref: 'v5.2.2',
    chips: ['esp32'],
    python: '3.11'
  };

  it('keys a tag by its name, chips and Python, not by the commit', () => {
    expect(idfKey({ ...tag, commit: sha('a') })).toBe(idfKey({ ...tag, commit: sha('b') }));
    expect(idfKey(tag)).toMatch(/^esp32-idf-v1-[0-9a-f]{8}-esp32-py3\.11-tag-v5\.2\.2$/);
    expect(idfKey({ ...tag, chips: ['esp32s3'] })).not.toBe(idfKey(tag));
    expect(idfKey({ ...tag, python: '3.12' })).not.toBe(idfKey(tag));
    expect(idfKey({ ...tag, repo: 'https://mirror/esp-idf.git' })).not.toBe(idfKey(tag));
    expect(idfRestoreKeys(tag)).toEqual([]);
  });

  it('sorts chips so the order given does not matter', () => {
    expect(idfKey({ ...tag, chips: ['esp32s3', 'esp32'] })).toBe(
      idfKey({ ...tag, chips: ['esp32', 'esp32s3'] })
    );
  });

  it('keys a branch by the commit it points to, with a prefix for any commit', () => {
    const branch = { ...tag, kind: 'branch' as const, ref: 'release/v5.2' };
    const a = idfKey({ ...branch, commit: sha('a') });
    expect(a).not.toBe(idfKey({ ...branch, commit: sha('b') }));
    expect(a.startsWith(idfRestoreKeys(branch)[0])).toBe(true);
    expect(a).not.toContain(',');
    expect(a).not.toContain('/');
  });

  it('gives a branch one directory whatever its commit, and tags and branches different ones', () => {
    const branch = { ...tag, kind: 'branch' as const, ref: 'release/v5.2' };
    expect(idfDirName(branch)).toMatch(/^release_v5\.2-[0-9a-f]{10}$/);
    expect(idfDirName(tag)).not.toBe(idfDirName({ ...tag, kind: 'branch' }));
  });

  it('keys the toolchain by version and checksum', () => {
    expect(toolchainKey('1.22.0-80-g6c4433a-5.2.0', 'ab'.repeat(32))).toBe(
      'esp32-toolchain-v1-xtensa-esp32-elf-1.22.0-80-g6c4433a-5.2.0-abababababababab-linux-x64'
    );
  });

  it('makes tool-cache versions that stay semver and include the checksum', () => {
    const s = 'c'.repeat(64);
    expect(toolCacheVersion('1.22.0-80-g6c4433a-5.2.0', s)).toBe('1.22.0-80-g6c4433a-5.2.0.shacccccccccccc');
    expect(toolCacheVersion('8.4.0', s)).toBe('8.4.0-shacccccccccccc');
    expect(toolCacheVersion('esp-2020r3-8.4.0', s)).toBe('0.0.0-shacccccccccccc');
  });

  it('keys images and ccache', () => {
    expect(imageKey('0123456789abcdef')).toBe('esp32-devel-image-v1-0123456789abcdef');
    const id = { idfKey: 'k', board: 'ESP32_GENERIC', variant: 'SPIRAM' };
    expect(ccacheKey({ ...id, run: '42-1' }).startsWith(ccacheRestoreKeys(id)[0])).toBe(true);
  });
});

describe('classifyRef', () => {
  const listing = [
    `${sha('1')}\trefs/heads/master`,
    `${sha('2')}\trefs/heads/release/v5.2`,
    `${sha('3')}\trefs/tags/v5.2.2`,
    `${sha('4')}\trefs/tags/v5.2.2^{}`,
    `${sha('5')}\trefs/tags/v5.0.4`,
    `${sha('6')}\trefs/heads/v5.0.4`
  ].join('\n');

  it('finds annotated tags by their peeled commit', () => {
    expect(classifyRef(listing, 'v5.2.2')).toEqual({ kind: 'tag', commit: sha('4') });
  });
  it('finds branches', () => {
    expect(classifyRef(listing, 'release/v5.2')).toEqual({ kind: 'branch', commit: sha('2') });
  });
  it('prefers a tag over a branch of the same name, as git does', () => {
    expect(classifyRef(listing, 'v5.0.4')).toEqual({ kind: 'tag', commit: sha('5') });
  });
  it('takes a full hash as a commit, and nothing else unknown', () => {
    expect(classifyRef(listing, sha('9'))).toEqual({ kind: 'commit', commit: sha('9') });
    expect(classifyRef(listing, 'v9.9')).toBeUndefined();
    expect(classifyRef(listing, 'master2')).toBeUndefined();
  });
  it('suggests the newest version tags', () => {
    expect(suggestTags(listing + `\n${sha('7')}\trefs/tags/v4.4\n${sha('8')}\trefs/tags/v5.10.1`)).toEqual([
      'v5.10.1',
      'v5.2.2',
      'v5.0.4',
      'v4.4'
    ]);
  });
});

describe('docker argv', () => {
  const plan: BuildPlan = {
    tree: '/home/runner/work/app/app/micropython',
    resolution: {
      buildSystem: 'cmake',
      board: 'ESP32_GENERIC',
      boardVariant: 'SPIRAM',
      portSubmodules: true
    },
    jobs: 4,
    makeArgs: ['V=1', 'X=$(id);`id`'],
    targets: ['all'],
    image: 'esp32-devel:abc',
    idfPath: '/cache/idf/v5.2.2/esp-idf',
    toolsPath: '/cache/idf/v5.2.2/espressif',
    ccacheDir: '/cache/ccache/x',
    user: { uid: 1001, gid: 118 }
  };

  it('runs a modern build as the caller, tree at its own path, export.sh sourced, ccache mounted', () => {
    const args = dockerRunArgs(buildContainer(plan, 'esp32-build-make-1'));
    expect(args.slice(0, 13)).toEqual([
      'run',
      '--rm',
      '--init',
      '--name',
      'esp32-build-make-1',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '--pids-limit',
      '4096',
      '--user',
      '1001:118'
    ]);
    expect(args).toEqual(
      expect.arrayContaining([
        '-v',
        `${plan.tree}:${plan.tree}`,
        `/cache/idf/v5.2.2/esp-idf:${CONTAINER.idfPath}:ro`,
        `/cache/idf/v5.2.2/espressif:${CONTAINER.idfToolsPath}:ro`,
        `/cache/ccache/x:${CONTAINER.ccacheDir}`,
        'PYTHONDONTWRITEBYTECODE=1',
        'ESP32_DEVEL_EXPORT=1',
        `IDF_TOOLS_PATH=${CONTAINER.idfToolsPath}`,
        'IDF_CCACHE_ENABLE=1',
        `HOME=${CONTAINER.home}`,
        '--workdir',
        plan.tree
      ])
    );
    const command = args.slice(args.indexOf('esp32-devel:abc') + 1);
    expect(command).toEqual([
      'bash',
      '-c',
      BUILD_SCRIPT,
      'esp32-build',
      '4',
      '2',
      'BOARD=ESP32_GENERIC',
      'BOARD_VARIANT=SPIRAM',
      'V=1',
      'X=$(id);`id`',
      'all'
    ]);
    expect(args).not.toContain('ESPIDF=' + CONTAINER.idfPath);
    // make submodules is no longer the build's: it writes .git (see submodules.ts).
    expect(BUILD_SCRIPT).not.toContain('submodules');
    expect(args.some((a) => a.startsWith('ESP32_DEVEL_SUBMODULES='))).toBe(false);
    expect(args.some((a) => a.startsWith('CCACHE_BASEDIR='))).toBe(false);
  });

  it('runs a legacy build with ESPIDF and the toolchain, no export.sh', () => {
    const legacy = buildContainer(
      {
        ...plan,
        resolution: { buildSystem: 'make', board: '', portSubmodules: false },
        toolchainDir: '/tc/xtensa-esp32-elf/1.22.0/x64'
      },
      'n'
    );
    expect(legacy.env).toEqual({
      HOME: CONTAINER.home,
      IDF_PATH: CONTAINER.idfPath,
      PYTHONDONTWRITEBYTECODE: '1',
      ESPIDF: CONTAINER.idfPath,
      PYTHON2: 'python3',
      ESP32_DEVEL_TOOLCHAIN: CONTAINER.toolchain
    });
    expect(legacy.mounts).toContainEqual({
      host: '/tc/xtensa-esp32-elf/1.22.0/x64',
      container: CONTAINER.toolchain,
      readonly: true
    });
    expect(legacy.command.slice(4, 6)).toEqual(['4', '0']);
  });

  it('mounts the workspace holding the tree read-only, so make-args can name files beside it', () => {
    const withRoot = buildContainer({ ...plan, mountRoot: '/home/runner/work/app/app' }, 'n');
    expect(withRoot.mounts.slice(0, 2)).toEqual([
      { host: '/home/runner/work/app/app', container: '/home/runner/work/app/app', readonly: true },
      { host: plan.tree, container: plan.tree }
    ]);
    expect(withRoot.workdir).toBe(plan.tree);
    expect(mountedRoot({ tree: '/elsewhere/mp', mountRoot: '/home/runner/work/app/app' })).toBe(
      '/elsewhere/mp'
    );
    expect(mountedRoot({ tree: '/w/app-other', mountRoot: '/w/app' })).toBe('/w/app-other');
    expect(mountedRoot({ tree: '/w/app', mountRoot: '/w/app' })).toBe('/w/app');
  });

  it('writes only the tree and the caches the build fills: ESP-IDF, its tools, the toolchain and every .git read-only', () => {
    const gitEntries = [
      `${plan.tree}/.git`,
      `${plan.tree}/lib/micropython-lib/.git`,
      '/home/runner/work/app/app/other/.git'
    ];
    const spec = buildContainer({ ...plan, mountRoot: '/home/runner/work/app/app', gitEntries }, 'n');
    const mounts = dockerRunArgs(spec).flatMap((a, i, all) => (all[i - 1] === '-v' ? [a] : []));
    expect(mounts).toEqual([
      '/home/runner/work/app/app:/home/runner/work/app/app:ro',
      `${plan.tree}:${plan.tree}`,
      `${plan.tree}/.git:${plan.tree}/.git:ro`,
      `${plan.tree}/lib/micropython-lib/.git:${plan.tree}/lib/micropython-lib/.git:ro`,
      `/cache/idf/v5.2.2/esp-idf:${CONTAINER.idfPath}:ro`,
      `/cache/idf/v5.2.2/espressif:${CONTAINER.idfToolsPath}:ro`,
      `/cache/ccache/x:${CONTAINER.ccacheDir}`
    ]);
    // Without a workspace around it, the tree is the mount, its .git still read-only.
    expect(treeMounts({ tree: plan.tree, gitEntries })).toEqual([
      { host: plan.tree, container: plan.tree },
      { host: `${plan.tree}/.git`, container: `${plan.tree}/.git`, readonly: true },
      {
        host: `${plan.tree}/lib/micropython-lib/.git`,
        container: `${plan.tree}/lib/micropython-lib/.git`,
        readonly: true
      }
    ]);
    expect(spec.env.PYTHONDONTWRITEBYTECODE).toBe('1');
  });

  it('tells make goals from options, their values and variables', () => {
    expect(
      makeGoalIndices(['-C', 'x', '-j', '4', '-j8', 'V=1', 'all', '--file', 'f', 'deploy', '-k'])
    ).toEqual([6, 9]);
    expect(makeGoalIndices(['-j', 'all'])).toEqual([1]);
  });

  it('passes no BOARD when the tree has no boards', () => {
    expect(boardArgs({ board: '' })).toEqual([]);
    expect(boardArgs({ board: 'GENERIC' })).toEqual(['BOARD=GENERIC']);
  });

  it('installs ESP-IDF tools for the needed chips only, with the mirror', () => {
    const spec = installContainer(
      {
        image: 'i',
        idfPath: '/a',
        toolsPath: '/b',
        chips: ['esp32', 'esp32s3'],
        mirrorEnv: { IDF_GITHUB_ASSETS: 'm.example/gh' },
        user: { uid: 1, gid: 2 }
      },
      'n'
    );
    expect(spec.command).toEqual([`${CONTAINER.idfPath}/install.sh`, 'esp32,esp32s3']);
    expect(spec.env).toMatchObject({
      IDF_GITHUB_ASSETS: 'm.example/gh',
      IDF_TOOLS_PATH: CONTAINER.idfToolsPath
    });
  });

  it('passes devices, groups and network, and refuses paths docker would misread', () => {
    const args = dockerRunArgs({
      image: 'i',
      name: 'n',
      mounts: [],
      env: {},
      devices: ['/dev/ttyUSB0'],
      groupAdd: [20],
      network: 'host',
      command: []
    });
    expect(args).toEqual([
      'run',
      '--rm',
      '--init',
      '--name',
      'n',
      ...HARDENING,
      '--network',
      'host',
      '--group-add',
      '20',
      '--device',
      '/dev/ttyUSB0',
      'i'
    ]);
    expect(() =>
      dockerRunArgs({
        image: 'i',
        name: 'n',
        mounts: [{ host: '/a:b', container: '/c' }],
        env: {},
        command: []
      })
    ).toThrow(/contains ':'/);
  });

  it('hardens every container: no capability, no new privileges, a pids limit; never group root', () => {
    const base = { image: 'i', name: 'n', mounts: [], env: {}, command: ['true'] };
    const args = dockerRunArgs({ ...base, user: { uid: 0, gid: 0 } });
    expect(args.slice(5, 11)).toEqual([
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '--pids-limit',
      String(PIDS_LIMIT)
    ]);
    expect(args.slice(11, 13)).toEqual(['--user', '0:0']);
    expect(() => dockerRunArgs({ ...base, groupAdd: [20, 0] })).toThrow(/never given group root/);
  });

  it('labels the container with the run that starts it', () => {
    const labels = containerLabels({
      run: '4242-1-9',
      pid: 77,
      host: 'runner-1',
      started: 1_700_000_000_000
    });
    const args = dockerRunArgs({ image: 'i', name: 'n', mounts: [], env: {}, labels, command: [] });
    const given = args.flatMap((a, i) => (args[i - 1] === '--label' ? [a] : []));
    expect(given).toEqual([
      'esp32-micropython-build=1',
      'esp32-micropython-build.run=4242-1-9',
      'esp32-micropython-build.pid=77',
      'esp32-micropython-build.host=runner-1',
      'esp32-micropython-build.started=1700000000000'
    ]);
    expect(() =>
      dockerRunArgs({ image: 'i', name: 'n', mounts: [], env: {}, labels: { x: 'a\nb' }, command: [] })
    ).toThrow(/Not a container label/);
  });

  it('explains engine and permission failures', () => {
    expect(
      explainDockerFailure(
        'Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock'
      )
    ).toMatch(/docker group/);
    expect(
      explainDockerFailure(
        'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'
      )
    ).toMatch(/No Docker engine/);
    expect(explainDockerFailure('no such image')).toBeUndefined();
  });
});

describe('build output', () => {
  const output = [
    'CC main.c',
    "/w/mp/ports/esp32/main.c:12:5: error: expected ';' before '}' token",
    '/w/mp/ports/esp32/main.c:3:1: warning: unused variable',
    'In file included from x.c:1:',
    '/w/mp/py/obj.h:40:10: fatal error: stub.h: No such file or directory',
    'make: *** [Makefile:10: build] Error 1',
    'esp32-build: make finished in 1234 ms'
  ].join('\n');

  it('picks the compiler errors, not warnings', () => {
    expect(lastCompilerErrors(output)).toEqual([output.split('\n')[1], output.split('\n')[4]]);
  });
  it('reads the make duration', () => {
    expect(makeDuration(output)).toBe(1234);
    expect(makeDuration('nothing')).toBeUndefined();
  });
  it('has a problem matcher whose regex finds file, line, column, severity and message', () => {
    const doc = matcherDocument() as { problemMatcher: { pattern: { regexp: string }[] }[] };
    const re = new RegExp(doc.problemMatcher[0].pattern[0].regexp);
    const m = re.exec(output.split('\n')[4]);
    expect(m?.slice(1)).toEqual(['/w/mp/py/obj.h', '40', '10', 'error', 'stub.h: No such file or directory']);
    expect(re.exec('make: *** [Makefile:10: build] Error 1')).toBeNull();
  });
});

describe('the artifacts of a build', () => {
  it('lists the flasher files that exist, modern layout', async () => {
    const tree = mkdtempSync(path.join(os.tmpdir(), 'art-'));
    const dir = path.join(tree, 'ports/esp32/build-ESP32_GENERIC');
    mkdirSync(path.join(dir, 'bootloader'), { recursive: true });
    for (const f of [
      'firmware.bin',
      'micropython.bin',
      'bootloader/bootloader.bin',
      'micropython.elf',
      'other.o'
    ]) {
      writeFileSync(path.join(dir, f), 'xx');
    }
    const found = await collectArtifacts(planArtifacts(tree, 'ports/esp32/build-ESP32_GENERIC', 'cmake'));
    expect(found.firmware).toBe(path.join(dir, 'firmware.bin'));
    expect(found.firmwareSize).toBe(2);
    expect(found.files.map((f) => path.relative(dir, f))).toEqual([
      'firmware.bin',
      'micropython.bin',
      'bootloader/bootloader.bin',
      'micropython.elf'
    ]);
  });

  it('finds the legacy layout and reports a missing firmware', async () => {
    const tree = mkdtempSync(path.join(os.tmpdir(), 'art-'));
    mkdirSync(path.join(tree, 'ports/esp32/build'), { recursive: true });
    writeFileSync(path.join(tree, 'ports/esp32/build/application.bin'), 'x');
    const found = await collectArtifacts(planArtifacts(tree, 'ports/esp32/build', 'make'));
    expect(found.firmware).toBeUndefined();
    expect(found.files).toEqual([path.join(tree, 'ports/esp32/build/application.bin')]);
  });

  it('are planned from the tree, copied only when a directory is given', () => {
    expect(planArtifacts('/w/mp', 'ports/esp32/build-X', 'make')).toEqual({
      tree: '/w/mp',
      buildDir: '/w/mp/ports/esp32/build-X',
      files: [
        'firmware.bin',
        'bootloader.bin',
        'partitions.bin',
        'application.bin',
        'application.elf',
        'application.map'
      ]
    });
    expect(planArtifacts('/w/mp', 'ports/esp32/build-X', 'cmake', '/runner/temp').copyTo).toBe(
      '/runner/temp'
    );
  });

  it('are reached through every directory from the tree down, each looked at', () => {
    const plan = { tree: '/w/mp', buildDir: '/w/mp/ports/esp32/build-X' };
    expect(pathSteps(plan, 'bootloader/bootloader.bin')).toEqual([
      '/w/mp/ports',
      '/w/mp/ports/esp32',
      '/w/mp/ports/esp32/build-X',
      '/w/mp/ports/esp32/build-X/bootloader',
      '/w/mp/ports/esp32/build-X/bootloader/bootloader.bin'
    ]);
    expect(() => pathSteps(plan, '../../../../etc/passwd')).toThrow(/not inside the MicroPython tree/);
    expect(() => pathSteps({ tree: '/w/mp', buildDir: '/elsewhere' }, 'firmware.bin')).toThrow(/not inside/);
  });

  it('name what refuses them: the kind of each entry, a link with its target quoted', () => {
    expect(entryKind(0o100644)).toBe('a regular file');
    expect(entryKind(0o120777)).toBe('a symbolic link');
    expect(entryKind(0o010644)).toBe('a FIFO');
    expect(entryKind(0o020660)).toBe('a character device');
    expect(entryKind(0o060660)).toBe('a block device');
    expect(entryKind(0o140755)).toBe('a socket');
    expect(entryKind(0o040755)).toBe('a directory');
    expect(linkTarget('/proc/self/environ')).toBe('a symbolic link to "/proc/self/environ"');
    expect(linkTarget('a\n::error::b')).toBe('a symbolic link to "a\\n::error::b"');
    expect(linkTarget('x'.repeat(500)).length).toBeLessThan(160);
    const error = new ArtifactError('/w/mp/ports/esp32/build-X', [
      { path: '/w/mp/ports/esp32/build-X/firmware.bin', what: linkTarget('/proc/self/environ') },
      { path: '/w/mp/ports/esp32/build-X/flash_args', what: 'a FIFO' }
    ]);
    expect(error.message).toMatch(
      /^The build left artifacts that are not regular files inside \/w\/mp\/ports\/esp32\/build-X/
    );
    expect(error.message).toContain(
      '\n  /w/mp/ports/esp32/build-X/firmware.bin is a symbolic link to "/proc/self/environ"\n'
    );
    expect(error.message).toContain('\n  /w/mp/ports/esp32/build-X/flash_args is a FIFO\n');
  });
});

describe('declaredPython', () => {
  it('reads the ENV line', () => {
    expect(declaredPython('FROM x\nENV ESP32_DEVEL_PYTHON=3.11\nRUN y')).toBe('3.11');
    expect(() => declaredPython('FROM x')).toThrow(/ESP32_DEVEL_PYTHON/);
  });
});

describe('the scope of the caches a build writes', () => {
  const id = { idfKey: 'repo|v5.2.2|esp32', board: 'ESP32_GENERIC' };
  const main = cacheScope('scoped', { event: 'push', ref: 'refs/heads/main', defaultBranch: 'main' });
  const pull = cacheScope('scoped', {
    event: 'pull_request',
    ref: 'refs/pull/12/merge',
    defaultBranch: 'main'
  });
  const target = cacheScope('scoped', {
    event: 'pull_request_target',
    ref: 'refs/heads/main',
    defaultBranch: 'main'
  });

  it("a pull request restores its own entries, then the default branch's, and never another's", () => {
    expect(pull).toMatchObject({ name: 'pull request 12', save: true });
    const [own, fallback] = ccacheRestoreKeys(id, pull);
    expect(ccacheKey({ ...id, run: '1-1' }, pull).startsWith(own)).toBe(true);
    expect(ccacheKey({ ...id, run: '1-1' }, main).startsWith(fallback)).toBe(true);
    // The default branch never restores what a pull request saved.
    for (const prefix of ccacheRestoreKeys(id, main)) {
      expect(ccacheKey({ ...id, run: '1-1' }, pull).startsWith(prefix)).toBe(false);
    }
    expect(ccacheRestoreKeys(id, main)).toHaveLength(1);
  });

  it('a branch whose name extends another never matches its prefix', () => {
    const other = cacheScope('scoped', { event: 'push', ref: 'refs/heads/main-x', defaultBranch: 'main' });
    for (const prefix of ccacheRestoreKeys(id, main)) {
      expect(ccacheKey({ ...id, run: '1-1' }, other).startsWith(prefix)).toBe(false);
    }
  });

  it('pull_request_target and workflow_run read the base branch, save nothing and keep apart from it', () => {
    expect(target).toMatchObject({ save: false, fallbackTag: main.tag });
    expect(target.tag).not.toBe(main.tag);
    expect(target.why).toMatch(/pull_request_target/);
    expect(cacheScope('scoped', { event: 'workflow_run', ref: 'refs/heads/main' }).save).toBe(false);
  });

  it('shared keeps the old keys; read-only saves nothing; the CLI is unscoped', () => {
    const shared = cacheScope('shared', { event: 'pull_request_target', ref: 'refs/heads/main' });
    expect(shared).toEqual({ name: '', tag: '', save: true });
    expect(ccacheKey({ ...id, run: '1-1' }, shared)).toBe(ccacheKey({ ...id, run: '1-1' }));
    expect(componentsKey('v5.2.2', 'f'.repeat(64), shared.tag)).toBe(componentsKey('v5.2.2', 'f'.repeat(64)));
    expect(cacheScope('read-only', { event: 'push', ref: 'refs/heads/main' }).save).toBe(false);
    expect(cacheScope('scoped', {})).toEqual({ name: '', tag: '', save: true });
  });
});
