/**
 * A serial console on this machine: what the board writes goes to the
 * terminal as it comes, what is typed goes to the board, and one key (Ctrl-],
 * as in idf.py monitor and miniterm) ends it. The terminal is raw while it
 * runs, so Ctrl-C, Ctrl-D and Ctrl-E reach MicroPython's REPL; Enter is sent
 * as CR, as mpremote sends it (--eol says otherwise).
 */
import type { Readable, Writable } from 'node:stream';

/** The port as the monitor needs it: a local serial port or an RFC 2217 one. */
export interface MonitorPort {
  write(data: Uint8Array): Promise<void>;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  close(): Promise<void>;
}

export const EXIT_KEY = 0x1d;
export const EXIT_KEY_NAME = 'Ctrl-]';
export const LINE_ENDINGS = { CR: '\r', LF: '\n', CRLF: '\r\n' } as const;
export type LineEnding = keyof typeof LINE_ENDINGS;

export interface MonitorIo {
  input: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  output: Writable;
  /** Where the monitor's own lines go (not the board's output). */
  note: (line: string) => void;
}

/** The first line: where, how fast, and how to leave. Pure. */
export function monitorBanner(port: string, baud: number): string {
  return `--- Monitor on ${port} at ${baud} baud. Exit: ${EXIT_KEY_NAME} ---`;
}

/**
 * What typed bytes become on the wire, and whether the exit key ended them
 * (what follows it is dropped). Enter (CR, or LF from a pipe) becomes `eol`. Pure.
 */
export function translateInput(chunk: Uint8Array, eol: LineEnding): { send: Buffer; exit: boolean } {
  const out: number[] = [];
  const ending = [...Buffer.from(LINE_ENDINGS[eol])];
  for (const byte of chunk) {
    if (byte === EXIT_KEY) return { send: Buffer.from(out), exit: true };
    if (byte === 0x0d || byte === 0x0a) out.push(...ending);
    else out.push(byte);
  }
  return { send: Buffer.from(out), exit: false };
}

/**
 * Runs until the exit key (0), the end of the input (0), the port going away
 * (1) or the signal (130). Restores the terminal whatever happens.
 */
export async function runMonitor(
  port: MonitorPort,
  io: MonitorIo,
  options: { eol?: LineEnding; signal?: AbortSignal } = {}
): Promise<number> {
  const eol = options.eol ?? 'CR';
  const raw = io.input.isTTY === true && typeof io.input.setRawMode === 'function';
  if (raw) io.input.setRawMode!(true);
  let writing = Promise.resolve();
  try {
    return await new Promise<number>((resolve) => {
      let done = false;
      const finish = (code: number) => {
        done = true;
        resolve(code);
      };
      port.on('data', (data) => {
        if (!done) io.output.write(data);
      });
      port.on('close', () => {
        if (done) return;
        io.note('--- The port closed (the board unplugged or reset?) ---');
        finish(1);
      });
      io.input.on('data', (chunk: Buffer) => {
        if (done) return;
        const { send, exit } = translateInput(chunk, eol);
        if (send.length) writing = writing.then(() => port.write(send)).catch(() => undefined);
        if (exit) finish(0);
      });
      io.input.once('end', () => finish(0));
      options.signal?.addEventListener('abort', () => finish(130), { once: true });
      io.input.resume();
    });
  } finally {
    if (raw) io.input.setRawMode!(false);
    io.input.pause();
    await writing;
    await port.close().catch(() => undefined);
  }
}
