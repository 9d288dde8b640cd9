/**
 * Authentication by signature with certificates (RFC 7296 §2.15, §3.6, §3.8; RFC 7427):
 *
 * - Digital Signature (Auth Method 14, RFC 7427 §3): Authentication Data = the length of an
 *   ASN.1 AlgorithmIdentifier (one octet) | that AlgorithmIdentifier | the signature, which for
 *   ECDSA is the DER ECDSA-Sig-Value; the signed octets are those of §2.15.
 * - ECDSA with a fixed hash (methods 9, 10, 11, RFC 4754 §7): the signature is r | s.
 * - The signer's certificate comes first in the CERT payloads (X.509 Certificate - Signature,
 *   encoding 4), followed by intermediates; the chain is verified by crypto-primitives' X.509 to
 *   the configured trust anchors, and the identity must be one the certificate holds (RFC 4945
 *   §3.1: ID_RFC822_ADDR, ID_FQDN and ID_IPV*_ADDR in subjectAltName, ID_DER_ASN1_DN the subject).
 */
import {
  decodeSignatureAlgorithm,
  encodeSignatureAlgorithm,
  parseCertificate,
  verifyChain,
  X509Error,
  type Certificate,
  type CryptoProvider,
  type PrivateKey,
  type PublicKey,
  type SignatureScheme,
} from '@layersec/crypto-primitives';
import { bytesEqual, concatBytes } from '@layersec/wire';
import { AuthMethod, CertEncoding, HashAlgorithm, IdType } from '../constants.js';
import type { CertPayload, CertReqPayload } from '../messages/payloads.js';
import type { Identity } from './identity.js';

/** The scheme we sign with for a key, and the RFC 7427 hash it needs the peer to accept. */
function schemeFor(key: PrivateKey): { scheme: SignatureScheme; hash: number } {
  if (key.type === 'ed25519') return { scheme: 'ed25519', hash: HashAlgorithm.IDENTITY };
  if (key.type === 'ec') {
    if (key.curve === 'P-256') return { scheme: 'ecdsa_sha256', hash: HashAlgorithm.SHA2_256 };
    if (key.curve === 'P-384') return { scheme: 'ecdsa_sha384', hash: HashAlgorithm.SHA2_384 };
    return { scheme: 'ecdsa_sha512', hash: HashAlgorithm.SHA2_512 };
  }
  return { scheme: 'rsa_pss_rsae_sha256', hash: HashAlgorithm.SHA2_256 };
}

/**
 * Signs the §2.15 octets with RFC 7427's Digital Signature method. `peerHashes` is the peer's
 * SIGNATURE_HASH_ALGORITHMS; without it, or without the hash we need in it, the method cannot be
 * used (§4), and an error says so.
 */
export function signAuth(provider: CryptoProvider, key: PrivateKey, octets: Uint8Array, peerHashes: readonly number[]): { authMethod: number; authenticationData: Uint8Array } {
  const { scheme, hash } = schemeFor(key);
  if (!peerHashes.includes(hash)) {
    // RFC 7427 §4: without the hash announced, Digital Signature is not used; ECDSA keys fall
    // back to the method of their curve (RFC 4754 §7: ECDSA with r | s).
    if (key.type === 'ec') {
      const method = key.curve === 'P-256' ? AuthMethod.ECDSA_SHA256_P256 : key.curve === 'P-384' ? AuthMethod.ECDSA_SHA384_P384 : AuthMethod.ECDSA_SHA512_P521;
      return { authMethod: method, authenticationData: provider.sign(scheme, key, octets, { ecdsaFormat: 'raw' }) };
    }
    throw new X509Error('unsupported-algorithm', `the peer does not accept hash ${hash} for RFC 7427 signatures`);
  }
  const algorithm = encodeSignatureAlgorithm(scheme);
  const signature = provider.sign(scheme, key, octets, { ecdsaFormat: 'der', random: provider.random });
  return { authMethod: AuthMethod.DIGITAL_SIGNATURE, authenticationData: concatBytes(Uint8Array.of(algorithm.length), algorithm, signature) };
}

const FIXED_ECDSA: Readonly<Record<number, { scheme: SignatureScheme; curve: string }>> = {
  [AuthMethod.ECDSA_SHA256_P256]: { scheme: 'ecdsa_sha256', curve: 'P-256' },
  [AuthMethod.ECDSA_SHA384_P384]: { scheme: 'ecdsa_sha384', curve: 'P-384' },
  [AuthMethod.ECDSA_SHA512_P521]: { scheme: 'ecdsa_sha512', curve: 'P-521' },
};

/** Checks a peer's signature AUTH (methods 9-11 and 14) over `octets` with `key`. Never throws. */
export function verifyAuth(provider: CryptoProvider, authMethod: number, data: Uint8Array, octets: Uint8Array, key: PublicKey): boolean {
  try {
    const fixed = FIXED_ECDSA[authMethod];
    if (fixed !== undefined) {
      if (key.type !== 'ec' || key.curve !== fixed.curve) return false;
      return provider.verify(fixed.scheme, key, octets, data, { ecdsaFormat: 'raw' });
    }
    if (authMethod !== AuthMethod.DIGITAL_SIGNATURE || data.length < 1) return false;
    const length = data[0];
    if (1 + length > data.length) return false;
    const algorithm = decodeSignatureAlgorithm(data.subarray(1, 1 + length));
    const scheme = algorithm.scheme;
    if (scheme === undefined) return false;
    const fits = scheme === 'ed25519' ? key.type === 'ed25519' : scheme.startsWith('ecdsa') ? key.type === 'ec' : key.type === 'rsa';
    if (!fits) return false;
    return provider.verify(scheme, key, octets, data.subarray(1 + length), { ecdsaFormat: 'der' });
  } catch {
    return false;
  }
}

/** CERT payloads for our chain, leaf first (§3.6). */
export function certPayloads(chain: readonly Uint8Array[]): CertPayload[] {
  return chain.map((der) => ({ kind: 'CERT', certEncoding: CertEncoding.X509_CERTIFICATE_SIGNATURE, certificateData: der }));
}

/** CERTREQ for trust anchors: SHA-1 of each anchor's SubjectPublicKeyInfo, concatenated (§3.7). */
export function certReqPayload(provider: CryptoProvider, anchors: readonly Certificate[]): CertReqPayload {
  const sha1 = provider.hash('SHA-1');
  return {
    kind: 'CERTREQ',
    certEncoding: CertEncoding.X509_CERTIFICATE_SIGNATURE,
    certificationAuthority: concatBytes(...anchors.map((a) => sha1.digest(a.subjectPublicKeyInfo))),
  };
}

/** True when the certificate holds the identity (RFC 4945 §3.1). */
export function identityInCertificate(id: Identity, cert: Certificate): boolean {
  const san = cert.extensions.subjectAltName?.names ?? [];
  const text = new TextDecoder().decode(id.identificationData);
  switch (id.idType) {
    case IdType.ID_RFC822_ADDR:
      return san.some((g) => g.type === 'rfc822Name' && g.value.toLowerCase() === text.toLowerCase());
    case IdType.ID_FQDN:
      return san.some((g) => g.type === 'dNSName' && g.value.toLowerCase() === text.toLowerCase());
    case IdType.ID_IPV4_ADDR:
    case IdType.ID_IPV6_ADDR:
      return san.some((g) => g.type === 'iPAddress' && bytesEqual(g.bytes, id.identificationData));
    case IdType.ID_DER_ASN1_DN:
      return false;
    default:
      return false;
  }
}

/**
 * The peer's certificate chain from its CERT payloads, verified to `trustAnchors` at `time`;
 * undefined when there is none, it does not verify, or it does not hold `peerId`.
 */
export function verifyPeerCertificates(
  provider: CryptoProvider,
  certs: readonly CertPayload[],
  trustAnchors: readonly Certificate[],
  peerId: Identity,
  time: Date,
): Certificate | undefined {
  const x509 = certs.filter((c) => c.certEncoding === CertEncoding.X509_CERTIFICATE_SIGNATURE);
  if (x509.length === 0) return undefined;
  try {
    const [leaf, ...intermediates] = x509.map((c) => parseCertificate(c.certificateData));
    verifyChain(leaf, { trustAnchors, intermediates, time, signer: provider });
    if (leaf.publicKey === undefined || !identityInCertificate(peerId, leaf)) return undefined;
    return leaf;
  } catch (e) {
    if (e instanceof X509Error) return undefined;
    throw e;
  }
}
