/**
 * EMSA-PSS (RFC 8017 §9.1) with MGF1 (RFC 8017 §B.2.1), on an injected hash. TLS 1.3
 * (RFC 8446 §4.2.3) and IKEv2 signatures (RFC 7427) use MGF1 with the message hash and a salt
 * as long as the hash output.
 */
import { constantTimeEqual } from '../constant-time.js';
import { CryptoError } from '../errors.js';
import type { Hash, RandomSource } from '../types.js';

/** The part of a Hash that RSA needs. */
export type DigestAlgorithm = Pick<Hash, 'name' | 'outputLength' | 'digest'>;

/** Salt length for verification: a fixed length, or `'any'` to recover it from the encoding. */
export type PssSaltLength = number | 'any';

/** RFC 8017 §B.2.1 MGF1: T = Hash(mgfSeed || C(0)) || Hash(mgfSeed || C(1)) || ..., first maskLen octets. */
export function mgf1(hash: DigestAlgorithm, mgfSeed: Uint8Array, maskLen: number): Uint8Array {
  const hLen = hash.outputLength;
  if (maskLen > 2 ** 32 * hLen) throw new CryptoError('output-too-long', 'MGF1: mask too long');
  const t = new Uint8Array(Math.ceil(maskLen / hLen) * hLen);
  const input = new Uint8Array(mgfSeed.length + 4);
  input.set(mgfSeed);
  for (let counter = 0; counter * hLen < maskLen; counter++) {
    new DataView(input.buffer, input.byteOffset + mgfSeed.length, 4).setUint32(0, counter);
    t.set(hash.digest(input), counter * hLen);
  }
  return t.subarray(0, maskLen);
}

/** Mask for the leftmost octet of EM: its leftmost 8·emLen − emBits bits must be zero. */
function leftmostMask(emLen: number, emBits: number): number {
  return 0xff >> (8 * emLen - emBits);
}

/**
 * RFC 8017 §9.1.1 EMSA-PSS-ENCODE, from mHash = Hash(M). Output length emLen = ⌈emBits/8⌉.
 */
export function emsaPssEncode(
  hash: DigestAlgorithm,
  mHash: Uint8Array,
  emBits: number,
  sLen: number,
  random: RandomSource,
): Uint8Array {
  const hLen = hash.outputLength;
  const emLen = Math.ceil(emBits / 8);
  // Step 3.
  if (mHash.length !== hLen) throw new CryptoError('bad-length', 'EMSA-PSS: mHash is not hLen octets');
  if (emLen < hLen + sLen + 2) throw new CryptoError('bad-length', 'EMSA-PSS: encoding error (modulus too short)');
  // Steps 4-6: M' = (0x)00 00 00 00 00 00 00 00 || mHash || salt; H = Hash(M').
  const salt = random.randomBytes(sLen);
  const mPrime = new Uint8Array(8 + hLen + sLen);
  mPrime.set(mHash, 8);
  mPrime.set(salt, 8 + hLen);
  const h = hash.digest(mPrime);
  // Steps 7-8: DB = PS || 0x01 || salt.
  const db = new Uint8Array(emLen - hLen - 1);
  db[emLen - sLen - hLen - 2] = 0x01;
  db.set(salt, emLen - sLen - hLen - 1);
  // Steps 9-11: maskedDB = DB xor MGF(H); clear the leftmost 8·emLen − emBits bits.
  const dbMask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i] ^= dbMask[i];
  db[0] &= leftmostMask(emLen, emBits);
  // Step 12: EM = maskedDB || H || 0xbc.
  const em = new Uint8Array(emLen);
  em.set(db);
  em.set(h, db.length);
  em[emLen - 1] = 0xbc;
  return em;
}

/**
 * RFC 8017 §9.1.2 EMSA-PSS-VERIFY: whether EM is a PSS encoding of mHash. With
 * sLen = 'any', the salt length is whatever the position of the 0x01 separator in DB says.
 */
export function emsaPssVerify(
  hash: DigestAlgorithm,
  mHash: Uint8Array,
  em: Uint8Array,
  emBits: number,
  sLen: PssSaltLength,
): boolean {
  const hLen = hash.outputLength;
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || mHash.length !== hLen) return false;
  // Step 3 (with the smallest salt when any length is accepted).
  if (emLen < hLen + (sLen === 'any' ? 0 : sLen) + 2) return false;
  // Step 4.
  if (em[emLen - 1] !== 0xbc) return false;
  // Step 5.
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  // Step 6: the leftmost 8·emLen − emBits bits of maskedDB must be zero.
  if ((maskedDb[0] & ~leftmostMask(emLen, emBits) & 0xff) !== 0) return false;
  // Steps 7-9.
  const dbMask = mgf1(hash, h, maskedDb.length);
  const db = new Uint8Array(maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i] = maskedDb[i] ^ dbMask[i];
  db[0] &= leftmostMask(emLen, emBits);
  // Step 10: the leftmost emLen − hLen − sLen − 2 octets are zero, the next one is 0x01.
  let separator: number;
  if (sLen === 'any') {
    separator = db.findIndex((b) => b !== 0);
    if (separator < 0) return false;
  } else {
    separator = emLen - hLen - sLen - 2;
    for (let i = 0; i < separator; i++) if (db[i] !== 0) return false;
  }
  if (db[separator] !== 0x01) return false;
  // Steps 11-14: salt, M', H' = Hash(M'), compare H with H'.
  const salt = db.subarray(separator + 1);
  const mPrime = new Uint8Array(8 + hLen + salt.length);
  mPrime.set(mHash, 8);
  mPrime.set(salt, 8 + hLen);
  return constantTimeEqual(hash.digest(mPrime), h);
}
