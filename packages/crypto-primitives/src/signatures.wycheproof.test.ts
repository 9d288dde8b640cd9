/**
 * Every case of the Wycheproof signature files (C2SP/wycheproof testvectors_v1, read from the
 * shared vectors folder) against both providers: `valid` must verify, `invalid` must not, and
 * `acceptable` may go either way but must not throw. The only acceptable cases here are
 * rsa_signature_2048_sha256 tcId 8 ("Missing NULL in the ASN encoding"): both providers reject
 * it, since RSASSA-PKCS1-V1_5-VERIFY (RFC 8017 §8.2.2) compares against a fresh encoding that
 * has the NULL.
 *
 * rsa_pkcs1_2048_test.json is RSAES-PKCS1-v1_5 *decryption* (schema
 * rsaes_pkcs1_decrypt_schema_v1.json), not signatures: it does not apply here and is not used.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { caseName, loadWycheproof, type WycheproofGroup, type WycheproofTest } from '@layersec/test-vectors';
import { nobleSignatures } from './noble/signatures.js';
import { nodeSignatures } from './node/signatures.js';
import type { NamedCurve, PublicKey, SignatureScheme } from './types.js';

const PROVIDERS = [
  ['noble', nobleSignatures],
  ['node', nodeSignatures],
] as const;

interface Setup {
  scheme: SignatureScheme;
  key: PublicKey;
  options: { ecdsaFormat?: 'der' | 'raw'; pssSaltLength?: number };
}

const CURVES: Record<string, NamedCurve> = { secp256r1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

function ecdsaSetup(format: 'der' | 'raw') {
  return (group: WycheproofGroup): Setup => {
    const publicKey = group.publicKey as { curve: string; uncompressed: string };
    const curve = CURVES[publicKey.curve];
    const scheme = ({ 'P-256': 'ecdsa_secp256r1_sha256', 'P-384': 'ecdsa_secp384r1_sha384', 'P-521': 'ecdsa_secp521r1_sha512' } as const)[
      curve
    ];
    expect(group.sha).toBe({ 'P-256': 'SHA-256', 'P-384': 'SHA-384', 'P-521': 'SHA-512' }[curve]);
    return { scheme, key: { type: 'ec', curve, point: hexToBytes(publicKey.uncompressed) }, options: { ecdsaFormat: format } };
  };
}

function rsaKey(group: WycheproofGroup): PublicKey {
  const publicKey = group.publicKey as { modulus: string; publicExponent: string };
  return { type: 'rsa', n: BigInt('0x' + publicKey.modulus), e: BigInt('0x' + publicKey.publicExponent) };
}

const FILES: ReadonlyArray<[string, (group: WycheproofGroup) => Setup]> = [
  ['ecdsa_secp256r1_sha256_test.json', ecdsaSetup('der')],
  ['ecdsa_secp256r1_sha256_p1363_test.json', ecdsaSetup('raw')],
  ['ecdsa_secp384r1_sha384_test.json', ecdsaSetup('der')],
  ['ecdsa_secp384r1_sha384_p1363_test.json', ecdsaSetup('raw')],
  [
    'ed25519_test.json',
    (group) => ({
      scheme: 'ed25519',
      key: { type: 'ed25519', key: hexToBytes((group.publicKey as { pk: string }).pk) },
      options: {},
    }),
  ],
  [
    'rsa_signature_2048_sha256_test.json',
    (group) => {
      expect(group.sha).toBe('SHA-256');
      return { scheme: 'rsa_pkcs1_sha256', key: rsaKey(group), options: {} };
    },
  ],
  [
    'rsa_pss_2048_sha256_mgf1_32_test.json',
    (group) => {
      expect([group.sha, group.mgf, group.mgfSha, group.sLen]).toEqual(['SHA-256', 'MGF1', 'SHA-256', 32]);
      return { scheme: 'rsa_pss_rsae_sha256', key: rsaKey(group), options: { pssSaltLength: 32 } };
    },
  ],
];

for (const [file, setup] of FILES) {
  const vectors = loadWycheproof(file);
  const describeOrSkip = vectors ? describe : describe.skip;
  describeOrSkip(`Wycheproof ${file}`, () => {
    const cases: Array<[string, WycheproofGroup, WycheproofTest]> = [];
    for (const group of vectors?.testGroups ?? []) for (const t of group.tests) cases.push([caseName(file, t), group, t]);

    test('the file holds the cases it announces', () => {
      expect(cases.length).toBe(vectors?.numberOfTests);
    });

    for (const [providerName, provider] of PROVIDERS) {
      test.each(cases)(`${providerName}: %s`, (_name, group, t) => {
        const { scheme, key, options } = setup(group);
        const result = provider.verify(scheme, key, hexToBytes(t.msg as string), hexToBytes(t.sig as string), options);
        if (t.result === 'valid') expect(result).toBe(true);
        else if (t.result === 'invalid') expect(result).toBe(false);
        else expect(typeof result).toBe('boolean');
      });
    }
  });
}
