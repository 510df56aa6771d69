/**
 * The board's port on macOS and Windows, where there is no /dev/ttyUSB* to
 * look for: the ports the optional `serialport` package lists, and of those
 * the one behind a USB serial bridge that ESP32 boards carry.
 */
import { callOutName, missingPackageMessage } from '../flash/decisions.js';
import type { Log } from '../ports.js';
import type { Platform } from './flasher.js';

/** A port as `SerialPort.list()` gives it. */
export interface ListedPort {
  path: string;
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
}

/** The USB serial bridges of ESP32 boards, by USB vendor and product ID (lower-case hex). */
export const BOARD_BRIDGES: readonly { vid: string; pid: string; name: string }[] = [
  { vid: '10c4', pid: 'ea60', name: 'CP210x' },
  { vid: '1a86', pid: '7523', name: 'CH340' },
  { vid: '1a86', pid: '55d4', name: 'CH9102' },
  { vid: '0403', pid: '6001', name: 'FTDI FT232R' },
  { vid: '0403', pid: '6010', name: 'FTDI FT2232' },
  { vid: '0403', pid: '6015', name: 'FTDI FT-X' },
  { vid: '303a', pid: '1001', name: 'Espressif USB-JTAG/serial' }
];

/** The bridge a port is behind, if one of {@link BOARD_BRIDGES}. Pure. */
export function bridgeOf(port: ListedPort): string | undefined {
  const vid = port.vendorId?.toLowerCase();
  const pid = port.productId?.toLowerCase();
  return BOARD_BRIDGES.find((b) => b.vid === vid && b.pid === pid)?.name;
}

function comNumber(path: string): number {
  return Number(/^COM(\d+)$/i.exec(path)?.[1] ?? Number.MAX_SAFE_INTEGER);
}

export interface ListedChoice {
  /** The port to use, when exactly one board is plugged in. */
  port?: string;
  /** What the log says: which bridge, or why none was chosen. */
  note: string;
}

/**
 * The board's port among those listed: the one behind a known bridge; with
 * several, none (the user names one), since flashing the wrong board is
 * worse than asking. Pure.
 */
export function chooseListedPort(ports: readonly ListedPort[], platform: Platform): ListedChoice {
  const boards = ports
    .map((port) => ({ path: callOutName(port.path, platform), bridge: bridgeOf(port) }))
    .filter((port): port is { path: string; bridge: string } => port.bridge !== undefined)
    .sort((a, b) => comNumber(a.path) - comNumber(b.path) || a.path.localeCompare(b.path));
  const names = [...new Set(boards.map((b) => b.path))];
  if (names.length === 1) {
    return { port: names[0], note: `Found a board on ${names[0]} (${boards[0].bridge})` };
  }
  if (names.length > 1) {
    return { note: `Several boards are plugged in (${names.join(', ')}): name one with --port.` };
  }
  const listed = ports.map((port) => callOutName(port.path, platform));
  return {
    note: listed.length
      ? `No port is behind a USB serial bridge of an ESP32 board (listed: ${listed.join(', ')}): name the board's with --port.`
      : 'No serial port is listed: plug the board in (and install its USB serial driver), or name its port with --port.'
  };
}

interface SerialportLister {
  SerialPort: { list(): Promise<ListedPort[]> };
}

/** The ports this machine lists, through the optional `serialport` package, loaded only here. */
export async function listPorts(
  load: () => Promise<SerialportLister> = () =>
    import(/* webpackIgnore: true */ 'serialport' as string) as Promise<SerialportLister>
): Promise<ListedPort[]> {
  let serialport: SerialportLister;
  try {
    serialport = await load();
  } catch (error) {
    throw new Error(missingPackageMessage('serialport', error as Error));
  }
  return serialport.SerialPort.list();
}

/**
 * The board's port when none is given, on macOS and Windows: the one
 * {@link chooseListedPort} picks, the log saying which or why none. A
 * listing that fails is said and leaves the port to --port.
 */
export async function listedBoardPort(
  platform: Platform,
  log: Pick<Log, 'info' | 'warning'>,
  list: () => Promise<ListedPort[]> = listPorts
): Promise<string | undefined> {
  let ports: ListedPort[];
  try {
    ports = await list();
  } catch (error) {
    log.warning(`Could not list the serial ports: ${(error as Error).message}`);
    return undefined;
  }
  const choice = chooseListedPort(ports, platform);
  if (choice.port) log.info(choice.note);
  else log.warning(choice.note);
  return choice.port;
}
