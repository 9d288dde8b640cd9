/**
 * Random sources. `secureRandom` uses the platform CSPRNG (Web Crypto `getRandomValues`, present
 * in Node.js ≥ 19 and every browser). `seededRandom` is deterministic — for tests and for replaying
 * RFC traces only, never for real keys.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { RandomSource } from './types.js';

const MAX_GET_RANDOM_VALUES = 65536;

export const secureRandom: RandomSource = {
  randomBytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let off = 0; off < length; off += MAX_GET_RANDOM_VALUES) {
      globalThis.crypto.getRandomValues(out.subarray(off, Math.min(length, off + MAX_GET_RANDOM_VALUES)));
    }
    return out;
  },
};

/**
 * A deterministic stream: ChaCha20 keyed with SHA-256(seed), zero nonce, continuing where the
 * previous call stopped. Two sources with the same seed produce the same bytes.
 */
export function seededRandom(seed: string | Uint8Array): RandomSource {
  const key = sha256(typeof seed === 'string' ? new TextEncoder().encode(seed) : seed);
  const nonce = new Uint8Array(12);
  let counter = 0;
  let buffered = new Uint8Array(0);
  return {
    randomBytes(length: number): Uint8Array {
      const out = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        if (buffered.length === 0) {
          buffered = chacha20(key, nonce, new Uint8Array(64), undefined, counter++);
        }
        const n = Math.min(buffered.length, length - filled);
        out.set(buffered.subarray(0, n), filled);
        buffered = buffered.subarray(n);
        filled += n;
      }
      return out;
    },
  };
}
