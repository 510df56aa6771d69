/**
 * Host flashing end to end below the CLI: esptool-js over serialport, as the
 * CLI runs them, writing to the fake ESP32 ROM loader on a pseudo-terminal
 * (and through an RFC 2217 server in front of it). The fake's flash must hold
 * each image at its offset afterwards; erase must clear it; a block the
 * board corrupts must fail the MD5 check; a board that does not answer the
 * sync must say which reset to try. A pty carries no DTR/RTS, so no reset is
 * done (the plan says so); the fake waits in its bootloader from the start.
 */
import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { planFromFlasherArgs } from '../../src/flash/flash-args.js';
import { hostFlash } from '../../src/flash/host-flasher.js';
import { ROM_BAUD, writePlan, type HostFlashPlan } from '../../src/flash/plan.js';
import type { Log } from '../../src/ports.js';
import { startFakeEsp32, type FakeEsp32Board } from '../support/fake-esp32.js';
import { startRfc2217Server } from '../support/rfc2217.js';

jest.setTimeout(120_000);

const lines: string[] = [];
const log: Log = {
  info: (m) => lines.push(m),
  warning: (m) => lines.push(m),
  debug: () => undefined,
  output: (m) => lines.push(m)
};

let dir: string;
let board: FakeEsp32Board;
const images = {
  'bootloader/bootloader.bin': { offset: 0x1000, data: randomBytes(24 * 1024) },
  'partition_table/partition-table.bin': { offset: 0x8000, data: randomBytes(3 * 1024) },
  // Half random, half zeros: the compressed stream is much shorter than the image.
  'micropython.bin': {
    offset: 0x10000,
    data: Buffer.concat([randomBytes(96 * 1024), Buffer.alloc(160 * 1024)])
  }
};

/** A CMake build directory as ESP-IDF leaves it: the images and flasher_args.json. */
function writeBuild(): string {
  const build = path.join(dir, 'build-ESP32_GENERIC');
  for (const [name, { data }] of Object.entries(images)) {
    mkdirSync(path.dirname(path.join(build, name)), { recursive: true });
    writeFileSync(path.join(build, name), data);
  }
  const files = Object.fromEntries(
    Object.entries(images).map(([name, { offset }]) => [`0x${offset.toString(16)}`, name])
  );
  writeFileSync(
    path.join(build, 'flasher_args.json'),
    JSON.stringify({
      write_flash_args: ['--flash_mode', 'dio', '--flash_size', '4MB', '--flash_freq', '40m'],
      flash_settings: { flash_mode: 'dio', flash_size: '4MB', flash_freq: '40m' },
      flash_files: files,
      extra_esptool_args: { after: 'hard_reset', before: 'default_reset', stub: true, chip: 'esp32' }
    })
  );
  return build;
}

function planFor(port: string): HostFlashPlan {
  const build = writeBuild();
  const text = readFileSync(path.join(build, 'flasher_args.json'), 'utf8');
  return writePlan(
    { port, baud: ROM_BAUD, chip: 'esp32' },
    build,
    planFromFlasherArgs(text, 'flasher_args.json', 'esp32')
  );
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'host-flash-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
beforeEach(async () => {
  lines.length = 0;
  board = await startFakeEsp32({});
});
afterEach(() => board?.stop());

describe('host flashing to the fake ESP32 on a pty', () => {
  it('writes every image at its offset, compressed, verified by MD5', async () => {
    const result = await hostFlash(planFor(board.path), { log });
    expect(result.chip).toBe('ESP32');
    for (const { offset, data } of Object.values(images)) {
      expect(board.device.readFlash(offset, data.length).equals(data)).toBe(true);
    }
    expect(lines.join('\n')).toContain('cannot carry DTR/RTS: no reset before or after');
    const commands = board.device.requests.map((r) => r.name);
    expect(commands).toContain('FLASH_DEFL_DATA');
    expect(commands).toContain('SPI_FLASH_MD5');
  });

  it('erases the flash', async () => {
    board.device.flash.fill(0x5a, 0, 0x20000);
    await hostFlash(
      {
        kind: 'erase',
        port: board.path,
        baud: ROM_BAUD,
        romBaud: ROM_BAUD,
        before: 'default_reset',
        after: 'hard_reset'
      },
      { log }
    );
    expect(board.device.readFlash(0, 0x20000).every((b) => b === 0xff)).toBe(true);
  });

  it('a block the board corrupts fails the MD5 check, naming the image', async () => {
    board.device.corruptNextWrite();
    await expect(hostFlash(planFor(board.path), { log })).rejects.toThrow(/MD5/);
  });

  it('a board that does not answer the sync: which reset to try', async () => {
    board.device.answerSync = false;
    await expect(hostFlash(planFor(board.path), { log })).rejects.toThrow(/did not answer|hold BOOT/i);
  });
});

describe('host flashing through an RFC 2217 server in front of the fake ESP32', () => {
  it('writes every image at its offset, the resets sent over the network', async () => {
    const server = await startRfc2217Server(board.path);
    try {
      const result = await hostFlash(planFor(server.url), { log });
      expect(result.chip).toBe('ESP32');
      for (const { offset, data } of Object.values(images)) {
        expect(board.device.readFlash(offset, data.length).equals(data)).toBe(true);
      }
      expect(lines.join('\n')).not.toContain('cannot carry DTR/RTS');
    } finally {
      await server.close();
    }
  });

  it('an RFC 2217 server that is not there: says how to start one', async () => {
    await expect(hostFlash(planFor('rfc2217://127.0.0.1:9'), { log })).rejects.toThrow(
      /Could not reach the RFC 2217 server rfc2217:\/\/127\.0\.0\.1:9: ECONNREFUSED/
    );
  });
});
