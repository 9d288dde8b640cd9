/**
 * Differential tests between the two providers (noble: pure TypeScript and BigInt RSA; node:
 * OpenSSL): for every signature scheme, random messages signed by one verify under the other,
 * and a flipped bit in the signature or the message makes both refuse. The keys are the
 * published ones of RFC 6979 A.2.5-A.2.7 (EC), RFC 8032 §7.1 TEST 1 (Ed25519) and RFC 7515
 * A.2 (RSA-2048); fast-check runs with fixed seeds, and RSA-PSS salts come from seededRandom,
 * so every run is the same.
 */
import fc from 'fast-check';
import { hexToBytes } from '@noble/hashes/utils.js';
import { loadVectors } from '@layersec/test-vectors';
import { nobleSignatures } from './noble/signatures.js';
import { nodeSignatures } from './node/signatures.js';
import { seededRandom } from './random.js';
import type { NamedCurve, PrivateKey, PublicKey, SignatureScheme } from './types.js';

const PROVIDERS = [
  ['noble', nobleSignatures],
  ['node', nodeSignatures],
] as const;

function publicKeyOf(key: PrivateKey): PublicKey {
  switch (key.type) {
    case 'ec':
      return { type: 'ec', curve: key.curve, point: key.publicKey };
    case 'ed25519':
      return { type: 'ed25519', key: key.publicKey };
    case 'rsa':
      return { type: 'rsa', n: key.n, e: key.e };
  }
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[(bit >> 3) % out.length] ^= 1 << (bit & 7);
  return out;
}

const ecKeys = new Map<NamedCurve, PrivateKey>();
{
  const file = loadVectors<{ keys: Record<NamedCurve, { x: string; Ux: string; Uy: string }> }>('rfc6979-ecdsa.json');
  for (const curve of Object.keys(file.keys) as NamedCurve[]) {
    const { x, Ux, Uy } = file.keys[curve];
    ecKeys.set(curve, { type: 'ec', curve, d: hexToBytes(x), publicKey: hexToBytes('04' + Ux + Uy) });
  }
}
const ed25519Key: PrivateKey = (() => {
  const v = loadVectors<{ vectors: Array<{ secretKey: string; publicKey: string }> }>('rfc8032-ed25519.json').vectors[0];
  return { type: 'ed25519', seed: hexToBytes(v.secretKey), publicKey: hexToBytes(v.publicKey) };
})();
const rsaKey: PrivateKey = (() => {
  const jwk = loadVectors<{ vectors: Array<{ jwk: Record<string, string> }> }>('rfc7515-jws-signatures.json').vectors[0].jwk;
  const int = (b64url: string): bigint => BigInt('0x' + Buffer.from(b64url, 'base64url').toString('hex'));
  return {
    type: 'rsa',
    n: int(jwk.n),
    e: int(jwk.e),
    d: int(jwk.d),
    p: int(jwk.p),
    q: int(jwk.q),
    dp: int(jwk.dp),
    dq: int(jwk.dq),
    qi: int(jwk.qi),
  };
})();

/** Every scheme with a key it applies to; the curve-agnostic ECDSA names with every curve. */
const CASES: Array<[SignatureScheme, PrivateKey]> = [
  ['ecdsa_secp256r1_sha256', ecKeys.get('P-256')!],
  ['ecdsa_secp384r1_sha384', ecKeys.get('P-384')!],
  ['ecdsa_secp521r1_sha512', ecKeys.get('P-521')!],
  ...(['ecdsa_sha1', 'ecdsa_sha256', 'ecdsa_sha384', 'ecdsa_sha512'] as const).flatMap((scheme) =>
    [...ecKeys.values()].map((key): [SignatureScheme, PrivateKey] => [scheme, key]),
  ),
  ['ed25519', ed25519Key],
  ['rsa_pkcs1_sha1', rsaKey],
  ['rsa_pkcs1_sha256', rsaKey],
  ['rsa_pkcs1_sha384', rsaKey],
  ['rsa_pkcs1_sha512', rsaKey],
  ['rsa_pss_rsae_sha256', rsaKey],
  ['rsa_pss_rsae_sha384', rsaKey],
  ['rsa_pss_rsae_sha512', rsaKey],
];

const label = (scheme: SignatureScheme, key: PrivateKey): string => `${scheme}${key.type === 'ec' ? ` (${key.curve})` : ''}`;

describe('signed by one provider, verified by the other', () => {
  for (const [scheme, key] of CASES) {
    const publicKey = publicKeyOf(key);
    for (const [signerName, signer] of PROVIDERS) {
      test(`${label(scheme, key)}: ${signerName} signs`, () => {
        let counter = 0;
        fc.assert(
          fc.property(
            fc.uint8Array({ maxLength: 300 }),
            fc.constantFrom<'der' | 'raw'>('der', 'raw'),
            fc.nat(),
            (message, ecdsaFormat, bit) => {
              const options = { ecdsaFormat, random: seededRandom(`${scheme}/${signerName}/${counter++}`) };
              const signature = signer.sign(scheme, key, message, options);
              const badSignature = flipBit(signature, bit % (8 * signature.length));
              const badMessage = message.length > 0 ? flipBit(message, bit % (8 * message.length)) : Uint8Array.of(0);
              for (const [, verifier] of PROVIDERS) {
                expect(verifier.verify(scheme, publicKey, message, signature, { ecdsaFormat })).toBe(true);
                expect(verifier.verify(scheme, publicKey, message, badSignature, { ecdsaFormat })).toBe(false);
                expect(verifier.verify(scheme, publicKey, badMessage, signature, { ecdsaFormat })).toBe(false);
              }
            },
          ),
          { seed: 0x5167, numRuns: 10 },
        );
      });
    }
  }
});

describe('RSA-PSS with an injected random source (noble)', () => {
  const message = new TextEncoder().encode('RSA-PSS round trip');
  test('the same seed gives the same signature; another seed another one; both verify under node', () => {
    const a = nobleSignatures.sign('rsa_pss_rsae_sha256', rsaKey, message, { random: seededRandom('pss seed 1') });
    const b = nobleSignatures.sign('rsa_pss_rsae_sha256', rsaKey, message, { random: seededRandom('pss seed 1') });
    const c = nobleSignatures.sign('rsa_pss_rsae_sha256', rsaKey, message, { random: seededRandom('pss seed 2') });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    for (const signature of [a, c]) {
      expect(nodeSignatures.verify('rsa_pss_rsae_sha256', publicKeyOf(rsaKey), message, signature)).toBe(true);
    }
  });

  test.each([0, 20, 100, 222])('salt length %i signs and verifies across providers', (saltLength) => {
    const signature = nobleSignatures.sign('rsa_pss_rsae_sha256', rsaKey, message, {
      random: seededRandom(`salt ${saltLength}`),
      pssSaltLength: saltLength,
    });
    for (const [, verifier] of PROVIDERS) {
      expect(verifier.verify('rsa_pss_rsae_sha256', publicKeyOf(rsaKey), message, signature, { pssSaltLength: saltLength })).toBe(true);
      expect(verifier.verify('rsa_pss_rsae_sha256', publicKeyOf(rsaKey), message, signature, { pssSaltLength: 'any' })).toBe(true);
    }
    const fromNode = nodeSignatures.sign('rsa_pss_rsae_sha256', rsaKey, message, { pssSaltLength: saltLength });
    expect(nobleSignatures.verify('rsa_pss_rsae_sha256', publicKeyOf(rsaKey), message, fromNode, { pssSaltLength: saltLength })).toBe(true);
  });

  test.each(PROVIDERS)('%s: a salt that does not fit the modulus is refused', (_name, provider) => {
    // emLen = 256 < hLen + sLen + 2 = 32 + 223 + 2 (RFC 8017 §9.1.1 step 3).
    expect(() => provider.sign('rsa_pss_rsae_sha256', rsaKey, message, { random: seededRandom('x'), pssSaltLength: 223 })).toThrow(
      expect.objectContaining({ code: 'bad-length' }),
    );
  });
});
