/**
 * RSA signatures on BigInt (RFC 8017): RSASSA-PKCS1-v1_5 and RSASSA-PSS with MGF1, for the
 * pure-TypeScript provider (noble has no RSA). The private operation uses the CRT form with
 * blinding and checks its result before releasing it.
 */
export { rsassaPkcs1v15Sign, rsassaPkcs1v15Verify, rsassaPssSign, rsassaPssVerify } from './rsassa.js';
export { emsaPkcs1v15Encode, DIGEST_INFO_PREFIX } from './emsa-pkcs1-v1_5.js';
export { emsaPssEncode, emsaPssVerify, mgf1, type DigestAlgorithm, type PssSaltLength } from './emsa-pss.js';
export { rsasp1, rsavp1 } from './primitives.js';
export { checkRsaPrivateKey, checkRsaPublicKey, type RsaPrivateKey, type RsaPublicKey } from './keys.js';
export { i2osp, os2ip, modPow, modInverse, bitLength } from './integers.js';
