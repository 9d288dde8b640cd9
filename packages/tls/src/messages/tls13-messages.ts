/**
 * The TLS 1.3 handshake messages after the hellos: EncryptedExtensions (§4.3.1),
 * CertificateRequest (§4.3.2), Certificate (§4.4.2), CertificateVerify (§4.4.3), Finished (§4.4.4),
 * NewSessionTicket (§4.6.1) and KeyUpdate (§4.6.3) of RFC 8446. Each has an `encodeX` returning
 * the whole handshake message and a `decodeX` of its body.
 */
import { DecodeError, Reader, Writer } from '@layersec/wire';
import { HandshakeType } from '../constants.js';
import { type Extension, readExtensions, writeExtensions } from './extensions.js';
import { encodeHandshake } from './handshake.js';

// --- EncryptedExtensions ---
export interface EncryptedExtensions {
  readonly extensions: readonly Extension[];
}
export function encodeEncryptedExtensions(ee: EncryptedExtensions): Uint8Array {
  const w = new Writer();
  writeExtensions(w, ee.extensions);
  return encodeHandshake(HandshakeType.encrypted_extensions, w.finish());
}
export function decodeEncryptedExtensions(body: Uint8Array): EncryptedExtensions {
  const r = new Reader(body);
  const extensions = readExtensions(r, 'EncryptedExtensions');
  r.expectEnd('EncryptedExtensions');
  return { extensions };
}

// --- CertificateRequest ---
export interface CertificateRequest {
  readonly certificate_request_context: Uint8Array;
  readonly extensions: readonly Extension[];
}
export function encodeCertificateRequest(cr: CertificateRequest): Uint8Array {
  const w = new Writer().vectorBytes(1, cr.certificate_request_context);
  writeExtensions(w, cr.extensions);
  return encodeHandshake(HandshakeType.certificate_request, w.finish());
}
export function decodeCertificateRequest(body: Uint8Array): CertificateRequest {
  const r = new Reader(body);
  const certificate_request_context = r.vector(1, 'CertificateRequest.certificate_request_context').slice();
  const extensions = readExtensions(r, 'CertificateRequest');
  r.expectEnd('CertificateRequest');
  return { certificate_request_context, extensions };
}

// --- Certificate ---
export interface CertificateEntry {
  readonly cert_data: Uint8Array;
  readonly extensions: readonly Extension[];
}
export interface Certificate {
  readonly certificate_request_context: Uint8Array;
  readonly certificate_list: readonly CertificateEntry[];
}
export function encodeCertificate(c: Certificate): Uint8Array {
  const w = new Writer(1024).vectorBytes(1, c.certificate_request_context);
  w.vector(3, (v) => {
    for (const e of c.certificate_list) {
      v.vectorBytes(3, e.cert_data);
      writeExtensions(v, e.extensions);
    }
  });
  return encodeHandshake(HandshakeType.certificate, w.finish());
}
export function decodeCertificate(body: Uint8Array): Certificate {
  const r = new Reader(body);
  const certificate_request_context = r.vector(1, 'Certificate.certificate_request_context').slice();
  const list = r.subReader(3, 'Certificate.certificate_list');
  const certificate_list: CertificateEntry[] = [];
  while (!list.atEnd) {
    const cert_data = list.vector(3, 'CertificateEntry.cert_data', 1).slice();
    const extensions = readExtensions(list, 'CertificateEntry');
    certificate_list.push({ cert_data, extensions });
  }
  r.expectEnd('Certificate');
  return { certificate_request_context, certificate_list };
}

// --- CertificateVerify ---
export interface CertificateVerify {
  readonly algorithm: number;
  readonly signature: Uint8Array;
}
export function encodeCertificateVerifyBody(cv: CertificateVerify): Uint8Array {
  return new Writer().u16(cv.algorithm).vectorBytes(2, cv.signature).finish();
}
export function encodeCertificateVerify(cv: CertificateVerify): Uint8Array {
  return encodeHandshake(HandshakeType.certificate_verify, encodeCertificateVerifyBody(cv));
}
export function decodeCertificateVerify(body: Uint8Array): CertificateVerify {
  const r = new Reader(body);
  const algorithm = r.u16('CertificateVerify.algorithm');
  const signature = r.vector(2, 'CertificateVerify.signature', 1).slice();
  r.expectEnd('CertificateVerify');
  return { algorithm, signature };
}

// --- Finished ---
export function encodeFinished(verify_data: Uint8Array): Uint8Array {
  return encodeHandshake(HandshakeType.finished, verify_data);
}
/** Finished.verify_data; its length is checked against Hash.length by the caller (§4.4.4). */
export function decodeFinished(body: Uint8Array, expectedLength: number): Uint8Array {
  if (body.length !== expectedLength) {
    throw new DecodeError('Finished.verify_data', 0, `length ${body.length}, expected ${expectedLength}`);
  }
  return body.slice();
}

// --- NewSessionTicket ---
export interface NewSessionTicket {
  readonly ticket_lifetime: number;
  readonly ticket_age_add: number;
  readonly ticket_nonce: Uint8Array;
  readonly ticket: Uint8Array;
  readonly extensions: readonly Extension[];
}
export function encodeNewSessionTicket(t: NewSessionTicket): Uint8Array {
  const w = new Writer(256).u32(t.ticket_lifetime).u32(t.ticket_age_add).vectorBytes(1, t.ticket_nonce).vectorBytes(2, t.ticket);
  writeExtensions(w, t.extensions);
  return encodeHandshake(HandshakeType.new_session_ticket, w.finish());
}
export function decodeNewSessionTicket(body: Uint8Array): NewSessionTicket {
  const r = new Reader(body);
  const ticket_lifetime = r.u32('NewSessionTicket.ticket_lifetime');
  const ticket_age_add = r.u32('NewSessionTicket.ticket_age_add');
  const ticket_nonce = r.vector(1, 'NewSessionTicket.ticket_nonce').slice();
  const ticket = r.vector(2, 'NewSessionTicket.ticket', 1).slice();
  const extensions = readExtensions(r, 'NewSessionTicket');
  r.expectEnd('NewSessionTicket');
  return { ticket_lifetime, ticket_age_add, ticket_nonce, ticket, extensions };
}

// --- KeyUpdate ---
export function encodeKeyUpdate(request_update: number): Uint8Array {
  return encodeHandshake(HandshakeType.key_update, Uint8Array.of(request_update));
}
export function decodeKeyUpdate(body: Uint8Array): number {
  const r = new Reader(body);
  const v = r.u8('KeyUpdate.request_update');
  r.expectEnd('KeyUpdate');
  if (v > 1) throw new DecodeError('KeyUpdate.request_update', 0, `value ${v}`);
  return v;
}
