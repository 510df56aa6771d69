/**
 * The RFC 2217 client against pyserial's own server side (Debian's
 * python3-serial), in front of a port that echoes back what it gets.
 */
import net from 'node:net';
import { Rfc2217Error, Rfc2217Port } from '../../src/flash/rfc2217.js';
import { startRfc2217Server, type Rfc2217Server } from '../support/rfc2217.js';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let server: Rfc2217Server;
let url: string;

beforeAll(async () => {
  // pyserial's loop:// port: what is written comes back, as a REPL's echo does.
  server = await startRfc2217Server('loop://');
  url = server.url;
});

afterAll(() => server?.close());

describe('an RFC 2217 port through pyserial’s server', () => {
  it('connects, sets the baud rate, and carries every byte value both ways, 0xFF included', async () => {
    const port = await Rfc2217Port.connect(url, { baudRate: 115200 });
    try {
      const sent = Buffer.from([...Array(256).keys(), 0xff, 0xff, 0x00, 0xff]);
      const received: Buffer[] = [];
      port.on('data', (d: Buffer) => received.push(d));
      await port.write(sent);
      for (const end = Date.now() + 5_000; Buffer.concat(received).length < sent.length;) {
        if (Date.now() > end) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(Buffer.concat(received).equals(sent)).toBe(true);
      // A baud rate change and the reset lines are acknowledged by the server.
      await port.update({ baudRate: 460800 });
      await port.set({ dtr: false, rts: true });
      await port.set({ dtr: true, rts: false });
    } finally {
      await port.close();
    }
  });

  it('a server that is not there: says so, with how to start one', async () => {
    const closed = await freePort();
    const error = await Rfc2217Port.connect(`rfc2217://127.0.0.1:${closed}`, { baudRate: 115200 }).catch(
      (e: unknown) => e
    );
    expect(error).toBeInstanceOf(Rfc2217Error);
    expect((error as Error).message).toMatch(
      /Could not reach the RFC 2217 server .*ECONNREFUSED.*esp_rfc2217_server -p/
    );
  });

  it('a server that does not speak RFC 2217: a timeout that says so', async () => {
    const silent = net.createServer((socket) => socket.on('data', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const error = await Rfc2217Port.connect(`rfc2217://127.0.0.1:${port}`, {
        baudRate: 115200,
        timeoutMs: 500
      }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(
        /did not acknowledge the baud rate within 0.5 s: is it an RFC 2217 server/
      );
    } finally {
      silent.close();
    }
  });
});
