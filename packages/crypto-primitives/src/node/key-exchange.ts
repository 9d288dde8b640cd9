/**
 * Key exchange on node:crypto (OpenSSL): X25519 and X448 (RFC 7748) through KeyObjects and
 * `diffieHellman`, ECDH on P-256/P-384/P-521 through `createECDH`, and the RFC 3526 MODP groups
 * through `createDiffieHellman` with the primes of ../modp.ts.
 *
 * Same encodings and the same public-value checks as the noble provider (see `KeyExchange` in
 * ../types.ts); private keys are drawn from the given `RandomSource` in the same way, so the same
 * random bytes give the same key pair in both providers.
 */
import { createDiffieHellman, createECDH, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { CryptoError } from '../errors.js';
import { MODP_GROUPS, modpPeerValue, modpPrivateExponent, type ModpGroup } from '../modp.js';
import type { KeyExchange, KeyExchangeGroup, KeyPair, RandomSource } from '../types.js';
import { nodeRandom } from './random.js';

/** How many candidate scalars `generateKeyPair` draws before giving up (each fails with p < 2^-32). */
const MAX_DRAWS = 64;

function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * DER prefixes that wrap a raw X25519/X448 key (RFC 8410 §7 and §4): the PKCS#8 PrivateKeyInfo
 * and SubjectPublicKeyInfo with the id-X25519 (1.3.101.110) or id-X448 (1.3.101.111) OID.
 */
const MONTGOMERY_DER = {
  x25519: {
    pkcs8: Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]),
    spki: Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00]),
  },
  x448: {
    pkcs8: Uint8Array.from([0x30, 0x46, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6f, 0x04, 0x3a, 0x04, 0x38]),
    spki: Uint8Array.from([0x30, 0x42, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6f, 0x03, 0x39, 0x00]),
  },
} as const;

function montgomeryExchange(group: 'x25519' | 'x448', length: number): KeyExchange {
  const der = MONTGOMERY_DER[group];
  const privateKeyObject = (privateKey: Uint8Array): KeyObject => {
    if (privateKey.length !== length) {
      throw new CryptoError('invalid-private-key', `${group} private key must be ${length} bytes`);
    }
    return createPrivateKey({ key: Buffer.from(concat(der.pkcs8, privateKey)), format: 'der', type: 'pkcs8' });
  };
  const publicKeyFor = (privateKey: Uint8Array): Uint8Array => {
    const spki = createPublicKey(privateKeyObject(privateKey)).export({ format: 'der', type: 'spki' });
    return plain(spki.subarray(spki.length - length));
  };
  return {
    group,
    publicKeyLength: length,
    sharedSecretLength: length,
    generateKeyPair(random: RandomSource = nodeRandom): KeyPair {
      // RFC 7748 §6: the private key is `length` random bytes; clamping happens in the ladder.
      const privateKey = random.randomBytes(length);
      return { privateKey, publicKey: publicKeyFor(privateKey) };
    },
    publicKeyFor,
    computeSharedSecret(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
      const ownKey = privateKeyObject(privateKey);
      if (peerPublicKey.length !== length) {
        throw new CryptoError('invalid-public-key', `${group} public key must be ${length} bytes`);
      }
      let shared: Uint8Array;
      try {
        const peerKey = createPublicKey({ key: Buffer.from(concat(der.spki, peerPublicKey)), format: 'der', type: 'spki' });
        shared = plain(diffieHellman({ privateKey: ownKey, publicKey: peerKey }));
      } catch {
        // OpenSSL refuses to derive when the result is all zeros (a low-order peer value).
        throw new CryptoError('invalid-public-key', `${group} shared secret is all zeros`);
      }
      // RFC 7748 §6.1/§6.2 and RFC 8446 §7.4.2: an all-zero shared secret is refused.
      let acc = 0;
      for (const b of shared) acc |= b;
      if (acc === 0 || shared.length !== length) {
        throw new CryptoError('invalid-public-key', `${group} shared secret is all zeros`);
      }
      return shared;
    },
  };
}

function ecdhExchange(group: 'secp256r1' | 'secp384r1' | 'secp521r1', opensslCurve: string, orderBits: number): KeyExchange {
  const scalarLength = Math.ceil(orderBits / 8);
  const publicKeyLength = 1 + 2 * scalarLength;
  const withPrivateKey = (privateKey: Uint8Array): ReturnType<typeof createECDH> => {
    if (privateKey.length !== scalarLength) {
      throw new CryptoError('invalid-private-key', `${group} private key must be ${scalarLength} bytes in [1, n-1]`);
    }
    const ecdh = createECDH(opensslCurve);
    try {
      // OpenSSL refuses 0 and values >= n here.
      ecdh.setPrivateKey(privateKey);
    } catch {
      throw new CryptoError('invalid-private-key', `${group} private key must be ${scalarLength} bytes in [1, n-1]`);
    }
    return ecdh;
  };
  const publicKeyFor = (privateKey: Uint8Array): Uint8Array =>
    plain(withPrivateKey(privateKey).getPublicKey(null, 'uncompressed'));
  return {
    group,
    publicKeyLength,
    sharedSecretLength: scalarLength,
    generateKeyPair(random: RandomSource = nodeRandom): KeyPair {
      // NIST SP 800-56A Rev. 3 §5.6.1.2.2 (testing candidates): draw bitlen(n) random bits until 1 <= d < n.
      const topMask = 0xff >> (scalarLength * 8 - orderBits);
      for (let i = 0; i < MAX_DRAWS; i++) {
        const privateKey = random.randomBytes(scalarLength);
        privateKey[0] &= topMask;
        let publicKey: Uint8Array;
        try {
          publicKey = publicKeyFor(privateKey);
        } catch {
          continue;
        }
        return { privateKey, publicKey };
      }
      throw new CryptoError('invalid-private-key', `${group}: the random source gave no valid scalar`);
    },
    publicKeyFor,
    computeSharedSecret(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
      const ecdh = withPrivateKey(privateKey);
      // RFC 8446 §4.2.8.2: only the uncompressed form 0x04 || X || Y is allowed.
      if (peerPublicKey.length !== publicKeyLength || peerPublicKey[0] !== 0x04) {
        throw new CryptoError('invalid-public-key', `${group} public key must be an uncompressed point of ${publicKeyLength} bytes`);
      }
      try {
        // OpenSSL decodes the point and checks that it is on the curve (and not infinity) before
        // deriving; the result is the x-coordinate (RFC 8446 §7.4.2, RFC 5903 §7).
        return plain(ecdh.computeSecret(peerPublicKey));
      } catch {
        throw new CryptoError('invalid-public-key', `${group} public key is not a point on the curve`);
      }
    },
  };
}

function leftPad(bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length === length) return plain(bytes);
  const out = new Uint8Array(length);
  out.set(bytes, length - bytes.length);
  return out;
}

function modpExchange(modp: ModpGroup): KeyExchange {
  const length = modp.byteLength;
  const prime = Buffer.from(modp.p.toString(16), 'hex');
  const generator = Buffer.from([Number(modp.g)]);
  const withPrivateKey = (privateKey: Uint8Array): ReturnType<typeof createDiffieHellman> => {
    modpPrivateExponent(modp, privateKey);
    const dh = createDiffieHellman(prime, generator);
    dh.setPrivateKey(Buffer.from(privateKey));
    return dh;
  };
  const publicKeyFor = (privateKey: Uint8Array): Uint8Array => {
    const dh = withPrivateKey(privateKey);
    // With the private key set, generateKeys computes g^x mod p from it.
    dh.generateKeys();
    return leftPad(dh.getPublicKey(), length);
  };
  return {
    group: modp.name,
    publicKeyLength: length,
    sharedSecretLength: length,
    generateKeyPair(random: RandomSource = nodeRandom): KeyPair {
      for (let i = 0; i < MAX_DRAWS; i++) {
        const privateKey = random.randomBytes(modp.exponentLength);
        try {
          modpPrivateExponent(modp, privateKey);
        } catch {
          continue;
        }
        return { privateKey, publicKey: publicKeyFor(privateKey) };
      }
      throw new CryptoError('invalid-private-key', `${modp.name}: the random source gave no valid exponent`);
    },
    publicKeyFor,
    computeSharedSecret(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
      const dh = withPrivateKey(privateKey);
      modpPeerValue(modp, peerPublicKey);
      try {
        // RFC 7296 §2.14: g^ir, left-padded to the prime's length.
        return leftPad(dh.computeSecret(peerPublicKey), length);
      } catch {
        throw new CryptoError('invalid-public-key', `${modp.name} public value refused`);
      }
    },
  };
}

const EXCHANGES: Record<KeyExchangeGroup, () => KeyExchange> = {
  x25519: () => montgomeryExchange('x25519', 32),
  x448: () => montgomeryExchange('x448', 56),
  secp256r1: () => ecdhExchange('secp256r1', 'prime256v1', 256),
  secp384r1: () => ecdhExchange('secp384r1', 'secp384r1', 384),
  secp521r1: () => ecdhExchange('secp521r1', 'secp521r1', 521),
  modp2048: () => modpExchange(MODP_GROUPS.modp2048),
  modp3072: () => modpExchange(MODP_GROUPS.modp3072),
  modp4096: () => modpExchange(MODP_GROUPS.modp4096),
};

const cache = new Map<KeyExchangeGroup, KeyExchange>();

/** The node:crypto key exchange for `group`; an unknown group name is a CryptoError('unsupported'). */
export function nodeKeyExchange(group: KeyExchangeGroup): KeyExchange {
  let kx = cache.get(group);
  if (kx === undefined) {
    const make = Object.prototype.hasOwnProperty.call(EXCHANGES, group) ? EXCHANGES[group] : undefined;
    if (make === undefined) throw new CryptoError('unsupported', `key exchange group ${String(group)}`);
    kx = make();
    cache.set(group, kx);
  }
  return kx;
}
