/**
 * The IKEv2 key derivation (RFC 7296 §2.13, §2.14, §2.17, §2.18): the negotiated prf, prf+,
 * SKEYSEED and the SK_* keys of an IKE SA, and the KEYMAT of a Child SA. Written once on top of a
 * provider's HMAC (and AES-CBC for AES-XCBC-PRF-128, RFC 4434).
 */
import { CryptoError } from '../errors.js';
import type { CryptoProvider, HashName } from '../types.js';

/** What the IKEv2 KDF needs from a provider. */
export type IkeKdfProvider = Pick<CryptoProvider, 'hmac' | 'aesCbc'>;

/**
 * The PRFs supported here, by their names in the IANA registry "Transform Type 2 - Pseudorandom
 * Function Transform IDs".
 */
export type IkePrf = 'PRF_AES128_XCBC' | 'PRF_HMAC_SHA1' | 'PRF_HMAC_SHA2_256' | 'PRF_HMAC_SHA2_384' | 'PRF_HMAC_SHA2_512';

/** Transform IDs of the PRFs above (IANA "Transform Type 2"). */
export const IKE_PRF_TRANSFORM_IDS: Readonly<Record<IkePrf, number>> = {
  PRF_HMAC_SHA1: 2,
  PRF_AES128_XCBC: 4,
  PRF_HMAC_SHA2_256: 5,
  PRF_HMAC_SHA2_384: 6,
  PRF_HMAC_SHA2_512: 7,
};

/** The PRF with IANA Transform ID `id`, or undefined when it is not supported here. */
export function ikePrfFromTransformId(id: number): IkePrf | undefined {
  for (const [name, value] of Object.entries(IKE_PRF_TRANSFORM_IDS)) if (value === id) return name as IkePrf;
  return undefined;
}

const HMAC_HASH: Readonly<Record<Exclude<IkePrf, 'PRF_AES128_XCBC'>, { hash: HashName; length: number }>> = {
  PRF_HMAC_SHA1: { hash: 'SHA-1', length: 20 }, // RFC 2104
  PRF_HMAC_SHA2_256: { hash: 'SHA-256', length: 32 }, // RFC 4868 §2.1.2
  PRF_HMAC_SHA2_384: { hash: 'SHA-384', length: 48 },
  PRF_HMAC_SHA2_512: { hash: 'SHA-512', length: 64 },
};

function hmacParams(prf: IkePrf): { hash: HashName; length: number } | undefined {
  return prf === 'PRF_AES128_XCBC' ? undefined : HMAC_HASH[prf];
}

function checkPrf(prf: IkePrf): void {
  if (!Object.prototype.hasOwnProperty.call(IKE_PRF_TRANSFORM_IDS, prf)) {
    throw new CryptoError('unsupported', `IKEv2 prf ${String(prf)}`);
  }
}

/**
 * RFC 7296 §2.13: the preferred key length of the prf, which is the length of SK_d, SK_pi and SK_pr
 * (the hash output length for HMAC, RFC 4868 §2.1.2; 16 bytes for AES-XCBC-PRF-128, RFC 4434 §4).
 */
export function ikePrfKeyLength(prf: IkePrf): number {
  checkPrf(prf);
  return hmacParams(prf)?.length ?? 16;
}

/** Output length of the prf in bytes. */
export function ikePrfOutputLength(prf: IkePrf): number {
  checkPrf(prf);
  return hmacParams(prf)?.length ?? 16;
}

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

const BLOCK = 16;

/**
 * AES-XCBC-MAC (RFC 3566 §4) with its full 128-bit output, built on raw AES-CBC: CBC with a zero
 * IV over the padded message gives the chained value in its last block.
 */
function aesXcbcMac128(provider: IkeKdfProvider, key: Uint8Array, message: Uint8Array): Uint8Array {
  const zeroIv = new Uint8Array(BLOCK);
  const cipher = provider.aesCbc(key);
  // RFC 3566 §4 (1): K1 = E(K, 0x01..), K2 = E(K, 0x02..), K3 = E(K, 0x03..); CBC over one block
  // with a zero IV is the block cipher itself.
  const k1 = cipher.encrypt(zeroIv, new Uint8Array(BLOCK).fill(1));
  const k2 = cipher.encrypt(zeroIv, new Uint8Array(BLOCK).fill(2));
  const k3 = cipher.encrypt(zeroIv, new Uint8Array(BLOCK).fill(3));
  // RFC 3566 §4 (3)-(6): the last block is XORed with K2 when complete, else padded 10* and XORed with K3.
  const complete = message.length > 0 && message.length % BLOCK === 0;
  const paddedLength = complete ? message.length : (Math.floor(message.length / BLOCK) + 1) * BLOCK;
  const padded = new Uint8Array(paddedLength);
  padded.set(message);
  if (!complete) padded[message.length] = 0x80;
  const last = paddedLength - BLOCK;
  const mask = complete ? k2 : k3;
  for (let i = 0; i < BLOCK; i++) padded[last + i] ^= mask[i];
  const chained = provider.aesCbc(k1).encrypt(zeroIv, padded);
  return chained.slice(last);
}

/**
 * AES-XCBC-PRF-128 (RFC 4434 §2): a 16-byte key is used as it is, a shorter one is padded with
 * zeros, a longer one is first reduced to AES-XCBC-MAC(0^128, key); the output is the full
 * 128-bit AES-XCBC-MAC.
 */
function aesXcbcPrf128(provider: IkeKdfProvider, key: Uint8Array, data: Uint8Array): Uint8Array {
  let k: Uint8Array;
  if (key.length === BLOCK) k = key;
  else if (key.length < BLOCK) {
    k = new Uint8Array(BLOCK);
    k.set(key);
  } else k = aesXcbcMac128(provider, new Uint8Array(BLOCK), key);
  return aesXcbcMac128(provider, k, data);
}

/** The negotiated prf (RFC 7296 §2.13) of `key` and the concatenation of `data`. */
export function ikePrf(provider: IkeKdfProvider, prf: IkePrf, key: Uint8Array, ...data: Uint8Array[]): Uint8Array {
  checkPrf(prf);
  const params = hmacParams(prf);
  if (params === undefined) return aesXcbcPrf128(provider, key, concat(...data));
  return provider.hmac(params.hash, key).compute(...data);
}

/**
 * RFC 7296 §2.13: prf+ (K,S) = T1 | T2 | T3 | ..., T1 = prf (K, S | 0x01),
 * Tn = prf (K, Tn-1 | S | n). prf+ is not defined beyond 255 iterations: a longer request is a
 * CryptoError('output-too-long').
 */
export function ikePrfPlus(provider: IkeKdfProvider, prf: IkePrf, key: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  const blockLength = ikePrfOutputLength(prf);
  if (!Number.isInteger(length) || length < 0 || length > 255 * blockLength) {
    throw new CryptoError('output-too-long', `prf+ output of ${length} bytes (at most 255 * ${blockLength})`);
  }
  const params = hmacParams(prf);
  const mac = params === undefined ? undefined : provider.hmac(params.hash, key);
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  for (let n = 1, offset = 0; offset < length; n++) {
    t = mac !== undefined ? mac.compute(t, seed, Uint8Array.of(n)) : aesXcbcPrf128(provider, key, concat(t, seed, Uint8Array.of(n)));
    out.set(t.subarray(0, Math.min(blockLength, length - offset)), offset);
    offset += blockLength;
  }
  return out;
}

/** The PRFs whose SKEYSEED key is 64 bits of each nonce (RFC 7296 §2.14). */
function usesShortNonceKey(prf: IkePrf): boolean {
  return prf === 'PRF_AES128_XCBC';
}

/**
 * RFC 7296 §2.14: SKEYSEED = prf(Ni | Nr, g^ir), with g^ir as the key exchange returned it
 * (big-endian, padded to the modulus length). For AES-XCBC-PRF-128 only the first 64 bits of Ni
 * and of Nr form the key.
 */
export function ikeSkeyseed(provider: IkeKdfProvider, prf: IkePrf, ni: Uint8Array, nr: Uint8Array, sharedSecret: Uint8Array): Uint8Array {
  const key = usesShortNonceKey(prf) ? concat(ni.subarray(0, 8), nr.subarray(0, 8)) : concat(ni, nr);
  return ikePrf(provider, prf, key, sharedSecret);
}

/**
 * RFC 7296 §2.18: the SKEYSEED of a rekeyed IKE SA, SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr),
 * with SK_d of the old IKE SA and the nonces of the CREATE_CHILD_SA exchange.
 */
export function ikeRekeySkeyseed(
  provider: IkeKdfProvider,
  prf: IkePrf,
  oldSkD: Uint8Array,
  sharedSecret: Uint8Array,
  ni: Uint8Array,
  nr: Uint8Array,
): Uint8Array {
  return ikePrf(provider, prf, oldSkD, sharedSecret, ni, nr);
}

/** Key lengths of the negotiated encryption and integrity transforms (RFC 7296 §2.13). */
export interface IkeKeyLengths {
  /** Encryption key length in bytes, including the salt of AEAD transforms (RFC 5282 §7.1, RFC 4106 §8.1). */
  encrKeyLength: number;
  /** Integrity key length in bytes (0 for AEAD transforms). */
  integKeyLength: number;
}

/** The seven secrets of an IKE SA (RFC 7296 §2.14). */
export interface IkeSaKeys {
  SK_d: Uint8Array;
  SK_ai: Uint8Array;
  SK_ar: Uint8Array;
  SK_ei: Uint8Array;
  SK_er: Uint8Array;
  SK_pi: Uint8Array;
  SK_pr: Uint8Array;
}

/**
 * RFC 7296 §2.14: {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr),
 * SK_d, SK_pi and SK_pr being the prf's preferred key length. SPIs are the 8-byte IKE SA SPIs.
 */
export function ikeSaKeys(
  provider: IkeKdfProvider,
  prf: IkePrf,
  skeyseed: Uint8Array,
  ni: Uint8Array,
  nr: Uint8Array,
  spiI: Uint8Array,
  spiR: Uint8Array,
  lengths: IkeKeyLengths,
): IkeSaKeys {
  if (spiI.length !== 8 || spiR.length !== 8) {
    throw new CryptoError('bad-length', 'IKE SA SPIs are 8 bytes (RFC 7296 §3.1)');
  }
  const prfKey = ikePrfKeyLength(prf);
  const { encrKeyLength, integKeyLength } = lengths;
  const total = prfKey * 3 + 2 * (integKeyLength + encrKeyLength);
  const stream = ikePrfPlus(provider, prf, skeyseed, concat(ni, nr, spiI, spiR), total);
  let offset = 0;
  const take = (n: number): Uint8Array => stream.slice(offset, (offset += n));
  return {
    SK_d: take(prfKey),
    SK_ai: take(integKeyLength),
    SK_ar: take(integKeyLength),
    SK_ei: take(encrKeyLength),
    SK_er: take(encrKeyLength),
    SK_pi: take(prfKey),
    SK_pr: take(prfKey),
  };
}

/**
 * RFC 7296 §2.17: KEYMAT = prf+(SK_d, Ni | Nr), or prf+(SK_d, g^ir (new) | Ni | Nr) when the
 * CREATE_CHILD_SA exchange carried KE payloads, with the nonces of the exchange that created the
 * Child SA (those of IKE_SA_INIT for the first one).
 */
export function childSaKeymat(
  provider: IkeKdfProvider,
  prf: IkePrf,
  skD: Uint8Array,
  ni: Uint8Array,
  nr: Uint8Array,
  length: number,
  sharedSecret?: Uint8Array,
): Uint8Array {
  const seed = sharedSecret !== undefined ? concat(sharedSecret, ni, nr) : concat(ni, nr);
  return ikePrfPlus(provider, prf, skD, seed, length);
}

/** The keys of one direction of a Child SA. */
export interface ChildSaDirectionKeys {
  /** Encryption key (with the salt at its end for AEAD transforms, RFC 4106 §8.1). */
  encr: Uint8Array;
  integ: Uint8Array;
}

export interface ChildSaKeys {
  initiatorToResponder: ChildSaDirectionKeys;
  responderToInitiator: ChildSaDirectionKeys;
}

/**
 * RFC 7296 §2.17: splits the KEYMAT of one ESP or AH Child SA. All keys of the SA carrying data
 * from the initiator to the responder come first; within each, the encryption key is taken from
 * the first bits and the integrity key from the remaining bits.
 */
export function childSaKeys(
  provider: IkeKdfProvider,
  prf: IkePrf,
  skD: Uint8Array,
  ni: Uint8Array,
  nr: Uint8Array,
  lengths: IkeKeyLengths,
  sharedSecret?: Uint8Array,
): ChildSaKeys {
  const { encrKeyLength, integKeyLength } = lengths;
  const keymat = childSaKeymat(provider, prf, skD, ni, nr, 2 * (encrKeyLength + integKeyLength), sharedSecret);
  let offset = 0;
  const take = (n: number): Uint8Array => keymat.slice(offset, (offset += n));
  const initiatorToResponder = { encr: take(encrKeyLength), integ: take(integKeyLength) };
  const responderToInitiator = { encr: take(encrKeyLength), integ: take(integKeyLength) };
  return { initiatorToResponder, responderToInitiator };
}
