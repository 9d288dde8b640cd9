/**
 * AEAD record protection for DTLS 1.2 (RFC 6347 §4.1.2.1 with RFC 5246 §6.2.3.3): the 64-bit
 * sequence number of TLS becomes epoch (16 bits) || sequence_number (48 bits), both in the
 * additional data and in the nonce. AES-GCM (RFC 5288 §3): nonce = 4-byte salt || 8-byte
 * explicit nonce carried in the record (we send epoch||seq, which never repeats under one key).
 * ChaCha20-Poly1305 (RFC 7905 §2): nonce = 12-byte IV XOR the left-padded epoch||seq, nothing
 * explicit. Nothing is returned before the tag has verified.
 */
import type { Aead } from '@layersec/crypto-primitives';
import { perRecordNonce } from '@layersec/tls';
import type { DtlsRecord } from './record.js';

/** epoch || sequence_number as the 64-bit value of RFC 6347 §4.1.2.1. */
export function epochSequence(epoch: number, seq: number): bigint {
  return (BigInt(epoch) << 48n) | BigInt(seq);
}

function u64(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  let s = v;
  for (let i = 7; i >= 0; i--) {
    out[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return out;
}

export class DtlsAeadProtection {
  private readonly explicitNonce: boolean;

  constructor(
    private readonly aead: Aead,
    /** 4-byte salt (AES-GCM) or 12-byte IV (ChaCha20-Poly1305) from the key block. */
    private readonly fixedIv: Uint8Array,
  ) {
    this.explicitNonce = aead.name !== 'CHACHA20-POLY1305';
  }

  /** Bytes a record grows by when protected (explicit nonce and tag). */
  get overhead(): number {
    return (this.explicitNonce ? 8 : 0) + this.aead.tagLength;
  }

  /** RFC 5246 §6.2.3.3: additional_data = seq_num || type || version || length (of the plaintext). */
  private aad(seqNum: Uint8Array, type: number, version: number, length: number): Uint8Array {
    const a = new Uint8Array(13);
    a.set(seqNum);
    a[8] = type;
    a[9] = version >> 8;
    a[10] = version & 0xff;
    a[11] = length >> 8;
    a[12] = length & 0xff;
    return a;
  }

  private nonce(seqNum: bigint, explicit: Uint8Array | undefined): Uint8Array {
    if (!this.explicitNonce) return perRecordNonce(this.fixedIv, seqNum);
    const n = new Uint8Array(12);
    n.set(this.fixedIv.subarray(0, 4));
    n.set(explicit!, 4);
    return n;
  }

  /** The protected fragment of a record of `type` at (epoch, seq). */
  seal(type: number, version: number, epoch: number, seq: number, content: Uint8Array): Uint8Array {
    const seqNum = u64(epochSequence(epoch, seq));
    const ct = this.aead.seal(this.nonce(epochSequence(epoch, seq), seqNum), content, this.aad(seqNum, type, version, content.length));
    if (!this.explicitNonce) return ct;
    const frag = new Uint8Array(8 + ct.length);
    frag.set(seqNum);
    frag.set(ct, 8);
    return frag;
  }

  /** The plaintext, or null when the record does not verify (to be dropped silently, RFC 6347 §4.1.2.7). */
  open(record: DtlsRecord): Uint8Array | null {
    const explicitLength = this.explicitNonce ? 8 : 0;
    const ctLength = record.fragment.length - explicitLength;
    if (ctLength < this.aead.tagLength) return null;
    const seqNum = u64(epochSequence(record.epoch, record.sequenceNumber));
    const nonce = this.nonce(epochSequence(record.epoch, record.sequenceNumber), this.explicitNonce ? record.fragment.subarray(0, 8) : undefined);
    return this.aead.open(nonce, record.fragment.subarray(explicitLength), this.aad(seqNum, record.type, record.version, ctLength - this.aead.tagLength));
  }
}
