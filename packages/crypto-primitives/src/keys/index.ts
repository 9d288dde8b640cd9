/**
 * Key files: PEM (RFC 7468) and DER private keys (PKCS#8, SEC1, PKCS#1) and public keys
 * (SubjectPublicKeyInfo, PKCS#1), to and from the PrivateKey/PublicKey types of ../types.ts.
 */
export { decodePem, encodePem, base64Decode, base64Encode, type PemBlock } from './pem.js';
export {
  parsePrivateKey,
  parsePublicKey,
  decodePrivateKeyDer,
  encodePrivateKey,
  privateKeyToPem,
  publicKeyToPem,
  decodeSubjectPublicKeyInfo,
  encodeSubjectPublicKeyInfo,
  publicKeyOf,
  type PrivateKeyFormat,
} from './keys.js';
