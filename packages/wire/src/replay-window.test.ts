import fc from 'fast-check';
import { ReplayCheck, ReplayWindow } from './replay-window.js';

const TWO_32 = 0x1_0000_0000;

describe('ReplayWindow (RFC 4303 §3.4.3, Appendix A)', () => {
  it('accepts new numbers, rejects replays and numbers left of the window', () => {
    const w = new ReplayWindow({ size: 64, start: 1 });
    expect(w.checkSequence(0)).toBe(ReplayCheck.REPLAY); // below the start: counted as received
    expect(w.checkSequence(1)).toBe(ReplayCheck.OK);
    w.updateSequence(1);
    expect(w.checkSequence(1)).toBe(ReplayCheck.REPLAY);
    w.updateSequence(100);
    expect(w.checkSequence(37)).toBe(ReplayCheck.OK); // 100 - 63: the window's left edge
    expect(w.checkSequence(36)).toBe(ReplayCheck.TOO_OLD);
    expect(w.checkSequence(99)).toBe(ReplayCheck.OK); // reordered inside the window
    w.updateSequence(99);
    expect(w.checkSequence(99)).toBe(ReplayCheck.REPLAY);
    expect(w.checkSequence(100)).toBe(ReplayCheck.REPLAY);
    expect(w.checkSequence(101)).toBe(ReplayCheck.OK);
  });

  it('check() does not move the window; only update() does', () => {
    const w = new ReplayWindow({ size: 64, start: 1 });
    expect(w.checkSequence(1000)).toBe(ReplayCheck.OK);
    expect(w.checkSequence(1)).toBe(ReplayCheck.OK);
    expect(w.top).toBe(0n);
  });

  it('refuses sizes that are not powers of two in 64..65536', () => {
    expect(() => new ReplayWindow({ size: 32 })).toThrow(RangeError);
    expect(() => new ReplayWindow({ size: 1000 })).toThrow(RangeError);
    expect(() => new ReplayWindow({ size: 131072 })).toThrow(RangeError);
    expect(new ReplayWindow({ size: 4096 }).size).toBe(4096);
    expect(new ReplayWindow({ size: 65536 }).size).toBe(65536);
  });

  it('without a start accepts any first number (DTLS, 48-bit sequence numbers)', () => {
    const w = new ReplayWindow({ size: 64 });
    const seq = 2 ** 48 - 2;
    expect(w.checkSequence(seq)).toBe(ReplayCheck.OK);
    w.updateSequence(seq);
    expect(w.checkSequence(seq)).toBe(ReplayCheck.REPLAY);
    expect(w.checkSequence(seq + 1)).toBe(ReplayCheck.OK);
    expect(w.checkSequence(seq - 64)).toBe(ReplayCheck.TOO_OLD);
  });

  it('infers ESN high-order bits in both cases of Appendix A2.2', () => {
    // Case A: window within one sub-space. T = 2^32 + 1000, W = 64.
    const a = new ReplayWindow({ size: 64, start: BigInt(TWO_32) + 1001n });
    expect(a.inferHigh(1000)).toBe(1);
    expect(a.inferHigh(937)).toBe(1); // left edge
    expect(a.inferHigh(936)).toBe(2); // below the window: taken as the next sub-space
    expect(a.inferHigh(5000)).toBe(1);
    // Case B: window spans the 2^32 boundary. T = 2^32 + 10.
    const b = new ReplayWindow({ size: 64, start: BigInt(TWO_32) + 11n });
    expect(b.inferHigh(5)).toBe(1);
    expect(b.inferHigh(TWO_32 - 1)).toBe(0); // just before the boundary: old sub-space
    expect(b.inferHigh(TWO_32 - 53)).toBe(0); // left edge of the window
    expect(b.inferHigh(100)).toBe(1);
    // Th = 0 and the window still near the start: "older sub-space" does not exist.
    const c = new ReplayWindow({ size: 64, start: 5n });
    expect(c.inferHigh(0xffff_fff0)).toBe(-1);
    expect(c.check(-1, 0xffff_fff0)).toBe(ReplayCheck.TOO_OLD);
  });

  it('carries the window across 2^32 with ESN', () => {
    const w = new ReplayWindow({ size: 128, start: BigInt(TWO_32 - 5) });
    for (let lo = TWO_32 - 5; lo < TWO_32; lo++) {
      const hi = w.inferHigh(lo);
      expect(hi).toBe(0);
      expect(w.check(hi, lo)).toBe(ReplayCheck.OK);
      w.update(hi, lo);
    }
    for (let lo = 0; lo < 5; lo++) {
      const hi = w.inferHigh(lo);
      expect(hi).toBe(1);
      expect(w.check(hi, lo)).toBe(ReplayCheck.OK);
      w.update(hi, lo);
    }
    expect(w.top).toBe(BigInt(TWO_32) + 4n);
    // Replay of a pre-boundary packet is recognised with the right high bits.
    const lo = TWO_32 - 2;
    expect(w.inferHigh(lo)).toBe(0);
    expect(w.check(0, lo)).toBe(ReplayCheck.REPLAY);
  });

  it('starts at a full 64-bit number', () => {
    const w = new ReplayWindow({ size: 64, start: 0xffff_ffff_ffff_fff0n });
    expect(w.check(0xffff_ffff, 0xffff_fff0)).toBe(ReplayCheck.OK);
    expect(w.check(0xffff_ffff, 0xffff_ffef)).toBe(ReplayCheck.REPLAY);
    expect(w.check(0xffff_ffff, 0xffff_ff00)).toBe(ReplayCheck.TOO_OLD);
    expect(() => new ReplayWindow({ start: 1n << 64n })).toThrow(RangeError);
  });

  it('agrees with a set-based model on random sequences (sizes 64..4096)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(64, 128, 1024, 4096),
        fc.array(fc.integer({ min: 1, max: 20000 }), { maxLength: 400 }),
        (size, seqs) => {
          const w = new ReplayWindow({ size, start: 1 });
          const seen = new Set<number>();
          let top = 0;
          for (const s of seqs) {
            const expected = s > top ? ReplayCheck.OK : top - s >= size ? ReplayCheck.TOO_OLD : seen.has(s) ? ReplayCheck.REPLAY : ReplayCheck.OK;
            const got = w.checkSequence(s);
            if (got !== expected) return false;
            if (got === ReplayCheck.OK) {
              w.updateSequence(s);
              seen.add(s);
              top = Math.max(top, s);
            }
          }
          return true;
        },
      ),
      { seed: 4303, numRuns: 300 },
    );
  });
});
