/**
 * Certificate parsing (RFC 5280 §4.1): the typed `Certificate` view with the raw bytes a verifier
 * needs (the whole DER, the TBSCertificate as signed, the signature), the names, validity, the
 * subject public key as a ../types.ts PublicKey, and the extensions of RFC 5280 §4.2 that path
 * validation and host name checks use. Decoding is done by @peculiar/asn1-x509 after the DER
 * framing has been checked; every failure is an X509Error('bad-encoding').
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AuthorityKeyIdentifier,
  BasicConstraints,
  ExtendedKeyUsage,
  Extension as AsnExtension,
  Name,
  Validity,
  SubjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { CryptoError } from '../errors.js';
import type { PublicKey } from '../types.js';
import { children, readTlv, TAG_SEQUENCE, type Tlv, wholeTlv } from '../keys/_der.js';
import { decodeSubjectPublicKeyInfo } from '../keys/keys.js';
import { decodePem, encodePem } from '../keys/pem.js';
import { decodeSignatureAlgorithm, type SignatureAlgorithm } from './algorithms.js';
import { X509Error } from './errors.js';
import { type DistinguishedName, distinguishedNameFrom } from './name.js';

/** RFC 5280 §4.2.1.3 KeyUsage bits, by their ASN.1 names. */
export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly';

export const KEY_USAGE_BITS: readonly KeyUsageName[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

/** RFC 5280 §4.2.1.12 KeyPurposeId values used here. */
export const KeyPurpose = {
  anyExtendedKeyUsage: '2.5.29.37.0',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  OCSPSigning: '1.3.6.1.5.5.7.3.9',
} as const;

/** RFC 5280 §4.2.1.6 GeneralName, for the forms host name checks use; the others by tag. */
export type GeneralName =
  | { readonly type: 'dNSName'; readonly value: string }
  | { readonly type: 'rfc822Name'; readonly value: string }
  | { readonly type: 'uniformResourceIdentifier'; readonly value: string }
  /** 4 octets (IPv4) or 16 (IPv6), RFC 5280 §4.2.1.6; `value` is the textual form. */
  | { readonly type: 'iPAddress'; readonly bytes: Uint8Array; readonly value: string }
  | { readonly type: 'directoryName'; readonly name: DistinguishedName }
  | { readonly type: 'other'; readonly tag: number; readonly der: Uint8Array };

export interface Extension {
  readonly extnID: string;
  readonly critical: boolean;
  readonly extnValue: Uint8Array;
}

export interface CertificateExtensions {
  /** Every extension in order, including those decoded below. */
  readonly all: readonly Extension[];
  readonly basicConstraints?: { readonly cA: boolean; readonly pathLenConstraint?: number; readonly critical: boolean };
  readonly keyUsage?: { readonly usages: readonly KeyUsageName[]; readonly critical: boolean };
  readonly extendedKeyUsage?: { readonly purposes: readonly string[]; readonly critical: boolean };
  readonly subjectAltName?: { readonly names: readonly GeneralName[]; readonly critical: boolean };
  readonly subjectKeyIdentifier?: Uint8Array;
  readonly authorityKeyIdentifier?: Uint8Array;
}

export interface Certificate {
  /** The whole certificate, as received. */
  readonly der: Uint8Array;
  /** The DER of tbsCertificate: the bytes the signature covers. */
  readonly tbsCertificate: Uint8Array;
  /** 1, 2 or 3 (the encoded value plus one). */
  readonly version: 1 | 2 | 3;
  /** The serialNumber INTEGER's content octets (RFC 5280 §4.1.2.2), and the same in hex. */
  readonly serialNumber: Uint8Array;
  readonly serialNumberHex: string;
  /** Certificate.signatureAlgorithm (equal to tbsCertificate.signature, RFC 5280 §4.1.1.2). */
  readonly signatureAlgorithm: SignatureAlgorithm;
  /** The signatureValue BIT STRING's bytes (DER ECDSA-Sig-Value for ECDSA). */
  readonly signatureValue: Uint8Array;
  readonly issuer: DistinguishedName;
  readonly subject: DistinguishedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The DER of subjectPublicKeyInfo. */
  readonly subjectPublicKeyInfo: Uint8Array;
  /** The subjectPublicKey BIT STRING's bytes (what key identifiers are hashed over, RFC 5280 §4.2.1.2). */
  readonly subjectPublicKey: Uint8Array;
  /** The subject's key, when its algorithm is supported (EC P-256/384/521, Ed25519, RSA). */
  readonly publicKey?: PublicKey;
  /** The SubjectPublicKeyInfo algorithm OID. */
  readonly publicKeyAlgorithm: string;
  readonly extensions: CertificateExtensions;
}

/** Upper bound on one certificate's size; RFC 8446 §4.4.2 carries each in at most 2^24-1 bytes. */
export const MAX_CERTIFICATE_LENGTH = 256 * 1024;

const hexOf = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function bad(message: string): never {
  throw new X509Error('bad-encoding', message);
}

/** Wraps a step that may throw the library's untyped errors or CryptoError into X509Error. */
function decodeStep<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof X509Error) throw e;
    throw new X509Error('bad-encoding', `${what}: ${(e as Error).message}`);
  }
}

/** Parses one DER certificate. */
export function parseCertificate(der: Uint8Array): Certificate {
  if (der.length > MAX_CERTIFICATE_LENGTH) bad(`certificate of ${der.length} bytes is too large`);
  // RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }.
  const outer = decodeStep('Certificate', () => wholeTlv(der, TAG_SEQUENCE, 'Certificate'));
  const top = decodeStep('Certificate', () => children(der, outer, 'Certificate'));
  if (top.length !== 3 || top[0].tag !== TAG_SEQUENCE || top[1].tag !== TAG_SEQUENCE || top[2].tag !== 0x03) {
    bad('Certificate is not SEQUENCE { TBSCertificate, AlgorithmIdentifier, BIT STRING }');
  }
  const tbsTlv = top[0];
  const tbs = decodeStep('TBSCertificate', () => children(der, tbsTlv, 'TBSCertificate'));
  // TBSCertificate: [0] version?, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, ...
  let i = 0;
  if (tbs[0]?.tag === 0xa0) i = 1;
  const field = (k: number, tag: number, name: string): Tlv => {
    const t = tbs[i + k];
    if (!t || t.tag !== tag) bad(`TBSCertificate.${name} missing or mistagged`);
    return t;
  };
  const serialTlv = field(0, 0x02, 'serialNumber');
  const tbsSignature = field(1, TAG_SEQUENCE, 'signature');
  const issuerTlv = field(2, TAG_SEQUENCE, 'issuer');
  const validityTlv = field(3, TAG_SEQUENCE, 'validity');
  const subjectTlv = field(4, TAG_SEQUENCE, 'subject');
  const spkiTlv = field(5, TAG_SEQUENCE, 'subjectPublicKeyInfo');
  const slice = (t: Tlv): Uint8Array => der.subarray(t.start, t.end);
  const content = (t: Tlv): Uint8Array => der.subarray(t.contentStart, t.end);
  // RFC 5280 §4.1.1.2: signatureAlgorithm MUST equal tbsCertificate.signature.
  if (hexOf(slice(tbsSignature)) !== hexOf(slice(top[1]))) bad('signatureAlgorithm differs from tbsCertificate.signature');

  // Version ::= INTEGER { v1(0), v2(1), v3(2) }, [0] EXPLICIT, DEFAULT v1 (RFC 5280 §4.1.2.1).
  let version = 1;
  if (i === 1) {
    const v = decodeStep('version', () => readTlv(der, tbs[0].contentStart, tbs[0].end, 'version'));
    if (v.tag !== 0x02 || v.end !== tbs[0].end || v.end - v.contentStart !== 1) bad('malformed version');
    version = der[v.contentStart] + 1;
    if (version !== 2 && version !== 3) bad(`version ${version}`);
  }
  // issuerUniqueID [1], subjectUniqueID [2], extensions [3]: in that order, nothing else.
  const rest = tbs.slice(i + 6);
  let extensionsTlv: Tlv | undefined;
  let lastTag = 0;
  for (const r of rest) {
    if ((r.tag !== 0x81 && r.tag !== 0x82 && r.tag !== 0xa3) || r.tag <= lastTag) bad('unexpected field at the end of TBSCertificate');
    if (version === 1) bad('uniqueIDs or extensions in a version 1 certificate');
    if (r.tag === 0xa3 && version !== 3) bad('extensions in a certificate that is not version 3');
    if (r.tag === 0xa3) extensionsTlv = r;
    lastTag = r.tag;
  }

  // The signatureValue BIT STRING must have no unused bits.
  const sigBits = content(top[2]);
  if (sigBits.length < 1 || sigBits[0] !== 0) bad('signatureValue has unused bits');

  const serialNumber = content(serialTlv).slice();
  if (serialNumber.length === 0) bad('empty serialNumber');
  const subjectPublicKeyInfo = der.slice(spkiTlv.start, spkiTlv.end);
  let publicKey: PublicKey | undefined;
  try {
    publicKey = decodeSubjectPublicKeyInfo(subjectPublicKeyInfo);
  } catch (e) {
    if (!(e instanceof CryptoError)) throw e;
    if (e.code !== 'unsupported') throw new X509Error('bad-encoding', `subjectPublicKeyInfo: ${e.message}`);
  }
  // SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }.
  const spkiParts = decodeStep('subjectPublicKeyInfo', () => children(der, spkiTlv, 'SubjectPublicKeyInfo'));
  if (spkiParts.length !== 2 || spkiParts[1].tag !== 0x03 || content(spkiParts[1])[0] !== 0) bad('malformed subjectPublicKeyInfo');
  const spkiAlgorithm = decodeStep('subjectPublicKeyInfo', () => AsnConvert.parse(slice(spkiParts[0]), AlgorithmIdentifier));
  const signatureAlgorithm = decodeSignatureAlgorithm(slice(top[1]));
  const validity = decodeStep('validity', () => AsnConvert.parse(slice(validityTlv), Validity));
  const issuerDer = der.slice(issuerTlv.start, issuerTlv.end);
  const subjectDer = der.slice(subjectTlv.start, subjectTlv.end);
  let extensions: AsnExtension[] = [];
  if (extensionsTlv) {
    const inner = decodeStep('extensions', () => readTlv(der, extensionsTlv!.contentStart, extensionsTlv!.end, 'extensions'));
    if (inner.tag !== TAG_SEQUENCE || inner.end !== extensionsTlv.end) bad('malformed extensions');
    const items = decodeStep('extensions', () => children(der, inner, 'Extensions'));
    // RFC 5280 §4.1: Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension.
    if (items.length === 0) bad('empty extensions');
    extensions = items.map((item) => decodeStep('extension', () => AsnConvert.parse(slice(item), AsnExtension)));
  }
  return {
    der: der.slice(),
    tbsCertificate: der.slice(tbsTlv.start, tbsTlv.end),
    version: version as 1 | 2 | 3,
    serialNumber,
    serialNumberHex: hexOf(serialNumber),
    signatureAlgorithm,
    signatureValue: sigBits.slice(1),
    issuer: decodeStep('issuer', () => distinguishedNameFrom(AsnConvert.parse(issuerDer, Name), issuerDer)),
    subject: decodeStep('subject', () => distinguishedNameFrom(AsnConvert.parse(subjectDer, Name), subjectDer)),
    notBefore: decodeStep('validity', () => validity.notBefore.getTime()),
    notAfter: decodeStep('validity', () => validity.notAfter.getTime()),
    subjectPublicKeyInfo,
    subjectPublicKey: content(spkiParts[1]).slice(1),
    ...(publicKey ? { publicKey } : {}),
    publicKeyAlgorithm: spkiAlgorithm.algorithm,
    extensions: decodeExtensions(extensions),
  };
}

function decodeExtensions(list: ReadonlyArray<{ extnID: string; critical: boolean; extnValue: { buffer: ArrayBuffer } }>): CertificateExtensions {
  const all: Extension[] = [];
  const seen = new Set<string>();
  const out: {
    -readonly [K in keyof CertificateExtensions]: CertificateExtensions[K];
  } = { all };
  for (const e of list) {
    // RFC 5280 §4.2: a certificate MUST NOT include more than one instance of an extension.
    if (seen.has(e.extnID)) bad(`extension ${e.extnID} appears twice`);
    seen.add(e.extnID);
    const value = new Uint8Array(e.extnValue.buffer);
    all.push({ extnID: e.extnID, critical: e.critical, extnValue: value });
    const parse = <T>(type: new () => T): T => decodeStep(`extension ${e.extnID}`, () => AsnConvert.parse(value, type));
    switch (e.extnID) {
      case id_ce_basicConstraints: {
        decodeStep('basicConstraints', () => wholeTlv(value, TAG_SEQUENCE, 'BasicConstraints'));
        const bc = parse(BasicConstraints);
        const pathLen = bc.pathLenConstraint;
        if (pathLen !== undefined && (!Number.isSafeInteger(pathLen) || pathLen < 0)) bad('negative pathLenConstraint');
        out.basicConstraints = { cA: bc.cA, ...(pathLen !== undefined ? { pathLenConstraint: pathLen } : {}), critical: e.critical };
        break;
      }
      case id_ce_keyUsage:
        out.keyUsage = { usages: decodeKeyUsage(value), critical: e.critical };
        break;
      case id_ce_extKeyUsage: {
        decodeStep('extendedKeyUsage', () => wholeTlv(value, TAG_SEQUENCE, 'ExtKeyUsageSyntax'));
        const purposes = Array.from(parse(ExtendedKeyUsage));
        // RFC 5280 §4.2.1.12: SIZE (1..MAX).
        if (purposes.length === 0) bad('empty extendedKeyUsage');
        out.extendedKeyUsage = { purposes, critical: e.critical };
        break;
      }
      case id_ce_subjectAltName:
        out.subjectAltName = { names: decodeGeneralNames(value), critical: e.critical };
        break;
      case id_ce_subjectKeyIdentifier:
        decodeStep('subjectKeyIdentifier', () => wholeTlv(value, 0x04, 'SubjectKeyIdentifier'));
        out.subjectKeyIdentifier = new Uint8Array(parse(SubjectKeyIdentifier).buffer);
        break;
      case id_ce_authorityKeyIdentifier: {
        decodeStep('authorityKeyIdentifier', () => wholeTlv(value, TAG_SEQUENCE, 'AuthorityKeyIdentifier'));
        const aki = parse(AuthorityKeyIdentifier);
        if (aki.keyIdentifier) out.authorityKeyIdentifier = new Uint8Array(aki.keyIdentifier.buffer);
        break;
      }
    }
  }
  return out;
}

/** RFC 5280 §4.2.1.3: KeyUsage ::= BIT STRING; bit 0 is the most significant bit of the first octet. */
function decodeKeyUsage(value: Uint8Array): KeyUsageName[] {
  const t = decodeStep('keyUsage', () => wholeTlv(value, 0x03, 'KeyUsage'));
  const content = value.subarray(t.contentStart, t.end);
  if (content.length < 1 || content[0] > 7 || (content.length === 1 && content[0] !== 0)) bad('malformed keyUsage BIT STRING');
  const usages: KeyUsageName[] = [];
  for (let bit = 0; bit < KEY_USAGE_BITS.length; bit++) {
    const byte = content[1 + (bit >> 3)];
    if (byte !== undefined && byte & (0x80 >> (bit & 7))) usages.push(KEY_USAGE_BITS[bit]);
  }
  return usages;
}

/** RFC 5280 §4.2.1.6 GeneralNames, read from the raw TLVs (implicit tags [1], [2], [6], [7]; [4] explicit). */
function decodeGeneralNames(value: Uint8Array): GeneralName[] {
  const seq = decodeStep('subjectAltName', () => wholeTlv(value, TAG_SEQUENCE, 'GeneralNames'));
  const items = decodeStep('subjectAltName', () => children(value, seq, 'GeneralNames'));
  // RFC 5280 §4.2.1.6: GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName.
  if (items.length === 0) bad('empty subjectAltName');
  return items.map((item): GeneralName => {
    const content = value.subarray(item.contentStart, item.end);
    switch (item.tag) {
      case 0x81:
        return { type: 'rfc822Name', value: ia5(content) };
      case 0x82:
        return { type: 'dNSName', value: ia5(content) };
      case 0x86:
        return { type: 'uniformResourceIdentifier', value: ia5(content) };
      case 0x87:
        if (content.length !== 4 && content.length !== 16) bad(`iPAddress of ${content.length} octets`);
        return { type: 'iPAddress', bytes: content.slice(), value: formatIpAddress(content) };
      case 0xa4: {
        const inner = decodeStep('directoryName', () => readTlv(value, item.contentStart, item.end, 'directoryName'));
        if (inner.end !== item.end || inner.tag !== TAG_SEQUENCE) bad('malformed directoryName');
        const nameDer = value.slice(inner.start, inner.end);
        const name = decodeStep('directoryName', () => AsnConvert.parse(nameDer, Name));
        return { type: 'directoryName', name: distinguishedNameFrom(name, nameDer) };
      }
      default:
        return { type: 'other', tag: item.tag, der: value.slice(item.start, item.end) };
    }
  });
}

/** IA5String content (X.680 §41: ASCII). */
function ia5(content: Uint8Array): string {
  let s = '';
  for (const b of content) {
    if (b > 0x7f) bad('IA5String with a non-ASCII octet');
    s += String.fromCharCode(b);
  }
  return s;
}

/** Dotted quad, or RFC 5952 §4 text for IPv6 (lower case, longest zero run as "::"). */
export function formatIpAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * Parses certificates from PEM text (every "CERTIFICATE" block, other blocks ignored) or from
 * one DER certificate.
 */
export function parseCertificates(input: string | Uint8Array): Certificate[] {
  if (typeof input !== 'string') {
    let i = 0;
    while (i < input.length && (input[i] === 0x20 || input[i] === 0x0a || input[i] === 0x0d || input[i] === 0x09)) i++;
    if (input[i] !== 0x2d) return [parseCertificate(input)];
    input = new TextDecoder().decode(input);
  }
  const blocks = decodeStep('PEM', () => decodePem(input as string));
  return blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => parseCertificate(b.der));
}

/** The PEM text of certificates. */
export function certificatesToPem(certs: readonly Certificate[]): string {
  return certs.map((c) => encodePem('CERTIFICATE', c.der)).join('');
}
