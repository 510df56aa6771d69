/**
 * The monitor against an RFC 2217 port in front of pyserial's loop:// (the
 * board echoes what it gets): what is typed reaches the board, what the board
 * writes reaches the terminal, the exit key ends it with 0.
 */
import { PassThrough } from 'node:stream';
import { Rfc2217Port } from '../../src/flash/rfc2217.js';
import { monitorBanner, runMonitor, translateInput } from '../../src/flash/monitor.js';
import { startRfc2217Server, type Rfc2217Server } from '../support/rfc2217.js';

let server: Rfc2217Server;
beforeAll(async () => {
  server = await startRfc2217Server('loop://');
});
afterAll(() => server?.close());

function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  const shown: Buffer[] = [];
  output.on('data', (d: Buffer) => shown.push(d));
  const notes: string[] = [];
  return {
    input,
    output,
    shown: () => Buffer.concat(shown).toString('latin1'),
    notes,
    note: (l: string) => notes.push(l)
  };
}

async function until(probe: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !probe();) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('monitor', () => {
  it('typed keys reach the board as the REPL wants them, its output reaches the terminal, Ctrl-] ends with 0', async () => {
    const port = await Rfc2217Port.connect(server.url, { baudRate: 115200 });
    const io = terminal();
    const running = runMonitor(port, io);
    io.input.write('print(1)\n');
    // Ctrl-C and Ctrl-D reach the board too (the terminal is raw).
    io.input.write(Buffer.from([0x03, 0x04]));
    await until(() => io.shown().includes('print(1)\r\x03\x04'));
    io.input.write(Buffer.from([0x1d, 0x41]));
    expect(await running).toBe(0);
    expect(io.shown()).toBe('print(1)\r\x03\x04');
  });

  it('CRLF line endings on request; the end of the input ends it too', async () => {
    const port = await Rfc2217Port.connect(server.url, { baudRate: 115200 });
    const io = terminal();
    const running = runMonitor(port, io, { eol: 'CRLF' });
    io.input.write('a\r');
    await until(() => io.shown().includes('a\r\n'));
    io.input.end();
    expect(await running).toBe(0);
  });

  it('says when the port goes away, with exit code 1', async () => {
    const other = await startRfc2217Server('loop://');
    const port = await Rfc2217Port.connect(other.url, { baudRate: 115200 });
    const io = terminal();
    const running = runMonitor(port, io);
    await other.close();
    expect(await running).toBe(1);
    expect(io.notes.join('\n')).toContain('The port closed');
  });

  it('the banner and the key translation', () => {
    expect(monitorBanner('/dev/ttyUSB0', 115200)).toBe(
      '--- Monitor on /dev/ttyUSB0 at 115200 baud. Exit: Ctrl-] ---'
    );
    expect(translateInput(Buffer.from('ab\x1dcd'), 'CR')).toEqual({ send: Buffer.from('ab'), exit: true });
    expect(translateInput(Buffer.from('x\ny\r'), 'LF')).toEqual({ send: Buffer.from('x\ny\n'), exit: false });
  });
});
