/**
 * Key exchange beyond the known answers: the noble and node providers agree on random keys
 * (fast-check), the same random source gives the same key pair in both, peer values that
 * RFC 7748, RFC 8446 §4.2.8.2 and RFC 3526/NIST SP 800-56A forbid are refused with
 * CryptoError('invalid-public-key'), and the RFC 3526 primes in modp.ts are what RFC 3526 defines
 * (its formula) and what OpenSSL carries.
 */
import { getDiffieHellman } from 'node:crypto';
import fc from 'fast-check';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { CryptoError } from './errors.js';
import { MODP_GROUPS, type ModpGroup } from './modp.js';
import { nobleKeyExchange } from './noble/key-exchange.js';
import { nodeKeyExchange } from './node/key-exchange.js';
import { seededRandom } from './random.js';
import type { KeyExchange, KeyExchangeGroup } from './types.js';

const IMPLEMENTATIONS: ReadonlyArray<[string, (group: KeyExchangeGroup) => KeyExchange]> = [
  ['noble', nobleKeyExchange],
  ['node', nodeKeyExchange],
];

const GROUPS: ReadonlyArray<[KeyExchangeGroup, number]> = [
  ['x25519', 40],
  ['x448', 20],
  ['secp256r1', 30],
  ['secp384r1', 20],
  ['secp521r1', 10],
  ['modp2048', 8],
  ['modp3072', 4],
  ['modp4096', 3],
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

function toBytes(value: bigint, length: number): Uint8Array {
  return hexToBytes(value.toString(16).padStart(length * 2, '0'));
}

describe('noble and node agree', () => {
  test.each(GROUPS)('%s: same key pair from the same random source, same shared secret both ways', (group, numRuns) => {
    const noble = nobleKeyExchange(group);
    const node = nodeKeyExchange(group);
    expect(node.publicKeyLength).toBe(noble.publicKeyLength);
    expect(node.sharedSecretLength).toBe(noble.sharedSecretLength);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 16 }), fc.string({ minLength: 1, maxLength: 16 }), (seedA, seedB) => {
        const a = noble.generateKeyPair(seededRandom(`a:${seedA}`));
        const aNode = node.generateKeyPair(seededRandom(`a:${seedA}`));
        expect(bytesToHex(aNode.privateKey)).toBe(bytesToHex(a.privateKey));
        expect(bytesToHex(aNode.publicKey)).toBe(bytesToHex(a.publicKey));
        expect(a.publicKey.length).toBe(noble.publicKeyLength);
        const b = node.generateKeyPair(seededRandom(`b:${seedB}`));
        expect(bytesToHex(noble.publicKeyFor(b.privateKey))).toBe(bytesToHex(b.publicKey));
        const ab = noble.computeSharedSecret(a.privateKey, b.publicKey);
        const ba = node.computeSharedSecret(b.privateKey, a.publicKey);
        expect(ab.length).toBe(noble.sharedSecretLength);
        expect(bytesToHex(ba)).toBe(bytesToHex(ab));
        expect(bytesToHex(node.computeSharedSecret(a.privateKey, b.publicKey))).toBe(bytesToHex(ab));
      }),
      { numRuns },
    );
  });

  test.each([
    ['x25519', 32],
    ['x448', 56],
  ] as const)('%s: any private key and any u-coordinate give the same result', (group, length) => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: length, maxLength: length }), fc.uint8Array({ minLength: length, maxLength: length }), (k, u) => {
        let nobleResult: string;
        try {
          nobleResult = bytesToHex(nobleKeyExchange(group).computeSharedSecret(k, u));
        } catch (e) {
          expect((e as CryptoError).code).toBe('invalid-public-key');
          expectCryptoError(() => nodeKeyExchange(group).computeSharedSecret(k, u), 'invalid-public-key');
          return;
        }
        expect(bytesToHex(nodeKeyExchange(group).computeSharedSecret(k, u))).toBe(nobleResult);
      }),
      { numRuns: 50 },
    );
  });

  test('the default random sources give working key pairs', () => {
    for (const [, kx] of IMPLEMENTATIONS) {
      const a = kx('x25519').generateKeyPair();
      const b = kx('x25519').generateKeyPair();
      expect(bytesToHex(a.privateKey)).not.toBe(bytesToHex(b.privateKey));
      expect(bytesToHex(kx('x25519').computeSharedSecret(a.privateKey, b.publicKey))).toBe(
        bytesToHex(kx('x25519').computeSharedSecret(b.privateKey, a.publicKey)),
      );
    }
  });
});

describe.each(IMPLEMENTATIONS)('%s refuses bad input', (_name, kx) => {
  test('X25519/X448: low-order points giving an all-zero secret (RFC 7748 §6), wrong lengths', () => {
    for (const [group, length] of [
      ['x25519', 32],
      ['x448', 56],
    ] as const) {
      const { privateKey } = kx(group).generateKeyPair(seededRandom(`zero:${group}`));
      const zero = new Uint8Array(length);
      const one = new Uint8Array(length);
      one[0] = 1;
      expectCryptoError(() => kx(group).computeSharedSecret(privateKey, zero), 'invalid-public-key');
      expectCryptoError(() => kx(group).computeSharedSecret(privateKey, one), 'invalid-public-key');
      expectCryptoError(() => kx(group).computeSharedSecret(privateKey, new Uint8Array(length - 1).fill(9)), 'invalid-public-key');
      expectCryptoError(() => kx(group).computeSharedSecret(privateKey.subarray(1), one), 'invalid-private-key');
      expectCryptoError(() => kx(group).publicKeyFor(new Uint8Array(length + 1)), 'invalid-private-key');
    }
  });

  test.each([
    ['secp256r1', 32],
    ['secp384r1', 48],
    ['secp521r1', 66],
  ] as const)('ECDH %s: compressed, off-curve, infinity, out-of-range and short encodings (RFC 8446 §4.2.8.2)', (group, n) => {
    const kxg = kx(group);
    const alice = kxg.generateKeyPair(seededRandom(`alice:${group}`));
    const bob = kxg.generateKeyPair(seededRandom(`bob:${group}`));
    expect(bytesToHex(kxg.computeSharedSecret(alice.privateKey, bob.publicKey))).toHaveLength(2 * n);
    const x = bob.publicKey.subarray(1, 1 + n);
    const y = bob.publicKey.subarray(1 + n);
    const compressed = Uint8Array.of(0x02 | (y[n - 1] & 1), ...x);
    const offCurve = Uint8Array.from(bob.publicKey);
    offCurve[offCurve.length - 1] ^= 1;
    const hybrid = Uint8Array.from(bob.publicKey);
    hybrid[0] = 0x06 | (y[n - 1] & 1);
    const xTooLarge = Uint8Array.of(0x04, ...new Uint8Array(n).fill(0xff), ...y);
    for (const bad of [compressed, offCurve, hybrid, xTooLarge, Uint8Array.of(0x00), new Uint8Array(1 + 2 * n), bob.publicKey.subarray(0, 2 * n)]) {
      expectCryptoError(() => kxg.computeSharedSecret(alice.privateKey, bad), 'invalid-public-key');
    }
    expectCryptoError(() => kxg.publicKeyFor(new Uint8Array(n)), 'invalid-private-key');
    expectCryptoError(() => kxg.publicKeyFor(new Uint8Array(n).fill(0xff)), 'invalid-private-key');
    expectCryptoError(() => kxg.publicKeyFor(alice.privateKey.subarray(1)), 'invalid-private-key');
  });

  test.each(['modp2048', 'modp3072', 'modp4096'] as const)('MODP %s: 1 < y < p-1 and exact length (RFC 7296 §3.4)', (group) => {
    const modp = MODP_GROUPS[group];
    const kxg = kx(group);
    const privateKey = hexToBytes('0102030405060708090a0b0c0d0e0f10');
    for (const y of [0n, 1n, modp.p - 1n, modp.p, modp.p + 1n, (1n << BigInt(modp.byteLength * 8)) - 1n]) {
      expectCryptoError(() => kxg.computeSharedSecret(privateKey, toBytes(y, modp.byteLength)), 'invalid-public-key');
    }
    // y = 2 and y = p-2 are in range; 2^x is then also g^x, the public value.
    expect(bytesToHex(kxg.computeSharedSecret(privateKey, toBytes(2n, modp.byteLength)))).toBe(bytesToHex(kxg.publicKeyFor(privateKey)));
    expect(kxg.computeSharedSecret(privateKey, toBytes(modp.p - 2n, modp.byteLength))).toHaveLength(modp.byteLength);
    expectCryptoError(() => kxg.computeSharedSecret(privateKey, toBytes(2n, modp.byteLength - 1)), 'invalid-public-key');
    expectCryptoError(() => kxg.computeSharedSecret(privateKey, toBytes(2n, modp.byteLength + 1)), 'invalid-public-key');
    expectCryptoError(() => kxg.publicKeyFor(new Uint8Array(0)), 'invalid-private-key');
    expectCryptoError(() => kxg.publicKeyFor(Uint8Array.of(1)), 'invalid-private-key');
    expectCryptoError(() => kxg.publicKeyFor(toBytes(modp.p - 1n, modp.byteLength)), 'invalid-private-key');
  });

  test('an unknown group is CryptoError(unsupported)', () => {
    expectCryptoError(() => kx('ffdhe2048' as KeyExchangeGroup), 'unsupported');
  });
});

/** π · 2^bits, truncated, by Machin's formula π = 16·arctan(1/5) − 4·arctan(1/239). */
function piFixedPoint(bits: number): bigint {
  const guard = 64n;
  const one = 1n << (BigInt(bits) + guard);
  const arctanInverse = (x: bigint): bigint => {
    let sum = 0n;
    let power = one / x;
    const x2 = x * x;
    for (let n = 1n; power !== 0n; n += 2n) {
      sum += (n & 2n) === 0n ? power / n : -(power / n);
      power /= x2;
    }
    return sum;
  };
  return (16n * arctanInverse(5n) - 4n * arctanInverse(239n)) >> guard;
}

describe('RFC 3526 primes', () => {
  // RFC 3526 §3, §4, §5: "The prime is: 2^k - 2^(k-64) - 1 + 2^64 * { [2^(k-130) pi] + N }".
  test.each([
    ['modp2048', MODP_GROUPS.modp2048, 2048, 124476n, 'modp14'],
    ['modp3072', MODP_GROUPS.modp3072, 3072, 1690314n, 'modp15'],
    ['modp4096', MODP_GROUPS.modp4096, 4096, 240904n, 'modp16'],
  ] as const)('%s matches the RFC formula and OpenSSL', (_name: string, group: ModpGroup, k: number, N: bigint, openssl: string) => {
    const K = BigInt(k);
    const p = (1n << K) - (1n << (K - 64n)) - 1n + (1n << 64n) * (piFixedPoint(k - 130) + N);
    expect(group.p).toBe(p);
    expect(group.byteLength * 8).toBe(k);
    expect(group.g).toBe(2n);
    const dh = getDiffieHellman(openssl);
    expect(dh.getPrime('hex')).toBe(p.toString(16));
    expect(dh.getGenerator('hex')).toBe('02');
  });
});
