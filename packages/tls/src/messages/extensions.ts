/**
 * Extensions (RFC 8446 §4.2): the generic `Extension` block codec and one symmetric codec per
 * extension body this stack speaks. Bodies decode with a `Reader` and throw `DecodeError` naming
 * the field; semantic checks (which extension may appear in which message) live in the handshake.
 */
import { DecodeError, Reader, Writer } from '@layersec/wire';
import { AlertDescription, ExtensionType } from '../constants.js';
import { TlsAlertError } from '../errors.js';

export interface Extension {
  readonly extension_type: number;
  readonly extension_data: Uint8Array;
}

export function writeExtensions(w: Writer, extensions: readonly Extension[]): void {
  w.vector(2, (v) => {
    for (const e of extensions) v.u16(e.extension_type).vectorBytes(2, e.extension_data);
  });
}

/** Reads `Extension extensions<0..2^16-1>`; a repeated type is refused (RFC 8446 §4.2). */
export function readExtensions(r: Reader, field: string): Extension[] {
  const list = r.subReader(2, `${field}.extensions`);
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (!list.atEnd) {
    const extension_type = list.u16(`${field}.extension_type`);
    const extension_data = list.take(list.u16(`${field}.extension_data.length`), `${field}.extension_data`);
    if (seen.has(extension_type)) {
      throw new TlsAlertError(AlertDescription.illegal_parameter, `${field}: extension ${extension_type} appears twice`);
    }
    seen.add(extension_type);
    out.push({ extension_type, extension_data });
  }
  return out;
}

export function findExtension(extensions: readonly Extension[], type: number): Uint8Array | undefined {
  return extensions.find((e) => e.extension_type === type)?.extension_data;
}

function body(field: string, data: Uint8Array, read: (r: Reader) => void): void {
  const r = new Reader(data);
  read(r);
  r.expectEnd(field);
}

function u16List(field: string, data: Uint8Array, min: number): number[] {
  const out: number[] = [];
  body(field, data, (r) => {
    const l = r.subReader(2, field, min, 0xfffe);
    if (l.remaining % 2 !== 0) throw new DecodeError(field, l.offset, 'odd length');
    while (!l.atEnd) out.push(l.u16(field));
  });
  return out;
}

function encodeU16List(values: readonly number[]): Uint8Array {
  return new Writer()
    .vector(2, (w) => {
      for (const v of values) w.u16(v);
    })
    .finish();
}

// --- server_name (RFC 6066 §3) ---
/** ServerNameList with one host_name; the server's acknowledgement is empty extension_data. */
export function encodeServerName(hostName: string): Uint8Array {
  return new Writer()
    .vector(2, (w) => w.u8(0).vectorBytes(2, new TextEncoder().encode(hostName)))
    .finish();
}
export function decodeServerName(data: Uint8Array): string | undefined {
  let host: string | undefined;
  body('server_name', data, (r) => {
    const list = r.subReader(2, 'ServerNameList', 1);
    while (!list.atEnd) {
      const type = list.u8('ServerName.name_type');
      const name = list.vector(2, 'ServerName.host_name', 1);
      // RFC 6066 §3: only one name of each type.
      if (type === 0) {
        if (host !== undefined) throw new DecodeError('ServerName.host_name', list.offset, 'more than one host_name');
        host = new TextDecoder('utf-8', { fatal: false }).decode(name);
      }
    }
  });
  return host;
}

// --- supported_groups (RFC 8446 §4.2.7) ---
export const encodeSupportedGroups = encodeU16List;
export function decodeSupportedGroups(data: Uint8Array): number[] {
  return u16List('NamedGroupList', data, 2);
}

// --- signature_algorithms, signature_algorithms_cert (RFC 8446 §4.2.3) ---
export const encodeSignatureAlgorithms = encodeU16List;
export function decodeSignatureAlgorithms(data: Uint8Array): number[] {
  return u16List('SignatureSchemeList', data, 2);
}

// --- supported_versions (RFC 8446 §4.2.1) ---
export function encodeSupportedVersionsClient(versions: readonly number[]): Uint8Array {
  return new Writer()
    .vector(1, (w) => {
      for (const v of versions) w.u16(v);
    })
    .finish();
}
export function decodeSupportedVersionsClient(data: Uint8Array): number[] {
  const out: number[] = [];
  body('SupportedVersions', data, (r) => {
    const l = r.subReader(1, 'SupportedVersions.versions', 2, 254);
    if (l.remaining % 2 !== 0) throw new DecodeError('SupportedVersions.versions', l.offset, 'odd length');
    while (!l.atEnd) out.push(l.u16('SupportedVersions.versions'));
  });
  return out;
}
export function encodeSupportedVersionsServer(version: number): Uint8Array {
  return new Writer().u16(version).finish();
}
export function decodeSupportedVersionsServer(data: Uint8Array): number {
  let v = 0;
  body('SupportedVersions.selected_version', data, (r) => (v = r.u16('SupportedVersions.selected_version')));
  return v;
}

// --- key_share (RFC 8446 §4.2.8) ---
export interface KeyShareEntry {
  readonly group: number;
  readonly key_exchange: Uint8Array;
}
export function encodeKeyShareClientHello(entries: readonly KeyShareEntry[]): Uint8Array {
  return new Writer()
    .vector(2, (w) => {
      for (const e of entries) w.u16(e.group).vectorBytes(2, e.key_exchange);
    })
    .finish();
}
export function decodeKeyShareClientHello(data: Uint8Array): KeyShareEntry[] {
  const out: KeyShareEntry[] = [];
  body('KeyShareClientHello', data, (r) => {
    const l = r.subReader(2, 'KeyShareClientHello.client_shares');
    const seen = new Set<number>();
    while (!l.atEnd) {
      const group = l.u16('KeyShareEntry.group');
      const key_exchange = l.take(l.u16('KeyShareEntry.key_exchange.length'), 'KeyShareEntry.key_exchange');
      if (key_exchange.length === 0) throw new DecodeError('KeyShareEntry.key_exchange', l.offset, 'empty');
      // §4.2.8: clients MUST NOT offer multiple KeyShareEntry values for the same group.
      if (seen.has(group)) throw new TlsAlertError(AlertDescription.illegal_parameter, `key_share: group ${group} offered twice`);
      seen.add(group);
      out.push({ group, key_exchange });
    }
  });
  return out;
}
export function encodeKeyShareServerHello(entry: KeyShareEntry): Uint8Array {
  return new Writer().u16(entry.group).vectorBytes(2, entry.key_exchange).finish();
}
export function decodeKeyShareServerHello(data: Uint8Array): KeyShareEntry {
  let e: KeyShareEntry | undefined;
  body('KeyShareServerHello', data, (r) => {
    const group = r.u16('KeyShareServerHello.server_share.group');
    const key_exchange = r.take(r.u16('KeyShareEntry.key_exchange.length'), 'KeyShareServerHello.server_share.key_exchange');
    if (key_exchange.length === 0) throw new DecodeError('KeyShareServerHello.server_share.key_exchange', r.offset, 'empty');
    e = { group, key_exchange };
  });
  return e!;
}
export function encodeKeyShareHelloRetryRequest(group: number): Uint8Array {
  return new Writer().u16(group).finish();
}
export function decodeKeyShareHelloRetryRequest(data: Uint8Array): number {
  let g = 0;
  body('KeyShareHelloRetryRequest', data, (r) => (g = r.u16('KeyShareHelloRetryRequest.selected_group')));
  return g;
}

// --- application_layer_protocol_negotiation (RFC 7301 §3.1) ---
export function encodeAlpn(protocols: readonly string[]): Uint8Array {
  return new Writer()
    .vector(2, (w) => {
      for (const p of protocols) w.vectorBytes(1, new TextEncoder().encode(p));
    })
    .finish();
}
export function decodeAlpn(data: Uint8Array): string[] {
  const out: string[] = [];
  body('ProtocolNameList', data, (r) => {
    const l = r.subReader(2, 'ProtocolNameList.protocol_name_list', 2);
    while (!l.atEnd) out.push(new TextDecoder().decode(l.vector(1, 'ProtocolName', 1)));
  });
  return out;
}

// --- psk_key_exchange_modes (RFC 8446 §4.2.9) ---
export function encodePskKeyExchangeModes(modes: readonly number[]): Uint8Array {
  return new Writer().vectorBytes(1, Uint8Array.from(modes)).finish();
}
export function decodePskKeyExchangeModes(data: Uint8Array): number[] {
  let out: number[] = [];
  body('PskKeyExchangeModes', data, (r) => (out = Array.from(r.vector(1, 'PskKeyExchangeModes.ke_modes', 1))));
  return out;
}

// --- pre_shared_key (RFC 8446 §4.2.11) ---
export interface PskIdentity {
  readonly identity: Uint8Array;
  readonly obfuscated_ticket_age: number;
}
export interface OfferedPsks {
  readonly identities: readonly PskIdentity[];
  readonly binders: readonly Uint8Array[];
}
export function encodeOfferedPsks(offer: OfferedPsks): Uint8Array {
  const w = new Writer();
  w.vector(2, (v) => {
    for (const id of offer.identities) v.vectorBytes(2, id.identity).u32(id.obfuscated_ticket_age);
  });
  w.vector(2, (v) => {
    for (const b of offer.binders) v.vectorBytes(1, b);
  });
  return w.finish();
}
export function decodeOfferedPsks(data: Uint8Array): OfferedPsks {
  const identities: PskIdentity[] = [];
  const binders: Uint8Array[] = [];
  body('OfferedPsks', data, (r) => {
    const ids = r.subReader(2, 'OfferedPsks.identities', 7);
    while (!ids.atEnd) {
      const identity = ids.take(ids.u16('PskIdentity.identity.length'), 'PskIdentity.identity');
      if (identity.length === 0) throw new DecodeError('PskIdentity.identity', ids.offset, 'empty');
      identities.push({ identity, obfuscated_ticket_age: ids.u32('PskIdentity.obfuscated_ticket_age') });
    }
    const bs = r.subReader(2, 'OfferedPsks.binders', 33);
    while (!bs.atEnd) binders.push(bs.take(bs.u8('PskBinderEntry.length'), 'PskBinderEntry'));
    if (binders.some((b) => b.length < 32)) throw new DecodeError('PskBinderEntry', bs.offset, 'shorter than 32 bytes');
  });
  if (identities.length !== binders.length) {
    throw new TlsAlertError(AlertDescription.illegal_parameter, 'pre_shared_key: identities and binders differ in number');
  }
  return { identities, binders };
}
/** Length of the binders part of an encoded OfferedPsks (for the partial-ClientHello hash, §4.2.11.2). */
export function bindersLength(binders: readonly Uint8Array[]): number {
  return 2 + binders.reduce((n, b) => n + 1 + b.length, 0);
}
export function encodeSelectedIdentity(index: number): Uint8Array {
  return new Writer().u16(index).finish();
}
export function decodeSelectedIdentity(data: Uint8Array): number {
  let v = 0;
  body('PreSharedKeyExtension.selected_identity', data, (r) => (v = r.u16('PreSharedKeyExtension.selected_identity')));
  return v;
}

// --- cookie (RFC 8446 §4.2.2) ---
export function encodeCookie(cookie: Uint8Array): Uint8Array {
  return new Writer().vectorBytes(2, cookie).finish();
}
export function decodeCookie(data: Uint8Array): Uint8Array {
  let c: Uint8Array = new Uint8Array(0);
  body('Cookie', data, (r) => (c = r.take(r.u16('Cookie.cookie.length'), 'Cookie.cookie')));
  if (c.length === 0) throw new DecodeError('Cookie.cookie', 0, 'empty');
  return c;
}

// --- record_size_limit (RFC 8449 §4) ---
export function encodeRecordSizeLimit(limit: number): Uint8Array {
  return new Writer().u16(limit).finish();
}
export function decodeRecordSizeLimit(data: Uint8Array): number {
  let v = 0;
  body('RecordSizeLimit', data, (r) => (v = r.u16('RecordSizeLimit')));
  // RFC 8449 §4: a value less than 64 MUST be treated as a fatal illegal_parameter.
  if (v < 64) throw new TlsAlertError(AlertDescription.illegal_parameter, `record_size_limit ${v} < 64`);
  return v;
}

// --- renegotiation_info (RFC 5746 §3.2) ---
export function encodeRenegotiationInfo(renegotiated: Uint8Array): Uint8Array {
  return new Writer().vectorBytes(1, renegotiated).finish();
}
export function decodeRenegotiationInfo(data: Uint8Array): Uint8Array {
  let v: Uint8Array = new Uint8Array(0);
  body('RenegotiationInfo', data, (r) => (v = r.take(r.u8('RenegotiationInfo.length'), 'RenegotiationInfo.renegotiated_connection')));
  return v;
}

// --- ec_point_formats (RFC 8422 §5.1.2) ---
export function encodeEcPointFormats(formats: readonly number[]): Uint8Array {
  return new Writer().vectorBytes(1, Uint8Array.from(formats)).finish();
}
export function decodeEcPointFormats(data: Uint8Array): number[] {
  let out: number[] = [];
  body('ECPointFormatList', data, (r) => (out = Array.from(r.vector(1, 'ECPointFormatList.ec_point_format_list', 1))));
  return out;
}

// --- early_data in NewSessionTicket (RFC 8446 §4.2.10) ---
export function decodeEarlyDataMaxSize(data: Uint8Array): number {
  let v = 0;
  body('EarlyDataIndication.max_early_data_size', data, (r) => (v = r.u32('EarlyDataIndication.max_early_data_size')));
  return v;
}

/** Extensions with an empty body (extended_master_secret, post_handshake_auth, early_data in CH/EE, ...). */
export function expectEmpty(name: string, data: Uint8Array): void {
  if (data.length !== 0) throw new DecodeError(name, 0, `${data.length} unexpected byte(s)`);
}

export { ExtensionType };
