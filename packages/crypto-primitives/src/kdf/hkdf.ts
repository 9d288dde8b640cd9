/**
 * HKDF (RFC 5869) and the TLS 1.3 key-schedule functions built on it (RFC 8446 §7.1), written once
 * on top of a provider's HMAC so that both providers share them.
 */
import { CryptoError } from '../errors.js';
import type { CryptoProvider, HashName } from '../types.js';

/** What the KDFs need from a provider: HMAC, and the hash itself for transcript hashes. */
export type KdfProvider = Pick<CryptoProvider, 'hmac' | 'hash'>;

const EMPTY = new Uint8Array(0);

/** Output length in bytes (HashLen) of `hash`. */
export function hashLength(provider: KdfProvider, hash: HashName): number {
  return provider.hash(hash).outputLength;
}

/**
 * RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM). An absent or empty salt is HashLen zero bytes (HMAC
 * pads keys with zeros, so both give the same PRK).
 */
export function hkdfExtract(provider: KdfProvider, hash: HashName, salt: Uint8Array | undefined, ikm: Uint8Array): Uint8Array {
  const key = salt !== undefined && salt.length > 0 ? salt : new Uint8Array(hashLength(provider, hash));
  return provider.hmac(hash, key).compute(ikm);
}

/**
 * RFC 5869 §2.3: OKM = first L octets of T(1) | T(2) | ..., T(i) = HMAC-Hash(PRK, T(i-1) | info | i).
 * L may not exceed 255 * HashLen (CryptoError('output-too-long')); PRK must be at least HashLen
 * octets (CryptoError('bad-key-length')).
 */
export function hkdfExpand(provider: KdfProvider, hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const mac = provider.hmac(hash, prk);
  const hashLen = mac.outputLength;
  if (!Number.isInteger(length) || length < 0 || length > 255 * hashLen) {
    throw new CryptoError('output-too-long', `HKDF-Expand output of ${length} bytes (at most 255 * ${hashLen})`);
  }
  if (prk.length < hashLen) {
    throw new CryptoError('bad-key-length', `HKDF-Expand PRK of ${prk.length} bytes (at least ${hashLen})`);
  }
  const okm = new Uint8Array(length);
  let t: Uint8Array = EMPTY;
  for (let i = 1, offset = 0; offset < length; i++) {
    t = mac.compute(t, info, Uint8Array.of(i));
    okm.set(t.subarray(0, Math.min(hashLen, length - offset)), offset);
    offset += hashLen;
  }
  return okm;
}

/** RFC 5869 §2: HKDF-Expand(HKDF-Extract(salt, IKM), info, L). */
export function hkdf(
  provider: KdfProvider,
  hash: HashName,
  ikm: Uint8Array,
  salt: Uint8Array | undefined,
  info: Uint8Array,
  length: number,
): Uint8Array {
  return hkdfExpand(provider, hash, hkdfExtract(provider, hash, salt, ikm), info, length);
}

/**
 * The label prefix: "tls13 " (RFC 8446 §7.1), or "dtls13" for DTLS 1.3 (RFC 9147 §5.9).
 */
export type ExpandLabelPrefix = 'tls13 ' | 'dtls13';

/**
 * RFC 8446 §7.1: the HkdfLabel structure
 *
 *     struct {
 *         uint16 length = Length;
 *         opaque label<7..255> = "tls13 " + Label;
 *         opaque context<0..255> = Context;
 *     } HkdfLabel;
 *
 * Lengths outside those bounds are a CryptoError('bad-length').
 */
export function encodeHkdfLabel(length: number, label: string | Uint8Array, context: Uint8Array, prefix: ExpandLabelPrefix = 'tls13 '): Uint8Array {
  const encoder = new TextEncoder();
  const prefixBytes = encoder.encode(prefix);
  const labelBytes = typeof label === 'string' ? encoder.encode(label) : label;
  const fullLabelLength = prefixBytes.length + labelBytes.length;
  if (!Number.isInteger(length) || length < 0 || length > 0xffff) {
    throw new CryptoError('bad-length', `HkdfLabel.length ${length} does not fit in a uint16`);
  }
  if (fullLabelLength < 7 || fullLabelLength > 255) {
    throw new CryptoError('bad-length', `HkdfLabel.label of ${fullLabelLength} bytes (7..255)`);
  }
  if (context.length > 255) {
    throw new CryptoError('bad-length', `HkdfLabel.context of ${context.length} bytes (0..255)`);
  }
  const out = new Uint8Array(2 + 1 + fullLabelLength + 1 + context.length);
  out[0] = length >> 8;
  out[1] = length & 0xff;
  out[2] = fullLabelLength;
  out.set(prefixBytes, 3);
  out.set(labelBytes, 3 + prefixBytes.length);
  out[3 + fullLabelLength] = context.length;
  out.set(context, 4 + fullLabelLength);
  return out;
}

/** RFC 8446 §7.1: HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length). */
export function hkdfExpandLabel(
  provider: KdfProvider,
  hash: HashName,
  secret: Uint8Array,
  label: string | Uint8Array,
  context: Uint8Array,
  length: number,
  prefix: ExpandLabelPrefix = 'tls13 ',
): Uint8Array {
  return hkdfExpand(provider, hash, secret, encodeHkdfLabel(length, label, context, prefix), length);
}

/**
 * RFC 8446 §7.1: Derive-Secret(Secret, Label, Messages) =
 * HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages), Hash.length).
 * Takes the transcript hash itself (the TLS layer keeps a running hash); see
 * `deriveSecretFromMessages` to hash the messages here.
 */
export function deriveSecret(
  provider: KdfProvider,
  hash: HashName,
  secret: Uint8Array,
  label: string | Uint8Array,
  transcriptHash: Uint8Array,
  prefix: ExpandLabelPrefix = 'tls13 ',
): Uint8Array {
  return hkdfExpandLabel(provider, hash, secret, label, transcriptHash, hashLength(provider, hash), prefix);
}

/** Derive-Secret with Transcript-Hash(Messages) computed from the concatenated messages (for
 * example the empty string for the "derived" and "ext binder"/"res binder" secrets). */
export function deriveSecretFromMessages(
  provider: KdfProvider,
  hash: HashName,
  secret: Uint8Array,
  label: string | Uint8Array,
  messages: Uint8Array,
  prefix: ExpandLabelPrefix = 'tls13 ',
): Uint8Array {
  return deriveSecret(provider, hash, secret, label, provider.hash(hash).digest(messages), prefix);
}

/**
 * RFC 8446 §7.3: the traffic key and IV of a traffic secret:
 * write_key = HKDF-Expand-Label(Secret, "key", "", key_length),
 * write_iv = HKDF-Expand-Label(Secret, "iv", "", iv_length).
 */
export function tls13TrafficKeys(
  provider: KdfProvider,
  hash: HashName,
  trafficSecret: Uint8Array,
  keyLength: number,
  ivLength: number,
  prefix: ExpandLabelPrefix = 'tls13 ',
): { key: Uint8Array; iv: Uint8Array } {
  return {
    key: hkdfExpandLabel(provider, hash, trafficSecret, 'key', EMPTY, keyLength, prefix),
    iv: hkdfExpandLabel(provider, hash, trafficSecret, 'iv', EMPTY, ivLength, prefix),
  };
}

/**
 * RFC 8446 §4.4.4: finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length). The
 * Finished verify_data is HMAC(finished_key, Transcript-Hash(...)), to be checked in constant time.
 */
export function tls13FinishedKey(provider: KdfProvider, hash: HashName, baseKey: Uint8Array, prefix: ExpandLabelPrefix = 'tls13 '): Uint8Array {
  return hkdfExpandLabel(provider, hash, baseKey, 'finished', EMPTY, hashLength(provider, hash), prefix);
}
