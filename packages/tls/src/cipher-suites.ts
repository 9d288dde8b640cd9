/**
 * The cipher suites this stack implements: TLS 1.3 (RFC 8446 B.4) and TLS 1.2 ECDHE AEAD suites
 * (RFC 5289 §3.2, RFC 7905 §2), with the AEAD, key lengths and hash each one fixes.
 */
import type { AeadName, HashName } from '@layersec/crypto-primitives';
import { CipherSuite, nameOf } from './constants.js';

export interface Tls13CipherSuite {
  readonly version: 'TLSv1.3';
  readonly id: number;
  readonly name: string;
  readonly aead: AeadName;
  readonly keyLength: number;
  readonly hash: HashName;
}

export interface Tls12CipherSuite {
  readonly version: 'TLSv1.2';
  readonly id: number;
  readonly name: string;
  /** The certificate's key type the server must sign ServerKeyExchange with (RFC 8422 §2), or PSK (RFC 4279, RFC 5489). */
  readonly authentication: 'ECDSA' | 'RSA' | 'PSK';
  /** ECDHE (RFC 8422), plain PSK (RFC 4279 §2) or ECDHE_PSK (RFC 5489). */
  readonly keyExchange: 'ECDHE' | 'PSK' | 'ECDHE_PSK';
  readonly aead: AeadName;
  readonly keyLength: number;
  /** 4 (the GCM salt, RFC 5288 §3) or 12 (the ChaCha20-Poly1305 IV, RFC 7905 §2). */
  readonly fixedIvLength: number;
  /** The PRF hash (RFC 5246 §5; RFC 5289 §3.2). */
  readonly hash: HashName;
}

function s13(id: number, aead: AeadName, keyLength: number, hash: HashName): Tls13CipherSuite {
  return { version: 'TLSv1.3', id, name: nameOf(CipherSuite, id), aead, keyLength, hash };
}
function s12(
  id: number,
  authentication: 'ECDSA' | 'RSA' | 'PSK',
  aead: AeadName,
  keyLength: number,
  hash: HashName,
  keyExchange: 'ECDHE' | 'PSK' | 'ECDHE_PSK' = 'ECDHE',
): Tls12CipherSuite {
  return {
    version: 'TLSv1.2',
    id,
    name: nameOf(CipherSuite, id),
    authentication,
    keyExchange,
    aead,
    keyLength,
    fixedIvLength: aead === 'CHACHA20-POLY1305' ? 12 : 4,
    hash,
  };
}

export const TLS13_CIPHER_SUITES: readonly Tls13CipherSuite[] = [
  s13(CipherSuite.TLS_AES_128_GCM_SHA256, 'AES-128-GCM', 16, 'SHA-256'),
  s13(CipherSuite.TLS_AES_256_GCM_SHA384, 'AES-256-GCM', 32, 'SHA-384'),
  s13(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, 'CHACHA20-POLY1305', 32, 'SHA-256'),
];

export const TLS12_CIPHER_SUITES: readonly Tls12CipherSuite[] = [
  s12(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 'ECDSA', 'AES-128-GCM', 16, 'SHA-256'),
  s12(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, 'ECDSA', 'AES-256-GCM', 32, 'SHA-384'),
  s12(CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 'ECDSA', 'CHACHA20-POLY1305', 32, 'SHA-256'),
  s12(CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 'RSA', 'AES-128-GCM', 16, 'SHA-256'),
  s12(CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 'RSA', 'AES-256-GCM', 32, 'SHA-384'),
  s12(CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 'RSA', 'CHACHA20-POLY1305', 32, 'SHA-256'),
  s12(CipherSuite.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256, 'PSK', 'CHACHA20-POLY1305', 32, 'SHA-256', 'ECDHE_PSK'),
  s12(CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256, 'PSK', 'AES-128-GCM', 16, 'SHA-256', 'PSK'),
  s12(CipherSuite.TLS_PSK_WITH_AES_256_GCM_SHA384, 'PSK', 'AES-256-GCM', 32, 'SHA-384', 'PSK'),
  s12(CipherSuite.TLS_PSK_WITH_CHACHA20_POLY1305_SHA256, 'PSK', 'CHACHA20-POLY1305', 32, 'SHA-256', 'PSK'),
];

/** The TLS 1.2 PSK suites offered or accepted when a PSK is configured (RFC 4279, RFC 5487, RFC 5489, RFC 7905). */
export const TLS12_PSK_CIPHER_SUITES: readonly number[] = TLS12_CIPHER_SUITES.filter((s) => s.authentication === 'PSK').map((s) => s.id);

export function tls13Suite(id: number): Tls13CipherSuite | undefined {
  return TLS13_CIPHER_SUITES.find((s) => s.id === id);
}
export function tls12Suite(id: number): Tls12CipherSuite | undefined {
  return TLS12_CIPHER_SUITES.find((s) => s.id === id);
}

/** Looks a suite up by its IANA name or its OpenSSL name (`ECDHE-ECDSA-AES128-GCM-SHA256`). */
export function suiteByName(name: string): Tls13CipherSuite | Tls12CipherSuite | undefined {
  const openssl: Record<string, number> = {
    'ECDHE-ECDSA-AES128-GCM-SHA256': CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    'ECDHE-ECDSA-AES256-GCM-SHA384': CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    'ECDHE-ECDSA-CHACHA20-POLY1305': CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    'ECDHE-RSA-AES128-GCM-SHA256': CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    'ECDHE-RSA-AES256-GCM-SHA384': CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    'ECDHE-RSA-CHACHA20-POLY1305': CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    'PSK-AES128-GCM-SHA256': CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256,
    'PSK-AES256-GCM-SHA384': CipherSuite.TLS_PSK_WITH_AES_256_GCM_SHA384,
    'PSK-CHACHA20-POLY1305': CipherSuite.TLS_PSK_WITH_CHACHA20_POLY1305_SHA256,
    'ECDHE-PSK-CHACHA20-POLY1305': CipherSuite.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
  };
  const id = openssl[name] ?? (CipherSuite as Record<string, number>)[name];
  if (id === undefined) return undefined;
  return tls13Suite(id) ?? tls12Suite(id);
}
