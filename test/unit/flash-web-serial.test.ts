/** The Web Serial adapter over a fake serialport-like object: no hardware. */
import { EventEmitter } from 'node:events';
import { WebSerialPort, type NodeSerialPort } from '../../src/flash/web-serial.js';

type Callback = (error?: Error | null) => void;

class FakePort extends EventEmitter implements NodeSerialPort {
  calls: string[] = [];
  written: Buffer[] = [];
  sets: { dtr?: boolean; rts?: boolean; brk?: boolean }[] = [];
  baud: number;
  isOpen = false;
  failOpen?: Error;
  constructor(readonly options: { path: string; baudRate: number }) {
    super();
    this.baud = options.baudRate;
  }
  open(cb: Callback) {
    this.calls.push('open');
    if (this.failOpen) return cb(this.failOpen);
    this.isOpen = true;
    cb(null);
  }
  close(cb: Callback) {
    this.calls.push('close');
    this.isOpen = false;
    this.emit('close');
    cb(null);
  }
  write(data: Buffer, cb: Callback) {
    this.calls.push('write');
    this.written.push(Buffer.from(data));
    setImmediate(() => cb(null));
    return true;
  }
  drain(cb: Callback) {
    this.calls.push('drain');
    setImmediate(() => cb(null));
  }
  set(options: { dtr?: boolean; rts?: boolean; brk?: boolean }, cb: Callback) {
    this.sets.push(options);
    cb(null);
  }
  update(options: { baudRate: number }, cb: Callback) {
    this.baud = options.baudRate;
    cb(null);
  }
}

function adapter() {
  const ports: FakePort[] = [];
  const device = new WebSerialPort(
    '/dev/ttyUSB0',
    (options) => {
      const port = new FakePort(options);
      ports.push(port);
      return port;
    },
    { usbVendorId: 0x303a, usbProductId: 0x1001 }
  );
  return { device, ports, port: () => ports[ports.length - 1] };
}

describe('WebSerialPort', () => {
  it('opens at the baud rate asked, and says what USB device it is', async () => {
    const { device, port } = adapter();
    expect(device.readable).toBeNull();
    await device.open({ baudRate: 115200 });
    expect(port().options).toEqual({ path: '/dev/ttyUSB0', baudRate: 115200 });
    expect(device.readable).not.toBeNull();
    expect(device.getInfo()).toEqual({ usbVendorId: 0x303a, usbProductId: 0x1001 });
  });

  it('reads arrive on the readable stream in order', async () => {
    const { device, port } = adapter();
    await device.open({ baudRate: 115200 });
    port().emit('data', Buffer.from([0xc0, 1]));
    port().emit('data', Buffer.from([2, 3]));
    port().emit('data', Buffer.from([0xc0]));
    const reader = device.readable!.getReader();
    const got: number[] = [];
    while (got.length < 5) got.push(...(await reader.read()).value!);
    expect(got).toEqual([0xc0, 1, 2, 3, 0xc0]);
    reader.releaseLock();
    // A reader taken again (esptool-js takes one per read) sees what comes next.
    port().emit('data', Buffer.from([9]));
    const again = device.readable!.getReader();
    expect([...(await again.read()).value!]).toEqual([9]);
  });

  it('writes reach the port, each drained before the next', async () => {
    const { device, port } = adapter();
    await device.open({ baudRate: 115200 });
    const writer = device.writable!.getWriter();
    await writer.write(new Uint8Array([1, 2]));
    await writer.write(new Uint8Array([3]));
    writer.releaseLock();
    expect(Buffer.concat(port().written)).toEqual(Buffer.from([1, 2, 3]));
    expect(port().calls).toEqual(['open', 'write', 'drain', 'write', 'drain']);
  });

  it('setSignals maps to set({dtr, rts}), always with both (serialport resets what it is not given)', async () => {
    const { device, port } = adapter();
    await device.open({ baudRate: 115200 });
    await device.setSignals({ dataTerminalReady: false, requestToSend: true });
    await device.setSignals({ requestToSend: false });
    await device.setSignals({ dataTerminalReady: true });
    expect(port().sets).toEqual([
      { dtr: false, rts: true, brk: false },
      { dtr: false, rts: false, brk: false },
      { dtr: true, rts: false, brk: false }
    ]);
  });

  it('changes the baud rate in place', async () => {
    const { device, port } = adapter();
    await device.open({ baudRate: 115200 });
    await device.setBaudRate(921600);
    expect(port().baud).toBe(921600);
    expect(port().calls).not.toContain('close');
  });

  it('close closes the port, ends the stream, and it can be opened again', async () => {
    const { device, ports } = adapter();
    await device.open({ baudRate: 115200 });
    const reader = device.readable!.getReader();
    const pending = reader.read();
    await device.close();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(ports[0].calls).toContain('close');
    expect(device.readable).toBeNull();
    expect(device.writable).toBeNull();
    await device.open({ baudRate: 460800 });
    expect(ports).toHaveLength(2);
    expect(ports[1].options.baudRate).toBe(460800);
  });

  it('a port that fails to open stays closed, with the error', async () => {
    const device = new WebSerialPort('/dev/ttyUSB9', (options) => {
      const port = new FakePort(options);
      port.failOpen = new Error('Error: No such file or directory, cannot open /dev/ttyUSB9');
      return port;
    });
    await expect(device.open({ baudRate: 115200 })).rejects.toThrow(/No such file/);
    expect(device.readable).toBeNull();
    await expect(device.setSignals({ dataTerminalReady: true })).rejects.toThrow(/not open/);
  });

  it('a port error fails the reader', async () => {
    const { device, port } = adapter();
    await device.open({ baudRate: 115200 });
    const reader = device.readable!.getReader();
    port().emit('error', new Error('device disconnected'));
    await expect(reader.read()).rejects.toThrow('device disconnected');
  });
});

describe('esptool-js’s own Transport over the adapter', () => {
  it('connects, writes SLIP frames, reads a packet, changes baud in place and disconnects', async () => {
    const { Transport } = (await import('esptool-js' as string)) as {
      Transport: new (
        device: WebSerialPort,
        tracing?: boolean
      ) => {
        connect(baud: number): Promise<void>;
        readLoop(): Promise<void>;
        read(timeout: number): Promise<Uint8Array>;
        write(data: Uint8Array): Promise<void>;
        changeBaudrate(baud: number): Promise<boolean>;
        setSignals(dtr?: boolean, rts?: boolean): Promise<void>;
        disconnect(): Promise<void>;
      };
    };
    const { device, ports } = adapter();
    const transport = new Transport(device, false);
    await transport.connect(115200);
    void transport.readLoop();
    await transport.write(new Uint8Array([0x08, 0xc0]));
    expect(Buffer.concat(ports[0].written)).toEqual(Buffer.from([0xc0, 0x08, 0xdb, 0xdc, 0xc0]));
    ports[0].emit('data', Buffer.from([0xc0, 0x01, 0xdb, 0xdd, 0xc0]));
    expect([...(await transport.read(1000))]).toEqual([0x01, 0xdb]);
    await transport.setSignals(false, true);
    expect(ports[0].sets.at(-1)).toEqual({ dtr: false, rts: true, brk: false });
    expect(await transport.changeBaudrate(921600)).toBe(false);
    expect(ports[0].baud).toBe(921600);
    await transport.disconnect();
    expect(ports[0].calls).toContain('close');
    expect(device.readable).toBeNull();
  });
});
