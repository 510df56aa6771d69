/**
 * Benchmark of host flashing: esptool-js over serialport writing a
 * firmware-sized image set to the fake ESP32 (in its own process) on a
 * pseudo-terminal, several times, compressed and verified as deploy does.
 * Two lines: the pty as fast as it goes (what the flasher itself costs), and
 * one limited to the baud rate set (460800, as deploy uses), as over a
 * USB-serial bridge. It prints medians: wall time, image bytes per second,
 * the bytes on the wire after compression, and the share of the wall time
 * this process spent on the CPU (esptool-js: deflate, MD5, SLIP) against the
 * share spent waiting for the line and the board.
 * Usage: npm run bench:flash [-- --runs N]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { planFromFlasherArgs } from '../../src/flash/flash-args.js';
import { hostFlash } from '../../src/flash/host-flasher.js';
import { writePlan } from '../../src/flash/plan.js';
import type { Log } from '../../src/ports.js';

const BAUD = 460800;
const quiet: Log = { info: () => {}, warning: () => {}, debug: () => {}, output: () => {} };

/** Images the size of a MicroPython build: the app part code-like (half random), part empty. */
function writeBuild(dir: string): { bytes: number; wire: number } {
  const images: [string, number, Buffer][] = [
    ['bootloader/bootloader.bin', 0x1000, randomBytes(26 * 1024)],
    [
      'partition_table/partition-table.bin',
      0x8000,
      Buffer.concat([randomBytes(192), Buffer.alloc(3 * 1024 - 192, 0xff)])
    ],
    ['micropython.bin', 0x10000, Buffer.concat([randomBytes(700 * 1024), Buffer.alloc(900 * 1024)])]
  ];
  for (const [name, , data] of images) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), data);
  }
  writeFileSync(
    path.join(dir, 'flasher_args.json'),
    JSON.stringify({
      flash_settings: { flash_mode: 'dio', flash_size: '4MB', flash_freq: '40m' },
      flash_files: Object.fromEntries(images.map(([name, offset]) => [`0x${offset.toString(16)}`, name])),
      extra_esptool_args: { after: 'hard_reset', before: 'default_reset', stub: true, chip: 'esp32' }
    })
  );
  return {
    bytes: images.reduce((n, [, , data]) => n + data.length, 0),
    wire: images.reduce((n, [, , data]) => n + deflateSync(data, { level: 9 }).length, 0)
  };
}

async function withBoard<T>(limited: boolean, use: (port: string) => Promise<T>): Promise<T> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fake-board.js');
  const child = spawn(process.execPath, [script, ...(limited ? ['--line-limit'] : [])], {
    stdio: ['pipe', 'pipe', 'inherit']
  });
  const port = await new Promise<string>((resolve) =>
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()))
  );
  try {
    return await use(port);
  } finally {
    child.stdin!.end();
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

async function once(buildDir: string, limited: boolean): Promise<{ wallMs: number; cpuMs: number }> {
  return withBoard(limited, async (port) => {
    const text = readFileSync(path.join(buildDir, 'flasher_args.json'), 'utf8');
    const plan = writePlan(
      { port, baud: BAUD, chip: 'esp32' },
      buildDir,
      planFromFlasherArgs(text, 'flasher_args.json', 'esp32')
    );
    const cpu = process.cpuUsage();
    const start = performance.now();
    await hostFlash(plan, { log: quiet });
    const wallMs = performance.now() - start;
    const used = process.cpuUsage(cpu);
    return { wallMs, cpuMs: (used.user + used.system) / 1000 };
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const at = process.argv.indexOf('--runs');
  const runs = at > 0 ? Number(process.argv[at + 1]) : 3;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-flash-'));
  try {
    const size = writeBuild(dir);
    console.log(
      `images: ${(size.bytes / 1024).toFixed(0)} KiB; on the wire after deflate: ${(size.wire / 1024).toFixed(0)} KiB (${((size.wire / size.bytes) * 100).toFixed(0)}%)`
    );
    console.log(
      '| line | runs | wall (s) | image KiB/s | CPU time / wall | waiting (1 − CPU/wall, at least 0) |'
    );
    console.log('|---|---|---|---|---|---|');
    for (const limited of [false, true]) {
      const samples = [];
      for (let i = 0; i < runs; i++) samples.push(await once(dir, limited));
      const wall = median(samples.map((s) => s.wallMs));
      const share = median(samples.map((s) => s.cpuMs / s.wallMs));
      console.log(
        `| ${limited ? `${BAUD} baud` : 'pty, unlimited'} | ${runs} | ${(wall / 1000).toFixed(2)} | ${(size.bytes / 1024 / (wall / 1000)).toFixed(0)} | ${(share * 100).toFixed(0)}% | ${(Math.max(0, 1 - share) * 100).toFixed(0)}% |`
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
