/**
 * The host flasher's decisions with esptool-js and serialport replaced at
 * the module boundary: the reset on a pseudo-terminal, the chip check, what
 * a failure says. No hardware.
 */
import { jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HostFlashPlan } from '../../src/flash/plan.js';
import type { Log } from '../../src/ports.js';

interface Behaviour {
  chip: string;
  mainError?: Error;
  writeError?: Error;
  failAtImage?: number;
}
const behaviour: Behaviour = { chip: 'ESP32' };
const calls: { main: string[]; after: string[]; erase: number; writes: unknown[]; closed: number } = {
  main: [],
  after: [],
  erase: 0,
  writes: [],
  closed: 0
};

class FakeTransport {
  constructor(readonly device: { close(): Promise<void> }) {}
  async disconnect() {
    calls.closed++;
    await this.device.close();
  }
}
class FakeLoader {
  chip = { CHIP_NAME: behaviour.chip };
  constructor(readonly options: { baudrate: number; romBaudrate: number }) {}
  async main(mode: string) {
    calls.main.push(mode);
    if (behaviour.mainError) throw behaviour.mainError;
    return behaviour.chip;
  }
  async writeFlash(options: {
    fileArray: { data: Uint8Array; address: number }[];
    flashFreq: string;
    reportProgress: (i: number, w: number, t: number) => void;
    calculateMD5Hash: (d: Uint8Array) => string;
  }) {
    calls.writes.push({
      ...options,
      md5: options.fileArray.map((f) => options.calculateMD5Hash(f.data))
    });
    for (let i = 0; i < options.fileArray.length; i++) {
      options.reportProgress(i, 0, 10);
      if (behaviour.failAtImage === i) throw behaviour.writeError;
      options.reportProgress(i, 10, 10);
    }
  }
  async eraseFlash() {
    calls.erase++;
  }
  async after(mode: string) {
    calls.after.push(mode);
  }
}
class FakeSerialPort {
  static async list() {
    return [{ path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60' }];
  }
  constructor(readonly options: unknown) {}
  open(cb: (e?: Error | null) => void) {
    cb(null);
  }
  close(cb: (e?: Error | null) => void) {
    cb(null);
  }
  on() {}
  removeAllListeners() {}
}

jest.unstable_mockModule('esptool-js', () => ({ Transport: FakeTransport, ESPLoader: FakeLoader }));
jest.unstable_mockModule('serialport', () => ({ SerialPort: FakeSerialPort }));
const { hostFlash, loaderFlashFreq } = await import('../../src/flash/host-flasher.js');

function recordingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const push = (line: string) => lines.push(line);
  return { lines, info: push, warning: push, debug: () => {}, output: push };
}

let buildDir: string;
beforeEach(async () => {
  Object.assign(behaviour, {
    chip: 'ESP32',
    mainError: undefined,
    writeError: undefined,
    failAtImage: undefined
  });
  Object.assign(calls, { main: [], after: [], erase: 0, writes: [], closed: 0 });
  buildDir = await mkdtemp(path.join(os.tmpdir(), 'host-flasher-'));
  await writeFile(path.join(buildDir, 'bootloader.bin'), Buffer.from('boot'));
  await writeFile(path.join(buildDir, 'micropython.bin'), Buffer.from('app!'));
});
afterEach(() => rm(buildDir, { recursive: true, force: true }));

function plan(overrides: Partial<HostFlashPlan> = {}): HostFlashPlan {
  return {
    kind: 'write',
    port: '/dev/ttyUSB0',
    baud: 460800,
    romBaud: 115200,
    chip: 'esp32',
    before: 'default_reset',
    after: 'hard_reset',
    buildDir,
    write: {
      chip: 'esp32',
      source: 'flasher_args.json',
      images: [
        { name: 'bootloader', offset: 0x1000, file: 'bootloader.bin' },
        { name: 'app', offset: 0x10000, file: 'micropython.bin' }
      ],
      flashMode: 'dio',
      flashFreq: '60m',
      flashSize: '4MB',
      before: 'default_reset',
      after: 'hard_reset',
      compress: true,
      verify: 'md5',
      appOnly: false,
      notes: []
    },
    ...overrides
  };
}

const notPty = async () => false;
const pty = async () => true;

describe('hostFlash', () => {
  it('writes every image at its offset, compressed, with MD5, then resets the board', async () => {
    const progress: unknown[] = [];
    const log = recordingLog();
    const result = await hostFlash(plan(), { log, isPty: notPty, onProgress: (p) => progress.push(p) });
    expect(calls.main).toEqual(['default_reset']);
    const write = calls.writes[0] as Record<string, unknown>;
    expect((write.fileArray as { address: number }[]).map((f) => f.address)).toEqual([0x1000, 0x10000]);
    expect(write).toMatchObject({ compress: true, eraseAll: false, flashMode: 'dio', flashSize: '4MB' });
    // esptool-js would garble 60m in the bootloader header: the build's header keeps it.
    expect(write.flashFreq).toBe('keep');
    expect(write.md5).toEqual(['boot', 'app!'].map((text) => createHash('md5').update(text).digest('hex')));
    expect(calls.after).toEqual(['hard_reset']);
    expect(calls.closed).toBe(1);
    expect(result).toEqual({
      chip: 'ESP32',
      written: [
        { name: 'bootloader', offset: 0x1000, file: 'bootloader.bin', bytes: 4 },
        { name: 'app', offset: 0x10000, file: 'micropython.bin', bytes: 4 }
      ]
    });
    expect(progress).toContainEqual({ image: 'micropython.bin', written: 10, total: 10 });
  });

  it('on a pseudo-terminal: no reset before or after, and a note says why', async () => {
    const log = recordingLog();
    await hostFlash(plan({ port: '/dev/pts/7' }), { log, isPty: pty });
    expect(calls.main).toEqual(['no_reset']);
    expect(calls.after).toEqual([]);
    expect(log.lines.join('\n')).toMatch(/\/dev\/pts\/7 is a pseudo-terminal, which cannot carry DTR\/RTS/);
  });

  it('a board of another chip is refused before anything is written', async () => {
    behaviour.chip = 'ESP32-S3';
    await expect(hostFlash(plan(), { log: recordingLog(), isPty: notPty })).rejects.toThrow(
      /The board on \/dev\/ttyUSB0 is an ESP32-S3, but the firmware was built for esp32/
    );
    expect(calls.writes).toHaveLength(0);
    expect(calls.closed).toBe(1);
  });

  it('a board that does not answer the sync: what to try', async () => {
    behaviour.mainError = new Error('Failed to connect with the device');
    await expect(hostFlash(plan(), { log: recordingLog(), isPty: notPty })).rejects.toThrow(
      /did not answer the sync.*Hold BOOT and press EN\/RESET.*--before usb_reset/
    );
  });

  it('a busy port names the process holding it', async () => {
    behaviour.mainError = new Error('Error Resource temporarily unavailable Cannot lock port');
    await expect(
      hostFlash(plan(), {
        log: recordingLog(),
        isPty: notPty,
        holders: () => [{ pid: 4242, command: 'picocom' }]
      })
    ).rejects.toThrow(/\/dev\/ttyUSB0 is busy: process 4242 \(picocom\) has it open/);
  });

  it('a missing port says to plug the board in or name another', async () => {
    behaviour.mainError = new Error('Error: No such file or directory, cannot open /dev/ttyUSB0');
    await expect(hostFlash(plan(), { log: recordingLog(), isPty: notPty })).rejects.toThrow(
      /Serial port \/dev\/ttyUSB0 does not exist.*--port/
    );
  });

  it('an MD5 mismatch names the image and its offset', async () => {
    behaviour.failAtImage = 1;
    behaviour.writeError = new Error('MD5 of file does not match data in flash!');
    await expect(hostFlash(plan(), { log: recordingLog(), isPty: notPty })).rejects.toThrow(
      /Verification failed: the flash at 0x10000 does not hold micropython.bin \(app\)/
    );
    expect(calls.closed).toBe(1);
  });

  it('an image the plan names but the build lacks: build again', async () => {
    await rm(path.join(buildDir, 'micropython.bin'));
    await expect(hostFlash(plan(), { log: recordingLog(), isPty: notPty })).rejects.toThrow(
      /flasher_args.json names micropython.bin, which is not in .*Build again/
    );
    expect(calls.main).toEqual([]);
  });

  it('erase: the whole flash, any chip', async () => {
    behaviour.chip = 'ESP32-C3';
    const erase: HostFlashPlan = { ...plan(), kind: 'erase', chip: undefined, write: undefined };
    const result = await hostFlash(erase, { log: recordingLog(), isPty: notPty });
    expect(calls.erase).toBe(1);
    expect(result).toEqual({ chip: 'ESP32-C3', written: [] });
  });

  it('--after no_reset leaves the board in its bootloader', async () => {
    const log = recordingLog();
    await hostFlash(plan({ after: 'no_reset' }), { log, isPty: notPty });
    expect(calls.after).toEqual([]);
    expect(log.lines).toContain('Left the board in its bootloader (--after no_reset)');
  });

  it('without the optional packages: how to install them', async () => {
    await expect(
      hostFlash(plan(), {
        log: recordingLog(),
        isPty: notPty,
        loadEsptool: () => Promise.reject(new Error("Cannot find package 'esptool-js'"))
      })
    ).rejects.toThrow(/needs the optional package esptool-js.*npm ci.*--flasher container/);
  });
});

describe('loaderFlashFreq', () => {
  it('passes what esptool-js can write into a header, keeps the rest', () => {
    expect(['20m', '26m', '40m', '80m', 'keep', '60m', '48m'].map(loaderFlashFreq)).toEqual([
      '20m',
      '26m',
      '40m',
      '80m',
      'keep',
      'keep',
      'keep'
    ]);
  });
});

describe('isPseudoTerminalPath', () => {
  it('knows a pty from its device, and a file is none', async () => {
    const { spawn } = await import('node:child_process');
    const { isPseudoTerminalPath } = await import('../../src/flash/host-flasher.js');
    const holder = spawn('python3', [
      '-c',
      'import os,time; m,s=os.openpty(); print(os.ttyname(s), flush=True); time.sleep(30)'
    ]);
    try {
      const name = await new Promise<string>((resolve, reject) => {
        holder.stdout.once('data', (data: Buffer) => resolve(data.toString().trim()));
        holder.once('error', reject);
      });
      expect(name).toMatch(/^\/dev\/pts\/\d+$/);
      expect(await isPseudoTerminalPath(name)).toBe(true);
      expect(await isPseudoTerminalPath('/dev/null')).toBe(false);
      expect(await isPseudoTerminalPath('/dev/ttyUSB-none')).toBe(false);
    } finally {
      holder.kill();
    }
  });
});
