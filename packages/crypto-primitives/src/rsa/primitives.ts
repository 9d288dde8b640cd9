/**
 * The RSA signature primitives of RFC 8017 §5.2: RSASP1 (the private operation, here on the
 * Chinese Remainder form with blinding and a check of its result) and RSAVP1.
 */
import { CryptoError } from '../errors.js';
import type { RandomSource } from '../types.js';
import { byteLength, mod, modInverse, modPow, os2ip } from './integers.js';
import { checkRsaPrivateKey, checkRsaPublicKey, type RsaPrivateKey } from './keys.js';

/** RFC 8017 §5.2.2 RSAVP1: m = s^e mod n. `null` when s is out of range (0 ≤ s < n). */
export function rsavp1(key: { readonly n: bigint; readonly e: bigint }, s: bigint): bigint | null {
  checkRsaPublicKey(key);
  if (s < 0n || s >= key.n) return null;
  return modPow(s, key.e, key.n);
}

/** A blinding factor r with gcd(r, n) = 1, drawn with 64 extra bits so that r mod n is unbiased. */
function blindingFactor(n: bigint, random: RandomSource): { r: bigint; rInverse: bigint } {
  const length = byteLength(n) + 8;
  // For n = p·q with large primes, an r that shares a factor with n turns up with negligible
  // probability; the loop is bounded all the same.
  for (let attempt = 0; attempt < 64; attempt++) {
    const r = mod(os2ip(random.randomBytes(length)), n);
    if (r < 2n) continue;
    const rInverse = modInverse(r, n);
    if (rInverse !== null) return { r, rInverse };
  }
  throw new CryptoError('invalid-private-key', 'no invertible blinding factor found for this modulus');
}

/**
 * RFC 8017 §5.2.1 RSASP1 with the second key representation (p, q, dP, dQ, qInv):
 *   m1 = c^dP mod p, m2 = c^dQ mod q, h = (m1 - m2)·qInv mod p, s = m2 + q·h.
 * The input is blinded first (c = m·r^e mod n; the result is multiplied by r^-1), so that the
 * time the non-constant-time exponentiation takes tells nothing about the key; and s^e mod n
 * is compared with m before s is released, so that a fault in the CRT step cannot leak a
 * factor of n through a wrong signature.
 */
export function rsasp1(key: RsaPrivateKey, m: bigint, random: RandomSource): bigint {
  checkRsaPrivateKey(key);
  const { n, e, p, q, dp, dq, qi } = key;
  if (m < 0n || m >= n) throw new CryptoError('bad-length', 'RSASP1: message representative out of range');
  const { r, rInverse } = blindingFactor(n, random);
  const c = (m * modPow(r, e, n)) % n;
  const m1 = modPow(c % p, dp, p);
  const m2 = modPow(c % q, dq, q);
  const h = mod((m1 - m2) * qi, p);
  const blinded = m2 + q * h;
  const s = (blinded * rInverse) % n;
  if (modPow(s, e, n) !== m) {
    throw new CryptoError('invalid-private-key', 'RSASP1: the CRT result failed its check (inconsistent dP, dQ or qInv)');
  }
  return s;
}
