/** A RandomSource that hands out given byte strings in order, for replaying a published trace. */
import { seededRandom, type RandomSource } from '@layersec/crypto-primitives';
import { toHex } from '@layersec/wire';

/**
 * Returns `chunks` in order, each for a request of exactly its length; once they are used up, further
 * requests (RSA blinding, for example, which does not change any output) come from a seeded stream.
 */
export function fixedRandom(...chunks: Uint8Array[]): RandomSource & { remaining: number } {
  const queue = [...chunks];
  const after = seededRandom('fixedRandom: after the given chunks');
  return {
    get remaining() {
      return queue.length;
    },
    randomBytes(length: number): Uint8Array {
      const next = queue.shift();
      if (!next) return after.randomBytes(length);
      if (next.length !== length) throw new Error(`fixedRandom: asked for ${length} bytes, next is ${next.length} (${toHex(next).slice(0, 16)}...)`);
      return next;
    },
  };
}
