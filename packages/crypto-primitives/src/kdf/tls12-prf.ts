/**
 * The TLS 1.2 pseudorandom function (RFC 5246 §5) and the secrets TLS 1.2 and DTLS 1.2 derive
 * with it: master_secret (RFC 5246 §8.1), extended master secret (RFC 7627 §4), key_block
 * (RFC 5246 §6.3) and Finished verify_data (RFC 5246 §7.4.9).
 */
import { CryptoError } from '../errors.js';
import type { HashName } from '../types.js';
import type { KdfProvider } from './hkdf.js';

/** The hashes TLS 1.2 cipher suites use for their PRF (SHA-256 by default, SHA-384 for *_SHA384 suites). */
export type Tls12PrfHash = Extract<HashName, 'SHA-256' | 'SHA-384'>;

/** Longest output the PRF produces here; RFC 5246 sets no bound, this keeps memory bounded. */
export const TLS12_PRF_MAX_OUTPUT = 1 << 16;

const encoder = new TextEncoder();

function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * RFC 5246 §5: P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) + HMAC_hash(secret, A(2) + seed) + ...
 * with A(0) = seed and A(i) = HMAC_hash(secret, A(i-1)), truncated to `length` bytes.
 */
export function pHash(provider: KdfProvider, hash: HashName, secret: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > TLS12_PRF_MAX_OUTPUT) {
    throw new CryptoError('output-too-long', `P_hash output of ${length} bytes (at most ${TLS12_PRF_MAX_OUTPUT})`);
  }
  const mac = provider.hmac(hash, secret);
  const out = new Uint8Array(length);
  let a = seed;
  for (let offset = 0; offset < length; ) {
    a = mac.compute(a);
    const block = mac.compute(a, seed);
    const n = Math.min(block.length, length - offset);
    out.set(block.subarray(0, n), offset);
    offset += n;
  }
  return out;
}

/** RFC 5246 §5: PRF(secret, label, seed) = P_<hash>(secret, label + seed); `label` is ASCII. */
export function tls12Prf(
  provider: KdfProvider,
  hash: Tls12PrfHash,
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  length: number,
): Uint8Array {
  return pHash(provider, hash, secret, concat(encoder.encode(label), seed), length);
}

/**
 * RFC 5246 §8.1: master_secret = PRF(pre_master_secret, "master secret",
 * ClientHello.random + ServerHello.random)[0..47].
 */
export function tls12MasterSecret(
  provider: KdfProvider,
  hash: Tls12PrfHash,
  preMasterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Uint8Array {
  return tls12Prf(provider, hash, preMasterSecret, 'master secret', concat(clientRandom, serverRandom), 48);
}

/**
 * RFC 7627 §4: master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47],
 * where session_hash is the hash of the handshake messages up to and including ClientKeyExchange.
 */
export function tls12ExtendedMasterSecret(
  provider: KdfProvider,
  hash: Tls12PrfHash,
  preMasterSecret: Uint8Array,
  sessionHash: Uint8Array,
): Uint8Array {
  return tls12Prf(provider, hash, preMasterSecret, 'extended master secret', sessionHash, 48);
}

/**
 * RFC 5246 §6.3: key_block = PRF(SecurityParameters.master_secret, "key expansion",
 * SecurityParameters.server_random + SecurityParameters.client_random), `length` bytes.
 */
export function tls12KeyBlock(
  provider: KdfProvider,
  hash: Tls12PrfHash,
  masterSecret: Uint8Array,
  serverRandom: Uint8Array,
  clientRandom: Uint8Array,
  length: number,
): Uint8Array {
  return tls12Prf(provider, hash, masterSecret, 'key expansion', concat(serverRandom, clientRandom), length);
}

/** The lengths of a cipher suite's connection keys (RFC 5246 §6.3; AEAD suites have no MAC key). */
export interface Tls12KeyLengths {
  /** SecurityParameters.mac_key_length (0 for AEAD suites). */
  macKeyLength: number;
  /** SecurityParameters.enc_key_length. */
  encKeyLength: number;
  /** SecurityParameters.fixed_iv_length (4 for AES-GCM, RFC 5288 §3; 12 for ChaCha20-Poly1305, RFC 7905 §2). */
  fixedIvLength: number;
}

export interface Tls12ConnectionKeys {
  client_write_MAC_key: Uint8Array;
  server_write_MAC_key: Uint8Array;
  client_write_key: Uint8Array;
  server_write_key: Uint8Array;
  client_write_IV: Uint8Array;
  server_write_IV: Uint8Array;
}

/** RFC 5246 §6.3: derives the key_block and partitions it in the order the RFC gives. */
export function tls12ConnectionKeys(
  provider: KdfProvider,
  hash: Tls12PrfHash,
  masterSecret: Uint8Array,
  serverRandom: Uint8Array,
  clientRandom: Uint8Array,
  lengths: Tls12KeyLengths,
): Tls12ConnectionKeys {
  const { macKeyLength, encKeyLength, fixedIvLength } = lengths;
  const block = tls12KeyBlock(provider, hash, masterSecret, serverRandom, clientRandom, 2 * (macKeyLength + encKeyLength + fixedIvLength));
  let offset = 0;
  const take = (n: number): Uint8Array => block.slice(offset, (offset += n));
  return {
    client_write_MAC_key: take(macKeyLength),
    server_write_MAC_key: take(macKeyLength),
    client_write_key: take(encKeyLength),
    server_write_key: take(encKeyLength),
    client_write_IV: take(fixedIvLength),
    server_write_IV: take(fixedIvLength),
  };
}

/**
 * RFC 5246 §7.4.9: verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))
 * [0..verify_data_length-1], with verify_data_length 12 for every suite here. Compare a peer's
 * verify_data in constant time.
 */
export function tls12VerifyData(
  provider: KdfProvider,
  hash: Tls12PrfHash,
  masterSecret: Uint8Array,
  finishedLabel: 'client finished' | 'server finished',
  handshakeHash: Uint8Array,
): Uint8Array {
  return tls12Prf(provider, hash, masterSecret, finishedLabel, handshakeHash, 12);
}
