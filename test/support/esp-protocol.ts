/**
 * The byte level of Espressif's serial download protocol, as its "Serial
 * Protocol" documentation describes it: SLIP framing, and the request and
 * response packets inside the frames. Used by the fake ESP32 ROM loader
 * (fake-esp32.ts) and its tests.
 *
 * A frame starts and ends with 0xC0; inside it 0xC0 is sent as 0xDB 0xDC and
 * 0xDB as 0xDB 0xDD. A request is direction 0x00, the command, a 16-bit
 * little-endian data length, a 32-bit checksum (used by the *_DATA commands)
 * and the data. A response is direction 0x01, the command, the length, a
 * 32-bit value (READ_REG's result) and the data, which ends with the status
 * bytes: 4 of them from the ESP32 ROM, 2 from the flasher stub.
 */

export const SLIP_END = 0xc0;
export const SLIP_ESC = 0xdb;
export const SLIP_ESC_END = 0xdc;
export const SLIP_ESC_ESC = 0xdd;

/** Command codes (the "command" byte of a packet). */
export const Op = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  MEM_BEGIN: 0x05,
  MEM_END: 0x06,
  MEM_DATA: 0x07,
  SYNC: 0x08,
  WRITE_REG: 0x09,
  READ_REG: 0x0a,
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  READ_FLASH_SLOW: 0x0e,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
  ERASE_FLASH: 0xd0,
  ERASE_REGION: 0xd1,
  READ_FLASH: 0xd2,
  RUN_USER_CODE: 0xd3
} as const;

const OP_NAMES = new Map<number, string>(Object.entries(Op).map(([name, code]) => [code, name]));

export function opName(op: number): string {
  return OP_NAMES.get(op) ?? `0x${op.toString(16).padStart(2, '0')}`;
}

/** Seed of the XOR checksum over the data of MEM_DATA, FLASH_DATA and FLASH_DEFL_DATA. */
export const CHECKSUM_SEED = 0xef;

export function checksum(data: Uint8Array): number {
  let state = CHECKSUM_SEED;
  for (const byte of data) state ^= byte;
  return state;
}

export function slipEncode(packet: Uint8Array): Buffer {
  const out: number[] = [SLIP_END];
  for (const byte of packet) {
    if (byte === SLIP_END) out.push(SLIP_ESC, SLIP_ESC_END);
    else if (byte === SLIP_ESC) out.push(SLIP_ESC, SLIP_ESC_ESC);
    else out.push(byte);
  }
  out.push(SLIP_END);
  return Buffer.from(out);
}

/**
 * Turns a byte stream into SLIP frames, whatever the chunking: a frame, or
 * an escape, may be split across chunks, and a chunk may hold several frames.
 * Bytes outside a frame (a boot log, line noise) are dropped, as the ROM
 * drops them; so are empty frames (two 0xC0 in a row).
 */
export class SlipDecoder {
  private inFrame = false;
  private escaped = false;
  private current: number[] = [];

  push(chunk: Uint8Array): Buffer[] {
    const frames: Buffer[] = [];
    for (const byte of chunk) {
      const frame = this.byte(byte);
      if (frame) frames.push(frame);
    }
    return frames;
  }

  private byte(byte: number): Buffer | undefined {
    if (byte === SLIP_END) {
      const frame = this.inFrame && this.current.length > 0 ? Buffer.from(this.current) : undefined;
      // An end marker also opens the next frame: 0xC0 0xC0 between frames is fine.
      this.inFrame = true;
      this.escaped = false;
      this.current = [];
      return frame;
    }
    if (!this.inFrame) return undefined;
    if (this.escaped) {
      this.escaped = false;
      // An invalid escape is kept as it came; the packet's checks will refuse it.
      this.current.push(byte === SLIP_ESC_END ? SLIP_END : byte === SLIP_ESC_ESC ? SLIP_ESC : byte);
    } else if (byte === SLIP_ESC) {
      this.escaped = true;
    } else {
      this.current.push(byte);
    }
    return undefined;
  }
}

export interface Request {
  op: number;
  /** The 32-bit checksum field. */
  checksum: number;
  data: Buffer;
}

/** A request packet, or undefined for a frame that is not one (wrong direction, short, bad length). */
export function decodeRequest(frame: Buffer): Request | undefined {
  if (frame.length < 8 || frame[0] !== 0x00) return undefined;
  const size = frame.readUInt16LE(2);
  if (frame.length !== 8 + size) return undefined;
  return { op: frame[1], checksum: frame.readUInt32LE(4), data: frame.subarray(8) };
}

export function encodeRequest(op: number, data: Uint8Array = Buffer.alloc(0), chk = 0): Buffer {
  const header = Buffer.alloc(8);
  header[0] = 0x00;
  header[1] = op;
  header.writeUInt16LE(data.length, 2);
  header.writeUInt32LE(chk >>> 0, 4);
  return Buffer.concat([header, data]);
}

/** Which loader answers: the ROM's (4 status bytes) or the flasher stub's (2). */
export type Dialect = 'rom' | 'stub';

export interface Response {
  op: number;
  value?: number;
  /** Data before the status bytes (MD5, READ_FLASH_SLOW's block). */
  data?: Uint8Array;
  /** 0 for success; otherwise an error code, sent after a status byte of 1. */
  error?: number;
}

export function encodeResponse(dialect: Dialect, response: Response): Buffer {
  const payload = Buffer.from(response.data ?? []);
  const status = Buffer.alloc(dialect === 'rom' ? 4 : 2);
  if (response.error) {
    status[0] = 1;
    status[1] = response.error;
  }
  const header = Buffer.alloc(8);
  header[0] = 0x01;
  header[1] = response.op;
  header.writeUInt16LE(payload.length + status.length, 2);
  header.writeUInt32LE((response.value ?? 0) >>> 0, 4);
  return Buffer.concat([header, payload, status]);
}

export interface DecodedResponse {
  op: number;
  value: number;
  data: Buffer;
}

export function decodeResponse(frame: Buffer): DecodedResponse | undefined {
  if (frame.length < 8 || frame[0] !== 0x01) return undefined;
  return { op: frame[1], value: frame.readUInt32LE(4), data: frame.subarray(8) };
}

/** Error codes of the ROM loader (the second status byte), from the protocol's documentation. */
export const RomError = {
  INVALID_MESSAGE: 0x05,
  FAILED_TO_ACT: 0x06,
  INVALID_CRC: 0x07,
  FLASH_WRITE: 0x08,
  FLASH_READ: 0x09,
  FLASH_READ_LENGTH: 0x0a,
  DEFLATE: 0x0b
} as const;

/** Error codes of the flasher stub. */
export const StubError = {
  BAD_DATA_LEN: 0xc0,
  BAD_DATA_CHECKSUM: 0xc1,
  INVALID_COMMAND: 0xc3,
  NOT_IN_FLASH_MODE: 0xc6,
  INFLATE: 0xc7
} as const;
