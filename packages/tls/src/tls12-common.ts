/**
 * What the TLS 1.2 client and server share (RFC 5246 §6.3, §8.1; RFC 7627 §4): the master secret
 * (extended when negotiated), the connection keys as record protection, and Finished.
 */
import type { CryptoProvider } from '@layersec/crypto-primitives';
import { tls12ConnectionKeys, tls12ExtendedMasterSecret, tls12MasterSecret, tls12VerifyData } from '@layersec/crypto-primitives';
import type { Tls12CipherSuite } from './cipher-suites.js';
import { Tls12AeadProtection } from './record/protection.js';

export type Tls12Hash = 'SHA-256' | 'SHA-384';

export function tls12Hash(suite: Tls12CipherSuite): Tls12Hash {
  return suite.hash as Tls12Hash;
}

export function masterSecret12(
  provider: CryptoProvider,
  suite: Tls12CipherSuite,
  preMasterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  extendedSessionHash: Uint8Array | undefined,
): Uint8Array {
  const h = tls12Hash(suite);
  return extendedSessionHash
    ? tls12ExtendedMasterSecret(provider, h, preMasterSecret, extendedSessionHash)
    : tls12MasterSecret(provider, h, preMasterSecret, clientRandom, serverRandom);
}

export function protections12(
  provider: CryptoProvider,
  suite: Tls12CipherSuite,
  ms: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): { client: Tls12AeadProtection; server: Tls12AeadProtection } {
  const k = tls12ConnectionKeys(provider, tls12Hash(suite), ms, serverRandom, clientRandom, {
    macKeyLength: 0,
    encKeyLength: suite.keyLength,
    fixedIvLength: suite.fixedIvLength,
  });
  return {
    client: new Tls12AeadProtection(provider.aead(suite.aead, k.client_write_key), k.client_write_IV),
    server: new Tls12AeadProtection(provider.aead(suite.aead, k.server_write_key), k.server_write_IV),
  };
}

export function verifyData12(provider: CryptoProvider, suite: Tls12CipherSuite, ms: Uint8Array, label: 'client finished' | 'server finished', hash: Uint8Array): Uint8Array {
  return tls12VerifyData(provider, tls12Hash(suite), ms, label, hash);
}

/** RFC 8422 §5.4: the ServerKeyExchange signature covers ClientHello.random + ServerHello.random + params. */
export function signedParams12(clientRandom: Uint8Array, serverRandom: Uint8Array, params: Uint8Array): Uint8Array {
  const out = new Uint8Array(64 + params.length);
  out.set(clientRandom);
  out.set(serverRandom, 32);
  out.set(params, 64);
  return out;
}
