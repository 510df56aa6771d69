/**
 * A pseudo-terminal standing in for a board on a USB serial adapter: a small
 * python3 process opens a pty pair, gives the slave the group and mode a real
 * adapter has (dialout, 0660), and relays everything written to the slave to
 * this process, which the test reads back. With `relay`, it also writes what
 * this process sends it to the master, so the board's side can answer (the
 * fake ESP32 loader in fake-esp32.ts); Node has no openpty of its own.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const HELPER = String.raw`
import errno, os, sys, threading, time, tty
gid, mode, hold = int(sys.argv[1]), int(sys.argv[2], 8), sys.argv[3] == '1'
relay = len(sys.argv) > 4 and sys.argv[4] == '1'
master, slave = os.openpty()
name = os.ttyname(slave)
tty.setraw(slave)
if gid >= 0:
    os.chown(name, -1, gid)
os.chmod(name, mode)
if not hold:
    os.close(slave)
os.write(1, (name + '\n').encode())

def write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]

def watch_stdin():
    # Without relay, stdin only tells when the test is done (EOF).
    while True:
        data = os.read(0, 65536)
        if not data:
            os._exit(0)
        if relay:
            write_all(master, data)

threading.Thread(target=watch_stdin, daemon=True).start()
while True:
    try:
        data = os.read(master, 65536)
    except OSError as e:
        # EIO while no process has the slave open: wait for the next one.
        if e.errno != errno.EIO:
            raise
        time.sleep(0.02)
        continue
    if data:
        write_all(1, data)
`;

export interface PseudoTerminal {
  /** /dev/pts/N */
  path: string;
  /** The helper process (it holds the slave open when `hold` was asked for). */
  pid: number;
  /** Everything written to the slave so far (not kept with `relay`: use `onData`). */
  received(): Buffer;
  /** Calls `listener` with each chunk written to the slave from now on. */
  onData(listener: (chunk: Buffer) => void): void;
  /** Writes to the master: the slave's reader gets it (needs `relay`). */
  write(data: Buffer): void;
  /** Resolves once `predicate` holds for what was received. */
  waitFor(predicate: (data: Buffer) => boolean, timeoutMs?: number): Promise<Buffer>;
  close(): Promise<void>;
}

export interface PseudoTerminalOptions {
  /** Group of the slave (default dialout); a name or a GID. */
  group?: string | number;
  /** Mode of the slave (default 0o660). */
  mode?: number;
  /** Keep the slave open in the helper: the port is busy. */
  hold?: boolean;
  /** Two-way: what `write` sends comes out of the slave. */
  relay?: boolean;
  /** Run the helper as this user (default: the test's own). */
  user?: { uid: number; gid: number; groups: number[] };
}

export function groupId(group: string | number): number {
  if (typeof group === 'number') return group;
  return Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2]);
}

export async function openPseudoTerminal(options: PseudoTerminalOptions = {}): Promise<PseudoTerminal> {
  const gid = groupId(options.group ?? 'dialout');
  const mode = (options.mode ?? 0o660).toString(8);
  // The system python: one under root's home (pyenv) is out of another user's reach.
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const argv = [python, '-c', HELPER, String(gid), mode, options.hold ? '1' : '0', options.relay ? '1' : '0'];
  const user = options.user;
  const [command, ...args] = user
    ? ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, `--groups=${user.groups.join(',')}`, ...argv]
    : argv;
  const child: ChildProcessWithoutNullStreams = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let buffer = Buffer.alloc(0);
  let name: string | undefined;
  const waiters = new Set<() => void>();
  const listeners: ((chunk: Buffer) => void)[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    if (name === undefined) {
      buffer = Buffer.concat([buffer, chunk]);
      const newline = buffer.indexOf(10);
      if (newline < 0) return;
      name = buffer.subarray(0, newline).toString('utf8');
      chunk = buffer.subarray(newline + 1);
      buffer = Buffer.alloc(0);
    }
    // A relay carries whole flash images: its listeners get the bytes, nothing accumulates.
    if (!options.relay) buffer = Buffer.concat([buffer, chunk]);
    if (chunk.length > 0) for (const listener of listeners) listener(chunk);
    for (const wake of waiters) wake();
  });
  const path = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pty helper did not start: ${stderr}`)), 10_000);
    const check = () => {
      if (name !== undefined) {
        clearTimeout(timer);
        waiters.delete(check);
        resolve(name);
      }
    };
    waiters.add(check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pty helper exited (${code}): ${stderr}`));
    });
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    path,
    pid: child.pid!,
    received: () => buffer,
    onData: (listener) => listeners.push(listener),
    write(data) {
      if (!options.relay) throw new Error('write needs a pty opened with relay');
      child.stdin.write(data);
    },
    waitFor(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(buffer)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(buffer);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `timed out waiting for the pty; received ${buffer.length} bytes: ${JSON.stringify(buffer.subarray(0, 200).toString('latin1'))}`
            )
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      child.stdin.end();
      child.kill('SIGTERM');
      await closed;
    }
  };
}
