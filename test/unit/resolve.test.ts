import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  lockfileIdfVersion,
  readmeIdfVersions,
  resolveTree,
  ResolveError,
  type ResolveOptions,
  type TreeSnapshot
} from '../../src/pipeline/resolve/index.js';
import { readTreeSnapshot } from '../../src/pipeline/tree.js';
import { compareVersionTags, newestVersionTags } from '../../src/idf-versions.js';
import { isIdfRef } from '../../src/grammar.js';
import { SUPPORTED_IDF_MAX } from '../../src/pipeline/resolve/choose-idf.js';

const TREES = fileURLToPath(new URL('../fixtures/trees/', import.meta.url));

const TC80 = {
  name: 'xtensa-esp32-elf',
  version: '1.22.0-80-g6c4433a-5.2.0',
  url: 'https://dl.espressif.com/dl/xtensa-esp32-elf-linux64-1.22.0-80-g6c4433a-5.2.0.tar.gz',
  sha256: '3fe96c151d46c1d4e5edc6ed690851b8e53634041114bad04729bc16b0445156'
};

const snapshots = new Map<string, TreeSnapshot>();
async function tree(name: string): Promise<TreeSnapshot> {
  let snapshot = snapshots.get(name);
  if (!snapshot) {
    snapshot = await readTreeSnapshot(path.join(TREES, name));
    snapshots.set(name, snapshot);
  }
  return snapshot;
}

async function resolve(name: string, options: Partial<ResolveOptions> = {}) {
  return resolveTree(await tree(name), { idfVersion: 'auto', ...options });
}

async function resolveError(name: string, options: Partial<ResolveOptions>): Promise<ResolveError> {
  try {
    await resolve(name, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ResolveError);
    return error as ResolveError;
  }
  throw new Error('expected a ResolveError');
}

/** A snapshot built in memory, for cases no release tree shows. */
function snapshot(files: Record<string, string>, boards: TreeSnapshot['boards'] = {}): TreeSnapshot {
  return { files, boards, hasBoardsDir: Object.keys(boards).length > 0 };
}

describe('readTreeSnapshot', () => {
  it('reads the files, lockfiles and boards of a tree', async () => {
    const snap = await tree('v1.28.0');
    expect(snap.hasBoardsDir).toBe(true);
    expect(snap.files['ports/esp32/CMakeLists.txt']).toBeDefined();
    expect(snap.files['ports/esp32/lockfiles/dependencies.lock.esp32p4']).toContain('version: 5.5.1');
    expect(snap.files['tools/ci.sh']).toBeDefined();
    expect(snap.files['py/mkrules.mk']).toBeDefined();
    expect(snap.boards.ESP32_GENERIC.variants).toEqual(['D2WD', 'OTA', 'SPIRAM', 'UNICORE']);
    expect(snap.boards.ESP32_GENERIC_S3.cmake).toContain('IDF_TARGET esp32s3');
    expect(snap.files['ports/esp32/boards/ESP32_GENERIC_P4/mpconfigvariant_C6_WIFI.cmake']).toContain(
      'esp32p4'
    );
    expect(snap.gitDescribe).toBeUndefined();
  });

  it('leaves missing files undefined', async () => {
    const snap = await tree('v1.9.4');
    expect(snap.files['ports/esp32/Makefile']).toContain('ESPIDF_SUPHASH');
    expect(snap.files['ports/esp32/CMakeLists.txt']).toBeUndefined();
    expect(snap.files['tools/ci.sh']).toBeUndefined();
    expect(snap.hasBoardsDir).toBe(false);
    expect(snap.boards).toEqual({});
  });

  it('reads no file through a link out of the tree, nor a FIFO; a link inside the tree is read', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tree-'));
    try {
      const root = path.join(dir, 'tree');
      await cp(path.join(TREES, 'v1.28.0'), root, { recursive: true });
      const outside = path.join(dir, 'runner-secret');
      await writeFile(outside, 'version: v5.5.1\nsecret\n');
      await rm(path.join(root, 'tools', 'ci.sh'));
      await symlink(outside, path.join(root, 'tools', 'ci.sh'));
      await rm(path.join(root, 'py', 'mkrules.mk'));
      execFileSync('mkfifo', [path.join(root, 'py', 'mkrules.mk')]);
      const cmake = path.join(root, 'ports', 'esp32', 'CMakeLists.txt');
      await rename(cmake, `${cmake}.real`);
      await symlink('CMakeLists.txt.real', cmake);
      const snap = await readTreeSnapshot(root);
      expect(snap.files['tools/ci.sh']).toBeUndefined();
      expect(snap.files['py/mkrules.mk']).toBeUndefined();
      expect(snap.files['ports/esp32/CMakeLists.txt']).toBeDefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails clearly when the root is missing or not a directory', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tree-'));
    try {
      await expect(readTreeSnapshot(path.join(dir, 'nope'))).rejects.toThrow(/does not exist/);
      const file = path.join(dir, 'file');
      await writeFile(file, 'x');
      await expect(readTreeSnapshot(file)).rejects.toThrow(/not a directory/);
      // An empty directory is readable; it is the resolver that rejects it.
      const empty = await readTreeSnapshot(dir);
      expect(() => resolveTree(empty, { idfVersion: 'auto' })).toThrow(ResolveError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('resolveTree: every era with idf-version auto', () => {
  it('v1.9.4: legacy make, the single SUPHASH, no boards, version from docs/conf.py', async () => {
    const r = await resolve('v1.9.4');
    expect(r).toEqual({
      micropythonVersion: '1.9.4',
      buildSystem: 'make',
      idf: {
        ref: '3ede9f011b50999b0560683f9419538c066dd09e',
        supported: ['3ede9f011b50999b0560683f9419538c066dd09e'],
        pinSource: 'ports/esp32/Makefile (ESPIDF_SUPHASH)'
      },
      toolchain: TC80,
      board: '',
      boards: [],
      chips: ['esp32'],
      buildDir: 'ports/esp32/build',
      portSubmodules: false,
      warnings: []
    });
  });

  it('v1.12: the V3 hash, V4 listed as supported, build-GENERIC', async () => {
    const r = await resolve('v1.12');
    expect(r.micropythonVersion).toBe('1.12.0');
    expect(r.buildSystem).toBe('make');
    expect(r.idf.ref).toBe('6ccb4cf5b7d1fdddb8c2492f9cbc926abaf230df');
    expect(r.idf.pinSource).toBe('ports/esp32/Makefile (ESPIDF_SUPHASH_V3)');
    expect(r.idf.supported).toEqual([
      '310beae373446ceb9a4ad9b36b5428d7fdf2705f',
      '6ccb4cf5b7d1fdddb8c2492f9cbc926abaf230df'
    ]);
    expect(r.toolchain).toEqual(TC80);
    expect(r.board).toBe('GENERIC');
    expect(r.boards).toEqual(['GENERIC', 'GENERIC_D2WD', 'GENERIC_SPIRAM', 'TINYPICO']);
    expect(r.buildDir).toBe('ports/esp32/build-GENERIC');
    expect(r.portSubmodules).toBe(true);
    expect(r.warnings).toEqual([]);
  });

  it('v1.14: the v3.3.2 hash', async () => {
    const r = await resolve('v1.14', { board: 'GENERIC_SPIRAM' });
    expect(r.idf.ref).toBe('9e70825d1e1cbf7988cf36981774300066580ea7');
    expect(r.idf.supported).toEqual([
      '4c81978a3e2220674a432a588292a4c860eef27b',
      '9e70825d1e1cbf7988cf36981774300066580ea7'
    ]);
    expect(r.toolchain).toEqual(TC80);
    expect(r.buildDir).toBe('ports/esp32/build-GENERIC_SPIRAM');
  });

  it('v1.15: CMake, the newest version ci.sh sets up, README versions in supported', async () => {
    const r = await resolve('v1.15');
    expect(r.buildSystem).toBe('cmake');
    expect(r.toolchain).toBeNull();
    expect(r.idf).toEqual({
      ref: 'v4.3-beta2',
      supported: ['v4.3-beta2', 'v4.2', 'v4.1.1', 'v4.0.2'],
      pinSource: 'tools/ci.sh (ci_esp32_setup_helper)'
    });
    expect(r.board).toBe('GENERIC');
    expect(r.buildDir).toBe('ports/esp32/build-GENERIC');
    expect(r.portSubmodules).toBe(true);
  });

  it('v1.20.0: v4.4 and the chip of a board', async () => {
    const r = await resolve('v1.20.0', { board: 'GENERIC_S3' });
    expect(r.idf.ref).toBe('v4.4');
    expect(r.idf.supported).toEqual(['v4.4', 'v4.3.2', 'v4.2.2', 'v4.1.1', 'v4.0.2']);
    expect(r.chips).toEqual(['esp32s3']);
    expect(r.buildDir).toBe('ports/esp32/build-GENERIC_S3');
  });

  it('v1.21.0: git checkout in ci.sh, ESP32_GENERIC, variants inside mpconfigboard.cmake', async () => {
    const r = await resolve('v1.21.0', { boardVariant: 'SPIRAM' });
    expect(r.idf).toEqual({ ref: 'v5.0.2', supported: ['v5.0.2'], pinSource: 'tools/ci.sh (git checkout)' });
    expect(r.board).toBe('ESP32_GENERIC');
    expect(r.boardVariant).toBe('SPIRAM');
    expect(r.buildDir).toBe('ports/esp32/build-ESP32_GENERIC-SPIRAM');
  });

  it('v1.22.0: IDF_VER in ci.sh', async () => {
    const r = await resolve('v1.22.0');
    expect(r.micropythonVersion).toBe('1.22.0');
    expect(r.idf).toEqual({
      ref: 'v5.0.4',
      supported: ['v5.1.2', 'v5.0.4'],
      pinSource: 'tools/ci.sh (IDF_VER)'
    });
    expect(r.boardVariant).toBeUndefined();
    expect(r.buildDir).toBe('ports/esp32/build-ESP32_GENERIC');
  });

  it('v1.26.0: IDF_VER v5.4.2 and variant files', async () => {
    const r = await resolve('v1.26.0', { board: 'ESP32_GENERIC_S3', boardVariant: 'SPIRAM_OCT' });
    expect(r.idf).toEqual({
      ref: 'v5.4.2',
      supported: ['v5.4.2', 'v5.4.1', 'v5.4', 'v5.3', 'v5.2.2', 'v5.2'],
      pinSource: 'tools/ci.sh (IDF_VER)'
    });
    expect(r.chips).toEqual(['esp32s3']);
    expect(r.buildDir).toBe('ports/esp32/build-ESP32_GENERIC_S3-SPIRAM_OCT');
  });

  it('v1.26.1: the lockfile of the board chip', async () => {
    const r = await resolve('v1.26.1', { board: 'ESP32_GENERIC_C6' });
    expect(r.micropythonVersion).toBe('1.26.1');
    expect(r.idf).toEqual({
      ref: 'v5.4.2',
      supported: ['v5.4.2', 'v5.4.1', 'v5.4', 'v5.3', 'v5.2.2', 'v5.2'],
      pinSource: 'ports/esp32/lockfiles/dependencies.lock.esp32c6'
    });
    expect(r.chips).toEqual(['esp32c6']);
  });

  it('v1.28.0: lockfile pin, workflow range and README in supported', async () => {
    const r = await resolve('v1.28.0');
    expect(r.idf).toEqual({
      ref: 'v5.5.1',
      supported: ['v5.5.1', 'v5.4.2', 'v5.4.1', 'v5.4', 'v5.3'],
      pinSource: 'ports/esp32/lockfiles/dependencies.lock.esp32'
    });
    expect(r.board).toBe('ESP32_GENERIC');
    expect(r.boards).toContain('ESP32_GENERIC_P4');
    expect(r.warnings).toEqual([]);
  });

  it('v1.28.0: a variant that names its own IDF_TARGET', async () => {
    const r = await resolve('v1.28.0', { board: 'ESP32_GENERIC_P4', boardVariant: 'C6_WIFI' });
    expect(r.chips).toEqual(['esp32p4']);
    expect(r.idf.pinSource).toBe('ports/esp32/lockfiles/dependencies.lock.esp32p4');
    expect(r.buildDir).toBe('ports/esp32/build-ESP32_GENERIC_P4-C6_WIFI');
  });
});

describe('resolveTree: explicit idf-version', () => {
  it('wins over the pin, silently when the tree supports it (v5.2.2 vs 5.2.2)', async () => {
    const r = await resolve('v1.26.0', { idfVersion: '5.2.2' });
    expect(r.idf.ref).toBe('v5.2.2');
    expect(r.idf.pinSource).toBe('input');
    expect(r.warnings).toEqual([]);
  });

  it('wins with a warning naming the supported ones', async () => {
    const r = await resolve('v1.22.0', { idfVersion: 'v5.2.2' });
    expect(r.idf.ref).toBe('v5.2.2');
    expect(r.idf.supported).toEqual(['v5.1.2', 'v5.0.4']);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(
      /v5\.2\.2 is not one this MicroPython names as supported \(v5\.1\.2, v5\.0\.4\)/
    );
  });

  it('spells .0 releases as ESP-IDF tags them', async () => {
    const r = await resolve('v1.26.0', { idfVersion: 'v5.4.0' });
    expect(r.idf.ref).toBe('v5.4');
    expect(r.warnings).toEqual([expect.stringMatching(/means the ESP-IDF tag v5\.4/)]);
  });

  it('matches a tag against a pinned hash, and expands a short hash', async () => {
    expect((await resolve('v1.14', { idfVersion: 'v3.3.2' })).warnings).toEqual([]);
    const v3 = await resolve('v1.14', { idfVersion: '9e70825d' });
    expect(v3.idf.ref).toBe('9e70825d1e1cbf7988cf36981774300066580ea7');
    expect(v3.warnings).toEqual([]);
  });

  it('refuses the experimental V4 hashes of v1.12 to v1.14, naming the V3 pin', async () => {
    // Their Makefile demands pyparsing 2.3.1 with ESP-IDF v4: such a build always fails.
    await expect(resolve('v1.14', { idfVersion: '4c81978a' })).rejects.toThrow(
      /4c81978a.* experimental V4 pin .*pyparsing 2\.3\.1.*idf-version: auto \(ESP-IDF 9e70825d/
    );
    await expect(
      resolve('v1.12', { idfVersion: '310beae373446ceb9a4ad9b36b5428d7fdf2705f' })
    ).rejects.toThrow(/experimental V4 pin/);
  });

  it('picks the legacy toolchain from the chosen tag', async () => {
    expect((await resolve('v1.14', { idfVersion: 'v3.3.4' })).toolchain?.version).toBe(
      '1.22.0-96-g2852398-5.2.0'
    );
    expect((await resolve('v1.14', { idfVersion: 'v3.3.6' })).toolchain?.version).toBe(
      '1.22.0-97-gc752ad5-5.2.0'
    );
    const unknown = await resolve('v1.14', { idfVersion: 'master' });
    expect(unknown.toolchain).toEqual(TC80);
    expect(unknown.warnings.some((w) => /No known standalone toolchain for ESP-IDF master/.test(w))).toBe(
      true
    );
  });

  it('rejects a ref that is not a git ref', async () => {
    await expect(resolve('v1.22.0', { idfVersion: 'v5.0; rm -rf /' })).rejects.toThrow(/Invalid idf-version/);
    await expect(resolve('v1.22.0', { idfVersion: '../../etc' })).rejects.toThrow(ResolveError);
  });
});

describe('resolveTree: boards and chips', () => {
  it('lists the boards when the board is unknown, with the rename hint', async () => {
    const error = await resolveError('v1.22.0', { board: 'GENERIC' });
    expect(error.message).toContain('Board "GENERIC" does not exist');
    expect(error.message).toContain('ESP32_GENERIC, ESP32_GENERIC_C3, ESP32_GENERIC_S2, ESP32_GENERIC_S3');
    expect(error.message).toContain('renamed in MicroPython v1.21');
    const old = await resolveError('v1.20.0', { board: 'ESP32_GENERIC' });
    expect(old.message).toContain('try GENERIC');
  });

  it('rejects a board or variant name that is not a plain identifier', async () => {
    await expect(resolve('v1.22.0', { board: 'ESP32_GENERIC BOARD_DIR=/tmp' })).rejects.toThrow(
      /Invalid board/
    );
    await expect(resolve('v1.22.0', { boardVariant: '$(shell id)' })).rejects.toThrow(
      /Invalid board-variant/
    );
  });

  it('requires the variant to exist and lists the variants', async () => {
    const error = await resolveError('v1.26.0', { boardVariant: 'PSRAM' });
    expect(error.message).toBe(
      'Board ESP32_GENERIC has no variant "PSRAM". Variants: D2WD, OTA, SPIRAM, UNICORE.'
    );
    const none = await resolveError('v1.26.0', { board: 'ESP32_GENERIC_C3', boardVariant: 'SPIRAM' });
    expect(none.message).toContain('has no variants');
    const legacy = await resolveError('v1.14', { boardVariant: 'SPIRAM' });
    expect(legacy.message).toContain('BOARD_VARIANT');
  });

  it('legacy trees without boards accept only the default', async () => {
    expect((await resolve('v1.9.4', { board: 'GENERIC' })).board).toBe('');
    await expect(resolve('v1.9.4', { board: 'TINYPICO' })).rejects.toThrow(/predates board definitions/);
  });

  it('refuses a chip the chosen ESP-IDF does not support, before any download', async () => {
    const error = await resolveError('v1.22.0', { board: 'ESP32_GENERIC_S3', idfVersion: 'v4.0.2' });
    expect(error.message).toContain('ESP32_GENERIC_S3 is for esp32s3, which ESP-IDF v4.0.2 does not support');
    expect(error.message).toContain('esp32s3 needs ESP-IDF v4.4 or later');
    await expect(resolve('v1.28.0', { board: 'ESP32_GENERIC_C5', idfVersion: 'v5.2.2' })).rejects.toThrow(
      /esp32c5/
    );
  });

  it('warns when the chip is only a preview target of the chosen ESP-IDF', async () => {
    const r = await resolve('v1.28.0', { board: 'ESP32_GENERIC_C5', idfVersion: 'v5.4.2' });
    expect(r.warnings).toContain('esp32c5 is only a preview target in ESP-IDF v5.4.2; the build may fail.');
  });

  it('follows include() to a shared board fragment for the chip', () => {
    const snap = snapshot(
      {
        'ports/esp32/Makefile': 'BOARD ?= ESP32_GENERIC\n',
        'ports/esp32/CMakeLists.txt': '',
        'ports/esp32/lockfiles/dependencies.lock.esp32s3': '  idf:\n    version: 5.5.2\n',
        'ports/esp32/boards/mpconfigboard_esp32s3_common.cmake': 'set(IDF_TARGET esp32s3)\n'
      },
      {
        ESP32_GENERIC: { variants: [] },
        ESP32_GENERIC_S3: { cmake: 'include(boards/mpconfigboard_esp32s3_common.cmake)\n', variants: [] },
        ESP32_GENERIC_H2: { cmake: 'include(boards/mpconfigboard_esp32h2_common.cmake)\n', variants: [] }
      }
    );
    const s3 = resolveTree(snap, { idfVersion: 'auto', board: 'ESP32_GENERIC_S3' });
    expect(s3.chips).toEqual(['esp32s3']);
    expect(s3.idf.ref).toBe('v5.5.2');
    // Fragment not in the snapshot: the chip is read from its name.
    expect(resolveTree(snap, { idfVersion: 'v5.5.2', board: 'ESP32_GENERIC_H2' }).chips).toEqual(['esp32h2']);
  });
});

describe('resolveTree: bad trees and fallbacks', () => {
  it('a tree without ports/esp32 says what was looked for', () => {
    expect(() => resolveTree(snapshot({ 'py/mpconfig.h': '' }), { idfVersion: 'auto' })).toThrow(
      /ports\/esp32\/Makefile.*v1\.9\.4/s
    );
  });

  it('without a pin, the newest README version with a warning', () => {
    const snap = snapshot(
      {
        'ports/esp32/Makefile': 'BOARD ?= ESP32_GENERIC\n',
        'ports/esp32/CMakeLists.txt': '',
        'ports/esp32/README.md': 'Intro.\n\nCurrently MicroPython supports v5.0.4, v5.1.2.\n'
      },
      { ESP32_GENERIC: { variants: [] } }
    );
    const r = resolveTree(snap, { idfVersion: 'auto' });
    expect(r.idf.ref).toBe('v5.1.2');
    expect(r.idf.pinSource).toBe('ports/esp32/README.md');
    expect(r.warnings).toEqual([expect.stringMatching(/No ESP-IDF pin found.*v5\.1\.2, the newest version/)]);
  });

  it('with nothing at all, an error', () => {
    const snap = snapshot(
      { 'ports/esp32/Makefile': 'BOARD ?= GENERIC\n', 'ports/esp32/CMakeLists.txt': '' },
      { GENERIC: { variants: [] } }
    );
    expect(() => resolveTree(snap, { idfVersion: 'auto' })).toThrow(/Cannot tell which ESP-IDF/);
    // An explicit version still works, with a warning that nothing can be checked.
    const r = resolveTree(snap, { idfVersion: 'v4.4' });
    expect(r.idf.ref).toBe('v4.4');
    expect(r.warnings).toEqual([expect.stringMatching(/names no supported ESP-IDF version/)]);
  });

  it('the version header wins over git describe; describe is the fallback', () => {
    const files = { 'ports/esp32/Makefile': 'ESPIDF_SUPHASH := 5c88c5996dbde6208e3bec05abc21ff6cd822d26\n' };
    const withHeader = snapshot({
      ...files,
      'py/mpconfig.h':
        '#define MICROPY_VERSION_MAJOR 1\n#define MICROPY_VERSION_MINOR 11\n#define MICROPY_VERSION_MICRO 0\n'
    });
    expect(
      resolveTree({ ...withHeader, gitDescribe: 'v9.9.9' }, { idfVersion: 'auto' }).micropythonVersion
    ).toBe('1.11.0');
    expect(
      resolveTree({ ...snapshot(files), gitDescribe: 'v1.11-12-gdeadbee' }, { idfVersion: 'auto' })
        .micropythonVersion
    ).toBe('1.11.0');
    const preview = snapshot({
      ...files,
      'py/mpconfig.h':
        '#define MICROPY_VERSION_MAJOR 1\n#define MICROPY_VERSION_MINOR 29\n#define MICROPY_VERSION_MICRO 0\n#define MICROPY_VERSION_PRERELEASE 1\n'
    });
    expect(resolveTree(preview, { idfVersion: 'auto' }).micropythonVersion).toBe('1.29.0-preview');
    expect(resolveTree(snapshot(files), { idfVersion: 'auto' }).micropythonVersion).toBeNull();
  });

  it('v1.18-style commit pins take their version from the ci.sh function name', () => {
    const snap = snapshot(
      {
        'ports/esp32/Makefile': 'BOARD ?= GENERIC\n',
        'ports/esp32/CMakeLists.txt': '',
        'tools/ci.sh':
          'function ci_esp32_idf402_setup {\n    ci_esp32_setup_helper v4.0.2\n}\n' +
          'function ci_esp32_idf44_setup {\n    ci_esp32_setup_helper 0123456789abcdef0123456789abcdef01234567\n}\n'
      },
      { GENERIC: { variants: [] }, GENERIC_S3: { cmake: 'set(IDF_TARGET esp32s3)\n', variants: [] } }
    );
    const r = resolveTree(snap, { idfVersion: 'auto', board: 'GENERIC_S3' });
    expect(r.idf.ref).toBe('0123456789abcdef0123456789abcdef01234567');
    expect(r.idf.supported).toEqual(['0123456789abcdef0123456789abcdef01234567', 'v4.0.2']);
    expect(r.warnings).toEqual([]);
  });
});

describe('resolveTree: refs a hostile tree names', () => {
  const cmakeTree = (files: Record<string, string>) =>
    snapshot(
      { 'ports/esp32/Makefile': 'BOARD ?= ESP32_GENERIC\n', 'ports/esp32/CMakeLists.txt': '', ...files },
      { ESP32_GENERIC: { variants: [] } }
    );
  const lock = (version: string) =>
    `dependencies:\n  idf:\n    source:\n      type: idf\n    version: ${version}\n`;
  const hostile = '$(touch${IFS}/tmp/pwned)';

  it('a lockfile version that is not a ref is dropped with a warning; the next pin is used', () => {
    const r = resolveTree(
      cmakeTree({
        'ports/esp32/lockfiles/dependencies.lock.esp32': lock(hostile),
        'tools/ci.sh': 'IDF_VER=v5.2.2\n'
      }),
      { idfVersion: 'auto' }
    );
    expect(r.idf.ref).toBe('v5.2.2');
    expect(r.idf.pinSource).toBe('tools/ci.sh (IDF_VER)');
    expect(r.idf.supported).toEqual(['v5.2.2']);
    expect(r.warnings).toEqual([
      expect.stringMatching(
        /^Ignored the ESP-IDF ref "\$\(touch\$\{IFS\}\/tmp\/pwned\)" in ports\/esp32\/lockfiles\/dependencies\.lock\.esp32: .*idf-version/
      )
    ]);
  });

  it('every reader is checked: ci.sh checkouts and helpers, the CI workflow', () => {
    const r = resolveTree(
      cmakeTree({
        'tools/ci.sh': [
          'git -C esp-idf checkout v5.0.2`touch${IFS}/tmp/pwned`',
          'function ci_esp32_idf44_setup {',
          '    ci_esp32_setup_helper v4.4|touch',
          '}',
          'function ci_esp32_idf402_setup {',
          '    ci_esp32_setup_helper v4.0.2',
          '}',
          ''
        ].join('\n'),
        '.github/workflows/ports_esp32.yml': `env:\n  IDF_OLDEST_VER: v5.2\n  IDF_NEWEST_VER: v5.5${hostile}\n`
      }),
      { idfVersion: 'auto' }
    );
    expect(r.idf.ref).toBe('v4.0.2');
    expect(r.idf.supported).toEqual(['v5.2', 'v4.0.2']);
    expect(r.warnings).toHaveLength(3);
    expect(r.warnings.join('\n')).toMatch(/tools\/ci\.sh \(git checkout\)/);
    expect(r.warnings.join('\n')).toMatch(/tools\/ci\.sh \(ci_esp32_setup_helper\)/);
    expect(r.warnings.join('\n')).toMatch(/ports_esp32\.yml \(IDF_NEWEST_VER\)/);
    for (const ref of [r.idf.ref, ...r.idf.supported]) expect(isIdfRef(ref)).toBe(true);
  });

  it('with no other pin and no README, an error: never the hostile value', () => {
    const files = { 'ports/esp32/lockfiles/dependencies.lock.esp32': lock(`-c${hostile}`) };
    expect(() => resolveTree(cmakeTree(files), { idfVersion: 'auto' })).toThrow(/Cannot tell which ESP-IDF/);
  });

  it('a long refused ref is shortened in the warning', () => {
    const r = resolveTree(
      cmakeTree({
        'ports/esp32/lockfiles/dependencies.lock.esp32': lock(`x${'$'.repeat(500)}`),
        'tools/ci.sh': 'IDF_VER=v5.2.2\n'
      }),
      { idfVersion: 'auto' }
    );
    expect(r.warnings[0].length).toBeLessThan(250);
    expect(r.warnings[0]).toContain('…');
  });

  it(`supported-idf-versions keeps the ${SUPPORTED_IDF_MAX} newest refs, and the pin`, () => {
    const helpers = Array.from({ length: 40 }, (_, i) => `ci_esp32_setup_helper v5.${i}.1`);
    const pin = '0123456789abcdef0123456789abcdef01234567';
    const r = resolveTree(
      cmakeTree({
        'tools/ci.sh': `git -C esp-idf checkout ${pin}\n${helpers.join('\n')}\n`
      }),
      { idfVersion: 'auto' }
    );
    expect(r.idf.ref).toBe(pin);
    expect(r.idf.supported).toHaveLength(SUPPORTED_IDF_MAX);
    expect(r.idf.supported[0]).toBe('v5.39.1');
    expect(r.idf.supported.at(-1)).toBe(pin);
    expect(r.warnings).toEqual([
      expect.stringMatching(/names 41 ESP-IDF refs; .* keeps the 32 newest and the pin/)
    ]);
  });
});

describe('resolveTree: toolchain inputs', () => {
  const custom = 'https://mirror.example.com/tools/xtensa-esp32-elf-linux64-1.22.0-80-g6c4433a-5.2.0.tar.gz';
  const sha = 'ab'.repeat(32);

  it('a custom URL needs a checksum', async () => {
    const error = await resolveError('v1.12', { toolchainUrl: custom });
    expect(error.message).toMatch(/set toolchain-sha256/);
  });

  it('a custom URL with a checksum gets a version from its file name', async () => {
    const r = await resolve('v1.12', { toolchainUrl: custom, toolchainSha256: sha.toUpperCase() });
    expect(r.toolchain).toEqual({
      name: 'xtensa-esp32-elf',
      version: '1.22.0-80-g6c4433a-5.2.0',
      url: custom,
      sha256: sha
    });
  });

  it('a known URL needs no checksum; a checksum alone overrides the table with a warning', async () => {
    const known = 'https://dl.espressif.com/dl/xtensa-esp32-elf-linux64-1.22.0-96-g2852398-5.2.0.tar.gz';
    const r = await resolve('v1.12', { toolchainUrl: known });
    expect(r.toolchain?.version).toBe('1.22.0-96-g2852398-5.2.0');
    expect(r.toolchain?.sha256).toBe('798a8638f11ad37f41b9640582f869c61ffb4da6d932279fde94a2b636ad2dac');
    const overridden = await resolve('v1.12', { toolchainSha256: sha });
    expect(overridden.toolchain).toEqual({ ...TC80, sha256: sha });
    expect(overridden.warnings).toEqual([expect.stringMatching(/differs from the known checksum/)]);
  });

  it('rejects a bad checksum or URL', async () => {
    await expect(resolve('v1.12', { toolchainSha256: 'xyz' })).rejects.toThrow(/64 hexadecimal/);
    await expect(
      resolve('v1.12', { toolchainUrl: 'file:///etc/passwd', toolchainSha256: sha })
    ).rejects.toThrow(/http/);
  });

  it('CMake builds have no toolchain and ignore the inputs with a warning', async () => {
    const r = await resolve('v1.22.0', { toolchainUrl: custom, toolchainSha256: sha });
    expect(r.toolchain).toBeNull();
    expect(r.warnings).toEqual([expect.stringMatching(/ignored/)]);
  });
});

describe('parsers', () => {
  it('reads the idf entry of a lockfile, not a component requirement', () => {
    const text = [
      'dependencies:',
      '  espressif/mdns:',
      '    dependencies:',
      '    - name: idf',
      "      version: '>=5.0'",
      '    version: 1.1.0',
      '  idf:',
      '    source:',
      '      type: idf',
      '    version: 5.4.2',
      'target: esp32'
    ].join('\n');
    expect(lockfileIdfVersion(text)).toBe('5.4.2');
    expect(lockfileIdfVersion('dependencies: {}\n')).toBeUndefined();
  });

  it('reads README versions from the "supports" paragraphs only, not from links', () => {
    const text = [
      'See the [guide](https://docs.espressif.com/projects/esp-idf/en/v4.0/get-started/).',
      '',
      'The current recommended version of ESP-IDF for MicroPython is v5.5.1. MicroPython',
      'also supports v5.3, v5.4 and v5.4.2.',
      '',
      '$ git checkout v4.2'
    ].join('\n');
    expect(readmeIdfVersions(text)).toEqual(['v5.5.1', 'v5.3', 'v5.4', 'v5.4.2']);
  });
});

describe('version tags', () => {
  it('orders tags by version, pre-releases before their release, other names first', () => {
    expect(compareVersionTags('v5.10.1', 'v5.9')).toBeGreaterThan(0);
    expect(compareVersionTags('v1.24', 'v1.24.1')).toBeLessThan(0);
    expect(compareVersionTags('v5.3-beta1', 'v5.3')).toBeLessThan(0);
    expect(compareVersionTags('v5.2', 'v5.2.0')).toBe(0);
    expect(compareVersionTags('master', 'v1.0')).toBeLessThan(0);
    expect(compareVersionTags('master', 'latest')).toBe(0);
  });

  it('picks the newest tags, each once, leaving out names that are not version tags', () => {
    expect(
      newestVersionTags(
        ['v5.0.4', 'v5.2.2', 'v4.4', 'v5.10.1', 'v5.2.2', 'master', 'release/v5.4', 'v5.3'],
        3
      )
    ).toEqual(['v5.10.1', 'v5.3', 'v5.2.2']);
    expect(newestVersionTags(['v1.26', 'v1.26.0'], 1)).toEqual(['v1.26']);
    expect(newestVersionTags(['latest'], 5)).toEqual([]);
  });
});
