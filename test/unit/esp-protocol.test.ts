import { createHash, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import {
  checksum,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  Op,
  slipEncode,
  SlipDecoder
} from '../support/esp-protocol.js';
import { ESP32_CHIP_MAGIC, CHIP_DETECT_MAGIC_REG } from '../support/fake-esp32-registers.js';
import { FakeEsp32 } from '../support/fake-esp32.js';

describe('SLIP', () => {
  it('escapes 0xC0 and 0xDB inside the frame', () => {
    expect([...slipEncode(Buffer.from([1, 0xc0, 2, 0xdb, 3]))]).toEqual([
      0xc0, 1, 0xdb, 0xdc, 2, 0xdb, 0xdd, 3, 0xc0
    ]);
  });

  it('decodes frames whatever the chunking: split escapes, several frames per chunk, noise between', () => {
    const packets = [randomBytes(300), Buffer.from([0xc0, 0xdb, 0xc0]), randomBytes(5)];
    const stream = Buffer.concat([
      Buffer.from('boot log\r\n'),
      ...packets.map(slipEncode),
      Buffer.from([0xc0])
    ]);
    for (const size of [1, 2, 3, 7, 64, stream.length]) {
      const decoder = new SlipDecoder();
      const frames: Buffer[] = [];
      for (let at = 0; at < stream.length; at += size)
        frames.push(...decoder.push(stream.subarray(at, at + size)));
      expect(frames).toEqual(packets);
    }
  });
});

describe('packets', () => {
  it('checksums data from the 0xEF seed', () => {
    expect(checksum(Buffer.alloc(0))).toBe(0xef);
    expect(checksum(Buffer.from([0xef]))).toBe(0);
    expect(checksum(Buffer.from([1, 2, 4]))).toBe(0xef ^ 7);
  });

  it('encodes a request and decodes it back; a frame of the wrong length is no request', () => {
    const packet = encodeRequest(Op.READ_REG, Buffer.from([1, 2, 3, 4]), 0x1234);
    expect(decodeRequest(packet)).toEqual({
      op: Op.READ_REG,
      checksum: 0x1234,
      data: Buffer.from([1, 2, 3, 4])
    });
    expect(decodeRequest(packet.subarray(0, 10))).toBeUndefined();
  });

  it('ends a response with 4 status bytes from the ROM, 2 from the stub', () => {
    const rom = encodeResponse('rom', { op: Op.READ_REG, value: 0xdeadbeef });
    expect([...rom]).toEqual([1, Op.READ_REG, 4, 0, 0xef, 0xbe, 0xad, 0xde, 0, 0, 0, 0]);
    const stub = encodeResponse('stub', { op: Op.SPI_FLASH_MD5, data: Buffer.alloc(16, 7), error: 0xc1 });
    expect(stub.readUInt16LE(2)).toBe(18);
    expect([...stub.subarray(-2)]).toEqual([1, 0xc1]);
  });
});

/** A FakeEsp32 without a pty: requests in, decoded responses (and raw frames) out. */
function board() {
  const decoder = new SlipDecoder();
  const frames: Buffer[] = [];
  const device = new FakeEsp32((bytes) => frames.push(...decoder.push(bytes)));
  const ask = async (op: number, data: Buffer = Buffer.alloc(0), chk = 0) => {
    frames.length = 0;
    device.receive(slipEncode(encodeRequest(op, data, chk)));
    await device.idle();
    return frames.map((f) => decodeResponse(f) ?? f);
  };
  const words = (...values: number[]) =>
    Buffer.concat(values.map((v) => Buffer.from(new Uint32Array([v]).buffer)));
  const sync = () => ask(Op.SYNC, Buffer.concat([Buffer.from([7, 7, 0x12, 0x20]), Buffer.alloc(32, 0x55)]));
  return { device, ask, words, sync };
}

describe('FakeEsp32', () => {
  it('ignores everything before SYNC, then answers SYNC 8 times with a non-zero value', async () => {
    const { device, ask, words, sync } = board();
    expect(await ask(Op.READ_REG, words(CHIP_DETECT_MAGIC_REG))).toEqual([]);
    const answers = await sync();
    expect(answers).toHaveLength(8);
    expect(answers.every((a) => 'op' in a && a.op === Op.SYNC && a.value !== 0)).toBe(true);
    expect(await ask(Op.READ_REG, words(CHIP_DETECT_MAGIC_REG))).toMatchObject([{ value: ESP32_CHIP_MAGIC }]);
    expect(device.requests[0]).toMatchObject({ name: 'READ_REG', ignored: true });
  });

  it('answers commands the ROM lacks as invalid, with another command byte', async () => {
    const { ask, sync } = board();
    await sync();
    for (const op of [Op.GET_SECURITY_INFO, Op.ERASE_FLASH]) {
      expect(await ask(op)).toEqual([{ op: 0, value: 0, data: Buffer.from([1, 5, 0, 0]) }]);
    }
  });

  it('switches to the stub after MEM_END with an entry point: OHAI, 2 status bytes, raw MD5, erase', async () => {
    const { device, ask, words, sync } = board();
    await sync();
    const code = randomBytes(100);
    await ask(Op.MEM_BEGIN, words(100, 1, 0x1800, 0x400be000));
    expect(await ask(Op.MEM_DATA, Buffer.concat([words(100, 0, 0, 0), code]), checksum(code))).toMatchObject([
      { data: Buffer.alloc(4) }
    ]);
    const [ack, hello] = await ask(Op.MEM_END, words(0, 0x400be004));
    expect(ack).toMatchObject({ op: Op.MEM_END });
    expect(hello).toEqual(Buffer.from('OHAI'));
    expect(device.dialect).toBe('stub');
    expect(device.stubSegments).toEqual([{ address: 0x400be000, data: code }]);
    const [md5] = await ask(Op.SPI_FLASH_MD5, words(0, 0x1000, 0, 0));
    const expected = createHash('md5').update(Buffer.alloc(0x1000, 0xff)).digest();
    expect(md5).toMatchObject({ data: Buffer.concat([expected, Buffer.alloc(2)]) });
    device.flash.fill(0);
    expect(await ask(Op.ERASE_FLASH)).toMatchObject([{ op: Op.ERASE_FLASH, data: Buffer.alloc(2) }]);
    expect(device.flash.every((b) => b === 0xff)).toBe(true);
  });

  it('inflates FLASH_DEFL_DATA across blocks and answers MD5 as hex text in the ROM dialect', async () => {
    const { device, ask, words, sync } = board();
    await sync();
    const image = Buffer.concat([randomBytes(5000), Buffer.alloc(5000, 1)]);
    const compressed = deflateSync(image);
    const blocks = Math.ceil(compressed.length / 0x400);
    await ask(Op.FLASH_DEFL_BEGIN, words(0x3000, blocks, 0x400, 0x10000));
    for (let seq = 0; seq < blocks; seq++) {
      const block = compressed.subarray(seq * 0x400, (seq + 1) * 0x400);
      const [answer] = await ask(
        Op.FLASH_DEFL_DATA,
        Buffer.concat([words(block.length, seq, 0, 0), block]),
        checksum(block)
      );
      expect(answer).toMatchObject({ data: Buffer.alloc(4) });
    }
    expect(device.readFlash(0x10000, image.length).equals(image)).toBe(true);
    const [md5] = await ask(Op.SPI_FLASH_MD5, words(0x10000, image.length, 0, 0));
    const hex = createHash('md5').update(image).digest('hex');
    expect(md5).toMatchObject({ data: Buffer.concat([Buffer.from(hex), Buffer.alloc(4)]) });
  });

  it('refuses a data block whose checksum does not match', async () => {
    const { ask, words, sync } = board();
    await sync();
    await ask(Op.FLASH_BEGIN, words(0x400, 1, 0x400, 0));
    const block = Buffer.alloc(0x400, 3);
    const [answer] = await ask(
      Op.FLASH_DATA,
      Buffer.concat([words(0x400, 0, 0, 0), block]),
      checksum(block) ^ 1
    );
    expect(answer).toMatchObject({ data: Buffer.from([1, 7, 0, 0]) });
  });
});
