import { DecodeError } from './errors.js';

/**
 * A bounds-checked cursor over bytes. Every read names the field it reads, so that a truncated or
 * inconsistent structure becomes a `DecodeError` saying which field and where, never an
 * out-of-range read. Length-prefixed sub-structures are read through `vector*`, which check the
 * length against what remains before using it.
 */
export class Reader {
  private pos: number;
  private readonly end: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    end = bytes.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  private need(n: number, field: string): void {
    if (n > this.end - this.pos) {
      throw new DecodeError(field, this.pos, `needs ${n} byte(s), ${this.end - this.pos} left`);
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.pos++];
  }

  u16(field: string): number {
    this.need(2, field);
    const v = (this.bytes[this.pos] << 8) | this.bytes[this.pos + 1];
    this.pos += 2;
    return v;
  }

  u24(field: string): number {
    this.need(3, field);
    const b = this.bytes;
    const v = (b[this.pos] << 16) | (b[this.pos + 1] << 8) | b[this.pos + 2];
    this.pos += 3;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const b = this.bytes;
    const v = ((b[this.pos] << 24) | (b[this.pos + 1] << 16) | (b[this.pos + 2] << 8) | b[this.pos + 3]) >>> 0;
    this.pos += 4;
    return v;
  }

  /** 48-bit big-endian unsigned integer (DTLS sequence numbers); exact as a JS number. */
  u48(field: string): number {
    this.need(6, field);
    const hi = this.u16(field);
    const lo = this.u32(field);
    return hi * 0x1_0000_0000 + lo;
  }

  u64(field: string): bigint {
    this.need(8, field);
    const hi = BigInt(this.u32(field));
    const lo = BigInt(this.u32(field));
    return (hi << 32n) | lo;
  }

  /** `n` bytes, as a view into the underlying buffer (no copy). */
  bytesView(n: number, field: string): Uint8Array {
    if (n < 0) throw new DecodeError(field, this.pos, `negative length ${n}`);
    this.need(n, field);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** `n` bytes, copied. */
  take(n: number, field: string): Uint8Array {
    return this.bytesView(n, field).slice();
  }

  /** Everything that remains, as a view. */
  rest(): Uint8Array {
    const v = this.bytes.subarray(this.pos, this.end);
    this.pos = this.end;
    return v;
  }

  skip(n: number, field: string): void {
    this.need(n, field);
    this.pos += n;
  }

  /** The next byte without consuming it. */
  peekU8(field: string): number {
    this.need(1, field);
    return this.bytes[this.pos];
  }

  /**
   * A vector with a `lengthBytes`-byte length prefix (TLS presentation language `<min..max>`),
   * returned as a view. `min`/`max` bound the length as the specification does.
   */
  vector(lengthBytes: 1 | 2 | 3 | 4, field: string, min = 0, max = Number.MAX_SAFE_INTEGER): Uint8Array {
    const at = this.pos;
    const len =
      lengthBytes === 1 ? this.u8(field) : lengthBytes === 2 ? this.u16(field) : lengthBytes === 3 ? this.u24(field) : this.u32(field);
    if (len < min || len > max) throw new DecodeError(field, at, `length ${len} outside ${min}..${max}`);
    return this.bytesView(len, field);
  }

  /** A Reader over a length-prefixed vector, for reading structures inside it. */
  subReader(lengthBytes: 1 | 2 | 3 | 4, field: string, min = 0, max = Number.MAX_SAFE_INTEGER): Reader {
    const start = this.pos;
    const v = this.vector(lengthBytes, field, min, max);
    const inner = new Reader(this.bytes, start + lengthBytes, start + lengthBytes + v.length);
    return inner;
  }

  /** A Reader over the next `n` bytes, which this reader skips. */
  slice(n: number, field: string): Reader {
    this.need(n, field);
    const r = new Reader(this.bytes, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }

  /** Throws unless every byte was consumed (trailing garbage is a decode error). */
  expectEnd(field: string): void {
    if (this.pos !== this.end) {
      throw new DecodeError(field, this.pos, `${this.end - this.pos} unexpected trailing byte(s)`);
    }
  }
}
