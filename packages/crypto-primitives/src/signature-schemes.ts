/**
 * What each SignatureScheme means, shared by both providers' signature modules.
 */
import { CryptoError } from './errors.js';
import type { HashName, NamedCurve, SignatureScheme } from './types.js';

/** What a SignatureScheme means (RFC 8446 §4.2.3; `ecdsa_sha*` take the curve from the key). */
export type SchemeParameters =
  | { family: 'ecdsa'; hash: HashName; curve?: NamedCurve }
  | { family: 'ed25519' }
  | { family: 'rsa-pkcs1' | 'rsa-pss'; hash: HashName };

const SCHEMES: Readonly<Record<SignatureScheme, SchemeParameters>> = {
  ecdsa_secp256r1_sha256: { family: 'ecdsa', hash: 'SHA-256', curve: 'P-256' },
  ecdsa_secp384r1_sha384: { family: 'ecdsa', hash: 'SHA-384', curve: 'P-384' },
  ecdsa_secp521r1_sha512: { family: 'ecdsa', hash: 'SHA-512', curve: 'P-521' },
  ecdsa_sha1: { family: 'ecdsa', hash: 'SHA-1' },
  ecdsa_sha256: { family: 'ecdsa', hash: 'SHA-256' },
  ecdsa_sha384: { family: 'ecdsa', hash: 'SHA-384' },
  ecdsa_sha512: { family: 'ecdsa', hash: 'SHA-512' },
  ed25519: { family: 'ed25519' },
  rsa_pkcs1_sha1: { family: 'rsa-pkcs1', hash: 'SHA-1' },
  rsa_pkcs1_sha256: { family: 'rsa-pkcs1', hash: 'SHA-256' },
  rsa_pkcs1_sha384: { family: 'rsa-pkcs1', hash: 'SHA-384' },
  rsa_pkcs1_sha512: { family: 'rsa-pkcs1', hash: 'SHA-512' },
  rsa_pss_rsae_sha256: { family: 'rsa-pss', hash: 'SHA-256' },
  rsa_pss_rsae_sha384: { family: 'rsa-pss', hash: 'SHA-384' },
  rsa_pss_rsae_sha512: { family: 'rsa-pss', hash: 'SHA-512' },
};

export function schemeParameters(scheme: SignatureScheme): SchemeParameters {
  const parameters = Object.prototype.hasOwnProperty.call(SCHEMES, scheme) ? SCHEMES[scheme] : undefined;
  if (parameters === undefined) throw new CryptoError('unsupported', `signature scheme ${String(scheme)}`);
  return parameters;
}
