import { randomFillSync } from 'node:crypto';
import type { RandomSource } from '../types.js';

/** OpenSSL's CSPRNG through node:crypto. */
export const nodeRandom: RandomSource = {
  randomBytes(length: number): Uint8Array {
    return randomFillSync(new Uint8Array(length));
  },
};
