/**
 * Signature AlgorithmIdentifiers of certificates, mapped to the SignatureScheme names of
 * ../types.ts: ecdsa-with-SHA256/384/512 (RFC 5758 §3.2, parameters absent),
 * sha256/384/512WithRSAEncryption (RFC 4055 §5, parameters NULL), RSASSA-PSS (RFC 4055 §3.1,
 * with hash and MGF1 hash equal, any salt length), and Ed25519 (RFC 8410 §3, parameters absent). SHA-1 signatures are not
 * verified (RFC 9155 deprecates them for TLS).
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import {
  id_ecdsaWithSHA256,
  id_ecdsaWithSHA384,
  id_ecdsaWithSHA512,
} from '@peculiar/asn1-ecc';
import {
  RsaSaPssParams,
  id_RSASSA_PSS,
  id_mgf1,
  id_sha256,
  id_sha256WithRSAEncryption,
  id_sha384,
  id_sha384WithRSAEncryption,
  id_sha512,
  id_sha512WithRSAEncryption,
} from '@peculiar/asn1-rsa';
import type { PublicKey, SignatureScheme } from '../types.js';
import { id_Ed25519 } from '../keys/keys.js';
import { TAG_SEQUENCE, wholeTlv } from '../keys/_der.js';
import { X509Error } from './errors.js';

export interface SignatureAlgorithm {
  /** The algorithm OID. */
  readonly oid: string;
  /** The registry name: "ecdsa-with-SHA256", "sha256WithRSAEncryption", "RSASSA-PSS", "Ed25519", or the OID. */
  readonly name: string;
  /** The scheme to verify with, when this implementation supports the algorithm and its parameters. */
  readonly scheme?: SignatureScheme;
  /** The DER of the parameters, when present. */
  readonly parameters?: Uint8Array;
  /** RSASSA-PSS: the saltLength of the parameters (RFC 4055 §3.1), passed on to the verifier. */
  readonly pssSaltLength?: number;
}

const SIMPLE: ReadonlyArray<{ oid: string; name: string; scheme: SignatureScheme; parameters: 'absent' | 'null' }> = [
  { oid: id_ecdsaWithSHA256, name: 'ecdsa-with-SHA256', scheme: 'ecdsa_sha256', parameters: 'absent' },
  { oid: id_ecdsaWithSHA384, name: 'ecdsa-with-SHA384', scheme: 'ecdsa_sha384', parameters: 'absent' },
  { oid: id_ecdsaWithSHA512, name: 'ecdsa-with-SHA512', scheme: 'ecdsa_sha512', parameters: 'absent' },
  { oid: id_sha256WithRSAEncryption, name: 'sha256WithRSAEncryption', scheme: 'rsa_pkcs1_sha256', parameters: 'null' },
  { oid: id_sha384WithRSAEncryption, name: 'sha384WithRSAEncryption', scheme: 'rsa_pkcs1_sha384', parameters: 'null' },
  { oid: id_sha512WithRSAEncryption, name: 'sha512WithRSAEncryption', scheme: 'rsa_pkcs1_sha512', parameters: 'null' },
  { oid: id_Ed25519, name: 'Ed25519', scheme: 'ed25519', parameters: 'absent' },
];

const OTHER_NAMES: Record<string, string> = {
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.3.101.113': 'Ed448',
};

const PSS: ReadonlyArray<{ hash: string; saltLength: number; scheme: SignatureScheme }> = [
  { hash: id_sha256, saltLength: 32, scheme: 'rsa_pss_rsae_sha256' },
  { hash: id_sha384, saltLength: 48, scheme: 'rsa_pss_rsae_sha384' },
  { hash: id_sha512, saltLength: 64, scheme: 'rsa_pss_rsae_sha512' },
];

const NULL_DER = [0x05, 0x00];

function isNullOrAbsent(p: ArrayBuffer | null | undefined): boolean {
  if (p === undefined || p === null) return true;
  const b = new Uint8Array(p);
  return b.length === 2 && b[0] === NULL_DER[0] && b[1] === NULL_DER[1];
}

/**
 * Decodes a DER signature AlgorithmIdentifier (as in a certificate, or in IKEv2's RFC 7427 §3
 * Signature Authentication Data). Unsupported algorithms have no `scheme`; malformed DER is an
 * X509Error('bad-encoding').
 */
export function decodeSignatureAlgorithm(der: Uint8Array): SignatureAlgorithm {
  let id: AlgorithmIdentifier;
  try {
    wholeTlv(der, TAG_SEQUENCE, 'AlgorithmIdentifier');
    id = AsnConvert.parse(der, AlgorithmIdentifier);
  } catch (e) {
    throw new X509Error('bad-encoding', `AlgorithmIdentifier: ${(e as Error).message}`);
  }
  return signatureAlgorithmFrom(id);
}

/** The DER AlgorithmIdentifier of a signature scheme, as the builder writes it (and openssl does). */
export function encodeSignatureAlgorithm(scheme: SignatureScheme): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(algorithmIdentifierFor(scheme)));
}

/** The typed view of a signature AlgorithmIdentifier. Unsupported algorithms have no `scheme`. */
export function signatureAlgorithmFrom(id: AlgorithmIdentifier): SignatureAlgorithm {
  const parameters = id.parameters ? new Uint8Array(id.parameters) : undefined;
  const base = { oid: id.algorithm, ...(parameters ? { parameters } : {}) };
  const simple = SIMPLE.find((s) => s.oid === id.algorithm);
  if (simple) {
    const ok = simple.parameters === 'absent' ? parameters === undefined : isNullOrAbsent(id.parameters);
    return ok ? { ...base, name: simple.name, scheme: simple.scheme } : { ...base, name: simple.name };
  }
  if (id.algorithm === id_RSASSA_PSS) return { ...base, name: 'RSASSA-PSS', ...pssScheme(parameters) };
  return { ...base, name: OTHER_NAMES[id.algorithm] ?? id.algorithm };
}

/**
 * RFC 4055 §3.1 RSASSA-PSS-params: the scheme when the MGF1 hash is the message hash (SHA-256,
 * -384 or -512) and the trailer field is 1. Any salt length up to 1024 octets is accepted here,
 * as RFC 4055 allows (TLS 1.3 itself signs with a salt as long as the hash).
 */
function pssScheme(parameters: Uint8Array | undefined): { scheme?: SignatureScheme; pssSaltLength?: number } {
  if (!parameters) return {};
  let params: RsaSaPssParams;
  try {
    params = AsnConvert.parse(parameters, RsaSaPssParams);
  } catch {
    throw new X509Error('bad-encoding', 'malformed RSASSA-PSS parameters');
  }
  const hash = params.hashAlgorithm.algorithm;
  if (!isNullOrAbsent(params.hashAlgorithm.parameters) || params.maskGenAlgorithm.algorithm !== id_mgf1) return {};
  const mgfParams = params.maskGenAlgorithm.parameters;
  if (!mgfParams) return {};
  let mgfHash: AlgorithmIdentifier;
  try {
    mgfHash = AsnConvert.parse(mgfParams, AlgorithmIdentifier);
  } catch {
    throw new X509Error('bad-encoding', 'malformed MGF1 parameters');
  }
  const p = PSS.find((x) => x.hash === hash);
  const salt = params.saltLength;
  if (!p || mgfHash.algorithm !== hash || params.trailerField !== 1 || !Number.isSafeInteger(salt) || salt < 0 || salt > 1024) return {};
  return { scheme: p.scheme, pssSaltLength: salt };
}

/** Whether a signature scheme can be checked with a given issuer public key. */
export function schemeFitsKey(scheme: SignatureScheme, key: PublicKey): boolean {
  if (scheme === 'ed25519') return key.type === 'ed25519';
  if (scheme.startsWith('ecdsa_')) return key.type === 'ec';
  return key.type === 'rsa';
}

function hashIdentifier(oid: string): AlgorithmIdentifier {
  return new AlgorithmIdentifier({ algorithm: oid, parameters: new Uint8Array(NULL_DER).buffer });
}

/** The AlgorithmIdentifier a certificate signed with `scheme` carries (for the builder). */
export function algorithmIdentifierFor(scheme: SignatureScheme): AlgorithmIdentifier {
  const simple = SIMPLE.find((s) => s.scheme === scheme);
  if (simple) {
    return new AlgorithmIdentifier({
      algorithm: simple.oid,
      ...(simple.parameters === 'null' ? { parameters: new Uint8Array(NULL_DER).buffer } : {}),
    });
  }
  const pss = PSS.find((p) => p.scheme === scheme);
  if (pss) {
    const params = new RsaSaPssParams({
      hashAlgorithm: hashIdentifier(pss.hash),
      maskGenAlgorithm: new AlgorithmIdentifier({ algorithm: id_mgf1, parameters: AsnConvert.serialize(hashIdentifier(pss.hash)) }),
      saltLength: pss.saltLength,
    });
    return new AlgorithmIdentifier({ algorithm: id_RSASSA_PSS, parameters: AsnConvert.serialize(params) });
  }
  throw new X509Error('unsupported-algorithm', `certificates are not signed with ${scheme} here`);
}

/** The scheme the builder signs with by default for an issuer key. */
export function defaultSchemeFor(key: PublicKey): SignatureScheme {
  switch (key.type) {
    case 'ec':
      return key.curve === 'P-256' ? 'ecdsa_sha256' : key.curve === 'P-384' ? 'ecdsa_sha384' : 'ecdsa_sha512';
    case 'ed25519':
      return 'ed25519';
    case 'rsa':
      return 'rsa_pkcs1_sha256';
  }
}
