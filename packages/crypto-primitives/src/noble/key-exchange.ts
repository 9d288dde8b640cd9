/**
 * Key exchange on @noble/curves and BigInt: X25519 and X448 (RFC 7748), ECDH on the NIST curves
 * P-256/P-384/P-521 (SEC 1 §3.3.1, as TLS 1.3 uses it in RFC 8446 §7.4.2 and IKEv2 in RFC 5903),
 * and the RFC 3526 MODP groups (RFC 7296 §3.4 key exchange data).
 *
 * Encodings follow `KeyExchange` in ../types.ts. Private keys are drawn from the `RandomSource`
 * given, so that tests and RFC trace replays are deterministic, in the same way as the node
 * provider draws them: the same random bytes give the same key pair in both providers.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { x448 } from '@noble/curves/ed448.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { CryptoError } from '../errors.js';
import { MODP_GROUPS, modpPeerValue, modpPrivateExponent, type ModpGroup } from '../modp.js';
import { secureRandom } from '../random.js';
import type { KeyExchange, KeyExchangeGroup, KeyPair, RandomSource } from '../types.js';

/** How many candidate scalars `generateKeyPair` draws before giving up (each fails with p < 2^-32). */
const MAX_DRAWS = 64;

type Montgomery = typeof x25519;
type Weierstrass = typeof p256;

function montgomeryExchange(group: 'x25519' | 'x448', curve: Montgomery, length: number): KeyExchange {
  const checkPrivate = (privateKey: Uint8Array): void => {
    if (privateKey.length !== length) {
      throw new CryptoError('invalid-private-key', `${group} private key must be ${length} bytes`);
    }
  };
  const publicKeyFor = (privateKey: Uint8Array): Uint8Array => {
    checkPrivate(privateKey);
    return Uint8Array.from(curve.getPublicKey(privateKey));
  };
  return {
    group,
    publicKeyLength: length,
    sharedSecretLength: length,
    generateKeyPair(random: RandomSource = secureRandom): KeyPair {
      // RFC 7748 §6: the private key is `length` random bytes; clamping happens in the ladder.
      const privateKey = random.randomBytes(length);
      return { privateKey, publicKey: publicKeyFor(privateKey) };
    },
    publicKeyFor,
    computeSharedSecret(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
      checkPrivate(privateKey);
      if (peerPublicKey.length !== length) {
        throw new CryptoError('invalid-public-key', `${group} public key must be ${length} bytes`);
      }
      let shared: Uint8Array;
      try {
        // RFC 7748 §5: non-canonical u-coordinates are reduced, the top bit of an X25519 u masked.
        shared = Uint8Array.from(curve.scalarMult(privateKey, peerPublicKey));
      } catch {
        // noble refuses a low-order peer value here, whose result would be all zeros.
        throw new CryptoError('invalid-public-key', `${group} shared secret is all zeros`);
      }
      // RFC 7748 §6.1/§6.2 and RFC 8446 §7.4.2: an all-zero shared secret is refused.
      let acc = 0;
      for (const b of shared) acc |= b;
      if (acc === 0) throw new CryptoError('invalid-public-key', `${group} shared secret is all zeros`);
      return shared;
    },
  };
}

function weierstrassExchange(group: 'secp256r1' | 'secp384r1' | 'secp521r1', curve: Weierstrass, orderBits: number): KeyExchange {
  const scalarLength = curve.lengths.secretKey ?? Math.ceil(orderBits / 8);
  const coordinateLength = scalarLength;
  const publicKeyLength = 1 + 2 * coordinateLength;
  const checkPrivate = (privateKey: Uint8Array): void => {
    if (privateKey.length !== scalarLength || !curve.utils.isValidSecretKey(privateKey)) {
      throw new CryptoError('invalid-private-key', `${group} private key must be ${scalarLength} bytes in [1, n-1]`);
    }
  };
  const publicKeyFor = (privateKey: Uint8Array): Uint8Array => {
    checkPrivate(privateKey);
    return Uint8Array.from(curve.getPublicKey(privateKey, false));
  };
  return {
    group,
    publicKeyLength,
    sharedSecretLength: coordinateLength,
    generateKeyPair(random: RandomSource = secureRandom): KeyPair {
      // NIST SP 800-56A Rev. 3 §5.6.1.2.2 (testing candidates): draw bitlen(n) random bits until 1 <= d < n.
      const topMask = 0xff >> (scalarLength * 8 - orderBits);
      for (let i = 0; i < MAX_DRAWS; i++) {
        const privateKey = random.randomBytes(scalarLength);
        privateKey[0] &= topMask;
        if (curve.utils.isValidSecretKey(privateKey)) {
          return { privateKey, publicKey: publicKeyFor(privateKey) };
        }
      }
      throw new CryptoError('invalid-private-key', `${group}: the random source gave no valid scalar`);
    },
    publicKeyFor,
    computeSharedSecret(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
      checkPrivate(privateKey);
      // RFC 8446 §4.2.8.2: only the uncompressed form 0x04 || X || Y is allowed.
      if (peerPublicKey.length !== publicKeyLength || peerPublicKey[0] !== 0x04) {
        throw new CryptoError('invalid-public-key', `${group} public key must be an uncompressed point of ${publicKeyLength} bytes`);
      }
      let shared: Uint8Array;
      try {
        // Point.fromBytes checks that X, Y < p and that the point is on the curve (SEC 1 §3.2.2.1;
        // the curves have cofactor 1, so on the curve and not infinity is the whole check).
        const peer = curve.Point.fromBytes(peerPublicKey);
        peer.assertValidity();
        if (peer.is0()) throw new Error('point at infinity');
        // Compressed output: 0x02/0x03 || x. The shared secret is x (RFC 8446 §7.4.2, RFC 5903 §7).
        shared = curve.getSharedSecret(privateKey, peerPublicKey, true).slice(1);
      } catch {
        throw new CryptoError('invalid-public-key', `${group} public key is not a point on the curve`);
      }
      return Uint8Array.from(shared);
    },
  };
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function bigIntToBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** base^exponent mod m, left-to-right square-and-multiply (BigInt: not constant-time). */
function modPow(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  const b = base % m;
  for (let i = BigInt(exponent.toString(2).length - 1); i >= 0n; i--) {
    result = (result * result) % m;
    if ((exponent >> i) & 1n) result = (result * b) % m;
  }
  return result;
}

function modpExchange(modp: ModpGroup): KeyExchange {
  const length = modp.byteLength;
  const publicKeyFor = (privateKey: Uint8Array): Uint8Array =>
    bigIntToBytes(modPow(modp.g, modpPrivateExponent(modp, privateKey), modp.p), length);
  return {
    group: modp.name,
    publicKeyLength: length,
    sharedSecretLength: length,
    generateKeyPair(random: RandomSource = secureRandom): KeyPair {
      for (let i = 0; i < MAX_DRAWS; i++) {
        const privateKey = random.randomBytes(modp.exponentLength);
        if (bytesToBigInt(privateKey) >= 2n) return { privateKey, publicKey: publicKeyFor(privateKey) };
      }
      throw new CryptoError('invalid-private-key', `${modp.name}: the random source gave no valid exponent`);
    },
    publicKeyFor,
    computeSharedSecret(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
      const x = modpPrivateExponent(modp, privateKey);
      const y = modpPeerValue(modp, peerPublicKey);
      // RFC 7296 §2.14 / RFC 2631 §2.1.1: g^ir = y^x mod p, left-padded to the prime's length.
      return bigIntToBytes(modPow(y, x, modp.p), length);
    },
  };
}

const EXCHANGES: Record<KeyExchangeGroup, () => KeyExchange> = {
  x25519: () => montgomeryExchange('x25519', x25519, 32),
  x448: () => montgomeryExchange('x448', x448, 56),
  secp256r1: () => weierstrassExchange('secp256r1', p256, 256),
  secp384r1: () => weierstrassExchange('secp384r1', p384, 384),
  secp521r1: () => weierstrassExchange('secp521r1', p521, 521),
  modp2048: () => modpExchange(MODP_GROUPS.modp2048),
  modp3072: () => modpExchange(MODP_GROUPS.modp3072),
  modp4096: () => modpExchange(MODP_GROUPS.modp4096),
};

const cache = new Map<KeyExchangeGroup, KeyExchange>();

/** The noble key exchange for `group`; an unknown group name is a CryptoError('unsupported'). */
export function nobleKeyExchange(group: KeyExchangeGroup): KeyExchange {
  let kx = cache.get(group);
  if (kx === undefined) {
    const make = Object.prototype.hasOwnProperty.call(EXCHANGES, group) ? EXCHANGES[group] : undefined;
    if (make === undefined) throw new CryptoError('unsupported', `key exchange group ${String(group)}`);
    kx = make();
    cache.set(group, kx);
  }
  return kx;
}
