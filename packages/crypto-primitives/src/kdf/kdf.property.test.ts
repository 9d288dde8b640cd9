/**
 * Differential and structural properties of the KDFs (fast-check): the noble and node providers
 * give the same output for random inputs, and every expansion is a prefix-stable stream (a shorter
 * request is a prefix of a longer one, as RFC 5869 §2.3, RFC 5246 §5 and RFC 7296 §2.13 define
 * T(1) | T(2) | ...).
 */
import fc from 'fast-check';
import { bytesToHex } from '@noble/hashes/utils.js';
import { nobleProvider } from '../noble/index.js';
import { nodeProvider } from '../node/index.js';
import { hkdf, hkdfExpand, hkdfExpandLabel } from './hkdf.js';
import { ikePrfPlus, type IkePrf } from './ikev2.js';
import { pHash } from './tls12-prf.js';

const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });
const hashes = fc.constantFrom('SHA-1' as const, 'SHA-256' as const, 'SHA-384' as const, 'SHA-512' as const);

test('HKDF: noble = node, and a shorter output is a prefix of a longer one', () => {
  fc.assert(
    fc.property(hashes, bytes(80), bytes(80), bytes(80), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }), (hash, ikm, salt, info, a, b) => {
      const long = hkdf(nobleProvider, hash, ikm, salt, info, Math.max(a, b));
      expect(bytesToHex(hkdf(nodeProvider, hash, ikm, salt, info, Math.max(a, b)))).toBe(bytesToHex(long));
      expect(bytesToHex(hkdf(nobleProvider, hash, ikm, salt, info, Math.min(a, b)))).toBe(bytesToHex(long.subarray(0, Math.min(a, b))));
    }),
    { numRuns: 60 },
  );
});

test('HKDF-Expand-Label: noble = node, and it is HKDF-Expand over the RFC 8446 §7.1 HkdfLabel', () => {
  const utf8 = (x: string): Uint8Array => new TextEncoder().encode(x);
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 40 }), bytes(255), fc.integer({ min: 0, max: 1000 }), (label, context, length) => {
      const secret = new Uint8Array(32).fill(label.length);
      const a = hkdfExpandLabel(nobleProvider, 'SHA-256', secret, label, context, length);
      expect(bytesToHex(hkdfExpandLabel(nodeProvider, 'SHA-256', secret, label, context, length))).toBe(bytesToHex(a));
      // struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; }
      const fullLabel = utf8(`tls13 ${label}`);
      const hkdfLabel = new Uint8Array([length >> 8, length & 0xff, fullLabel.length, ...fullLabel, context.length, ...context]);
      expect(bytesToHex(a)).toBe(bytesToHex(hkdfExpand(nodeProvider, 'SHA-256', secret, hkdfLabel, length)));
    }),
    { numRuns: 60 },
  );
});

test('TLS 1.2 P_hash: noble = node, prefix-stable', () => {
  fc.assert(
    fc.property(fc.constantFrom('SHA-256' as const, 'SHA-384' as const), bytes(64), bytes(100), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 400 }), (hash, secret, seed, a, b) => {
      const long = pHash(nobleProvider, hash, secret, seed, Math.max(a, b));
      expect(bytesToHex(pHash(nodeProvider, hash, secret, seed, Math.max(a, b)))).toBe(bytesToHex(long));
      expect(bytesToHex(pHash(nodeProvider, hash, secret, seed, Math.min(a, b)))).toBe(bytesToHex(long.subarray(0, Math.min(a, b))));
    }),
    { numRuns: 60 },
  );
});

test('IKEv2 prf+: noble = node for every PRF, prefix-stable', () => {
  const prfs = fc.constantFrom<IkePrf>('PRF_HMAC_SHA1', 'PRF_HMAC_SHA2_256', 'PRF_HMAC_SHA2_384', 'PRF_HMAC_SHA2_512', 'PRF_AES128_XCBC');
  fc.assert(
    fc.property(prfs, bytes(40), bytes(100), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }), (prf, key, seed, a, b) => {
      const long = ikePrfPlus(nobleProvider, prf, key, seed, Math.max(a, b));
      expect(bytesToHex(ikePrfPlus(nodeProvider, prf, key, seed, Math.max(a, b)))).toBe(bytesToHex(long));
      expect(bytesToHex(ikePrfPlus(nodeProvider, prf, key, seed, Math.min(a, b)))).toBe(bytesToHex(long.subarray(0, Math.min(a, b))));
    }),
    { numRuns: 60 },
  );
});
