/**
 * The two handshake bodies DTLS changes (RFC 6347 §4.2.1, §4.3.2): ClientHello gains a `cookie`
 * after session_id, and HelloVerifyRequest is new. The rest of the ClientHello is TLS 1.2's, so it
 * is encoded and decoded by @layersec/tls' codec on the body without the cookie.
 */
import { messages } from '@layersec/tls';
import { concatBytes, Reader, Writer } from '@layersec/wire';

export interface DtlsClientHello extends messages.ClientHello {
  /** RFC 6347 §4.2.1: opaque cookie<0..2^8-1>; empty in the first ClientHello. */
  readonly cookie: Uint8Array;
}

/** Offset of the cookie: client_version (2) + random (32) + session_id<0..32>. */
function cookieOffset(body: Uint8Array): number {
  const r = new Reader(body);
  r.u16('ClientHello.client_version');
  r.take(32, 'ClientHello.random');
  r.vector(1, 'ClientHello.session_id', 0, 32);
  return r.offset;
}

export function encodeDtlsClientHelloBody(ch: DtlsClientHello): Uint8Array {
  const tls = messages.encodeClientHelloBody(ch);
  const at = cookieOffset(tls);
  return concatBytes(tls.subarray(0, at), new Writer(1 + ch.cookie.length).vectorBytes(1, ch.cookie).finish(), tls.subarray(at));
}

export function decodeDtlsClientHello(body: Uint8Array): DtlsClientHello {
  const at = cookieOffset(body);
  const r = new Reader(body.subarray(at));
  const cookie = r.vector(1, 'ClientHello.cookie', 0, 255).slice();
  const hello = messages.decodeClientHello(concatBytes(body.subarray(0, at), body.subarray(at + r.offset)));
  return { ...hello, cookie };
}

/** RFC 6347 §4.2.1: struct { ProtocolVersion server_version; opaque cookie<0..2^8-1>; } HelloVerifyRequest. */
export interface HelloVerifyRequest {
  readonly server_version: number;
  readonly cookie: Uint8Array;
}

export function encodeHelloVerifyRequestBody(hvr: HelloVerifyRequest): Uint8Array {
  return new Writer(3 + hvr.cookie.length).u16(hvr.server_version).vectorBytes(1, hvr.cookie).finish();
}

export function decodeHelloVerifyRequest(body: Uint8Array): HelloVerifyRequest {
  const r = new Reader(body);
  const server_version = r.u16('HelloVerifyRequest.server_version');
  const cookie = r.vector(1, 'HelloVerifyRequest.cookie', 0, 255).slice();
  r.expectEnd('HelloVerifyRequest');
  return { server_version, cookie };
}
