/**
 * Facts about this machine, gathered for the pure decisions in serial.ts and
 * doctor.ts: devices, groups, processes. Linux paths (/proc, /etc/group);
 * elsewhere the answers are simply empty.
 */
import { constants, existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { access, lstat, realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PortFacts, UserFacts } from './serial.js';

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** /etc/group, parsed. Pure. */
export function parseEtcGroup(text: string): GroupEntry[] {
  const groups: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [name, , gid, members = ''] = line.split(':');
    if (!name || !/^\d+$/.test(gid ?? '')) continue;
    groups.push({
      name,
      gid: Number(gid),
      members: members
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean)
    });
  }
  return groups;
}

/** /etc/passwd: uid → name. Pure. */
export function parseEtcPasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name && /^\d+$/.test(uid ?? '')) users.set(Number(uid), name);
  }
  return users;
}

function readOr(file: string, fallback = ''): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

export function groups(): GroupEntry[] {
  return parseEtcGroup(readOr('/etc/group'));
}

export function users(): Map<number, string> {
  return parseEtcPasswd(readOr('/etc/passwd'));
}

export function currentUser(): UserFacts {
  const uid = process.getuid?.() ?? 0;
  let name: string | undefined = users().get(uid);
  if (!name) {
    try {
      name = os.userInfo().username;
    } catch {
      name = undefined;
    }
  }
  const own = process.getgroups?.() ?? [];
  const primary = process.getgid?.();
  const session = primary !== undefined && !own.includes(primary) ? [primary, ...own] : own;
  const listed = name
    ? groups()
        .filter((g) => g.members.includes(name!))
        .map((g) => g.gid)
    : [];
  return { uid, name, groups: session, listedGroups: listed };
}

export function devNames(): string[] {
  try {
    return readdirSync('/dev');
  } catch {
    return [];
  }
}

/** /proc/PID/stat: the command and the parent. Pure. */
export function parseProcStat(text: string): { command: string; ppid: number } | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = text.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? { command: text.slice(open + 1, close), ppid } : undefined;
}

function pids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

function commandOf(pid: number): string {
  return parseProcStat(readOr(`/proc/${pid}/stat`))?.command ?? '?';
}

/** Processes (other than this one) with `target` open. Only those this user may inspect. */
export function processesHolding(target: string): { pid: number; command: string }[] {
  const holders: { pid: number; command: string }[] = [];
  for (const pid of pids()) {
    if (pid === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (link === target) {
        holders.push({ pid, command: commandOf(pid) });
        break;
      }
    }
  }
  return holders;
}

/** Every process below `root`, children before their parents' siblings. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of pids()) {
    const parsed = parseProcStat(readOr(`/proc/${pid}/stat`));
    if (!parsed) continue;
    const list = children.get(parsed.ppid) ?? [];
    list.push(pid);
    children.set(parsed.ppid, list);
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}

export { processAlive, runGone } from '../pipeline/partials.js';

/** Linux encodes the major number in bits 8–19 (and 32+) of st_rdev. */
function majorOf(rdev: number): number {
  return ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}

/** The minor number, from the same encoding. */
function minorOf(rdev: number): number {
  const dev = BigInt(rdev);
  return Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
}

/** Whether the kernel lists a character device in its tty class. */
async function inTtyClass(major: number, minor: number): Promise<boolean | undefined> {
  try {
    return path.basename(await realpath(`/sys/dev/char/${major}:${minor}/subsystem`)) === 'tty';
  } catch {
    return undefined;
  }
}

/** Everything serial.ts needs to decide about a port. */
export async function portFacts(port: string): Promise<PortFacts> {
  const facts: PortFacts = { path: port, exists: false, holders: [] };
  try {
    await lstat(port);
  } catch {
    return facts;
  }
  let info;
  try {
    facts.realPath = await realpath(port);
    info = await stat(facts.realPath);
  } catch {
    return facts; // a dangling symlink
  }
  facts.exists = true;
  facts.isCharDevice = info.isCharacterDevice();
  facts.major = majorOf(info.rdev);
  facts.minor = minorOf(info.rdev);
  if (facts.isCharDevice) facts.ttyClass = await inTtyClass(facts.major, facts.minor);
  facts.mode = info.mode & 0o777;
  facts.uid = info.uid;
  facts.gid = info.gid;
  facts.ownerName = users().get(info.uid);
  facts.groupName = groups().find((g) => g.gid === info.gid)?.name;
  facts.accessible = await access(facts.realPath, constants.R_OK | constants.W_OK).then(
    () => true,
    () => false
  );
  if (existsSync('/proc/self/fd')) facts.holders = processesHolding(facts.realPath);
  return facts;
}
