/**
 * The `node` provider: node:crypto (OpenSSL). The fast path for bulk AEAD, hashing, HMAC, the key
 * exchanges and signatures OpenSSL has. Only usable on Node.js; import it from
 * `@layersec/crypto-primitives/node` so that browser bundles never see node:crypto.
 */
import type { CryptoProvider } from '../types.js';
import { nodeSymmetric } from './symmetric.js';
import { nodeKeyExchange } from './key-exchange.js';
import { nodeSignatures } from './signatures.js';
import { nodeRandom } from './random.js';

export const nodeProvider: CryptoProvider = {
  name: 'node',
  ...nodeSymmetric,
  keyExchange: nodeKeyExchange,
  ...nodeSignatures,
  random: nodeRandom,
};
