/**
 * The host flash plan: from a legacy tree's Makefile (checked against the
 * port's own `make deploy` command line) and from a CMake build's
 * flasher_args.json (checked against what `idf.py flash` passes to esptool).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FlashError, planFromFlasherArgs } from '../../src/flash/flash-args.js';
import {
  makeRule,
  makeVariables,
  parseEsptoolLine,
  planFromMakefile
} from '../../src/flash/legacy-deploy.js';
import { esptoolArgs, hostFlashLines, resetsFor, writePlan } from '../../src/flash/plan.js';
import { flashBaud, planHostWrite } from '../../src/flash/read-build.js';
import { PROJECT } from '../support/project.js';

const V112 = path.join(PROJECT, 'test', 'fixtures', 'trees', 'v1.12');
const PORT_DIR = path.join(V112, 'ports', 'esp32');
const makefile = readFileSync(path.join(PORT_DIR, 'Makefile'), 'utf8');
const makeimg = readFileSync(path.join(PORT_DIR, 'makeimg.py'), 'utf8');
const boardMk = (board: string) =>
  readFileSync(path.join(PORT_DIR, 'boards', board, 'mpconfigboard.mk'), 'utf8');

/**
 * The port's deploy recipe as make runs it, expanded here on its own: the
 * `?=` defaults, the board's `=` lines, BUILD and `$^`.
 */
function makeDeployCommand(board: string): string[] {
  const values: Record<string, string> = {};
  for (const [text, op] of [
    [boardMk(board), '='],
    [makefile, '?=']
  ] as const) {
    for (const m of text.matchAll(/^(\w+)\s*(\?=|=)\s*(.*)$/gm)) {
      if (m[2] === op && values[m[1]] === undefined) values[m[1]] = m[3].trim();
    }
  }
  const lines = makefile.split('\n');
  const at = lines.findIndex((l) => l.startsWith('deploy:'));
  const prerequisite = lines[at].split(':')[1].trim().replace('$(BUILD)', `build-${board}`);
  const recipe = lines.slice(at + 1).find((l) => l.includes('write_flash'))!;
  const expanded = recipe
    .trim()
    .replace('$(Q)$(ESPTOOL)', 'esptool.py')
    .replace(/\$\((\w+)\)/g, (_, name: string) => values[name])
    .replace('$^', prerequisite);
  return expanded.split(/\s+/);
}

describe('legacy builds: the plan is the port Makefile’s deploy line', () => {
  it.each(['GENERIC', 'TINYPICO', 'GENERIC_D2WD'])(
    '%s: the same chip, compression, mode, frequency, offset and file as make deploy',
    async (board) => {
      const plan = await planHostWrite(
        { port: '/dev/ttyUSB0', baud: 460800 },
        {
          tree: V112,
          buildDir: `ports/esp32/build-${board}`,
          buildSystem: 'make',
          chip: 'esp32',
          board,
          makeArgs: []
        },
        {},
        false
      );
      const make = makeDeployCommand(board);
      // Ours adds what esptool.py defaults to when the line says nothing: the resets and the detected size.
      const ours = esptoolArgs(plan).map((arg) => arg.replace(`${PORT_DIR}/`, ''));
      expect(ours).toEqual([
        ...make.slice(1, make.indexOf('write_flash')),
        '--before',
        'default_reset',
        '--after',
        'hard_reset',
        'write_flash',
        ...make.slice(make.indexOf('write_flash') + 1, -2),
        '--flash_size',
        'detect',
        ...make.slice(-2)
      ]);
      expect(plan.write!.flashFreq).toBe(board === 'TINYPICO' ? '80m' : '40m');
      expect(plan.write!.images).toEqual([{ name: 'firmware', offset: 0x1000, file: 'firmware.bin' }]);
      expect(plan.baud).toBe(460800);
    }
  );

  it('make arguments override the Makefile and the board', () => {
    const vars = makeVariables(makefile, boardMk('TINYPICO'), ['FLASH_MODE=qio']);
    expect(vars.get('FLASH_MODE')).toBe('qio');
    expect(vars.get('FLASH_FREQ')).toBe('80m');
    expect(vars.get('BAUD')).toBe('460800');
  });

  it('--app-only writes application.bin at makeimg.py’s OFFSET_APPLICATION', () => {
    const plan = planFromMakefile({ makefile, boardMk: '', makeimg, source: 'Makefile' }, { appOnly: true });
    expect(plan.images).toEqual([{ name: 'app', offset: 0x10000, file: 'application.bin' }]);
    expect(plan.appOnly).toBe(true);
    expect(() => planFromMakefile({ makefile, boardMk: '', source: 'Makefile' }, { appOnly: true })).toThrow(
      /OFFSET_APPLICATION.*without --app-only/
    );
  });

  it('--flash-mode and --flash-size override, and the plan says so', () => {
    const plan = planFromMakefile(
      { makefile, boardMk: '', source: 'Makefile' },
      { flashMode: 'qio', flashSize: '8MB', before: 'no_reset', after: 'no_reset' }
    );
    expect(plan).toMatchObject({ flashMode: 'qio', flashSize: '8MB', before: 'no_reset', after: 'no_reset' });
    expect(plan.notes.join('\n')).toMatch(/--flash-mode qio given \(the Makefile says dio\)/);
  });

  it('a Makefile without a deploy line cannot be flashed from the host', () => {
    expect(() => planFromMakefile({ makefile: 'BOARD ?= GENERIC\n', boardMk: '', source: 'M' })).toThrow(
      /no deploy rule.*--flasher container/
    );
  });

  it('reads rules and esptool lines', () => {
    expect(makeRule(makefile, 'erase')!.recipe[1]).toContain('erase_flash');
    expect(parseEsptoolLine(['--chip=esp32s2', 'write_flash', '-fm', 'dout', '0x0', 'a.bin'])).toEqual({
      chip: 'esp32s2',
      compress: false,
      flashMode: 'dout',
      images: [{ offset: '0x0', word: 'a.bin' }]
    });
  });

  it('the baud rate is the Makefile’s, unless given', async () => {
    const facts = {
      tree: V112,
      buildDir: 'x',
      buildSystem: 'make' as const,
      chip: 'esp32',
      board: '',
      makeArgs: []
    };
    expect(await flashBaud(undefined, facts)).toBe(460800);
    expect(await flashBaud('921600', facts)).toBe(921600);
  });
});

/** flasher_args.json as an ESP-IDF v5 build of a board writes it (flasher_args.json.in, configured). */
function flasherArgs(
  chip: string,
  boot: string,
  extra: Record<string, unknown> = {}
): Record<string, unknown> {
  return {
    write_flash_args: ['--flash_mode', 'dio', '--flash_size', '4MB', '--flash_freq', '80m'],
    flash_settings: { flash_mode: 'dio', flash_size: '4MB', flash_freq: '80m' },
    flash_files: {
      [boot]: 'bootloader/bootloader.bin',
      '0x10000': 'micropython.bin',
      '0x8000': 'partition_table/partition-table.bin'
    },
    bootloader: { offset: boot, file: 'bootloader/bootloader.bin', encrypted: 'false' },
    app: { offset: '0x10000', file: 'micropython.bin', encrypted: 'false' },
    'partition-table': { offset: '0x8000', file: 'partition_table/partition-table.bin', encrypted: 'false' },
    extra_esptool_args: { after: 'hard_reset', before: 'default_reset', stub: true, chip },
    ...extra
  };
}

/**
 * What `idf.py -p PORT -b BAUD flash` runs: esptool.py --chip CHIP -p PORT -b BAUD
 * --before=B --after=A write_flash @flash_args, where flash_args holds
 * write_flash_args and then each flash_files offset and file.
 */
function idfPyFlash(json: Record<string, unknown>, port: string, baud: number): string[] {
  const extra = json.extra_esptool_args as Record<string, string>;
  const files = Object.entries(json.flash_files as Record<string, string>).flat();
  return [
    ...['--chip', extra.chip, '-p', port, '-b', String(baud)],
    `--before=${extra.before}`,
    `--after=${extra.after}`,
    'write_flash',
    ...(json.write_flash_args as string[]),
    ...files
  ];
}

describe('CMake builds: the plan is what idf.py flash passes to esptool', () => {
  it.each([
    ['esp32', '0x1000'],
    ['esp32s3', '0x0'],
    ['esp32c3', '0x0']
  ])('%s: the same images, offsets, settings and resets', (chip, boot) => {
    const json = flasherArgs(chip, boot);
    const settings = planFromFlasherArgs(JSON.stringify(json), 'flasher_args.json', 'esp32');
    const plan = writePlan({ port: '/dev/ttyUSB0', baud: 460800 }, '/b', settings);
    const idf = parseEsptoolLine(idfPyFlash(json, '/dev/ttyUSB0', 460800));
    const ours = parseEsptoolLine(esptoolArgs(plan));
    expect({ ...ours, compress: undefined }).toEqual({
      ...idf,
      compress: undefined,
      images: [...idf.images]
        .sort((a, b) => parseInt(a.offset, 16) - parseInt(b.offset, 16))
        .map(({ offset, word }) => ({ offset, word: `/b/${word}` }))
    });
    // esptool compresses write_flash unless told not to; so do we.
    expect(ours.compress).toBe(true);
    expect(settings.chip).toBe(chip);
  });

  it('ESP-IDF v4.0 names no chip: the build’s is used', () => {
    const json = flasherArgs('esp32', '0x1000');
    delete (json.extra_esptool_args as Record<string, unknown>).chip;
    expect(planFromFlasherArgs(JSON.stringify(json), 'f', 'esp32s2').chip).toBe('esp32s2');
  });

  it('--app-only writes the "app" entry alone; overrides win over the build', () => {
    const settings = planFromFlasherArgs(JSON.stringify(flasherArgs('esp32', '0x1000')), 'f', 'esp32', {
      appOnly: true,
      flashSize: 'detect',
      after: 'no_reset'
    });
    expect(settings.images).toEqual([{ name: 'app', offset: 0x10000, file: 'micropython.bin' }]);
    expect(settings).toMatchObject({ flashSize: 'detect', after: 'no_reset', before: 'default_reset' });
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['no flash_files', JSON.stringify({ flash_settings: {} }), /no "flash_files" object/],
    ['a bad offset', JSON.stringify(flasherArgs('esp32', 'x1000')), /'x1000' is not a flash offset/],
    [
      'a file outside the build',
      JSON.stringify(flasherArgs('esp32', '0x1000', { flash_files: { '0x1000': '../../etc/passwd' } })),
      /outside the build directory/
    ],
    [
      'an encrypted image',
      JSON.stringify(
        flasherArgs('esp32', '0x1000', {
          app: { offset: '0x10000', file: 'micropython.bin', encrypted: 'true' }
        })
      ),
      /encrypted.*--flasher container/
    ],
    [
      'an unknown flash mode',
      JSON.stringify(flasherArgs('esp32', '0x1000', { flash_settings: { flash_mode: 'fast' } })),
      /flash_mode must be one of qio, qout, dio, dout, keep/
    ]
  ])('refuses %s', (_, text, message) => {
    expect(() => planFromFlasherArgs(text, 'flasher_args.json', 'esp32')).toThrow(FlashError);
    expect(() => planFromFlasherArgs(text, 'flasher_args.json', 'esp32')).toThrow(message);
  });

  it('--app-only without an "app" entry says what to do', () => {
    const json = flasherArgs('esp32', '0x1000');
    delete json.app;
    expect(() => planFromFlasherArgs(JSON.stringify(json), 'f', 'esp32', { appOnly: true })).toThrow(
      /no "app" entry.*Flash it whole/
    );
  });
});

describe('reading the build', () => {
  let tree: string;
  beforeEach(async () => {
    tree = await mkdtemp(path.join(os.tmpdir(), 'flash-args-'));
    await mkdir(path.join(tree, 'ports/esp32/build-ESP32_GENERIC'), { recursive: true });
  });
  afterEach(() => rm(tree, { recursive: true, force: true }));
  const facts = () => ({
    tree,
    buildDir: 'ports/esp32/build-ESP32_GENERIC',
    buildSystem: 'cmake' as const,
    chip: 'esp32',
    board: 'ESP32_GENERIC',
    makeArgs: []
  });

  it('after the build, no flasher_args.json means: build first', async () => {
    await expect(planHostWrite({ port: 'p', baud: 1 }, facts(), {}, true)).rejects.toThrow(
      /No flasher_args.json in .*build first/
    );
  });

  it('before the build (a dry run), the plan says where the images will be read', async () => {
    const plan = await planHostWrite({ port: '/dev/ttyUSB0', baud: 460800 }, facts(), {}, false);
    expect(plan.write).toBeUndefined();
    expect(hostFlashLines(plan).join('\n')).toMatch(
      /images: as .*flasher_args.json names them, read after the build/
    );
  });

  it('a flasher_args.json there is the plan, images with their offsets', async () => {
    await writeFile(
      path.join(tree, 'ports/esp32/build-ESP32_GENERIC/flasher_args.json'),
      JSON.stringify(flasherArgs('esp32', '0x1000'))
    );
    const plan = await planHostWrite({ port: '/dev/ttyUSB0', baud: 460800 }, facts(), {}, false);
    const text = hostFlashLines(plan).join('\n');
    expect(text).toMatch(/0x1000 +\S+bootloader\/bootloader.bin/);
    expect(text).toMatch(/0x8000 +\S+partition-table.bin/);
    expect(text).toMatch(/0x10000 +\S+micropython.bin/);
    expect(text).toContain('flash mode dio, frequency 80m, size 4MB; compressed; each image verified by MD5');
  });
});

describe('resets on a pseudo-terminal', () => {
  it('none, with a note saying why', () => {
    const resets = resetsFor({ port: '/dev/pts/4', before: 'default_reset', after: 'hard_reset' }, true);
    expect(resets).toMatchObject({ before: 'no_reset', after: 'no_reset' });
    expect(resets.note).toMatch(/pseudo-terminal, which cannot carry DTR\/RTS/);
  });
  it('a real port keeps what was chosen', () => {
    expect(resetsFor({ port: '/dev/ttyUSB0', before: 'usb_reset', after: 'no_reset' }, false)).toEqual({
      before: 'usb_reset',
      after: 'no_reset'
    });
  });
});
