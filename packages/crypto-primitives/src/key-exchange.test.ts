/**
 * Known answers for the key exchanges of both providers (nobleKeyExchange and nodeKeyExchange):
 * RFC 7748 §5.2/§6.1/§6.2 (X25519, X448), RFC 5903 §8 (ECP-256/384/521), Diffie-Hellman in the
 * RFC 3526 MODP groups computed by the openssl CLI (test-vectors/modp/), and every case of the
 * Wycheproof x25519 and ecdh_secp256r1/384r1_ecpoint files. Expected values come only from those
 * sources.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { caseName, loadVectors, loadWycheproof, type WycheproofTest } from '@layersec/test-vectors';
import { CryptoError } from './errors.js';
import { nobleKeyExchange } from './noble/key-exchange.js';
import { nodeKeyExchange } from './node/key-exchange.js';
import type { KeyExchange, KeyExchangeGroup } from './types.js';

const IMPLEMENTATIONS: ReadonlyArray<[string, (group: KeyExchangeGroup) => KeyExchange]> = [
  ['noble', nobleKeyExchange],
  ['node', nodeKeyExchange],
];

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

/** A big-endian value as hex of exactly `length` bytes (drops leading zero bytes, left-pads). */
function fixedLength(hex: string, length: number): Uint8Array {
  const value = BigInt(`0x${hex === '' ? '0' : hex}`);
  const out = hexToBytes(value.toString(16).padStart(length * 2, '0'));
  if (out.length !== length) throw new Error(`${hex} does not fit in ${length} bytes`);
  return out;
}

interface Rfc7748File {
  scalarMult: { name: string; group: 'x25519' | 'x448'; scalar: string; u: string; output: string }[];
  iterated: { name: string; group: 'x25519' | 'x448'; start: string; iterations: number; k: string }[];
  diffieHellman: {
    name: string;
    group: 'x25519' | 'x448';
    alicePrivate: string;
    alicePublic: string;
    bobPrivate: string;
    bobPublic: string;
    shared: string;
  }[];
}
const rfc7748 = loadVectors<Rfc7748File>('rfc7748-x25519-x448.json');

interface Rfc5903File {
  vectors: {
    name: string;
    group: 'secp256r1' | 'secp384r1' | 'secp521r1';
    i: string;
    gix: string;
    giy: string;
    r: string;
    grx: string;
    gry: string;
    girx: string;
    giry: string;
  }[];
}
const rfc5903 = loadVectors<Rfc5903File>('rfc5903-ecp.json');

interface ModpFile {
  vectors: { group: 'modp2048' | 'modp3072' | 'modp4096'; alicePrivate: string; alicePublic: string; bobPrivate: string; bobPublic: string; shared: string }[];
}
const opensslModp = loadVectors<ModpFile>('modp/openssl-modp-dh.json');

describe.each(IMPLEMENTATIONS)('%s key exchange', (_name, kx) => {
  describe('RFC 7748', () => {
    test.each(rfc7748.scalarMult.map((v) => [v.name, v] as const))('%s', (_n, v) => {
      expect(bytesToHex(kx(v.group).computeSharedSecret(hexToBytes(v.scalar), hexToBytes(v.u)))).toBe(v.output);
    });

    test.each(rfc7748.iterated.map((v) => [v.name, v] as const))('%s', (_n, v) => {
      // RFC 7748 §5.2: k = u = base point; repeatedly (k, u) := (X(k, u), k).
      let k: Uint8Array = hexToBytes(v.start);
      let u: Uint8Array = hexToBytes(v.start);
      for (let i = 0; i < v.iterations; i++) {
        const next = kx(v.group).computeSharedSecret(k, u);
        u = k;
        k = next;
      }
      expect(bytesToHex(k)).toBe(v.k);
    });

    test.each(rfc7748.diffieHellman.map((v) => [v.name, v] as const))('%s', (_n, v) => {
      const group = kx(v.group);
      expect(bytesToHex(group.publicKeyFor(hexToBytes(v.alicePrivate)))).toBe(v.alicePublic);
      expect(bytesToHex(group.publicKeyFor(hexToBytes(v.bobPrivate)))).toBe(v.bobPublic);
      expect(bytesToHex(group.computeSharedSecret(hexToBytes(v.alicePrivate), hexToBytes(v.bobPublic)))).toBe(v.shared);
      expect(bytesToHex(group.computeSharedSecret(hexToBytes(v.bobPrivate), hexToBytes(v.alicePublic)))).toBe(v.shared);
    });
  });

  describe('RFC 5903 §8', () => {
    test.each(rfc5903.vectors.map((v) => [v.name, v] as const))('%s', (_n, v) => {
      const group = kx(v.group);
      const gi = hexToBytes(`04${v.gix}${v.giy}`);
      const gr = hexToBytes(`04${v.grx}${v.gry}`);
      expect(group.publicKeyLength).toBe(gi.length);
      expect(bytesToHex(group.publicKeyFor(hexToBytes(v.i)))).toBe(bytesToHex(gi));
      expect(bytesToHex(group.publicKeyFor(hexToBytes(v.r)))).toBe(bytesToHex(gr));
      // The shared secret is the x-coordinate of g^ir (RFC 5903 §7, RFC 8446 §7.4.2).
      expect(bytesToHex(group.computeSharedSecret(hexToBytes(v.i), gr))).toBe(v.girx);
      expect(bytesToHex(group.computeSharedSecret(hexToBytes(v.r), gi))).toBe(v.girx);
    });
  });

  describe('RFC 3526 MODP groups against openssl (test-vectors/modp)', () => {
    test.each(opensslModp.vectors.map((v) => [v.group, v] as const))('%s', (_n, v) => {
      const group = kx(v.group);
      const n = group.publicKeyLength;
      const alicePublic = fixedLength(v.alicePublic, n);
      const bobPublic = fixedLength(v.bobPublic, n);
      const shared = bytesToHex(fixedLength(v.shared, n));
      expect(bytesToHex(group.publicKeyFor(hexToBytes(v.alicePrivate)))).toBe(bytesToHex(alicePublic));
      expect(bytesToHex(group.publicKeyFor(hexToBytes(v.bobPrivate)))).toBe(bytesToHex(bobPublic));
      expect(bytesToHex(group.computeSharedSecret(hexToBytes(v.alicePrivate), bobPublic))).toBe(shared);
      expect(bytesToHex(group.computeSharedSecret(hexToBytes(v.bobPrivate), alicePublic))).toBe(shared);
    });
  });

  describe('Wycheproof x25519', () => {
    const file = loadWycheproof('x25519_test.json');
    const cases: [string, WycheproofTest][] = [];
    for (const g of file?.testGroups ?? []) for (const t of g.tests) cases.push([caseName('x25519_test.json', t), t]);
    if (cases.length === 0) test.skip('Wycheproof x25519_test.json not present', () => undefined);
    else
      test.each(cases)('%s', (_n, t) => {
        const shared = t.shared as string;
        const run = (): Uint8Array => kx('x25519').computeSharedSecret(hexToBytes(t.private as string), hexToBytes(t.public as string));
        if (/^(00)+$/.test(shared)) {
          // RFC 7748 §6.1: an all-zero shared secret is refused (RFC 8446 §7.4.2 requires it).
          expect(t.result).not.toBe('valid');
          expectCryptoError(run, 'invalid-public-key');
        } else {
          // Valid and acceptable (twist points, non-canonical u) alike: RFC 7748 §5 accepts them.
          expect(bytesToHex(run())).toBe(shared);
        }
      });
  });

  describe.each([
    ['ecdh_secp256r1_ecpoint_test.json', 'secp256r1', 32],
    ['ecdh_secp384r1_ecpoint_test.json', 'secp384r1', 48],
  ] as const)('Wycheproof %s', (fileName, groupName, scalarLength) => {
    const file = loadWycheproof(fileName);
    const cases: [string, WycheproofTest][] = [];
    for (const g of file?.testGroups ?? []) for (const t of g.tests) cases.push([caseName(fileName, t), t]);
    if (cases.length === 0) test.skip(`Wycheproof ${fileName} not present`, () => undefined);
    else
      test.each(cases)('%s', (_n, t) => {
        const privateKey = fixedLength(t.private as string, scalarLength);
        const run = (): Uint8Array => kx(groupName).computeSharedSecret(privateKey, hexToBytes(t.public as string));
        if (t.result === 'valid') {
          expect(bytesToHex(run())).toBe(t.shared);
        } else {
          // Invalid points, and the one acceptable case (a compressed point), are refused: TLS 1.3
          // (RFC 8446 §4.2.8.2) allows only the uncompressed form.
          expectCryptoError(run, 'invalid-public-key');
        }
      });
  });
});
