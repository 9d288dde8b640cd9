/**
 * The RSA signature schemes of RFC 8017 §8: RSASSA-PSS (§8.1) and RSASSA-PKCS1-v1_5 (§8.2).
 * Verification returns false for any signature that does not verify, whatever its shape;
 * keys are checked first and a mis-shaped key is a CryptoError.
 */
import { constantTimeEqual } from '../constant-time.js';
import type { RandomSource } from '../types.js';
import { emsaPkcs1v15Encode } from './emsa-pkcs1-v1_5.js';
import { emsaPssEncode, emsaPssVerify, type DigestAlgorithm, type PssSaltLength } from './emsa-pss.js';
import { bitLength, byteLength, i2osp, os2ip } from './integers.js';
import { checkRsaPublicKey, type RsaPrivateKey, type RsaPublicKey } from './keys.js';
import { rsasp1, rsavp1 } from './primitives.js';

type RsaPublicValues = Pick<RsaPublicKey, 'n' | 'e'>;

/** RFC 8017 §8.1.1 RSASSA-PSS-SIGN. `sLen` defaults to hLen (RFC 8446 §4.2.3, RFC 7427 §3.1). */
export function rsassaPssSign(
  hash: DigestAlgorithm,
  key: RsaPrivateKey,
  message: Uint8Array,
  random: RandomSource,
  sLen: number = hash.outputLength,
): Uint8Array {
  const modBits = bitLength(key.n);
  const k = byteLength(key.n);
  const em = emsaPssEncode(hash, hash.digest(message), modBits - 1, sLen, random);
  return i2osp(rsasp1(key, os2ip(em), random), k);
}

/** RFC 8017 §8.1.2 RSASSA-PSS-VERIFY. */
export function rsassaPssVerify(
  hash: DigestAlgorithm,
  key: RsaPublicValues,
  message: Uint8Array,
  signature: Uint8Array,
  sLen: PssSaltLength = hash.outputLength,
): boolean {
  checkRsaPublicKey(key);
  const modBits = bitLength(key.n);
  const k = byteLength(key.n);
  // Step 1: the signature is exactly k octets.
  if (signature.length !== k) return false;
  // Step 2: RSAVP1, then EM = I2OSP(m, emLen) with emLen = ⌈(modBits − 1)/8⌉.
  const m = rsavp1(key, os2ip(signature));
  if (m === null) return false;
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  if (m >= 1n << BigInt(8 * emLen)) return false;
  const em = i2osp(m, emLen);
  // Step 3.
  return emsaPssVerify(hash, hash.digest(message), em, emBits, sLen);
}

/** RFC 8017 §8.2.1 RSASSA-PKCS1-V1_5-SIGN (deterministic; `random` only blinds RSASP1). */
export function rsassaPkcs1v15Sign(
  hash: DigestAlgorithm,
  key: RsaPrivateKey,
  message: Uint8Array,
  random: RandomSource,
): Uint8Array {
  const k = byteLength(key.n);
  const em = emsaPkcs1v15Encode(hash.name, hash.digest(message), k);
  return i2osp(rsasp1(key, os2ip(em), random), k);
}

/**
 * RFC 8017 §8.2.2 RSASSA-PKCS1-V1_5-VERIFY: the recovered EM is compared with a fresh
 * encoding of the message (not parsed), so that no variant of the DigestInfo or padding is
 * accepted — in particular not a DigestInfo without the NULL parameters.
 */
export function rsassaPkcs1v15Verify(
  hash: DigestAlgorithm,
  key: RsaPublicValues,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  checkRsaPublicKey(key);
  const k = byteLength(key.n);
  if (signature.length !== k) return false;
  const m = rsavp1(key, os2ip(signature));
  if (m === null) return false;
  const em = i2osp(m, k);
  const expected = emsaPkcs1v15Encode(hash.name, hash.digest(message), k);
  return constantTimeEqual(em, expected);
}
