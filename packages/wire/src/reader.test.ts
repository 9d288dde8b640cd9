import { DecodeError, Reader, Writer, fromHex, toHex } from './index.js';

describe('Reader/Writer', () => {
  it('round-trips integers and vectors', () => {
    const w = new Writer(1);
    w.u8(0xab).u16(0x1234).u24(0x56789a).u32(0xdeadbeef).u48(0x123456789abc).u64(0x0102030405060708n);
    w.vector(2, (v) => v.bytes(fromHex('cafe')));
    const bytes = w.finish();
    expect(toHex(bytes)).toBe('ab123456789adeadbeef123456789abc01020304050607080002cafe');
    const r = new Reader(bytes);
    expect(r.u8('a')).toBe(0xab);
    expect(r.u16('b')).toBe(0x1234);
    expect(r.u24('c')).toBe(0x56789a);
    expect(r.u32('d')).toBe(0xdeadbeef);
    expect(r.u48('e')).toBe(0x123456789abc);
    expect(r.u64('f')).toBe(0x0102030405060708n);
    expect(toHex(r.vector(2, 'g'))).toBe('cafe');
    r.expectEnd('end');
  });

  it('names the field and offset of a truncated read', () => {
    const r = new Reader(fromHex('0005aabb'));
    let err: unknown;
    try {
      r.vector(2, 'Extension.extension_data');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as DecodeError).field).toBe('Extension.extension_data');
    expect((err as DecodeError).offset).toBe(2);
  });

  it('checks vector bounds before using the length', () => {
    expect(() => new Reader(fromHex('01ff')).vector(1, 'x', 2, 10)).toThrow(/length 1 outside 2..10/);
  });

  it('refuses trailing bytes and vectors too long for their prefix', () => {
    const r = new Reader(fromHex('0102'));
    r.u8('a');
    expect(() => r.expectEnd('msg')).toThrow(DecodeError);
    expect(() => new Writer().vector(1, (w) => w.zeros(256))).toThrow(RangeError);
  });

  it('parses RFC-style hex dumps', () => {
    expect(toHex(fromHex('0x16 03 01\n 00:2e'))).toBe('160301002e');
    expect(() => fromHex('abc')).toThrow(TypeError);
  });
});
