/** ServerHello and HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4; RFC 5246 §7.4.1.3). */
import { Reader, Writer, bytesEqual } from '@layersec/wire';
import { HELLO_RETRY_REQUEST_RANDOM, HandshakeType } from '../constants.js';
import { type Extension, readExtensions, writeExtensions } from './extensions.js';
import { encodeHandshake } from './handshake.js';

export interface ServerHello {
  readonly legacy_version: number;
  readonly random: Uint8Array;
  readonly legacy_session_id_echo: Uint8Array;
  readonly cipher_suite: number;
  readonly legacy_compression_method: number;
  readonly extensions: readonly Extension[];
}

export function encodeServerHelloBody(sh: ServerHello): Uint8Array {
  const w = new Writer(128);
  w.u16(sh.legacy_version).bytes(sh.random).vectorBytes(1, sh.legacy_session_id_echo);
  w.u16(sh.cipher_suite).u8(sh.legacy_compression_method);
  writeExtensions(w, sh.extensions);
  return w.finish();
}

export function encodeServerHello(sh: ServerHello): Uint8Array {
  return encodeHandshake(HandshakeType.server_hello, encodeServerHelloBody(sh));
}

export function decodeServerHello(body: Uint8Array): ServerHello {
  const r = new Reader(body);
  const legacy_version = r.u16('ServerHello.legacy_version');
  const random = r.take(32, 'ServerHello.random');
  const legacy_session_id_echo = r.vector(1, 'ServerHello.legacy_session_id_echo', 0, 32).slice();
  const cipher_suite = r.u16('ServerHello.cipher_suite');
  const legacy_compression_method = r.u8('ServerHello.legacy_compression_method');
  const extensions = r.atEnd ? [] : readExtensions(r, 'ServerHello');
  r.expectEnd('ServerHello');
  return { legacy_version, random, legacy_session_id_echo, cipher_suite, legacy_compression_method, extensions };
}

/** RFC 8446 §4.1.3: a HelloRetryRequest is a ServerHello whose random is the special value. */
export function isHelloRetryRequest(sh: ServerHello): boolean {
  return bytesEqual(sh.random, HELLO_RETRY_REQUEST_RANDOM);
}
