/**
 * Signatures for the `noble` provider: ECDSA (FIPS 186-5, RFC 6979 deterministic nonces) on
 * @noble/curves P-256/P-384/P-521, Ed25519 (RFC 8032 §5.1, pure) on @noble/curves, and RSA
 * PKCS#1 v1.5 / RSA-PSS (RFC 8017) on BigInt from ../rsa. Scheme names are TLS 1.3's
 * (RFC 8446 §4.2.3).
 */
import { ecdsa, type ECDSA } from '@noble/curves/abstract/weierstrass.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { constantTimeEqual } from '../constant-time.js';
import { CryptoError } from '../errors.js';
import { secureRandom } from '../random.js';
import {
  checkRsaPrivateKey,
  checkRsaPublicKey,
  rsassaPkcs1v15Sign,
  rsassaPkcs1v15Verify,
  rsassaPssSign,
  rsassaPssVerify,
  type DigestAlgorithm,

} from '../rsa/index.js';
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
import { schemeParameters } from '../signature-schemes.js';



export type SignatureOperations = Pick<CryptoProvider, 'sign' | 'verify' | 'generateSigningKey'>;

const NOBLE_HASHES = { 'SHA-1': sha1, 'SHA-256': sha256, 'SHA-384': sha384, 'SHA-512': sha512 } as const;

const DIGESTS: Readonly<Record<HashName, DigestAlgorithm>> = {
  'SHA-1': { name: 'SHA-1', outputLength: 20, digest: (data) => sha1(data) },
  'SHA-256': { name: 'SHA-256', outputLength: 32, digest: (data) => sha256(data) },
  'SHA-384': { name: 'SHA-384', outputLength: 48, digest: (data) => sha384(data) },
  'SHA-512': { name: 'SHA-512', outputLength: 64, digest: (data) => sha512(data) },
};

const CURVES: Readonly<Record<NamedCurve, { ecdsa: ECDSA; fieldLength: number }>> = {
  'P-256': { ecdsa: p256, fieldLength: 32 },
  'P-384': { ecdsa: p384, fieldLength: 48 },
  'P-521': { ecdsa: p521, fieldLength: 66 },
};

/**
 * One ECDSA instance per (curve, hash): RFC 6979 §3.2 runs HMAC_DRBG with the same hash H as
 * the message digest, so ecdsa_sha1 on P-256 uses HMAC-SHA-1 for k.
 */
const ecdsaInstances = new Map<string, ECDSA>();
function ecdsaFor(curve: NamedCurve, hash: HashName): ECDSA {
  const id = `${curve}/${hash}`;
  let instance = ecdsaInstances.get(id);
  if (instance === undefined) {
    instance = ecdsa(CURVES[curve].ecdsa.Point, NOBLE_HASHES[hash]);
    ecdsaInstances.set(id, instance);
  }
  return instance;
}

function isNamedCurve(curve: unknown): curve is NamedCurve {
  return curve === 'P-256' || curve === 'P-384' || curve === 'P-521';
}

/** Keys that passed their shape checks (keys are immutable: `readonly` throughout). */
const checkedKeys = new WeakSet<object>();

/** SEC 1 §2.3.3 uncompressed point, on the curve (SEC 1 §3.2.2.1). */
function checkEcPublicPoint(curve: NamedCurve, point: Uint8Array): void {
  const { ecdsa: c, fieldLength } = CURVES[curve];
  if (!(point instanceof Uint8Array) || point.length !== 1 + 2 * fieldLength || point[0] !== 0x04) {
    throw new CryptoError('invalid-public-key', `${curve} public key must be an uncompressed point of ${1 + 2 * fieldLength} octets`);
  }
  try {
    c.Point.fromBytes(point).assertValidity();
  } catch {
    throw new CryptoError('invalid-public-key', `${curve} public key is not a point on the curve`);
  }
}

function checkPublicKey(key: PublicKey): void {
  if (checkedKeys.has(key)) return;
  switch (key.type) {
    case 'ec':
      if (!isNamedCurve(key.curve)) throw new CryptoError('unsupported', `curve ${String(key.curve)}`);
      checkEcPublicPoint(key.curve, key.point);
      break;
    case 'ed25519':
      if (!(key.key instanceof Uint8Array) || key.key.length !== 32) {
        throw new CryptoError('invalid-public-key', 'Ed25519 public key must be 32 octets');
      }
      try {
        // RFC 8032 §5.1.3: decoding fails for a y ≥ p or an x that does not exist.
        ed25519.Point.fromBytes(key.key, false);
      } catch {
        throw new CryptoError('invalid-public-key', 'Ed25519 public key does not decode to a point');
      }
      break;
    case 'rsa':
      checkRsaPublicKey(key);
      break;
    default:
      throw new CryptoError('unsupported', `key type ${String((key as { type: unknown }).type)}`);
  }
  checkedKeys.add(key);
}

function checkPrivateKey(key: PrivateKey): void {
  if (checkedKeys.has(key)) return;
  switch (key.type) {
    case 'ec': {
      if (!isNamedCurve(key.curve)) throw new CryptoError('unsupported', `curve ${String(key.curve)}`);
      const c = CURVES[key.curve];
      if (!(key.d instanceof Uint8Array) || key.d.length !== c.fieldLength || !c.ecdsa.utils.isValidSecretKey(key.d)) {
        throw new CryptoError('invalid-private-key', `${key.curve} private key must be ${c.fieldLength} octets in [1, n-1]`);
      }
      checkEcPublicPoint(key.curve, key.publicKey);
      if (!constantTimeEqual(c.ecdsa.getPublicKey(key.d, false), key.publicKey)) {
        throw new CryptoError('invalid-private-key', `${key.curve} public key does not belong to the private key`);
      }
      break;
    }
    case 'ed25519':
      if (!(key.seed instanceof Uint8Array) || key.seed.length !== 32) {
        throw new CryptoError('invalid-private-key', 'Ed25519 private key (seed) must be 32 octets');
      }
      if (!(key.publicKey instanceof Uint8Array) || !constantTimeEqual(ed25519.getPublicKey(key.seed), key.publicKey)) {
        throw new CryptoError('invalid-private-key', 'Ed25519 public key does not belong to the private key');
      }
      break;
    case 'rsa':
      checkRsaPrivateKey(key);
      break;
    default:
      throw new CryptoError('unsupported', `key type ${String((key as { type: unknown }).type)}`);
  }
  checkedKeys.add(key);
}

function mismatch(scheme: SignatureScheme, keyType: string): CryptoError {
  return new CryptoError('unsupported', `scheme ${scheme} cannot be used with a ${keyType} key`);
}

function sign(
  scheme: SignatureScheme,
  key: PrivateKey,
  message: Uint8Array,
  options: SignOptions = {},
): Uint8Array {
  const parameters = schemeParameters(scheme);
  checkPrivateKey(key);
  switch (parameters.family) {
    case 'ecdsa': {
      if (key.type !== 'ec' || (parameters.curve !== undefined && parameters.curve !== key.curve)) {
        throw mismatch(scheme, key.type === 'ec' ? key.curve : key.type);
      }
      // RFC 6979 deterministic k (no extra entropy); s is left as computed (no low-S rule).
      return ecdsaFor(key.curve, parameters.hash).sign(message, key.d, {
        prehash: true,
        lowS: false,
        extraEntropy: false,
        format: options.ecdsaFormat === 'raw' ? 'compact' : 'der',
      });
    }
    case 'ed25519':
      if (key.type !== 'ed25519') throw mismatch(scheme, key.type);
      return ed25519.sign(message, key.seed);
    case 'rsa-pkcs1':
      if (key.type !== 'rsa') throw mismatch(scheme, key.type);
      return rsassaPkcs1v15Sign(DIGESTS[parameters.hash], key, message, options.random ?? secureRandom);
    case 'rsa-pss':
      if (key.type !== 'rsa') throw mismatch(scheme, key.type);
      return rsassaPssSign(
        DIGESTS[parameters.hash],
        key,
        message,
        options.random ?? secureRandom,
        options.pssSaltLength ?? DIGESTS[parameters.hash].outputLength,
      );
  }
}

function verifyEcdsa(
  curve: NamedCurve,
  hash: HashName,
  point: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  format: 'der' | 'raw',
): boolean {
  const { ecdsa: c, fieldLength } = CURVES[curve];
  let r: bigint;
  let s: bigint;
  try {
    if (format === 'raw') {
      // IKEv2 (RFC 7427 §3, RFC 4754 §7): r || s, each exactly the field length.
      if (signature.length !== 2 * fieldLength) return false;
    }
    // Strict DER (ECDSA-Sig-Value, RFC 3279 §2.2.3) or fixed-length r || s; noble refuses
    // trailing data, non-minimal lengths and integers, and r or s outside [1, n-1].
    ({ r, s } = c.Signature.fromBytes(signature, format === 'raw' ? 'compact' : 'der'));
  } catch {
    return false;
  }
  const n = c.Point.Fn.ORDER;
  if (r <= 0n || r >= n || s <= 0n || s >= n) return false;
  const compact = new c.Signature(r, s).toBytes('compact');
  try {
    // High-S signatures are valid ECDSA signatures and OpenSSL produces them: lowS false.
    return ecdsaFor(curve, hash).verify(compact, message, point, { prehash: true, lowS: false, format: 'compact' });
  } catch {
    return false;
  }
}

function verify(
  scheme: SignatureScheme,
  key: PublicKey,
  message: Uint8Array,
  signature: Uint8Array,
  options: VerifyOptions = {},
): boolean {
  const parameters = schemeParameters(scheme);
  checkPublicKey(key);
  if (!(signature instanceof Uint8Array) || !(message instanceof Uint8Array)) return false;
  switch (parameters.family) {
    case 'ecdsa':
      // A curve-bound scheme with a key on another curve is a signature that does not verify.
      if (key.type !== 'ec' || (parameters.curve !== undefined && parameters.curve !== key.curve)) return false;
      return verifyEcdsa(key.curve, parameters.hash, key.point, message, signature, options.ecdsaFormat ?? 'der');
    case 'ed25519':
      if (key.type !== 'ed25519' || signature.length !== 64) return false;
      try {
        // RFC 8032 §5.1.7 as written (zip215: false): S < L, canonical R and A encodings.
        return ed25519.verify(signature, message, key.key, { zip215: false });
      } catch {
        return false;
      }
    case 'rsa-pkcs1':
      if (key.type !== 'rsa') return false;
      return rsassaPkcs1v15Verify(DIGESTS[parameters.hash], key, message, signature);
    case 'rsa-pss':
      if (key.type !== 'rsa') return false;
      return rsassaPssVerify(DIGESTS[parameters.hash], key, message, signature, options.pssSaltLength);
  }
}

/**
 * EC keys: FIPS 186-5 §A.2.1 — d = (c mod (n − 1)) + 1 from 64 more random bits than n has
 * (noble's randomSecretKey with a seed drawn from `random`). Ed25519: a 32-octet seed
 * (RFC 8032 §5.1.5). RSA key generation is not offered by this provider.
 */
function generateSigningKey(
  spec: { type: 'ec'; curve: NamedCurve } | { type: 'ed25519' } | { type: 'rsa'; bits: number },
  random: RandomSource = secureRandom,
): PrivateKey {
  switch (spec.type) {
    case 'ec': {
      if (!isNamedCurve(spec.curve)) throw new CryptoError('unsupported', `curve ${String(spec.curve)}`);
      const c = CURVES[spec.curve].ecdsa;
      const seedLength = c.lengths.seed;
      if (seedLength === undefined) throw new CryptoError('unsupported', `key generation on ${spec.curve}`);
      const d = c.utils.randomSecretKey(random.randomBytes(seedLength));
      return { type: 'ec', curve: spec.curve, d, publicKey: c.getPublicKey(d, false) };
    }
    case 'ed25519': {
      const seed = random.randomBytes(32);
      return { type: 'ed25519', seed, publicKey: ed25519.getPublicKey(seed) };
    }
    case 'rsa':
      throw new CryptoError('unsupported', 'RSA key generation is not offered by the noble provider; use the node provider');
    default:
      throw new CryptoError('unsupported', `key type ${String((spec as { type: unknown }).type)}`);
  }
}

export const nobleSignatures: SignatureOperations = { sign, verify, generateSigningKey };
