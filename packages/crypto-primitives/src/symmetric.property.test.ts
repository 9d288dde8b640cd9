/**
 * Differential property tests between the two providers (noble, pure TypeScript; node, OpenSSL):
 * what one seals the other opens, any single flipped bit is refused, and both agree on every
 * hash, MAC and block operation. Plus the argument checks both share. fast-check runs with a
 * fixed seed so that the suite is deterministic.
 */
import fc from 'fast-check';
import { CryptoError } from './errors.js';
import { nobleSymmetric } from './noble/symmetric.js';
import { nodeSymmetric } from './node/symmetric.js';
import type { AeadName, CryptoProvider, HashName } from './types.js';

type Symmetric = Pick<CryptoProvider, 'hash' | 'hmac' | 'aesXcbcMac96' | 'aead' | 'gmac' | 'aesCbc'>;
const PROVIDERS: ReadonlyArray<[string, Symmetric]> = [
  ['noble', nobleSymmetric],
  ['node', nodeSymmetric],
];
const PAIRS: ReadonlyArray<[string, Symmetric, Symmetric]> = [
  ['noble → node', nobleSymmetric, nodeSymmetric],
  ['node → noble', nodeSymmetric, nobleSymmetric],
];

const RUNS = { seed: 0x1a7e45ec, numRuns: 60 };
const toHex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('hex'));
const bytes = (min: number, max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: min, maxLength: max });

function flipBit(data: Uint8Array, bit: number): Uint8Array {
  const out = data.slice();
  out[bit >> 3] ^= 1 << (bit & 7);
  return out;
}

const AEADS: ReadonlyArray<[AeadName, number, number]> = [
  ['AES-128-GCM', 16, 16],
  ['AES-128-GCM', 16, 12],
  ['AES-128-GCM', 16, 8],
  ['AES-256-GCM', 32, 16],
  ['AES-256-GCM', 32, 12],
  ['AES-256-GCM', 32, 8],
  ['CHACHA20-POLY1305', 32, 16],
];

describe.each(PAIRS)('AEAD differential, %s', (_label, sealer, opener) => {
  it.each(AEADS.map(([n, k, t]) => [`${n} with a ${t}-byte tag`, n, k, t] as const))(
    '%s: sealed by one provider, opened by the other; a flipped bit is refused',
    (_n, name, keyLength, tagLength) => {
      fc.assert(
        fc.property(
          bytes(keyLength, keyLength),
          bytes(12, 12),
          bytes(0, 40),
          bytes(0, 300),
          fc.nat(),
          (key, nonce, aad, plaintext, bitSeed) => {
            const sealed = sealer.aead(name, key, tagLength).seal(nonce, plaintext, aad);
            const aead = opener.aead(name, key, tagLength);
            expect(sealed.length).toBe(plaintext.length + tagLength);
            expect(toHex(aead.seal(nonce, plaintext, aad))).toBe(toHex(sealed));
            expect(toHex(aead.open(nonce, sealed, aad))).toBe(toHex(plaintext));
            // One flipped bit anywhere in ciphertext || tag, or in the AAD, is refused by both.
            const flipped = flipBit(sealed, bitSeed % (sealed.length * 8));
            expect(aead.open(nonce, flipped, aad)).toBeNull();
            expect(sealer.aead(name, key, tagLength).open(nonce, flipped, aad)).toBeNull();
            if (aad.length > 0) expect(aead.open(nonce, sealed, flipBit(aad, bitSeed % (aad.length * 8)))).toBeNull();
            // A truncated input is refused, never an exception.
            expect(aead.open(nonce, sealed.subarray(0, bitSeed % sealed.length), aad)).toBeNull();
          },
        ),
        RUNS,
      );
    },
  );
});

describe('providers agree', () => {
  const HASHES: HashName[] = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];

  it('on hashes fed in random pieces, and on clones', () => {
    fc.assert(
      fc.property(fc.constantFrom(...HASHES), fc.array(bytes(0, 200), { maxLength: 6 }), (name, pieces) => {
        const results = PROVIDERS.map(([, p]) => {
          const ctx = p.hash(name).create();
          for (const piece of pieces) ctx.update(piece);
          const clone = ctx.clone();
          return [toHex(ctx.digest()), toHex(clone.digest())];
        });
        const whole = toHex(nobleSymmetric.hash(name).digest(Buffer.concat(pieces)));
        expect(results).toEqual([
          [whole, whole],
          [whole, whole],
        ]);
      }),
      RUNS,
    );
  });

  it('on HMAC, full and truncated', () => {
    fc.assert(
      fc.property(fc.constantFrom(...HASHES), bytes(0, 150), bytes(0, 300), fc.boolean(), (name, key, data, truncate) => {
        const full = nobleSymmetric.hash(name).outputLength;
        const truncateTo = truncate ? Math.max(10, full / 2) : undefined;
        const [a, b] = PROVIDERS.map(([, p]) => p.hmac(name, key, truncateTo));
        const tag = a.compute(data);
        expect(toHex(b.compute(data))).toBe(toHex(tag));
        expect(b.verify(tag, data)).toBe(true);
        expect(b.verify(flipBit(tag, data.length % (tag.length * 8)), data)).toBe(false);
      }),
      RUNS,
    );
  });

  it('on AES-GMAC', () => {
    fc.assert(
      fc.property(fc.constantFrom(16, 24, 32), fc.nat(), bytes(12, 12), bytes(0, 300), (keyLength, seed, nonce, data) => {
        const key = new Uint8Array(keyLength).map((_, i) => (seed + i * 31) & 0xff);
        const tag = nobleSymmetric.gmac(key).compute(nonce, data);
        expect(toHex(nodeSymmetric.gmac(key).compute(nonce, data))).toBe(toHex(tag));
        expect(nodeSymmetric.gmac(key).verify(nonce, data, tag)).toBe(true);
        expect(nobleSymmetric.gmac(key).verify(nonce, data, flipBit(tag, seed % 128))).toBe(false);
      }),
      RUNS,
    );
  });

  it('on raw AES-CBC both ways', () => {
    fc.assert(
      fc.property(fc.constantFrom(16, 24, 32), fc.nat(), bytes(16, 16), fc.integer({ min: 0, max: 20 }), (keyLength, seed, iv, blocks) => {
        const key = new Uint8Array(keyLength).map((_, i) => (seed * 7 + i) & 0xff);
        const data = new Uint8Array(blocks * 16).map((_, i) => (seed + i * 13) & 0xff);
        const ct = nobleSymmetric.aesCbc(key).encrypt(iv, data);
        expect(toHex(nodeSymmetric.aesCbc(key).encrypt(iv, data))).toBe(toHex(ct));
        expect(toHex(nodeSymmetric.aesCbc(key).decrypt(iv, ct))).toBe(toHex(data));
        expect(toHex(nobleSymmetric.aesCbc(key).decrypt(iv, ct))).toBe(toHex(data));
      }),
      RUNS,
    );
  });

  it('on AES-XCBC-MAC-96 over messages of every length class', () => {
    fc.assert(
      fc.property(bytes(16, 16), bytes(0, 100), fc.nat(), (key, message, cutSeed) => {
        const cut = message.length === 0 ? 0 : cutSeed % message.length;
        const tag = nobleSymmetric.aesXcbcMac96(key).compute(message);
        const node = nodeSymmetric.aesXcbcMac96(key);
        expect(toHex(node.compute(message.subarray(0, cut), message.subarray(cut)))).toBe(toHex(tag));
        expect(node.verify(tag, message)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe.each(PROVIDERS)('argument checks on the %s provider', (_name, provider) => {
  const code = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(CryptoError);
      return (e as CryptoError).code;
    }
    return undefined;
  };

  it('refuses AEAD keys, tags and nonces of the wrong length', () => {
    expect(code(() => provider.aead('AES-128-GCM', new Uint8Array(32)))).toBe('bad-key-length');
    expect(code(() => provider.aead('AES-256-GCM', new Uint8Array(16)))).toBe('bad-key-length');
    expect(code(() => provider.aead('CHACHA20-POLY1305', new Uint8Array(16)))).toBe('bad-key-length');
    expect(code(() => provider.aead('AES-128-GCM', new Uint8Array(16), 4))).toBe('bad-tag-length');
    expect(code(() => provider.aead('AES-128-GCM', new Uint8Array(16), 13))).toBe('bad-tag-length');
    expect(code(() => provider.aead('CHACHA20-POLY1305', new Uint8Array(32), 12))).toBe('bad-tag-length');
    const aead = provider.aead('AES-128-GCM', new Uint8Array(16));
    expect(code(() => aead.seal(new Uint8Array(8), new Uint8Array(1)))).toBe('bad-nonce-length');
    expect(code(() => aead.open(new Uint8Array(16), new Uint8Array(32)))).toBe('bad-nonce-length');
    expect(aead.open(new Uint8Array(12), new Uint8Array(15))).toBeNull();
    expect(aead.open(new Uint8Array(12), new Uint8Array(0))).toBeNull();
  });

  it('reports the AEAD parameters it was built with', () => {
    const aead = provider.aead('AES-256-GCM', new Uint8Array(32), 12);
    expect([aead.name, aead.keyLength, aead.nonceLength, aead.tagLength]).toEqual(['AES-256-GCM', 32, 12, 12]);
  });

  it('refuses HMAC truncations outside RFC 2104 §5 and unknown hashes', () => {
    expect(code(() => provider.hmac('SHA-1', new Uint8Array(20), 9))).toBe('bad-length');
    expect(code(() => provider.hmac('SHA-256', new Uint8Array(32), 33))).toBe('bad-length');
    expect(code(() => provider.hmac('SHA-256', new Uint8Array(32), 12.5))).toBe('bad-length');
    expect(code(() => provider.hash('MD5' as HashName))).toBe('unsupported');
    expect(provider.hmac('SHA-1', new Uint8Array(20), 12).outputLength).toBe(12);
  });

  it('refuses GMAC, CBC and XCBC inputs of the wrong length', () => {
    expect(code(() => provider.gmac(new Uint8Array(20)))).toBe('bad-key-length');
    expect(code(() => provider.gmac(new Uint8Array(16)).compute(new Uint8Array(16), new Uint8Array(0)))).toBe(
      'bad-nonce-length',
    );
    expect(provider.gmac(new Uint8Array(16)).verify(new Uint8Array(12), new Uint8Array(0), new Uint8Array(12))).toBe(false);
    expect(code(() => provider.aesCbc(new Uint8Array(15)))).toBe('bad-key-length');
    const cbc = provider.aesCbc(new Uint8Array(16));
    expect(code(() => cbc.encrypt(new Uint8Array(16), new Uint8Array(17)))).toBe('bad-length');
    expect(code(() => cbc.decrypt(new Uint8Array(16), new Uint8Array(15)))).toBe('bad-length');
    expect(code(() => cbc.decrypt(new Uint8Array(12), new Uint8Array(16)))).toBe('bad-nonce-length');
    expect(cbc.encrypt(new Uint8Array(16), new Uint8Array(0))).toHaveLength(0);
    expect(code(() => provider.aesXcbcMac96(new Uint8Array(32)))).toBe('bad-key-length');
    expect(provider.aesXcbcMac96(new Uint8Array(16)).verify(new Uint8Array(16), new Uint8Array(3))).toBe(false);
  });

  it('returns plain Uint8Array, not a Node Buffer', () => {
    const key = new Uint8Array(16);
    const outputs = [
      provider.hash('SHA-256').digest(new Uint8Array(3)),
      provider.hash('SHA-256').create().update(new Uint8Array(3)).digest(),
      provider.hmac('SHA-256', key).compute(new Uint8Array(3)),
      provider.aead('AES-128-GCM', key).seal(new Uint8Array(12), new Uint8Array(3)),
      provider.aead('AES-128-GCM', key).open(new Uint8Array(12), provider.aead('AES-128-GCM', key).seal(new Uint8Array(12), new Uint8Array(3))),
      provider.gmac(key).compute(new Uint8Array(12), new Uint8Array(3)),
      provider.aesCbc(key).encrypt(new Uint8Array(16), new Uint8Array(16)),
      provider.aesXcbcMac96(key).compute(new Uint8Array(3)),
    ];
    for (const out of outputs) expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
  });
});
