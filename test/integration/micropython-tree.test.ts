import { chmod, mkdir, mkdtemp, readFile, rm, writeFile, access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run, type RunResult } from '../../src/exec.js';
import {
  createMicroPythonTree,
  LEGACY_IDF_FILES,
  renderTemplate,
  SHAPES,
  type TreeShape
} from '../support/micropython-tree.js';

const ALL: TreeShape[] = ['v1.9.4', 'v1.12', 'v1.14', 'v1.20', 'v1.24', 'v1.26.1'];
const LEGACY: TreeShape[] = ['v1.9.4', 'v1.12', 'v1.14'];
const MODERN: TreeShape[] = ['v1.20', 'v1.24', 'v1.26.1'];

/** A plain environment: host tools only, no ESP-IDF, no cross compiler. */
const BASE_PATH = '/usr/local/bin:/usr/bin:/bin';
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: BASE_PATH, HOME: process.env.HOME ?? '/tmp', LANG: 'C', ...extra };
}

function make(args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return run('make', args, { env, allowFailure: true, timeoutMs: 120_000 });
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false
  );

let work: string;
beforeAll(async () => {
  // Outside any git checkout, so git in the trees never finds a parent repository.
  work = await mkdtemp(path.join(os.tmpdir(), 'mp-tree-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let counter = 0;
const freshDir = () => path.join(work, `t${counter++}`);

describe('renderTemplate', () => {
  it('keeps the branches whose flag holds and fills variables', () => {
    const text = ['a', '#@if x', 'b @@V@@', '#@else', 'c', '#@endif', '#@if !x', 'd', '#@endif', 'e'].join(
      '\n'
    );
    expect(renderTemplate(text, { V: '1' }, new Set(['x']))).toBe('a\nb 1\ne');
    expect(renderTemplate(text, { V: '1' }, new Set())).toBe('a\nc\nd\ne');
    expect(() => renderTemplate('@@NOPE@@', {}, new Set())).toThrow(/NOPE/);
  });
});

describe.each(ALL)('MicroPython tree %s', (shape) => {
  const facts = SHAPES[shape];

  it('has the real version data and ESP-IDF pin of the release', async () => {
    const tree = await createMicroPythonTree(freshDir(), { shape });
    const read = (rel: string) => readFile(path.join(tree.root, rel), 'utf8');
    const [major, minor, micro] = facts.version.split('.');
    const mpconfig = await read('py/mpconfig.h');
    if (shape === 'v1.9.4') {
      // v1.9.4 had no version macros in mpconfig.h; docs/conf.py carried it.
      expect(mpconfig).not.toMatch(/MICROPY_VERSION_MAJOR/);
      expect(await read('docs/conf.py')).toContain("version = release = '1.9.4'");
    } else {
      expect(mpconfig).toContain(`#define MICROPY_VERSION_MAJOR ${major}\n`);
      expect(mpconfig).toContain(`#define MICROPY_VERSION_MINOR ${minor}\n`);
      expect(mpconfig).toContain(`#define MICROPY_VERSION_MICRO ${micro}\n`);
    }
    const pinText = await read(facts.pinFile);
    for (const pin of facts.idf) expect(pinText).toContain(pin);
    if (shape === 'v1.9.4')
      expect(pinText).toMatch(/^ESPIDF_SUPHASH := 3ede9f011b50999b0560683f9419538c066dd09e$/m);
    if (shape === 'v1.12' || shape === 'v1.14') {
      expect(pinText).toMatch(new RegExp(`^ESPIDF_SUPHASH_V3 := ${facts.idf[0]}$`, 'm'));
      expect(pinText).toMatch(new RegExp(`^ESPIDF_SUPHASH_V4 := ${facts.idf[1]}$`, 'm'));
    }
    if (shape === 'v1.20')
      expect(pinText).toMatch(/ci_esp32_setup_helper v4\.0\.2[\s\S]*ci_esp32_setup_helper v4\.4/);
    if (shape === 'v1.24') expect(pinText).toMatch(/^IDF_VER=v5\.2\.2$/m);
    if (shape === 'v1.26.1') {
      for (const chip of ['esp32', 'esp32c3', 'esp32s3']) {
        expect(await read(`ports/esp32/lockfiles/dependencies.lock.${chip}`)).toMatch(
          / {2}idf:\n {4}source:\n {6}type: idf\n {4}version: 5\.4\.2\n/
        );
      }
    }
    const readme = await read('ports/esp32/README.md');
    for (const version of facts.readmeIdf) expect(readme).toContain(version);

    expect(tree.boards).toEqual(facts.boards);
    for (const board of tree.boards) {
      const boardDir = path.join(tree.root, 'ports/esp32/boards', board);
      if (facts.era === 'legacy') {
        expect(await exists(path.join(boardDir, 'mpconfigboard.mk'))).toBe(true);
      } else {
        const cmake = await readFile(path.join(boardDir, 'mpconfigboard.cmake'), 'utf8');
        const target = facts.targets[board];
        // As in the real boards, only chips other than the ESP32 set IDF_TARGET.
        if (target === 'esp32') expect(cmake).not.toMatch(/IDF_TARGET/);
        else expect(cmake).toContain(`set(IDF_TARGET ${target})`);
        for (const variant of facts.variants[board] ?? []) {
          expect(await exists(path.join(boardDir, `mpconfigvariant_${variant}.cmake`))).toBe(true);
        }
      }
    }
  });

  it('builds mpy-cross with the host compiler, and it compiles .py files', async () => {
    const tree = await createMicroPythonTree(freshDir(), { shape });
    const result = await make(['-C', path.join(tree.root, 'mpy-cross')], cleanEnv());
    expect(result.code).toBe(0);
    const binary = path.join(
      tree.root,
      facts.era === 'legacy' ? 'mpy-cross/mpy-cross' : 'mpy-cross/build/mpy-cross'
    );
    expect(await exists(binary)).toBe(true);

    const version = await run(binary, ['--version']);
    expect(version.stdout).toContain(`mpy-cross emitting mpy v${facts.mpyVersion}`);
    expect(version.stdout).toContain(`MicroPython v${facts.version} on`);

    const source = path.join(tree.root, 'hello.py');
    await writeFile(source, 'print("hello")\n');
    await run(binary, [source]);
    const compiled = await readFile(path.join(tree.root, 'hello.mpy'));
    expect(compiled[0]).toBe('M'.charCodeAt(0));
    expect(compiled[1]).toBe(facts.mpyVersion);
    expect(compiled.subarray(2).toString()).toBe('print("hello")\n');
  });

  it('reports its build directory', async () => {
    const tree = await createMicroPythonTree(freshDir(), { shape });
    const port = path.join(tree.root, 'ports/esp32');
    if (shape === 'v1.9.4') {
      expect(tree.buildDir()).toBe(path.join(port, 'build'));
      expect(tree.defaultBoard).toBe('');
    } else {
      expect(tree.buildDir()).toBe(path.join(port, `build-${facts.defaultBoard}`));
      expect(tree.buildDir(tree.boards[1])).toBe(path.join(port, `build-${tree.boards[1]}`));
    }
    if (shape === 'v1.24' || shape === 'v1.26.1') {
      expect(tree.buildDir('ESP32_GENERIC', 'SPIRAM')).toBe(path.join(port, 'build-ESP32_GENERIC-SPIRAM'));
    }
  });
});

describe.each(LEGACY)('legacy port Makefile %s', (shape) => {
  it('refuses to build without ESPIDF, with the real message', async () => {
    const tree = await createMicroPythonTree(freshDir(), { shape });
    const result = await make(['-C', path.join(tree.root, 'ports/esp32')], cleanEnv());
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain(
      'The ESPIDF variable has not been set, please set it to the root of the esp-idf repository.'
    );
    expect(result.stdout).toContain(SHAPES[shape].idf[0]);
    expect(result.stderr).toMatch(/Makefile:\d+: \*\*\* ESPIDF not set\.\s+Stop\./);
  });

  it('fails on the missing cross compiler once ESPIDF is set (hash mismatch only warns)', async () => {
    const tree = await createMicroPythonTree(freshDir(), { shape });
    const idf = path.join(work, `plain-idf-${shape}`);
    await mkdir(idf, { recursive: true });
    const result = await make(['-C', path.join(tree.root, 'ports/esp32')], cleanEnv({ ESPIDF: idf }));
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain('** WARNING **');
    expect(result.stdout).toContain('The git hash of ESP IDF does not match the supported version');
    if (shape === 'v1.9.4') {
      // v1.9.4 does not check; the first compile fails instead.
      expect(`${result.stdout}${result.stderr}`).toMatch(
        /xtensa-esp32-elf-gcc: (No such file or directory|not found)/
      );
    } else {
      expect(result.stdout).toContain('Cannot find C compiler xtensa-esp32-elf-gcc');
      expect(result.stderr).toMatch(/\*\*\* C compiler missing\.\s+Stop\./);
    }
  });

  it('falls back to IDF_PATH when ESPIDF is unset', async () => {
    const tree = await createMicroPythonTree(freshDir(), { shape });
    const idf = path.join(work, `plain-idf-path-${shape}`);
    await mkdir(idf, { recursive: true });
    const result = await make(['-C', path.join(tree.root, 'ports/esp32')], cleanEnv({ IDF_PATH: idf }));
    expect(result.stdout).not.toContain('The ESPIDF variable has not been set');
    expect(result.stdout).toContain(`ESP IDF path:       ${idf}`);
  });
});

/**
 * A stand-in ESP-IDF and toolchain, local to this test, with the file layout
 * of the shared ESP-IDF fixture (./support/fixtures/esp-idf), only to prove
 * the legacy Makefile end to end.
 */
async function miniLegacyIdf(
  dir: string,
  withNestedSubmodule = true
): Promise<{ idf: string; bin: string; head: string }> {
  const idf = path.join(dir, 'esp-idf');
  const esptool = [
    'import argparse, sys',
    'p = argparse.ArgumentParser()',
    'p.add_argument("--chip"); p.add_argument("--port"); p.add_argument("--baud")',
    'sub = p.add_subparsers(dest="cmd")',
    'e = sub.add_parser("elf2image")',
    'for o in ("--flash_mode", "--flash_freq", "--flash_size", "--output"): e.add_argument(o)',
    'e.add_argument("elf")',
    'w = sub.add_parser("write_flash"); w.add_argument("-z", action="store_true")',
    'for o in ("--flash_mode", "--flash_freq"): w.add_argument(o)',
    'w.add_argument("pairs", nargs="+")',
    'sub.add_parser("erase_flash")',
    'a = p.parse_args()',
    'print("esptool", " ".join(sys.argv[1:]))',
    'if a.cmd == "elf2image":',
    '    out = a.output or a.elf[:-4] + ".bin"',
    '    open(out, "wb").write(bytes([0xE9]) + open(a.elf, "rb").read()[:64])',
    ''
  ].join('\n');
  const genPart = [
    'import struct, sys',
    'args = [a for a in sys.argv[1:] if a != "-q"]',
    'rows = [l.split(",") for l in open(args[0]) if l.strip() and not l.startswith("#")]',
    'kinds = {"app": 0, "data": 1}',
    'out = b"".join(struct.pack("<2sBBLL16sL", b"\\xaa\\x50", kinds[r[1].strip()], 0, int(r[3], 0), int(r[4], 0), r[0].strip().encode(), 0) for r in rows)',
    'open(args[1], "wb").write(out + b"\\xff" * (0xC00 - len(out)))',
    ''
  ].join('\n');
  const files: Record<string, string> = {
    'components/esp_common/include/esp_idf_version.h': '#define ESP_IDF_VERSION_MAJOR 3\n',
    'components/esptool_py/esptool/flasher_stub/stub.h': '#define ESPTOOL_FLASHER_STUB_REVISION 1\n',
    'components/esptool_py/esptool/esptool.py': esptool,
    'components/partition_table/gen_esp32part.py': genPart,
    'components/bootloader/subproject/main/bootloader_start.c':
      'void call_start_cpu0(void) { for (;;) { } }\n',
    // As in the shared fixture: ESP-IDF's startup code provides main() and calls app_main().
    'components/esp_system/startup.c':
      'extern void app_main(void);\nint main(void) { app_main(); return 0; }\n'
  };
  expect(Object.keys(files)).toEqual(expect.arrayContaining([...LEGACY_IDF_FILES]));
  for (const [file, content] of Object.entries(files)) {
    if (!withNestedSubmodule && file.includes('flasher_stub')) continue;
    await mkdir(path.dirname(path.join(idf, file)), { recursive: true });
    await writeFile(path.join(idf, file), content);
  }
  const env = cleanEnv({
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@t',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@t'
  });
  await run('git', ['init', '-q'], { cwd: idf, env });
  await run('git', ['add', '-A'], { cwd: idf, env });
  await run('git', ['-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'idf'], { cwd: idf, env });
  await run('git', ['-c', 'tag.gpgsign=false', 'tag', '-a', 'v3.3', '-m', 'v3.3'], { cwd: idf, env });
  const head = (await run('git', ['rev-parse', 'HEAD'], { cwd: idf, env })).stdout.trim();

  const bin = path.join(dir, 'xtensa-esp32-elf', 'bin');
  await mkdir(bin, { recursive: true });
  for (const tool of ['gcc', 'size']) {
    const file = path.join(bin, `xtensa-esp32-elf-${tool}`);
    await writeFile(file, `#!/bin/sh\nexec ${tool} "$@"\n`);
    await chmod(file, 0o755);
  }
  return { idf, bin, head };
}

describe('legacy port build with a stand-in ESP-IDF', () => {
  it.each(LEGACY)('%s builds firmware.bin, deploys and erases with esptool', async (shape) => {
    const dir = freshDir();
    const { idf, bin, head } = await miniLegacyIdf(path.join(dir, 'deps'));
    const tree = await createMicroPythonTree(path.join(dir, 'mp'), { shape, idfPin: head });
    const env = cleanEnv({ ESPIDF: idf, PATH: `${bin}:${BASE_PATH}` });
    expect((await make(['-C', path.join(tree.root, 'mpy-cross')], env)).code).toBe(0);

    // v1.9.4 runs the partition generator with python2, which Debian 12 lacks.
    const board = shape === 'v1.9.4' ? ['PYTHON2=python3'] : ['BOARD=TINYPICO'];
    const result = await make(['-C', path.join(tree.root, 'ports/esp32'), ...board], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('** WARNING **');
    if (shape !== 'v1.9.4') expect(result.stdout).toContain('Building with ESP IDF v3');

    const build = tree.buildDir(shape === 'v1.9.4' ? undefined : 'TINYPICO');
    for (const file of [
      'application.elf',
      'application.map',
      'application.bin',
      'bootloader.bin',
      'partitions.bin',
      'firmware.bin'
    ]) {
      expect(await exists(path.join(build, file))).toBe(true);
    }
    const firmware = await readFile(path.join(build, 'firmware.bin'));
    const partitions = await readFile(path.join(build, 'partitions.bin'));
    expect(firmware.subarray(0x8000 - 0x1000, 0x8000 - 0x1000 + partitions.length)).toEqual(partitions);
    expect(firmware[0x10000 - 0x1000]).toBe(0xe9);
    // The frozen module went through mpy-cross into the application.
    const frozen = path.join(build, 'frozen_mpy/_boot.mpy');
    expect((await readFile(frozen))[1]).toBe(SHAPES[shape].mpyVersion);
    if (shape !== 'v1.9.4') expect(await exists(path.join(build, 'frozen_mpy/tinypico.mpy'))).toBe(true);

    const deploy = await make(
      ['-C', path.join(tree.root, 'ports/esp32'), ...board, 'deploy', 'PORT=/dev/ttyS9'],
      env
    );
    expect(deploy.code).toBe(0);
    const freq = shape === 'v1.9.4' ? '40m' : '80m';
    expect(deploy.stdout).toContain(
      `esptool --chip esp32 --port /dev/ttyS9 --baud 460800 write_flash -z --flash_mode dio --flash_freq ${freq} 0x1000 ${path.relative(path.join(tree.root, 'ports/esp32'), build)}/firmware.bin`
    );
    const erase = await make(['-C', path.join(tree.root, 'ports/esp32'), ...board, 'erase'], env);
    expect(erase.stdout).toContain('esptool --chip esp32 --port /dev/ttyUSB0 --baud 460800 erase_flash');
  });

  it('reports a C error in main.c with its file and line', async () => {
    const dir = freshDir();
    const { idf, bin } = await miniLegacyIdf(path.join(dir, 'deps'));
    const tree = await createMicroPythonTree(path.join(dir, 'mp'), { shape: 'v1.14', compileError: true });
    const env = cleanEnv({ ESPIDF: idf, PATH: `${bin}:${BASE_PATH}` });
    await make(['-C', path.join(tree.root, 'mpy-cross')], env);
    const result = await make(['-C', path.join(tree.root, 'ports/esp32')], env);
    expect(result.code).not.toBe(0);
    expect(tree.errorFile).toBe(path.join(tree.root, 'ports/esp32/main.c'));
    expect(result.stderr).toMatch(new RegExp(`main\\.c:${tree.errorLine}:\\d+: error: `));
  });

  it('fails to compile when ESP-IDF nested submodules were not updated', async () => {
    const dir = freshDir();
    const { idf, bin } = await miniLegacyIdf(path.join(dir, 'deps'), false);
    const tree = await createMicroPythonTree(path.join(dir, 'mp'), { shape: 'v1.12' });
    const env = cleanEnv({ ESPIDF: idf, PATH: `${bin}:${BASE_PATH}` });
    await make(['-C', path.join(tree.root, 'mpy-cross')], env);
    const result = await make(['-C', path.join(tree.root, 'ports/esp32')], env);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/stub\.h: No such file or directory/);
  });

  it('v1.9.4 runs the partition table generator with python2, as the real one does', async () => {
    const dir = freshDir();
    const { idf, bin } = await miniLegacyIdf(path.join(dir, 'deps'));
    const tree = await createMicroPythonTree(path.join(dir, 'mp'), { shape: 'v1.9.4' });
    const env = cleanEnv({ ESPIDF: idf, PATH: `${bin}:${BASE_PATH}` });
    await make(['-C', path.join(tree.root, 'mpy-cross')], env);
    const result = await make(['-C', path.join(tree.root, 'ports/esp32')], env);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/python2: (No such file or directory|not found)/);
  });

  it('needs mpy-cross built first, as the real legacy build does', async () => {
    const dir = freshDir();
    const { idf, bin } = await miniLegacyIdf(path.join(dir, 'deps'));
    const tree = await createMicroPythonTree(path.join(dir, 'mp'), { shape: 'v1.12' });
    const result = await make(
      ['-C', path.join(tree.root, 'ports/esp32')],
      cleanEnv({ ESPIDF: idf, PATH: `${bin}:${BASE_PATH}` })
    );
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain('mpy-cross not found at');
  });
});

/** A recording idf.py, local to this test, to check what the modern Makefile asks of it. */
async function recordingIdfPy(dir: string): Promise<{ bin: string; log: string }> {
  const bin = path.join(dir, 'idf-bin');
  const log = path.join(dir, 'idf.log');
  await mkdir(bin, { recursive: true });
  const script = [
    '#!/usr/bin/env python3',
    'import os, sys',
    `open(${JSON.stringify(log)}, "a").write(" ".join(sys.argv[1:]) + "\\n")`,
    'args = sys.argv[1:]',
    'b = args[args.index("-B") + 1] if "-B" in args else "build"',
    'if args[-1] == "build":',
    '    board_dir = [a.split("=", 1)[1] for a in args if a.startswith("MICROPY_BOARD_DIR=")][0]',
    '    cmake = open(os.path.join(board_dir, "mpconfigboard.cmake")).read()',
    '    target = cmake.split("set(IDF_TARGET ")[1].split(")")[0] if "IDF_TARGET" in cmake else "esp32"',
    '    os.makedirs(b, exist_ok=True)',
    '    open(os.path.join(b, "sdkconfig"), "w").write(\'CONFIG_IDF_TARGET="%s"\\n\' % target)',
    '    for f, data in (("bootloader/bootloader.bin", b"BOOT"), ("partition_table/partition-table.bin", b"\\xaa\\x50\\x00\\x00" + (0x10000).to_bytes(4, "little") + b"\\x00" * 24), ("micropython.bin", b"\\xe9APP")):',
    '        os.makedirs(os.path.dirname(os.path.join(b, f)), exist_ok=True)',
    '        open(os.path.join(b, f), "wb").write(data)',
    ''
  ].join('\n');
  await writeFile(path.join(bin, 'idf.py'), script);
  await chmod(path.join(bin, 'idf.py'), 0o755);
  return { bin, log };
}

describe.each(MODERN)('modern port Makefile %s', (shape) => {
  const facts = SHAPES[shape];

  it('fails without idf.py on PATH (export.sh not sourced)', async () => {
    const tree = await createMicroPythonTree(freshDir(), { shape });
    const result = await make(['-C', path.join(tree.root, 'ports/esp32')], cleanEnv());
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/idf\.py: (not found|No such file or directory)/);
  });

  it('wraps idf.py like the real one, building mpy-cross and freezing modules first', async () => {
    const dir = freshDir();
    const { bin, log } = await recordingIdfPy(dir);
    const tree = await createMicroPythonTree(path.join(dir, 'mp'), { shape });
    const port = path.join(tree.root, 'ports/esp32');
    const env = cleanEnv({ PATH: `${bin}:${BASE_PATH}`, IDF_PATH: path.join(dir, 'esp-idf') });

    const board = tree.boards.find((b) => facts.targets[b] === 'esp32s3')!;
    const variant = facts.variants[board]?.[0];
    const args = ['-C', port, `BOARD=${board}`, ...(variant ? [`BOARD_VARIANT=${variant}`] : [])];
    const result = await make(args, env);
    expect(result.code).toBe(0);
    // mpy-cross was missing and MICROPY_MPYCROSS unset: built on the way, as CMake does.
    expect(await exists(path.join(tree.root, 'mpy-cross/build/mpy-cross'))).toBe(true);
    const build = tree.buildDir(board, variant);
    expect(await exists(path.join(build, 'frozen_mpy/_boot.mpy'))).toBe(true);
    expect(await exists(path.join(build, 'frozen_content.c'))).toBe(true);

    const calls = (await readFile(log, 'utf8')).trim().split('\n');
    const flags = `-D MICROPY_BOARD=${board} -D MICROPY_BOARD_DIR=${path.join(port, 'boards', board)}`;
    expect(calls[0].startsWith(flags)).toBe(true);
    expect(calls[0]).toContain(`-B ${path.relative(port, build)}`);
    expect(calls[0].endsWith(' build')).toBe(true);
    if (variant) expect(calls[0]).toContain(`-D MICROPY_BOARD_VARIANT=${variant}`);
    // makeimg.py put bootloader, partition table and app together (S3: bootloader at 0x0).
    const firmware = await readFile(path.join(build, 'firmware.bin'));
    expect(firmware.subarray(0, 4).toString()).toBe('BOOT');
    expect(firmware.subarray(0x10000, 0x10004)).toEqual(Buffer.from('\xe9APP', 'latin1'));

    for (const target of ['deploy', 'erase', 'submodules']) {
      await make([...args, target, 'PORT=/dev/ttyACM0', 'BAUD=921600'], env);
    }
    const later = (await readFile(log, 'utf8')).trim().split('\n').slice(1);
    const eraseWord = shape === 'v1.20' ? 'erase_flash' : 'erase-flash';
    expect(later.some((c) => c.endsWith('-p /dev/ttyACM0 -b 921600 flash'))).toBe(true);
    expect(later.some((c) => c.endsWith(`-p /dev/ttyACM0 -b 921600 ${eraseWord}`))).toBe(true);
    if (shape === 'v1.26.1')
      expect(later.some((c) => c.includes('-D UPDATE_SUBMODULES=1 reconfigure'))).toBe(true);
    if (shape === 'v1.24') expect(later.some((c) => c.includes('-D ECHO_SUBMODULES=1 build'))).toBe(true);
  });

  if (shape !== 'v1.20') {
    it('rejects an unknown board variant with the CMake message', async () => {
      const dir = freshDir();
      const { bin } = await recordingIdfPy(dir);
      const tree = await createMicroPythonTree(path.join(dir, 'mp'), { shape });
      const result = await make(
        ['-C', path.join(tree.root, 'ports/esp32'), 'BOARD_VARIANT=NOPE'],
        cleanEnv({ PATH: `${bin}:${BASE_PATH}` })
      );
      expect(result.code).not.toBe(0);
      expect(result.stdout).toContain('Invalid MICROPY_BOARD_VARIANT specified: NOPE');
    });
  }

  it('puts the C error at the reported line of main.c', async () => {
    const tree = await createMicroPythonTree(freshDir(), { shape, compileError: true });
    const result = await run('gcc', ['-c', '-o', '/dev/null', tree.errorFile!], { allowFailure: true });
    expect(result.stderr).toMatch(new RegExp(`main\\.c:${tree.errorLine}:\\d+: error: `));
  });
});

describe('git trees', () => {
  it.each(['v1.12', 'v1.20', 'v1.26.1'] as TreeShape[])(
    '%s is one commit with the release tag',
    async (shape) => {
      const tree = await createMicroPythonTree(freshDir(), { shape, git: true });
      const git = (...args: string[]) => run('git', args, { cwd: tree.root, env: cleanEnv() });
      expect((await git('describe', '--dirty')).stdout.trim()).toBe(SHAPES[shape].tag);
      expect((await git('cat-file', '-t', SHAPES[shape].tag)).stdout.trim()).toBe('tag');
      expect((await git('rev-list', '--count', 'HEAD')).stdout.trim()).toBe('1');
      await make(['-C', path.join(tree.root, 'mpy-cross')], cleanEnv());
      // Build products are ignored, so the tree stays clean.
      expect((await git('status', '--porcelain')).stdout).toBe('');
      const version = await run(
        path.join(
          tree.root,
          SHAPES[shape].era === 'legacy' ? 'mpy-cross/mpy-cross' : 'mpy-cross/build/mpy-cross'
        ),
        ['--version']
      );
      expect(version.stdout).toContain(`MicroPython ${SHAPES[shape].tag} on`);
    }
  );

  it('v1.20 make submodules works in a git tree and fails outside one, as the real one does', async () => {
    const inGit = await createMicroPythonTree(freshDir(), { shape: 'v1.20', git: true });
    const ok = await make(['-C', path.join(inGit.root, 'ports/esp32'), 'submodules'], cleanEnv());
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Updating submodules: lib/berkeley-db-1.xx lib/micropython-lib');
    const plain = await createMicroPythonTree(freshDir(), { shape: 'v1.20' });
    const bad = await make(['-C', path.join(plain.root, 'ports/esp32'), 'submodules'], cleanEnv());
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('not a git repository');
  });
});
