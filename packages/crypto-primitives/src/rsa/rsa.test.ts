/**
 * The RSA building blocks on their own:
 * - EMSA-PSS-ENCODE and MGF1 against pss-vect.txt (PKCS #1 v2.1 test vectors, Example 1,
 *   test-vectors/pkcs1-v2.1-pss-vect.json): with the published salt injected as the random
 *   source, the encoding must equal RSAVP1 of the published signature, octet for octet;
 * - EMSA-PKCS1-v1_5 against RFC 7515 A.2: the encoding of the signing input must equal RSAVP1
 *   of the published RS256 signature;
 * - arithmetic identities of the integer helpers (fast-check, fixed seeds).
 */
import fc from 'fast-check';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { loadVectors } from '@layersec/test-vectors';
import { CryptoError } from '../errors.js';
import type { RandomSource } from '../types.js';
import {
  bitLength,
  emsaPkcs1v15Encode,
  emsaPssEncode,
  emsaPssVerify,
  i2osp,
  modInverse,
  modPow,
  os2ip,
  rsassaPssVerify,
  rsavp1,
  type DigestAlgorithm,
} from './index.js';

const SHA1: DigestAlgorithm = { name: 'SHA-1', outputLength: 20, digest: (data) => sha1(data) };
const SHA256: DigestAlgorithm = { name: 'SHA-256', outputLength: 32, digest: (data) => sha256(data) };

/** A random source that hands out the given bytes once: the published salt. */
function fixedSalt(salt: Uint8Array): RandomSource {
  let used = false;
  return {
    randomBytes(length: number): Uint8Array {
      if (used || length !== salt.length) throw new Error(`unexpected request for ${length} random octets`);
      used = true;
      return salt;
    },
  };
}

describe('EMSA-PSS (RFC 8017 §9.1) against pss-vect.txt Example 1', () => {
  const file = loadVectors<{
    n: string;
    e: string;
    saltLength: number;
    vectors: Array<{ name: string; message: string; salt: string; signature: string }>;
  }>('pkcs1-v2.1-pss-vect.json');
  const key = { n: BigInt('0x' + file.n), e: BigInt('0x' + file.e) };
  const modBits = bitLength(key.n);
  const emLen = Math.ceil((modBits - 1) / 8);

  for (const v of file.vectors) {
    test(`${v.name}: the encoding with the published salt is what the signature opens to`, () => {
      const message = hexToBytes(v.message);
      const recovered = rsavp1(key, os2ip(hexToBytes(v.signature)));
      expect(recovered).not.toBeNull();
      const em = emsaPssEncode(SHA1, sha1(message), modBits - 1, file.saltLength, fixedSalt(hexToBytes(v.salt)));
      expect(bytesToHex(em)).toBe(bytesToHex(i2osp(recovered!, emLen)));
      expect(emsaPssVerify(SHA1, sha1(message), em, modBits - 1, file.saltLength)).toBe(true);
      expect(rsassaPssVerify(SHA1, key, message, hexToBytes(v.signature), file.saltLength)).toBe(true);
      expect(rsassaPssVerify(SHA1, key, message, hexToBytes(v.signature), 'any')).toBe(true);
      expect(rsassaPssVerify(SHA1, key, message, hexToBytes(v.signature), 19)).toBe(false);
      expect(rsassaPssVerify(SHA256, key, message, hexToBytes(v.signature), 'any')).toBe(false);
    });
  }
});

describe('EMSA-PKCS1-v1_5 (RFC 8017 §9.2) against RFC 7515 A.2', () => {
  const v = loadVectors<{ vectors: Array<{ jwk: Record<string, string>; signingInput: string; signature: string }> }>(
    'rfc7515-jws-signatures.json',
  ).vectors[0];
  const int = (b64url: string): bigint => BigInt('0x' + Buffer.from(b64url, 'base64url').toString('hex'));
  const key = { n: int(v.jwk.n), e: int(v.jwk.e) };

  test('the encoding of the signing input is what the RS256 signature opens to', () => {
    const m = rsavp1(key, os2ip(new Uint8Array(Buffer.from(v.signature, 'base64url'))));
    const em = emsaPkcs1v15Encode('SHA-256', sha256(new TextEncoder().encode(v.signingInput)), 256);
    expect(bytesToHex(em)).toBe(bytesToHex(i2osp(m!, 256)));
  });

  test('an encoded message too short for T and eight octets of padding is refused', () => {
    // tLen = 19 + 32 = 51 for SHA-256; emLen must be at least tLen + 11 (RFC 8017 §9.2 step 4).
    expect(() => emsaPkcs1v15Encode('SHA-256', new Uint8Array(32), 61)).toThrow(CryptoError);
    expect(emsaPkcs1v15Encode('SHA-256', new Uint8Array(32), 62).length).toBe(62);
  });
});

describe('integer helpers', () => {
  const options = { seed: 0x25a, numRuns: 200 };
  const big = fc.bigInt({ min: 0n, max: (1n << 600n) - 1n });
  const modulus = fc.bigInt({ min: 2n, max: (1n << 600n) - 1n });

  test('I2OSP and OS2IP invert each other; I2OSP refuses an integer too large', () => {
    fc.assert(
      fc.property(big, (x) => {
        const length = Math.ceil(bitLength(x) / 8) + 1;
        expect(os2ip(i2osp(x, length))).toBe(x);
        if (x >= 256n) expect(() => i2osp(x, 1)).toThrow(CryptoError);
      }),
      options,
    );
  });

  test('modPow follows b^(e1+e2) = b^e1 · b^e2 and b^(2e) = (b^e)^2', () => {
    fc.assert(
      fc.property(big, fc.bigInt({ min: 0n, max: (1n << 300n) - 1n }), fc.bigInt({ min: 0n, max: 1000n }), modulus, (b, e1, e2, m) => {
        expect(modPow(b, e1 + e2, m)).toBe((modPow(b, e1, m) * modPow(b, e2, m)) % m);
        expect(modPow(b, 2n * e1, m)).toBe(modPow(modPow(b, e1, m), 2n, m));
        expect(modPow(b, 0n, m)).toBe(1n % m);
        expect(modPow(b, 1n, m)).toBe(b % m);
      }),
      options,
    );
  });

  test("modPow agrees with Fermat's little theorem for the primes of RFC 7515 A.2", () => {
    const jwk = loadVectors<{ vectors: Array<{ jwk: Record<string, string> }> }>('rfc7515-jws-signatures.json').vectors[0].jwk;
    const p = BigInt('0x' + Buffer.from(jwk.p, 'base64url').toString('hex'));
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: p - 1n }), (a) => {
        expect(modPow(a, p - 1n, p)).toBe(1n);
      }),
      { seed: 7, numRuns: 20 },
    );
  });

  test('modInverse gives a·a⁻¹ ≡ 1, or null when gcd(a, m) ≠ 1', () => {
    fc.assert(
      fc.property(big, modulus, (a, m) => {
        const inverse = modInverse(a, m);
        const gcd = (x: bigint, y: bigint): bigint => (y === 0n ? x : gcd(y, x % y));
        if (gcd(a % m, m) === 1n) expect((a * inverse!) % m).toBe(1n % m);
        else expect(inverse).toBeNull();
      }),
      options,
    );
  });
});
