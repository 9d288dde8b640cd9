/**
 * Symmetric primitives of the `node` provider, on node:crypto (OpenSSL): the fast path for bulk
 * AEAD, hashing and HMAC. Same algorithms and the same argument checks as the noble provider
 * (../symmetric-common.ts), so both behave identically on every input.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey } from 'node:crypto';
import type { Hash as NodeHashState, KeyObject } from 'node:crypto';
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

/**
 * A plain Uint8Array over the same memory (package APIs return Uint8Array, never Buffer). The
 * Buffers node:crypto returns from update/digest/getAuthTag own exactly-sized memory (not Node's
 * shared Buffer pool), so the view exposes nothing else.
 */
function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A copy into fresh memory, for the part of an output that is kept (truncated MACs, subkeys). */
function copy(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.byteLength);
  out.set(b);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Hash (FIPS 180-4)

const HASHES: Record<HashName, { openssl: string; outputLength: number; blockLength: number }> = {
  'SHA-1': { openssl: 'sha1', outputLength: 20, blockLength: 64 },
  'SHA-256': { openssl: 'sha256', outputLength: 32, blockLength: 64 },
  'SHA-384': { openssl: 'sha384', outputLength: 48, blockLength: 128 },
  'SHA-512': { openssl: 'sha512', outputLength: 64, blockLength: 128 },
};

function hashInfo(name: HashName): { openssl: string; outputLength: number; blockLength: number } {
  const info = HASHES[name];
  if (info === undefined) throw new CryptoError('unsupported', `hash ${String(name)}`);
  return info;
}

function wrapContext(state: NodeHashState): HashContext {
  const ctx: HashContext = {
    update(data: Uint8Array): HashContext {
      state.update(data);
      return ctx;
    },
    digest: () => view(state.digest()),
    clone: () => wrapContext(state.copy()),
  };
  return ctx;
}

function hash(name: HashName): Hash {
  const info = hashInfo(name);
  return {
    name,
    outputLength: info.outputLength,
    blockLength: info.blockLength,
    digest: (data: Uint8Array) => view(createHash(info.openssl).update(data).digest()),
    create: () => wrapContext(createHash(info.openssl)),
  };
}

// ---------------------------------------------------------------------------------------------
// HMAC (RFC 2104), truncated as RFC 2404 / RFC 4868 §2.1 specify

function hmac(hashName: HashName, key: Uint8Array, truncateTo?: number): Mac {
  const info = hashInfo(hashName);
  const outputLength = checkTruncation(hashName, info.outputLength, truncateTo);
  const keyObject = createSecretKey(key);
  const compute = (parts: Uint8Array[]): Uint8Array => {
    const h = createHmac(info.openssl, keyObject);
    for (const p of parts) h.update(p);
    const full = h.digest();
    return outputLength === full.length ? view(full) : copy(full.subarray(0, outputLength));
  };
  return {
    outputLength,
    compute: (...parts: Uint8Array[]) => compute(parts),
    verify: (tag: Uint8Array, ...parts: Uint8Array[]) =>
      tag.length === outputLength && constantTimeEqual(compute(parts), tag),
  };
}

// ---------------------------------------------------------------------------------------------
// AEAD: AES-GCM (SP 800-38D, RFC 4106 ICV lengths) and ChaCha20-Poly1305 (RFC 8439)

const AEAD_CIPHER: Record<AeadName, string> = {
  'AES-128-GCM': 'aes-128-gcm',
  'AES-256-GCM': 'aes-256-gcm',
  'CHACHA20-POLY1305': 'chacha20-poly1305',
};

function aead(name: AeadName, key: Uint8Array, tagLength = 16): Aead {
  checkAeadParams(name, key, tagLength);
  const algorithm = AEAD_CIPHER[name];
  const keyObject: KeyObject = createSecretKey(key);
  const options = { authTagLength: tagLength };
  return {
    name,
    keyLength: key.length,
    nonceLength: 12,
    tagLength,
    seal(nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
      checkNonce(nonce);
      const cipher = createCipheriv(algorithm as 'aes-128-gcm', keyObject, nonce, options);
      if (aad !== undefined && aad.length > 0) cipher.setAAD(aad);
      const ciphertext = cipher.update(plaintext);
      cipher.final();
      const out = new Uint8Array(plaintext.length + tagLength);
      out.set(ciphertext);
      out.set(cipher.getAuthTag(), plaintext.length);
      return out;
    },
    open(nonce: Uint8Array, ciphertextAndTag: Uint8Array, aad?: Uint8Array): Uint8Array | null {
      checkNonce(nonce);
      if (ciphertextAndTag.length < tagLength) return null;
      const ctLength = ciphertextAndTag.length - tagLength;
      const decipher = createDecipheriv(algorithm as 'aes-128-gcm', keyObject, nonce, options);
      decipher.setAuthTag(ciphertextAndTag.subarray(ctLength));
      if (aad !== undefined && aad.length > 0) decipher.setAAD(aad);
      const plaintext = decipher.update(ciphertextAndTag.subarray(0, ctLength));
      try {
        // OpenSSL compares the tag in constant time in final(); until it passes, `plaintext`
        // stays here and is dropped.
        decipher.final();
      } catch {
        plaintext.fill(0);
        return null;
      }
      return view(plaintext);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// AES-GMAC (RFC 4543 §3), AES-CBC (RFC 3602), AES-XCBC-MAC-96 (RFC 3566)

function aesMode(key: Uint8Array, mode: 'gcm' | 'cbc' | 'ecb'): string {
  return `aes-${key.length * 8}-${mode}`;
}

function gmac(key: Uint8Array): ReturnType<CryptoProvider['gmac']> {
  checkAesKey(key, 'AES-GMAC');
  const algorithm = aesMode(key, 'gcm');
  const keyObject = createSecretKey(key);
  const compute = (nonce: Uint8Array, data: Uint8Array): Uint8Array => {
    checkNonce(nonce);
    const cipher = createCipheriv(algorithm as 'aes-128-gcm', keyObject, nonce);
    cipher.setAAD(data);
    cipher.final();
    return view(cipher.getAuthTag());
  };
  return {
    compute,
    verify: (nonce: Uint8Array, data: Uint8Array, tag: Uint8Array) =>
      tag.length === 16 && constantTimeEqual(compute(nonce, data), tag),
  };
}

function cbcRun(
  make: typeof createCipheriv | typeof createDecipheriv,
  algorithm: string,
  key: KeyObject,
  iv: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  const c = make(algorithm, key, iv).setAutoPadding(false);
  const out = c.update(data);
  // Without padding and with whole blocks, final() has nothing left to emit.
  c.final();
  return view(out);
}

function aesCbc(key: Uint8Array): BlockCipherCbc {
  checkAesKey(key, 'AES-CBC');
  const algorithm = aesMode(key, 'cbc');
  const keyObject = createSecretKey(key);
  return {
    keyLength: key.length,
    blockLength: 16,
    encrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
      checkCbcInput(iv, data);
      return cbcRun(createCipheriv, algorithm, keyObject, iv, data);
    },
    decrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
      checkCbcInput(iv, data);
      return cbcRun(createDecipheriv, algorithm, keyObject, iv, data);
    },
  };
}

function aesXcbcMac96(key: Uint8Array): Mac {
  if (key.length !== 16) throw new CryptoError('bad-key-length', `AES-XCBC-MAC-96 takes a 16-byte key, not ${key.length}`);
  // RFC 3566 §4 step 1: K1, K2, K3 are the encryptions of 0x01.., 0x02.., 0x03.. under K.
  const ecbCipher = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  const derived = copy(ecbCipher.update(xcbcKeyDerivationBlocks()));
  ecbCipher.final();
  const k1 = createSecretKey(derived.subarray(0, 16));
  const k2 = derived.slice(16, 32);
  const k3 = derived.slice(32, 48);
  derived.fill(0, 0, 16);
  const zeroIv = new Uint8Array(16);
  const compute = (parts: Uint8Array[]): Uint8Array => {
    const chained = cbcRun(createCipheriv, 'aes-128-cbc', k1, zeroIv, xcbcPrepare(concatParts(parts), k2, k3));
    // RFC 3566 §4 step 4 / §5: the leftmost 96 bits of the last block.
    return chained.slice(chained.length - 16, chained.length - 4);
  };
  return {
    outputLength: 12,
    compute: (...parts: Uint8Array[]) => compute(parts),
    verify: (tag: Uint8Array, ...parts: Uint8Array[]) => tag.length === 12 && constantTimeEqual(compute(parts), tag),
  };
}

export const nodeSymmetric: SymmetricPart = { hash, hmac, aesXcbcMac96, aead, gmac, aesCbc };
