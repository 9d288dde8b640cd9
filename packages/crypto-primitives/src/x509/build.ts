/**
 * Certificate building for the lab's own CA (RFC 5280 §4.1): version 3 certificates with the
 * extensions of §4.2 that TLS and IKEv2 peers look at, signed through CryptoProvider.sign.
 * `buildCertificate` takes every field; `createRootCertificate`, `issueIntermediateCertificate`,
 * `issueServerCertificate` and `issueClientCertificate` fill in the usual profiles.
 */
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate as AsnCertificate,
  ExtendedKeyUsage,
  Extension as AsnExtension,
  Extensions,
  GeneralName as AsnGeneralName,
  KeyIdentifier,
  KeyUsage,
  Name,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import type { CryptoProvider, PrivateKey, PublicKey, SignatureScheme } from '../types.js';
import { bigIntToInteger, encodeSubjectPublicKeyInfo, publicKeyOf } from '../keys/keys.js';
import { algorithmIdentifierFor, defaultSchemeFor } from './algorithms.js';
import { type Certificate, formatIpAddress, KEY_USAGE_BITS, KeyPurpose, type KeyUsageName, parseCertificate } from './certificate.js';
import { X509Error } from './errors.js';
import { parseIpAddress } from './hostname.js';
import { buildName, type NameInput } from './name.js';

export interface SubjectAltNames {
  readonly dns?: readonly string[];
  /** IPv4 or IPv6 address literals. */
  readonly ip?: readonly string[];
  readonly email?: readonly string[];
  readonly uri?: readonly string[];
}

export interface CertificateTemplate {
  /** RFC 4514 string ("CN=server.lab.test,O=layersec lab") or RDNs in encoded order. */
  readonly subject: NameInput;
  readonly subjectPublicKey: PublicKey;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Positive, at most 20 octets (RFC 5280 §4.1.2.2). Default: 16 random octets, top bit clear. */
  readonly serialNumber?: bigint;
  /** basicConstraints, written critical (RFC 5280 §4.2.1.9). */
  readonly basicConstraints?: { readonly cA: boolean; readonly pathLenConstraint?: number };
  /** keyUsage, written critical (RFC 5280 §4.2.1.3). */
  readonly keyUsage?: readonly KeyUsageName[];
  /** extendedKeyUsage: 'serverAuth', 'clientAuth' or KeyPurposeId OIDs (RFC 5280 §4.2.1.12). */
  readonly extendedKeyUsage?: ReadonlyArray<keyof typeof KeyPurpose | string>;
  /** subjectAltName; critical when the subject is empty (RFC 5280 §4.2.1.6). */
  readonly subjectAltName?: SubjectAltNames;
  /** subjectKeyIdentifier by RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. Default true. */
  readonly subjectKeyIdentifier?: boolean;
}

/** Who signs: the issuer's certificate (absent for a self-signed certificate) and private key. */
export interface CertificateSigner {
  readonly certificate?: Certificate;
  readonly privateKey: PrivateKey;
  /** Default: ECDSA with the hash of the key's curve, RSA PKCS#1 v1.5 with SHA-256, or Ed25519. */
  readonly scheme?: SignatureScheme;
}

/** A CA the lab issues from: its certificate and private key. */
export interface CertificateAuthority {
  readonly certificate: Certificate;
  readonly privateKey: PrivateKey;
}

function extension(extnID: string, critical: boolean, value: unknown): AsnExtension {
  return new AsnExtension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** RFC 5280 §4.2.1.3 KeyUsage as a DER named-bit BIT STRING (trailing zero bits removed, X.690 §11.2.2). */
function keyUsageBits(usages: readonly KeyUsageName[]): KeyUsage {
  let last = -1;
  const bits = new Set<number>();
  for (const u of usages) {
    const bit = KEY_USAGE_BITS.indexOf(u);
    if (bit < 0) throw new X509Error('bad-encoding', `unknown keyUsage ${u}`);
    bits.add(bit);
    last = Math.max(last, bit);
  }
  if (last < 0) throw new X509Error('bad-encoding', 'empty keyUsage');
  const bytes = new Uint8Array((last >> 3) + 1);
  for (const bit of bits) bytes[bit >> 3] |= 0x80 >> (bit & 7);
  return new KeyUsage(bytes, 7 - (last & 7));
}

function generalNames(san: SubjectAltNames): AsnGeneralName[] {
  const out: AsnGeneralName[] = [];
  for (const d of san.dns ?? []) {
    if (!/^[\x21-\x7e]+$/.test(d)) throw new X509Error('bad-encoding', `dNSName "${d}" is not printable ASCII (use A-labels)`);
    out.push(new AsnGeneralName({ dNSName: d }));
  }
  for (const ip of san.ip ?? []) {
    const bytes = parseIpAddress(ip);
    if (!bytes) throw new X509Error('bad-encoding', `"${ip}" is not an IP address`);
    // The library's converter re-parses text; give it the canonical form of the address.
    out.push(new AsnGeneralName({ iPAddress: formatIpAddress(bytes) }));
  }
  for (const e of san.email ?? []) out.push(new AsnGeneralName({ rfc822Name: e }));
  for (const u of san.uri ?? []) out.push(new AsnGeneralName({ uniformResourceIdentifier: u }));
  return out;
}

function randomSerial(provider: CryptoProvider): bigint {
  const bytes = provider.random.randomBytes(16);
  bytes[0] &= 0x7f;
  bytes[0] |= 0x40; // keep the length fixed at 16 octets
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function integerContent(v: bigint): ArrayBuffer {
  return bigIntToInteger(v).slice().buffer;
}

/** Builds and signs a certificate; the result is parsed back, so it is what a peer will see. */
export function buildCertificate(template: CertificateTemplate, signer: CertificateSigner, provider: CryptoProvider): Certificate {
  const serial = template.serialNumber ?? randomSerial(provider);
  if (serial <= 0n || integerContent(serial).byteLength > 20) {
    throw new X509Error('bad-encoding', 'serialNumber must be positive and at most 20 octets (RFC 5280 §4.1.2.2)');
  }
  if (template.notAfter.getTime() < template.notBefore.getTime()) throw new X509Error('bad-encoding', 'notAfter before notBefore');
  const signingKey = publicKeyOf(signer.privateKey);
  const scheme = signer.scheme ?? defaultSchemeFor(signingKey);
  const signatureAlgorithm = algorithmIdentifierFor(scheme);
  const spki = AsnConvert.parse(encodeSubjectPublicKeyInfo(template.subjectPublicKey), SubjectPublicKeyInfo);
  const subject = buildName(template.subject);
  const issuerName = signer.certificate ? buildIssuerName(signer.certificate) : subject;
  const sha1 = (data: Uint8Array): Uint8Array => provider.hash('SHA-1').digest(data);

  const extensions: AsnExtension[] = [];
  const bc = template.basicConstraints;
  if (bc) {
    if (bc.pathLenConstraint !== undefined && !bc.cA) throw new X509Error('bad-encoding', 'pathLenConstraint without cA');
    extensions.push(
      extension(
        id_ce_basicConstraints,
        true,
        new BasicConstraints({ cA: bc.cA, ...(bc.pathLenConstraint !== undefined ? { pathLenConstraint: bc.pathLenConstraint } : {}) }),
      ),
    );
  }
  if (template.keyUsage) extensions.push(extension(id_ce_keyUsage, true, keyUsageBits(template.keyUsage)));
  if (template.extendedKeyUsage) {
    const oids = template.extendedKeyUsage.map((p) => (p in KeyPurpose ? KeyPurpose[p as keyof typeof KeyPurpose] : p));
    extensions.push(extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage(oids)));
  }
  if (template.subjectAltName) {
    const names = generalNames(template.subjectAltName);
    if (names.length > 0) extensions.push(extension(id_ce_subjectAltName, subject.length === 0, new SubjectAlternativeName(names)));
  }
  if (template.subjectKeyIdentifier ?? true) {
    const ski = sha1(new Uint8Array(spki.subjectPublicKey));
    extensions.push(extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(ski)));
  }
  if (signer.certificate) {
    // RFC 5280 §4.2.1.1: keyIdentifier from the issuer's subjectKeyIdentifier (or its method (1)).
    const keyId = signer.certificate.extensions.subjectKeyIdentifier ?? sha1(signer.certificate.subjectPublicKey);
    extensions.push(extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyId) })));
  }

  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: integerContent(serial),
    signature: signatureAlgorithm,
    issuer: issuerName,
    validity: new Validity({ notBefore: template.notBefore, notAfter: template.notAfter }),
    subject,
    subjectPublicKeyInfo: spki,
    extensions: new Extensions(extensions),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = provider.sign(scheme, signer.privateKey, tbsDer, { ecdsaFormat: 'der', random: provider.random });
  const der = new Uint8Array(
    AsnConvert.serialize(new AsnCertificate({ tbsCertificate: tbs, signatureAlgorithm, signatureValue: signature.slice().buffer })),
  );
  const cert = parseCertificate(der);
  // The signature must cover exactly the bytes the certificate carries.
  if (cert.tbsCertificate.length !== tbsDer.length || !cert.tbsCertificate.every((b, i) => b === tbsDer[i])) {
    throw new X509Error('bad-encoding', 'TBSCertificate re-encoded differently');
  }
  return cert;
}

/** The issuer field is the issuer certificate's subject, as encoded there (RFC 5280 §4.1.2.4). */
function buildIssuerName(issuer: Certificate): Name {
  return AsnConvert.parse(issuer.subject.der, Name);
}

// ---------------------------------------------------------------------------------------------
// Profiles for the lab's CA

export interface ProfileOptions {
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly serialNumber?: bigint;
  readonly scheme?: SignatureScheme;
}

/** A self-signed root: cA, keyUsage keyCertSign and cRLSign (RFC 5280 §4.2.1.9, §4.2.1.3). */
export function createRootCertificate(
  options: ProfileOptions & { subject: NameInput; privateKey: PrivateKey; pathLenConstraint?: number },
  provider: CryptoProvider,
): CertificateAuthority {
  const certificate = buildCertificate(
    {
      subject: options.subject,
      subjectPublicKey: publicKeyOf(options.privateKey),
      notBefore: options.notBefore,
      notAfter: options.notAfter,
      serialNumber: options.serialNumber,
      basicConstraints: { cA: true, pathLenConstraint: options.pathLenConstraint },
      keyUsage: ['keyCertSign', 'cRLSign'],
    },
    { privateKey: options.privateKey, scheme: options.scheme },
    provider,
  );
  return { certificate, privateKey: options.privateKey };
}

/** An intermediate CA certificate for `privateKey`'s public key, issued by `issuer`. */
export function issueIntermediateCertificate(
  options: ProfileOptions & { subject: NameInput; privateKey: PrivateKey; pathLenConstraint?: number },
  issuer: CertificateAuthority,
  provider: CryptoProvider,
): CertificateAuthority {
  const certificate = buildCertificate(
    {
      subject: options.subject,
      subjectPublicKey: publicKeyOf(options.privateKey),
      notBefore: options.notBefore,
      notAfter: options.notAfter,
      serialNumber: options.serialNumber,
      basicConstraints: { cA: true, pathLenConstraint: options.pathLenConstraint },
      keyUsage: ['keyCertSign', 'cRLSign'],
    },
    { certificate: issuer.certificate, privateKey: issuer.privateKey, scheme: options.scheme },
    provider,
  );
  return { certificate, privateKey: options.privateKey };
}

export interface EndEntityOptions extends ProfileOptions {
  readonly publicKey: PublicKey;
  /** Default: "CN=<first DNS name or IP address>". */
  readonly subject?: NameInput;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly emails?: readonly string[];
  readonly uris?: readonly string[];
}

function endEntity(options: EndEntityOptions, purpose: 'serverAuth' | 'clientAuth', issuer: CertificateAuthority, provider: CryptoProvider): Certificate {
  const first = options.dnsNames?.[0] ?? options.ipAddresses?.[0] ?? options.emails?.[0];
  const subject = options.subject ?? (first ? [{ CN: first }] : []);
  // digitalSignature for TLS 1.3 and (EC)DHE; keyEncipherment too for RSA keys (TLS 1.2 RSA key transport).
  const keyUsage: KeyUsageName[] = ['digitalSignature'];
  if (options.publicKey.type === 'rsa' && purpose === 'serverAuth') keyUsage.push('keyEncipherment');
  return buildCertificate(
    {
      subject,
      subjectPublicKey: options.publicKey,
      notBefore: options.notBefore,
      notAfter: options.notAfter,
      serialNumber: options.serialNumber,
      basicConstraints: { cA: false },
      keyUsage,
      extendedKeyUsage: [purpose],
      subjectAltName: { dns: options.dnsNames, ip: options.ipAddresses, email: options.emails, uri: options.uris },
    },
    { certificate: issuer.certificate, privateKey: issuer.privateKey, scheme: options.scheme },
    provider,
  );
}

/** A TLS server certificate: cA FALSE, keyUsage digitalSignature (+keyEncipherment for RSA), EKU serverAuth, SANs. */
export function issueServerCertificate(options: EndEntityOptions, issuer: CertificateAuthority, provider: CryptoProvider): Certificate {
  return endEntity(options, 'serverAuth', issuer, provider);
}

/** A TLS client certificate: cA FALSE, keyUsage digitalSignature, EKU clientAuth, SANs. */
export function issueClientCertificate(options: EndEntityOptions, issuer: CertificateAuthority, provider: CryptoProvider): Certificate {
  return endEntity(options, 'clientAuth', issuer, provider);
}
