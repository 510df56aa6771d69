/**
 * A serial port opened on this machine for the monitor: a local device
 * through the optional `serialport` package (loaded only here), or an
 * RFC 2217 port over the network.
 */
import { EventEmitter } from 'node:events';
import { missingPackageMessage } from './decisions.js';
import { FlashError } from './flash-args.js';
import type { MonitorPort } from './monitor.js';
import { isRfc2217Url, Rfc2217Port } from './rfc2217.js';
import { settle, type NodeSerialPort } from './web-serial.js';

interface SerialportModule {
  SerialPort: new (options: { path: string; baudRate: number; autoOpen: false }) => NodeSerialPort;
}

/** A local port in the monitor's shape. */
class LocalPort extends EventEmitter implements MonitorPort {
  constructor(private readonly port: NodeSerialPort) {
    super();
    port.on('data', (data: Buffer) => this.emit('data', data));
    port.on('close', () => this.emit('close'));
    port.on('error', () => this.emit('close'));
  }

  async write(data: Uint8Array): Promise<void> {
    await settle((cb) => this.port.write(Buffer.from(data), cb));
    await settle((cb) => this.port.drain(cb));
  }

  async close(): Promise<void> {
    this.port.removeAllListeners('close');
    await settle((cb) => this.port.close(cb)).catch(() => undefined);
  }
}

/** Opens `port` at `baudRate`; a failure says what to do. */
export async function openMonitorPort(
  port: string,
  baudRate: number,
  load: () => Promise<SerialportModule> = () =>
    import(/* webpackIgnore: true */ 'serialport' as string) as Promise<SerialportModule>
): Promise<MonitorPort> {
  if (isRfc2217Url(port)) return Rfc2217Port.connect(port, { baudRate });
  let serialport: SerialportModule;
  try {
    serialport = await load();
  } catch (error) {
    throw new FlashError(missingPackageMessage('serialport', error as Error));
  }
  const device = new serialport.SerialPort({ path: port, baudRate, autoOpen: false });
  try {
    await settle((cb) => device.open(cb));
  } catch (error) {
    throw new FlashError(`Could not open ${port}: ${(error as Error).message}`);
  }
  return new LocalPort(device);
}
