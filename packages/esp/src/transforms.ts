/**
 * ESP transforms over the CryptoProvider interface, working in place on one packet buffer.
 *
 *   ESP packet (RFC 4303 §2):  SPI(4) | Sequence Number(4) | IV | ciphertext | ICV
 *   ciphertext covers:         Payload Data | [TFC padding] | Padding | Pad Length | Next Header
 *
 * - AES-GCM (RFC 4106 §3-5) and ChaCha20-Poly1305 (RFC 7634 §2): nonce = salt || IV,
 *   AAD = SPI || Seq (8 bytes) or SPI || Seq high || Seq low with ESN (12 bytes).
 * - AES-GMAC (RFC 4543 §3): nothing encrypted; AAD = SPI || Seq [|| ESN] || IV || payload.
 *   With ESN the AAD is SPI || ESN high || Seq low, i.e. the 64-bit ESN in place of Seq.
 * - AES-CBC (RFC 3602) or NULL (RFC 2410) with HMAC (RFC 2404, RFC 4868): encrypt, then the ICV
 *   over SPI..ciphertext, with the ESN high-order 32 bits appended (RFC 4303 §2.2.1, §3.3.2.1).
 *
 * The sender's buffer holds the plaintext at its final place; `seal` replaces it by the
 * ciphertext and writes the ICV behind it. `open` verifies the ICV before anything is decrypted
 * (or, for AEADs, lets the AEAD release nothing unless its tag verified) and returns the plaintext
 * (Payload .. Next Header) or null.
 */
import type { Aead, BlockCipherCbc, CryptoProvider, Mac } from '@layersec/crypto-primitives';
import { ENCRYPTION_INFO, INTEGRITY_INFO, type SecurityAssociation } from './sa.js';

export interface EspTransform {
  readonly ivLength: number;
  /** Plaintext (Payload..Next Header) is padded to a multiple of this (RFC 4303 §2.4). */
  readonly blockSize: number;
  readonly icvLength: number;
  /** No integrity at all (RFC 3602 test packets; refused by the engine unless allowed). */
  readonly confidentialityOnly: boolean;
  /** IV must be unpredictable (CBC) rather than merely unique (counter-mode AEADs). */
  readonly ivMustBeRandom: boolean;
  /**
   * In `buf`: ESP header at `esp` (SPI, Seq and IV written), plaintext at [pt, ptEnd), room for
   * the ICV after it. Encrypts in place and writes the ICV. `seqHigh` is used when `esn`.
   */
  seal(buf: Uint8Array, esp: number, pt: number, ptEnd: number, seqHigh: number, esn: boolean): void;
  /**
   * Verifies and decrypts the ESP packet buf[esp, end). Returns the plaintext (Payload .. Next
   * Header), or null when the ICV does not verify; throws nothing for bad input (lengths are
   * checked by the caller).
   */
  open(buf: Uint8Array, esp: number, end: number, seqHigh: number, esn: boolean): Uint8Array | null;
}

function writeU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}

/** AES-GCM / ChaCha20-Poly1305 (RFC 4106, RFC 7634). */
class AeadTransform implements EspTransform {
  readonly ivLength = 8;
  readonly blockSize = 4;
  readonly confidentialityOnly = false;
  readonly ivMustBeRandom = false;
  readonly icvLength: number;
  private readonly nonce = new Uint8Array(12);
  private readonly aad8 = new Uint8Array(8);
  private readonly aad12 = new Uint8Array(12);

  constructor(
    private readonly aead: Aead,
    salt: Uint8Array,
  ) {
    this.icvLength = aead.tagLength;
    this.nonce.set(salt, 0);
  }

  private prepare(buf: Uint8Array, esp: number, seqHigh: number, esn: boolean): Uint8Array {
    this.nonce.set(buf.subarray(esp + 8, esp + 16), 4);
    if (!esn) {
      this.aad8.set(buf.subarray(esp, esp + 8));
      return this.aad8;
    }
    // RFC 4106 §5 / RFC 7634 §2.1: SPI, then the 64-bit ESN (high half first).
    const aad = this.aad12;
    aad.set(buf.subarray(esp, esp + 4));
    writeU32(aad, 4, seqHigh);
    aad.set(buf.subarray(esp + 4, esp + 8), 8);
    return aad;
  }

  seal(buf: Uint8Array, esp: number, pt: number, ptEnd: number, seqHigh: number, esn: boolean): void {
    const aad = this.prepare(buf, esp, seqHigh, esn);
    const sealed = this.aead.seal(this.nonce, buf.subarray(pt, ptEnd), aad);
    buf.set(sealed, pt);
  }

  open(buf: Uint8Array, esp: number, end: number, seqHigh: number, esn: boolean): Uint8Array | null {
    const aad = this.prepare(buf, esp, seqHigh, esn);
    return this.aead.open(this.nonce, buf.subarray(esp + 16, end), aad);
  }
}

/** ENCR_NULL_AUTH_AES_GMAC (RFC 4543 §3). */
class GmacTransform implements EspTransform {
  readonly ivLength = 8;
  readonly blockSize = 4;
  readonly icvLength = 16;
  readonly confidentialityOnly = false;
  readonly ivMustBeRandom = false;
  private readonly nonce = new Uint8Array(12);
  private readonly gmac: ReturnType<CryptoProvider['gmac']>;

  constructor(provider: CryptoProvider, key: Uint8Array, salt: Uint8Array) {
    this.gmac = provider.gmac(key);
    this.nonce.set(salt, 0);
  }

  private readonly saved = new Uint8Array(8);

  /**
   * Runs `f` over the AAD: the packet from the SPI to the end of the trailer, with the ESN high
   * half between SPI and Sequence Number when ESN is on (RFC 4543 §3.2). Without ESN that is a
   * view; with ESN the 8 bytes in front of the Sequence Number (the SPI and the 4 bytes before it,
   * always part of the IP header here) are borrowed to lay out SPI || ESN high contiguously with
   * the rest, then restored — no copy of the payload.
   */
  private withAad<T>(buf: Uint8Array, esp: number, ptEnd: number, seqHigh: number, esn: boolean, f: (aad: Uint8Array) => T): T {
    if (!esn) return f(buf.subarray(esp, ptEnd));
    if (esp < 4) {
      // No header in front to borrow from: lay the AAD out in a copy.
      const aad = new Uint8Array(ptEnd - esp + 4);
      aad.set(buf.subarray(esp, esp + 4), 0);
      writeU32(aad, 4, seqHigh);
      aad.set(buf.subarray(esp + 4, ptEnd), 8);
      return f(aad);
    }
    const start = esp - 4;
    this.saved.set(buf.subarray(start, esp + 4));
    buf.copyWithin(start, esp, esp + 4); // SPI
    writeU32(buf, esp, seqHigh);
    try {
      return f(buf.subarray(start, ptEnd));
    } finally {
      buf.set(this.saved, start);
    }
  }

  seal(buf: Uint8Array, esp: number, _pt: number, ptEnd: number, seqHigh: number, esn: boolean): void {
    this.nonce.set(buf.subarray(esp + 8, esp + 16), 4);
    const tag = this.withAad(buf, esp, ptEnd, seqHigh, esn, (aad) => this.gmac.compute(this.nonce, aad));
    buf.set(tag, ptEnd);
  }

  open(buf: Uint8Array, esp: number, end: number, seqHigh: number, esn: boolean): Uint8Array | null {
    const ptEnd = end - 16;
    this.nonce.set(buf.subarray(esp + 8, esp + 16), 4);
    const icv = buf.subarray(ptEnd, end);
    if (!this.withAad(buf, esp, ptEnd, seqHigh, esn, (aad) => this.gmac.verify(this.nonce, aad, icv))) return null;
    return buf.subarray(esp + 16, ptEnd);
  }
}

/** AES-CBC (RFC 3602) or ENCR_NULL (RFC 2410), with an HMAC ICV or (CBC only) none. */
class EncryptThenMacTransform implements EspTransform {
  readonly ivLength: number;
  readonly blockSize: number;
  readonly icvLength: number;
  readonly confidentialityOnly: boolean;
  readonly ivMustBeRandom: boolean;
  private readonly seqHighBytes = new Uint8Array(4);
  private readonly empty = new Uint8Array(0);

  constructor(
    private readonly cbc: BlockCipherCbc | null,
    private readonly mac: Mac | null,
  ) {
    this.ivLength = cbc ? 16 : 0;
    this.blockSize = cbc ? 16 : 4;
    this.icvLength = mac ? mac.outputLength : 0;
    this.confidentialityOnly = mac === null;
    this.ivMustBeRandom = cbc !== null;
  }

  private high(seqHigh: number, esn: boolean): Uint8Array {
    if (!esn) return this.empty;
    writeU32(this.seqHighBytes, 0, seqHigh);
    return this.seqHighBytes;
  }

  seal(buf: Uint8Array, esp: number, pt: number, ptEnd: number, seqHigh: number, esn: boolean): void {
    if (this.cbc) {
      const iv = buf.subarray(esp + 8, esp + 8 + this.ivLength);
      buf.set(this.cbc.encrypt(iv, buf.subarray(pt, ptEnd)), pt);
    }
    if (this.mac) buf.set(this.mac.compute(buf.subarray(esp, ptEnd), this.high(seqHigh, esn)), ptEnd);
  }

  open(buf: Uint8Array, esp: number, end: number, seqHigh: number, esn: boolean): Uint8Array | null {
    const ctEnd = end - this.icvLength;
    // RFC 4303 §3.4.4: the ICV is checked first; nothing is decrypted before it verifies.
    if (this.mac && !this.mac.verify(buf.subarray(ctEnd, end), buf.subarray(esp, ctEnd), this.high(seqHigh, esn))) return null;
    const ct = buf.subarray(esp + 8 + this.ivLength, ctEnd);
    if (!this.cbc) return ct;
    return this.cbc.decrypt(buf.subarray(esp + 8, esp + 8 + this.ivLength), ct);
  }
}

/** The ESP transform of an SA (its keys bound once, at SA installation). */
export function createEspTransform(provider: CryptoProvider, sa: SecurityAssociation): EspTransform {
  const enc = sa.encryption;
  if (enc === null) throw new TypeError('ESP SA without an encryption transform');
  const info = ENCRYPTION_INFO[enc];
  const keyMaterial = sa.encryptionKey ?? new Uint8Array(0);
  const key = keyMaterial.subarray(0, keyMaterial.length - info.saltLength);
  const salt = keyMaterial.subarray(keyMaterial.length - info.saltLength);
  switch (enc) {
    case 'ENCR_AES_GCM_8':
    case 'ENCR_AES_GCM_12':
    case 'ENCR_AES_GCM_16':
      return new AeadTransform(provider.aead(key.length === 16 ? 'AES-128-GCM' : 'AES-256-GCM', key, info.icvLength!), salt);
    case 'ENCR_CHACHA20_POLY1305':
      return new AeadTransform(provider.aead('CHACHA20-POLY1305', key, 16), salt);
    case 'ENCR_NULL_AUTH_AES_GMAC':
      return new GmacTransform(provider, key, salt);
    case 'ENCR_AES_CBC':
    case 'ENCR_NULL': {
      const cbc = enc === 'ENCR_AES_CBC' ? provider.aesCbc(key) : null;
      const mac = sa.integrity ? provider.hmac(INTEGRITY_INFO[sa.integrity].hash, sa.integrityKey!, INTEGRITY_INFO[sa.integrity].icvLength) : null;
      return new EncryptThenMacTransform(cbc, mac);
    }
  }
}
