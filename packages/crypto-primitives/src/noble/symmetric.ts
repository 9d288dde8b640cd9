/**
 * Symmetric primitives of the `noble` provider, on @noble/hashes and @noble/ciphers:
 * SHA-1/SHA-2 (FIPS 180-4), HMAC (RFC 2104) with the truncations IPsec uses (RFC 2404, RFC 4868),
 * AES-GCM (NIST SP 800-38D; 8/12/16-byte ICVs as RFC 4106 §3 allows), ChaCha20-Poly1305
 * (RFC 8439), AES-GMAC (RFC 4543), raw AES-CBC (RFC 3602) and AES-XCBC-MAC-96 (RFC 3566).
 *
 * The exported `check*` functions and the RFC 3566 message preparation hold no noble code; the
 * node provider (../node/symmetric.ts) uses them too, so both refuse exactly the same inputs.
 */
import { cbc, ecb, gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ghash } from '@noble/ciphers/_polyval.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';
import { constantTimeEqual } from '../constant-time.js';
import { CryptoError } from '../errors.js';
import {
  checkAeadParams,
  checkAesKey,
  checkCbcInput,
  checkNonce,
  checkTruncation,
  concatParts,
  xcbcKeyDerivationBlocks,
  xcbcPrepare,
} from '../symmetric-common.js';
import type { Aead, AeadName, BlockCipherCbc, CryptoProvider, Hash, HashContext, HashName, Mac } from '../types.js';

type SymmetricPart = Pick<CryptoProvider, 'hash' | 'hmac' | 'aesXcbcMac96' | 'aead' | 'gmac' | 'aesCbc'>;

const EMPTY = new Uint8Array(0);

// ---------------------------------------------------------------------------------------------
// Hash (FIPS 180-4)

type NobleHashFn = CHash;

const HASHES: Record<HashName, NobleHashFn> = {
  'SHA-1': sha1,
  'SHA-256': sha256,
  'SHA-384': sha384,
  'SHA-512': sha512,
};

function hashFn(name: HashName): NobleHashFn {
  const fn = HASHES[name];
  if (fn === undefined) throw new CryptoError('unsupported', `hash ${String(name)}`);
  return fn;
}

interface NobleHashState {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
  clone(): NobleHashState;
}
function wrapContext(state: NobleHashState): HashContext {
  const ctx: HashContext = {
    update(data: Uint8Array): HashContext {
      state.update(data);
      return ctx;
    },
    digest: () => state.digest(),
    clone: () => wrapContext(state.clone()),
  };
  return ctx;
}

function hash(name: HashName): Hash {
  const fn = hashFn(name);
  return {
    name,
    outputLength: fn.outputLen,
    blockLength: fn.blockLen,
    digest: (data: Uint8Array) => fn(data),
    create: () => wrapContext(fn.create() as NobleHashState),
  };
}

// ---------------------------------------------------------------------------------------------
// HMAC (RFC 2104) and its truncations (RFC 2404 HMAC-SHA1-96, RFC 4868 §2.1 HMAC-SHA2-*)

function hmac(hashName: HashName, key: Uint8Array, truncateTo?: number): Mac {
  const fn = hashFn(hashName);
  const outputLength = checkTruncation(hashName, fn.outputLen, truncateTo);
  // The keyed inner/outer state is computed once; each MAC continues from a clone of it.
  const keyed = nobleHmac.create(fn, key);
  const compute = (parts: Uint8Array[]): Uint8Array => {
    const h = keyed.clone();
    for (const p of parts) h.update(p);
    const full = h.digest();
    return outputLength === full.length ? full : full.slice(0, outputLength);
  };
  return {
    outputLength,
    compute: (...parts: Uint8Array[]) => compute(parts),
    verify: (tag: Uint8Array, ...parts: Uint8Array[]) =>
      tag.length === outputLength && constantTimeEqual(compute(parts), tag),
  };
}

// ---------------------------------------------------------------------------------------------
// AEAD

/** The 16-byte length block ended by GHASH: len(A) || len(C) in bits (SP 800-38D §7.1 step 5). */
function gcmLengthBlock(aadLength: number, ciphertextLength: number): Uint8Array {
  const block = new Uint8Array(16);
  const view = new DataView(block.buffer);
  view.setBigUint64(0, BigInt(aadLength) * 8n, false);
  view.setBigUint64(8, BigInt(ciphertextLength) * 8n, false);
  return block;
}

/**
 * The full 16-byte GCM tag of `ciphertext` (SP 800-38D §7.2 steps 5-8), computed without
 * decrypting: T = GHASH_H(A, C) XOR E_K(J0) with H = E_K(0^128) and J0 = IV || 0^31 || 1 for a
 * 96-bit IV. Used to check the truncated ICVs of RFC 4106 before anything is decrypted.
 */
function gcmFullTag(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Uint8Array {
  const blocks = new Uint8Array(32);
  blocks.set(nonce, 16);
  blocks[31] = 1;
  const encrypted = ecb(key, { disablePadding: true }).encrypt(blocks);
  const h = encrypted.subarray(0, 16);
  const tagMask = encrypted.subarray(16, 32);
  const g = ghash.create(h);
  // GHASH pads each update to a block boundary, which is exactly A || 0^v || C || 0^u.
  if (aad.length > 0) g.update(aad);
  if (ciphertext.length > 0) g.update(ciphertext);
  g.update(gcmLengthBlock(aad.length, ciphertext.length));
  const tag = g.digest();
  for (let i = 0; i < 16; i++) tag[i] ^= tagMask[i];
  return tag;
}

function aead(name: AeadName, key: Uint8Array, tagLength = 16): Aead {
  checkAeadParams(name, key, tagLength);
  const isChaCha = name === 'CHACHA20-POLY1305';
  const cipher = isChaCha ? chacha20poly1305 : gcm;
  const k = key.slice();
  return {
    name,
    keyLength: k.length,
    nonceLength: 12,
    tagLength,
    seal(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
      checkNonce(nonce);
      const sealed = cipher(k, nonce, aad).encrypt(plaintext);
      // RFC 4106 §3 / SP 800-38D §5.2.1.2: a shorter ICV is the leading bytes of the full tag.
      return tagLength === 16 ? sealed : sealed.slice(0, plaintext.length + tagLength);
    },
    open(nonce: Uint8Array, ciphertextAndTag: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array | null {
      checkNonce(nonce);
      if (ciphertextAndTag.length < tagLength) return null;
      if (tagLength === 16) {
        try {
          // noble checks the tag (constant-time) before it decrypts anything.
          return cipher(k, nonce, aad).decrypt(ciphertextAndTag);
        } catch {
          return null;
        }
      }
      const ctLength = ciphertextAndTag.length - tagLength;
      const ciphertext = ciphertextAndTag.subarray(0, ctLength);
      const fullTag = gcmFullTag(k, nonce, ciphertext, aad);
      if (!constantTimeEqual(fullTag.subarray(0, tagLength), ciphertextAndTag.subarray(ctLength))) return null;
      const withFullTag = new Uint8Array(ctLength + 16);
      withFullTag.set(ciphertext);
      withFullTag.set(fullTag, ctLength);
      try {
        return gcm(k, nonce, aad).decrypt(withFullTag);
      } catch {
        return null;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// AES-GMAC (RFC 4543 §3: GCM with the whole input as AAD and an empty plaintext), AES-CBC

function gmac(key: Uint8Array): ReturnType<CryptoProvider['gmac']> {
  checkAesKey(key, 'AES-GMAC');
  const k = key.slice();
  const compute = (nonce: Uint8Array, data: Uint8Array): Uint8Array => {
    checkNonce(nonce);
    return gcm(k, nonce, data).encrypt(EMPTY);
  };
  return {
    compute,
    verify: (nonce: Uint8Array, data: Uint8Array, tag: Uint8Array) =>
      tag.length === 16 && constantTimeEqual(compute(nonce, data), tag),
  };
}

function aesCbc(key: Uint8Array): BlockCipherCbc {
  checkAesKey(key, 'AES-CBC');
  const k = key.slice();
  return {
    keyLength: k.length,
    blockLength: 16,
    encrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
      checkCbcInput(iv, data);
      return cbc(k, iv, { disablePadding: true }).encrypt(data);
    },
    decrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
      checkCbcInput(iv, data);
      return cbc(k, iv, { disablePadding: true }).decrypt(data);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// AES-XCBC-MAC-96 (RFC 3566 §4)

function aesXcbcMac96(key: Uint8Array): Mac {
  if (key.length !== 16) throw new CryptoError('bad-key-length', `AES-XCBC-MAC-96 takes a 16-byte key, not ${key.length}`);
  const derived = ecb(key, { disablePadding: true }).encrypt(xcbcKeyDerivationBlocks());
  const k1 = derived.slice(0, 16);
  const k2 = derived.slice(16, 32);
  const k3 = derived.slice(32, 48);
  const zeroIv = new Uint8Array(16);
  const compute = (parts: Uint8Array[]): Uint8Array => {
    const prepared = xcbcPrepare(concatParts(parts), k2, k3);
    const chained = cbc(k1, zeroIv, { disablePadding: true }).encrypt(prepared);
    // RFC 3566 §4 step 4 / §5: the leftmost 96 bits of the last block.
    return chained.slice(chained.length - 16, chained.length - 4);
  };
  return {
    outputLength: 12,
    compute: (...parts: Uint8Array[]) => compute(parts),
    verify: (tag: Uint8Array, ...parts: Uint8Array[]) => tag.length === 12 && constantTimeEqual(compute(parts), tag),
  };
}

export const nobleSymmetric: SymmetricPart = { hash, hmac, aesXcbcMac96, aead, gmac, aesCbc };
