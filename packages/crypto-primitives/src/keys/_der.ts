/**
 * A minimal DER TLV walker (ITU-T X.690 §8.1, with the DER restrictions of §10.1: definite,
 * minimal lengths). The ASN.1 structures themselves are decoded by @peculiar/asn1-schema; this
 * walker is used for what that library does not give back exactly: the framing of the whole input
 * (no trailing bytes, no indefinite lengths) and the raw bytes of the components a signature
 * covers (TBSCertificate, Name, SubjectPublicKeyInfo).
 */
import { CryptoError } from '../errors.js';

export interface Tlv {
  /** The identifier octet (single-byte tags only; high tag numbers are refused). */
  readonly tag: number;
  /** Offset of the identifier octet in the walked buffer. */
  readonly start: number;
  /** Offset of the first content octet. */
  readonly contentStart: number;
  /** Offset just past the last content octet. */
  readonly end: number;
}

/** Reads one TLV at `offset` of `bytes`, ending no later than `limit`. */
export function readTlv(bytes: Uint8Array, offset: number, limit: number = bytes.length, what = 'DER'): Tlv {
  if (offset + 2 > limit) throw new CryptoError('bad-encoding', `${what}: truncated at offset ${offset}`);
  const tag = bytes[offset];
  if ((tag & 0x1f) === 0x1f) throw new CryptoError('bad-encoding', `${what}: high tag number at offset ${offset}`);
  let length = bytes[offset + 1];
  let p = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    // X.690 §10.1: definite form only; 4 length octets are far beyond anything accepted here.
    if (count === 0 || count > 4) throw new CryptoError('bad-encoding', `${what}: unsupported length form at offset ${offset}`);
    if (p + count > limit) throw new CryptoError('bad-encoding', `${what}: truncated length at offset ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[p + i];
    // X.690 §10.1: the minimum number of length octets.
    if (length < 0x80 || (count > 1 && bytes[p] === 0)) {
      throw new CryptoError('bad-encoding', `${what}: non-minimal length at offset ${offset}`);
    }
    p += count;
  }
  if (p + length > limit) throw new CryptoError('bad-encoding', `${what}: length ${length} at offset ${offset} runs past the end`);
  return { tag, start: offset, contentStart: p, end: p + length };
}

/** The TLVs directly inside a constructed TLV, in order. */
export function children(bytes: Uint8Array, parent: Tlv, what = 'DER'): Tlv[] {
  const out: Tlv[] = [];
  let p = parent.contentStart;
  while (p < parent.end) {
    const t = readTlv(bytes, p, parent.end, what);
    out.push(t);
    p = t.end;
  }
  return out;
}

/** Checks that `bytes` is exactly one TLV with tag `tag` (no trailing bytes) and returns it. */
export function wholeTlv(bytes: Uint8Array, tag: number, what: string): Tlv {
  const t = readTlv(bytes, 0, bytes.length, what);
  if (t.tag !== tag) throw new CryptoError('bad-encoding', `${what}: expected tag 0x${tag.toString(16)}, got 0x${t.tag.toString(16)}`);
  if (t.end !== bytes.length) throw new CryptoError('bad-encoding', `${what}: ${bytes.length - t.end} trailing bytes`);
  return t;
}

export function tlvBytes(bytes: Uint8Array, t: Tlv): Uint8Array {
  return bytes.subarray(t.start, t.end);
}

export const TAG_SEQUENCE = 0x30;
