/**
 * EMSA-PKCS1-v1_5 (RFC 8017 §9.2): EM = 0x00 || 0x01 || PS || 0x00 || T, where T is the DER
 * encoding of DigestInfo { digestAlgorithm, digest } and PS is at least eight 0xff octets.
 */
import { CryptoError } from '../errors.js';
import type { HashName } from '../types.js';

/**
 * The DER prefix of DigestInfo for each hash, from RFC 8017 §9.2 note 1 (the hash value
 * follows it). SHA-1's is 15 octets, the SHA-2 ones 19.
 */
export const DIGEST_INFO_PREFIX: Readonly<Record<HashName, Uint8Array>> = {
  'SHA-1': Uint8Array.of(0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14),
  'SHA-256': Uint8Array.of(
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
  ),
  'SHA-384': Uint8Array.of(
    0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30,
  ),
  'SHA-512': Uint8Array.of(
    0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40,
  ),
};

/**
 * RFC 8017 §9.2 EMSA-PKCS1-V1_5-ENCODE, from the already computed hash H of the message.
 * Throws CryptoError('bad-length') when emLen < tLen + 11 ("intended encoded message length
 * too short").
 */
export function emsaPkcs1v15Encode(hash: HashName, digest: Uint8Array, emLen: number): Uint8Array {
  const prefix = DIGEST_INFO_PREFIX[hash];
  const tLen = prefix.length + digest.length;
  if (emLen < tLen + 11) throw new CryptoError('bad-length', 'EMSA-PKCS1-v1_5: intended encoded message length too short');
  const em = new Uint8Array(emLen);
  em[0] = 0x00;
  em[1] = 0x01;
  em.fill(0xff, 2, emLen - tLen - 1);
  em[emLen - tLen - 1] = 0x00;
  em.set(prefix, emLen - tLen);
  em.set(digest, emLen - digest.length);
  return em;
}
