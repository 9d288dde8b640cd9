/**
 * Private and public key files, to and from the PrivateKey/PublicKey types of ../types.ts:
 * - PKCS#8 PrivateKeyInfo / OneAsymmetricKey (RFC 5208 §5, RFC 5958 §2) holding an EC key
 *   (RFC 5915 §3 ECPrivateKey), an Ed25519 key (RFC 8410 §7 CurvePrivateKey) or an RSA key
 *   (RFC 8017 §A.1.2 RSAPrivateKey); PEM label "PRIVATE KEY" (RFC 7468 §10);
 * - SEC1 / RFC 5915 ECPrivateKey, PEM label "EC PRIVATE KEY";
 * - PKCS#1 RSAPrivateKey and RSAPublicKey (RFC 8017 §A.1), "RSA PRIVATE KEY", "RSA PUBLIC KEY";
 * - SubjectPublicKeyInfo (RFC 5280 §4.1.2.7 with RFC 5480 §2 for EC, RFC 8410 §4 for Ed25519,
 *   RFC 3279 §2.3.1 for RSA), "PUBLIC KEY" (RFC 7468 §13).
 * Every decoding failure is a CryptoError ('bad-encoding', 'unsupported', 'invalid-private-key'
 * or 'invalid-public-key'); nothing else escapes.
 */
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { PrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { ECParameters, ECPrivateKey, id_ecPublicKey, id_secp256r1, id_secp384r1, id_secp521r1 } from '@peculiar/asn1-ecc';
import { RSAPrivateKey, RSAPublicKey, id_rsaEncryption, id_RSASSA_PSS } from '@peculiar/asn1-rsa';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { CryptoError } from '../errors.js';
import type { NamedCurve, PrivateKey, PublicKey } from '../types.js';
import { checkRsaPrivateKey, checkRsaPublicKey } from '../rsa/keys.js';
import { children, readTlv, TAG_SEQUENCE, wholeTlv } from './_der.js';
import { decodePem, encodePem } from './pem.js';

/** RFC 8410 §3: id-Ed25519. */
export const id_Ed25519 = '1.3.101.112';

type EcPrivateKey = Extract<PrivateKey, { type: 'ec' }>;
type RsaPrivateKeyValue = Extract<PrivateKey, { type: 'rsa' }>;

/** RFC 5480 §2.1.1.1 namedCurve OIDs and the field size in bytes of each curve. */
const CURVES: ReadonlyArray<{ curve: NamedCurve; oid: string; size: number; noble: typeof p256 }> = [
  { curve: 'P-256', oid: id_secp256r1, size: 32, noble: p256 },
  { curve: 'P-384', oid: id_secp384r1, size: 48, noble: p384 },
  { curve: 'P-521', oid: id_secp521r1, size: 66, noble: p521 },
];

function curveByOid(oid: string | undefined): (typeof CURVES)[number] {
  const c = CURVES.find((x) => x.oid === oid);
  if (!c) throw new CryptoError('unsupported', `EC curve ${oid ?? '(not a named curve)'} is not supported`);
  return c;
}

function curveByName(name: NamedCurve): (typeof CURVES)[number] {
  const c = CURVES.find((x) => x.curve === name);
  if (!c) throw new CryptoError('unsupported', `EC curve ${String(name)} is not supported`);
  return c;
}

/** Runs an @peculiar/asn1-schema decode, turning whatever it throws into CryptoError('bad-encoding'). */
export function asn1Parse<T>(der: Uint8Array, type: new () => T, what: string): T {
  // The library accepts BER and ignores trailing bytes; DER framing is checked first.
  wholeTlv(der, TAG_SEQUENCE, what);
  try {
    return AsnConvert.parse(der, type);
  } catch (e) {
    throw new CryptoError('bad-encoding', `${what}: ${(e as Error).message}`);
  }
}

function asn1ParseAny<T>(der: Uint8Array, type: new () => T, what: string): T {
  try {
    return AsnConvert.parse(der, type);
  } catch (e) {
    throw new CryptoError('bad-encoding', `${what}: ${(e as Error).message}`);
  }
}

export function asn1Serialize(value: unknown): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(value));
}

// ---------------------------------------------------------------------------------------------
// INTEGER ↔ bigint (X.690 §8.3: two's complement, minimal)

/** A non-negative INTEGER's content octets as a bigint; a negative one is refused. */
export function integerToBigInt(content: ArrayBuffer | Uint8Array, what: string): bigint {
  const b = content instanceof Uint8Array ? content : new Uint8Array(content);
  if (b.length === 0) throw new CryptoError('bad-encoding', `${what}: empty INTEGER`);
  if (b[0] & 0x80) throw new CryptoError('bad-encoding', `${what}: negative INTEGER`);
  let v = 0n;
  for (let i = 0; i < b.length; i++) v = (v << 8n) | BigInt(b[i]);
  return v;
}

/** The minimal content octets of a non-negative INTEGER (a leading 0x00 when the top bit is set). */
export function bigIntToInteger(value: bigint): Uint8Array {
  if (value < 0n) throw new CryptoError('bad-length', 'negative INTEGER');
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = '00' + hex;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

// ---------------------------------------------------------------------------------------------
// Public keys

/** A PublicKey from the algorithm and key bits of a SubjectPublicKeyInfo. */
function publicKeyFromParts(algorithm: AlgorithmIdentifier, keyBits: Uint8Array): PublicKey {
  switch (algorithm.algorithm) {
    case id_ecPublicKey: {
      // RFC 5480 §2.1.1: parameters are ECParameters, of which only namedCurve is allowed.
      if (!algorithm.parameters) throw new CryptoError('bad-encoding', 'EC SubjectPublicKeyInfo without parameters');
      const params = asn1ParseAny(new Uint8Array(algorithm.parameters), ECParameters, 'ECParameters');
      const c = curveByOid(params.namedCurve);
      // RFC 5480 §2.2: the ECPoint; only the uncompressed form (0x04) is accepted here.
      if (keyBits.length !== 1 + 2 * c.size || keyBits[0] !== 0x04) {
        throw new CryptoError('invalid-public-key', `${c.curve} public key is not an uncompressed point`);
      }
      if (!c.noble.utils.isValidPublicKey(keyBits, false)) {
        throw new CryptoError('invalid-public-key', `${c.curve} public key is not on the curve`);
      }
      return { type: 'ec', curve: c.curve, point: keyBits.slice() };
    }
    case id_Ed25519: {
      // RFC 8410 §3: parameters MUST be absent; §4: the key is the 32-byte encoding.
      if (algorithm.parameters) throw new CryptoError('bad-encoding', 'Ed25519 AlgorithmIdentifier with parameters');
      if (keyBits.length !== 32) throw new CryptoError('invalid-public-key', 'Ed25519 public key is not 32 bytes');
      return { type: 'ed25519', key: keyBits.slice() };
    }
    case id_rsaEncryption:
    case id_RSASSA_PSS: {
      // RFC 3279 §2.3.1 (rsaEncryption) and RFC 4055 §1.2 (id-RSASSA-PSS): the key bits are an RSAPublicKey.
      const rsa = asn1Parse(keyBits, RSAPublicKey, 'RSAPublicKey');
      const key = {
        type: 'rsa' as const,
        n: integerToBigInt(rsa.modulus, 'RSAPublicKey.modulus'),
        e: integerToBigInt(rsa.publicExponent, 'RSAPublicKey.publicExponent'),
      };
      checkRsaPublicKey(key);
      return key;
    }
    default:
      throw new CryptoError('unsupported', `public key algorithm ${algorithm.algorithm} is not supported`);
  }
}

/** Decodes a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7). */
export function decodeSubjectPublicKeyInfo(der: Uint8Array): PublicKey {
  const spki = asn1Parse(der, SubjectPublicKeyInfo, 'SubjectPublicKeyInfo');
  return publicKeyFromParts(spki.algorithm, new Uint8Array(spki.subjectPublicKey));
}

function ecParameters(curve: NamedCurve): ArrayBuffer {
  return AsnConvert.serialize(new ECParameters({ namedCurve: curveByName(curve).oid }));
}

/** RFC 3279 §2.3.1: rsaEncryption with NULL parameters. */
const NULL_PARAMETERS = new Uint8Array([0x05, 0x00]).buffer;

/** Encodes a DER SubjectPublicKeyInfo. */
export function encodeSubjectPublicKeyInfo(key: PublicKey): Uint8Array {
  switch (key.type) {
    case 'ec':
      return asn1Serialize(
        new SubjectPublicKeyInfo({
          algorithm: new AlgorithmIdentifier({ algorithm: id_ecPublicKey, parameters: ecParameters(key.curve) }),
          subjectPublicKey: toArrayBuffer(key.point),
        }),
      );
    case 'ed25519':
      return asn1Serialize(
        new SubjectPublicKeyInfo({
          algorithm: new AlgorithmIdentifier({ algorithm: id_Ed25519 }),
          subjectPublicKey: toArrayBuffer(key.key),
        }),
      );
    case 'rsa':
      return asn1Serialize(
        new SubjectPublicKeyInfo({
          algorithm: new AlgorithmIdentifier({ algorithm: id_rsaEncryption, parameters: NULL_PARAMETERS }),
          subjectPublicKey: AsnConvert.serialize(encodeRsaPublicKeyValue(key)),
        }),
      );
  }
}

function encodeRsaPublicKeyValue(key: { n: bigint; e: bigint }): RSAPublicKey {
  return new RSAPublicKey({
    modulus: toArrayBuffer(bigIntToInteger(key.n)),
    publicExponent: toArrayBuffer(bigIntToInteger(key.e)),
  });
}

/** The public half of a private key. */
export function publicKeyOf(key: PrivateKey): PublicKey {
  switch (key.type) {
    case 'ec':
      return { type: 'ec', curve: key.curve, point: key.publicKey };
    case 'ed25519':
      return { type: 'ed25519', key: key.publicKey };
    case 'rsa':
      return { type: 'rsa', n: key.n, e: key.e };
  }
}

// ---------------------------------------------------------------------------------------------
// Private keys

/** An EC private key from d (left-padded to the field size), checking or deriving its public key. */
function ecPrivateKey(curve: (typeof CURVES)[number], dBytes: Uint8Array, publicKey: Uint8Array | undefined): EcPrivateKey {
  // RFC 5915 §3: privateKey is ceiling(log2(n)/8) octets; shorter encodings are left-padded.
  if (dBytes.length > curve.size) throw new CryptoError('invalid-private-key', `${curve.curve} private key too long`);
  const d = new Uint8Array(curve.size);
  d.set(dBytes, curve.size - dBytes.length);
  if (!curve.noble.utils.isValidSecretKey(d)) throw new CryptoError('invalid-private-key', `${curve.curve} private key out of range`);
  const derived = curve.noble.getPublicKey(d, false);
  if (publicKey !== undefined && !sameBytes(publicKey, derived)) {
    throw new CryptoError('invalid-private-key', `${curve.curve} private key does not match its public key`);
  }
  return { type: 'ec', curve: curve.curve, d, publicKey: derived };
}

function ed25519PrivateKey(seed: Uint8Array, publicKey: Uint8Array | undefined): PrivateKey {
  if (seed.length !== 32) throw new CryptoError('invalid-private-key', 'Ed25519 private key is not 32 bytes');
  const derived = ed25519.getPublicKey(seed);
  if (publicKey !== undefined && !sameBytes(publicKey, derived)) {
    throw new CryptoError('invalid-private-key', 'Ed25519 private key does not match its public key');
  }
  return { type: 'ed25519', seed: seed.slice(), publicKey: derived };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** RFC 5915 §3 ECPrivateKey; `outerCurve` is the curve named by a PKCS#8 AlgorithmIdentifier. */
function decodeEcPrivateKey(der: Uint8Array, outerCurve?: string): EcPrivateKey {
  const k = asn1Parse(der, ECPrivateKey, 'ECPrivateKey');
  if (k.version !== 1) throw new CryptoError('bad-encoding', `ECPrivateKey version ${k.version}`);
  const inner = k.parameters?.namedCurve;
  if (k.parameters && inner === undefined) throw new CryptoError('unsupported', 'ECPrivateKey with explicit curve parameters');
  if (outerCurve !== undefined && inner !== undefined && inner !== outerCurve) {
    throw new CryptoError('bad-encoding', 'ECPrivateKey parameters disagree with the PKCS#8 algorithm');
  }
  const curve = curveByOid(outerCurve ?? inner);
  const publicKey = k.publicKey ? new Uint8Array(k.publicKey) : undefined;
  return ecPrivateKey(curve, new Uint8Array(k.privateKey.buffer), publicKey);
}

/** RFC 8017 §A.1.2 RSAPrivateKey (two-prime only). */
function decodeRsaPrivateKey(der: Uint8Array): RsaPrivateKeyValue {
  const k = asn1Parse(der, RSAPrivateKey, 'RSAPrivateKey');
  if (k.version !== 0 || k.otherPrimeInfos) throw new CryptoError('unsupported', 'multi-prime RSA private keys are not supported');
  const key: RsaPrivateKeyValue = {
    type: 'rsa',
    n: integerToBigInt(k.modulus, 'RSAPrivateKey.modulus'),
    e: integerToBigInt(k.publicExponent, 'RSAPrivateKey.publicExponent'),
    d: integerToBigInt(k.privateExponent, 'RSAPrivateKey.privateExponent'),
    p: integerToBigInt(k.prime1, 'RSAPrivateKey.prime1'),
    q: integerToBigInt(k.prime2, 'RSAPrivateKey.prime2'),
    dp: integerToBigInt(k.exponent1, 'RSAPrivateKey.exponent1'),
    dq: integerToBigInt(k.exponent2, 'RSAPrivateKey.exponent2'),
    qi: integerToBigInt(k.coefficient, 'RSAPrivateKey.coefficient'),
  };
  checkRsaPrivateKey(key);
  return key;
}

/**
 * RFC 5958 §2 OneAsymmetricKey: version 0 (RFC 5208 PrivateKeyInfo) or 1 (with the optional
 * [1] publicKey). @peculiar/asn1-pkcs8 knows version 0's fields; the [1] publicKey of version 1
 * is read here from the raw TLVs.
 */
function decodePkcs8(der: Uint8Array): PrivateKey {
  const outer = wholeTlv(der, TAG_SEQUENCE, 'PrivateKeyInfo');
  const fields = children(der, outer, 'PrivateKeyInfo');
  // [1] IMPLICIT BIT STRING publicKey (RFC 5958 §2), constructed or primitive context tag 1.
  const pubField = fields.find((f) => f.tag === 0x81 || f.tag === 0xa1);
  let publicKey: Uint8Array | undefined;
  let body = der;
  if (pubField) {
    const bits = der.subarray(pubField.contentStart, pubField.end);
    if (pubField.tag !== 0x81 || bits.length < 1 || bits[0] !== 0) {
      throw new CryptoError('bad-encoding', 'OneAsymmetricKey.publicKey is not a whole-byte BIT STRING');
    }
    publicKey = bits.slice(1);
    // Re-frame without the [1] field so that the version-0 schema applies.
    const kept = fields.filter((f) => f !== pubField).map((f) => der.subarray(f.start, f.end));
    body = sequence(kept);
  }
  const info = asn1Parse(body, PrivateKeyInfo, 'PrivateKeyInfo');
  const version = info.version as number;
  if (version !== 0 && version !== 1) throw new CryptoError('bad-encoding', `PrivateKeyInfo version ${version}`);
  if (version === 0 && publicKey) throw new CryptoError('bad-encoding', 'PrivateKeyInfo version 0 with a publicKey');
  const privateKey = new Uint8Array(info.privateKey.buffer);
  const alg = info.privateKeyAlgorithm;
  switch (alg.algorithm) {
    case id_ecPublicKey: {
      if (!alg.parameters) throw new CryptoError('bad-encoding', 'EC PrivateKeyInfo without parameters');
      const params = asn1ParseAny(new Uint8Array(alg.parameters), ECParameters, 'ECParameters');
      if (params.namedCurve === undefined) throw new CryptoError('unsupported', 'EC key with explicit curve parameters');
      const key = decodeEcPrivateKey(privateKey, params.namedCurve);
      if (publicKey && !sameBytes(publicKey, key.publicKey)) {
        throw new CryptoError('invalid-private-key', 'EC private key does not match its public key');
      }
      return key;
    }
    case id_Ed25519: {
      // RFC 8410 §7: privateKey holds a CurvePrivateKey, itself an OCTET STRING.
      const seed = asn1ParseAny(privateKey, OctetString, 'CurvePrivateKey');
      wholeTlv(privateKey, 0x04, 'CurvePrivateKey');
      return ed25519PrivateKey(new Uint8Array(seed.buffer), publicKey);
    }
    case id_rsaEncryption:
    case id_RSASSA_PSS:
      return decodeRsaPrivateKey(privateKey);
    default:
      throw new CryptoError('unsupported', `private key algorithm ${alg.algorithm} is not supported`);
  }
}

/** DER SEQUENCE of already-encoded elements. */
function sequence(elements: Uint8Array[]): Uint8Array {
  const length = elements.reduce((n, e) => n + e.length, 0);
  const header =
    length < 0x80
      ? [TAG_SEQUENCE, length]
      : length < 0x100
        ? [TAG_SEQUENCE, 0x81, length]
        : length < 0x10000
          ? [TAG_SEQUENCE, 0x82, length >> 8, length & 0xff]
          : [TAG_SEQUENCE, 0x83, length >> 16, (length >> 8) & 0xff, length & 0xff];
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  let p = header.length;
  for (const e of elements) {
    out.set(e, p);
    p += e.length;
  }
  return out;
}

export type PrivateKeyFormat = 'pkcs8' | 'sec1' | 'pkcs1';

/** Which private key structure a DER SEQUENCE holds, from its first fields. */
function detectPrivateKeyFormat(der: Uint8Array): PrivateKeyFormat {
  const outer = wholeTlv(der, TAG_SEQUENCE, 'private key');
  const first = readTlv(der, outer.contentStart, outer.end, 'private key');
  if (first.tag !== 0x02 || first.end >= outer.end) throw new CryptoError('bad-encoding', 'not a private key structure');
  const second = readTlv(der, first.end, outer.end, 'private key');
  if (second.tag === TAG_SEQUENCE) return 'pkcs8'; // version, AlgorithmIdentifier, ...
  if (second.tag === 0x04) return 'sec1'; // version 1, OCTET STRING privateKey, ...
  if (second.tag === 0x02) return 'pkcs1'; // version, modulus, ...
  throw new CryptoError('bad-encoding', 'not a private key structure');
}

/** Bytes that start with "-----" (after white space) are PEM text. */
function asPemText(input: string | Uint8Array): string | null {
  if (typeof input === 'string') return input;
  let i = 0;
  while (i < input.length && (input[i] === 0x20 || input[i] === 0x0a || input[i] === 0x0d || input[i] === 0x09)) i++;
  if (input[i] === 0x2d) return new TextDecoder().decode(input);
  return null;
}

/**
 * Parses a private key: PEM ("PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"; the first such
 * block of the text) or DER (PKCS#8, SEC1 or PKCS#1, recognised by structure). Encrypted keys
 * ("ENCRYPTED PRIVATE KEY") are refused with CryptoError('unsupported').
 */
export function parsePrivateKey(input: string | Uint8Array): PrivateKey {
  const text = asPemText(input);
  if (text === null) {
    const der = input as Uint8Array;
    const format = detectPrivateKeyFormat(der);
    return decodePrivateKeyDer(der, format);
  }
  for (const block of decodePem(text)) {
    switch (block.label) {
      case 'PRIVATE KEY':
        return decodePrivateKeyDer(block.der, 'pkcs8');
      case 'EC PRIVATE KEY':
        return decodePrivateKeyDer(block.der, 'sec1');
      case 'RSA PRIVATE KEY':
        return decodePrivateKeyDer(block.der, 'pkcs1');
      case 'ENCRYPTED PRIVATE KEY':
        throw new CryptoError('unsupported', 'encrypted private keys are not supported');
    }
  }
  throw new CryptoError('bad-encoding', 'no private key PEM block found');
}

export function decodePrivateKeyDer(der: Uint8Array, format: PrivateKeyFormat): PrivateKey {
  switch (format) {
    case 'pkcs8':
      return decodePkcs8(der);
    case 'sec1':
      return decodeEcPrivateKey(der);
    case 'pkcs1':
      return decodeRsaPrivateKey(der);
  }
}

/**
 * Parses a public key: PEM "PUBLIC KEY" (SubjectPublicKeyInfo) or "RSA PUBLIC KEY" (PKCS#1), or
 * a DER SubjectPublicKeyInfo.
 */
export function parsePublicKey(input: string | Uint8Array): PublicKey {
  const text = asPemText(input);
  if (text === null) return decodeSubjectPublicKeyInfo(input as Uint8Array);
  for (const block of decodePem(text)) {
    if (block.label === 'PUBLIC KEY') return decodeSubjectPublicKeyInfo(block.der);
    if (block.label === 'RSA PUBLIC KEY') {
      const rsa = asn1Parse(block.der, RSAPublicKey, 'RSAPublicKey');
      const key = {
        type: 'rsa' as const,
        n: integerToBigInt(rsa.modulus, 'RSAPublicKey.modulus'),
        e: integerToBigInt(rsa.publicExponent, 'RSAPublicKey.publicExponent'),
      };
      checkRsaPublicKey(key);
      return key;
    }
  }
  throw new CryptoError('bad-encoding', 'no public key PEM block found');
}

function encodeEcPrivateKey(key: EcPrivateKey, withParameters: boolean): Uint8Array {
  return asn1Serialize(
    new ECPrivateKey({
      version: 1,
      privateKey: new OctetString(key.d),
      parameters: withParameters ? new ECParameters({ namedCurve: curveByName(key.curve).oid }) : undefined,
      publicKey: toArrayBuffer(key.publicKey),
    }),
  );
}

function encodeRsaPrivateKey(key: RsaPrivateKeyValue): Uint8Array {
  const i = (v: bigint): ArrayBuffer => toArrayBuffer(bigIntToInteger(v));
  return asn1Serialize(
    new RSAPrivateKey({
      version: 0,
      modulus: i(key.n),
      publicExponent: i(key.e),
      privateExponent: i(key.d),
      prime1: i(key.p),
      prime2: i(key.q),
      exponent1: i(key.dp),
      exponent2: i(key.dq),
      coefficient: i(key.qi),
    }),
  );
}

/**
 * DER encoding of a private key. PKCS#8 is written as openssl writes it: version 0; EC keys carry
 * the curve in the AlgorithmIdentifier and the public key inside the ECPrivateKey (RFC 5915 §3);
 * Ed25519 keys carry the seed only (RFC 8410 §7). 'sec1' is for EC keys, 'pkcs1' for RSA keys.
 */
export function encodePrivateKey(key: PrivateKey, format: PrivateKeyFormat = 'pkcs8'): Uint8Array {
  if (format === 'sec1') {
    if (key.type !== 'ec') throw new CryptoError('unsupported', 'SEC1 holds EC keys only');
    return encodeEcPrivateKey(key, true);
  }
  if (format === 'pkcs1') {
    if (key.type !== 'rsa') throw new CryptoError('unsupported', 'PKCS#1 holds RSA keys only');
    return encodeRsaPrivateKey(key);
  }
  let algorithm: AlgorithmIdentifier;
  let privateKey: Uint8Array;
  switch (key.type) {
    case 'ec':
      algorithm = new AlgorithmIdentifier({ algorithm: id_ecPublicKey, parameters: ecParameters(key.curve) });
      privateKey = encodeEcPrivateKey(key, false);
      break;
    case 'ed25519':
      algorithm = new AlgorithmIdentifier({ algorithm: id_Ed25519 });
      privateKey = asn1Serialize(new OctetString(key.seed));
      break;
    case 'rsa':
      algorithm = new AlgorithmIdentifier({ algorithm: id_rsaEncryption, parameters: NULL_PARAMETERS });
      privateKey = encodeRsaPrivateKey(key);
      break;
  }
  return asn1Serialize(new PrivateKeyInfo({ version: 0, privateKeyAlgorithm: algorithm, privateKey: new OctetString(privateKey) }));
}

const PEM_LABELS: Record<PrivateKeyFormat, string> = {
  pkcs8: 'PRIVATE KEY',
  sec1: 'EC PRIVATE KEY',
  pkcs1: 'RSA PRIVATE KEY',
};

export function privateKeyToPem(key: PrivateKey, format: PrivateKeyFormat = 'pkcs8'): string {
  return encodePem(PEM_LABELS[format], encodePrivateKey(key, format));
}

export function publicKeyToPem(key: PublicKey): string {
  return encodePem('PUBLIC KEY', encodeSubjectPublicKeyInfo(key));
}
