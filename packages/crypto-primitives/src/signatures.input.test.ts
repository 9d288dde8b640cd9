/**
 * What the signature operations do with bad input, on both providers:
 * - a signature from the network that is malformed in any way verifies as `false`, never throws
 *   (fast-check feeds arbitrary bytes to every scheme in both encodings);
 * - a mis-shaped key (wrong length, a point off the curve, an RSA key outside RFC 8017 §3's
 *   rules or whose halves do not belong together) is a CryptoError;
 * - a scheme used with a key of another kind is a CryptoError('unsupported') when signing and a
 *   signature that does not verify when verifying;
 * - key generation gives keys of the documented shape that the other provider accepts.
 */
import fc from 'fast-check';
import { hexToBytes } from '@noble/hashes/utils.js';
import { loadVectors } from '@layersec/test-vectors';
import { CryptoError } from './errors.js';
import { nobleSignatures } from './noble/signatures.js';
import { nodeSignatures } from './node/signatures.js';
import { seededRandom } from './random.js';
import type { NamedCurve, PrivateKey, PublicKey, SignatureScheme } from './types.js';

const PROVIDERS = [
  ['noble', nobleSignatures],
  ['node', nodeSignatures],
] as const;

const ALL_SCHEMES: SignatureScheme[] = [
  'ecdsa_secp256r1_sha256',
  'ecdsa_secp384r1_sha384',
  'ecdsa_secp521r1_sha512',
  'ecdsa_sha1',
  'ecdsa_sha256',
  'ecdsa_sha384',
  'ecdsa_sha512',
  'ed25519',
  'rsa_pkcs1_sha1',
  'rsa_pkcs1_sha256',
  'rsa_pkcs1_sha384',
  'rsa_pkcs1_sha512',
  'rsa_pss_rsae_sha256',
  'rsa_pss_rsae_sha384',
  'rsa_pss_rsae_sha512',
];

const ec = loadVectors<{ keys: Record<NamedCurve, { x: string; Ux: string; Uy: string }> }>('rfc6979-ecdsa.json').keys;
const ecPrivate = (curve: NamedCurve): Extract<PrivateKey, { type: 'ec' }> => ({
  type: 'ec',
  curve,
  d: hexToBytes(ec[curve].x),
  publicKey: hexToBytes('04' + ec[curve].Ux + ec[curve].Uy),
});
const ecPublic = (curve: NamedCurve): PublicKey => ({ type: 'ec', curve, point: hexToBytes('04' + ec[curve].Ux + ec[curve].Uy) });
const edVector = loadVectors<{ vectors: Array<{ secretKey: string; publicKey: string }> }>('rfc8032-ed25519.json').vectors[0];
const edPrivate: Extract<PrivateKey, { type: 'ed25519' }> = { type: 'ed25519', seed: hexToBytes(edVector.secretKey), publicKey: hexToBytes(edVector.publicKey) };
const edPublic: PublicKey = { type: 'ed25519', key: hexToBytes(edVector.publicKey) };
const jwk = loadVectors<{ vectors: Array<{ jwk: Record<string, string> }> }>('rfc7515-jws-signatures.json').vectors[0].jwk;
const int = (b64url: string): bigint => BigInt('0x' + Buffer.from(b64url, 'base64url').toString('hex'));
const rsaPrivate = {
  type: 'rsa',
  n: int(jwk.n),
  e: int(jwk.e),
  d: int(jwk.d),
  p: int(jwk.p),
  q: int(jwk.q),
  dp: int(jwk.dp),
  dq: int(jwk.dq),
  qi: int(jwk.qi),
} as const satisfies PrivateKey;
const rsaPublic: PublicKey = { type: 'rsa', n: rsaPrivate.n, e: rsaPrivate.e };

function keyFor(scheme: SignatureScheme): PublicKey {
  if (scheme === 'ed25519') return edPublic;
  if (scheme.startsWith('rsa')) return rsaPublic;
  if (scheme.includes('384')) return ecPublic('P-384');
  if (scheme.includes('521') || scheme === 'ecdsa_sha512') return ecPublic('P-521');
  return ecPublic('P-256');
}

const message = new TextEncoder().encode('input checks');

describe('malformed signatures verify as false', () => {
  for (const [name, provider] of PROVIDERS) {
    test(`${name}: arbitrary bytes, every scheme, both ECDSA encodings`, () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...ALL_SCHEMES),
          fc.constantFrom<'der' | 'raw'>('der', 'raw'),
          fc.oneof(
            fc.uint8Array({ maxLength: 600 }),
            fc.uint8Array({ minLength: 64, maxLength: 64 }),
            fc.uint8Array({ minLength: 256, maxLength: 256 }),
            fc.uint8Array({ minLength: 132, maxLength: 132 }),
          ),
          (scheme, ecdsaFormat, signature) => {
            expect(provider.verify(scheme, keyFor(scheme), message, signature, { ecdsaFormat })).toBe(false);
          },
        ),
        { seed: 0x1e57, numRuns: 300 },
      );
    });

    test(`${name}: hand-made edge cases`, () => {
      const p256 = ecPublic('P-256');
      const n256 = 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551';
      const zero32 = '00'.repeat(32);
      const one32 = '00'.repeat(31) + '01';
      const cases: Array<[SignatureScheme, PublicKey, string, 'der' | 'raw']> = [
        ['ecdsa_secp256r1_sha256', p256, '', 'der'],
        ['ecdsa_secp256r1_sha256', p256, '', 'raw'],
        ['ecdsa_secp256r1_sha256', p256, zero32 + one32, 'raw'], // r = 0
        ['ecdsa_secp256r1_sha256', p256, one32 + zero32, 'raw'], // s = 0
        ['ecdsa_secp256r1_sha256', p256, one32 + n256, 'raw'], // s = n
        ['ecdsa_secp256r1_sha256', p256, 'ff'.repeat(64), 'raw'], // r, s > n
        ['ecdsa_secp256r1_sha256', p256, one32 + one32 + '00', 'raw'], // one octet too many
        ['ecdsa_secp256r1_sha256', p256, '3006020101020101', 'der'], // r = s = 1
        ['ecdsa_secp256r1_sha256', p256, '300602010102010100', 'der'], // trailing octet
        ['ecdsa_secp256r1_sha256', p256, '3080020101020101' + '0000', 'der'], // BER indefinite length
        ['ecdsa_secp256r1_sha256', p256, '30070201010202000101', 'der'], // non-minimal INTEGER
        ['ecdsa_secp256r1_sha256', p256, '30ff', 'der'], // length beyond the data
        ['ecdsa_secp256r1_sha256', p256, '3084ffffffff020101020101', 'der'], // absurd length
        ['ed25519', edPublic, '', 'der'],
        ['ed25519', edPublic, '00'.repeat(63), 'der'],
        ['ed25519', edPublic, '00'.repeat(65), 'der'],
        ['ed25519', edPublic, '00'.repeat(32) + 'ff'.repeat(32), 'der'], // S ≥ L
        ['rsa_pkcs1_sha256', rsaPublic, '', 'der'],
        ['rsa_pkcs1_sha256', rsaPublic, 'ff'.repeat(256), 'der'], // s ≥ n
        ['rsa_pkcs1_sha256', rsaPublic, '00'.repeat(256), 'der'],
        ['rsa_pkcs1_sha256', rsaPublic, '01'.repeat(255), 'der'], // one octet short
        ['rsa_pkcs1_sha256', rsaPublic, '00' + '01'.repeat(256), 'der'], // one octet long
        ['rsa_pss_rsae_sha256', rsaPublic, 'ff'.repeat(256), 'der'],
        ['rsa_pss_rsae_sha256', rsaPublic, '00'.repeat(256), 'der'],
        ['rsa_pss_rsae_sha256', rsaPublic, '01'.repeat(257), 'der'],
      ];
      for (const [scheme, key, signature, ecdsaFormat] of cases) {
        expect([scheme, signature, provider.verify(scheme, key, message, hexToBytes(signature), { ecdsaFormat })]).toEqual([
          scheme,
          signature,
          false,
        ]);
      }
    });

    test(`${name}: a scheme that does not fit the key does not verify, and cannot sign`, () => {
      const valid = provider.sign('ecdsa_secp256r1_sha256', ecPrivate('P-256'), message);
      expect(provider.verify('ecdsa_secp256r1_sha256', ecPublic('P-256'), message, valid)).toBe(true);
      expect(provider.verify('ecdsa_secp384r1_sha384', ecPublic('P-256'), message, valid)).toBe(false);
      expect(provider.verify('ed25519', ecPublic('P-256'), message, valid)).toBe(false);
      expect(provider.verify('rsa_pkcs1_sha256', ecPublic('P-256'), message, valid)).toBe(false);
      expect(provider.verify('ecdsa_sha256', rsaPublic, message, valid)).toBe(false);
      for (const [scheme, key] of [
        ['ed25519', ecPrivate('P-256')],
        ['ecdsa_secp384r1_sha384', ecPrivate('P-256')],
        ['rsa_pss_rsae_sha256', edPrivate],
        ['ecdsa_sha256', rsaPrivate],
      ] as Array<[SignatureScheme, PrivateKey]>) {
        expect(() => provider.sign(scheme, key, message)).toThrow(expect.objectContaining({ code: 'unsupported' }));
      }
      expect(() => provider.verify('rsa_pkcs1_md5' as SignatureScheme, rsaPublic, message, valid)).toThrow(
        expect.objectContaining({ code: 'unsupported' }),
      );
    });
  }
});

describe('mis-shaped keys are CryptoErrors', () => {
  const point = ecPublic('P-256').type === 'ec' ? hexToBytes('04' + ec['P-256'].Ux + ec['P-256'].Uy) : new Uint8Array(0);
  const offCurve = point.slice();
  offCurve[64] ^= 1;
  const compressed = Uint8Array.of(0x02 | (point[64] & 1), ...point.subarray(1, 33));
  const badPublicKeys: Array<[string, PublicKey, SignatureScheme]> = [
    ['EC point of the wrong length', { type: 'ec', curve: 'P-256', point: point.subarray(0, 64) }, 'ecdsa_secp256r1_sha256'],
    ['EC point in compressed form', { type: 'ec', curve: 'P-256', point: compressed }, 'ecdsa_secp256r1_sha256'],
    ['EC point off the curve', { type: 'ec', curve: 'P-256', point: offCurve }, 'ecdsa_secp256r1_sha256'],
    ['P-256 point given as P-384', { type: 'ec', curve: 'P-384', point }, 'ecdsa_sha256'],
    ['Ed25519 key of 31 octets', { type: 'ed25519', key: new Uint8Array(31) }, 'ed25519'],
    // y = 2 gives an x² that is not a square mod p (RFC 8032 §5.1.3 step 3).
    ['Ed25519 key that does not decode to a point', { type: 'ed25519', key: Uint8Array.of(2, ...new Uint8Array(31)) }, 'ed25519'],
    ['Ed25519 key with y ≥ p', { type: 'ed25519', key: Uint8Array.of(0xed, ...new Uint8Array(30).fill(0xff), 0x7f) }, 'ed25519'],
    ['RSA modulus of 512 bits', { type: 'rsa', n: (1n << 511n) | 1n, e: 65537n }, 'rsa_pkcs1_sha256'],
    ['RSA even modulus', { type: 'rsa', n: rsaPrivate.n + 1n, e: 65537n }, 'rsa_pkcs1_sha256'],
    ['RSA even exponent', { type: 'rsa', n: rsaPrivate.n, e: 65536n }, 'rsa_pss_rsae_sha256'],
    ['RSA exponent 1', { type: 'rsa', n: rsaPrivate.n, e: 1n }, 'rsa_pss_rsae_sha256'],
    ['RSA exponent of 65 bits', { type: 'rsa', n: rsaPrivate.n, e: (1n << 64n) + 1n }, 'rsa_pkcs1_sha256'],
  ];
  const badPrivateKeys: Array<[string, PrivateKey, SignatureScheme]> = [
    ['EC private key of the wrong length', { ...ecPrivate('P-256'), d: new Uint8Array(31).fill(1) }, 'ecdsa_secp256r1_sha256'],
    ['EC private key 0', { ...ecPrivate('P-256'), d: new Uint8Array(32) }, 'ecdsa_secp256r1_sha256'],
    ['EC private key whose public key is another', { ...ecPrivate('P-256'), d: new Uint8Array(32).fill(7) }, 'ecdsa_sha256'],
    ['EC private key with an off-curve public key', { ...ecPrivate('P-256'), publicKey: offCurve }, 'ecdsa_sha256'],
    ['Ed25519 seed of 33 octets', { ...edPrivate, seed: new Uint8Array(33) }, 'ed25519'],
    ['RSA p·q ≠ n', { ...rsaPrivate, p: rsaPrivate.p + 2n }, 'rsa_pkcs1_sha256'],
    ['RSA dP ≥ p', { ...rsaPrivate, dp: rsaPrivate.p + 1n }, 'rsa_pss_rsae_sha256'],
  ];

  for (const [name, provider] of PROVIDERS) {
    test.each(badPublicKeys)(`${name}: %s`, (_label, key, scheme) => {
      expect(() => provider.verify(scheme, key, message, new Uint8Array(64))).toThrow(CryptoError);
    });
    test.each(badPrivateKeys)(`${name}: %s`, (_label, key, scheme) => {
      expect(() => provider.sign(scheme, key, message, { random: seededRandom('k') })).toThrow(CryptoError);
    });
  }

  test('noble: inconsistent CRT values are caught by the check of the RSASP1 result', () => {
    // qInv off by one passes the shape checks; the CRT recombination then gives a wrong s,
    // which must never be released (it would reveal a factor of n).
    const key: PrivateKey = { ...rsaPrivate, qi: rsaPrivate.qi - 1n };
    expect(() => nobleSignatures.sign('rsa_pkcs1_sha256', key, message, { random: seededRandom('crt') })).toThrow(
      /CRT result failed its check/,
    );
  });

  test('node: inconsistent CRT values never yield a signature that does not verify', () => {
    // OpenSSL checks its CRT result too and falls back to the exponent d: either way, what
    // comes out is a correct signature or an error.
    const key: PrivateKey = { ...rsaPrivate, qi: rsaPrivate.qi - 1n };
    let signature: Uint8Array | undefined;
    try {
      signature = nodeSignatures.sign('rsa_pkcs1_sha256', key, message);
    } catch (error) {
      expect(error).toBeInstanceOf(CryptoError);
    }
    if (signature !== undefined) expect(nobleSignatures.verify('rsa_pkcs1_sha256', rsaPublic, message, signature)).toBe(true);
  });
});

describe('key generation', () => {
  test('noble: EC and Ed25519 keys come from the injected random source; RSA is refused', () => {
    for (const spec of [{ type: 'ec', curve: 'P-256' }, { type: 'ec', curve: 'P-521' }, { type: 'ed25519' }] as const) {
      const a = nobleSignatures.generateSigningKey(spec, seededRandom('keygen'));
      const b = nobleSignatures.generateSigningKey(spec, seededRandom('keygen'));
      const c = nobleSignatures.generateSigningKey(spec, seededRandom('keygen 2'));
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
    }
    expect(() => nobleSignatures.generateSigningKey({ type: 'rsa', bits: 2048 })).toThrow(
      expect.objectContaining({ code: 'unsupported' }),
    );
  });

  const specs = [
    [{ type: 'ec', curve: 'P-256' }, 'ecdsa_secp256r1_sha256'],
    [{ type: 'ec', curve: 'P-384' }, 'ecdsa_secp384r1_sha384'],
    [{ type: 'ec', curve: 'P-521' }, 'ecdsa_secp521r1_sha512'],
    [{ type: 'ed25519' }, 'ed25519'],
  ] as const;
  for (const [name, provider] of PROVIDERS) {
    test.each(specs)(`${name}: %o keys sign what the other provider verifies`, (spec, scheme) => {
      const key = provider.generateSigningKey(spec, seededRandom(`${name} ${scheme}`));
      const publicKey: PublicKey =
        key.type === 'ec'
          ? { type: 'ec', curve: key.curve, point: key.publicKey }
          : key.type === 'ed25519'
            ? { type: 'ed25519', key: key.publicKey }
            : { type: 'rsa', n: key.n, e: key.e };
      if (key.type === 'ec') {
        const length = { 'P-256': 32, 'P-384': 48, 'P-521': 66 }[key.curve];
        expect([key.d.length, key.publicKey.length, key.publicKey[0]]).toEqual([length, 1 + 2 * length, 4]);
      }
      for (const [, signer] of PROVIDERS) {
        const signature = signer.sign(scheme, key, message);
        for (const [, verifier] of PROVIDERS) expect(verifier.verify(scheme, publicKey, message, signature)).toBe(true);
      }
    });
  }

  test('node: RSA-2048 keys carry consistent CRT values and work with the noble provider', () => {
    const key = nodeSignatures.generateSigningKey({ type: 'rsa', bits: 2048 });
    if (key.type !== 'rsa') throw new Error('not an RSA key');
    expect(key.n.toString(2).length).toBe(2048);
    expect(key.e).toBe(65537n);
    expect(key.p * key.q).toBe(key.n);
    expect(key.dp).toBe(key.d % (key.p - 1n));
    expect(key.dq).toBe(key.d % (key.q - 1n));
    expect((key.qi * key.q) % key.p).toBe(1n);
    const publicKey: PublicKey = { type: 'rsa', n: key.n, e: key.e };
    for (const scheme of ['rsa_pkcs1_sha256', 'rsa_pss_rsae_sha384'] as const) {
      const fromNoble = nobleSignatures.sign(scheme, key, message, { random: seededRandom('rsa keygen') });
      expect(nodeSignatures.verify(scheme, publicKey, message, fromNoble)).toBe(true);
      const fromNode = nodeSignatures.sign(scheme, key, message);
      expect(nobleSignatures.verify(scheme, publicKey, message, fromNode)).toBe(true);
    }
    expect(() => nodeSignatures.generateSigningKey({ type: 'rsa', bits: 1000 })).toThrow(CryptoError);
  });
});
