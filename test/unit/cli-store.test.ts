import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolutionJson, resolutionText } from '../../src/cli/commands.js';
import { boardFromMakeArgs } from '../../src/cli/goals.js';
import { parseEtcGroup, parseEtcPasswd, parseProcStat } from '../../src/cli/host.js';
import { findTreeAbove, isInside, latestRelease } from '../../src/cli/micropython.js';
import {
  DirectoryToolStore,
  layout,
  partialOwner,
  placesFor,
  removeLeftovers,
  storeState
} from '../../src/cli/store.js';
import type { Resolution } from '../../src/pipeline/resolve/index.js';
import { hostName } from '../../src/pipeline/partials.js';

describe('host facts', () => {
  it('/etc/group and /etc/passwd', () => {
    const groups = parseEtcGroup(
      'root:x:0:\n# comment\ndialout:x:20:alice,bob\ndocker:x:998:alice\nbroken line\n'
    );
    expect(groups).toEqual([
      { name: 'root', gid: 0, members: [] },
      { name: 'dialout', gid: 20, members: ['alice', 'bob'] },
      { name: 'docker', gid: 998, members: ['alice'] }
    ]);
    expect(
      parseEtcPasswd('root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n').get(1000)
    ).toBe('alice');
  });
  it('/proc/PID/stat, with spaces and parentheses in the command name', () => {
    expect(parseProcStat('4242 (python3) S 17 4242 4242 0 -1')).toEqual({ command: 'python3', ppid: 17 });
    expect(parseProcStat('99 (a (weird) name) R 1 99 99')).toEqual({ command: 'a (weird) name', ppid: 1 });
    expect(parseProcStat('garbage')).toBeUndefined();
  });
});

describe('which tree', () => {
  const trees = new Set(['/home/a/micropython']);
  it('walks up from the current directory', () => {
    expect(findTreeAbove('/home/a/micropython/ports/esp32/boards', (d) => trees.has(d))).toBe(
      '/home/a/micropython'
    );
    expect(findTreeAbove('/home/a', (d) => trees.has(d))).toBeUndefined();
  });
  it('isInside', () => {
    expect(isInside('/t/ports/esp32', '/t')).toBe(true);
    expect(isInside('/t', '/t')).toBe(true);
    expect(isInside('/tree2', '/t')).toBe(false);
    expect(isInside('/', '/t')).toBe(false);
  });
  it('the latest release: the highest vX.Y(.Z) tag, previews and others ignored', () => {
    const listing = [
      'aaa\trefs/tags/v1.9.4',
      'bbb\trefs/tags/v1.12',
      'ccc\trefs/tags/v1.26.1',
      'ccd\trefs/tags/v1.26.1^{}',
      'ddd\trefs/tags/v1.27.0-preview',
      'eee\trefs/tags/v1.26.0',
      'fff\trefs/tags/v1.3',
      'ggg\trefs/tags/latest'
    ].join('\n');
    expect(latestRelease(listing)).toBe('v1.26.1');
    expect(latestRelease('x\trefs/heads/master\n')).toBeUndefined();
  });
  it('BOARD= in make arguments chooses the board', () => {
    expect(
      boardFromMakeArgs(['-j4', 'BOARD=ESP32_GENERIC_S3', 'BOARD_VARIANT=SPIRAM_OCT', 'deploy'])
    ).toEqual({
      board: 'ESP32_GENERIC_S3',
      boardVariant: 'SPIRAM_OCT'
    });
    expect(boardFromMakeArgs(['BOARD=A', 'BOARD=B'])).toEqual({ board: 'B', boardVariant: undefined });
    expect(boardFromMakeArgs(['all'])).toEqual({});
  });
});

const legacy: Resolution = {
  micropythonVersion: '1.12.0',
  buildSystem: 'make',
  idf: {
    ref: '6ccb4cf5b7d1fdddb8c2492f9cbc926abaf230df',
    supported: ['6ccb4cf5b7d1fdddb8c2492f9cbc926abaf230df'],
    pinSource: 'ports/esp32/Makefile (ESPIDF_SUPHASH_V3)'
  },
  toolchain: {
    name: 'xtensa-esp32-elf',
    version: '1.22.0-80-g6c4433a-5.2.0',
    url: 'https://dl.espressif.com/dl/xtensa-esp32-elf-linux64-1.22.0-80-g6c4433a-5.2.0.tar.gz',
    sha256: '3fe96c151d46c1d4e5edc6ed690851b8e53634041114bad04729bc16b0445156'
  },
  board: 'GENERIC',
  boards: ['GENERIC', 'TINYPICO'],
  chips: ['esp32'],
  buildDir: 'ports/esp32/build-GENERIC',
  portSubmodules: true,
  warnings: []
};

describe('resolve output', () => {
  it('--json has the fields a workflow reads; toolchain null for CMake builds', () => {
    expect(resolutionJson(legacy, '/src/mp')).toEqual({
      micropythonVersion: '1.12.0',
      buildSystem: 'make',
      idf: { ref: legacy.idf.ref, supported: legacy.idf.supported, pinSource: legacy.idf.pinSource },
      toolchain: {
        version: '1.22.0-80-g6c4433a-5.2.0',
        url: legacy.toolchain!.url,
        sha256: legacy.toolchain!.sha256
      },
      board: 'GENERIC',
      boards: ['GENERIC', 'TINYPICO'],
      chips: ['esp32'],
      buildDir: 'ports/esp32/build-GENERIC',
      tree: '/src/mp',
      warnings: []
    });
    const modern = { ...legacy, buildSystem: 'cmake' as const, toolchain: null, boardVariant: 'SPIRAM' };
    expect(resolutionJson(modern, '/src/mp')).toMatchObject({ toolchain: null, boardVariant: 'SPIRAM' });
  });
  it('in words, aligned', () => {
    const text = resolutionText(legacy, '/src/mp');
    expect(text).toContain('  MicroPython   1.12.0\n');
    expect(text).toContain(
      '  Toolchain     xtensa-esp32-elf 1.22.0-80-g6c4433a-5.2.0\n                https://dl.espressif.com/'
    );
  });
});

describe('$HOME/esp32-devel', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'esp32-devel-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('staging names carry their owner', () => {
    expect(partialOwner('v5.2.2-abc.partial-4242')).toBe(4242);
    expect(partialOwner('v5.2.2-abc.partial-build-box.lan-4242')).toBe(4242);
    expect(partialOwner('v5.2.2-abc.evicted2-build-box.lan-4242')).toBe(4242);
    expect(partialOwner('v5.2.2-abc')).toBeUndefined();
  });

  it('places: a scratch dir per run, and nothing written to the environment', () => {
    const before = { ...process.env };
    expect(placesFor(root, 77)).toEqual({ root, temp: path.join(root, 'tmp', '77') });
    expect(process.env).toEqual(before);
  });

  it('the tool store keeps a tool in toolcache/<name>/<version>/<arch>, found only once complete', async () => {
    const tools = new DirectoryToolStore(layout(root).toolCache);
    const dir = path.join(root, 'toolcache', 'xtensa-esp32-elf', '1.0.0', 'x64');
    expect(tools.dir('xtensa-esp32-elf', '1.0.0', 'x64')).toBe(dir);
    expect(tools.find('xtensa-esp32-elf', '1.0.0', 'x64')).toBeUndefined();

    // A directory without its completion mark (an interrupted add) does not count.
    mkdirSync(dir, { recursive: true });
    expect(tools.find('xtensa-esp32-elf', '1.0.0', 'x64')).toBeUndefined();

    const source = path.join(root, 'tmp', '1', 'x');
    mkdirSync(path.join(source, 'bin'), { recursive: true });
    writeFileSync(path.join(source, 'bin', 'gcc'), 'compiler');
    expect(await tools.add(source, 'xtensa-esp32-elf', '1.0.0', 'x64')).toBe(dir);
    expect(tools.find('xtensa-esp32-elf', '1.0.0', 'x64')).toBe(dir);
    expect(readFileSync(path.join(dir, 'bin', 'gcc'), 'utf8')).toBe('compiler');
    expect(existsSync(source)).toBe(false);
    const state = await storeState(root, () => false);
    expect(state.toolchains).toEqual([{ version: '1.0.0', dir, complete: true }]);
  });

  it('removeLeftovers removes only the partials and scratch dirs of the runs it is told about', () => {
    const dirs = layout(root);
    for (const d of [
      path.join(dirs.idf, 'v5.2.2-a.partial-11'),
      path.join(dirs.idf, 'v5.2.2-a.partial-12'),
      path.join(dirs.idf, 'v5.2.2-a'),
      path.join(dirs.micropython, 'v1.26.1.partial-11'),
      path.join(dirs.tmp, '11'),
      path.join(dirs.tmp, '12')
    ]) {
      mkdirSync(d, { recursive: true });
    }
    // Those of another host sharing the store are not this host's to judge.
    mkdirSync(path.join(dirs.idf, 'v5.2.2-a.partial-another-host.example-11'));
    mkdirSync(path.join(dirs.idf, `v5.2.2-a.partial-${hostName()}-11`));
    const removed = removeLeftovers(root, (pid) => pid === 11);
    expect(removed.sort()).toEqual(
      [
        path.join(dirs.idf, 'v5.2.2-a.partial-11'),
        path.join(dirs.idf, `v5.2.2-a.partial-${hostName()}-11`),
        path.join(dirs.micropython, 'v1.26.1.partial-11'),
        path.join(dirs.tmp, '11')
      ].sort()
    );
    expect(removeLeftovers(root, () => false)).toEqual([]);
  });

  it('storeState: entries, completeness, partials, free space', async () => {
    const dirs = layout(root);
    mkdirSync(path.join(dirs.idf, 'v5.2.2-a', 'esp-idf'), { recursive: true });
    writeFileSync(
      path.join(dirs.idf, 'v5.2.2-a', 'complete.json'),
      JSON.stringify({ key: 'k', commit: 'abc', chips: ['esp32'] })
    );
    mkdirSync(path.join(dirs.idf, 'v5.4.2-b'), { recursive: true });
    mkdirSync(path.join(dirs.idf, 'v5.4.2-b.partial-5'), { recursive: true });
    mkdirSync(path.join(dirs.idf, 'v5.4.2-b.partial-elsewhere.example-6'), { recursive: true });
    const tool = path.join(
      dirs.toolCache,
      'xtensa-esp32-elf',
      '1.22.0-80-g6c4433a-5.2.0-sha3fe96c151d46',
      'x64'
    );
    mkdirSync(tool, { recursive: true });
    writeFileSync(`${tool}.complete`, '');
    mkdirSync(path.join(dirs.micropython, 'v1.26.1'), { recursive: true });
    const state = await storeState(root, (pid) => pid === 5);
    expect(state.exists).toBe(true);
    expect(state.freeBytes).toBeGreaterThan(0);
    expect(state.idf).toEqual([
      {
        name: 'v5.2.2-a',
        dir: path.join(dirs.idf, 'v5.2.2-a'),
        complete: true,
        commit: 'abc',
        chips: ['esp32']
      },
      {
        name: 'v5.4.2-b',
        dir: path.join(dirs.idf, 'v5.4.2-b'),
        complete: false,
        commit: undefined,
        chips: undefined
      }
    ]);
    expect(state.toolchains).toEqual([
      { version: '1.22.0-80-g6c4433a-5.2.0-sha3fe96c151d46', dir: tool, complete: true }
    ]);
    expect(state.micropython).toEqual(['v1.26.1']);
    expect(state.partials).toEqual([
      { path: path.join(dirs.idf, 'v5.4.2-b.partial-5'), pid: 5, alive: true },
      // Another host's run cannot be asked: it counts as running.
      {
        path: path.join(dirs.idf, 'v5.4.2-b.partial-elsewhere.example-6'),
        pid: 6,
        alive: true,
        host: 'elsewhere.example'
      }
    ]);
  });

  it('storeState of a store not made yet still knows the free space', async () => {
    const state = await storeState(path.join(root, 'not', 'yet'), () => false);
    expect(state.exists).toBe(false);
    expect(state.freeBytes).toBeGreaterThan(0);
  });
});
