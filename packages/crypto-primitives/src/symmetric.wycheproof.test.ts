/**
 * Wycheproof known answers (C2SP/wycheproof testvectors_v1) for the symmetric primitives, run
 * against both providers: valid cases must give the published output and round-trip, invalid
 * ones must be refused. Each case is named `Wycheproof/<file>/<tcId> (<comment>)`.
 */
import { caseName, loadWycheproof, type WycheproofFile, type WycheproofTest } from '@layersec/test-vectors';
import { CryptoError } from './errors.js';
import { nobleSymmetric } from './noble/symmetric.js';
import { nodeSymmetric } from './node/symmetric.js';
import type { AeadName, CryptoProvider, HashName } from './types.js';

type Symmetric = Pick<CryptoProvider, 'hash' | 'hmac' | 'aesXcbcMac96' | 'aead' | 'gmac' | 'aesCbc'>;
const PROVIDERS: ReadonlyArray<[string, Symmetric]> = [
  ['noble', nobleSymmetric],
  ['node', nodeSymmetric],
];

const hex = (s: unknown): Uint8Array => new Uint8Array(Buffer.from(String(s), 'hex'));
const toHex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('hex'));

interface Case {
  name: string;
  group: Record<string, unknown>;
  test: WycheproofTest;
}

/** Every test of a Wycheproof file with its group's parameters; empty (and a warning) when the
 * shared vectors folder is absent. */
function cases(fileName: string): Case[] {
  const file: WycheproofFile | null = loadWycheproof(fileName);
  if (file === null) return [];
  return file.testGroups.flatMap((group) =>
    group.tests.map((test) => ({ name: caseName(fileName, test), group, test })),
  );
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3] ^= 1 << (bit & 7);
  return out;
}

const WYCHEPROOF_PRESENT = loadWycheproof('aes_gcm_test.json') !== null;
// When the shared vectors folder is absent nothing below is declared (`it.each` refuses an empty
// table); the test at the end says so instead.
const describeIfVectors = WYCHEPROOF_PRESENT ? describe.each(PROVIDERS) : (): void => undefined;

describeIfVectors('Wycheproof vectors on the %s provider', (_providerName, provider) => {
  // -------------------------------------------------------------------------------------------
  // AES-GCM: 96-bit IVs with 128/256-bit keys through aead(); AES-192 is not one of our AEADs
  // (RFC 4106 ESP and TLS use AES-128/256), and every other IV length must be refused since
  // ESP (RFC 4106 §4) and TLS 1.3 (RFC 8446 §5.3) only build 96-bit nonces.
  const gcmCases = cases('aes_gcm_test.json').filter((c) => c.group.keySize !== 192);
  it.each(gcmCases.map((c) => [c.name, c] as const))('%s', (_n, { group, test }) => {
    const name: AeadName = group.keySize === 128 ? 'AES-128-GCM' : 'AES-256-GCM';
    const aead = provider.aead(name, hex(test.key));
    const iv = hex(test.iv);
    const aad = hex(test.aad);
    const msg = hex(test.msg);
    const sealed = hex(`${String(test.ct)}${String(test.tag)}`);
    if (group.ivSize !== 96) {
      expect(() => aead.seal(iv, msg, aad)).toThrow(CryptoError);
      expect(() => aead.open(iv, sealed, aad)).toThrow(expect.objectContaining({ code: 'bad-nonce-length' }));
      return;
    }
    if (test.result === 'valid') {
      expect(toHex(aead.seal(iv, msg, aad))).toBe(toHex(sealed));
      expect(toHex(aead.open(iv, sealed, aad))).toBe(toHex(msg));
      // RFC 4106 §3 ICVs of 12 and 8 octets are the leading octets of the full tag
      // (SP 800-38D §7.1 step 6, T = MSB_t(...)), so the published tag gives their answers too.
      for (const t of [12, 8]) {
        const short = provider.aead(name, hex(test.key), t);
        const expected = sealed.subarray(0, msg.length + t);
        expect(toHex(short.seal(iv, msg, aad))).toBe(toHex(expected));
        expect(toHex(short.open(iv, expected, aad))).toBe(toHex(msg));
        expect(short.open(iv, flipBit(expected, 8 * (expected.length - 1)), aad)).toBeNull();
      }
    } else {
      expect(aead.open(iv, sealed, aad)).toBeNull();
    }
  });

  // -------------------------------------------------------------------------------------------
  // ChaCha20-Poly1305 (RFC 8439): 96-bit nonces only (§2.8: N_MIN = N_MAX = 12).
  const chachaCases = cases('chacha20_poly1305_test.json');
  it.each(chachaCases.map((c) => [c.name, c] as const))('%s', (_n, { group, test }) => {
    const aead = provider.aead('CHACHA20-POLY1305', hex(test.key));
    const iv = hex(test.iv);
    const aad = hex(test.aad);
    const msg = hex(test.msg);
    const sealed = hex(`${String(test.ct)}${String(test.tag)}`);
    if (group.ivSize !== 96) {
      expect(test.result).toBe('invalid');
      expect(() => aead.open(iv, sealed, aad)).toThrow(expect.objectContaining({ code: 'bad-nonce-length' }));
      return;
    }
    if (test.result === 'valid') {
      expect(toHex(aead.seal(iv, msg, aad))).toBe(toHex(sealed));
      expect(toHex(aead.open(iv, sealed, aad))).toBe(toHex(msg));
    } else {
      expect(aead.open(iv, sealed, aad)).toBeNull();
    }
  });

  // -------------------------------------------------------------------------------------------
  // AES-GMAC (RFC 4543): a 96-bit nonce (salt || IV, §3.1); other IV lengths are refused.
  const gmacCases = cases('aes_gmac_test.json');
  it.each(gmacCases.map((c) => [c.name, c] as const))('%s', (_n, { group, test }) => {
    const gmac = provider.gmac(hex(test.key));
    const iv = hex(test.iv);
    const msg = hex(test.msg);
    const tag = hex(test.tag);
    if (group.ivSize !== 96) {
      expect(() => gmac.verify(iv, msg, tag)).toThrow(expect.objectContaining({ code: 'bad-nonce-length' }));
      return;
    }
    if (test.result === 'valid') {
      expect(toHex(gmac.compute(iv, msg))).toBe(toHex(tag));
      expect(gmac.verify(iv, msg, tag)).toBe(true);
    } else {
      expect(gmac.verify(iv, msg, tag)).toBe(false);
    }
  });

  // -------------------------------------------------------------------------------------------
  // AES-CBC with PKCS#5 padding (RFC 8018 §6.1.1 step 4) added and checked here around the raw
  // CBC of aesCbc(): valid cases must match, invalid ones (bad padding, partial block) refused.
  const cbcCases = cases('aes_cbc_pkcs5_test.json');
  it.each(cbcCases.map((c) => [c.name, c] as const))('%s', (_n, { test }) => {
    const cbc = provider.aesCbc(hex(test.key));
    const iv = hex(test.iv);
    const msg = hex(test.msg);
    const ct = hex(test.ct);
    const unpad = (padded: Uint8Array): Uint8Array | null => {
      const n = padded.length === 0 ? 0 : padded[padded.length - 1];
      if (n < 1 || n > 16 || n > padded.length) return null;
      for (let i = padded.length - n; i < padded.length; i++) if (padded[i] !== n) return null;
      return padded.subarray(0, padded.length - n);
    };
    if (test.result === 'valid') {
      const n = 16 - (msg.length % 16);
      const padded = new Uint8Array(msg.length + n).fill(n);
      padded.set(msg);
      expect(toHex(cbc.encrypt(iv, padded))).toBe(toHex(ct));
      expect(toHex(unpad(cbc.decrypt(iv, ct)))).toBe(toHex(msg));
    } else if (ct.length % 16 !== 0) {
      expect(() => cbc.decrypt(iv, ct)).toThrow(expect.objectContaining({ code: 'bad-length' }));
    } else {
      expect(unpad(cbc.decrypt(iv, ct))).toBeNull();
    }
  });

  // -------------------------------------------------------------------------------------------
  // HMAC (RFC 2104), full and truncated (the files' tagSize), valid must verify, invalid must not.
  const hmacFiles: ReadonlyArray<[string, HashName]> = [
    ['hmac_sha1_test.json', 'SHA-1'],
    ['hmac_sha256_test.json', 'SHA-256'],
    ['hmac_sha384_test.json', 'SHA-384'],
    ['hmac_sha512_test.json', 'SHA-512'],
  ];
  for (const [fileName, hashName] of hmacFiles) {
    const hmacCases = cases(fileName);
    it.each(hmacCases.map((c) => [c.name, c] as const))('%s', (_n, { group, test }) => {
      const tagBytes = Number(group.tagSize) / 8;
      const full = provider.hash(hashName).outputLength;
      const mac = provider.hmac(hashName, hex(test.key), tagBytes === full ? undefined : tagBytes);
      const msg = hex(test.msg);
      const tag = hex(test.tag);
      expect(mac.outputLength).toBe(tagBytes);
      if (test.result === 'valid') {
        expect(toHex(mac.compute(msg))).toBe(toHex(tag));
        expect(mac.verify(tag, msg)).toBe(true);
        // The same MAC over the message given in two parts.
        const cut = msg.length >> 1;
        expect(mac.verify(tag, msg.subarray(0, cut), msg.subarray(cut))).toBe(true);
      } else {
        expect(mac.verify(tag, msg)).toBe(false);
      }
    });
  }
});

if (!WYCHEPROOF_PRESENT) {
  it('Wycheproof symmetric vectors are skipped: the shared vectors folder is absent', () => {
    expect(WYCHEPROOF_PRESENT).toBe(false);
  });
}
