/**
 * The Handshake framing of RFC 8446 §4 (`msg_type`, `uint24 length`, body) and the reassembly of
 * handshake messages that span, or share, records (§5.1). The reassembler bounds what a peer can
 * make us buffer.
 */
import { DecodeError, Reader, Writer } from '@layersec/wire';
import { AlertDescription } from '../constants.js';
import { TlsAlertError } from '../errors.js';

export interface HandshakeMessage {
  readonly msg_type: number;
  readonly body: Uint8Array;
  /** The whole message as sent (header and body), for the transcript hash. */
  readonly raw: Uint8Array;
}

export function encodeHandshake(msg_type: number, body: Uint8Array): Uint8Array {
  return new Writer(body.length + 4).u8(msg_type).u24(body.length).bytes(body).finish();
}

/** Decodes exactly one handshake message (header and body) from `bytes`. */
export function decodeHandshake(bytes: Uint8Array): HandshakeMessage {
  const r = new Reader(bytes);
  const msg_type = r.u8('Handshake.msg_type');
  const body = r.take(r.u24('Handshake.length'), 'Handshake.body');
  r.expectEnd('Handshake');
  return { msg_type, body, raw: bytes.slice() };
}

/** The default bound on one handshake message (a Certificate chain is the largest). */
export const DEFAULT_MAX_HANDSHAKE_MESSAGE = 1 << 17;

/**
 * Collects handshake bytes from records and yields whole messages. A message longer than
 * `maxMessageLength` is refused before it is buffered.
 */
export class HandshakeReassembler {
  private buf = new Uint8Array(0);

  constructor(private readonly maxMessageLength = DEFAULT_MAX_HANDSHAKE_MESSAGE) {}

  /** True when a partial message is waiting for more bytes (§5.1: it must not span a key change). */
  get hasPartial(): boolean {
    return this.buf.length > 0;
  }

  push(fragment: Uint8Array): void {
    const next = new Uint8Array(this.buf.length + fragment.length);
    next.set(this.buf);
    next.set(fragment, this.buf.length);
    this.buf = next;
    if (this.buf.length >= 4) {
      const len = (this.buf[1] << 16) | (this.buf[2] << 8) | this.buf[3];
      if (len > this.maxMessageLength) {
        throw new TlsAlertError(AlertDescription.record_overflow, `handshake message of ${len} bytes exceeds ${this.maxMessageLength}`);
      }
    }
  }

  /** The next complete message, or undefined. */
  next(): HandshakeMessage | undefined {
    if (this.buf.length < 4) return undefined;
    const len = (this.buf[1] << 16) | (this.buf[2] << 8) | this.buf[3];
    if (this.buf.length < 4 + len) return undefined;
    const raw = this.buf.slice(0, 4 + len);
    this.buf = this.buf.slice(4 + len);
    if (this.buf.length >= 4) {
      const l2 = (this.buf[1] << 16) | (this.buf[2] << 8) | this.buf[3];
      if (l2 > this.maxMessageLength) {
        throw new TlsAlertError(AlertDescription.record_overflow, `handshake message of ${l2} bytes exceeds ${this.maxMessageLength}`);
      }
    }
    return { msg_type: raw[0], body: raw.subarray(4), raw };
  }
}

export { DecodeError };
