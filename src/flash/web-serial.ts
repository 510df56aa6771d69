/**
 * A Node serial port (the `serialport` package) in the shape of a Web Serial
 * `SerialPort`, which is what esptool-js's Transport drives: open/close,
 * `readable`/`writable` web streams, setSignals, getInfo, and an in-place
 * baud rate change (`setBaudRate`, which Transport prefers to reopening).
 * Only this shape is assumed of the Node port, so a fake one tests it.
 */

type Callback = (error?: Error | null) => void;

/** What is used of `serialport`'s SerialPort (v13). */
export interface NodeSerialPort {
  open(callback: Callback): void;
  close(callback: Callback): void;
  write(data: Buffer, callback: Callback): boolean;
  drain(callback: Callback): void;
  set(options: { dtr?: boolean; rts?: boolean; brk?: boolean }, callback: Callback): void;
  update(options: { baudRate: number }, callback: Callback): void;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  removeAllListeners(event?: string): unknown;
}

/** Opens a Node port (not yet open) for a path at a baud rate. */
export type NodePortFactory = (options: { path: string; baudRate: number }) => NodeSerialPort;

export interface PortInfo {
  usbVendorId?: number;
  usbProductId?: number;
}

/** A callback-style call of a Node port, as a promise. */
export function settle(run: (callback: Callback) => unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    run((error) => (error ? reject(error) : resolve()));
  });
}

/** A Web Serial SerialPort over a Node serial port. */
export class WebSerialPort {
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  private port?: NodeSerialPort;
  // serialport's set() puts back DTR and RTS it is not given, so both are always sent.
  private signals = { dtr: true, rts: true, brk: false };

  constructor(
    readonly path: string,
    private readonly factory: NodePortFactory,
    private readonly info: PortInfo = {}
  ) {}

  getInfo(): PortInfo {
    return { ...this.info };
  }

  async open(options: { baudRate: number }): Promise<void> {
    if (this.port) throw new Error(`${this.path} is already open`);
    const port = this.factory({ path: this.path, baudRate: options.baudRate });
    await settle((cb) => port.open(cb));
    this.port = port;
    // Opening a port asserts DTR and RTS, as the operating system does.
    this.signals = { dtr: true, rts: true, brk: false };
    this.readable = this.readableOf(port);
    this.writable = this.writableOf(port);
  }

  private readableOf(port: NodeSerialPort): ReadableStream<Uint8Array> {
    let done = false;
    return new ReadableStream<Uint8Array>({
      start(controller) {
        port.on('data', (chunk) => {
          if (!done) controller.enqueue(new Uint8Array(chunk));
        });
        port.on('error', (error) => {
          if (done) return;
          done = true;
          controller.error(error);
        });
        port.on('close', () => {
          if (done) return;
          done = true;
          controller.close();
        });
      },
      cancel() {
        done = true;
      }
    });
  }

  private writableOf(port: NodeSerialPort): WritableStream<Uint8Array> {
    return new WritableStream<Uint8Array>({
      // Written and drained before the next write, signal change or baud change.
      write: async (chunk) => {
        await settle((cb) => port.write(Buffer.from(chunk), cb));
        await settle((cb) => port.drain(cb));
      }
    });
  }

  async setSignals(signals: { dataTerminalReady?: boolean; requestToSend?: boolean; break?: boolean }) {
    const port = this.opened();
    if (signals.dataTerminalReady !== undefined) this.signals.dtr = signals.dataTerminalReady;
    if (signals.requestToSend !== undefined) this.signals.rts = signals.requestToSend;
    if (signals.break !== undefined) this.signals.brk = signals.break;
    const { dtr, rts, brk } = this.signals;
    await settle((cb) => port.set({ dtr, rts, brk }, cb));
  }

  /** Transport.changeBaudrate uses this instead of closing and reopening the port. */
  async setBaudRate(baudRate: number): Promise<void> {
    const port = this.opened();
    await settle((cb) => port.update({ baudRate }, cb));
  }

  async close(): Promise<void> {
    const port = this.port;
    if (!port) return;
    this.port = undefined;
    this.readable = null;
    this.writable = null;
    try {
      await settle((cb) => port.close(cb));
    } finally {
      port.removeAllListeners();
    }
  }

  private opened(): NodeSerialPort {
    if (!this.port) throw new Error(`${this.path} is not open`);
    return this.port;
  }
}
