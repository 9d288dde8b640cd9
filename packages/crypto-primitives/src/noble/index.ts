/**
 * The `noble` provider: pure TypeScript on @noble/ciphers, @noble/hashes and @noble/curves (RSA on
 * BigInt from ../rsa). Runs anywhere a JavaScript engine runs; the reference every vector is
 * checked against.
 */
import type { CryptoProvider } from '../types.js';
import { secureRandom } from '../random.js';
import { nobleSymmetric } from './symmetric.js';
import { nobleKeyExchange } from './key-exchange.js';
import { nobleSignatures } from './signatures.js';

export const nobleProvider: CryptoProvider = {
  name: 'noble',
  ...nobleSymmetric,
  keyExchange: nobleKeyExchange,
  ...nobleSignatures,
  random: secureRandom,
};
