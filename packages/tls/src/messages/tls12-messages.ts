/**
 * TLS 1.2 handshake messages (RFC 5246 §7.4) with the ECDHE key exchange of RFC 8422 §5.4, §5.7:
 * Certificate, ServerKeyExchange (ECDHE), CertificateRequest, ServerHelloDone, ClientKeyExchange
 * (ECDHE), and the digitally-signed struct. DTLS 1.2 reuses these bodies unchanged.
 */
import { DecodeError, Reader, Writer } from '@layersec/wire';
import { HandshakeType } from '../constants.js';
import { encodeHandshake } from './handshake.js';

// --- Certificate (RFC 5246 §7.4.2) ---
export function encodeCertificate12(chain: readonly Uint8Array[]): Uint8Array {
  const w = new Writer(1024).vector(3, (v) => {
    for (const c of chain) v.vectorBytes(3, c);
  });
  return encodeHandshake(HandshakeType.certificate, w.finish());
}
export function decodeCertificate12(body: Uint8Array): Uint8Array[] {
  const r = new Reader(body);
  const list = r.subReader(3, 'Certificate.certificate_list');
  const out: Uint8Array[] = [];
  while (!list.atEnd) out.push(list.vector(3, 'ASN.1Cert', 1).slice());
  r.expectEnd('Certificate');
  return out;
}

// --- ServerKeyExchange, ECDHE (RFC 8422 §5.4) ---
export interface ServerEcdhParams {
  /** ECCurveType named_curve (3) is the only one allowed (RFC 8422 §5.4). */
  readonly namedcurve: number;
  readonly public: Uint8Array;
}
export interface ServerKeyExchangeEcdhe {
  readonly params: ServerEcdhParams;
  /** The encoded params, as signed. */
  readonly paramsBytes: Uint8Array;
  readonly algorithm: number;
  readonly signature: Uint8Array;
}
export function encodeServerEcdhParams(p: ServerEcdhParams): Uint8Array {
  return new Writer().u8(3).u16(p.namedcurve).vectorBytes(1, p.public).finish();
}
export function encodeServerKeyExchangeEcdhe(params: ServerEcdhParams, algorithm: number, signature: Uint8Array): Uint8Array {
  const body = new Writer(256).bytes(encodeServerEcdhParams(params)).u16(algorithm).vectorBytes(2, signature).finish();
  return encodeHandshake(HandshakeType.server_key_exchange, body);
}
export function decodeServerKeyExchangeEcdhe(body: Uint8Array): ServerKeyExchangeEcdhe {
  const r = new Reader(body);
  const curveType = r.u8('ServerECDHParams.curve_params.curve_type');
  if (curveType !== 3) throw new DecodeError('ServerECDHParams.curve_params.curve_type', 0, `curve type ${curveType} is not named_curve`);
  const namedcurve = r.u16('ServerECDHParams.curve_params.namedcurve');
  const pub = r.vector(1, 'ServerECDHParams.public', 1).slice();
  const paramsBytes = body.slice(0, r.offset);
  const algorithm = r.u16('ServerKeyExchange.signed_params.algorithm');
  const signature = r.vector(2, 'ServerKeyExchange.signed_params.signature', 1).slice();
  r.expectEnd('ServerKeyExchange');
  return { params: { namedcurve, public: pub }, paramsBytes, algorithm, signature };
}

// --- CertificateRequest (RFC 5246 §7.4.4) ---
export interface CertificateRequest12 {
  readonly certificate_types: readonly number[];
  readonly supported_signature_algorithms: readonly number[];
  readonly certificate_authorities: readonly Uint8Array[];
}
export function encodeCertificateRequest12(cr: CertificateRequest12): Uint8Array {
  const w = new Writer().vectorBytes(1, Uint8Array.from(cr.certificate_types));
  w.vector(2, (v) => {
    for (const a of cr.supported_signature_algorithms) v.u16(a);
  });
  w.vector(2, (v) => {
    for (const dn of cr.certificate_authorities) v.vectorBytes(2, dn);
  });
  return encodeHandshake(HandshakeType.certificate_request, w.finish());
}
export function decodeCertificateRequest12(body: Uint8Array): CertificateRequest12 {
  const r = new Reader(body);
  const certificate_types = Array.from(r.vector(1, 'CertificateRequest.certificate_types', 1));
  const algs = r.subReader(2, 'CertificateRequest.supported_signature_algorithms', 2);
  const supported_signature_algorithms: number[] = [];
  while (!algs.atEnd) supported_signature_algorithms.push(algs.u16('SignatureAndHashAlgorithm'));
  const cas = r.subReader(2, 'CertificateRequest.certificate_authorities');
  const certificate_authorities: Uint8Array[] = [];
  while (!cas.atEnd) certificate_authorities.push(cas.vector(2, 'DistinguishedName', 1).slice());
  r.expectEnd('CertificateRequest');
  return { certificate_types, supported_signature_algorithms, certificate_authorities };
}

// --- ServerHelloDone (RFC 5246 §7.4.5) ---
export function encodeServerHelloDone(): Uint8Array {
  return encodeHandshake(HandshakeType.server_hello_done, new Uint8Array(0));
}
export function decodeServerHelloDone(body: Uint8Array): void {
  if (body.length !== 0) throw new DecodeError('ServerHelloDone', 0, `${body.length} unexpected byte(s)`);
}

// --- ClientKeyExchange, ECDHE (RFC 8422 §5.7) ---
export function encodeClientKeyExchangeEcdhe(publicKey: Uint8Array): Uint8Array {
  return encodeHandshake(HandshakeType.client_key_exchange, new Writer().vectorBytes(1, publicKey).finish());
}
export function decodeClientKeyExchangeEcdhe(body: Uint8Array): Uint8Array {
  const r = new Reader(body);
  const point = r.vector(1, 'ClientECDiffieHellmanPublic.ecdh_Yc', 1).slice();
  r.expectEnd('ClientKeyExchange');
  return point;
}

// --- PSK key exchange (RFC 4279 §2, RFC 5489 §2) ---
/** ServerKeyExchange of PSK: psk_identity_hint; of ECDHE_PSK: psk_identity_hint then ServerECDHParams (unsigned). */
export interface ServerKeyExchangePsk {
  readonly psk_identity_hint: Uint8Array;
  readonly params?: ServerEcdhParams;
}
export function encodeServerKeyExchangePsk(ske: ServerKeyExchangePsk): Uint8Array {
  const w = new Writer().vectorBytes(2, ske.psk_identity_hint);
  if (ske.params) w.bytes(encodeServerEcdhParams(ske.params));
  return encodeHandshake(HandshakeType.server_key_exchange, w.finish());
}
export function decodeServerKeyExchangePsk(body: Uint8Array, withEcdhe: boolean): ServerKeyExchangePsk {
  const r = new Reader(body);
  const psk_identity_hint = r.vector(2, 'ServerKeyExchange.psk_identity_hint').slice();
  let params: ServerEcdhParams | undefined;
  if (withEcdhe) {
    const curveType = r.u8('ServerECDHParams.curve_params.curve_type');
    if (curveType !== 3) throw new DecodeError('ServerECDHParams.curve_params.curve_type', r.offset - 1, `curve type ${curveType} is not named_curve`);
    params = { namedcurve: r.u16('ServerECDHParams.curve_params.namedcurve'), public: r.vector(1, 'ServerECDHParams.public', 1).slice() };
  }
  r.expectEnd('ServerKeyExchange');
  return { psk_identity_hint, params };
}
/** ClientKeyExchange of PSK: psk_identity; of ECDHE_PSK: psk_identity then the client's ECDH public value. */
export function encodeClientKeyExchangePsk(identity: Uint8Array, ecdhPublic?: Uint8Array): Uint8Array {
  const w = new Writer().vectorBytes(2, identity);
  if (ecdhPublic) w.vectorBytes(1, ecdhPublic);
  return encodeHandshake(HandshakeType.client_key_exchange, w.finish());
}
export function decodeClientKeyExchangePsk(body: Uint8Array, withEcdhe: boolean): { identity: Uint8Array; ecdhPublic?: Uint8Array } {
  const r = new Reader(body);
  const identity = r.vector(2, 'ClientKeyExchange.psk_identity', 1).slice();
  const ecdhPublic = withEcdhe ? r.vector(1, 'ClientECDiffieHellmanPublic.ecdh_Yc', 1).slice() : undefined;
  r.expectEnd('ClientKeyExchange');
  return { identity, ecdhPublic };
}
/** RFC 4279 §2 / RFC 5489 §2: premaster = uint16 len(other) || other || uint16 len(psk) || psk, other = zeros (PSK) or the ECDH secret. */
export function pskPremasterSecret(psk: Uint8Array, other: Uint8Array | undefined): Uint8Array {
  const o = other ?? new Uint8Array(psk.length);
  return new Writer().vectorBytes(2, o).vectorBytes(2, psk).finish();
}

// --- NewSessionTicket (RFC 5077 §3.3) ---
export function encodeNewSessionTicket12(lifetimeHint: number, ticket: Uint8Array): Uint8Array {
  return encodeHandshake(HandshakeType.new_session_ticket, new Writer().u32(lifetimeHint).vectorBytes(2, ticket).finish());
}
export function decodeNewSessionTicket12(body: Uint8Array): { ticket_lifetime_hint: number; ticket: Uint8Array } {
  const r = new Reader(body);
  const ticket_lifetime_hint = r.u32('NewSessionTicket.ticket_lifetime_hint');
  const ticket = r.vector(2, 'NewSessionTicket.ticket').slice();
  r.expectEnd('NewSessionTicket');
  return { ticket_lifetime_hint, ticket };
}
