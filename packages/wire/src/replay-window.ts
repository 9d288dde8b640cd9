/**
 * The anti-replay sliding window shared by ESP (RFC 4303 §3.4.3 and Appendix A) and DTLS
 * (RFC 6347 §4.1.2.6 / RFC 9147 §4.5.1).
 *
 * A bitmap of `size` bits (a power of two, 64 to 65536) indexed by the sequence number modulo
 * `size`, plus the highest sequence number accepted so far (the right edge of the window, `T`).
 * `check()` costs O(1); `update()` clears the bits the window slides over word by word, so it
 * costs O(1) amortised and at most `size / 32` word writes.
 *
 * Sequence numbers are carried as two 32-bit halves (`hi`, `lo`) so that the full 64-bit ESP
 * sequence space needs no BigInt on the per-packet path; `checkSequence`/`updateSequence` take a
 * plain number for DTLS's 48-bit sequence numbers.
 *
 * Ordering, as RFC 4303 §3.4.3 requires: `check()` before the integrity check (a cheap reject of
 * replays and too-old packets), `update()` only after the ICV has verified, so that forged packets
 * cannot move the window.
 */

/** Outcome of {@link ReplayWindow.check}. */
export const ReplayCheck = {
  /** Not seen before and inside (or to the right of) the window. */
  OK: 0,
  /** Inside the window and already received. */
  REPLAY: 1,
  /** To the left of the window: too old to tell, rejected (RFC 4303 §3.4.3). */
  TOO_OLD: 2,
} as const;
export type ReplayCheck = (typeof ReplayCheck)[keyof typeof ReplayCheck];

const TWO_32 = 0x1_0000_0000;

export interface ReplayWindowOptions {
  /** Window size in packets: a power of two from 64 to 65536. Default 1024. */
  size?: number;
  /**
   * The first sequence number the window accepts: everything below it counts as already
   * received. ESP starts at 1 (RFC 4303 §2.2: the first packet sent has sequence number 1); an
   * SA installed mid-stream starts at its current counter. Omitted: nothing has been received
   * yet and the first packet checked is accepted whatever its number (DTLS epochs).
   */
  start?: bigint | number;
}

export class ReplayWindow {
  readonly size: number;
  private readonly mask: number;
  private readonly bitmap: Uint32Array;
  /** High and low 32 bits of T, the highest sequence number accepted. */
  private tHi = 0;
  private tLo = 0;
  /** Whether any sequence number has been accepted (or a start was given). */
  private anchored = false;

  constructor(options: ReplayWindowOptions = {}) {
    const size = options.size ?? 1024;
    if (!Number.isInteger(size) || size < 64 || size > 65536 || (size & (size - 1)) !== 0) {
      throw new RangeError(`replay window size must be a power of two from 64 to 65536, got ${size}`);
    }
    this.size = size;
    this.mask = size - 1;
    this.bitmap = new Uint32Array(size >>> 5);
    if (options.start !== undefined) {
      const start = BigInt(options.start);
      if (start < 0n || start > 0xffff_ffff_ffff_ffffn) throw new RangeError(`window start ${start} outside 0..2^64-1`);
      if (start > 0n) {
        // T = start - 1 with every bit set: all numbers below `start` count as received.
        const t = start - 1n;
        this.tHi = Number(t >> 32n);
        this.tLo = Number(t & 0xffff_ffffn);
        this.bitmap.fill(0xffff_ffff);
        this.anchored = true;
      }
    }
  }

  /** High 32 bits of the highest sequence number accepted (RFC 4303 Appendix A "Th"). */
  get topHigh(): number {
    return this.tHi;
  }

  /** Low 32 bits of the highest sequence number accepted ("Tl"). */
  get topLow(): number {
    return this.tLo;
  }

  /** The highest sequence number accepted, as a BigInt (for display and state export). */
  get top(): bigint {
    return (BigInt(this.tHi) << 32n) | BigInt(this.tLo);
  }

  /**
   * RFC 4303 Appendix A2.2: the high-order 32 bits of an Extended Sequence Number, inferred from
   * the low-order 32 bits carried in the packet and the window's position. Returns -1 when the
   * inferred number would lie below zero (the packet is older than anything the SA can carry:
   * reject it as too old).
   */
  inferHigh(seqLow: number): number {
    const w = this.size;
    const th = this.tHi;
    const tl = this.tLo;
    if (tl >= w - 1) {
      // Case A: the window lies within one 2^32 sub-space.
      return seqLow >= tl - w + 1 ? th : th + 1;
    }
    // Case B: the window spans two sub-spaces; its bottom is at (Tl - W + 1) mod 2^32.
    const bottom = tl - w + 1 + TWO_32;
    if (seqLow >= bottom) return th - 1; // in the older sub-space (−1 when Th = 0: too old)
    return th;
  }

  /** Checks the sequence number `hi·2^32 + lo` against the window without changing it. */
  check(hi: number, lo: number): ReplayCheck {
    if (!this.anchored) return ReplayCheck.OK;
    if (hi < 0) return ReplayCheck.TOO_OLD;
    if (hi > this.tHi || (hi === this.tHi && lo > this.tLo)) return ReplayCheck.OK;
    const diff = (this.tHi - hi) * TWO_32 + (this.tLo - lo);
    if (diff >= this.size) return ReplayCheck.TOO_OLD;
    const bit = lo & this.mask;
    return (this.bitmap[bit >>> 5] & (1 << (bit & 31))) !== 0 ? ReplayCheck.REPLAY : ReplayCheck.OK;
  }

  /**
   * Records `hi·2^32 + lo` as received, sliding the window when it is to the right of the top.
   * Call only after the packet's integrity has been verified, and only when `check()` was OK.
   */
  update(hi: number, lo: number): void {
    if (!this.anchored) {
      this.anchored = true;
      this.bitmap.fill(0);
      this.tHi = hi;
      this.tLo = lo;
      this.setBit(lo);
      return;
    }
    if (hi > this.tHi || (hi === this.tHi && lo > this.tLo)) {
      const diff = (hi - this.tHi) * TWO_32 + (lo - this.tLo);
      if (diff >= this.size) {
        this.bitmap.fill(0);
      } else {
        this.clearRange(this.tLo + 1, diff);
      }
      this.tHi = hi;
      this.tLo = lo;
    }
    this.setBit(lo);
  }

  /** `check` for a sequence number below 2^53 (DTLS's 48-bit record sequence numbers). */
  checkSequence(seq: number): ReplayCheck {
    return this.check(Math.floor(seq / TWO_32), seq >>> 0);
  }

  /** `update` for a sequence number below 2^53. */
  updateSequence(seq: number): void {
    this.update(Math.floor(seq / TWO_32), seq >>> 0);
  }

  private setBit(lo: number): void {
    const bit = lo & this.mask;
    this.bitmap[bit >>> 5] |= 1 << (bit & 31);
  }

  /** Clears `count` (< size) consecutive bit positions starting at sequence low bits `from`. */
  private clearRange(from: number, count: number): void {
    let pos = from & this.mask;
    let left = count;
    while (left > 0) {
      if ((pos & 31) === 0 && left >= 32) {
        this.bitmap[pos >>> 5] = 0;
        pos = (pos + 32) & this.mask;
        left -= 32;
      } else {
        this.bitmap[pos >>> 5] &= ~(1 << (pos & 31));
        pos = (pos + 1) & this.mask;
        left -= 1;
      }
    }
  }
}
