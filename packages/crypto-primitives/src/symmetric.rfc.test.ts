/**
 * Known answers for the symmetric primitives transcribed from their standards into test-vectors/
 * (one file per source, each naming its section): FIPS 180-2 (SHA), RFC 2202 (HMAC-SHA-1 and
 * the HMAC-SHA-1-96 of RFC 2404), RFC 4231 (HMAC-SHA2),
 * RFC 4868 (IPsec's truncated HMAC-SHA2), RFC 3566 (AES-XCBC-MAC-96), RFC 8439
 * (ChaCha20-Poly1305). Every vector runs against both providers.
 */
import { loadVectors } from '@layersec/test-vectors';
import { nobleSymmetric } from './noble/symmetric.js';
import { nodeSymmetric } from './node/symmetric.js';
import type { CryptoProvider, HashName } from './types.js';

type Symmetric = Pick<CryptoProvider, 'hash' | 'hmac' | 'aesXcbcMac96' | 'aead' | 'gmac' | 'aesCbc'>;
const PROVIDERS: ReadonlyArray<[string, Symmetric]> = [
  ['noble', nobleSymmetric],
  ['node', nodeSymmetric],
];

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('hex'));

interface VectorFile<V> {
  source: string;
  vectors: V[];
}

interface AeadVector {
  name: string;
  key: string;
  nonce: string;
  aad: string;
  plaintext: string;
  ciphertext: string;
  tag: string;
}

const rfc8439 = loadVectors<VectorFile<AeadVector>>('rfc8439-chacha20-poly1305.json');

interface HashVector {
  name: string;
  hash: HashName;
  message: string;
  repeat?: number;
  digest: string;
}
const fips180 = loadVectors<VectorFile<HashVector>>('fips180-2-sha-examples.json');

interface Rfc4231Vector {
  name: string;
  key: string;
  data: string;
  truncateTo?: number;
  sha256: string;
  sha384: string;
  sha512: string;
}
const rfc4231 = loadVectors<VectorFile<Rfc4231Vector>>('rfc4231-hmac-sha2.json');

interface Rfc2202Vector {
  name: string;
  key: string;
  data: string;
  digest: string;
  digest96?: string;
}
const rfc2202 = loadVectors<VectorFile<Rfc2202Vector>>('rfc2202-hmac-sha1.json');

interface Rfc4868Vector {
  name: string;
  hash: HashName;
  key: string;
  data: string;
  prf: string;
  icv: string;
}
const rfc4868 = loadVectors<VectorFile<Rfc4868Vector>>('rfc4868-hmac-sha2-ipsec.json');

interface Rfc3566Vector {
  name: string;
  key: string;
  message: string;
  aesXcbcMac: string;
  aesXcbcMac96: string;
}
const rfc3566 = loadVectors<VectorFile<Rfc3566Vector>>('rfc3566-aes-xcbc-mac-96.json');

function flipLastBit(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out[out.length - 1] ^= 0x01;
  return out;
}

describe.each(PROVIDERS)('standard vectors on the %s provider', (_providerName, provider) => {
  describe('FIPS 180-2 Appendices A-D (fips180-2-sha-examples.json)', () => {
    it.each(fips180.vectors.map((v) => [v.name, v] as const))('%s', (_n, v) => {
      const message = new TextEncoder().encode(v.message.repeat(v.repeat ?? 1));
      const hash = provider.hash(v.hash);
      expect(hash.outputLength).toBe(v.digest.length / 2);
      expect(toHex(hash.digest(message))).toBe(v.digest);
      // The same digest fed in uneven pieces, and from a clone taken halfway through: the clone
      // and the original continue independently.
      const ctx = hash.create();
      const half = message.length >> 1;
      for (let off = 0; off < half; off += 7919) ctx.update(message.subarray(off, Math.min(half, off + 7919)));
      const copy = ctx.clone();
      ctx.update(message.subarray(half));
      copy.update(new Uint8Array([0x00]));
      expect(toHex(ctx.digest())).toBe(v.digest);
      expect(toHex(copy.digest())).not.toBe(v.digest);
    });

    it('names SHA-1/256 block length 64 and SHA-384/512 block length 128 (FIPS 180-4 §1)', () => {
      expect(provider.hash('SHA-1').blockLength).toBe(64);
      expect(provider.hash('SHA-256').blockLength).toBe(64);
      expect(provider.hash('SHA-384').blockLength).toBe(128);
      expect(provider.hash('SHA-512').blockLength).toBe(128);
    });
  });

  describe('RFC 2202 §3 (rfc2202-hmac-sha1.json)', () => {
    it.each(rfc2202.vectors.map((v) => [v.name, v] as const))('%s', (_n, v) => {
      const mac = provider.hmac('SHA-1', hex(v.key));
      expect(toHex(mac.compute(hex(v.data)))).toBe(v.digest);
      expect(mac.verify(hex(v.digest), hex(v.data))).toBe(true);
      expect(mac.verify(flipLastBit(hex(v.digest)), hex(v.data))).toBe(false);
      if (v.digest96 !== undefined) {
        // HMAC-SHA-1-96 (RFC 2404 §2): the leftmost 96 bits.
        const sha1x96 = provider.hmac('SHA-1', hex(v.key), 12);
        expect(toHex(sha1x96.compute(hex(v.data)))).toBe(v.digest96);
        expect(sha1x96.verify(hex(v.digest96), hex(v.data))).toBe(true);
        expect(sha1x96.verify(hex(v.digest), hex(v.data))).toBe(false);
      }
    });
  });

  describe('RFC 4231 §4 (rfc4231-hmac-sha2.json)', () => {
    const cases = rfc4231.vectors.flatMap((v) =>
      (['SHA-256', 'SHA-384', 'SHA-512'] as const).map((hash) => {
        const expected = hash === 'SHA-256' ? v.sha256 : hash === 'SHA-384' ? v.sha384 : v.sha512;
        return [`${v.name} HMAC-${hash}`, { v, hash, expected }] as const;
      }),
    );
    it.each(cases)('%s', (_n, { v, hash, expected }) => {
      const mac = provider.hmac(hash, hex(v.key), v.truncateTo);
      expect(mac.outputLength).toBe(expected.length / 2);
      expect(toHex(mac.compute(hex(v.data)))).toBe(expected);
      expect(mac.verify(hex(expected), hex(v.data))).toBe(true);
      expect(mac.verify(flipLastBit(hex(expected)), hex(v.data))).toBe(false);
      // A tag of another length never verifies, even a correct prefix.
      expect(mac.verify(hex(expected).subarray(0, expected.length / 2 - 1), hex(v.data))).toBe(false);
    });
  });

  describe('RFC 4868 §2.7.2 (rfc4868-hmac-sha2-ipsec.json)', () => {
    it.each(rfc4868.vectors.map((v) => [v.name, v] as const))('%s', (_n, v) => {
      const prf = provider.hmac(v.hash, hex(v.key));
      expect(toHex(prf.compute(hex(v.data)))).toBe(v.prf);
      // RFC 4868 §2.1: the ICV is the leftmost half of the HMAC output.
      const integ = provider.hmac(v.hash, hex(v.key), v.icv.length / 2);
      expect(toHex(integ.compute(hex(v.data)))).toBe(v.icv);
      expect(integ.verify(hex(v.icv), hex(v.data))).toBe(true);
      expect(integ.verify(flipLastBit(hex(v.icv)), hex(v.data))).toBe(false);
      expect(integ.verify(hex(v.prf), hex(v.data))).toBe(false);
    });
  });

  describe('RFC 3566 §4.6 (rfc3566-aes-xcbc-mac-96.json)', () => {
    it.each(rfc3566.vectors.map((v) => [v.name, v] as const))('%s', (_n, v) => {
      const mac = provider.aesXcbcMac96(hex(v.key));
      const message = hex(v.message);
      expect(mac.outputLength).toBe(12);
      expect(toHex(mac.compute(message))).toBe(v.aesXcbcMac96);
      expect(mac.verify(hex(v.aesXcbcMac96), message)).toBe(true);
      expect(mac.verify(flipLastBit(hex(v.aesXcbcMac96)), message)).toBe(false);
      expect(mac.verify(hex(v.aesXcbcMac), message)).toBe(false);
      // The message given in parts that do not fall on block boundaries.
      const cut = Math.min(message.length, 5);
      expect(toHex(mac.compute(message.subarray(0, cut), message.subarray(cut)))).toBe(v.aesXcbcMac96);
    });
  });

  describe('RFC 8439 §2.8.2 and A.5 (rfc8439-chacha20-poly1305.json)', () => {
    it.each(rfc8439.vectors.map((v) => [v.name, v] as const))('%s: seal and open', (_n, v) => {
      const aead = provider.aead('CHACHA20-POLY1305', hex(v.key));
      const sealed = `${v.ciphertext}${v.tag}`;
      expect(toHex(aead.seal(hex(v.nonce), hex(v.plaintext), hex(v.aad)))).toBe(sealed);
      expect(toHex(aead.open(hex(v.nonce), hex(sealed), hex(v.aad)))).toBe(v.plaintext);
    });

    it.each(rfc8439.vectors.map((v) => [v.name, v] as const))('%s: a changed AAD or tag is refused', (_n, v) => {
      const aead = provider.aead('CHACHA20-POLY1305', hex(v.key));
      const sealed = hex(`${v.ciphertext}${v.tag}`);
      const aad = hex(v.aad);
      aad[0] ^= 0x01;
      expect(aead.open(hex(v.nonce), sealed, aad)).toBeNull();
      sealed[sealed.length - 1] ^= 0x80;
      expect(aead.open(hex(v.nonce), sealed, hex(v.aad))).toBeNull();
    });
  });
});
