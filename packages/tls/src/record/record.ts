/**
 * TLSPlaintext / TLSCiphertext framing (RFC 8446 §5.1, §5.2; RFC 5246 §6.2): the 5-byte header
 * `ContentType type; ProtocolVersion legacy_record_version; uint16 length;` and a deframer that
 * turns a byte stream into records, refusing oversize lengths before buffering them.
 */
import { Writer } from '@layersec/wire';
import { AlertDescription, ContentType, MAX_CIPHERTEXT_TLS12 } from '../constants.js';
import { TlsAlertError } from '../errors.js';

export interface TlsRecord {
  readonly type: number;
  readonly version: number;
  readonly fragment: Uint8Array;
  /** The 5-byte header as received (the TLS 1.3 AEAD additional data, §5.2). */
  readonly header: Uint8Array;
}

export const RECORD_HEADER_LENGTH = 5;

export function encodeRecordHeader(type: number, version: number, length: number): Uint8Array {
  return new Writer(5).u8(type).u16(version).u16(length).finish();
}

export function encodeRecord(type: number, version: number, fragment: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + fragment.length);
  out[0] = type;
  out[1] = version >> 8;
  out[2] = version & 0xff;
  out[3] = fragment.length >> 8;
  out[4] = fragment.length & 0xff;
  out.set(fragment, 5);
  return out;
}

const KNOWN_TYPES = new Set<number>([
  ContentType.change_cipher_spec,
  ContentType.alert,
  ContentType.handshake,
  ContentType.application_data,
]);

/**
 * Splits a byte stream into records. `maxLength` bounds TLSPlaintext/TLSCiphertext.length
 * (record_overflow beyond it, RFC 8446 §5.2); an unknown content type is unexpected_message (§5).
 */
export class RecordDeframer {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  constructor(public maxLength = MAX_CIPHERTEXT_TLS12) {}

  get bufferedBytes(): number {
    return this.buffered;
  }

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.buffered += bytes.length;
  }

  private flatten(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0];
    const all = new Uint8Array(this.buffered);
    let o = 0;
    for (const c of this.chunks) {
      all.set(c, o);
      o += c.length;
    }
    this.chunks = [all];
    return all;
  }

  /** The next complete record, or undefined until more bytes arrive. */
  next(): TlsRecord | undefined {
    if (this.buffered < RECORD_HEADER_LENGTH) return undefined;
    const buf = this.flatten();
    const type = buf[0];
    if (!KNOWN_TYPES.has(type)) {
      throw new TlsAlertError(AlertDescription.unexpected_message, `record of unknown content type ${type}`);
    }
    const version = (buf[1] << 8) | buf[2];
    // RFC 8446 §5.1: legacy_record_version is ignored, but a first byte other than 3 is no TLS.
    if (buf[1] !== 3) throw new TlsAlertError(AlertDescription.protocol_version, `record version 0x${version.toString(16)}`);
    const length = (buf[3] << 8) | buf[4];
    if (length > this.maxLength) {
      throw new TlsAlertError(AlertDescription.record_overflow, `record length ${length} exceeds ${this.maxLength}`);
    }
    if (this.buffered < RECORD_HEADER_LENGTH + length) return undefined;
    const header = buf.slice(0, 5);
    const fragment = buf.slice(5, 5 + length);
    const rest = buf.subarray(5 + length);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return { type, version, fragment, header };
  }
}
