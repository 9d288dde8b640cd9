/**
 * SignatureScheme values (RFC 8446 §4.2.3) mapped onto crypto-primitives' signer, and which key
 * each scheme needs; the CertificateVerify content of §4.4.3.
 */
import type { PrivateKey, PublicKey, SignatureScheme as CryptoScheme } from '@layersec/crypto-primitives';
import { concatBytes } from '@layersec/wire';
import { SignatureScheme } from './constants.js';

const TO_CRYPTO = new Map<number, CryptoScheme>([
  [SignatureScheme.ecdsa_secp256r1_sha256, 'ecdsa_secp256r1_sha256'],
  [SignatureScheme.ecdsa_secp384r1_sha384, 'ecdsa_secp384r1_sha384'],
  [SignatureScheme.ecdsa_secp521r1_sha512, 'ecdsa_secp521r1_sha512'],
  [SignatureScheme.ed25519, 'ed25519'],
  [SignatureScheme.rsa_pss_rsae_sha256, 'rsa_pss_rsae_sha256'],
  [SignatureScheme.rsa_pss_rsae_sha384, 'rsa_pss_rsae_sha384'],
  [SignatureScheme.rsa_pss_rsae_sha512, 'rsa_pss_rsae_sha512'],
  [SignatureScheme.rsa_pkcs1_sha256, 'rsa_pkcs1_sha256'],
  [SignatureScheme.rsa_pkcs1_sha384, 'rsa_pkcs1_sha384'],
  [SignatureScheme.rsa_pkcs1_sha512, 'rsa_pkcs1_sha512'],
  [SignatureScheme.rsa_pkcs1_sha1, 'rsa_pkcs1_sha1'],
  [SignatureScheme.ecdsa_sha1, 'ecdsa_sha1'],
]);

export function cryptoScheme(scheme: number): CryptoScheme | undefined {
  return TO_CRYPTO.get(scheme);
}

/** TLS 1.2 (RFC 5246 §7.4.1.4.1): ECDSA code points name the hash only, not the curve. */
export function cryptoScheme12(scheme: number): CryptoScheme | undefined {
  const ecdsa: Record<number, CryptoScheme> = { 0x0403: 'ecdsa_sha256', 0x0503: 'ecdsa_sha384', 0x0603: 'ecdsa_sha512', 0x0203: 'ecdsa_sha1' };
  return ecdsa[scheme] ?? TO_CRYPTO.get(scheme);
}

/** RFC 8446 §4.2.3: RSASSA-PKCS1-v1_5 and SHA-1 schemes are not for TLS 1.3 handshake signatures. */
export function allowedInTls13(scheme: number): boolean {
  return (scheme >> 8 === 0x08 || scheme === 0x0403 || scheme === 0x0503 || scheme === 0x0603) && TO_CRYPTO.has(scheme);
}

/** Whether `scheme` can be used with a key of this kind (curve-bound ECDSA in TLS 1.3). */
export function schemeFitsKey(scheme: number, key: PrivateKey | PublicKey, tls13: boolean): boolean {
  switch (key.type) {
    case 'ed25519':
      return scheme === SignatureScheme.ed25519;
    case 'rsa':
      return (scheme >= 0x0804 && scheme <= 0x0806) || (!tls13 && (scheme & 0xff) === 0x01);
    case 'ec': {
      if ((scheme & 0xff) !== 0x03) return false;
      if (!tls13) return true;
      const curveOf: Record<number, string> = { 0x0403: 'P-256', 0x0503: 'P-384', 0x0603: 'P-521' };
      return curveOf[scheme] === key.curve;
    }
    default:
      return false;
  }
}

/**
 * RFC 8446 §4.4.3: 64 octets of 0x20, the context string, a zero byte, then the transcript hash.
 */
export function certificateVerifyContent(role: 'server' | 'client', transcriptHash: Uint8Array): Uint8Array {
  const context = new TextEncoder().encode(`TLS 1.3, ${role} CertificateVerify`);
  return concatBytes(new Uint8Array(64).fill(0x20), context, Uint8Array.of(0), transcriptHash);
}
