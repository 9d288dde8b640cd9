/**
 * RFC known answers for the symmetric primitives, transcribed into test-vectors/ (one file per
 * RFC, each naming its section), run against both providers.
 */
import { loadVectors } from '@layersec/test-vectors';
import { nobleSymmetric } from './noble/symmetric.js';
import { nodeSymmetric } from './node/symmetric.js';
import type { CryptoProvider } from './types.js';

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

describe.each(PROVIDERS)('RFC vectors on the %s provider', (_providerName, provider) => {
  describe(rfc8439.source, () => {
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
