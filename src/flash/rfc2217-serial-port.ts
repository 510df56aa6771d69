/** An RFC 2217 port in the callback shape of the `serialport` package (what the Web Serial adapter drives). */
import { EventEmitter } from 'node:events';
import { Rfc2217Error, Rfc2217Port } from './rfc2217.js';

type Callback = (error?: Error | null) => void;

/**
 * An RFC 2217 port with the callback API of the `serialport` package's
 * SerialPort (open, write, drain, set, update, close, 'data'), so the Web
 * Serial adapter that esptool-js drives takes it as it takes a local port.
 */
export class Rfc2217SerialPort extends EventEmitter {
  private port?: Rfc2217Port;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    readonly url: string,
    private baudRate: number
  ) {
    super();
  }

  open(callback: Callback): void {
    Rfc2217Port.connect(this.url, { baudRate: this.baudRate }).then(
      (port) => {
        this.port = port;
        port.on('data', (data: Buffer) => this.emit('data', data));
        port.on('error', (error: Error) => this.emit('error', error));
        port.on('close', () => this.emit('close'));
        callback(null);
      },
      (error: Error) => callback(error)
    );
  }

  write(data: Buffer, callback: Callback): boolean {
    this.pending = this.pending.then(() => this.connected().write(data));
    this.pending.then(
      () => callback(null),
      (error: Error) => callback(error)
    );
    return true;
  }

  drain(callback: Callback): void {
    this.pending.then(
      () => callback(null),
      (error: Error) => callback(error)
    );
  }

  set(options: { dtr?: boolean; rts?: boolean }, callback: Callback): void {
    this.connected()
      .set(options)
      .then(
        () => callback(null),
        (error: Error) => callback(error)
      );
  }

  update(options: { baudRate: number }, callback: Callback): void {
    this.baudRate = options.baudRate;
    this.connected()
      .update(options)
      .then(
        () => callback(null),
        (error: Error) => callback(error)
      );
  }

  close(callback: Callback): void {
    const port = this.port;
    this.port = undefined;
    if (!port) return callback(null);
    port.close().then(
      () => callback(null),
      (error: Error) => callback(error)
    );
  }

  private connected(): Rfc2217Port {
    if (!this.port) throw new Rfc2217Error(`${this.url} is not open`);
    return this.port;
  }
}
