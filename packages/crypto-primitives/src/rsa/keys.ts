/**
 * Shape checks for RSA keys (RFC 8017 §3.1, §3.2). A key that fails them is refused with a
 * CryptoError before any arithmetic is done with it; the bounds keep a peer's key from costing
 * unbounded CPU.
 */
import { CryptoError } from '../errors.js';
import type { PrivateKey, PublicKey } from '../types.js';
import { bitLength } from './integers.js';

export type RsaPublicKey = Extract<PublicKey, { type: 'rsa' }>;
export type RsaPrivateKey = Extract<PrivateKey, { type: 'rsa' }>;

/** Smallest and largest modulus accepted, in bits. */
export const MIN_MODULUS_BITS = 1024;
export const MAX_MODULUS_BITS = 16384;
/** Largest public exponent accepted, in bits (OpenSSL applies the same bound to large moduli). */
export const MAX_PUBLIC_EXPONENT_BITS = 64;

const checkedPublic = new WeakSet<object>();
const checkedPrivate = new WeakSet<object>();

/** RFC 8017 §3.1: n odd, 3 ≤ e < n, e odd; plus the size bounds above. */
export function checkRsaPublicKey(key: { readonly n: bigint; readonly e: bigint }): void {
  if (checkedPublic.has(key)) return;
  const { n, e } = key;
  if (typeof n !== 'bigint' || typeof e !== 'bigint') {
    throw new CryptoError('invalid-public-key', 'RSA n and e must be bigint');
  }
  const bits = bitLength(n);
  if (bits < MIN_MODULUS_BITS || bits > MAX_MODULUS_BITS) {
    throw new CryptoError('invalid-public-key', `RSA modulus of ${bits} bits is outside ${MIN_MODULUS_BITS}..${MAX_MODULUS_BITS}`);
  }
  if ((n & 1n) === 0n) throw new CryptoError('invalid-public-key', 'RSA modulus is even');
  if (e < 3n || (e & 1n) === 0n || e >= n || bitLength(e) > MAX_PUBLIC_EXPONENT_BITS) {
    throw new CryptoError('invalid-public-key', 'RSA public exponent out of range');
  }
  checkedPublic.add(key);
}

/**
 * RFC 8017 §3.2 (second representation): n = p·q, and the CRT values in range. Whether dP, dQ
 * and qInv fit p and q is checked on every private operation (see rsasp1), which is cheaper
 * than testing it here and also catches faults.
 */
export function checkRsaPrivateKey(key: RsaPrivateKey): void {
  if (checkedPrivate.has(key)) return;
  checkRsaPublicKey(key);
  const { n, p, q, dp, dq, qi, d } = key;
  for (const v of [p, q, dp, dq, qi, d]) {
    if (typeof v !== 'bigint' || v <= 0n) {
      throw new CryptoError('invalid-private-key', 'RSA private key values must be positive bigint');
    }
  }
  if (p * q !== n) throw new CryptoError('invalid-private-key', 'RSA n is not p·q');
  if (dp >= p || dq >= q || qi >= p || d >= n) {
    throw new CryptoError('invalid-private-key', 'RSA CRT values out of range');
  }
  checkedPrivate.add(key);
}
