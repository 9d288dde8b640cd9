/**
 * Certification path building and validation (RFC 5280 §6.1, without policies and name
 * constraints — a critical extension for either is refused), plus the purpose and server
 * identity checks TLS needs (RFC 5280 §4.2.1.12, RFC 6125 §6).
 *
 * Paths are built from the leaf upwards by issuer name (RFC 5280 §4.1.2.4), through an
 * unordered set of intermediates, using authorityKeyIdentifier/subjectKeyIdentifier to skip
 * candidates whose key cannot be the issuer's (§4.2.1.1), with backtracking and a fixed budget
 * so that a peer's pile of certificates costs bounded CPU. Each complete path is validated in the
 * order openssl's verifier uses, so that the first refusal names the same problem openssl
 * reports: extensions, CA-ness, purpose and path length from the leaf up; then the host name;
 * then signatures and validity periods from the trust anchor down.
 */
import type { Signer } from '../types.js';
import { CryptoError } from '../errors.js';
import { schemeFitsKey } from './algorithms.js';
import { type Certificate, KeyPurpose, type KeyUsageName } from './certificate.js';
import { X509Error } from './errors.js';
import { matchesHostname } from './hostname.js';
import { namesEqual } from './name.js';
import { TrustStore } from './trust-store.js';

export type CertificatePurpose = 'serverAuth' | 'clientAuth';

export interface VerifyChainOptions {
  /** The trust anchors: a TrustStore, or certificates trusted as given. */
  readonly trustAnchors: TrustStore | readonly Certificate[];
  /** Certificates that may be intermediates, in any order (e.g. the rest of a TLS Certificate message). */
  readonly intermediates?: readonly Certificate[];
  /** The verification time (injected; RFC 5280 §6.1.1 (b)). */
  readonly time: Date;
  /** Checks the signatures (a CryptoProvider will do). */
  readonly signer: Pick<Signer, 'verify'>;
  /** A DNS name or an IP address the leaf must be valid for (RFC 6125 §6). */
  readonly hostname?: string;
  /** RFC 6125 §6.4.4 CN fallback; off by default (see ./hostname.ts). */
  readonly commonNameFallback?: boolean;
  /**
   * The leaf's purpose: its extendedKeyUsage, when present, must include it (or
   * anyExtendedKeyUsage), and so must that of every intermediate CA that has one; its keyUsage,
   * when present, must include one of `leafKeyUsage`.
   */
  readonly purpose?: CertificatePurpose;
  /**
   * keyUsage bits of which the leaf must have at least one when keyUsage is present. Default for
   * serverAuth: digitalSignature, keyEncipherment or keyAgreement; for clientAuth:
   * digitalSignature or keyAgreement (openssl's rules). A TLS 1.3 peer should ask for
   * ['digitalSignature'] (RFC 8446 §4.4.2.2).
   */
  readonly leafKeyUsage?: readonly KeyUsageName[];
  /** Most intermediates in a path (default 8). */
  readonly maxIntermediates?: number;
}

export interface VerifiedPath {
  /** The path from the leaf (index 0) to the trust anchor (last). */
  readonly chain: readonly Certificate[];
  readonly trustAnchor: Certificate;
}

/** Extensions processed here (RFC 5280 §4.2: any other critical extension refuses the certificate). */
const HANDLED_EXTENSIONS = new Set([
  '2.5.29.19', // basicConstraints
  '2.5.29.15', // keyUsage
  '2.5.29.37', // extKeyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.35', // authorityKeyIdentifier
]);

const DEFAULT_LEAF_KEY_USAGE: Record<CertificatePurpose, readonly KeyUsageName[]> = {
  serverAuth: ['digitalSignature', 'keyEncipherment', 'keyAgreement'],
  clientAuth: ['digitalSignature', 'keyAgreement'],
};

/** Path-building budget: candidate extensions tried, and complete paths validated. */
const MAX_BUILD_STEPS = 256;
const MAX_PATHS = 16;

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** RFC 5280 §4.2.1.1: a candidate whose subjectKeyIdentifier differs from the child's authorityKeyIdentifier is not its issuer. */
function keyIdentifiersAllow(child: Certificate, candidate: Certificate): boolean {
  const aki = child.extensions.authorityKeyIdentifier;
  const ski = candidate.extensions.subjectKeyIdentifier;
  return !aki || !ski || sameBytes(aki, ski);
}

const isSelfIssued = (c: Certificate): boolean => namesEqual(c.subject, c.issuer);

/**
 * Builds and validates a certification path for `leaf`. Returns the path, or throws an
 * X509Error whose `reason` and `depth` name the first problem found.
 */
export function verifyChain(leaf: Certificate, options: VerifyChainOptions): VerifiedPath {
  // A peer's empty certificate list must end in a typed refusal, not a TypeError.
  if (!leaf) throw new X509Error('bad-encoding', 'no certificate to verify', 0);
  const store = options.trustAnchors instanceof TrustStore ? options.trustAnchors : new TrustStore(options.trustAnchors);
  // Duplicates add nothing but work.
  const intermediates: Certificate[] = [];
  const seen = new Set<string>();
  for (const c of options.intermediates ?? []) {
    const key = c.der.join(',');
    if (!seen.has(key)) {
      seen.add(key);
      intermediates.push(c);
    }
  }
  const maxIntermediates = options.maxIntermediates ?? 8;

  // Path building (depth-first, anchors before intermediates).
  const paths: Certificate[][] = [];
  let deepestIncomplete: Certificate[] = [leaf];
  let steps = 0;
  let tooLong = false;
  const extend = (path: Certificate[]): void => {
    if (paths.length >= MAX_PATHS || ++steps > MAX_BUILD_STEPS) return;
    const current = path[path.length - 1];
    if (store.contains(current)) {
      paths.push(path);
      return;
    }
    let found = false;
    for (const anchor of store.withSubject(current.issuer)) {
      if (!keyIdentifiersAllow(current, anchor) || path.includes(anchor)) continue;
      found = true;
      paths.push([...path, anchor]);
    }
    for (const candidate of intermediates) {
      if (!namesEqual(candidate.subject, current.issuer) || !keyIdentifiersAllow(current, candidate)) continue;
      if (path.some((c) => sameBytes(c.der, candidate.der))) continue;
      found = true;
      if (path.length > maxIntermediates) {
        tooLong = true;
        continue;
      }
      extend([...path, candidate]);
    }
    if (!found && path.length > deepestIncomplete.length) deepestIncomplete = path;
  };
  extend([leaf]);

  if (paths.length === 0) {
    if (tooLong || steps > MAX_BUILD_STEPS) {
      throw new X509Error('chain-too-long', `no path within ${maxIntermediates} intermediates`, deepestIncomplete.length - 1);
    }
    const top = deepestIncomplete[deepestIncomplete.length - 1];
    const depth = deepestIncomplete.length - 1;
    if (isSelfIssued(top)) {
      throw new X509Error('self-signed-not-trusted', `"${top.subject.rfc4514}" is self-signed and not a trust anchor`, depth);
    }
    throw new X509Error('unknown-issuer', `no issuer found for "${top.subject.rfc4514}" (issuer "${top.issuer.rfc4514}")`, depth);
  }

  let firstError: X509Error | undefined;
  for (const path of paths) {
    try {
      validatePath(path, options);
      return { chain: path, trustAnchor: path[path.length - 1] };
    } catch (e) {
      if (!(e instanceof X509Error)) throw e;
      firstError ??= e;
    }
  }
  throw firstError!;
}

/** Validates one complete path [leaf, ..., anchor] (a path of one certificate: the leaf is an anchor). */
function validatePath(path: readonly Certificate[], options: VerifyChainOptions): void {
  const n = path.length - 1;
  const purposeOid = options.purpose ? KeyPurpose[options.purpose] : undefined;

  // 1. Extensions, CA-ness, purpose, path length: leaf first, as openssl's check_chain.
  for (let i = 0; i <= n; i++) {
    const c = path[i];
    const ext = c.extensions;
    for (const e of ext.all) {
      if (e.critical && !HANDLED_EXTENSIONS.has(e.extnID)) {
        throw new X509Error('unhandled-critical-extension', `critical extension ${e.extnID} is not processed`, i);
      }
    }
    if (i === 0) {
      if (purposeOid) {
        const eku = ext.extendedKeyUsage?.purposes;
        if (eku && !eku.includes(purposeOid) && !eku.includes(KeyPurpose.anyExtendedKeyUsage)) {
          throw new X509Error('bad-extended-key-usage', `extendedKeyUsage does not include ${options.purpose}`, 0);
        }
      }
      const wanted = options.leafKeyUsage ?? (options.purpose ? DEFAULT_LEAF_KEY_USAGE[options.purpose] : undefined);
      const ku = ext.keyUsage?.usages;
      if (wanted && ku && !wanted.some((u) => ku.includes(u))) {
        throw new X509Error('bad-key-usage', `keyUsage has none of ${wanted.join(', ')}`, 0);
      }
      continue;
    }
    // RFC 5280 §6.1.4 (k): an issuer must be a CA. A trust anchor without basicConstraints (a
    // version 1 root) is accepted as one, as openssl does.
    const bc = ext.basicConstraints;
    const isAnchor = i === n;
    if (bc ? !bc.cA : !isAnchor) throw new X509Error('not-a-ca', `"${c.subject.rfc4514}" is not a CA`, i);
    // RFC 5280 §6.1.4 (n): keyCertSign when keyUsage is present.
    if (ext.keyUsage && !ext.keyUsage.usages.includes('keyCertSign')) {
      throw new X509Error('bad-key-usage', `"${c.subject.rfc4514}" keyUsage lacks keyCertSign`, i);
    }
    if (purposeOid && !isAnchor) {
      const eku = ext.extendedKeyUsage?.purposes;
      if (eku && !eku.includes(purposeOid) && !eku.includes(KeyPurpose.anyExtendedKeyUsage)) {
        throw new X509Error('bad-extended-key-usage', `CA extendedKeyUsage does not include ${options.purpose}`, i);
      }
    }
    // RFC 5280 §6.1.4 (l), (m): non-self-issued intermediates below this CA ≤ its pathLenConstraint.
    if (bc?.pathLenConstraint !== undefined) {
      let below = 0;
      for (let j = 1; j < i; j++) if (!isSelfIssued(path[j])) below++;
      if (below > bc.pathLenConstraint) {
        throw new X509Error('path-length-exceeded', `${below} CA certificates below a pathLenConstraint of ${bc.pathLenConstraint}`, i);
      }
    }
  }

  // 2. Server identity (RFC 6125 §6).
  if (options.hostname !== undefined && !matchesHostname(path[0], options.hostname, options)) {
    throw new X509Error('hostname-mismatch', `certificate is not valid for "${options.hostname}"`, 0);
  }

  // 3. Signatures (RFC 5280 §6.1.3 (a)(1)) and validity (§6.1.3 (a)(2)), from the anchor down.
  //    The anchor's own signature is not checked: its name and key are trusted as given.
  const now = options.time.getTime();
  for (let i = n; i >= 0; i--) {
    const c = path[i];
    if (i < n) checkSignature(c, path[i + 1], options, i);
    if (now < c.notBefore.getTime()) throw new X509Error('not-yet-valid', `valid from ${c.notBefore.toISOString()}`, i);
    if (now > c.notAfter.getTime()) throw new X509Error('expired', `expired at ${c.notAfter.toISOString()}`, i);
  }
}

function checkSignature(cert: Certificate, issuer: Certificate, options: VerifyChainOptions, depth: number): void {
  const scheme = cert.signatureAlgorithm.scheme;
  if (!scheme) {
    throw new X509Error('unsupported-algorithm', `signature algorithm ${cert.signatureAlgorithm.name} is not supported`, depth);
  }
  const key = issuer.publicKey;
  if (!key) throw new X509Error('unsupported-algorithm', `issuer key algorithm ${issuer.publicKeyAlgorithm} is not supported`, depth + 1);
  let ok = false;
  if (schemeFitsKey(scheme, key)) {
    try {
      const pssSaltLength = cert.signatureAlgorithm.pssSaltLength;
      ok = options.signer.verify(scheme, key, cert.tbsCertificate, cert.signatureValue, {
        ecdsaFormat: 'der',
        ...(pssSaltLength !== undefined ? { pssSaltLength } : {}),
      });
    } catch (e) {
      if (!(e instanceof CryptoError)) throw e;
      ok = false;
    }
  }
  if (!ok) throw new X509Error('bad-signature', `signature of "${cert.subject.rfc4514}" does not verify`, depth);
}
