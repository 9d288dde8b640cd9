/**
 * X.509 certificates (RFC 5280): parsing to a typed view, building for the lab's own CA, trust
 * stores, and certification path validation with host name checks (RFC 6125).
 */
export { X509Error, type X509ErrorReason } from './errors.js';
export {
  parseCertificate,
  parseCertificates,
  certificatesToPem,
  formatIpAddress,
  KeyPurpose,
  KEY_USAGE_BITS,
  MAX_CERTIFICATE_LENGTH,
  type Certificate,
  type CertificateExtensions,
  type Extension,
  type GeneralName,
  type KeyUsageName,
} from './certificate.js';
export {
  formatRfc4514,
  parseRfc4514,
  namesEqual,
  type AttributeTypeAndValue,
  type DistinguishedName,
  type NameInput,
  type RelativeDistinguishedNameValue,
} from './name.js';
export { decodeSignatureAlgorithm, encodeSignatureAlgorithm, type SignatureAlgorithm } from './algorithms.js';
export { matchesHostname, dnsNameMatches, parseIpAddress, type HostnameOptions } from './hostname.js';
export { TrustStore, loadTrustStore } from './trust-store.js';
export { verifyChain, type VerifyChainOptions, type VerifiedPath, type CertificatePurpose } from './verify.js';
export {
  buildCertificate,
  createRootCertificate,
  issueIntermediateCertificate,
  issueServerCertificate,
  issueClientCertificate,
  type CertificateTemplate,
  type CertificateSigner,
  type CertificateAuthority,
  type SubjectAltNames,
  type ProfileOptions,
  type EndEntityOptions,
} from './build.js';
