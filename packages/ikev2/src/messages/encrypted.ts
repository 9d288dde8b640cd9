/**
 * The Encrypted and Authenticated payload (RFC 7296 §3.14):
 *
 *   SK { payloads } = IV | E(payloads | Padding | Pad Length) | ICV
 *
 * - with a block cipher and a separate integrity transform (RFC 7296 §3.14, AES-CBC per RFC 3602),
 *   the ICV is the truncated MAC over the message from the first octet of the IKE header to the
 *   last octet of the ciphertext; and
 * - with an AEAD (AES-GCM, RFC 5282 §3-§5; ChaCha20-Poly1305, RFC 7634 §2-§4) the IV is 8 explicit
 *   octets, the nonce is salt (the last 4 octets of SK_e) | IV, the associated data is the IKE
 *   header through the end of the Encrypted payload's generic header (not the IV), and the ICV is
 *   the AEAD tag.
 *
 * Receiving, the ICV is verified before anything is decrypted or parsed; a failure is an
 * IkeIntegrityError and releases nothing.
 */
import { CryptoError, type Aead, type BlockCipherCbc, type CryptoProvider, type HashName, type Mac, type RandomSource } from '@layersec/crypto-primitives';
import { DecodeError, Reader, concatBytes } from '@layersec/wire';
import { EncrId, IntegId, PayloadType } from '../constants.js';
import { IkeIntegrityError } from '../errors.js';
import { IKE_HEADER_LENGTH } from './header.js';
import {
  GENERIC_PAYLOAD_HEADER_LENGTH,
  decodePayloadChain,
  encodeMessage,
  encodePayloads,
  type IkeHeaderFields,
  type IkeMessage,
} from './message.js';
import { payloadTypeOf, type Payload, type SkPayload } from './payloads.js';

/** The transforms that protect an IKE SA's Encrypted payloads. */
export interface SkTransforms {
  /** ENCR Transform ID. */
  encr: number;
  /** Key Length attribute in bits (absent for fixed-length ciphers such as ChaCha20-Poly1305). */
  keyLength?: number;
  /** INTEG Transform ID; NONE (0) with an AEAD. */
  integ: number;
}

interface AeadInfo {
  name: 'AES-128-GCM' | 'AES-256-GCM' | 'CHACHA20-POLY1305';
  tagLength: number;
}

const GCM_ICV: Readonly<Record<number, number>> = {
  [EncrId.ENCR_AES_GCM_8]: 8,
  [EncrId.ENCR_AES_GCM_12]: 12,
  [EncrId.ENCR_AES_GCM_16]: 16,
};

const INTEG: Readonly<Record<number, { keyLength: number; icvLength: number }>> = {
  [IntegId.AUTH_HMAC_SHA1_96]: { keyLength: 20, icvLength: 12 }, // RFC 2404
  [IntegId.AUTH_AES_XCBC_96]: { keyLength: 16, icvLength: 12 }, // RFC 3566
  [IntegId.AUTH_HMAC_SHA2_256_128]: { keyLength: 32, icvLength: 16 }, // RFC 4868 §2.6
  [IntegId.AUTH_HMAC_SHA2_384_192]: { keyLength: 48, icvLength: 24 },
  [IntegId.AUTH_HMAC_SHA2_512_256]: { keyLength: 64, icvLength: 32 },
};

const INTEG_HASH: Readonly<Record<number, HashName>> = {
  [IntegId.AUTH_HMAC_SHA1_96]: 'SHA-1',
  [IntegId.AUTH_HMAC_SHA2_256_128]: 'SHA-256',
  [IntegId.AUTH_HMAC_SHA2_384_192]: 'SHA-384',
  [IntegId.AUTH_HMAC_SHA2_512_256]: 'SHA-512',
};

/** The 4-octet salt at the end of SK_e for the AEADs (RFC 5282 §7.1, RFC 7634 §3). */
const AEAD_SALT_LENGTH = 4;
/** RFC 5282 §3.1 / RFC 7634 §2: the explicit IV is 8 octets. */
const AEAD_IV_LENGTH = 8;

function aeadInfo(t: SkTransforms): AeadInfo | undefined {
  if (t.encr === EncrId.ENCR_CHACHA20_POLY1305) return { name: 'CHACHA20-POLY1305', tagLength: 16 };
  const tag = GCM_ICV[t.encr];
  if (tag === undefined) return undefined;
  if (t.keyLength === 128) return { name: 'AES-128-GCM', tagLength: tag };
  if (t.keyLength === 256) return { name: 'AES-256-GCM', tagLength: tag };
  throw new CryptoError('unsupported', `AES-GCM with a ${t.keyLength ?? 'missing'}-bit key`);
}

/**
 * Lengths in octets of SK_e* and SK_a* for these transforms (RFC 7296 §2.14: the key length of
 * each, AEAD keys including their salt), as the KDF's IkeKeyLengths wants them.
 */
export function skKeyLengths(t: SkTransforms): { encrKeyLength: number; integKeyLength: number } {
  const aead = aeadInfo(t);
  if (aead !== undefined) {
    if (t.integ !== IntegId.NONE) throw new CryptoError('unsupported', 'an AEAD transform with an integrity transform');
    const keyBytes = aead.name === 'AES-128-GCM' ? 16 : 32;
    return { encrKeyLength: keyBytes + AEAD_SALT_LENGTH, integKeyLength: 0 };
  }
  if (t.encr !== EncrId.ENCR_AES_CBC) throw new CryptoError('unsupported', `ENCR transform ${t.encr}`);
  if (t.keyLength !== 128 && t.keyLength !== 192 && t.keyLength !== 256) {
    throw new CryptoError('unsupported', `AES-CBC with a ${t.keyLength ?? 'missing'}-bit key`);
  }
  const integ = INTEG[t.integ];
  if (integ === undefined) throw new CryptoError('unsupported', `INTEG transform ${t.integ}`);
  return { encrKeyLength: t.keyLength / 8, integKeyLength: integ.keyLength };
}

/**
 * One direction's protection of Encrypted payloads: built from SK_ei/SK_ai (messages the original
 * initiator sends) or SK_er/SK_ar (messages the responder sends).
 */
export interface SkProtection {
  readonly transforms: SkTransforms;
  /** IV length in octets. */
  readonly ivLength: number;
  /** ICV length in octets. */
  readonly icvLength: number;
  /** The plaintext (payloads | Padding | Pad Length) must be a multiple of this. */
  readonly blockLength: number;
  /**
   * The Encrypted payload's body, IV | ciphertext | ICV, for `plaintext`; `prefix` is the message
   * from the IKE header through the Encrypted payload's generic header.
   */
  protect(prefix: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Verifies the ICV of `body` (IV | ciphertext | ICV), then decrypts; `null` when it does not verify. */
  unprotect(prefix: Uint8Array, body: Uint8Array): Uint8Array | null;
}

class AeadProtection implements SkProtection {
  readonly ivLength = AEAD_IV_LENGTH;
  readonly icvLength: number;
  /** RFC 5282 §3 / RFC 7634 §2: no alignment is needed; Pad Length may be 0. */
  readonly blockLength = 1;
  private readonly aead: Aead;
  private readonly salt: Uint8Array;

  constructor(
    readonly transforms: SkTransforms,
    provider: CryptoProvider,
    info: AeadInfo,
    skE: Uint8Array,
  ) {
    this.icvLength = info.tagLength;
    const keyLength = skE.length - AEAD_SALT_LENGTH;
    this.aead = provider.aead(info.name, skE.subarray(0, keyLength), info.tagLength);
    this.salt = skE.slice(keyLength);
  }

  protect(prefix: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
    // RFC 5282 §5.1: the associated data is the IKE header through the Encrypted payload's
    // generic header (the prefix), not the IV; the nonce is salt | IV (§4).
    return concatBytes(iv, this.aead.seal(concatBytes(this.salt, iv), plaintext, prefix));
  }

  unprotect(prefix: Uint8Array, body: Uint8Array): Uint8Array | null {
    const iv = body.subarray(0, this.ivLength);
    return this.aead.open(concatBytes(this.salt, iv), body.subarray(this.ivLength), prefix);
  }
}

class CbcHmacProtection implements SkProtection {
  readonly ivLength = 16;
  readonly blockLength = 16;
  readonly icvLength: number;
  private readonly cipher: BlockCipherCbc;
  private readonly mac: Mac;

  constructor(
    readonly transforms: SkTransforms,
    provider: CryptoProvider,
    skE: Uint8Array,
    skA: Uint8Array,
  ) {
    const integ = INTEG[transforms.integ];
    this.icvLength = integ.icvLength;
    this.cipher = provider.aesCbc(skE);
    this.mac =
      transforms.integ === IntegId.AUTH_AES_XCBC_96
        ? provider.aesXcbcMac96(skA)
        : provider.hmac(INTEG_HASH[transforms.integ], skA, integ.icvLength);
  }

  protect(prefix: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const ivAndCiphertext = concatBytes(iv, this.cipher.encrypt(iv, plaintext));
    // RFC 7296 §3.14: the checksum covers the message from the IKE header through the ciphertext.
    return concatBytes(ivAndCiphertext, this.mac.compute(prefix, ivAndCiphertext));
  }

  unprotect(prefix: Uint8Array, body: Uint8Array): Uint8Array | null {
    const ivAndCiphertext = body.subarray(0, body.length - this.icvLength);
    const icv = body.subarray(body.length - this.icvLength);
    // Checked (in constant time) before anything is decrypted.
    if (!this.mac.verify(icv, prefix, ivAndCiphertext)) return null;
    return this.cipher.decrypt(ivAndCiphertext.subarray(0, this.ivLength), ivAndCiphertext.subarray(this.ivLength));
  }
}

/** Builds one direction's protection from the negotiated transforms and SK_e / SK_a. */
export function createSkProtection(provider: CryptoProvider, transforms: SkTransforms, skE: Uint8Array, skA: Uint8Array): SkProtection {
  const lengths = skKeyLengths(transforms);
  if (skE.length !== lengths.encrKeyLength || skA.length !== lengths.integKeyLength) {
    throw new CryptoError('bad-key-length', `SK_e of ${skE.length} / SK_a of ${skA.length} octets, expected ${lengths.encrKeyLength} / ${lengths.integKeyLength}`);
  }
  const aead = aeadInfo(transforms);
  if (aead !== undefined) return new AeadProtection(transforms, provider, aead, skE);
  return new CbcHmacProtection(transforms, provider, skE, skA);
}

export interface EncryptOptions {
  /** Source of the IV (unpredictable for CBC, unique for the AEADs). */
  random: RandomSource;
  /** Unencrypted payloads before SK (none in RFC 7296's exchanges; RFC 7383 fragments aside). */
  outerPayloads?: Payload[];
  /**
   * The Padding octets (RFC 7296 §3.14: any value, 0..255 octets, aligning the plaintext to the
   * block size). Default: the fewest zero octets that align it.
   */
  padding?: Uint8Array;
  /** Use this IV instead of drawing one (for reproducing a captured message in tests). */
  iv?: Uint8Array;
}

/**
 * Encodes a message whose payloads travel inside an Encrypted payload: HDR, [outer payloads,]
 * SK { innerPayloads }.
 */
export function encodeEncryptedMessage(
  protection: SkProtection,
  header: IkeHeaderFields,
  innerPayloads: Payload[],
  options: EncryptOptions,
): Uint8Array {
  const outer = options.outerPayloads ?? [];
  const inner = encodePayloads(innerPayloads);
  // §3.14: Padding makes payloads | Padding | Pad Length a multiple of the block size.
  const bl = protection.blockLength;
  const padding = options.padding ?? new Uint8Array((bl - ((inner.length + 1) % bl)) % bl);
  if (padding.length > 255 || (inner.length + padding.length + 1) % bl !== 0) throw new RangeError(`Padding of ${padding.length} octets`);
  const plaintext = concatBytes(inner, padding, Uint8Array.of(padding.length));

  const iv = options.iv ?? options.random.randomBytes(protection.ivLength);
  if (iv.length !== protection.ivLength) throw new RangeError(`IV of ${iv.length} octets`);
  const skBodyLength = iv.length + plaintext.length + protection.icvLength;

  const innerFirst = innerPayloads.length > 0 ? payloadTypeOf(innerPayloads[0]) : PayloadType.NO_NEXT_PAYLOAD;
  // Encode HDR, outer payloads and SK with a placeholder body: the prefix (through SK's generic
  // header) is then final, including the header's Length, and is what the ICV covers.
  const placeholder: SkPayload = { kind: 'SK', nextPayload: innerFirst, body: new Uint8Array(skBodyLength) };
  const all = encodeMessage(header, [...outer, placeholder]);
  const prefix = all.subarray(0, all.length - skBodyLength);
  all.set(protection.protect(prefix, iv, plaintext), prefix.length);
  return all;
}

/** What an Encrypted payload held, once verified and decrypted. */
export interface EncryptedContents {
  payloads: Payload[];
  iv: Uint8Array;
  /** The Padding octets (not the Pad Length). */
  padding: Uint8Array;
}

/**
 * Verifies and decrypts the Encrypted payload that ends `message` (decoded from `bytes`), then
 * decodes the payload chain inside it. IkeIntegrityError when the ICV does not verify;
 * DecodeError for a malformed Encrypted payload or inner chain (checked only after the ICV);
 * IkeNotifyError for an unknown critical payload inside.
 */
export function decodeEncryptedPayloads(protection: SkProtection, bytes: Uint8Array, message: IkeMessage): EncryptedContents {
  const sk = message.payloads[message.payloads.length - 1];
  if (sk === undefined || sk.kind !== 'SK') throw new DecodeError('Encrypted payload', bytes.length, 'the message has none');
  const bodyStart = bytes.length - sk.body.length;
  const { ivLength, icvLength, blockLength } = protection;
  const ctLength = sk.body.length - ivLength - icvLength;
  // Length checks come first and reveal nothing about the contents.
  if (ctLength < 1 || ctLength % blockLength !== 0) {
    throw new IkeIntegrityError(`body of ${sk.body.length} octets cannot hold IV, ciphertext and ICV`);
  }
  const plaintext = protection.unprotect(bytes.subarray(0, bodyStart), sk.body);
  if (plaintext === null) throw new IkeIntegrityError('ICV does not verify');
  // Authentic from here on; a bad Pad Length is a syntax error of an authenticated message.
  const padLength = plaintext[plaintext.length - 1];
  if (padLength + 1 > plaintext.length) {
    throw new DecodeError('Encrypted payload.Pad Length', bodyStart + ivLength + ctLength - 1, `${padLength} exceeds the plaintext`);
  }
  const innerEnd = plaintext.length - padLength - 1;
  const inner = new Reader(plaintext, 0, innerEnd);
  try {
    const payloads = decodePayloadChain(sk.nextPayload, inner, true);
    return { payloads, iv: sk.body.slice(0, ivLength), padding: plaintext.slice(innerEnd, plaintext.length - 1) };
  } catch (e) {
    // Offsets inside are those of the plaintext: say so in the field name.
    if (e instanceof DecodeError) throw new DecodeError(`Encrypted payload plaintext: ${e.field}`, e.offset, e.reason);
    throw e;
  }
}
