/**
 * Buildable MicroPython trees in the shape of each era, for tests: the real
 * version data and ESP-IDF pins of six releases, an mpy-cross that really
 * compiles with the host C compiler, and an ESP32 port whose Makefile checks
 * what the real one checks. Templates live in ./micropython/; see its README.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../../src/exec.js';
import { PROJECT } from './project.js';
import { releaseHash } from './registry.js';

export type TreeShape = 'v1.9.4' | 'v1.12' | 'v1.14' | 'v1.20' | 'v1.24' | 'v1.26.1';

export interface TreeOptions {
  shape: TreeShape;
  /**
   * Replaces the ESP-IDF pin the release names: the commit hash (legacy; the
   * V3 one for v1.12/v1.14), the newest ci.sh version (v1.20), IDF_VER (v1.24)
   * or the lockfiles' idf version (v1.26.1, a leading "v" is dropped).
   */
  idfPin?: string;
  /** Put a C error in ports/esp32/main.c (see errorFile/errorLine). */
  compileError?: boolean;
  /** Make the tree a git repository: one commit and the release's annotated tag. */
  git?: boolean;
  /**
   * A hostile build's last step (v1.20 and later): shell commands the port's
   * `make` runs once it has made the firmware, inside the build container,
   * with the build directory as $1. Written to ports/esp32/fixture-after-build.sh.
   */
  afterBuild?: string;
  /**
   * A shell script (ports/esp32/hostile.sh) that the port's `all` runs first,
   * inside the build container, its failures ignored: what a hostile pull
   * request's build tries, for tests of the build's isolation.
   */
  hostile?: string;
}

export interface FixtureTree {
  root: string;
  boards: string[];
  /** '' for v1.9.4, which has no boards. */
  defaultBoard: string;
  /** Absolute build directory of ports/esp32 for a board (and variant: v1.24 and later; ignored before). */
  buildDir(board?: string, variant?: string): string;
  errorFile?: string;
  errorLine?: number;
}

export type Era = 'legacy' | 'modern';

/** What is true of each release, as read from MicroPython's repository at its tag. */
export interface ShapeFacts {
  /** MICROPY_VERSION_MAJOR.MINOR.MICRO. */
  version: string;
  /** The release's (annotated) git tag. */
  tag: string;
  era: Era;
  /** Format version written by mpy-cross (py/persistentcode.h MPY_VERSION). */
  mpyVersion: number;
  /** The file holding the ESP-IDF pin, relative to the tree's root. */
  pinFile: string;
  /**
   * The ESP-IDF the release names, default first: commit hashes for the legacy
   * era (v1.12/v1.14: V3 default, then V4 experimental), tags after that.
   */
  idf: string[];
  /** Versions the port's README.md names as supported. */
  readmeIdf: string[];
  boards: string[];
  defaultBoard: string;
  /** Board variants (mpconfigvariant_<NAME>.cmake), by board. */
  variants: Record<string, string[]>;
  /** Chip per board (IDF_TARGET; esp32 when the board does not set it). */
  targets: Record<string, string>;
}

/**
 * The ESP-IDF files the legacy port's build uses, relative to ESPIDF (as in
 * ./fixtures/esp-idf): headers for main.c (the second from the nested
 * flasher_stub submodule), esptool, the partition table generator and the
 * bootloader source. Every components/<name>/*.c is compiled in too.
 */
export const LEGACY_IDF_FILES = [
  'components/esp_common/include/esp_idf_version.h',
  'components/esptool_py/esptool/flasher_stub/stub.h',
  'components/esptool_py/esptool/esptool.py',
  'components/partition_table/gen_esp32part.py',
  'components/bootloader/subproject/main/bootloader_start.c'
] as const;

export const SHAPES: Record<TreeShape, ShapeFacts> = {
  'v1.9.4': {
    version: '1.9.4',
    tag: 'v1.9.4',
    era: 'legacy',
    mpyVersion: 3,
    pinFile: 'ports/esp32/Makefile',
    idf: ['3ede9f011b50999b0560683f9419538c066dd09e'],
    readmeIdf: [],
    boards: [],
    defaultBoard: '',
    variants: {},
    targets: {}
  },
  'v1.12': {
    version: '1.12.0',
    tag: 'v1.12',
    era: 'legacy',
    mpyVersion: 5,
    pinFile: 'ports/esp32/Makefile',
    idf: ['6ccb4cf5b7d1fdddb8c2492f9cbc926abaf230df', '310beae373446ceb9a4ad9b36b5428d7fdf2705f'],
    readmeIdf: [],
    boards: ['GENERIC', 'GENERIC_D2WD', 'GENERIC_SPIRAM', 'TINYPICO'],
    defaultBoard: 'GENERIC',
    variants: {},
    targets: {}
  },
  'v1.14': {
    version: '1.14.0',
    tag: 'v1.14',
    era: 'legacy',
    mpyVersion: 5,
    pinFile: 'ports/esp32/Makefile',
    idf: ['9e70825d1e1cbf7988cf36981774300066580ea7', '4c81978a3e2220674a432a588292a4c860eef27b'],
    readmeIdf: ['v3.3.2', 'v4.0'],
    boards: ['GENERIC', 'GENERIC_D2WD', 'GENERIC_OTA', 'GENERIC_SPIRAM', 'TINYPICO'],
    defaultBoard: 'GENERIC',
    variants: {},
    targets: {}
  },
  'v1.20': {
    version: '1.20.0',
    tag: 'v1.20.0',
    era: 'modern',
    mpyVersion: 6,
    pinFile: 'tools/ci.sh',
    idf: ['v4.4', 'v4.0.2'],
    readmeIdf: ['v4.0.2', 'v4.1.1', 'v4.2.2', 'v4.3.2', 'v4.4'],
    boards: ['GENERIC', 'GENERIC_C3', 'GENERIC_S3', 'GENERIC_SPIRAM'],
    defaultBoard: 'GENERIC',
    variants: {},
    targets: { GENERIC: 'esp32', GENERIC_C3: 'esp32c3', GENERIC_S3: 'esp32s3', GENERIC_SPIRAM: 'esp32' }
  },
  'v1.24': {
    version: '1.24.0',
    tag: 'v1.24.0',
    era: 'modern',
    mpyVersion: 6,
    pinFile: 'tools/ci.sh',
    idf: ['v5.2.2'],
    readmeIdf: ['v5.0.4', 'v5.0.5', 'v5.1.2', 'v5.2.0', 'v5.2.2'],
    boards: ['ESP32_GENERIC', 'ESP32_GENERIC_C3', 'ESP32_GENERIC_S3'],
    defaultBoard: 'ESP32_GENERIC',
    variants: {
      ESP32_GENERIC: ['D2WD', 'OTA', 'SPIRAM', 'UNICORE'],
      ESP32_GENERIC_S3: ['FLASH_4M', 'SPIRAM_OCT']
    },
    targets: { ESP32_GENERIC: 'esp32', ESP32_GENERIC_C3: 'esp32c3', ESP32_GENERIC_S3: 'esp32s3' }
  },
  'v1.26.1': {
    version: '1.26.1',
    tag: 'v1.26.1',
    era: 'modern',
    mpyVersion: 6,
    pinFile: 'ports/esp32/lockfiles/dependencies.lock.esp32',
    idf: ['5.4.2'],
    readmeIdf: ['v5.4.2', 'v5.2', 'v5.2.2', 'v5.3', 'v5.4', 'v5.4.1'],
    boards: ['ESP32_GENERIC', 'ESP32_GENERIC_C3', 'ESP32_GENERIC_S3'],
    defaultBoard: 'ESP32_GENERIC',
    variants: { ESP32_GENERIC: ['D2WD', 'OTA', 'SPIRAM', 'UNICORE'], ESP32_GENERIC_S3: ['SPIRAM_OCT'] },
    targets: { ESP32_GENERIC: 'esp32', ESP32_GENERIC_C3: 'esp32c3', ESP32_GENERIC_S3: 'esp32s3' }
  }
};

/** Tagger dates of the real releases, used for the fixture commit. */
const RELEASE_DATES: Record<TreeShape, string> = {
  'v1.9.4': '2018-05-11T16:40:09+10:00',
  'v1.12': '2019-12-20T16:59:02+11:00',
  'v1.14': '2021-02-03T01:00:29+11:00',
  'v1.20': '2023-04-26T15:43:11+10:00',
  'v1.24': '2024-10-26T01:43:44+11:00',
  'v1.26.1': '2025-09-11T14:21:45+10:00'
};

const TEMPLATES = path.join(PROJECT, 'test', 'support', 'micropython') + path.sep;

/** The C line compileError adds to main.c (found again to report its line). */
const ERROR_MARKER = 'fixture_undeclared_identifier';

/**
 * Keeps the lines between `#@if FLAG` / `#@else` / `#@endif` (FLAG may be
 * negated with `!`) whose condition holds, and fills in `@@NAME@@`.
 */
export function renderTemplate(
  text: string,
  vars: Record<string, string>,
  flags: ReadonlySet<string>
): string {
  const out: string[] = [];
  const stack: { active: boolean; parentActive: boolean }[] = [];
  const active = () => (stack.length === 0 ? true : stack[stack.length - 1].active);
  for (const line of text.split('\n')) {
    const directive = /^\s*#@(if|else|endif)\b\s*(!?)(\w*)/.exec(line);
    if (directive) {
      const [, word, negate, flag] = directive;
      if (word === 'if') {
        const holds = flags.has(flag) !== (negate === '!');
        stack.push({ active: active() && holds, parentActive: active() });
      } else if (word === 'else') {
        const top = stack[stack.length - 1];
        if (!top) throw new Error('#@else without #@if');
        top.active = top.parentActive && !top.active;
      } else {
        if (!stack.pop()) throw new Error('#@endif without #@if');
      }
      continue;
    }
    if (active()) out.push(line);
  }
  if (stack.length) throw new Error('#@if without #@endif');
  return out.join('\n').replace(/@@(\w+)@@/g, (_m, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`template variable ${name} has no value`);
    return value;
  });
}

function flagsFor(shape: TreeShape, compileError: boolean): Set<string> {
  const facts = SHAPES[shape];
  const flags = new Set<string>([facts.era]);
  if (compileError) flags.add('compile_error');
  if (shape !== 'v1.9.4') {
    flags.add('submodules');
    flags.add('version_defines');
  }
  if (shape === 'v1.24' || shape === 'v1.26.1') flags.add('prerelease_define');
  if (facts.era === 'legacy') {
    if (shape === 'v1.9.4') {
      flags.add('suphash_single');
      flags.add('frozen_dir');
    } else {
      flags.add('per_board');
      flags.add('gcc_check');
      flags.add('frozen_manifest');
    }
  } else {
    if (shape === 'v1.20') flags.add('submodules_mkrules');
    else flags.add('variants');
    if (shape === 'v1.24') flags.add('submodules_echo');
    if (shape === 'v1.26.1') {
      flags.add('submodules_update');
      flags.add('verbose_mk');
    }
  }
  return flags;
}

/** Writes one file, creating its directory. */
async function put(root: string, relative: string, content: string): Promise<void> {
  const file = path.join(root, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

async function template(name: string): Promise<string> {
  return readFile(path.join(TEMPLATES, name), 'utf8');
}

export async function createMicroPythonTree(dir: string, options: TreeOptions): Promise<FixtureTree> {
  const { shape } = options;
  const facts = SHAPES[shape];
  if (!facts) throw new Error(`unknown MicroPython tree shape: ${String(shape)}`);
  const root = path.resolve(dir);
  const flags = flagsFor(shape, options.compileError === true);
  if (options.afterBuild !== undefined) {
    if (facts.era !== 'modern') throw new Error(`afterBuild needs a modern tree shape, not ${shape}`);
    flags.add('after_build');
  }
  if (options.hostile !== undefined) flags.add('hostile');
  const [major, minor, micro] = facts.version.split('.');
  const vars: Record<string, string> = {
    MAJOR: major,
    MINOR: minor,
    MICRO: micro,
    MPY_VERSION: String(facts.mpyVersion),
    MPY_CROSS_REL: facts.era === 'legacy' ? '/mpy-cross/mpy-cross' : '/mpy-cross/build/mpy-cross',
    DEFAULT_BOARD: facts.defaultBoard,
    ...legacyPinVars(shape, options.idfPin)
  };
  const copy = async (from: string, to: string = from) =>
    put(root, to, renderTemplate(await template(from), vars, flags));

  // The core: version, make rules, mpy-cross and the tools the build runs.
  await put(
    root,
    '.gitignore',
    '# Build directories\nbuild/\nbuild-*/\n\n# Python cache files\n__pycache__/\n'
  );
  for (const file of [
    'py/mkenv.mk',
    'py/mkrules.mk',
    'py/makeversionhdr.py',
    'py/mpconfig.h',
    'py/persistentcode.h',
    'mpy-cross/Makefile',
    'mpy-cross/main.c',
    'tools/mpy-tool.py',
    'tools/makemanifest.py'
  ]) {
    await copy(file);
  }
  if (flags.has('verbose_mk')) await copy('py/verbose.mk');
  if (facts.era === 'legacy') await put(root, 'mpy-cross/.gitignore', '/mpy-cross\n');
  if (shape === 'v1.9.4') {
    // Before v1.10 the version lived in docs/conf.py (read by makeversionhdr.py).
    await put(
      root,
      'docs/conf.py',
      `# MicroPython documentation build configuration\nproject = 'MicroPython'\nversion = release = '${facts.version}'\n`
    );
  }
  // Submodule checkouts, already present as in a recursive clone.
  await put(root, 'lib/berkeley-db-1.xx/README', 'Berkeley DB 1.85 (fixture placeholder)\n');
  if (facts.era === 'modern') {
    await put(root, 'lib/micropython-lib/README.md', '# micropython-lib (fixture placeholder)\n');
  }

  // The ESP32 port.
  const port = 'ports/esp32';
  for (const file of ['main.c', 'help.c', 'mpconfigport.h', 'partitions.csv', 'modules/_boot.py']) {
    await copy(`${port}/common/${file}`, `${port}/${file}`);
  }
  if (facts.era === 'legacy') await writeLegacyPort(root, shape, copy);
  else await writeModernPort(root, shape, copy);
  if (options.afterBuild !== undefined) {
    await put(root, `${port}/fixture-after-build.sh`, `#!/bin/sh\nset -e\n${options.afterBuild}\n`);
  }
  await writeVersionData(root, shape, options.idfPin);
  if (options.hostile !== undefined) await put(root, `${port}/hostile.sh`, options.hostile);

  const tree: FixtureTree = {
    root,
    boards: [...facts.boards],
    defaultBoard: facts.defaultBoard,
    buildDir(board?: string, variant?: string) {
      const portDir = path.join(root, port);
      if (shape === 'v1.9.4') return path.join(portDir, 'build');
      const name = board || facts.defaultBoard;
      const withVariant = variant && flags.has('variants') ? `${name}-${variant}` : name;
      return path.join(portDir, `build-${withVariant}`);
    }
  };
  if (options.compileError) {
    tree.errorFile = path.join(root, port, 'main.c');
    const lines = (await readFile(tree.errorFile, 'utf8')).split('\n');
    tree.errorLine = lines.findIndex((line) => line.includes(ERROR_MARKER)) + 1;
  }
  if (options.git) await commitAndTag(root, shape);
  return tree;
}

function legacyPinVars(shape: TreeShape, idfPin?: string): Record<string, string> {
  const facts = SHAPES[shape];
  if (shape === 'v1.9.4') return { SUPHASH: idfPin ?? facts.idf[0] };
  if (shape === 'v1.12' || shape === 'v1.14') {
    return {
      SUPHASH_V3: idfPin ?? facts.idf[0],
      SUPHASH_V4: facts.idf[1],
      V4_LABEL: shape === 'v1.12' ? 'v4.0-beta1' : 'v4.0'
    };
  }
  return {};
}

type Copy = (from: string, to?: string) => Promise<void>;

async function writeLegacyPort(root: string, shape: TreeShape, copy: Copy): Promise<void> {
  const port = 'ports/esp32';
  for (const file of ['Makefile', 'makeimg.py']) {
    await copy(`${port}/legacy/${file}`, `${port}/${file}`);
  }
  if (shape === 'v1.9.4') {
    await put(
      root,
      `${port}/sdkconfig.h`,
      '// Fixture: the one sdkconfig of the v1.9.4 port.\n#define CONFIG_IDF_TARGET_ESP32 1\n'
    );
    return;
  }
  await copy(`${port}/modern/manifest.py`, `${port}/boards/manifest.py`);
  await put(root, `${port}/partitions-2MiB.csv`, partitionsCsv('0x110000', null));
  if (shape === 'v1.14') await put(root, `${port}/partitions-ota.csv`, otaPartitionsCsv());
  const sdk = (lines: string[]) => lines.map((l) => `${l}\n`).join('');
  await put(
    root,
    `${port}/boards/sdkconfig.base`,
    sdk([
      '# Fixture: options every board uses',
      'CONFIG_FLASHMODE_DIO=y',
      'CONFIG_ESPTOOLPY_FLASHFREQ_40M=y',
      'CONFIG_PARTITION_TABLE_CUSTOM=y'
    ])
  );
  await put(
    root,
    `${port}/boards/sdkconfig.spiram`,
    sdk(['# Fixture: external SPIRAM', 'CONFIG_ESP32_SPIRAM_SUPPORT=y', 'CONFIG_SPIRAM_CACHE_WORKAROUND=y'])
  );
  await put(
    root,
    `${port}/boards/sdkconfig.240mhz`,
    sdk(['# Fixture: CPU at 240MHz', 'CONFIG_ESP32_DEFAULT_CPU_FREQ_240=y'])
  );
  await put(
    root,
    `${port}/boards/sdkconfig.ble`,
    sdk(['# Fixture: Bluetooth LE (NimBLE)', 'CONFIG_BT_ENABLED=y', 'CONFIG_BT_NIMBLE_ENABLED=y'])
  );

  const boards: Record<string, { mk: string[]; name: string; mcu: string }> = {
    GENERIC: { mk: ['SDKCONFIG += boards/sdkconfig.base'], name: 'ESP32 module', mcu: 'ESP32' },
    GENERIC_D2WD: {
      mk: [
        'SDKCONFIG += boards/sdkconfig.base',
        'PART_SRC = partitions-2MiB.csv',
        'FLASH_SIZE = 2MB',
        'FLASH_MODE = dio',
        'FLASH_FREQ = 40m'
      ],
      name: 'Generic ESP32-D2WD module',
      mcu: 'ESP32-D2WD'
    },
    GENERIC_OTA: {
      mk: [
        'SDKCONFIG += boards/sdkconfig.base',
        'SDKCONFIG += boards/GENERIC_OTA/sdkconfig.board',
        '',
        'PART_SRC = partitions-ota.csv'
      ],
      name: '4MB/OTA module',
      mcu: 'ESP32'
    },
    GENERIC_SPIRAM: {
      mk: ['SDKCONFIG += boards/sdkconfig.base', 'SDKCONFIG += boards/sdkconfig.spiram'],
      name: 'ESP32 module (spiram)',
      mcu: 'ESP32'
    },
    TINYPICO: {
      mk: [
        'FLASH_FREQ = 80m',
        '',
        'SDKCONFIG += boards/sdkconfig.base',
        'SDKCONFIG += boards/sdkconfig.240mhz',
        'SDKCONFIG += boards/sdkconfig.spiram',
        'SDKCONFIG += boards/TINYPICO/sdkconfig.board',
        '',
        'FROZEN_MANIFEST ?= $(BOARD_DIR)/manifest.py'
      ],
      name: 'TinyPICO',
      mcu: 'ESP32-PICO-D4'
    }
  };
  for (const board of SHAPES[shape].boards) {
    const b = boards[board];
    await put(root, `${port}/boards/${board}/mpconfigboard.mk`, sdk(b.mk));
    await put(
      root,
      `${port}/boards/${board}/mpconfigboard.h`,
      `#define MICROPY_HW_BOARD_NAME "${b.name}"\n#define MICROPY_HW_MCU_NAME "${b.mcu}"\n`
    );
  }
  if (shape === 'v1.14') {
    await put(
      root,
      `${port}/boards/GENERIC_OTA/sdkconfig.board`,
      sdk(['# Fixture: two OTA slots', 'CONFIG_PARTITION_TABLE_CUSTOM_FILENAME="partitions-ota.csv"'])
    );
  }
  await put(
    root,
    `${port}/boards/TINYPICO/sdkconfig.board`,
    sdk(['# Fixture: TinyPICO', 'CONFIG_FLASHMODE_QIO=y', 'CONFIG_ESPTOOLPY_FLASHFREQ_80M=y'])
  );
  await put(
    root,
    `${port}/boards/TINYPICO/manifest.py`,
    'include("$(PORT_DIR)/boards/manifest.py")\nfreeze("$(BOARD_DIR)/modules")\n'
  );
  await put(
    root,
    `${port}/boards/TINYPICO/modules/tinypico.py`,
    '# Fixture: helpers for the TinyPICO board\nLED_PIN = 2\n'
  );
}

async function writeModernPort(root: string, shape: TreeShape, copy: Copy): Promise<void> {
  const port = 'ports/esp32';
  const facts = SHAPES[shape];
  for (const file of ['Makefile', 'makeimg.py', 'CMakeLists.txt']) {
    await copy(`${port}/modern/${file}`, `${port}/${file}`);
  }
  await copy(`${port}/modern/manifest.py`, `${port}/boards/manifest.py`);
  // The ESP-IDF "main" component: one per chip in v1.24, one shared otherwise.
  const mainDirs = shape === 'v1.24' ? ['main_esp32', 'main_esp32c3', 'main_esp32s3'] : ['main'];
  for (const mainDir of mainDirs) {
    await copy(`${port}/modern/main_CMakeLists.txt`, `${port}/${mainDir}/CMakeLists.txt`);
    if (shape !== 'v1.20') {
      const minimum = shape === 'v1.24' ? '>=5.0.4' : '>=5.2.0';
      await put(
        root,
        `${port}/${mainDir}/idf_component.yml`,
        `## IDF Component Manager Manifest File\ndependencies:\n  espressif/mdns: "~1.1.0"\n  idf:\n    version: "${minimum}"\n`
      );
    }
  }
  await put(root, `${port}/partitions-4MiB.csv`, partitionsCsv('0x1F0000', '0x200000'));

  const sdk = (lines: string[]) => lines.map((l) => `${l}\n`).join('');
  const fragments: Record<string, string[]> = {
    'boards/sdkconfig.base': [
      '# Fixture: options every board uses',
      'CONFIG_ESPTOOLPY_FLASHMODE_QIO=y',
      'CONFIG_PARTITION_TABLE_CUSTOM=y',
      'CONFIG_PARTITION_TABLE_CUSTOM_FILENAME="partitions-4MiB.csv"'
    ],
    'boards/sdkconfig.ble': [
      '# Fixture: Bluetooth LE (NimBLE)',
      'CONFIG_BT_ENABLED=y',
      'CONFIG_BT_NIMBLE_ENABLED=y'
    ],
    'boards/sdkconfig.spiram': ['# Fixture: external SPIRAM', 'CONFIG_SPIRAM=y'],
    'boards/sdkconfig.usb': ['# Fixture: native USB', 'CONFIG_USB_OTG_SUPPORTED=y']
  };
  if (shape !== 'v1.20')
    fragments['boards/sdkconfig.spiram_sx'] = [
      '# Fixture: SPIRAM on S2/S3',
      'CONFIG_SPIRAM=y',
      'CONFIG_SPIRAM_MODE_QUAD=y'
    ];
  for (const [file, lines] of Object.entries(fragments)) await put(root, `${port}/${file}`, sdk(lines));

  type Board = {
    defaults: string[];
    name: string;
    mcu: string;
    files?: Record<string, string[]>;
    variants?: Record<string, string[]>;
  };
  const chip = (target: string) => (target === 'esp32' ? [] : [`set(IDF_TARGET ${target})`, '']);
  const boards: Record<string, Board> =
    shape === 'v1.20'
      ? {
          GENERIC: {
            defaults: ['boards/sdkconfig.base', 'boards/sdkconfig.ble'],
            name: 'ESP32 module',
            mcu: 'ESP32'
          },
          GENERIC_C3: {
            defaults: ['boards/sdkconfig.base', 'boards/sdkconfig.ble'],
            name: 'ESP32C3 module',
            mcu: 'ESP32C3'
          },
          GENERIC_S3: {
            defaults: [
              'boards/sdkconfig.base',
              'boards/sdkconfig.usb',
              'boards/sdkconfig.ble',
              'boards/GENERIC_S3/sdkconfig.board'
            ],
            name: 'ESP32S3 module',
            mcu: 'ESP32S3',
            files: { 'sdkconfig.board': ['# Fixture: 8MiB flash', 'CONFIG_ESPTOOLPY_FLASHSIZE_8MB=y'] }
          },
          GENERIC_SPIRAM: {
            defaults: [
              'boards/sdkconfig.base',
              'boards/sdkconfig.ble',
              'boards/sdkconfig.spiram',
              'boards/GENERIC_SPIRAM/sdkconfig.board'
            ],
            name: 'ESP32 module (spiram)',
            mcu: 'ESP32',
            files: { 'sdkconfig.board': ['# Fixture: SPIRAM module', 'CONFIG_SPIRAM_CACHE_WORKAROUND=y'] }
          }
        }
      : {
          ESP32_GENERIC: {
            defaults: ['boards/sdkconfig.base', 'boards/sdkconfig.ble'],
            name: 'Generic ESP32 module',
            mcu: 'ESP32',
            files: {
              'sdkconfig.d2wd': ['# Fixture: 2MiB ESP32-D2WD', 'CONFIG_ESPTOOLPY_FLASHSIZE_2MB=y'],
              'sdkconfig.ota': [
                '# Fixture: OTA partitions',
                'CONFIG_PARTITION_TABLE_CUSTOM_FILENAME="partitions-4MiB-ota.csv"'
              ],
              'sdkconfig.unicore': ['# Fixture: single core', 'CONFIG_FREERTOS_UNICORE=y']
            },
            variants: {
              D2WD: ['boards/ESP32_GENERIC/sdkconfig.d2wd'],
              OTA: ['boards/ESP32_GENERIC/sdkconfig.ota'],
              SPIRAM: ['boards/sdkconfig.spiram'],
              UNICORE: ['boards/ESP32_GENERIC/sdkconfig.unicore']
            }
          },
          ESP32_GENERIC_C3: {
            defaults: [
              'boards/sdkconfig.base',
              'boards/sdkconfig.ble',
              'boards/ESP32_GENERIC_C3/sdkconfig.c3usb'
            ],
            name: 'ESP32C3 module',
            mcu: 'ESP32C3',
            files: {
              'sdkconfig.c3usb': [
                '# Fixture: USB serial/JTAG console',
                'CONFIG_ESP_CONSOLE_USB_SERIAL_JTAG=y'
              ]
            }
          },
          ESP32_GENERIC_S3: {
            defaults: [
              'boards/sdkconfig.base',
              'boards/sdkconfig.usb',
              'boards/sdkconfig.ble',
              'boards/sdkconfig.spiram_sx',
              'boards/ESP32_GENERIC_S3/sdkconfig.board'
            ],
            name: 'Generic ESP32S3 module',
            mcu: 'ESP32S3',
            files: {
              'sdkconfig.board': ['# Fixture: 8MiB flash', 'CONFIG_ESPTOOLPY_FLASHSIZE_8MB=y'],
              ...(shape === 'v1.24'
                ? { 'sdkconfig.flash_4m': ['# Fixture: 4MiB flash', 'CONFIG_ESPTOOLPY_FLASHSIZE_4MB=y'] }
                : {})
            },
            variants: {
              ...(shape === 'v1.24' ? { FLASH_4M: ['boards/ESP32_GENERIC_S3/sdkconfig.flash_4m'] } : {}),
              SPIRAM_OCT: ['boards/sdkconfig.spiram_oct']
            }
          }
        };
  if (shape !== 'v1.20')
    await put(
      root,
      `${port}/boards/sdkconfig.spiram_oct`,
      sdk(['# Fixture: octal SPIRAM', 'CONFIG_SPIRAM_MODE_OCT=y'])
    );

  for (const board of facts.boards) {
    const b = boards[board];
    const dir = `${port}/boards/${board}`;
    const target = facts.targets[board];
    await put(
      root,
      `${dir}/mpconfigboard.cmake`,
      sdk([...chip(target), 'set(SDKCONFIG_DEFAULTS', ...b.defaults.map((d) => `    ${d}`), ')'])
    );
    await put(
      root,
      `${dir}/mpconfigboard.h`,
      `#define MICROPY_HW_BOARD_NAME "${b.name}"\n#define MICROPY_HW_MCU_NAME "${b.mcu}"\n`
    );
    const variants = Object.fromEntries(Object.keys(b.variants ?? {}).map((v) => [v, `${b.name} (${v})`]));
    const boardJson = {
      deploy_options: { flash_offset: target === 'esp32' ? '0x1000' : '0x0' },
      mcu: target,
      product: b.name,
      vendor: 'Espressif',
      ...(Object.keys(variants).length ? { variants } : {})
    };
    await put(root, `${dir}/board.json`, `${JSON.stringify(boardJson, null, 4)}\n`);
    for (const [file, lines] of Object.entries(b.files ?? {})) await put(root, `${dir}/${file}`, sdk(lines));
    for (const [variant, extra] of Object.entries(b.variants ?? {})) {
      await put(
        root,
        `${dir}/mpconfigvariant_${variant}.cmake`,
        sdk([
          'set(SDKCONFIG_DEFAULTS',
          '    ${SDKCONFIG_DEFAULTS}',
          ...extra.map((d) => `    ${d}`),
          ')',
          '',
          'list(APPEND MICROPY_DEF_BOARD',
          `    MICROPY_HW_BOARD_NAME="${b.name} (${variant})"`,
          ')'
        ])
      );
    }
  }
}

function partitionsCsv(appSize: string, vfsOffset: string | null): string {
  const rows = [
    '# Name,   Type, SubType, Offset,  Size, Flags',
    'nvs,      data, nvs,     0x9000,  0x6000,',
    'phy_init, data, phy,     0xf000,  0x1000,',
    `factory,  app,  factory, 0x10000, ${appSize},`
  ];
  if (vfsOffset) rows.push(`vfs,      data, fat,     ${vfsOffset}, 0x200000,`);
  return `${rows.join('\n')}\n`;
}

function otaPartitionsCsv(): string {
  return [
    '# Name,   Type, SubType, Offset,  Size, Flags',
    'nvs,      data, nvs,     0x9000,  0x4000,',
    'otadata,  data, ota,     0xd000,  0x2000,',
    'phy_init, data, phy,     0xf000,  0x1000,',
    'ota_0,    app,  ota_0,   0x10000, 0x180000,',
    'ota_1,    app,  ota_1,   0x190000, 0x180000,',
    'vfs,      data, fat,     0x310000, 0x0f0000,',
    ''
  ].join('\n');
}

/** README prose, tools/ci.sh and lockfiles: where each era names its ESP-IDF. */
async function writeVersionData(root: string, shape: TreeShape, idfPin?: string): Promise<void> {
  const facts = SHAPES[shape];
  const readme = (body: string[]) =>
    put(
      root,
      'ports/esp32/README.md',
      `${['MicroPython port to the ESP32', '=============================', '', ...body].join('\n')}\n`
    );
  switch (shape) {
    case 'v1.9.4':
      await readme([
        'The port is built with the ESP-IDF and the xtensa-esp32-elf toolchain.',
        'It needs one particular ESP-IDF commit: run `make` without ESPIDF set and',
        'the Makefile prints the supported git hash. Then:',
        '',
        '    $ git checkout <Current supported ESP-IDF commit hash>',
        '    $ git submodule update --init --recursive'
      ]);
      return;
    case 'v1.12':
      await readme([
        'Two ESP-IDF versions can build this port, one from the 3.x series and one',
        'from 4.x (experimental). Running `make` without ESPIDF set prints the git',
        'hash of each. Check it out, then update the submodules:',
        '',
        '    $ git checkout <Current supported ESP-IDF commit hash>',
        '    $ git submodule update --init --recursive'
      ]);
      return;
    case 'v1.14':
      await readme([
        'Two ESP-IDF versions can build this port (one for 3.x, one for 4.x); the',
        '4.x one is experimental. To see their git hashes:',
        '',
        '    $ make ESPIDF=  # prints the supported hashes',
        '',
        'Toolchain setup for 4.x follows https://docs.espressif.com/projects/esp-idf/en/v4.0/get-started/index.html',
        'and for 3.x https://docs.espressif.com/projects/esp-idf/en/v3.3.2/get-started/linux-setup.html'
      ]);
      await put(
        root,
        'tools/ci.sh',
        ciScript([
          '# ports/esp32',
          '',
          'function ci_esp32_idf3_build {',
          '    export PATH=$(pwd)/xtensa-esp32-elf/bin:$PATH',
          '    git -C esp-idf checkout $(grep "ESPIDF_SUPHASH_V3 :=" ports/esp32/Makefile | cut -d " " -f 3)',
          '    git -C esp-idf submodule update --init components/esptool_py/esptool components/lwip/lwip',
          '    make ${MAKEOPTS} -C mpy-cross',
          '    make ${MAKEOPTS} -C ports/esp32 submodules',
          '    make ${MAKEOPTS} -C ports/esp32',
          '}',
          '',
          'function ci_esp32_idf4_build {',
          '    export PATH=$(pwd)/xtensa-esp32-elf/bin:$PATH',
          '    git -C esp-idf checkout $(grep "ESPIDF_SUPHASH_V4 :=" ports/esp32/Makefile | cut -d " " -f 3)',
          '    git -C esp-idf submodule update --init components/esptool_py/esptool components/lwip/lwip',
          '    make ${MAKEOPTS} -C mpy-cross',
          '    make ${MAKEOPTS} -C ports/esp32 submodules',
          '    make ${MAKEOPTS} -C ports/esp32',
          '}'
        ])
      );
      return;
    case 'v1.20': {
      const newest = idfPin ?? facts.idf[0];
      await readme([
        "MicroPython on ESP32 needs ESP-IDF version 4, Espressif's development",
        'framework. Currently MicroPython supports v4.0.2, v4.1.1, v4.2.2, v4.3.2 and v4.4,',
        'although other IDF v4 versions may also work.',
        '',
        '    $ git clone -b v4.0.2 --recursive https://github.com/espressif/esp-idf.git',
        '',
        'Replace `v4.0.2` with `v4.2.2` or `v4.4` or any other supported version.',
        'ESP32-S3 needs `v4.4` or later; ESP32-S2 and ESP32-C3 need `v4.3.1` or later.'
      ]);
      await put(
        root,
        'tools/ci.sh',
        ciScript([
          '# ports/esp32',
          '',
          'function ci_esp32_setup_helper {',
          '    pip3 install pyelftools',
          '    git clone https://github.com/espressif/esp-idf.git',
          '    git -C esp-idf checkout $1',
          '    git -C esp-idf submodule update --init components/esptool_py/esptool components/lwip/lwip',
          '    ./esp-idf/install.sh',
          '}',
          '',
          'function ci_esp32_idf402_setup {',
          '    ci_esp32_setup_helper v4.0.2',
          '}',
          '',
          'function ci_esp32_idf44_setup {',
          `    ci_esp32_setup_helper ${newest}`,
          '}',
          '',
          'function ci_esp32_build {',
          '    source esp-idf/export.sh',
          '    make ${MAKEOPTS} -C mpy-cross',
          '    make ${MAKEOPTS} -C ports/esp32 submodules',
          '    make ${MAKEOPTS} -C ports/esp32',
          '}'
        ])
      );
      return;
    }
    case 'v1.24': {
      const version = idfPin ?? facts.idf[0];
      await readme([
        "MicroPython on ESP32 needs ESP-IDF version 5, Espressif's development",
        'framework. Currently MicroPython supports v5.0.4, v5.0.5, v5.1.2, v5.2.0, v5.2.2.',
        '',
        '    $ git clone -b v5.2.2 --recursive https://github.com/espressif/esp-idf.git',
        '',
        'Replace `v5.2.2` with any other supported version.'
      ]);
      await put(
        root,
        'tools/ci.sh',
        ciScript([
          '# ports/esp32',
          '',
          '# The ESP-IDF tag (or branch) CI builds with',
          `IDF_VER=${version}`,
          '',
          'export IDF_CCACHE_ENABLE=1',
          '',
          'function ci_esp32_idf_setup {',
          '    pip3 install pyelftools',
          '    git clone --depth 1 --branch $IDF_VER https://github.com/espressif/esp-idf.git',
          '    git -C esp-idf submodule update --init --recursive --filter=tree:0',
          '    ./esp-idf/install.sh',
          '}',
          '',
          'function ci_esp32_build_common {',
          '    source esp-idf/export.sh',
          '    make ${MAKEOPTS} -C mpy-cross',
          '    make ${MAKEOPTS} -C ports/esp32 submodules',
          '}'
        ])
      );
      return;
    }
    case 'v1.26.1': {
      const version = (idfPin ?? facts.idf[0]).replace(/^v/, '');
      await readme([
        "MicroPython on ESP32 needs ESP-IDF version 5, Espressif's development",
        'framework. The recommended version of ESP-IDF for MicroPython is v5.4.2.',
        'MicroPython also supports v5.2, v5.2.2, v5.3, v5.4 and v5.4.1.',
        '',
        '    $ git clone -b v5.4.2 --recursive https://github.com/espressif/esp-idf.git',
        '',
        'Replace `v5.4.2` with any other supported version.'
      ]);
      await put(
        root,
        'tools/ci.sh',
        ciScript([
          '# ports/esp32',
          '',
          '# The ESP-IDF tag CI builds with, read from the esp32 lockfile (vX.Y.Z)',
          'IDF_VER=v$(grep -A10 "idf:" ports/esp32/lockfiles/dependencies.lock.esp32 | grep "version:" | head -n1 | sed -E \'s/ +version: //\')',
          '',
          'export IDF_CCACHE_ENABLE=1',
          '',
          'function ci_esp32_idf_setup {',
          '    echo "Using ESP-IDF version $IDF_VER"',
          '    git clone --depth 1 --branch $IDF_VER https://github.com/espressif/esp-idf.git',
          '    git -C esp-idf submodule update --init --recursive --filter=tree:0',
          '    ./esp-idf/install.sh',
          '}',
          '',
          'function ci_esp32_build_common {',
          '    source esp-idf/export.sh',
          '    make ${MAKEOPTS} -C mpy-cross',
          '    make ${MAKEOPTS} -C ports/esp32 submodules',
          '}'
        ])
      );
      await put(
        root,
        'ports/esp32/lockfiles/README.md',
        'Dependency lockfiles of the IDF component manager, one per chip.\n'
      );
      for (const target of ['esp32', 'esp32c3', 'esp32s3']) {
        await put(root, `ports/esp32/lockfiles/dependencies.lock.${target}`, lockfile(target, version));
      }
      return;
    }
  }
}

function ciScript(body: string[]): string {
  return `${['#!/bin/bash', '', "# Fixture: the part of MicroPython's CI script about the ESP32 port.", '', ...body].join('\n')}\n`;
}

function lockfile(target: string, idfVersion: string): string {
  return [
    'dependencies:',
    '  espressif/mdns:',
    `    component_hash: ${releaseHash('espressif/mdns', '1.1.0')}`,
    '    dependencies:',
    '    - name: idf',
    '      require: private',
    "      version: '>=5.0'",
    '    source:',
    '      registry_url: https://components.espressif.com/',
    '      type: service',
    '    version: 1.1.0',
    '  idf:',
    '    source:',
    '      type: idf',
    `    version: ${idfVersion}`,
    'direct_dependencies:',
    '- espressif/mdns',
    '- idf',
    'manifest_hash: 0000000000000000000000000000000000000000000000000000000000000000',
    `target: ${target}`,
    'version: 2.0.0',
    ''
  ].join('\n');
}

async function commitAndTag(root: string, shape: TreeShape): Promise<void> {
  const facts = SHAPES[shape];
  const date = RELEASE_DATES[shape];
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Fixture Maintainer',
    GIT_AUTHOR_EMAIL: 'fixture@example.invalid',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: 'Fixture Maintainer',
    GIT_COMMITTER_EMAIL: 'fixture@example.invalid',
    GIT_COMMITTER_DATE: date
  };
  const git = (...args: string[]) =>
    run(
      'git',
      ['-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', '-c', 'core.hooksPath=/dev/null', ...args],
      { cwd: root, env }
    );
  await git('init', '-q', '-b', 'master');
  await git('add', '-A');
  await git('commit', '-q', '-m', `MicroPython ${facts.tag} (fixture)`);
  await git('tag', '-a', facts.tag, '-m', `MicroPython ${facts.tag} (fixture)`);
}
