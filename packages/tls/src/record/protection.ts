/**
 * Record protection: TLS 1.3 (RFC 8446 §5.2-§5.5: TLSInnerPlaintext with content type and zero
 * padding, per-record nonce = write_iv XOR sequence number, the record header as AAD) and TLS 1.2
 * AEAD (RFC 5246 §6.2.3.3 with RFC 5288 §3 explicit nonces for AES-GCM, RFC 7905 §2 for
 * ChaCha20-Poly1305). Nothing is released before the AEAD tag has verified (Aead.open returns null).
 */
import type { Aead } from '@layersec/crypto-primitives';
import { AlertDescription, ContentType, MAX_PLAINTEXT } from '../constants.js';
import { TlsAlertError } from '../errors.js';
import { encodeRecord, encodeRecordHeader, type TlsRecord } from './record.js';

/** The inner content of a record after protection is removed. */
export interface RecordContent {
  readonly type: number;
  readonly content: Uint8Array;
}

export interface RecordProtection {
  /** Protects one fragment (at most the fragment limit) into a whole record. */
  seal(type: number, content: Uint8Array): Uint8Array;
  /** Removes protection from a record; throws TlsAlertError(bad_record_mac) when it does not verify. */
  open(record: TlsRecord): RecordContent;
  /** Records sealed so far (the next write sequence number). */
  readonly writeSequence: bigint;
}

const MAX_SEQUENCE = (1n << 64n) - 1n;

/** RFC 8446 §5.3: the 64-bit sequence number, left-padded to iv_length, XORed with the IV. */
export function perRecordNonce(iv: Uint8Array, seq: bigint): Uint8Array {
  const nonce = iv.slice();
  let s = seq;
  for (let i = nonce.length - 1; i >= nonce.length - 8; i--) {
    nonce[i] ^= Number(s & 0xffn);
    s >>= 8n;
  }
  return nonce;
}

/** One direction of TLS 1.3 record protection (write or read, never both). */
export class Tls13RecordProtection implements RecordProtection {
  private seq = 0n;

  constructor(
    private readonly aead: Aead,
    private readonly iv: Uint8Array,
    /** Zero bytes of padding added to each TLSInnerPlaintext (§5.4). */
    private readonly padding: (contentLength: number) => number = () => 0,
  ) {}

  get writeSequence(): bigint {
    return this.seq;
  }

  private nextNonce(): Uint8Array {
    // §5.3: the sequence number MUST NOT wrap; the connection must rekey or end before.
    if (this.seq >= MAX_SEQUENCE) throw new TlsAlertError(AlertDescription.internal_error, 'record sequence number exhausted');
    return perRecordNonce(this.iv, this.seq++);
  }

  seal(type: number, content: Uint8Array): Uint8Array {
    const pad = Math.max(0, Math.min(this.padding(content.length), MAX_PLAINTEXT + 1 - content.length - 1));
    const inner = new Uint8Array(content.length + 1 + pad);
    inner.set(content);
    inner[content.length] = type;
    const length = inner.length + this.aead.tagLength;
    const header = encodeRecordHeader(ContentType.application_data, 0x0303, length);
    const ct = this.aead.seal(this.nextNonce(), inner, header);
    return encodeRecord(ContentType.application_data, 0x0303, ct);
  }

  open(record: TlsRecord): RecordContent {
    if (record.type !== ContentType.application_data) {
      throw new TlsAlertError(AlertDescription.unexpected_message, `protected record of outer type ${record.type}`);
    }
    const inner = this.aead.open(this.nextNonce(), record.fragment, record.header);
    if (inner === null) throw new TlsAlertError(AlertDescription.bad_record_mac, 'record did not verify');
    // §5.2: TLSInnerPlaintext longer than 2^14 + 1 octets is record_overflow.
    if (inner.length > MAX_PLAINTEXT + 1) throw new TlsAlertError(AlertDescription.record_overflow, `inner plaintext of ${inner.length} bytes`);
    // §5.4: the content type is the last non-zero octet.
    let i = inner.length - 1;
    while (i >= 0 && inner[i] === 0) i--;
    if (i < 0) throw new TlsAlertError(AlertDescription.unexpected_message, 'record with no non-zero content type');
    return { type: inner[i], content: inner.subarray(0, i) };
  }
}

/**
 * One direction of TLS 1.2 AEAD record protection. AES-GCM (RFC 5288 §3): nonce = 4-byte salt ||
 * 8-byte explicit nonce sent in the record (we send the sequence number). ChaCha20-Poly1305
 * (RFC 7905 §2): nonce = 12-byte IV XOR padded sequence number, nothing explicit.
 * additional_data = seq_num || type || version || length (RFC 5246 §6.2.3.3).
 */
export class Tls12AeadProtection implements RecordProtection {
  private seq = 0n;
  private readonly explicitNonce: boolean;

  constructor(
    private readonly aead: Aead,
    /** 4-byte salt for AES-GCM, 12-byte IV for ChaCha20-Poly1305. */
    private readonly fixedIv: Uint8Array,
    private readonly version = 0x0303,
  ) {
    this.explicitNonce = aead.name !== 'CHACHA20-POLY1305';
  }

  get writeSequence(): bigint {
    return this.seq;
  }

  private aad(seq: bigint, type: number, length: number): Uint8Array {
    const a = new Uint8Array(13);
    let s = seq;
    for (let i = 7; i >= 0; i--) {
      a[i] = Number(s & 0xffn);
      s >>= 8n;
    }
    a[8] = type;
    a[9] = this.version >> 8;
    a[10] = this.version & 0xff;
    a[11] = length >> 8;
    a[12] = length & 0xff;
    return a;
  }

  private nonceFor(seq: bigint, explicit?: Uint8Array): Uint8Array {
    if (!this.explicitNonce) return perRecordNonce(this.fixedIv, seq);
    const n = new Uint8Array(12);
    n.set(this.fixedIv.subarray(0, 4));
    n.set(explicit ?? perRecordNonce(new Uint8Array(8), seq), 4);
    return n;
  }

  seal(type: number, content: Uint8Array): Uint8Array {
    if (this.seq >= MAX_SEQUENCE) throw new TlsAlertError(AlertDescription.internal_error, 'record sequence number exhausted');
    const seq = this.seq++;
    const nonce = this.nonceFor(seq);
    const ct = this.aead.seal(nonce, content, this.aad(seq, type, content.length));
    if (!this.explicitNonce) return encodeRecord(type, this.version, ct);
    const frag = new Uint8Array(8 + ct.length);
    frag.set(nonce.subarray(4));
    frag.set(ct, 8);
    return encodeRecord(type, this.version, frag);
  }

  open(record: TlsRecord): RecordContent {
    if (this.seq >= MAX_SEQUENCE) throw new TlsAlertError(AlertDescription.internal_error, 'record sequence number exhausted');
    const seq = this.seq++;
    const explicitLength = this.explicitNonce ? 8 : 0;
    const ctLength = record.fragment.length - explicitLength;
    if (ctLength < this.aead.tagLength) throw new TlsAlertError(AlertDescription.bad_record_mac, 'record shorter than its tag');
    const nonce = this.nonceFor(seq, this.explicitNonce ? record.fragment.subarray(0, 8) : undefined);
    const plainLength = ctLength - this.aead.tagLength;
    const plain = this.aead.open(nonce, record.fragment.subarray(explicitLength), this.aad(seq, record.type, plainLength));
    if (plain === null) throw new TlsAlertError(AlertDescription.bad_record_mac, 'record did not verify');
    if (plain.length > MAX_PLAINTEXT) throw new TlsAlertError(AlertDescription.record_overflow, `plaintext of ${plain.length} bytes`);
    return { type: record.type, content: plain };
  }
}
