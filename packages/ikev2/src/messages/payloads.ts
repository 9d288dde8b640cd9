/**
 * The payloads of RFC 7296 §3.3-§3.16 (and RFC 7383's SKF), as plain data, with one body codec
 * each. The Generic Payload Header (§3.2) and the chain of Next Payload fields are handled by
 * ./chain.ts; here a payload is its body.
 */
import { DecodeError, Reader, Writer } from '@layersec/wire';
import { PayloadType, TransformAttribute } from '../constants.js';

/** Bounds on counts inside one payload, so that a peer's garbage costs bounded work. */
export const LIMITS = {
  proposals: 64,
  transformsPerProposal: 64,
  attributesPerTransform: 16,
  trafficSelectors: 64,
  cpAttributes: 64,
  deleteSpis: 1024,
} as const;

// ---------------------------------------------------------------------------------------------
// SA (§3.3)

/** Transform Attribute (§3.3.5): TV (AF=1, a 16-bit value) or TLV (AF=0, a variable value). */
export type TransformAttributeValue =
  | { readonly attributeType: number; readonly format: 'TV'; readonly value: number }
  | { readonly attributeType: number; readonly format: 'TLV'; readonly value: Uint8Array };

export interface Transform {
  /** Registry "Transform Type Values". */
  transformType: number;
  /** Transform ID within that type. */
  transformId: number;
  attributes: TransformAttributeValue[];
}

export interface Proposal {
  /** Proposal Num: 1 for the first, then the same or one more (§3.3.1). */
  proposalNum: number;
  /** Registry "IKEv2 Security Protocol Identifiers". */
  protocolId: number;
  /** SPI: empty in IKE_SA_INIT, 8 octets when rekeying an IKE SA, 4 for ESP/AH. */
  spi: Uint8Array;
  transforms: Transform[];
}

/** The Key Length attribute of a transform, in bits, when present. */
export function keyLengthOf(t: Transform): number | undefined {
  for (const a of t.attributes) if (a.attributeType === TransformAttribute.KEY_LENGTH && a.format === 'TV') return a.value;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Payload types

interface PayloadBase {
  /** The Generic Payload Header's Critical bit as received (senders set it only for new types). */
  critical?: boolean;
}

export interface SaPayload extends PayloadBase {
  kind: 'SA';
  proposals: Proposal[];
}
export interface KePayload extends PayloadBase {
  kind: 'KE';
  /** Diffie-Hellman Group Num (registry "Transform Type 4"). */
  dhGroup: number;
  keyExchangeData: Uint8Array;
}
export interface IdPayload extends PayloadBase {
  kind: 'IDi' | 'IDr';
  /** Registry "IKEv2 Identification Payload ID Types". */
  idType: number;
  identificationData: Uint8Array;
}
export interface CertPayload extends PayloadBase {
  kind: 'CERT';
  certEncoding: number;
  certificateData: Uint8Array;
}
export interface CertReqPayload extends PayloadBase {
  kind: 'CERTREQ';
  certEncoding: number;
  /** Certification Authority: concatenated SHA-1 hashes of trusted CAs' public keys for X.509. */
  certificationAuthority: Uint8Array;
}
export interface AuthPayload extends PayloadBase {
  kind: 'AUTH';
  /** Registry "IKEv2 Authentication Method". */
  authMethod: number;
  authenticationData: Uint8Array;
}
export interface NoncePayload extends PayloadBase {
  kind: 'Nonce';
  nonceData: Uint8Array;
}
export interface NotifyPayload extends PayloadBase {
  kind: 'N';
  /** Protocol ID: 0 when no SPI is given. */
  protocolId: number;
  spi: Uint8Array;
  notifyType: number;
  notificationData: Uint8Array;
}
export interface DeletePayload extends PayloadBase {
  kind: 'D';
  protocolId: number;
  /** SPI Size: 0 for IKE, 4 for ESP/AH. */
  spiSize: number;
  spis: Uint8Array[];
}
export interface VendorIdPayload extends PayloadBase {
  kind: 'V';
  vendorId: Uint8Array;
}
/** A traffic selector (§3.13.1); types other than IPv4/IPv6 ranges are kept as their octets. */
export type TrafficSelector =
  | {
      tsType: 7 | 8;
      /** IP Protocol ID: 0 for any. */
      ipProtocolId: number;
      startPort: number;
      endPort: number;
      startingAddress: Uint8Array;
      endingAddress: Uint8Array;
    }
  /** `data`: the octet after TS Type, then everything after Selector Length. */
  | { tsType: number; data: Uint8Array };
export interface TsPayload extends PayloadBase {
  kind: 'TSi' | 'TSr';
  trafficSelectors: TrafficSelector[];
}
/**
 * The Encrypted and Authenticated payload (§3.14) as found on the wire: `nextPayload` is the
 * type of the first payload inside, `body` is IV || ciphertext || ICV. ./encrypted.ts opens it.
 */
export interface SkPayload extends PayloadBase {
  kind: 'SK';
  /** Next Payload of the SK payload header: the first inner payload's type. */
  nextPayload: number;
  body: Uint8Array;
}
/** Encrypted and Authenticated Fragment (RFC 7383 §2.5). */
export interface SkfPayload extends PayloadBase {
  kind: 'SKF';
  nextPayload: number;
  fragmentNumber: number;
  totalFragments: number;
  body: Uint8Array;
}
export interface CpAttribute {
  /** Attribute Type (registry "IKEv2 Configuration Payload Attribute Types"); R bit is 0. */
  attributeType: number;
  value: Uint8Array;
}
export interface CpPayload extends PayloadBase {
  kind: 'CP';
  cfgType: number;
  attributes: CpAttribute[];
}
export interface EapPayload extends PayloadBase {
  kind: 'EAP';
  /** The EAP message, passed through as octets (RFC 7296 §3.16). */
  eapMessage: Uint8Array;
}
/** A payload of a type this implementation does not know, not marked critical: kept as octets. */
export interface UnknownPayload extends PayloadBase {
  kind: 'unknown';
  payloadType: number;
  data: Uint8Array;
}

export type Payload =
  | SaPayload
  | KePayload
  | IdPayload
  | CertPayload
  | CertReqPayload
  | AuthPayload
  | NoncePayload
  | NotifyPayload
  | DeletePayload
  | VendorIdPayload
  | TsPayload
  | SkPayload
  | SkfPayload
  | CpPayload
  | EapPayload
  | UnknownPayload;

export type PayloadKind = Payload['kind'];

/** The payload type of one kind (IDi and IDr share IdPayload; TSi and TSr share TsPayload). */
export type PayloadOfKind<K extends PayloadKind> = Payload extends infer P
  ? P extends { kind: infer PK }
    ? K extends PK
      ? P & { kind: K }
      : never
    : never
  : never;

/** Payload type number of each kind (registry "IKEv2 Payload Types"). */
export const PAYLOAD_TYPE_OF: Readonly<Record<Exclude<PayloadKind, 'unknown'>, number>> = {
  SA: PayloadType.SA,
  KE: PayloadType.KE,
  IDi: PayloadType.IDi,
  IDr: PayloadType.IDr,
  CERT: PayloadType.CERT,
  CERTREQ: PayloadType.CERTREQ,
  AUTH: PayloadType.AUTH,
  Nonce: PayloadType.NONCE,
  N: PayloadType.N,
  D: PayloadType.D,
  V: PayloadType.V,
  TSi: PayloadType.TSi,
  TSr: PayloadType.TSr,
  SK: PayloadType.SK,
  SKF: PayloadType.SKF,
  CP: PayloadType.CP,
  EAP: PayloadType.EAP,
};

export function payloadTypeOf(p: Payload): number {
  return p.kind === 'unknown' ? p.payloadType : PAYLOAD_TYPE_OF[p.kind];
}

/** True for the payload types this implementation decodes. */
export function isKnownPayloadType(type: number): boolean {
  return type >= PayloadType.SA && type <= PayloadType.EAP ? true : type === PayloadType.SKF;
}

// ---------------------------------------------------------------------------------------------
// Body encoders

export function encodePayloadBody(p: Payload, w: Writer): void {
  switch (p.kind) {
    case 'SA':
      encodeProposals(p.proposals, w);
      return;
    case 'KE':
      w.u16(p.dhGroup).u16(0).bytes(p.keyExchangeData);
      return;
    case 'IDi':
    case 'IDr':
      w.u8(p.idType).zeros(3).bytes(p.identificationData);
      return;
    case 'CERT':
      w.u8(p.certEncoding).bytes(p.certificateData);
      return;
    case 'CERTREQ':
      w.u8(p.certEncoding).bytes(p.certificationAuthority);
      return;
    case 'AUTH':
      w.u8(p.authMethod).zeros(3).bytes(p.authenticationData);
      return;
    case 'Nonce':
      w.bytes(p.nonceData);
      return;
    case 'N':
      w.u8(p.protocolId).u8(p.spi.length).u16(p.notifyType).bytes(p.spi).bytes(p.notificationData);
      return;
    case 'D':
      w.u8(p.protocolId).u8(p.spiSize).u16(p.spis.length);
      for (const spi of p.spis) {
        if (spi.length !== p.spiSize) throw new RangeError(`Delete SPI of ${spi.length} octets, SPI Size ${p.spiSize}`);
        w.bytes(spi);
      }
      return;
    case 'V':
      w.bytes(p.vendorId);
      return;
    case 'TSi':
    case 'TSr':
      w.u8(p.trafficSelectors.length).zeros(3);
      for (const ts of p.trafficSelectors) encodeTrafficSelector(ts, w);
      return;
    case 'SK':
      w.bytes(p.body);
      return;
    case 'SKF':
      w.u16(p.fragmentNumber).u16(p.totalFragments).bytes(p.body);
      return;
    case 'CP':
      w.u8(p.cfgType).zeros(3);
      for (const a of p.attributes) w.u16(a.attributeType & 0x7fff).vectorBytes(2, a.value);
      return;
    case 'EAP':
      w.bytes(p.eapMessage);
      return;
    case 'unknown':
      w.bytes(p.data);
      return;
  }
}

function encodeProposals(proposals: Proposal[], w: Writer): void {
  proposals.forEach((prop, i) => {
    // §3.3.1: Last Substruc is 0 for the last Proposal, 2 for every other.
    w.u8(i === proposals.length - 1 ? 0 : 2).u8(0);
    const lengthAt = w.length;
    w.u16(0);
    w.u8(prop.proposalNum).u8(prop.protocolId).u8(prop.spi.length).u8(prop.transforms.length).bytes(prop.spi);
    prop.transforms.forEach((t, j) => {
      // §3.3.2: Last Substruc is 0 for the last Transform, 3 for every other.
      w.u8(j === prop.transforms.length - 1 ? 0 : 3).u8(0);
      const tLengthAt = w.length;
      w.u16(0);
      w.u8(t.transformType).u8(0).u16(t.transformId);
      for (const a of t.attributes) {
        // §3.3.5: AF=1 for TV (Type/Value), AF=0 for TLV.
        if (a.format === 'TV') w.u16(0x8000 | a.attributeType).u16(a.value);
        else w.u16(a.attributeType & 0x7fff).vectorBytes(2, a.value);
      }
      w.patchU16(tLengthAt, w.length - tLengthAt + 2);
    });
    w.patchU16(lengthAt, w.length - lengthAt + 2);
  });
}

function encodeTrafficSelector(ts: TrafficSelector, w: Writer): void {
  if ('data' in ts) {
    // data holds the octet after TS Type and everything after Selector Length.
    if (ts.data.length < 1) throw new RangeError('traffic selector data is empty');
    w.u8(ts.tsType).u8(ts.data[0]).u16(ts.data.length + 3).bytes(ts.data.subarray(1));
    return;
  }
  const addrLen = ts.tsType === 7 ? 4 : 16;
  if (ts.startingAddress.length !== addrLen || ts.endingAddress.length !== addrLen) {
    throw new RangeError(`traffic selector type ${ts.tsType} needs ${addrLen}-octet addresses`);
  }
  w.u8(ts.tsType).u8(ts.ipProtocolId).u16(8 + 2 * addrLen).u16(ts.startPort).u16(ts.endPort);
  w.bytes(ts.startingAddress).bytes(ts.endingAddress);
}

// ---------------------------------------------------------------------------------------------
// Body decoders. `r` spans exactly the payload body; offsets in errors are those of the message.

export function decodePayloadBody(type: number, r: Reader, critical: boolean): Payload {
  const c = critical ? { critical } : {};
  switch (type) {
    case PayloadType.SA:
      return { kind: 'SA', proposals: decodeProposals(r), ...c };
    case PayloadType.KE: {
      const dhGroup = r.u16('KE.Diffie-Hellman Group Num');
      r.skip(2, 'KE.RESERVED');
      return { kind: 'KE', dhGroup, keyExchangeData: r.rest().slice(), ...c };
    }
    case PayloadType.IDi:
    case PayloadType.IDr: {
      const kind = type === PayloadType.IDi ? 'IDi' : 'IDr';
      const idType = r.u8(`${kind}.ID Type`);
      r.skip(3, `${kind}.RESERVED`);
      return { kind, idType, identificationData: r.rest().slice(), ...c };
    }
    case PayloadType.CERT:
      return { kind: 'CERT', certEncoding: r.u8('CERT.Cert Encoding'), certificateData: r.rest().slice(), ...c };
    case PayloadType.CERTREQ:
      return { kind: 'CERTREQ', certEncoding: r.u8('CERTREQ.Cert Encoding'), certificationAuthority: r.rest().slice(), ...c };
    case PayloadType.AUTH: {
      const authMethod = r.u8('AUTH.Auth Method');
      r.skip(3, 'AUTH.RESERVED');
      return { kind: 'AUTH', authMethod, authenticationData: r.rest().slice(), ...c };
    }
    case PayloadType.NONCE: {
      // §3.9: "The size of the Nonce Data MUST be between 16 and 256 octets, inclusive."
      if (r.remaining < 16 || r.remaining > 256) {
        throw new DecodeError('Nonce.Nonce Data', r.offset, `${r.remaining} octets, not 16..256`);
      }
      return { kind: 'Nonce', nonceData: r.rest().slice(), ...c };
    }
    case PayloadType.N: {
      const protocolId = r.u8('N.Protocol ID');
      const spiSize = r.u8('N.SPI Size');
      const notifyType = r.u16('N.Notify Message Type');
      const spi = r.take(spiSize, 'N.SPI');
      return { kind: 'N', protocolId, spi, notifyType, notificationData: r.rest().slice(), ...c };
    }
    case PayloadType.D: {
      const protocolId = r.u8('D.Protocol ID');
      const spiSize = r.u8('D.SPI Size');
      const countAt = r.offset;
      const count = r.u16('D.Num of SPIs');
      if (count > LIMITS.deleteSpis || count * spiSize !== r.remaining) {
        throw new DecodeError('D.Num of SPIs', countAt, `${count} SPIs of ${spiSize} octets in ${r.remaining} octets`);
      }
      const spis: Uint8Array[] = [];
      for (let i = 0; i < count; i++) spis.push(r.take(spiSize, 'D.SPI'));
      return { kind: 'D', protocolId, spiSize, spis, ...c };
    }
    case PayloadType.V:
      return { kind: 'V', vendorId: r.rest().slice(), ...c };
    case PayloadType.TSi:
    case PayloadType.TSr: {
      const kind = type === PayloadType.TSi ? 'TSi' : 'TSr';
      const countAt = r.offset;
      const count = r.u8(`${kind}.Number of TSs`);
      r.skip(3, `${kind}.RESERVED`);
      if (count > LIMITS.trafficSelectors) throw new DecodeError(`${kind}.Number of TSs`, countAt, `${count} is too many`);
      const trafficSelectors: TrafficSelector[] = [];
      for (let i = 0; i < count; i++) trafficSelectors.push(decodeTrafficSelector(r, kind));
      r.expectEnd(`${kind}.Traffic Selectors`);
      return { kind, trafficSelectors, ...c };
    }
    case PayloadType.SK:
      throw new Error('the SK payload is decoded by the payload chain');
    case PayloadType.SKF:
      throw new Error('the SKF payload is decoded by the payload chain');
    case PayloadType.CP: {
      const cfgType = r.u8('CP.CFG Type');
      r.skip(3, 'CP.RESERVED');
      const attributes: CpAttribute[] = [];
      while (!r.atEnd) {
        if (attributes.length >= LIMITS.cpAttributes) throw new DecodeError('CP.Configuration Attributes', r.offset, 'too many');
        const attributeType = r.u16('CP.Attribute Type') & 0x7fff;
        attributes.push({ attributeType, value: r.vector(2, 'CP.Attribute Value').slice() });
      }
      return { kind: 'CP', cfgType, attributes, ...c };
    }
    case PayloadType.EAP:
      return { kind: 'EAP', eapMessage: r.rest().slice(), ...c };
    default:
      return { kind: 'unknown', payloadType: type, data: r.rest().slice(), ...c };
  }
}

function decodeProposals(r: Reader): Proposal[] {
  const proposals: Proposal[] = [];
  for (;;) {
    const at = r.offset;
    if (proposals.length >= LIMITS.proposals) throw new DecodeError('SA.Proposal', at, 'too many proposals');
    const lastSubstruc = r.u8('Proposal.Last Substruc');
    if (lastSubstruc !== 0 && lastSubstruc !== 2) {
      throw new DecodeError('Proposal.Last Substruc', at, `${lastSubstruc} is neither 0 nor 2`);
    }
    r.skip(1, 'Proposal.RESERVED');
    const lengthAt = r.offset;
    const length = r.u16('Proposal.Proposal Length');
    if (length < 8 || length - 4 > r.remaining) {
      throw new DecodeError('Proposal.Proposal Length', lengthAt, `${length} does not fit the SA payload`);
    }
    const p = r.slice(length - 4, 'Proposal');
    const proposalNum = p.u8('Proposal.Proposal Num');
    const protocolId = p.u8('Proposal.Protocol ID');
    const spiSize = p.u8('Proposal.SPI Size');
    const numAt = p.offset;
    const numTransforms = p.u8('Proposal.Num Transforms');
    if (numTransforms > LIMITS.transformsPerProposal) {
      throw new DecodeError('Proposal.Num Transforms', numAt, `${numTransforms} is too many`);
    }
    const spi = p.take(spiSize, 'Proposal.SPI');
    const transforms: Transform[] = [];
    for (let i = 0; i < numTransforms; i++) {
      transforms.push(decodeTransform(p, i === numTransforms - 1));
    }
    p.expectEnd('Proposal.Transforms');
    proposals.push({ proposalNum, protocolId, spi, transforms });
    if (lastSubstruc === 0) break;
    if (r.atEnd) throw new DecodeError('Proposal.Last Substruc', at, 'says more proposals follow, but the SA payload ends');
  }
  r.expectEnd('SA.Proposals');
  return proposals;
}

function decodeTransform(r: Reader, last: boolean): Transform {
  const at = r.offset;
  const lastSubstruc = r.u8('Transform.Last Substruc');
  if (lastSubstruc !== (last ? 0 : 3)) {
    throw new DecodeError('Transform.Last Substruc', at, `${lastSubstruc} disagrees with Num Transforms`);
  }
  r.skip(1, 'Transform.RESERVED');
  const lengthAt = r.offset;
  const length = r.u16('Transform.Transform Length');
  if (length < 8 || length - 4 > r.remaining) {
    throw new DecodeError('Transform.Transform Length', lengthAt, `${length} does not fit the proposal`);
  }
  const t = r.slice(length - 4, 'Transform');
  const transformType = t.u8('Transform.Transform Type');
  t.skip(1, 'Transform.RESERVED');
  const transformId = t.u16('Transform.Transform ID');
  const attributes: TransformAttributeValue[] = [];
  while (!t.atEnd) {
    if (attributes.length >= LIMITS.attributesPerTransform) throw new DecodeError('Transform.Transform Attributes', t.offset, 'too many');
    const typeField = t.u16('Transform Attribute.Attribute Type');
    const attributeType = typeField & 0x7fff;
    if (typeField & 0x8000) attributes.push({ attributeType, format: 'TV', value: t.u16('Transform Attribute.Attribute Value') });
    else attributes.push({ attributeType, format: 'TLV', value: t.vector(2, 'Transform Attribute.Attribute Value').slice() });
  }
  return { transformType, transformId, attributes };
}

function decodeTrafficSelector(r: Reader, kind: string): TrafficSelector {
  const tsType = r.u8(`${kind}.TS Type`);
  if (tsType === 7 || tsType === 8) {
    const ipProtocolId = r.u8(`${kind}.IP Protocol ID`);
    const lengthAt = r.offset;
    const length = r.u16(`${kind}.Selector Length`);
    const addrLen = tsType === 7 ? 4 : 16;
    if (length !== 8 + 2 * addrLen) {
      throw new DecodeError(`${kind}.Selector Length`, lengthAt, `${length} for TS Type ${tsType}`);
    }
    const startPort = r.u16(`${kind}.Start Port`);
    const endPort = r.u16(`${kind}.End Port`);
    const startingAddress = r.take(addrLen, `${kind}.Starting Address`);
    const endingAddress = r.take(addrLen, `${kind}.Ending Address`);
    return { tsType, ipProtocolId, startPort, endPort, startingAddress, endingAddress };
  }
  // Other TS Types (e.g. TS_SECLABEL, RFC 9478) share "TS Type, 1 octet, Selector Length".
  const lengthAt = r.offset + 1;
  const head = r.u8(`${kind}.TS Type specific`);
  const length = r.u16(`${kind}.Selector Length`);
  if (length < 4) throw new DecodeError(`${kind}.Selector Length`, lengthAt, `${length} is less than 4`);
  const rest = r.take(length - 4, `${kind}.Traffic Selector`);
  const data = new Uint8Array(rest.length + 1);
  data[0] = head;
  data.set(rest, 1);
  return { tsType, data };
}
