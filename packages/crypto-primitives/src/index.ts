export * from './types.js';
export { CryptoError, type CryptoErrorCode } from './errors.js';
export { constantTimeEqual } from './constant-time.js';
export { secureRandom, seededRandom } from './random.js';
export { nobleProvider } from './noble/index.js';
export * from './kdf/index.js';
export * from './x509/index.js';
export * from './keys/index.js';
