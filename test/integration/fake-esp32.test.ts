/**
 * The fake ESP32 ROM loader (test/support/fake-esp32.ts) against an
 * independent client, Espressif's esptool.py, on a pseudo-terminal: what the
 * client reports and what lands in the fake's flash must be what a real
 * board gives.
 *
 * Every run passes `--before no_reset --after no_reset`: a pty carries no
 * DTR/RTS, so esptool's reset sequences (which pulse them to reset the chip
 * into download mode and back) cannot reach the fake. The fake starts in
 * download mode instead, and goes back to waiting for SYNC where a real
 * loader would leave.
 */
import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Op } from '../support/esp-protocol.js';
import { startFakeEsp32, type FakeEsp32Board } from '../support/fake-esp32.js';
import { findEsptool, FAKE_STUB, runEsptool, writeFakeStub, type Esptool } from '../support/esptool.js';

const NO_RESET = ['--before', 'no_reset', '--after', 'no_reset'];

let tool: Esptool;
let work: string;
let stubDir: string;
let stubText: Buffer;
let board: FakeEsp32Board;

/** Some hundred KB that compress partly: random bytes, then a repeated pattern. */
function image(size: number): Buffer {
  const data = Buffer.concat([randomBytes(size / 2), Buffer.alloc(size - size / 2, 'MicroPython ')]);
  // Not 0xE9: esptool would take a file at 0x1000 for a bootloader image and rewrite its header.
  data[0] = 0x00;
  return data;
}

const FILES = [
  { offset: 0x1000, data: image(24 * 1024 + 6) },
  { offset: 0x8000, data: image(3 * 1024) },
  { offset: 0x10000, data: image(300 * 1024) }
];

function fileArgs(): string[] {
  return FILES.flatMap(({ offset, data }, i) => {
    const file = path.join(work, `part${i}.bin`);
    writeFileSync(file, data);
    return [`0x${offset.toString(16)}`, file];
  });
}

async function esptool(...args: string[]) {
  return runEsptool(tool, stubDir, ['--port', board.path, ...NO_RESET, ...args]);
}

function expectFilesInFlash(): void {
  for (const { offset, data } of FILES) {
    expect(board.device.readFlash(offset, data.length).equals(data)).toBe(true);
  }
}

beforeAll(() => {
  // Fails (does not skip) without esptool, with the way to install it.
  tool = findEsptool();
  work = mkdtempSync(path.join(tmpdir(), 'fake-esp32-'));
  // Bytes SLIP must escape (0xC0, 0xDB) are in there by chance; make sure.
  stubText = Buffer.concat([Buffer.from([0xc0, 0xdb, 0xdb, 0xc0]), randomBytes(9000)]);
  stubDir = writeFakeStub(path.join(work, 'stub'), stubText, randomBytes(700));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

beforeEach(async () => {
  board = await startFakeEsp32();
});

afterEach(async () => {
  await board?.stop();
});

describe('fake ESP32 loader with esptool.py', () => {
  it('is detected as an ESP32 with its MAC (read_mac, chip_id)', async () => {
    const mac = await esptool('read_mac');
    expect(mac.output).toContain('Chip is ESP32-D0WD-V3 (revision v3.0)');
    expect(mac.output).toContain('Crystal is 40MHz');
    expect(mac.output).toContain('MAC: 24:0a:c4:12:34:56');
    expect(mac.code).toBe(0);
    // esptool asks GET_SECURITY_INFO first; the ESP32 ROM does not know it.
    const security = board.device.requests.find((r) => r.op === Op.GET_SECURITY_INFO);
    expect(security).toMatchObject({ dialect: 'rom', error: 0x05 });
    // The stub was uploaded whole (the SLIP escapes survived) and greeted.
    expect(board.device.stubSegments[0]).toEqual({ address: FAKE_STUB.textStart, data: stubText });
    expect(mac.output).toContain('Stub running...');

    const chip = await esptool('--no-stub', 'chip_id');
    expect(chip.output).toContain('Detecting chip type... ESP32');
    expect(chip.code).toBe(0);
  });

  it('reports the flash ID and size it emulates (flash_id)', async () => {
    const { code, output } = await esptool('flash_id');
    expect(output).toContain('Manufacturer: ef');
    expect(output).toContain('Device: 4016');
    expect(output).toContain('Detected flash size: 4MB');
    expect(code).toBe(0);
  });

  it.each([
    ['the stub, compressed', []],
    ['the stub, uncompressed', ['-u']],
    // esptool compresses by default only through the stub.
    ['the ROM, compressed', ['--no-stub', '-z']],
    ['the ROM, uncompressed', ['--no-stub', '-u']]
  ])('takes write_flash through %s, and verify_flash passes', async (_, options) => {
    const before = board.device.readFlash(0, 0x1000);
    const noStub = options.includes('--no-stub') ? ['--no-stub'] : [];
    const compression = options.filter((o) => o === '-u' || o === '-z');
    const written = await esptool(...noStub, 'write_flash', ...compression, ...fileArgs());
    expect(written.output).toContain('Hash of data verified.');
    expect(written.code).toBe(0);
    expectFilesInFlash();
    expect(board.device.readFlash(0, 0x1000).equals(before)).toBe(true);
    const commands = new Set(board.device.requests.map((r) => `${r.dialect}:${r.name}`));
    const dialect = noStub.length ? 'rom' : 'stub';
    expect(commands).toContain(
      options.includes('-u') ? `${dialect}:FLASH_DATA` : `${dialect}:FLASH_DEFL_DATA`
    );
    expect(commands).toContain(`${dialect}:SPI_FLASH_MD5`);

    const verified = await esptool(...noStub, 'verify_flash', ...fileArgs());
    expect(verified.output).toContain('-- verify OK (digest matched)');
    expect(verified.code).toBe(0);
  });

  it('reads the flash back (read_flash, stub and ROM)', async () => {
    const data = randomBytes(20000);
    board.device.flash.set(data, 0x20000);
    const out = path.join(work, 'read.bin');
    const stub = await esptool('read_flash', '0x20000', String(data.length), out);
    expect(stub.code).toBe(0);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(out).equals(data)).toBe(true);
    const rom = await esptool('--no-stub', 'read_flash', '0x20000', '300', out);
    expect(rom.code).toBe(0);
    expect(readFileSync(out).equals(data.subarray(0, 300))).toBe(true);
  });

  it('erases the flash through the stub (erase_flash)', async () => {
    board.device.flash.fill(0x42, 0, 0x30000);
    const { code, output } = await esptool('erase_flash');
    expect(output).toContain('Chip erase completed successfully');
    expect(code).toBe(0);
    expect(board.device.flash.every((b) => b === 0xff)).toBe(true);
  });

  it('has no erase_flash in the ROM: esptool refuses it with --no-stub', async () => {
    board.device.flash.fill(0x42, 0, 0x1000);
    const { code, output } = await esptool('--no-stub', 'erase_flash');
    expect(output).toContain('ESP32 ROM does not support function erase_flash.');
    expect(code).not.toBe(0);
    expect(board.device.readFlash(0, 0x1000).every((b) => b === 0x42)).toBe(true);
  });

  it.each([
    ['the stub, compressed', []],
    ['the ROM, uncompressed', ['--no-stub', '-u']]
  ])('has a corrupted block caught by the MD5 check (%s)', async (_, options) => {
    board.device.corruptNextWrite();
    const args = options.includes('--no-stub') ? ['--no-stub', 'write_flash', '-u'] : ['write_flash'];
    const { code, output } = await esptool(...args, ...fileArgs());
    expect(output).toContain('MD5 of file does not match data in flash!');
    expect(code).not.toBe(0);
    const [first] = FILES;
    const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
    expect(md5(board.device.readFlash(first.offset, first.data.length))).not.toBe(md5(first.data));
  });

  it('gives esptool "Failed to connect" for a board that does not answer SYNC', async () => {
    board.device.answerSync = false;
    const { code, output } = await esptool('--connect-attempts', '2', 'read_mac');
    expect(output).toContain('Failed to connect to Espressif device: No serial data received.');
    expect(code).not.toBe(0);
    expect(board.device.requests.every((r) => r.ignored)).toBe(true);
  });
});
