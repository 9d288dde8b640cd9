/** Test helper: the two providers every known-answer vector runs against. */
import type { CryptoProvider } from '../types.js';
import { nobleProvider } from '../noble/index.js';
import { nodeProvider } from '../node/index.js';

export const PROVIDERS: ReadonlyArray<[string, CryptoProvider]> = [
  ['noble', nobleProvider],
  ['node', nodeProvider],
];
