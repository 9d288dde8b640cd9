/**
 * DTLSPlaintext / DTLSCiphertext framing (RFC 6347 §4.1): 13-byte header with epoch and a 48-bit
 * explicit sequence number; several records per datagram (§4.1.1). A datagram is cut into records
 * at their length fields; a record whose header is malformed ends the datagram (the rest cannot be
 * delimited), and is reported so the record layer can count a silent drop (§4.1.2.7).
 */
import { Writer } from '@layersec/wire';
import { MAX_CIPHERTEXT_LENGTH, RECORD_HEADER_LENGTH } from '../constants.js';

export interface DtlsRecord {
  readonly type: number;
  readonly version: number;
  readonly epoch: number;
  /** The 48-bit sequence_number (exact as a JS number). */
  readonly sequenceNumber: number;
  /** DTLSPlaintext.fragment or DTLSCiphertext.fragment (still protected for epoch > 0). */
  readonly fragment: Uint8Array;
}

export function encodeDtlsRecord(r: DtlsRecord): Uint8Array {
  return new Writer(RECORD_HEADER_LENGTH + r.fragment.length)
    .u8(r.type)
    .u16(r.version)
    .u16(r.epoch)
    .u48(r.sequenceNumber)
    .u16(r.fragment.length)
    .bytes(r.fragment)
    .finish();
}

export interface SplitDatagram {
  readonly records: DtlsRecord[];
  /** Bytes at the end that did not form a well-formed record (dropped, §4.1.2.7). */
  readonly malformedTail: boolean;
}

/** Splits a datagram into its records (RFC 6347 §4.1.1: records never span datagrams). */
export function splitDatagram(datagram: Uint8Array): SplitDatagram {
  const records: DtlsRecord[] = [];
  let off = 0;
  while (off < datagram.length) {
    if (datagram.length - off < RECORD_HEADER_LENGTH) return { records, malformedTail: true };
    const d = datagram;
    const type = d[off];
    const version = (d[off + 1] << 8) | d[off + 2];
    const epoch = (d[off + 3] << 8) | d[off + 4];
    const sequenceNumber = ((d[off + 5] << 8) | d[off + 6]) * 2 ** 32 + (((d[off + 7] << 24) | (d[off + 8] << 16) | (d[off + 9] << 8) | d[off + 10]) >>> 0);
    const length = (d[off + 11] << 8) | d[off + 12];
    // RFC 6347 §4.1: the version's major byte is 254 for every DTLS version.
    if (d[off + 1] !== 0xfe || length > MAX_CIPHERTEXT_LENGTH || off + RECORD_HEADER_LENGTH + length > d.length) {
      return { records, malformedTail: true };
    }
    records.push({ type, version, epoch, sequenceNumber, fragment: d.subarray(off + RECORD_HEADER_LENGTH, off + RECORD_HEADER_LENGTH + length) });
    off += RECORD_HEADER_LENGTH + length;
  }
  return { records, malformedTail: false };
}
