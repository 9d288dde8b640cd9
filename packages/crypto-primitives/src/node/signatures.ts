/**
 * Signatures for the `node` provider, through node:crypto (OpenSSL): ECDSA P-256/P-384/P-521
 * (DER or IEEE P1363 r||s), Ed25519 (RFC 8032), RSASSA-PKCS1-v1_5 and RSASSA-PSS (RFC 8017).
 * Scheme names are TLS 1.3's (RFC 8446 §4.2.3). Keys arrive as layersec's key objects, are
 * imported once as JWK (RFC 7517/7518) and kept as KeyObjects per key object.
 *
 * Differences from the noble provider, by OpenSSL's design: ECDSA nonces are random (not
 * RFC 6979), RSA-PSS salts come from OpenSSL's CSPRNG (`options.random` is not used), and key
 * generation uses OpenSSL's CSPRNG (the `random` argument is not used).
 */
import {
  constants,
  createECDH,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as nodeSign,
  verify as nodeVerify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { CryptoError } from '../errors.js';
import { modInverse, modPow } from '../rsa/integers.js';
import type {
  CryptoProvider,
  HashName,
  NamedCurve,
  PrivateKey,
  PublicKey,
  RandomSource,
  SignatureScheme,
  SignOptions,
  VerifyOptions,
} from '../types.js';
import { schemeParameters, type SchemeParameters } from '../signature-schemes.js';

export type SignatureOperations = Pick<CryptoProvider, 'sign' | 'verify' | 'generateSigningKey'>;


/** OpenSSL digest names. */
const OPENSSL_DIGEST: Readonly<Record<HashName, string>> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

const HASH_LENGTH: Readonly<Record<HashName, number>> = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

const FIELD_LENGTH: Readonly<Record<NamedCurve, number>> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };

/** OpenSSL curve names. */
const OPENSSL_CURVE: Readonly<Record<NamedCurve, string>> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };

/** Smallest and largest RSA modulus accepted, in bits, and the largest public exponent. */
const MIN_MODULUS_BITS = 1024;
const MAX_MODULUS_BITS = 16384;
const MAX_PUBLIC_EXPONENT_BITS = 64;

function isNamedCurve(curve: unknown): curve is NamedCurve {
  return curve === 'P-256' || curve === 'P-384' || curve === 'P-521';
}

/**
 * RFC 8032 §5.1.3 decoding of an Ed25519 public key, as a yes/no: y < p, and
 * x² = (y² − 1)/(d·y² + 1) has a root (Euler's criterion), which is not 0 when x_0 = 1.
 * OpenSSL does not check this when a key is imported, so it is done here, as the noble
 * provider does, to refuse such a key the same way on both providers.
 */
const ED25519_P = (1n << 255n) - 19n;
const ED25519_D = ((ED25519_P - 121665n) * (modInverse(121666n, ED25519_P) ?? 0n)) % ED25519_P;
function isEd25519Point(encoded: Uint8Array): boolean {
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? encoded[i] & 0x7f : encoded[i]);
  const x0 = encoded[31] >> 7;
  if (y >= ED25519_P) return false;
  const y2 = (y * y) % ED25519_P;
  const u = (y2 - 1n + ED25519_P) % ED25519_P;
  const v = (ED25519_D * y2 + 1n) % ED25519_P;
  const x2 = (u * (modInverse(v, ED25519_P) ?? 0n)) % ED25519_P;
  if (x2 === 0n) return x0 === 0;
  return modPow(x2, (ED25519_P - 1n) / 2n, ED25519_P) === 1n;
}

// ---- JWK encoding of layersec key objects (RFC 7518 §6.2, §6.3; RFC 8037 §2) ----

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function fromBase64url(text: string | undefined, what: string): Uint8Array {
  if (typeof text !== 'string') throw new CryptoError('bad-encoding', `exported JWK lacks ${what}`);
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** RFC 7518 §6.3: Base64urlUInt, the minimal big-endian octets of a positive integer. */
function base64urlUInt(x: bigint): string {
  let hex = x.toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  return Buffer.from(hex, 'hex').toString('base64url');
}

function bigintFromBase64url(text: string | undefined, what: string): bigint {
  const bytes = fromBase64url(text, what);
  return bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex'));
}

function ecCoordinates(curve: NamedCurve, point: Uint8Array): { x: string; y: string } {
  const length = FIELD_LENGTH[curve];
  if (!(point instanceof Uint8Array) || point.length !== 1 + 2 * length || point[0] !== 0x04) {
    throw new CryptoError('invalid-public-key', `${curve} public key must be an uncompressed point of ${1 + 2 * length} octets`);
  }
  return { x: base64url(point.subarray(1, 1 + length)), y: base64url(point.subarray(1 + length)) };
}

function checkRsaPublicValues(n: bigint, e: bigint): void {
  if (typeof n !== 'bigint' || typeof e !== 'bigint') throw new CryptoError('invalid-public-key', 'RSA n and e must be bigint');
  const bits = bitLength(n);
  if (bits < MIN_MODULUS_BITS || bits > MAX_MODULUS_BITS) {
    throw new CryptoError('invalid-public-key', `RSA modulus of ${bits} bits is outside ${MIN_MODULUS_BITS}..${MAX_MODULUS_BITS}`);
  }
  if ((n & 1n) === 0n) throw new CryptoError('invalid-public-key', 'RSA modulus is even');
  if (e < 3n || (e & 1n) === 0n || e >= n || bitLength(e) > MAX_PUBLIC_EXPONENT_BITS) {
    throw new CryptoError('invalid-public-key', 'RSA public exponent out of range');
  }
}

function publicJwk(key: PublicKey): JsonWebKey {
  switch (key.type) {
    case 'ec':
      if (!isNamedCurve(key.curve)) throw new CryptoError('unsupported', `curve ${String(key.curve)}`);
      return { kty: 'EC', crv: key.curve, ...ecCoordinates(key.curve, key.point) };
    case 'ed25519':
      if (!(key.key instanceof Uint8Array) || key.key.length !== 32) {
        throw new CryptoError('invalid-public-key', 'Ed25519 public key must be 32 octets');
      }
      if (!isEd25519Point(key.key)) throw new CryptoError('invalid-public-key', 'Ed25519 public key does not decode to a point');
      return { kty: 'OKP', crv: 'Ed25519', x: base64url(key.key) };
    case 'rsa':
      checkRsaPublicValues(key.n, key.e);
      return { kty: 'RSA', n: base64urlUInt(key.n), e: base64urlUInt(key.e) };
    default:
      throw new CryptoError('unsupported', `key type ${String((key as { type: unknown }).type)}`);
  }
}

function privateJwk(key: PrivateKey): JsonWebKey {
  switch (key.type) {
    case 'ec': {
      if (!isNamedCurve(key.curve)) throw new CryptoError('unsupported', `curve ${String(key.curve)}`);
      if (!(key.d instanceof Uint8Array) || key.d.length !== FIELD_LENGTH[key.curve]) {
        throw new CryptoError('invalid-private-key', `${key.curve} private key must be ${FIELD_LENGTH[key.curve]} octets`);
      }
      return { kty: 'EC', crv: key.curve, d: base64url(key.d), ...ecCoordinates(key.curve, key.publicKey) };
    }
    case 'ed25519':
      if (!(key.seed instanceof Uint8Array) || key.seed.length !== 32) {
        throw new CryptoError('invalid-private-key', 'Ed25519 private key (seed) must be 32 octets');
      }
      if (!(key.publicKey instanceof Uint8Array) || key.publicKey.length !== 32) {
        throw new CryptoError('invalid-private-key', 'Ed25519 public key must be 32 octets');
      }
      return { kty: 'OKP', crv: 'Ed25519', d: base64url(key.seed), x: base64url(key.publicKey) };
    case 'rsa': {
      checkRsaPublicValues(key.n, key.e);
      const { n, p, q, d, dp, dq, qi } = key;
      for (const v of [p, q, d, dp, dq, qi]) {
        if (typeof v !== 'bigint' || v <= 0n) throw new CryptoError('invalid-private-key', 'RSA private values must be positive bigint');
      }
      if (p * q !== n) throw new CryptoError('invalid-private-key', 'RSA n is not p·q');
      if (dp >= p || dq >= q || qi >= p || d >= n) throw new CryptoError('invalid-private-key', 'RSA CRT values out of range');
      return {
        kty: 'RSA',
        n: base64urlUInt(n),
        e: base64urlUInt(key.e),
        d: base64urlUInt(d),
        p: base64urlUInt(p),
        q: base64urlUInt(q),
        dp: base64urlUInt(dp),
        dq: base64urlUInt(dq),
        qi: base64urlUInt(qi),
      };
    }
    default:
      throw new CryptoError('unsupported', `key type ${String((key as { type: unknown }).type)}`);
  }
}

/** OpenSSL's KeyObjects, one per layersec key object (keys are immutable). */
const privateKeyObjects = new WeakMap<PrivateKey, KeyObject>();
const publicKeyObjects = new WeakMap<PublicKey, KeyObject>();

function privateKeyObject(key: PrivateKey): KeyObject {
  let keyObject = privateKeyObjects.get(key);
  if (keyObject === undefined) {
    const jwk = privateJwk(key);
    try {
      keyObject = createPrivateKey({ key: jwk, format: 'jwk' });
    } catch (error) {
      throw new CryptoError('invalid-private-key', `OpenSSL refused the ${key.type} key: ${(error as Error).message}`);
    }
    if (key.type === 'ec') {
      // SEC 1 §3.2.1: the public key must be d·G for this d.
      let derived: Uint8Array;
      try {
        const ecdh = createECDH(OPENSSL_CURVE[key.curve]);
        ecdh.setPrivateKey(key.d);
        derived = ecdh.getPublicKey();
      } catch {
        throw new CryptoError('invalid-private-key', `${key.curve} private key out of range`);
      }
      if (Buffer.compare(derived, key.publicKey) !== 0) {
        throw new CryptoError('invalid-private-key', `${key.curve} public key does not belong to the private key`);
      }
    }
    if (key.type === 'ed25519') {
      // OpenSSL derives the public key from the seed; the one we were given must be it.
      const derived = keyObject.export({ format: 'jwk' }).x;
      if (derived !== jwk.x) throw new CryptoError('invalid-private-key', 'Ed25519 public key does not belong to the private key');
    }
    privateKeyObjects.set(key, keyObject);
  }
  return keyObject;
}

function publicKeyObject(key: PublicKey): KeyObject {
  let keyObject = publicKeyObjects.get(key);
  if (keyObject === undefined) {
    const jwk = publicJwk(key);
    try {
      keyObject = createPublicKey({ key: jwk, format: 'jwk' });
    } catch (error) {
      throw new CryptoError('invalid-public-key', `OpenSSL refused the ${key.type} key: ${(error as Error).message}`);
    }
    publicKeyObjects.set(key, keyObject);
  }
  return keyObject;
}

function mismatch(scheme: SignatureScheme, keyType: string): CryptoError {
  return new CryptoError('unsupported', `scheme ${scheme} cannot be used with a ${keyType} key`);
}

function openSslSign(
  parameters: SchemeParameters,
  keyObject: KeyObject,
  message: Uint8Array,
  options: SignOptions,
): Buffer {
  switch (parameters.family) {
    case 'ecdsa':
      return nodeSign(OPENSSL_DIGEST[parameters.hash], message, {
        key: keyObject,
        dsaEncoding: options.ecdsaFormat === 'raw' ? 'ieee-p1363' : 'der',
      });
    case 'ed25519':
      return nodeSign(null, message, keyObject);
    case 'rsa-pkcs1':
      return nodeSign(OPENSSL_DIGEST[parameters.hash], message, { key: keyObject, padding: constants.RSA_PKCS1_PADDING });
    case 'rsa-pss':
      return nodeSign(OPENSSL_DIGEST[parameters.hash], message, {
        key: keyObject,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: options.pssSaltLength ?? HASH_LENGTH[parameters.hash],
      });
  }
}

function sign(
  scheme: SignatureScheme,
  key: PrivateKey,
  message: Uint8Array,
  options: SignOptions = {},
): Uint8Array {
  const parameters = schemeParameters(scheme);
  const keyObject = privateKeyObject(key);
  switch (parameters.family) {
    case 'ecdsa':
      if (key.type !== 'ec' || (parameters.curve !== undefined && parameters.curve !== key.curve)) {
        throw mismatch(scheme, key.type === 'ec' ? key.curve : key.type);
      }
      break;
    case 'ed25519':
      if (key.type !== 'ed25519') throw mismatch(scheme, key.type);
      break;
    case 'rsa-pkcs1':
    case 'rsa-pss':
      if (key.type !== 'rsa') throw mismatch(scheme, key.type);
      break;
  }
  let signature: Buffer;
  try {
    signature = openSslSign(parameters, keyObject, message, options);
  } catch (error) {
    // E.g. an RSA-PSS salt that does not fit the modulus (RFC 8017 §9.1.1 step 3).
    throw new CryptoError('bad-length', `OpenSSL refused to sign: ${(error as Error).message}`);
  }
  // A copy: a Buffer may be a view into a larger pooled ArrayBuffer.
  return new Uint8Array(signature);
}

function verify(
  scheme: SignatureScheme,
  key: PublicKey,
  message: Uint8Array,
  signature: Uint8Array,
  options: VerifyOptions = {},
): boolean {
  const parameters = schemeParameters(scheme);
  const keyObject = publicKeyObject(key);
  if (!(signature instanceof Uint8Array) || !(message instanceof Uint8Array)) return false;
  try {
    switch (parameters.family) {
      case 'ecdsa': {
        if (key.type !== 'ec' || (parameters.curve !== undefined && parameters.curve !== key.curve)) return false;
        const raw = options.ecdsaFormat === 'raw';
        if (raw && signature.length !== 2 * FIELD_LENGTH[key.curve]) return false;
        return nodeVerify(
          OPENSSL_DIGEST[parameters.hash],
          message,
          { key: keyObject, dsaEncoding: raw ? 'ieee-p1363' : 'der' },
          signature,
        );
      }
      case 'ed25519':
        if (key.type !== 'ed25519') return false;
        return nodeVerify(null, message, keyObject, signature);
      case 'rsa-pkcs1':
        if (key.type !== 'rsa') return false;
        return nodeVerify(
          OPENSSL_DIGEST[parameters.hash],
          message,
          { key: keyObject, padding: constants.RSA_PKCS1_PADDING },
          signature,
        );
      case 'rsa-pss': {
        if (key.type !== 'rsa') return false;
        const saltLength = options.pssSaltLength ?? HASH_LENGTH[parameters.hash];
        return nodeVerify(
          OPENSSL_DIGEST[parameters.hash],
          message,
          {
            key: keyObject,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: saltLength === 'any' ? constants.RSA_PSS_SALTLEN_AUTO : saltLength,
          },
          signature,
        );
      }
    }
  } catch {
    // OpenSSL reports some malformed signatures as errors rather than as a failed check.
    return false;
  }
}

/** Key generation with OpenSSL (`random` is not used: OpenSSL draws from its own CSPRNG). */
function generateSigningKey(
  spec: { type: 'ec'; curve: NamedCurve } | { type: 'ed25519' } | { type: 'rsa'; bits: number },
  _random?: RandomSource,
): PrivateKey {
  switch (spec.type) {
    case 'ec': {
      if (!isNamedCurve(spec.curve)) throw new CryptoError('unsupported', `curve ${String(spec.curve)}`);
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: spec.curve });
      const jwk = privateKey.export({ format: 'jwk' });
      const length = FIELD_LENGTH[spec.curve];
      const x = fromBase64url(jwk.x, 'x');
      const y = fromBase64url(jwk.y, 'y');
      const d = fromBase64url(jwk.d, 'd');
      if (x.length !== length || y.length !== length || d.length !== length) {
        throw new CryptoError('bad-encoding', 'exported EC JWK has unexpected lengths');
      }
      const publicKey = new Uint8Array(1 + 2 * length);
      publicKey[0] = 0x04;
      publicKey.set(x, 1);
      publicKey.set(y, 1 + length);
      const key: PrivateKey = { type: 'ec', curve: spec.curve, d, publicKey };
      privateKeyObjects.set(key, privateKey);
      return key;
    }
    case 'ed25519': {
      const { privateKey } = generateKeyPairSync('ed25519');
      const jwk = privateKey.export({ format: 'jwk' });
      const key: PrivateKey = { type: 'ed25519', seed: fromBase64url(jwk.d, 'd'), publicKey: fromBase64url(jwk.x, 'x') };
      privateKeyObjects.set(key, privateKey);
      return key;
    }
    case 'rsa': {
      const bits = spec.bits;
      if (!Number.isInteger(bits) || bits < 2048 || bits > MAX_MODULUS_BITS) {
        throw new CryptoError('unsupported', `RSA keys of ${bits} bits (2048..${MAX_MODULUS_BITS} are offered)`);
      }
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 65537 });
      const jwk = privateKey.export({ format: 'jwk' });
      const key: PrivateKey = {
        type: 'rsa',
        n: bigintFromBase64url(jwk.n, 'n'),
        e: bigintFromBase64url(jwk.e, 'e'),
        d: bigintFromBase64url(jwk.d, 'd'),
        p: bigintFromBase64url(jwk.p, 'p'),
        q: bigintFromBase64url(jwk.q, 'q'),
        dp: bigintFromBase64url(jwk.dp, 'dp'),
        dq: bigintFromBase64url(jwk.dq, 'dq'),
        qi: bigintFromBase64url(jwk.qi, 'qi'),
      };
      privateKeyObjects.set(key, privateKey);
      return key;
    }
    default:
      throw new CryptoError('unsupported', `key type ${String((spec as { type: unknown }).type)}`);
  }
}

export const nodeSignatures: SignatureOperations = { sign, verify, generateSigningKey };
