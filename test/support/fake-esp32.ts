/**
 * A fake ESP32 serial download loader, for host flashing tests: it speaks
 * Espressif's published serial protocol on a pseudo-terminal, in the two
 * dialects clients meet on a real board. First the ROM's: 4 status bytes,
 * SPI_FLASH_MD5 answered as 32 hex characters, no ERASE_FLASH. Once a client
 * uploads its flasher stub (MEM_BEGIN, MEM_DATA, MEM_END with an entry point),
 * the stub's: it greets with the frame "OHAI", then answers with 2 status
 * bytes and a raw 16-byte MD5, and erases (ERASE_FLASH, ERASE_REGION).
 *
 * The stub's code is never run: only its upload is checked and recorded, so
 * a test may upload any bytes as "the stub".
 *
 * A pty carries no DTR/RTS, so nothing resets the fake: it starts in download
 * mode, waiting for SYNC (unless told not to answer it, like a board that is
 * not in download mode), and goes back to waiting for SYNC whenever the
 * loader would leave (FLASH_END / FLASH_DEFL_END from the ROM, or with the
 * reboot flag from the stub). Baud rate changes are acknowledged and do
 * nothing else.
 *
 * `startFakeEsp32` gives a running board on a pty; `FakeEsp32` alone is the
 * protocol, fed bytes with `receive` (for unit tests).
 */
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { Esp32Registers, type ChipIdentity } from './fake-esp32-registers.js';
import {
  checksum,
  decodeRequest,
  encodeResponse,
  Op,
  opName,
  RomError,
  slipEncode,
  SlipDecoder,
  StubError,
  type Dialect,
  type Request,
  type Response
} from './esp-protocol.js';
import { openPseudoTerminal, type PseudoTerminal, type PseudoTerminalOptions } from './serial.js';

export const SECTOR_SIZE = 0x1000;
/** The value field of the ROM's SYNC answers: clients only check that it is not 0 (0 means the stub). */
const ROM_SYNC_VALUE = 0x20120707;
const SYNC_PAYLOAD = Buffer.concat([Buffer.from([0x07, 0x07, 0x12, 0x20]), Buffer.alloc(32, 0x55)]);
/** The ROM answers one SYNC 8 times; clients read the first and then 7 more. */
const SYNC_ANSWERS = 8;
/**
 * The command field of the ROM's answer to a command it does not know. It
 * differs from the request's, which is how both clients tell "unsupported"
 * (ESP32 ROM) from "failed" (stub).
 */
const ROM_INVALID_COMMAND_OP = 0x00;

const ROM_COMMANDS = new Set<number>([
  Op.FLASH_BEGIN, Op.FLASH_DATA, Op.FLASH_END, Op.MEM_BEGIN, Op.MEM_END, Op.MEM_DATA, Op.SYNC,
  Op.WRITE_REG, Op.READ_REG, Op.SPI_SET_PARAMS, Op.SPI_ATTACH, Op.READ_FLASH_SLOW, Op.CHANGE_BAUDRATE,
  Op.FLASH_DEFL_BEGIN, Op.FLASH_DEFL_DATA, Op.FLASH_DEFL_END, Op.SPI_FLASH_MD5
]); // prettier-ignore
const STUB_ONLY = new Set<number>([Op.ERASE_FLASH, Op.ERASE_REGION, Op.READ_FLASH]);

export interface FakeEsp32Options {
  /** Flash size in bytes, a power of two (default 4 MB); sets the RDID device ID's low byte. */
  flashSize?: number;
  /** JEDEC manufacturer (default 0xEF). */
  flashManufacturer?: number;
  /** Base MAC (default 24:0a:c4:12:34:56). */
  mac?: readonly number[];
  /** false: the board is not in download mode and ignores everything, SYNC included. */
  answerSync?: boolean;
}

export interface LoggedRequest {
  op: number;
  name: string;
  dialect: Dialect;
  /** Length of the request's data. */
  length: number;
  /** The error code the fake answered with, when it refused. */
  error?: number;
  /** Not answered: the fake was waiting for SYNC. */
  ignored?: boolean;
}

export interface UploadedSegment {
  address: number;
  data: Buffer;
}

interface WriteSession {
  compressed: boolean;
  offset: number;
  blockSize: number;
  nextSeq: number;
  /** Compressed writes: where the next inflated byte lands, and the stream. */
  position: number;
  inflate?: zlib.Inflate;
}

interface ReadSession {
  end: number;
  packetSize: number;
  maxInFlight: number;
  start: number;
  sent: number;
  acked: number;
}

function log2(n: number): number {
  return Math.round(Math.log2(n));
}

export class FakeEsp32 {
  readonly flash: Buffer;
  readonly registers: Esp32Registers;
  readonly requests: LoggedRequest[] = [];
  /** What MEM_BEGIN/MEM_DATA loaded to RAM (the stub's code and data), in order. */
  readonly stubSegments: UploadedSegment[] = [];
  answerSync: boolean;
  dialect: Dialect = 'rom';
  synced = false;
  baudRate = 115200;
  /** Last SPI_SET_PARAMS total size, and SPI_ATTACH argument. */
  spiParams?: { totalSize: number; attach?: number };
  private corruptPending = false;
  private readonly decoder = new SlipDecoder();
  private queue: Promise<void> = Promise.resolve();
  private write?: WriteSession;
  private read?: ReadSession;
  private memory?: UploadedSegment & { nextSeq: number; blockSize: number };

  constructor(
    private readonly send: (bytes: Buffer) => void,
    options: FakeEsp32Options = {}
  ) {
    const size = options.flashSize ?? 4 * 1024 * 1024;
    if (2 ** log2(size) !== size) throw new Error(`flash size ${size} is not a power of two`);
    this.flash = Buffer.alloc(size, 0xff);
    const identity: ChipIdentity = {
      mac: options.mac ?? [0x24, 0x0a, 0xc4, 0x12, 0x34, 0x56],
      flashManufacturer: options.flashManufacturer ?? 0xef,
      flashDevice: 0x4000 | log2(size)
    };
    this.registers = new Esp32Registers(identity);
    this.answerSync = options.answerSync ?? true;
  }

  /** Bytes from the client; frames are handled in order, one at a time. */
  receive(chunk: Buffer): void {
    for (const frame of this.decoder.push(chunk)) {
      this.queue = this.queue.then(() => this.frame(frame));
    }
  }

  /** Resolves once every frame received so far has been handled. */
  idle(): Promise<void> {
    return this.queue;
  }

  readFlash(offset: number, length: number): Buffer {
    return Buffer.from(this.flash.subarray(offset, offset + length));
  }

  /** Sets the range (default: all of the flash) to 0xFF, as an erase does. */
  erase(offset = 0, length = this.flash.length - offset): void {
    this.flash.fill(0xff, offset, offset + length);
  }

  /** The next block written (raw or inflated) lands with one bit flipped: the client's MD5 check must catch it. */
  corruptNextWrite(): void {
    this.corruptPending = true;
  }

  /** Back to the ROM loader waiting for SYNC, as after a reset. */
  reset(): void {
    this.write?.inflate?.destroy();
    this.write = undefined;
    this.read = undefined;
    this.memory = undefined;
    this.dialect = 'rom';
    this.synced = false;
  }

  private async frame(frame: Buffer): Promise<void> {
    if (this.read && frame.length === 4) return this.readAck(frame);
    // Anything else ends a READ_FLASH the client gave up on.
    this.read = undefined;
    const request = decodeRequest(frame);
    if (!request) return;
    const entry: LoggedRequest = {
      op: request.op,
      name: opName(request.op),
      dialect: this.dialect,
      length: request.data.length
    };
    this.requests.push(entry);
    if (!this.answerSync || (!this.synced && request.op !== Op.SYNC)) {
      entry.ignored = true;
      return;
    }
    const response = await this.dispatch(request);
    if (response === undefined) return;
    entry.error = response.error;
    this.respond(response);
  }

  private respond(response: Response): void {
    this.send(slipEncode(encodeResponse(this.dialect, response)));
  }

  private fail(op: number, romError: number, stubError: number): Response {
    return { op, error: this.dialect === 'rom' ? romError : stubError };
  }

  private async dispatch(request: Request): Promise<Response | undefined> {
    const { op } = request;
    if (this.dialect === 'rom' && !ROM_COMMANDS.has(op)) {
      // The ROM does not know it (ERASE_FLASH, GET_SECURITY_INFO on an ESP32, ...).
      return { op: ROM_INVALID_COMMAND_OP, error: RomError.INVALID_MESSAGE };
    }
    if (this.dialect === 'stub' && !ROM_COMMANDS.has(op) && !STUB_ONLY.has(op)) {
      return { op, error: StubError.INVALID_COMMAND };
    }
    if (this.dialect === 'stub' && op === Op.READ_FLASH_SLOW) return { op, error: StubError.INVALID_COMMAND };
    return this.command(request);
  }

  private async command(request: Request): Promise<Response | undefined> {
    const { op, data } = request;
    switch (op) {
      case Op.SYNC:
        return this.sync(data);
      case Op.READ_REG:
        return data.length === 4
          ? { op, value: this.registers.read(data.readUInt32LE(0)) }
          : this.badLength(op);
      case Op.WRITE_REG:
        return this.writeRegisters(op, data);
      case Op.SPI_ATTACH:
        this.spiParams = { totalSize: this.spiParams?.totalSize ?? 0, attach: data.readUInt32LE(0) };
        return { op };
      case Op.SPI_SET_PARAMS:
        this.spiParams = { ...this.spiParams, totalSize: data.readUInt32LE(4) };
        return { op };
      case Op.CHANGE_BAUDRATE:
        this.baudRate = data.readUInt32LE(0);
        return { op };
      case Op.MEM_BEGIN:
      case Op.MEM_DATA:
      case Op.MEM_END:
        return this.memoryCommand(request);
      case Op.FLASH_BEGIN:
      case Op.FLASH_DEFL_BEGIN:
        return this.flashBegin(op, data);
      case Op.FLASH_DATA:
      case Op.FLASH_DEFL_DATA:
        return this.flashData(request);
      case Op.FLASH_END:
      case Op.FLASH_DEFL_END:
        return this.flashEnd(op, data);
      default:
        return this.flashCommand(op, data);
    }
  }

  private async flashCommand(op: number, data: Buffer): Promise<Response | undefined> {
    switch (op) {
      case Op.SPI_FLASH_MD5:
        return this.md5(op, data);
      case Op.READ_FLASH_SLOW:
        return this.readSlow(op, data);
      case Op.ERASE_FLASH:
        await this.finishWrite();
        this.erase();
        return { op };
      case Op.ERASE_REGION:
        return this.eraseRegion(op, data);
      case Op.READ_FLASH:
        return this.startRead(op, data);
      default:
        return this.fail(op, RomError.INVALID_MESSAGE, StubError.INVALID_COMMAND);
    }
  }

  private badLength(op: number): Response {
    return this.fail(op, RomError.INVALID_MESSAGE, StubError.BAD_DATA_LEN);
  }

  private sync(data: Buffer): undefined {
    if (!data.equals(SYNC_PAYLOAD)) return undefined;
    this.synced = true;
    const value = this.dialect === 'rom' ? ROM_SYNC_VALUE : 0;
    for (let i = 0; i < SYNC_ANSWERS; i++) this.respond({ op: Op.SYNC, value });
    return undefined;
  }

  private writeRegisters(op: number, data: Buffer): Response {
    if (data.length === 0 || data.length % 16 !== 0) return this.badLength(op);
    for (let at = 0; at < data.length; at += 16) {
      this.registers.write(data.readUInt32LE(at), data.readUInt32LE(at + 4), data.readUInt32LE(at + 8));
    }
    return { op };
  }

  private memoryCommand({ op, data, checksum: chk }: Request): Response | undefined {
    if (op === Op.MEM_BEGIN) {
      const [size, , blockSize, address] = [0, 4, 8, 12].map((at) => data.readUInt32LE(at));
      this.memory = { address, data: Buffer.alloc(size), nextSeq: 0, blockSize };
      this.stubSegments.push({ address, data: this.memory.data });
      return { op };
    }
    if (op === Op.MEM_DATA) {
      const memory = this.memory;
      const block = this.dataBlock(data);
      if (!memory || !block) return this.badLength(op);
      if (checksum(block.payload) !== chk)
        return this.fail(op, RomError.INVALID_CRC, StubError.BAD_DATA_CHECKSUM);
      if (block.seq !== memory.nextSeq)
        return this.fail(op, RomError.INVALID_MESSAGE, StubError.BAD_DATA_LEN);
      block.payload.copy(memory.data, block.seq * memory.blockSize);
      memory.nextSeq++;
      return { op };
    }
    // MEM_END: word 0 is 1 for "no entry point", word 1 the entry point.
    this.memory = undefined;
    const execute = data.readUInt32LE(0) === 0;
    this.respond({ op });
    if (execute && this.dialect === 'rom') {
      this.dialect = 'stub';
      this.send(slipEncode(Buffer.from('OHAI')));
    }
    return undefined;
  }

  /** FLASH_DATA-style data: length, sequence number, two zero words, then the payload. */
  private dataBlock(data: Buffer): { seq: number; payload: Buffer } | undefined {
    if (data.length < 16) return undefined;
    const length = data.readUInt32LE(0);
    const payload = data.subarray(16);
    return payload.length === length ? { seq: data.readUInt32LE(4), payload } : undefined;
  }

  private async flashBegin(op: number, data: Buffer): Promise<Response> {
    await this.finishWrite();
    if (data.length < 16) return this.badLength(op);
    const [size, , blockSize, offset] = [0, 4, 8, 12].map((at) => data.readUInt32LE(at));
    if (offset + size > this.flash.length)
      return this.fail(op, RomError.FAILED_TO_ACT, StubError.BAD_DATA_LEN);
    // The ROM erases the region up front; the stub as it writes. Either way whole sectors.
    const start = offset - (offset % SECTOR_SIZE);
    const end = Math.min(this.flash.length, Math.ceil((offset + size) / SECTOR_SIZE) * SECTOR_SIZE);
    this.erase(start, end - start);
    const compressed = op === Op.FLASH_DEFL_BEGIN;
    this.write = { compressed, offset, blockSize, nextSeq: 0, position: offset };
    if (compressed) this.write.inflate = this.inflater(this.write);
    return { op };
  }

  private inflater(session: WriteSession): zlib.Inflate {
    const inflate = zlib.createInflate();
    inflate.on('data', (chunk: Buffer) => {
      this.program(session.position, chunk);
      session.position += chunk.length;
    });
    // Errors are reported by the block that caused them (see `inflate`).
    inflate.on('error', () => undefined);
    return inflate;
  }

  /** Writes to NOR flash: bits only go from 1 to 0 until the next erase. */
  private program(offset: number, bytes: Buffer): void {
    const data = Buffer.from(bytes);
    if (this.corruptPending && data.length > 0) {
      data[0] ^= 0x01;
      this.corruptPending = false;
    }
    for (let i = 0; i < data.length && offset + i < this.flash.length; i++) this.flash[offset + i] &= data[i];
  }

  private async flashData(request: Request): Promise<Response> {
    const { op, data, checksum: chk } = request;
    const session = this.write;
    const block = this.dataBlock(data);
    if (!session || session.compressed !== (op === Op.FLASH_DEFL_DATA)) {
      return this.fail(op, RomError.FAILED_TO_ACT, StubError.NOT_IN_FLASH_MODE);
    }
    if (!block) return this.badLength(op);
    if (checksum(block.payload) !== chk)
      return this.fail(op, RomError.INVALID_CRC, StubError.BAD_DATA_CHECKSUM);
    if (block.seq !== session.nextSeq) return this.fail(op, RomError.INVALID_MESSAGE, StubError.BAD_DATA_LEN);
    session.nextSeq++;
    if (!session.inflate) {
      this.program(session.offset + block.seq * session.blockSize, block.payload);
      return { op };
    }
    const inflated = await this.inflate(session.inflate, block.payload);
    return inflated ? { op } : this.fail(op, RomError.DEFLATE, StubError.INFLATE);
  }

  /** Feeds a block to the stream and waits until its output is in the flash; false on a bad stream. */
  private inflate(inflate: zlib.Inflate, block: Buffer): Promise<boolean> {
    return new Promise((resolve) => {
      const onError = () => resolve(false);
      inflate.once('error', onError);
      inflate.write(block);
      inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        inflate.off('error', onError);
        // 'data' events still queued run before this.
        setImmediate(() => resolve(true));
      });
    });
  }

  /** Everything sent so far is in the flash (the ROM dialect sends no FLASH_DEFL_END before MD5). */
  private async finishWrite(): Promise<void> {
    const inflate = this.write?.inflate;
    if (inflate && !inflate.destroyed) await this.inflate(inflate, Buffer.alloc(0));
  }

  private async flashEnd(op: number, data: Buffer): Promise<Response | undefined> {
    await this.finishWrite();
    this.write?.inflate?.destroy();
    this.write = undefined;
    // Word 0: 0 to reboot, 1 to stay (the stub) or run the app (the ROM leaves either way).
    const stay = data.length >= 4 && data.readUInt32LE(0) === 1;
    this.respond({ op });
    if (this.dialect === 'rom' || !stay) this.reset();
    return undefined;
  }

  private async md5(op: number, data: Buffer): Promise<Response> {
    await this.finishWrite();
    const [address, size] = [data.readUInt32LE(0), data.readUInt32LE(4)];
    if (address + size > this.flash.length) return this.fail(op, RomError.FLASH_READ, StubError.BAD_DATA_LEN);
    const digest = createHash('md5')
      .update(this.flash.subarray(address, address + size))
      .digest();
    return { op, data: this.dialect === 'rom' ? Buffer.from(digest.toString('hex'), 'ascii') : digest };
  }

  private readSlow(op: number, data: Buffer): Response {
    const [address, size] = [data.readUInt32LE(0), data.readUInt32LE(4)];
    if (size > 64) return { op, error: RomError.FLASH_READ_LENGTH };
    // The ROM always answers 64 bytes, whatever was asked.
    const block = Buffer.alloc(64, 0xff);
    this.flash.copy(block, 0, address, Math.min(address + size, this.flash.length));
    return { op, data: block };
  }

  private async eraseRegion(op: number, data: Buffer): Promise<Response> {
    await this.finishWrite();
    const [offset, size] = [data.readUInt32LE(0), data.readUInt32LE(4)];
    if (offset % SECTOR_SIZE || size % SECTOR_SIZE || offset + size > this.flash.length) {
      return { op, error: StubError.BAD_DATA_LEN };
    }
    this.erase(offset, size);
    return { op };
  }

  /** The stub's READ_FLASH: answer, then packets of `packetSize`, at most `maxInFlight` unacknowledged, then the MD5. */
  private async startRead(op: number, data: Buffer): Promise<undefined> {
    await this.finishWrite();
    const [offset, length, packetSize, maxInFlight] = [0, 4, 8, 12].map((at) => data.readUInt32LE(at));
    if (offset + length > this.flash.length || packetSize === 0) {
      this.respond({ op, error: StubError.BAD_DATA_LEN });
      return undefined;
    }
    this.respond({ op });
    this.read = {
      start: offset,
      end: offset + length,
      packetSize,
      maxInFlight: Math.max(1, maxInFlight),
      sent: 0,
      acked: 0
    };
    this.pumpRead();
    return undefined;
  }

  private pumpRead(): void {
    const read = this.read!;
    const length = read.end - read.start;
    while (read.sent < length && read.sent - read.acked < read.maxInFlight * read.packetSize) {
      const size = Math.min(read.packetSize, length - read.sent);
      this.send(slipEncode(this.flash.subarray(read.start + read.sent, read.start + read.sent + size)));
      read.sent += size;
    }
  }

  /** During READ_FLASH the client answers each packet with the total it has received, as 4 bytes. */
  private readAck(frame: Buffer): void {
    const read = this.read!;
    if (frame.length !== 4) return;
    read.acked = frame.readUInt32LE(0);
    if (read.acked >= read.end - read.start) {
      this.read = undefined;
      this.send(slipEncode(createHash('md5').update(this.flash.subarray(read.start, read.end)).digest()));
      return;
    }
    this.pumpRead();
  }
}

export interface FakeEsp32Board {
  /** The pty's slave, /dev/pts/N: the "serial port" to hand to a flasher. */
  path: string;
  device: FakeEsp32;
  stop(): Promise<void>;
}

/** A fake ESP32 on a fresh pty; `stop` closes it. */
export async function startFakeEsp32(
  options: FakeEsp32Options & { pty?: Omit<PseudoTerminalOptions, 'relay' | 'hold'> } = {}
): Promise<FakeEsp32Board> {
  const pty: PseudoTerminal = await openPseudoTerminal({ ...options.pty, relay: true });
  const device = new FakeEsp32((bytes) => pty.write(bytes), options);
  pty.onData((chunk) => device.receive(chunk));
  return {
    path: pty.path,
    device,
    async stop() {
      await pty.close();
      await device.idle();
    }
  };
}
