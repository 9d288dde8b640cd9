/**
 * Key files against two kinds of known answers:
 * - RFC 8410 §10.1/§10.3 (test-vectors/x509/rfc8410.json);
 * - key files made by the openssl CLI (test-vectors/x509/keys/, by make.sh), whose values are
 *   taken from openssl's own `pkey -text` dump beside each key; our encodings must equal openssl's
 *   bytes, and the openssl CLI must read what we write.
 * Bad input of every kind must end in a CryptoError.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { REPO_ROOT, loadVectors } from '@layersec/test-vectors';
import { CryptoError } from '../errors.js';
import type { PrivateKey } from '../types.js';
import { nobleProvider } from '../noble/index.js';
import {
  base64Decode,
  decodePem,
  decodePrivateKeyDer,
  encodePem,
  encodePrivateKey,
  encodeSubjectPublicKeyInfo,
  parsePrivateKey,
  parsePublicKey,
  privateKeyToPem,
  publicKeyOf,
  publicKeyToPem,
} from './index.js';

const KEYS = join(REPO_ROOT, 'test-vectors/x509/keys');
const read = (name: string): string => readFileSync(join(KEYS, name), 'utf8');
const readBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(join(KEYS, name)));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const derOf = (pem: string): Uint8Array => decodePem(pem)[0].der;

/** The fields of `openssl pkey -text -noout`: "name:" followed by indented colon-separated hex. */
function opensslDump(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let current: string | null = null;
  for (const line of text.split('\n')) {
    const field = /^([A-Za-z0-9 ]+):\s*(.*)$/.exec(line);
    if (field && !line.startsWith(' ')) {
      current = field[1];
      out[current] = field[2].trim();
    } else if (current && /^\s+[0-9a-f:]+$/.test(line)) {
      out[current] += line.trim().replace(/:/g, '');
    }
  }
  return out;
}
/** openssl prints INTEGERs with a leading 00 when the top bit is set. */
const dumpInt = (h: string): bigint => BigInt('0x' + h);
const expectCryptoError = (f: () => unknown, code?: string): void => {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(CryptoError);
  if (code) expect((thrown as CryptoError).code).toBe(code);
};

describe('RFC 8410 §10 Ed25519 key examples', () => {
  const v = loadVectors<{
    publicKeyPem: string;
    privateKeyPem: string;
    privateKeyWithPublicKeyPem: string;
    privateKeySeed: string;
    publicKey: string;
  }>('x509/rfc8410.json');

  it('§10.1 public key parses to the published key and re-encodes to the same bytes', () => {
    const key = parsePublicKey(v.publicKeyPem);
    expect(key).toEqual({ type: 'ed25519', key: fromHex(v.publicKey) });
    expect(hex(encodeSubjectPublicKeyInfo(key))).toBe(hex(derOf(v.publicKeyPem)));
    expect(publicKeyToPem(key)).toBe(v.publicKeyPem);
  });

  it('§10.3 private key: seed, derived public key, and the same PKCS#8 bytes back', () => {
    const key = parsePrivateKey(v.privateKeyPem);
    expect(key.type).toBe('ed25519');
    if (key.type !== 'ed25519') return;
    expect(hex(key.seed)).toBe(v.privateKeySeed);
    expect(hex(key.publicKey)).toBe(v.publicKey);
    expect(privateKeyToPem(key)).toBe(v.privateKeyPem);
  });

  it('§10.3 OneAsymmetricKey v2 with an attribute and the public key', () => {
    const key = parsePrivateKey(v.privateKeyWithPublicKeyPem);
    expect(key).toEqual(parsePrivateKey(v.privateKeyPem));
  });

  it('a v2 key whose public key does not match its seed is refused', () => {
    const der = derOf(v.privateKeyWithPublicKeyPem).slice();
    der[der.length - 1] ^= 1;
    expectCryptoError(() => parsePrivateKey(der), 'invalid-private-key');
  });
});

describe('key files made by openssl (test-vectors/x509/keys, make.sh)', () => {
  const ecCases = [
    { name: 'p256', curve: 'P-256', oid: 'prime256v1' },
    { name: 'p384', curve: 'P-384', oid: 'secp384r1' },
    { name: 'p521', curve: 'P-521', oid: 'secp521r1' },
  ] as const;

  for (const c of ecCases) {
    it(`${c.curve}: PKCS#8 and SEC1 give openssl's priv and pub; our encodings equal openssl's`, () => {
      const dump = opensslDump(read(`${c.name}.text.txt`));
      expect(dump['ASN1 OID']).toBe(c.oid);
      const fromPkcs8 = parsePrivateKey(read(`${c.name}.pkcs8.pem`));
      const fromSec1 = parsePrivateKey(read(`${c.name}.sec1.pem`));
      expect(fromPkcs8).toEqual(fromSec1);
      expect(fromPkcs8.type === 'ec' && fromPkcs8.curve).toBe(c.curve);
      if (fromPkcs8.type !== 'ec') return;
      expect(hex(fromPkcs8.d)).toBe(dump.priv.padStart(fromPkcs8.d.length * 2, '0'));
      expect(hex(fromPkcs8.publicKey)).toBe(dump.pub);
      expect(hex(encodePrivateKey(fromPkcs8, 'pkcs8'))).toBe(hex(derOf(read(`${c.name}.pkcs8.pem`))));
      expect(hex(encodePrivateKey(fromPkcs8, 'sec1'))).toBe(hex(derOf(read(`${c.name}.sec1.pem`))));
      const pub = parsePublicKey(read(`${c.name}.spki.pem`));
      expect(pub).toEqual(publicKeyOf(fromPkcs8));
      expect(publicKeyToPem(pub)).toBe(read(`${c.name}.spki.pem`));
    });
  }

  it('P-256 DER PKCS#8 is recognised without a PEM label', () => {
    const der = readBytes('p256.pkcs8.der');
    expect(parsePrivateKey(der)).toEqual(parsePrivateKey(read('p256.pkcs8.pem')));
    // and a SEC1 DER too
    expect(parsePrivateKey(derOf(read('p256.sec1.pem')))).toEqual(parsePrivateKey(der));
  });

  it("Ed25519: PKCS#8 gives openssl's priv and pub; encodings equal openssl's", () => {
    const dump = opensslDump(read('ed25519.text.txt'));
    const key = parsePrivateKey(readBytes('ed25519.pkcs8.der'));
    expect(key.type).toBe('ed25519');
    if (key.type !== 'ed25519') return;
    expect(hex(key.seed)).toBe(dump.priv);
    expect(hex(key.publicKey)).toBe(dump.pub);
    expect(privateKeyToPem(key)).toBe(read('ed25519.pkcs8.pem'));
    expect(publicKeyToPem(publicKeyOf(key))).toBe(read('ed25519.spki.pem'));
  });

  it("RSA: PKCS#8 and PKCS#1 give openssl's values; encodings equal openssl's", () => {
    const dump = opensslDump(read('rsa.text.txt'));
    const key = parsePrivateKey(read('rsa.pkcs8.pem'));
    expect(parsePrivateKey(read('rsa.pkcs1.pem'))).toEqual(key);
    expect(key).toEqual({
      type: 'rsa',
      n: dumpInt(dump.modulus),
      e: BigInt(/\(0x([0-9a-f]+)\)/.exec(dump.publicExponent)![0].slice(1, -1)),
      d: dumpInt(dump.privateExponent),
      p: dumpInt(dump.prime1),
      q: dumpInt(dump.prime2),
      dp: dumpInt(dump.exponent1),
      dq: dumpInt(dump.exponent2),
      qi: dumpInt(dump.coefficient),
    });
    expect(privateKeyToPem(key, 'pkcs8')).toBe(read('rsa.pkcs8.pem'));
    expect(privateKeyToPem(key, 'pkcs1')).toBe(read('rsa.pkcs1.pem'));
    expect(publicKeyToPem(publicKeyOf(key))).toBe(read('rsa.spki.pem'));
    expect(parsePublicKey(read('rsa.pkcs1-public.pem'))).toEqual(publicKeyOf(key));
  });
});

describe('the openssl CLI reads the keys we write', () => {
  const specs = [
    { type: 'ec', curve: 'P-256' },
    { type: 'ec', curve: 'P-384' },
    { type: 'ec', curve: 'P-521' },
    { type: 'ed25519' },
  ] as const;
  const opensslText = (pem: string): { status: number | null; dump: Record<string, string>; stderr: string } => {
    const r = spawnSync('openssl', ['pkey', '-text', '-noout'], { input: pem, encoding: 'utf8' });
    return { status: r.status, dump: opensslDump(r.stdout), stderr: r.stderr };
  };
  for (const spec of specs) {
    it(`${spec.type}${'curve' in spec ? ' ' + spec.curve : ''} in every format`, () => {
      const key = nobleProvider.generateSigningKey(spec);
      const formats = key.type === 'ec' ? (['pkcs8', 'sec1'] as const) : (['pkcs8'] as const);
      for (const format of formats) {
        const r = opensslText(privateKeyToPem(key, format));
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        if (key.type === 'ec') {
          expect(r.dump.priv.padStart(key.d.length * 2, '0')).toBe(hex(key.d));
          expect(r.dump.pub).toBe(hex(key.publicKey));
        } else if (key.type === 'ed25519') {
          expect(r.dump.priv).toBe(hex(key.seed));
          expect(r.dump.pub).toBe(hex(key.publicKey));
        }
      }
      const pub = spawnSync('openssl', ['pkey', '-pubin', '-text', '-noout'], {
        input: publicKeyToPem(publicKeyOf(key)),
        encoding: 'utf8',
      });
      expect(pub.status).toBe(0);
      expect(opensslDump(pub.stdout).pub).toBe(hex(key.type === 'rsa' ? new Uint8Array() : key.publicKey));
    });
  }

  it('RSA (read back from openssl as PKCS#8 and PKCS#1, checked with pkey -check)', () => {
    const key = parsePrivateKey(read('rsa.pkcs8.pem'));
    for (const format of ['pkcs8', 'pkcs1'] as const) {
      const r = spawnSync('openssl', ['pkey', '-check', '-noout'], { input: privateKeyToPem(key, format), encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('Key is valid');
    }
  });
});

describe('bad input ends in a CryptoError', () => {
  const good: Array<[string, Uint8Array]> = [
    ['p256 PKCS#8', derOf(read('p256.pkcs8.pem'))],
    ['p256 SEC1', derOf(read('p256.sec1.pem'))],
    ['ed25519 PKCS#8', derOf(read('ed25519.pkcs8.pem'))],
    ['rsa PKCS#1', derOf(read('rsa.pkcs1.pem'))],
  ];

  it('truncations and trailing bytes', () => {
    for (const [, der] of good) {
      for (let n = 0; n < der.length; n += Math.max(1, Math.floor(der.length / 40))) {
        expectCryptoError(() => parsePrivateKey(der.subarray(0, n)));
      }
      const longer = new Uint8Array(der.length + 1);
      longer.set(der);
      expectCryptoError(() => parsePrivateKey(longer), 'bad-encoding');
    }
    expectCryptoError(() => parsePublicKey(derOf(read('p256.spki.pem')).subarray(0, 40)));
  });

  it('random bytes and single-byte mutations (fast-check)', () => {
    const parseOrCryptoError = (f: () => unknown): boolean => {
      try {
        f();
        return true;
      } catch (e) {
        return e instanceof CryptoError;
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(parseOrCryptoError(() => parsePrivateKey(bytes))).toBe(true);
        expect(parseOrCryptoError(() => parsePublicKey(bytes))).toBe(true);
      }),
      { numRuns: 500, seed: 0x1a5e },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: good.length - 1 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (which, at, flip) => {
          const der = good[which][1].slice();
          der[at % der.length] ^= flip;
          expect(parseOrCryptoError(() => parsePrivateKey(der))).toBe(true);
        },
      ),
      { numRuns: 1000, seed: 0x1a5e },
    );
  });

  it('a public key that is not on the curve', () => {
    const der = derOf(read('p256.spki.pem')).slice();
    der[der.length - 1] ^= 1;
    expectCryptoError(() => parsePublicKey(der), 'invalid-public-key');
  });

  it('an EC private key whose public key does not match', () => {
    const der = derOf(read('p256.sec1.pem')).slice();
    der[der.length - 1] ^= 1;
    expectCryptoError(() => parsePrivateKey(der), 'invalid-private-key');
  });

  it('PEM problems: no block, bad Base64, unterminated, encrypted', () => {
    expectCryptoError(() => parsePrivateKey('hello'), 'bad-encoding');
    expectCryptoError(() => parsePrivateKey('-----BEGIN PRIVATE KEY-----\nMC4*AQAw\n-----END PRIVATE KEY-----\n'), 'bad-encoding');
    expectCryptoError(() => parsePrivateKey('-----BEGIN PRIVATE KEY-----\nMC4CAQAw\n'), 'bad-encoding');
    expectCryptoError(() => parsePrivateKey(encodePem('ENCRYPTED PRIVATE KEY', new Uint8Array([0x30, 0]))), 'unsupported');
    expectCryptoError(() => base64Decode('QUJD='), 'bad-encoding');
  });

  it('the wrong structure for the format asked', () => {
    expectCryptoError(() => decodePrivateKeyDer(derOf(read('rsa.pkcs1.pem')), 'sec1'));
    expectCryptoError(() => encodePrivateKey(parsePrivateKey(read('rsa.pkcs1.pem')) as PrivateKey, 'sec1'), 'unsupported');
  });

  it('Base64 round trip at every length mod 3', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 64, 65]) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 37 + 11) & 0xff);
      const pem = encodePem('TEST', bytes);
      expect(hex(decodePem(pem)[0].der)).toBe(hex(bytes));
      expect(Buffer.from(bytes).toString('base64')).toBe(pem.split('\n').slice(1, -2).join(''));
    }
  });
});
