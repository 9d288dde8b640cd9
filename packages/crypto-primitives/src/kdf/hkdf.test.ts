/**
 * HKDF (RFC 5869) on both providers: RFC 5869 Appendix A test cases 1-7 and every case of the
 * Wycheproof hkdf_sha256/hkdf_sha384 files; and the bounds RFC 5869 §2.3 and RFC 8446 §7.1 set.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { caseName, loadVectors, loadWycheproof, type WycheproofTest } from '@layersec/test-vectors';
import { CryptoError } from '../errors.js';
import { PROVIDERS } from '../test-support/providers.js';
import type { HashName } from '../types.js';
import { encodeHkdfLabel, hkdf, hkdfExpand, hkdfExpandLabel, hkdfExtract } from './hkdf.js';

interface Rfc5869Vector {
  name: string;
  hash: HashName;
  ikm: string;
  salt: string | null;
  info: string;
  L: number;
  prk: string;
  okm: string;
}
const rfc5869 = loadVectors<{ vectors: Rfc5869Vector[] }>('rfc5869-hkdf.json');

function expectCryptoError(fn: () => unknown, code: CryptoError['code']): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(CryptoError);
  expect((thrown as CryptoError).code).toBe(code);
}

describe.each(PROVIDERS)('HKDF on %s', (_name, provider) => {
  test.each(rfc5869.vectors.map((v) => [`RFC 5869 ${v.name}`, v] as const))('%s', (_n, v) => {
    const salt = v.salt === null ? undefined : hexToBytes(v.salt);
    const prk = hkdfExtract(provider, v.hash, salt, hexToBytes(v.ikm));
    expect(bytesToHex(prk)).toBe(v.prk);
    expect(bytesToHex(hkdfExpand(provider, v.hash, prk, hexToBytes(v.info), v.L))).toBe(v.okm);
    expect(bytesToHex(hkdf(provider, v.hash, hexToBytes(v.ikm), salt, hexToBytes(v.info), v.L))).toBe(v.okm);
  });

  describe.each([
    ['hkdf_sha256_test.json', 'SHA-256'],
    ['hkdf_sha384_test.json', 'SHA-384'],
  ] as const)('Wycheproof %s', (fileName, hash) => {
    const file = loadWycheproof(fileName);
    const cases: [string, WycheproofTest][] = [];
    for (const g of file?.testGroups ?? []) for (const t of g.tests) cases.push([caseName(fileName, t), t]);
    if (cases.length === 0) test.skip(`Wycheproof ${fileName} not present`, () => undefined);
    else
      test.each(cases)('%s', (_n, t) => {
        const run = (): Uint8Array =>
          hkdf(provider, hash, hexToBytes(t.ikm as string), hexToBytes(t.salt as string), hexToBytes(t.info as string), t.size as number);
        if (t.result === 'valid') expect(bytesToHex(run())).toBe(t.okm);
        else {
          // The invalid cases ask for more than 255 * HashLen bytes (RFC 5869 §2.3).
          expect(t.flags).toContain('SizeTooLarge');
          expectCryptoError(run, 'output-too-long');
        }
      });
  });

  test('HKDF-Expand refuses L > 255 * HashLen and a PRK shorter than HashLen (RFC 5869 §2.3)', () => {
    const prk = new Uint8Array(32).fill(7);
    expect(hkdfExpand(provider, 'SHA-256', prk, new Uint8Array(0), 255 * 32)).toHaveLength(255 * 32);
    expectCryptoError(() => hkdfExpand(provider, 'SHA-256', prk, new Uint8Array(0), 255 * 32 + 1), 'output-too-long');
    expectCryptoError(() => hkdfExpand(provider, 'SHA-256', prk, new Uint8Array(0), -1), 'output-too-long');
    expectCryptoError(() => hkdfExpand(provider, 'SHA-256', prk.subarray(0, 31), new Uint8Array(0), 16), 'bad-key-length');
    expect(hkdfExpand(provider, 'SHA-256', prk, new Uint8Array(0), 0)).toHaveLength(0);
  });

  test('HKDF-Expand-Label refuses labels and contexts outside HkdfLabel bounds (RFC 8446 §7.1)', () => {
    const secret = new Uint8Array(48).fill(1);
    // "tls13 " + Label must be 7..255 bytes; Context 0..255 bytes; Length a uint16.
    expect(hkdfExpandLabel(provider, 'SHA-384', secret, 'k', new Uint8Array(255), 16)).toHaveLength(16);
    expect(hkdfExpandLabel(provider, 'SHA-384', secret, 'x'.repeat(249), new Uint8Array(0), 16)).toHaveLength(16);
    expectCryptoError(() => hkdfExpandLabel(provider, 'SHA-384', secret, '', new Uint8Array(0), 16), 'bad-length');
    expectCryptoError(() => hkdfExpandLabel(provider, 'SHA-384', secret, 'x'.repeat(250), new Uint8Array(0), 16), 'bad-length');
    expectCryptoError(() => hkdfExpandLabel(provider, 'SHA-384', secret, 'key', new Uint8Array(256), 16), 'bad-length');
    expectCryptoError(() => encodeHkdfLabel(0x10000, 'key', new Uint8Array(0)), 'bad-length');
  });
});

test('HkdfLabel encoding (RFC 8446 §7.1 struct, RFC 9147 §5.9 prefix)', () => {
  // uint16 length = 16, label<7..255> = "tls13 key", context<0..255> = empty.
  expect(bytesToHex(encodeHkdfLabel(16, 'key', new Uint8Array(0)))).toBe(`0010 09 ${bytesToHex(new TextEncoder().encode('tls13 key'))} 00`.replace(/ /g, ''));
  expect(bytesToHex(encodeHkdfLabel(12, 'iv', Uint8Array.of(0xaa, 0xbb), 'dtls13'))).toBe(
    `000c 08 ${bytesToHex(new TextEncoder().encode('dtls13iv'))} 02 aabb`.replace(/ /g, ''),
  );
});
