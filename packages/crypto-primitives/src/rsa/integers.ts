/**
 * Integer helpers for RSA on BigInt: the data conversion primitives of RFC 8017 §4 (I2OSP,
 * OS2IP) and modular arithmetic. Internal to ../rsa.
 */
import { CryptoError } from '../errors.js';

/** RFC 8017 §4.2 OS2IP: octet string to nonnegative integer (big-endian). */
export function os2ip(x: Uint8Array): bigint {
  let v = 0n;
  for (let i = 0; i < x.length; i++) v = (v << 8n) | BigInt(x[i]);
  return v;
}

/** RFC 8017 §4.1 I2OSP: nonnegative integer to an octet string of length `xLen`. */
export function i2osp(x: bigint, xLen: number): Uint8Array {
  if (x < 0n) throw new CryptoError('bad-length', 'I2OSP: negative integer');
  const out = new Uint8Array(xLen);
  let v = x;
  for (let i = xLen - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new CryptoError('bad-length', `I2OSP: integer too large for ${xLen} octets`);
  return out;
}

/** Number of bits in the binary representation of `x` (0 for 0). */
export function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

export function byteLength(x: bigint): number {
  return Math.ceil(bitLength(x) / 8);
}

/** `x mod m` in [0, m). */
export function mod(x: bigint, m: bigint): bigint {
  const r = x % m;
  return r < 0n ? r + m : r;
}

/**
 * `base^exponent mod modulus`, left-to-right with a fixed 4-bit window (16 precomputed powers).
 * Not constant-time: the private operation is blinded by its caller (RFC 8017 §5.2.1 note).
 */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (modulus === 1n) return 0n;
  const b = mod(base, modulus);
  const table: bigint[] = [1n, b];
  for (let i = 2; i < 16; i++) table.push((table[i - 1] * b) % modulus);
  const hex = exponent.toString(16);
  let result = 1n;
  for (let i = 0; i < hex.length; i++) {
    if (i > 0) {
      result = (result * result) % modulus;
      result = (result * result) % modulus;
      result = (result * result) % modulus;
      result = (result * result) % modulus;
    }
    const nibble = parseInt(hex[i], 16);
    if (nibble !== 0) result = (result * table[nibble]) % modulus;
  }
  return result;
}

/** Inverse of `a` modulo `m`, or `null` when gcd(a, m) ≠ 1 (extended Euclid). */
export function modInverse(a: bigint, m: bigint): bigint | null {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) return null;
  return mod(oldS, m);
}
