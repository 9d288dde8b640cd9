/**
 * What both symmetric providers share: argument checks (so that both refuse the same inputs with
 * the same CryptoError) and the provider-neutral steps of AES-XCBC-MAC-96 (RFC 3566 §4).
 */
import { CryptoError } from './errors.js';
import type { AeadName, HashName } from './types.js';

/**
 * RFC 2104 §5: a truncated output keeps the leftmost bytes and must not be shorter than 80 bits
 * (§5 also recommends at least half the hash output; every truncation IPsec uses, RFC 2404 and
 * RFC 4868 §2.1, meets that, while RFC 4231 §4.6 tests 128-bit truncations of SHA-384/512).
 */
export function checkTruncation(hashName: HashName, outputLength: number, truncateTo: number | undefined): number {
  if (truncateTo === undefined) return outputLength;
  if (!Number.isInteger(truncateTo) || truncateTo > outputLength || truncateTo < 10) {
    throw new CryptoError(
      'bad-length',
      `HMAC-${hashName} cannot be truncated to ${truncateTo} bytes (RFC 2104 §5: 10 to ${outputLength} bytes)`,
    );
  }
  return truncateTo;
}

const AEAD_KEY_LENGTH: Record<AeadName, number> = {
  'AES-128-GCM': 16,
  'AES-256-GCM': 32,
  'CHACHA20-POLY1305': 32,
};

/** Checks an AEAD's key and tag lengths (RFC 4106 §3: GCM ICVs of 8, 12 or 16 octets; RFC 8439
 * §2.8: a 16-octet Poly1305 tag). Shared by both providers' argument checks. */
export function checkAeadParams(name: AeadName, key: Uint8Array, tagLength: number): void {
  const keyLength = AEAD_KEY_LENGTH[name];
  if (keyLength === undefined) throw new CryptoError('unsupported', `AEAD ${String(name)}`);
  if (key.length !== keyLength) {
    throw new CryptoError('bad-key-length', `${name} takes a ${keyLength}-byte key, not ${key.length}`);
  }
  const tagOk = name === 'CHACHA20-POLY1305' ? tagLength === 16 : tagLength === 16 || tagLength === 12 || tagLength === 8;
  if (!tagOk) throw new CryptoError('bad-tag-length', `${name} with a ${tagLength}-byte tag`);
}

export function checkNonce(nonce: Uint8Array, length = 12): void {
  if (nonce.length !== length) {
    throw new CryptoError('bad-nonce-length', `nonce must be ${length} bytes, not ${nonce.length}`);
  }
}

export function checkAesKey(key: Uint8Array, what: string): void {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new CryptoError('bad-key-length', `${what} takes a 16-, 24- or 32-byte AES key, not ${key.length}`);
  }
}

export function checkCbcInput(iv: Uint8Array, data: Uint8Array): void {
  if (iv.length !== 16) throw new CryptoError('bad-nonce-length', `AES-CBC IV must be 16 bytes, not ${iv.length}`);
  if (data.length % 16 !== 0) {
    throw new CryptoError('bad-length', `AES-CBC data must be a multiple of 16 bytes, not ${data.length}`);
  }
}

/** The constants 0x01.., 0x02.., 0x03.. whose encryptions are K1, K2, K3 (RFC 3566 §4, step 1). */
export function xcbcKeyDerivationBlocks(): Uint8Array {
  const blocks = new Uint8Array(48);
  blocks.fill(1, 0, 16).fill(2, 16, 32).fill(3, 32, 48);
  return blocks;
}

/**
 * The message as RFC 3566 §4 steps 2-3 feed it to CBC-MAC under K1: if the last block is complete
 * it is XORed with K2, otherwise it is padded with 0x80 00.. and XORed with K3 (an empty message is
 * one padded block).
 */
export function xcbcPrepare(message: Uint8Array, k2: Uint8Array, k3: Uint8Array): Uint8Array {
  const complete = message.length > 0 && message.length % 16 === 0;
  const length = complete ? message.length : message.length + 16 - (message.length % 16);
  const out = new Uint8Array(length);
  out.set(message);
  if (!complete) out[message.length] = 0x80;
  const mask = complete ? k2 : k3;
  for (let i = 0; i < 16; i++) out[length - 16 + i] ^= mask[i];
  return out;
}

export function concatParts(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
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
