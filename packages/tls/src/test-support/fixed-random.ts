/** A RandomSource that hands out given byte strings in order, for replaying a published trace. */
import type { RandomSource } from '@layersec/crypto-primitives';
import { toHex } from '@layersec/wire';

export function fixedRandom(...chunks: Uint8Array[]): RandomSource & { remaining: number } {
  const queue = [...chunks];
  return {
    get remaining() {
      return queue.length;
    },
    randomBytes(length: number): Uint8Array {
      const next = queue.shift();
      if (!next) throw new Error(`fixedRandom exhausted (asked for ${length} bytes)`);
      if (next.length !== length) throw new Error(`fixedRandom: asked for ${length} bytes, next is ${next.length} (${toHex(next).slice(0, 16)}...)`);
      return next;
    },
  };
}
