/**
 * Host flashing: the plan executed from this process with esptool-js over
 * the `serialport` package, no container. Both packages are optional
 * dependencies, loaded here only when host flashing runs. The serial port's
 * path is all it needs, so a pseudo-terminal (a fake ROM loader) works.
 */
import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Log } from '../ports.js';
import {
  chipProblem,
  isListedPort,
  md5Message,
  missingPackageMessage,
  noSyncMessage,
  openProblem
} from './decisions.js';
import { FlashError, type FlashImage } from './flash-args.js';
import { resetsFor, type HostFlashPlan } from './plan.js';
import { isRfc2217Url } from './rfc2217.js';
import { Rfc2217SerialPort } from './rfc2217-serial-port.js';
import { WebSerialPort, type NodePortFactory, type NodeSerialPort, type PortInfo } from './web-serial.js';

/** What is used of esptool-js (0.7): structural, so it stays optional and can be replaced in tests. */
export interface Loader {
  chip: { CHIP_NAME: string };
  main(mode: string): Promise<string>;
  writeFlash(options: {
    fileArray: { data: Uint8Array; address: number }[];
    flashMode: string;
    flashFreq: string;
    flashSize: string;
    eraseAll: boolean;
    compress: boolean;
    reportProgress?: (fileIndex: number, written: number, total: number) => void;
    calculateMD5Hash?: (image: Uint8Array) => string;
  }): Promise<void>;
  eraseFlash(): Promise<unknown>;
  after(mode: string): Promise<void>;
}
export interface Transport {
  disconnect(): Promise<void>;
  trace?: (message: string) => void;
}
export interface EsptoolModule {
  Transport: new (device: WebSerialPort, tracing?: boolean) => Transport;
  ESPLoader: new (options: {
    transport: Transport;
    baudrate: number;
    romBaudrate?: number;
    terminal?: { clean(): void; writeLine(data: string): void; write(data: string): void };
  }) => Loader;
}
export interface SerialportModule {
  SerialPort: (new (options: {
    path: string;
    baudRate: number;
    autoOpen: false;
    hupcl?: boolean;
  }) => NodeSerialPort) & {
    list(): Promise<{ path: string; vendorId?: string; productId?: string }[]>;
  };
}

export interface FlashProgress {
  image: string;
  /** Bytes sent (compressed) and their total. */
  written: number;
  total: number;
}

export interface HostFlashEnv {
  log: Log;
  onProgress?: (progress: FlashProgress) => void;
  signal?: AbortSignal;
  /** Processes holding a port (Linux), to name who keeps it busy. */
  holders?: (port: string) => { pid: number; command: string }[];
  /** Whether the port is a pseudo-terminal; by default from its device. */
  isPty?: (port: string) => Promise<boolean>;
  /** Replaced in tests; by default the optional packages. */
  loadEsptool?: () => Promise<EsptoolModule>;
  loadSerialport?: () => Promise<SerialportModule>;
}

export interface HostFlashResult {
  chip: string;
  written: { name: string; offset: number; file: string; bytes: number }[];
}

async function load<T>(name: string, loader: () => Promise<T>): Promise<T> {
  try {
    return await loader();
  } catch (error) {
    throw new FlashError(missingPackageMessage(name, error as Error));
  }
}

/** Whether a port is a Unix98 pseudo-terminal (/dev/pts/N, majors 136–143). */
export async function isPseudoTerminalPath(port: string): Promise<boolean> {
  if (process.platform === 'win32') return false;
  try {
    const real = await realpath(port);
    if (/^\/dev\/pts\/\d+$/.test(real)) return true;
    const major = ((await stat(real)).rdev >> 8) & 0xfff;
    return process.platform === 'linux' && major >= 136 && major <= 143;
  } catch {
    return false;
  }
}

/** The USB vendor and product of a port, when serialport lists it (esptool-js picks its reset from them). */
async function usbInfo(serialport: SerialportModule, port: string): Promise<PortInfo> {
  try {
    const real = await realpath(port).catch(() => port);
    const found = (await serialport.SerialPort.list()).find(
      (p) => p.path === real || isListedPort(p.path, port, process.platform)
    );
    const number = (text?: string) =>
      text && /^[0-9a-f]+$/i.test(text) ? Number.parseInt(text, 16) : undefined;
    return { usbVendorId: number(found?.vendorId), usbProductId: number(found?.productId) };
  } catch {
    return {};
  }
}

/** esptool-js's lines into the log (shown with the phase's output). */
function loaderTerminal(log: Log) {
  let partial = '';
  const line = (text: string) => {
    const full = (partial + text).trim();
    partial = '';
    if (!full) return;
    // Its banner and per-block lines say nothing the progress does not.
    if (/^(Writing at 0x|esptool\.js$|Serial port\b)/.test(full)) log.debug(full);
    else log.output(full);
  };
  return {
    clean: () => {},
    write: (data: string) => {
      partial += data;
    },
    writeLine: line
  };
}

async function readImages(plan: HostFlashPlan): Promise<{ image: FlashImage; data: Uint8Array }[]> {
  if (!plan.write || !plan.buildDir) throw new FlashError('Nothing to write: the plan names no image.');
  const buildDir = plan.buildDir;
  return Promise.all(
    plan.write.images.map(async (image) => {
      const file = path.join(buildDir, image.file);
      try {
        return { image, data: new Uint8Array(await readFile(file)) };
      } catch {
        throw new FlashError(
          `${plan.write!.source} names ${image.file}, which is not in ${buildDir}. Build again (esp32-build build).`
        );
      }
    })
  );
}

/** Executes a host flash plan: connect, check the chip, write (or erase), reset. */
export async function hostFlash(plan: HostFlashPlan, env: HostFlashEnv): Promise<HostFlashResult> {
  const images = plan.kind === 'write' ? await readImages(plan) : [];
  // Named without their types (`as string`), so that type checking needs neither optional package.
  const esptool = await load(
    'esptool-js',
    env.loadEsptool ?? (() => import(/* webpackIgnore: true */ 'esptool-js' as string))
  );
  const network = isRfc2217Url(plan.port);
  // A port over the network needs no native serial binding.
  const serialport = network
    ? undefined
    : await load(
        'serialport',
        env.loadSerialport ?? (() => import(/* webpackIgnore: true */ 'serialport' as string))
      );
  const pty = network ? false : await (env.isPty ?? isPseudoTerminalPath)(plan.port);
  const resets = resetsFor(plan, pty);
  if (resets.note) env.log.info(resets.note);

  const factory: NodePortFactory = ({ path: portPath, baudRate }) =>
    network
      ? new Rfc2217SerialPort(portPath, baudRate)
      : new serialport!.SerialPort({ path: portPath, baudRate, autoOpen: false });
  const device = new WebSerialPort(
    plan.port,
    factory,
    serialport ? await usbInfo(serialport, plan.port) : {}
  );
  const transport = new esptool.Transport(device, false);
  // Its trace goes to console.log (stdout, where results go) even untraced, as when the port closes.
  transport.trace = (message: string) => env.log.debug(`esptool-js: ${message}`);
  const loader = new esptool.ESPLoader({
    transport,
    baudrate: plan.baud,
    romBaudrate: plan.romBaud,
    terminal: loaderTerminal(env.log)
  });
  const stop = () => void device.close().catch(() => {});
  env.signal?.addEventListener('abort', stop, { once: true });
  try {
    await connect(loader, plan, resets.before, pty, env);
    const chip = loader.chip.CHIP_NAME;
    const problem = chipProblem(plan.chip, chip, plan.port);
    if (problem) throw new FlashError(problem);
    env.log.info(`Connected to an ${chip} on ${plan.port}`);
    const written = plan.kind === 'write' ? await writeImages(loader, plan, images, env) : [];
    if (plan.kind === 'erase') await loader.eraseFlash();
    if (resets.after === 'hard_reset') await loader.after('hard_reset');
    else env.log.info('Left the board in its bootloader (--after no_reset)');
    return { chip, written };
  } finally {
    env.signal?.removeEventListener('abort', stop);
    await transport.disconnect().catch(() => device.close().catch(() => {}));
  }
}

async function connect(
  loader: Loader,
  plan: HostFlashPlan,
  before: HostFlashPlan['before'],
  pty: boolean,
  env: HostFlashEnv
): Promise<void> {
  try {
    await loader.main(before);
  } catch (error) {
    if (env.signal?.aborted) throw error;
    const message = (error as Error).message ?? String(error);
    const holders = /lock|busy|unavailable|access denied/i.test(message)
      ? (env.holders?.(plan.port) ?? [])
      : [];
    const opening = openProblem(message, plan.port, holders);
    if (opening) throw new FlashError(opening);
    if (/failed to connect/i.test(message)) throw new FlashError(noSyncMessage(plan.port, before, pty));
    throw error;
  }
}

async function writeImages(
  loader: Loader,
  plan: HostFlashPlan,
  images: { image: FlashImage; data: Uint8Array }[],
  env: HostFlashEnv
): Promise<HostFlashResult['written']> {
  const settings = plan.write!;
  let current = 0;
  try {
    await loader.writeFlash({
      fileArray: images.map(({ image, data }) => ({ data, address: image.offset })),
      flashMode: settings.flashMode,
      flashFreq: loaderFlashFreq(settings.flashFreq),
      flashSize: settings.flashSize,
      eraseAll: false,
      compress: settings.compress,
      reportProgress: (index, written, total) => {
        current = index;
        env.onProgress?.({ image: images[index].image.file, written, total });
      },
      calculateMD5Hash: (data) => createHash('md5').update(data).digest('hex')
    });
  } catch (error) {
    if (/md5/i.test((error as Error).message ?? '')) {
      throw new FlashError(md5Message(images[current].image, plan.port));
    }
    throw error;
  }
  return images.map(({ image, data }) => ({ ...image, bytes: data.length }));
}

/**
 * esptool-js rewrites a bootloader header's frequency only for 20m, 26m,
 * 40m and 80m; any other it would write as garbage. The build put its
 * frequency in the header already (elf2image was given the same value), so
 * keeping it writes what esptool would.
 */
export function loaderFlashFreq(freq: string): string {
  return ['20m', '26m', '40m', '80m', 'keep'].includes(freq) ? freq : 'keep';
}
