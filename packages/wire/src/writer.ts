/**
 * A growable big-endian byte writer. Length-prefixed vectors are written with `vector(n, fn)`,
 * which back-patches the length and refuses a body longer than the prefix can express.
 */
export class Writer {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u24(v: number): this {
    this.ensure(3);
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf[this.pos++] = (v >>> 24) & 0xff;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u48(v: number): this {
    this.u16(Math.floor(v / 0x1_0000_0000));
    return this.u32(v >>> 0);
  }

  u64(v: bigint): this {
    this.u32(Number((v >> 32n) & 0xffffffffn));
    return this.u32(Number(v & 0xffffffffn));
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
    return this;
  }

  /** Writes `fn`'s output preceded by its length in `lengthBytes` bytes. */
  vector(lengthBytes: 1 | 2 | 3 | 4, fn: (w: Writer) => void): this {
    const at = this.pos;
    this.zeros(lengthBytes);
    fn(this);
    const len = this.pos - at - lengthBytes;
    if (len >= 2 ** (8 * lengthBytes)) throw new RangeError(`vector body of ${len} bytes exceeds a ${lengthBytes}-byte length`);
    for (let i = lengthBytes - 1, v = len; i >= 0; i--, v = Math.floor(v / 256)) this.buf[at + i] = v & 0xff;
    return this;
  }

  /** Shorthand for a length-prefixed opaque vector. */
  vectorBytes(lengthBytes: 1 | 2 | 3 | 4, b: Uint8Array): this {
    return this.vector(lengthBytes, (w) => w.bytes(b));
  }

  /** Overwrites a 16-bit value at `offset` (for lengths known only after the body is written). */
  patchU16(offset: number, v: number): this {
    this.buf[offset] = (v >>> 8) & 0xff;
    this.buf[offset + 1] = v & 0xff;
    return this;
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
