import {
  escapeData,
  negotiationReply,
  parseRfc2217Url,
  subnegotiation,
  TelnetParser
} from '../../src/flash/rfc2217.js';

describe('RFC 2217 URLs', () => {
  it('host, port and ign_set_control', () => {
    expect(parseRfc2217Url('rfc2217://pi.local:4000')).toEqual({
      host: 'pi.local',
      port: 4000,
      ignoreControlAck: false
    });
    expect(parseRfc2217Url('rfc2217://[::1]:4000?ign_set_control')).toEqual({
      host: '::1',
      port: 4000,
      ignoreControlAck: true
    });
  });
  it('refuses what is not one, with an example', () => {
    for (const bad of ['pi.local:4000', 'rfc2217://pi.local', 'socket://pi:4000', 'rfc2217://:4000']) {
      expect(() => parseRfc2217Url(bad)).toThrow(/rfc2217:\/\/raspberrypi\.local:4000/);
    }
    expect(() => parseRfc2217Url('rfc2217://pi:4000?baud=9')).toThrow(/unknown option baud/);
  });
});

describe('Telnet framing', () => {
  it('doubles 0xFF in data and in subnegotiation values', () => {
    expect([...escapeData(Buffer.from([1, 0xff, 2]))]).toEqual([1, 0xff, 0xff, 2]);
    expect([...subnegotiation(1, Buffer.from([0, 0, 0xff, 0]))]).toEqual([
      0xff, 0xfa, 0x2c, 1, 0, 0, 0xff, 0xff, 0, 0xff, 0xf0
    ]);
  });
  it('splits data, negotiations and subnegotiations across chunk boundaries', () => {
    const parser = new TelnetParser();
    const wire = Buffer.from([
      0x41, 0xff, 0xff, 0x42, 0xff, 0xfd, 0x2c, 0xff, 0xfa, 0x2c, 0x65, 0, 1, 0xff, 0xff, 0, 0xff, 0xf0, 0x43
    ]);
    const events = [...wire].flatMap((byte) => parser.push(Buffer.from([byte])));
    const data = Buffer.concat(
      events.filter((e) => e.kind === 'data').map((e) => (e as { data: Buffer }).data)
    );
    expect([...data]).toEqual([0x41, 0xff, 0x42, 0x43]);
    expect(events).toContainEqual({ kind: 'negotiate', verb: 0xfd, option: 0x2c });
    expect(events).toContainEqual({
      kind: 'subnegotiation',
      option: 0x2c,
      payload: Buffer.from([0x65, 0, 1, 0xff, 0])
    });
  });
  it('agrees to binary, SGA and the COM port option only', () => {
    expect([...negotiationReply(0xfd, 0x2c)!]).toEqual([0xff, 0xfb, 0x2c]);
    expect([...negotiationReply(0xfb, 0x00)!]).toEqual([0xff, 0xfd, 0x00]);
    expect([...negotiationReply(0xfd, 0x01)!]).toEqual([0xff, 0xfc, 0x01]);
    expect([...negotiationReply(0xfb, 0x01)!]).toEqual([0xff, 0xfe, 0x01]);
    expect(negotiationReply(0xfc, 0x01)).toBeUndefined();
  });
});
