/** ClientHello (RFC 8446 §4.1.2; RFC 5246 §7.4.1.2). */
import { DecodeError, Reader, Writer } from '@layersec/wire';
import { HandshakeType } from '../constants.js';
import { type Extension, readExtensions, writeExtensions } from './extensions.js';
import { encodeHandshake } from './handshake.js';

export interface ClientHello {
  readonly legacy_version: number;
  readonly random: Uint8Array;
  readonly legacy_session_id: Uint8Array;
  readonly cipher_suites: readonly number[];
  readonly legacy_compression_methods: Uint8Array;
  readonly extensions: readonly Extension[];
}

export function encodeClientHelloBody(ch: ClientHello): Uint8Array {
  const w = new Writer(512);
  w.u16(ch.legacy_version).bytes(ch.random).vectorBytes(1, ch.legacy_session_id);
  w.vector(2, (v) => {
    for (const s of ch.cipher_suites) v.u16(s);
  });
  w.vectorBytes(1, ch.legacy_compression_methods);
  writeExtensions(w, ch.extensions);
  return w.finish();
}

/** The whole handshake message (header and body). */
export function encodeClientHello(ch: ClientHello): Uint8Array {
  return encodeHandshake(HandshakeType.client_hello, encodeClientHelloBody(ch));
}

export function decodeClientHello(body: Uint8Array): ClientHello {
  const r = new Reader(body);
  const legacy_version = r.u16('ClientHello.legacy_version');
  const random = r.take(32, 'ClientHello.random');
  const legacy_session_id = r.vector(1, 'ClientHello.legacy_session_id', 0, 32).slice();
  const suites = r.subReader(2, 'ClientHello.cipher_suites', 2, 0xfffe);
  if (suites.remaining % 2 !== 0) throw new DecodeError('ClientHello.cipher_suites', suites.offset, 'odd length');
  const cipher_suites: number[] = [];
  while (!suites.atEnd) cipher_suites.push(suites.u16('ClientHello.cipher_suites'));
  const legacy_compression_methods = r.vector(1, 'ClientHello.legacy_compression_methods', 1).slice();
  // RFC 5246 §7.4.1.2: a ClientHello may end without an extensions block.
  const extensions = r.atEnd ? [] : readExtensions(r, 'ClientHello');
  r.expectEnd('ClientHello');
  return { legacy_version, random, legacy_session_id, cipher_suites, legacy_compression_methods, extensions };
}
