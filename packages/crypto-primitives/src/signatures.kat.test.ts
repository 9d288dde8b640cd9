/**
 * Known-answer tests for signatures, from published vectors only:
 * - RFC 8032 §7.1 Ed25519 (test-vectors/rfc8032-ed25519.json): both providers reproduce each
 *   signature exactly (Ed25519 is deterministic) and verify it;
 * - RFC 6979 Appendix A.2.5-A.2.7 (test-vectors/rfc6979-ecdsa.json): the noble provider's
 *   deterministic ECDSA reproduces (r, s) exactly in raw and DER form; both providers verify them;
 * - RFC 7515 Appendix A.2-A.4 (test-vectors/rfc7515-jws-signatures.json): RSASSA-PKCS1-v1_5
 *   SHA-256 is deterministic, so both providers reproduce the RS256 signature exactly; the
 *   ES256/ES512 signatures (random nonces) are verified.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { loadVectors } from '@layersec/test-vectors';
import { CryptoError } from './errors.js';
import { nobleSignatures } from './noble/signatures.js';
import { nodeSignatures } from './node/signatures.js';
import { seededRandom } from './random.js';
import type { HashName, NamedCurve, PrivateKey, PublicKey, SignatureScheme } from './types.js';

const PROVIDERS = [
  ['noble', nobleSignatures],
  ['node', nodeSignatures],
] as const;

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3] ^= 1 << (bit & 7);
  return out;
}

/** DER of ECDSA-Sig-Value (RFC 3279 §2.2.3) for (r, s) given as big-endian hex. */
function derSignature(rHex: string, sHex: string): Uint8Array {
  const integer = (hex: string): number[] => {
    let bytes = Array.from(hexToBytes(hex));
    while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.slice(1);
    if (bytes[0] & 0x80) bytes = [0, ...bytes];
    return [0x02, ...length(bytes.length), ...bytes];
  };
  const length = (n: number): number[] => (n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]);
  const body = [...integer(rHex), ...integer(sHex)];
  return Uint8Array.from([0x30, ...length(body.length), ...body]);
}

describe('RFC 8032 §7.1 Ed25519', () => {
  const file = loadVectors<{
    source: string;
    vectors: Array<{ name: string; secretKey: string; publicKey: string; message: string; signature: string }>;
  }>('rfc8032-ed25519.json');

  for (const v of file.vectors) {
    const privateKey: PrivateKey = { type: 'ed25519', seed: hexToBytes(v.secretKey), publicKey: hexToBytes(v.publicKey) };
    const publicKey: PublicKey = { type: 'ed25519', key: hexToBytes(v.publicKey) };
    const message = hexToBytes(v.message);
    for (const [name, provider] of PROVIDERS) {
      test(`${name}: ${v.name} signs exactly and verifies`, () => {
        expect(bytesToHex(provider.sign('ed25519', privateKey, message))).toBe(v.signature);
        const signature = hexToBytes(v.signature);
        expect(provider.verify('ed25519', publicKey, message, signature)).toBe(true);
        expect(provider.verify('ed25519', publicKey, message, flipBit(signature, 7))).toBe(false);
        expect(provider.verify('ed25519', publicKey, flipBit(ascii('x' + v.message), 0), signature)).toBe(false);
      });
    }
  }

  test.each(PROVIDERS)('%s: a private key whose public half is not its own is refused', (_name, provider) => {
    const [a, b] = file.vectors;
    const wrong: PrivateKey = { type: 'ed25519', seed: hexToBytes(a.secretKey), publicKey: hexToBytes(b.publicKey) };
    expect(() => provider.sign('ed25519', wrong, new Uint8Array(0))).toThrow(CryptoError);
  });
});

describe('RFC 6979 Appendix A.2 deterministic ECDSA', () => {
  const file = loadVectors<{
    source: string;
    keys: Record<NamedCurve, { x: string; Ux: string; Uy: string }>;
    vectors: Array<{ curve: NamedCurve; hash: HashName; message: string; k: string; r: string; s: string }>;
  }>('rfc6979-ecdsa.json');

  const privateKeys = new Map<NamedCurve, PrivateKey>();
  const publicKeys = new Map<NamedCurve, PublicKey>();
  for (const curve of Object.keys(file.keys) as NamedCurve[]) {
    const { x, Ux, Uy } = file.keys[curve];
    const point = hexToBytes('04' + Ux + Uy);
    privateKeys.set(curve, { type: 'ec', curve, d: hexToBytes(x), publicKey: point });
    publicKeys.set(curve, { type: 'ec', curve, point });
  }

  const GENERIC: Record<HashName, SignatureScheme> = {
    'SHA-1': 'ecdsa_sha1',
    'SHA-256': 'ecdsa_sha256',
    'SHA-384': 'ecdsa_sha384',
    'SHA-512': 'ecdsa_sha512',
  };
  const BOUND: Partial<Record<string, SignatureScheme>> = {
    'P-256/SHA-256': 'ecdsa_secp256r1_sha256',
    'P-384/SHA-384': 'ecdsa_secp384r1_sha384',
    'P-521/SHA-512': 'ecdsa_secp521r1_sha512',
  };

  for (const v of file.vectors) {
    const label = `${v.curve} ${v.hash} "${v.message}"`;
    const schemes = [GENERIC[v.hash], BOUND[`${v.curve}/${v.hash}`]].filter((s): s is SignatureScheme => s !== undefined);
    const raw = hexToBytes(v.r + v.s);
    const der = derSignature(v.r, v.s);
    const message = ascii(v.message);

    test(`noble: ${label} reproduces (r, s) in raw and DER form`, () => {
      for (const scheme of schemes) {
        const key = privateKeys.get(v.curve)!;
        expect(bytesToHex(nobleSignatures.sign(scheme, key, message, { ecdsaFormat: 'raw' }))).toBe(bytesToHex(raw));
        expect(bytesToHex(nobleSignatures.sign(scheme, key, message, { ecdsaFormat: 'der' }))).toBe(bytesToHex(der));
      }
    });

    for (const [name, provider] of PROVIDERS) {
      test(`${name}: ${label} verifies in both forms; altered ones do not`, () => {
        const key = publicKeys.get(v.curve)!;
        for (const scheme of schemes) {
          expect(provider.verify(scheme, key, message, raw, { ecdsaFormat: 'raw' })).toBe(true);
          expect(provider.verify(scheme, key, message, der, { ecdsaFormat: 'der' })).toBe(true);
          expect(provider.verify(scheme, key, message, flipBit(raw, 3), { ecdsaFormat: 'raw' })).toBe(false);
          expect(provider.verify(scheme, key, ascii(v.message + '!'), raw, { ecdsaFormat: 'raw' })).toBe(false);
          // The DER form given as raw and the raw form given as DER are malformed, not errors.
          expect(provider.verify(scheme, key, message, der, { ecdsaFormat: 'raw' })).toBe(false);
          expect(provider.verify(scheme, key, message, raw, { ecdsaFormat: 'der' })).toBe(false);
        }
      });
    }
  }

  test.each(PROVIDERS)('%s: high-S signatures verify (P-256 SHA-256 "sample" has s > n/2), and so does (r, n − s)', (_name, provider) => {
    const v = file.vectors.find((x) => x.curve === 'P-256' && x.hash === 'SHA-256' && x.message === 'sample')!;
    // The order n of P-256 (FIPS 186-5 / SEC 2).
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const s = BigInt('0x' + v.s);
    expect(s > n / 2n).toBe(true);
    const lowS = (n - s).toString(16).padStart(64, '0');
    for (const signature of [v.r + v.s, v.r + lowS]) {
      expect(
        provider.verify('ecdsa_secp256r1_sha256', publicKeys.get('P-256')!, ascii(v.message), hexToBytes(signature), { ecdsaFormat: 'raw' }),
      ).toBe(true);
    }
  });

  test.each(PROVIDERS)('%s: a curve-bound scheme does not verify with a key on another curve', (_name, provider) => {
    const v = file.vectors.find((x) => x.curve === 'P-384' && x.hash === 'SHA-256')!;
    const raw = hexToBytes(v.r + v.s);
    expect(provider.verify('ecdsa_sha256', publicKeys.get('P-384')!, ascii(v.message), raw, { ecdsaFormat: 'raw' })).toBe(true);
    expect(
      provider.verify('ecdsa_secp256r1_sha256', publicKeys.get('P-384')!, ascii(v.message), raw, { ecdsaFormat: 'raw' }),
    ).toBe(false);
    expect(() => provider.sign('ecdsa_secp256r1_sha256', privateKeys.get('P-384')!, ascii(v.message))).toThrow(CryptoError);
  });
});

describe('RFC 7515 Appendix A JWS signatures', () => {
  interface Jwk {
    kty: 'RSA' | 'EC';
    crv?: NamedCurve;
    [field: string]: string | undefined;
  }
  const file = loadVectors<{
    source: string;
    vectors: Array<{ name: string; scheme: SignatureScheme; jwk: Jwk; signingInput: string; signature: string; deterministic: boolean }>;
  }>('rfc7515-jws-signatures.json');

  const bytes = (b64url: string | undefined): Uint8Array => new Uint8Array(Buffer.from(b64url ?? '', 'base64url'));
  const integer = (b64url: string | undefined): bigint => BigInt('0x' + bytesToHex(bytes(b64url)));

  function keysOf(jwk: Jwk): { privateKey: PrivateKey; publicKey: PublicKey } {
    if (jwk.kty === 'RSA') {
      const [n, e] = [integer(jwk.n), integer(jwk.e)];
      return {
        privateKey: {
          type: 'rsa',
          n,
          e,
          d: integer(jwk.d),
          p: integer(jwk.p),
          q: integer(jwk.q),
          dp: integer(jwk.dp),
          dq: integer(jwk.dq),
          qi: integer(jwk.qi),
        },
        publicKey: { type: 'rsa', n, e },
      };
    }
    const point = Uint8Array.from([0x04, ...bytes(jwk.x), ...bytes(jwk.y)]);
    const curve = jwk.crv!;
    return { privateKey: { type: 'ec', curve, d: bytes(jwk.d), publicKey: point }, publicKey: { type: 'ec', curve, point } };
  }

  for (const v of file.vectors) {
    const { privateKey, publicKey } = keysOf(v.jwk);
    const message = ascii(v.signingInput);
    const signature = bytes(v.signature);
    const options = { ecdsaFormat: 'raw' as const };
    for (const [name, provider] of PROVIDERS) {
      test(`${name}: ${v.name} verifies; altered ones do not`, () => {
        expect(provider.verify(v.scheme, publicKey, message, signature, options)).toBe(true);
        expect(provider.verify(v.scheme, publicKey, message, flipBit(signature, 8 * signature.length - 1), options)).toBe(false);
        expect(provider.verify(v.scheme, publicKey, ascii(v.signingInput + '.'), signature, options)).toBe(false);
      });
      if (v.deterministic) {
        test(`${name}: ${v.name} signs exactly`, () => {
          const produced = provider.sign(v.scheme, privateKey, message, { random: seededRandom('RFC 7515 A.2 blinding') });
          expect(bytesToHex(produced)).toBe(bytesToHex(signature));
        });
      } else {
        test(`${name}: ${v.name} key signs what the other provider verifies`, () => {
          const produced = provider.sign(v.scheme, privateKey, message, options);
          for (const [, other] of PROVIDERS) expect(other.verify(v.scheme, publicKey, message, produced, options)).toBe(true);
        });
      }
    }
  }
});

describe('RSA signatures made by OpenSSL 3.0 on the RFC 7515 A.2 key', () => {
  const rfc7515 = loadVectors<{ vectors: Array<{ jwk: Record<string, string> }> }>('rfc7515-jws-signatures.json');
  const file = loadVectors<{
    source: string;
    message: string;
    vectors: Array<{ name: string; scheme: SignatureScheme; saltLength?: number; signature: string }>;
  }>('openssl-rsa-signatures.json');
  const integer = (b64url: string): bigint => BigInt('0x' + Buffer.from(b64url, 'base64url').toString('hex'));
  const jwk = rfc7515.vectors[0].jwk;
  const privateKey: PrivateKey = {
    type: 'rsa',
    n: integer(jwk.n),
    e: integer(jwk.e),
    d: integer(jwk.d),
    p: integer(jwk.p),
    q: integer(jwk.q),
    dp: integer(jwk.dp),
    dq: integer(jwk.dq),
    qi: integer(jwk.qi),
  };
  const publicKey: PublicKey = { type: 'rsa', n: privateKey.n, e: privateKey.e };
  const message = ascii(file.message);

  for (const v of file.vectors) {
    const signature = hexToBytes(v.signature);
    for (const [name, provider] of PROVIDERS) {
      if (v.saltLength === undefined) {
        test(`${name}: ${v.name} signs exactly and verifies`, () => {
          expect(bytesToHex(provider.sign(v.scheme, privateKey, message, { random: seededRandom(v.name) }))).toBe(v.signature);
          expect(provider.verify(v.scheme, publicKey, message, signature)).toBe(true);
          expect(provider.verify(v.scheme, publicKey, message, flipBit(signature, 100))).toBe(false);
        });
      } else {
        const saltLength = v.saltLength;
        test(`${name}: ${v.name} verifies with its salt length and with 'any'`, () => {
          const hashLength = { rsa_pss_rsae_sha256: 32, rsa_pss_rsae_sha384: 48, rsa_pss_rsae_sha512: 64 }[v.scheme as string];
          expect(provider.verify(v.scheme, publicKey, message, signature, { pssSaltLength: saltLength })).toBe(true);
          expect(provider.verify(v.scheme, publicKey, message, signature, { pssSaltLength: 'any' })).toBe(true);
          // The default is salt length = hash length (RFC 8446 §4.2.3).
          expect(provider.verify(v.scheme, publicKey, message, signature)).toBe(saltLength === hashLength);
          expect(provider.verify(v.scheme, publicKey, message, signature, { pssSaltLength: saltLength + 1 })).toBe(false);
          expect(provider.verify(v.scheme, publicKey, message, flipBit(signature, 100), { pssSaltLength: 'any' })).toBe(false);
          expect(provider.verify(v.scheme, publicKey, ascii(file.message + ' '), signature, { pssSaltLength: 'any' })).toBe(false);
        });
      }
    }
  }
});
