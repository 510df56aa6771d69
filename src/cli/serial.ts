/**
 * The board's serial port: which one, whether this user may open it, and how
 * it reaches the container. Pure decisions over facts gathered by host.ts.
 */
import path from 'node:path';
import type { SerialAttachment } from '../pipeline/build.js';

/** What the host says about a port. */
export interface PortFacts {
  /** As the user named it (or as found). */
  path: string;
  exists: boolean;
  /** After symlinks. */
  realPath?: string;
  isCharDevice?: boolean;
  /** Major and minor device numbers. */
  major?: number;
  minor?: number;
  /** Whether the kernel lists the device in its tty class (/sys/dev/char/MAJOR:MINOR/subsystem). */
  ttyClass?: boolean;
  mode?: number;
  uid?: number;
  gid?: number;
  ownerName?: string;
  groupName?: string;
  /** access(2) for read and write, as this user. */
  accessible?: boolean;
  /** Other processes that have it open. */
  holders: { pid: number; command: string }[];
}

export interface UserFacts {
  uid: number;
  name?: string;
  /** The groups this session has. */
  groups: number[];
  /** Groups /etc/group lists the user in (they may not be in this session yet). */
  listedGroups: number[];
}

export class SerialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SerialError';
  }
}

/** rfc2217:// and socket:// ports are reached over the network: nothing to attach. */
export function isNetworkPort(port: string): boolean {
  return /^(rfc2217|socket):\/\//i.test(port);
}

function ttyNumber(name: string): number {
  return Number(/(\d+)$/.exec(name)?.[1] ?? Number.MAX_SAFE_INTEGER);
}

/** The port to use: the one given, else the first /dev/ttyUSB*, then /dev/ttyACM*. */
export function choosePort(explicit: string | undefined, devNames: readonly string[]): string | undefined {
  if (explicit) return explicit;
  for (const prefix of ['ttyUSB', 'ttyACM']) {
    const found = devNames
      .filter((name) => new RegExp(`^${prefix}\\d+$`).test(name))
      .sort((a, b) => ttyNumber(a) - ttyNumber(b));
    if (found.length) return `/dev/${found[0]}`;
  }
  return undefined;
}

/** Unix98 pseudo-terminal slaves: /dev/pts/N, major numbers 136–143. */
export function isPseudoTerminal(realPath: string, major?: number): boolean {
  return /^\/dev\/pts\/\d+$/.test(realPath) || (major !== undefined && major >= 136 && major <= 143);
}

export type PortKind = 'USB serial adapter' | 'USB modem (CDC-ACM)' | 'UART' | 'pseudo-terminal';

/**
 * What kind of serial port a device is, from its device numbers and the name
 * it really has (devices.txt: ttyUSB 188, ttyACM 166, ttyS 4 from minor 64,
 * low-density UARTs 204, pty slaves 136–143; a UART driver with a dynamic
 * major is in the kernel's tty class). Undefined for anything else: a
 * console, /dev/tty, a disk. Pure.
 */
export function portKind(
  facts: Pick<PortFacts, 'path' | 'realPath' | 'major' | 'minor' | 'ttyClass'>
): PortKind | undefined {
  const real = facts.realPath ?? facts.path;
  const { major, minor } = facts;
  if (major === undefined) return undefined;
  if (major >= 136 && major <= 143) return /^\/dev\/pts\/\d+$/.test(real) ? 'pseudo-terminal' : undefined;
  if (!/^\/dev\/tty[A-Za-z]/.test(real)) return undefined;
  if (major === 188) return 'USB serial adapter';
  if (major === 166) return 'USB modem (CDC-ACM)';
  if ((major === 4 && minor !== undefined && minor >= 64) || major === 204) return 'UART';
  // 4 below minor 64 are virtual consoles; 5 is /dev/tty, /dev/console, /dev/ptmx.
  if (major !== 4 && major !== 5 && facts.ttyClass) return 'UART';
  return undefined;
}

/** Docker Desktop (macOS, Windows) runs containers in a VM: no USB devices reach them. */
export function platformProblem(platform: NodeJS.Platform, port: string | undefined): string | undefined {
  if (platform !== 'darwin' && platform !== 'win32') return undefined;
  if (port && isNetworkPort(port)) return undefined;
  const example = platform === 'darwin' ? '/dev/cu.usbserial-0001' : 'COM3';
  return [
    `Docker on ${platform === 'darwin' ? 'macOS' : 'Windows'} cannot pass USB serial devices into a container, so the board cannot be reached from the build container.`,
    'Either:',
    `  - flash from this machine, which is the default here: leave out --flasher container (or give --flasher host) with --port ${example}, or`,
    `  - bridge the port over the network: pip install esptool && esp_rfc2217_server -p 4000 ${example}, then run this command with --port 'rfc2217://host.docker.internal:4000?ign_set_control'.`
  ].join('\n');
}

/** How to join the group that owns a port, on the common distributions. */
export function groupFix(group: string): string {
  const names =
    group === 'dialout' || group === 'uucp'
      ? ' (the serial group is dialout on Debian, Ubuntu and Fedora, uucp on Arch: sudo usermod -aG uucp $USER)'
      : '';
  return `sudo usermod -aG ${group} $USER, then log out and back in${names}`;
}

function modeString(mode: number): string {
  const bits = 'rwxrwxrwx';
  return [...bits].map((c, i) => (mode & (1 << (8 - i)) ? c : '-')).join('');
}

/** Who opens the port: the build container (given the port's group), or this process on the host. */
export type PortUser = 'container' | 'host';

/**
 * Whether the container, given the port's group, may read and write it
 * although this user may not: the group has rw, and is not root. Pure.
 */
export function groupGrants(facts: PortFacts): boolean {
  return (
    facts.mode !== undefined && (facts.mode & 0o060) === 0o060 && facts.gid !== undefined && facts.gid !== 0
  );
}

/**
 * The line that says the container opens the port with its group, when this
 * user could not open it themselves: what docker/build.sh always did, so
 * that anyone allowed to use Docker may flash. Undefined otherwise. Pure.
 */
export function groupGrantNote(facts: PortFacts, user: UserFacts, by: PortUser): string | undefined {
  if (by !== 'container' || facts.accessible !== false || !groupGrants(facts)) return undefined;
  const group = facts.groupName ?? String(facts.gid);
  const who = user.name ?? `uid ${user.uid}`;
  return `${who} is not in group ${group}: the container gets the port's group (--group-add ${facts.gid}), as the old scripts did; Docker access already allows it.`;
}

/**
 * Why the port cannot be used, with the fix; undefined when it can. Checked
 * on the host exactly as the device would refuse whoever opens it: the
 * container, which gets the port's group (never root's), or this process
 * (host flashing).
 */
export function portProblem(
  facts: PortFacts,
  user: UserFacts,
  by: PortUser = 'container'
): string | undefined {
  const forContainer = by === 'container';
  if (!facts.exists) {
    return `Serial port ${facts.path} does not exist. Is the board plugged in? (dmesg | tail shows which port an adapter gets.) Name another with --port.`;
  }
  if (facts.isCharDevice === false) {
    return `${facts.path} is not a serial port (not a character device). Name the board's port with --port, e.g. /dev/ttyUSB0.`;
  }
  if (!portKind(facts)) {
    const numbers = facts.major !== undefined ? `, device ${facts.major}:${facts.minor ?? '?'}` : '';
    return `${facts.path}${facts.realPath && facts.realPath !== facts.path ? ` (${facts.realPath})` : ''} is not a serial port${numbers}: only a USB serial adapter (/dev/ttyUSB*), a USB modem (/dev/ttyACM*), a UART (/dev/ttyS*, /dev/ttyAMA*) or a pseudo-terminal (/dev/pts/*) ${forContainer ? 'is passed to the container' : 'is written to'}. Name the board's port with --port.`;
  }
  if (forContainer && facts.gid === 0) {
    const port = facts.realPath ?? facts.path;
    return `Serial port ${facts.path} belongs to group root (GID 0), and the container is never given group root. Give the port a serial group: sudo chgrp dialout ${port} (uucp on Arch), and make it last with a udev rule, e.g. KERNEL=="${path.basename(port)}", GROUP="dialout", MODE="0660" in /etc/udev/rules.d/50-serial.rules. Or flash from this machine: --flasher host.`;
  }
  if (facts.accessible === false && !(by === 'container' && groupGrants(facts))) {
    const group = facts.groupName ?? String(facts.gid ?? '?');
    const mode =
      facts.mode !== undefined
        ? ` (${modeString(facts.mode)}, owner ${facts.ownerName ?? facts.uid}, group ${group})`
        : '';
    const who = user.name ?? `uid ${user.uid}`;
    const groupMayWrite = facts.mode !== undefined && (facts.mode & 0o060) === 0o060;
    if (groupMayWrite && facts.gid !== undefined) {
      if (user.listedGroups.includes(facts.gid) && !user.groups.includes(facts.gid)) {
        return `Cannot open ${facts.path}${mode}: ${who} was added to group ${group}, but this session started before that. Log out and back in (or run: newgrp ${group}).`;
      }
      return `Cannot open ${facts.path}${mode}: ${who} is not in group ${group}. Fix: ${groupFix(group)}.`;
    }
    return `Cannot open ${facts.path}${mode}: only its owner may read and write it. Give the group access (sudo chmod g+rw ${facts.realPath ?? facts.path}; a udev rule makes it last), or name another port with --port.`;
  }
  if (facts.holders.length) {
    const who = facts.holders.map((h) => `process ${h.pid} (${h.command})`).join(', ');
    return `Serial port ${facts.path} is busy: ${who} has it open. Close that program (a serial monitor such as screen, minicom or picocom) and try again.`;
  }
  return undefined;
}

/** The port inside the container: a device at its own name, a pty bind-mounted as /dev/ttyUSB0. */
export function serialAttachment(facts: PortFacts): SerialAttachment {
  const real = facts.realPath ?? facts.path;
  if (isPseudoTerminal(real, facts.major)) {
    return { host: real, container: '/dev/ttyUSB0', kind: 'bind', gid: facts.gid };
  }
  return { host: real, container: real, kind: 'device', gid: facts.gid };
}

/** PORT= and BAUD= for the port Makefile. */
export function serialMakeArgs(port: string, baud: string | undefined): string[] {
  return [`PORT=${port}`, ...(baud ? [`BAUD=${baud}`] : [])];
}

/** A baud rate as the options take it: bits per second. */
export const BAUD_PATTERN = /^\d{3,8}$/;

export function checkBaud(baud: string | undefined): string | undefined {
  if (baud === undefined) return undefined;
  if (!BAUD_PATTERN.test(baud))
    throw new SerialError(`--baud must be a number of bits per second such as 460800, got '${baud}'.`);
  return baud;
}

/** make goals that talk to the board: they need the port. */
const SERIAL_GOALS = new Set([
  'deploy',
  'erase',
  'monitor',
  'flash',
  'erase_flash',
  'erase-flash',
  'app-flash',
  'bootloader-flash'
]);

/** Whether `make ARGS` talks to the board. */
export function needsSerial(makeArgs: readonly string[]): boolean {
  return makeArgs.some((arg) => SERIAL_GOALS.has(arg));
}
