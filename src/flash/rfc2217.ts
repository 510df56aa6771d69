/**
 * A serial port on another machine, over RFC 2217 (Telnet's COM-PORT-OPTION):
 * what `esp_rfc2217_server` or pyserial's server offers for a board plugged
 * into a Raspberry Pi or a Docker Desktop host. The same shape as a local
 * port from the `serialport` package (write, set, update, close, 'data'), so
 * the flasher and the monitor use either.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';

const IAC = 0xff;
const DONT = 0xfe;
const DO = 0xfd;
const WONT = 0xfc;
const WILL = 0xfb;
const SB = 0xfa;
const SE = 0xf0;

const BINARY = 0x00;
const SGA = 0x03;
const COM_PORT_OPTION = 0x2c;
/** Options this client takes part in; any other is refused. */
const AGREED = new Set([BINARY, SGA, COM_PORT_OPTION]);

const SET_BAUDRATE = 1;
const SET_DATASIZE = 2;
const SET_PARITY = 3;
const SET_STOPSIZE = 4;
const SET_CONTROL = 5;
/** A server's answer to a client's subcommand is the subcommand + 100. */
const SERVER_OFFSET = 100;
const CONTROL = { noFlowControl: 1, dtrOn: 8, dtrOff: 9, rtsOn: 11, rtsOff: 12 } as const;

export class Rfc2217Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Rfc2217Error';
  }
}

export interface Rfc2217Address {
  host: string;
  port: number;
  /** ign_set_control: the server's acknowledgement of a control change is not awaited (esptool's name). */
  ignoreControlAck: boolean;
}

/** Whether a port is named as an RFC 2217 URL (then parseRfc2217Url says if it is a good one). Pure. */
export function isRfc2217Url(port: string): boolean {
  return /^rfc2217:\/\//i.test(port);
}

/** rfc2217://host:port[?ign_set_control]; anything else is refused with what to write. Pure. */
export function parseRfc2217Url(url: string): Rfc2217Address {
  const example = 'rfc2217://raspberrypi.local:4000';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Rfc2217Error(`'${url}' is not an RFC 2217 URL such as ${example}.`);
  }
  if (parsed.protocol !== 'rfc2217:' || !parsed.hostname || !parsed.port) {
    throw new Rfc2217Error(`'${url}' is not an RFC 2217 URL with a host and a port, such as ${example}.`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host.startsWith('-')) throw new Rfc2217Error(`'${url}': a host name cannot start with '-'.`);
  const options = [...parsed.searchParams.keys()];
  const unknown = options.filter((name) => name !== 'ign_set_control');
  if (unknown.length) {
    throw new Rfc2217Error(
      `'${url}': unknown option ${unknown.join(', ')} (only ign_set_control is understood).`
    );
  }
  return { host, port: Number(parsed.port), ignoreControlAck: options.includes('ign_set_control') };
}

/** Data as it goes on the wire: every 0xFF doubled. Pure. */
export function escapeData(data: Uint8Array): Buffer {
  const count = data.reduce((n, byte) => n + (byte === IAC ? 1 : 0), 0);
  if (count === 0) return Buffer.from(data);
  const out = Buffer.alloc(data.length + count);
  let at = 0;
  for (const byte of data) {
    out[at++] = byte;
    if (byte === IAC) out[at++] = IAC;
  }
  return out;
}

/** A COM-PORT-OPTION subnegotiation from the client. Pure. */
export function subnegotiation(command: number, value: Uint8Array): Buffer {
  return Buffer.concat([
    Buffer.from([IAC, SB, COM_PORT_OPTION, command]),
    escapeData(value),
    Buffer.from([IAC, SE])
  ]);
}

export type TelnetEvent =
  | { kind: 'data'; data: Buffer }
  | { kind: 'negotiate'; verb: number; option: number }
  | { kind: 'subnegotiation'; option: number; payload: Buffer };

/**
 * Splits what a Telnet peer sends into data, option negotiations and
 * subnegotiations, across chunk boundaries. Pure apart from its own state.
 */
export class TelnetParser {
  private state: 'data' | 'iac' | 'verb' | 'sb' | 'sb-iac' = 'data';
  private verb = 0;
  private sub: number[] = [];

  push(chunk: Uint8Array): TelnetEvent[] {
    const events: TelnetEvent[] = [];
    let data: number[] = [];
    const flush = () => {
      if (data.length) events.push({ kind: 'data', data: Buffer.from(data) });
      data = [];
    };
    for (const byte of chunk) {
      switch (this.state) {
        case 'data':
          if (byte === IAC) this.state = 'iac';
          else data.push(byte);
          break;
        case 'iac':
          this.state = 'data';
          if (byte === IAC) data.push(IAC);
          else if (byte === SB) {
            this.sub = [];
            this.state = 'sb';
          } else if (byte >= WILL) {
            this.verb = byte;
            this.state = 'verb';
          }
          // Other commands (NOP, GA, …) carry nothing here.
          break;
        case 'verb':
          flush();
          events.push({ kind: 'negotiate', verb: this.verb, option: byte });
          this.state = 'data';
          break;
        case 'sb':
          if (byte === IAC) this.state = 'sb-iac';
          else this.sub.push(byte);
          break;
        case 'sb-iac':
          if (byte === IAC) {
            this.sub.push(IAC);
            this.state = 'sb';
          } else {
            flush();
            if (byte === SE && this.sub.length) {
              events.push({
                kind: 'subnegotiation',
                option: this.sub[0],
                payload: Buffer.from(this.sub.slice(1))
              });
            }
            this.state = 'data';
          }
          break;
      }
    }
    flush();
    return events;
  }
}

/** The reply to a peer's negotiation: agree to binary, SGA and COM-PORT-OPTION, refuse the rest. Pure. */
export function negotiationReply(verb: number, option: number): Buffer | undefined {
  const agreed = AGREED.has(option);
  if (verb === DO) return Buffer.from([IAC, agreed ? WILL : WONT, option]);
  if (verb === WILL) return Buffer.from([IAC, agreed ? DO : DONT, option]);
  return undefined;
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** A connected RFC 2217 port. Emits 'data' (Buffer), 'close' and 'error'. */
export class Rfc2217Port extends EventEmitter {
  private readonly parser = new TelnetParser();
  private readonly waiting = new Map<number, () => void>();
  /** Options already answered, so that a repeated request gets no second reply. */
  private readonly answered = new Set<string>();

  private constructor(
    private readonly socket: net.Socket,
    readonly address: Rfc2217Address,
    readonly url: string
  ) {
    super();
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.emit('close'));
    socket.on('error', (error) => this.emit('error', error));
  }

  /** Connects, agrees on the options and sets the line: baudRate, 8N1, no flow control. */
  static async connect(url: string, options: { baudRate: number; timeoutMs?: number }): Promise<Rfc2217Port> {
    const address = parseRfc2217Url(url);
    const timeoutMs = options.timeoutMs ?? 10_000;
    const socket = await openSocket(address, url, timeoutMs);
    const port = new Rfc2217Port(socket, address, url);
    socket.write(
      Buffer.from([
        IAC,
        WILL,
        BINARY,
        IAC,
        DO,
        BINARY,
        IAC,
        WILL,
        SGA,
        IAC,
        DO,
        SGA,
        IAC,
        WILL,
        COM_PORT_OPTION
      ])
    );
    try {
      await port.command(SET_BAUDRATE, u32(options.baudRate), timeoutMs);
      socket.write(subnegotiation(SET_DATASIZE, Buffer.from([8])));
      socket.write(subnegotiation(SET_PARITY, Buffer.from([1])));
      socket.write(subnegotiation(SET_STOPSIZE, Buffer.from([1])));
      socket.write(subnegotiation(SET_CONTROL, Buffer.from([CONTROL.noFlowControl])));
    } catch (error) {
      socket.destroy();
      throw error;
    }
    return port;
  }

  write(data: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.write(escapeData(data), (error) => (error ? reject(error) : resolve()))
    );
  }

  /** DTR and RTS, as far as the server's port carries them. */
  async set(signals: { dtr?: boolean; rts?: boolean }): Promise<void> {
    const values: number[] = [];
    if (signals.dtr !== undefined) values.push(signals.dtr ? CONTROL.dtrOn : CONTROL.dtrOff);
    if (signals.rts !== undefined) values.push(signals.rts ? CONTROL.rtsOn : CONTROL.rtsOff);
    for (const value of values) {
      if (this.address.ignoreControlAck) this.socket.write(subnegotiation(SET_CONTROL, Buffer.from([value])));
      else await this.command(SET_CONTROL, Buffer.from([value]), 3_000);
    }
  }

  update(options: { baudRate: number }): Promise<void> {
    return this.command(SET_BAUDRATE, u32(options.baudRate), 3_000);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1_000).unref();
    });
  }

  /** Sends a subcommand and waits for the server's acknowledgement of it. */
  private command(code: number, value: Buffer, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(code);
        reject(
          new Rfc2217Error(
            `${this.url} did not acknowledge ${code === SET_BAUDRATE ? 'the baud rate' : 'a control change'} within ${timeoutMs / 1000} s: is it an RFC 2217 server (esp_rfc2217_server)?`
          )
        );
      }, timeoutMs);
      this.waiting.set(code, () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.write(subnegotiation(code, value));
    });
  }

  private receive(chunk: Buffer): void {
    for (const event of this.parser.push(chunk)) {
      if (event.kind === 'data') this.emit('data', event.data);
      else if (event.kind === 'negotiate') {
        const key = `${event.verb}:${event.option}`;
        const reply = negotiationReply(event.verb, event.option);
        if (reply && !this.answered.has(key)) {
          this.answered.add(key);
          this.socket.write(reply);
        }
      } else if (event.option === COM_PORT_OPTION && event.payload.length) {
        const done = this.waiting.get(event.payload[0] - SERVER_OFFSET);
        this.waiting.delete(event.payload[0] - SERVER_OFFSET);
        done?.();
      }
    }
  }
}

function openSocket(address: Rfc2217Address, url: string, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address.host, port: address.port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Rfc2217Error(`Could not reach ${url} within ${timeoutMs / 1000} s.`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new Rfc2217Error(
          `Could not reach the RFC 2217 server ${url}: ${error.code ?? error.message}. Start one on the machine the board is plugged into, e.g. esp_rfc2217_server -p ${address.port} /dev/ttyUSB0, and check the host and port.`
        )
      );
    });
  });
}
