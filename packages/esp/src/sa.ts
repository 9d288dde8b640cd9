/**
 * The Security Association as plain data (RFC 4301 §4.4.2 "SAD fields"), in the JSON shape that
 * `lab esp` reads and that packages/ikev2 produces for a negotiated CHILD_SA: algorithm names are
 * the IKEv2 Transform IDs' (RFC 7296 §3.3.2), keys are hex cut from KEYMAT as RFC 7296 §2.17
 * orders them (for AES-GCM, ChaCha20-Poly1305 and AES-GMAC the encryption key is followed by the
 * 4-byte salt: RFC 4106 §8.1, RFC 7634 §4, RFC 4543 §8).
 *
 * ```json
 * {"protocol":"esp","spi":"0x00001000","mode":"tunnel","encryption":"ENCR_AES_GCM_16",
 *  "encryptionKey":"<hex: key then 4-byte salt>","icvLength":16,"integrity":null,
 *  "integrityKey":null,"esn":false,"sequence":1,
 *  "tunnel":{"source":"192.0.2.1","destination":"192.0.2.2"}}
 * ```
 *
 * `sequence` is the full 64-bit sequence number: the next one to send on an outbound SA, the
 * start of the anti-replay window on an inbound SA. Optional members, absent unless used:
 * `udpEncapsulation` (RFC 3948 ports), `lifetime` (RFC 4301 §4.4.2.1 soft and hard limits).
 */
import { fromHex, toHex } from '@layersec/wire';
import { TransformId, IntegrityAlgorithmId, type EncryptionAlgorithm, type IntegrityAlgorithm } from './constants.js';
import { formatIpAddress, parseIpAddress } from './ip.js';

export type SaProtocol = 'esp' | 'ah';
export type SaMode = 'transport' | 'tunnel';

export interface LifetimeLimits {
  packets?: number;
  bytes?: number;
  seconds?: number;
}

/** RFC 4301 §4.4.2.1: a soft limit raises a rekey event, a hard limit ends the SA. */
export interface SaLifetime {
  soft?: LifetimeLimits;
  hard?: LifetimeLimits;
}

/** The JSON form, exactly as files and IKEv2 carry it. */
export interface SecurityAssociationJson {
  protocol: SaProtocol;
  spi: string;
  mode: SaMode;
  encryption: EncryptionAlgorithm | null;
  encryptionKey: string | null;
  icvLength: number;
  integrity: IntegrityAlgorithm | null;
  integrityKey: string | null;
  esn: boolean;
  /** A JSON number when below 2^53, else a decimal (or 0x-hex) string. */
  sequence: number | string;
  tunnel: { source: string; destination: string } | null;
  udpEncapsulation?: { sourcePort: number; destinationPort: number };
  lifetime?: SaLifetime;
}

/** The parsed form: the same fields, with bytes, a numeric SPI and a BigInt sequence number. */
export interface SecurityAssociation {
  protocol: SaProtocol;
  spi: number;
  mode: SaMode;
  encryption: EncryptionAlgorithm | null;
  /** Encryption key followed by the salt where the transform has one. */
  encryptionKey: Uint8Array | null;
  /** Length of the ICV in bytes (the AEAD tag, or the truncated HMAC). */
  icvLength: number;
  integrity: IntegrityAlgorithm | null;
  integrityKey: Uint8Array | null;
  esn: boolean;
  sequence: bigint;
  tunnel: { source: string; destination: string } | null;
  udpEncapsulation?: { sourcePort: number; destinationPort: number };
  lifetime?: SaLifetime;
}

/** A Security Association description that cannot be used, naming the member at fault. */
export class SaConfigError extends Error {
  override readonly name = 'SaConfigError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`SA ${field}: ${reason}`);
  }
}

interface EncryptionInfo {
  /** Acceptable key lengths in bytes, salt excluded. */
  keyLengths: readonly number[];
  saltLength: number;
  /** ICV fixed by the transform (AEAD tag), or null when an integrity algorithm provides it. */
  icvLength: number | null;
  combined: boolean;
}

export const ENCRYPTION_INFO: Record<EncryptionAlgorithm, EncryptionInfo> = {
  ENCR_NULL: { keyLengths: [0], saltLength: 0, icvLength: null, combined: false },
  ENCR_AES_CBC: { keyLengths: [16, 32], saltLength: 0, icvLength: null, combined: false },
  ENCR_AES_GCM_8: { keyLengths: [16, 32], saltLength: 4, icvLength: 8, combined: true },
  ENCR_AES_GCM_12: { keyLengths: [16, 32], saltLength: 4, icvLength: 12, combined: true },
  ENCR_AES_GCM_16: { keyLengths: [16, 32], saltLength: 4, icvLength: 16, combined: true },
  ENCR_NULL_AUTH_AES_GMAC: { keyLengths: [16, 32], saltLength: 4, icvLength: 16, combined: true },
  ENCR_CHACHA20_POLY1305: { keyLengths: [32], saltLength: 4, icvLength: 16, combined: true },
};

/** RFC 2404 and RFC 4868 §2: key length and truncated ICV length of each HMAC. */
export const INTEGRITY_INFO: Record<IntegrityAlgorithm, { hash: 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512'; keyLength: number; icvLength: number }> = {
  AUTH_HMAC_SHA1_96: { hash: 'SHA-1', keyLength: 20, icvLength: 12 },
  AUTH_HMAC_SHA2_256_128: { hash: 'SHA-256', keyLength: 32, icvLength: 16 },
  AUTH_HMAC_SHA2_384_192: { hash: 'SHA-384', keyLength: 48, icvLength: 24 },
  AUTH_HMAC_SHA2_512_256: { hash: 'SHA-512', keyLength: 64, icvLength: 32 },
};

const MAX_U64 = 0xffff_ffff_ffff_ffffn;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hexField(v: unknown, field: string): Uint8Array | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v !== 'string') throw new SaConfigError(field, 'must be a hex string or null');
  try {
    return fromHex(v);
  } catch {
    throw new SaConfigError(field, 'is not hex');
  }
}

function parseLimits(v: unknown, field: string): LifetimeLimits | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) throw new SaConfigError(field, 'must be an object');
  const out: LifetimeLimits = {};
  for (const k of ['packets', 'bytes', 'seconds'] as const) {
    const x = v[k];
    if (x === undefined) continue;
    if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) throw new SaConfigError(`${field}.${k}`, 'must be a positive number');
    out[k] = x;
  }
  return out;
}

function parseSequence(v: unknown): bigint {
  let s: bigint;
  if (typeof v === 'number' && Number.isSafeInteger(v)) s = BigInt(v);
  else if (typeof v === 'string' && /^(0x[0-9a-fA-F]+|\d+)$/.test(v)) s = BigInt(v);
  else throw new SaConfigError('sequence', 'must be a non-negative integer (number, or string for values ≥ 2^53)');
  if (s < 0n || s > MAX_U64) throw new SaConfigError('sequence', 'outside 0..2^64-1');
  return s;
}

/**
 * Parses and validates the JSON form (an object, e.g. from JSON.parse). Every inconsistency —
 * a key of the wrong length, an AEAD with an integrity algorithm, a 64-bit sequence without ESN —
 * is a SaConfigError naming the member.
 */
export function parseSa(json: unknown): SecurityAssociation {
  if (!isRecord(json)) throw new SaConfigError('(root)', 'must be a JSON object');
  const protocol = json.protocol;
  if (protocol !== 'esp' && protocol !== 'ah') throw new SaConfigError('protocol', 'must be "esp" or "ah"');
  const spiRaw = json.spi;
  let spi: number;
  if (typeof spiRaw === 'number' && Number.isInteger(spiRaw)) spi = spiRaw;
  else if (typeof spiRaw === 'string' && /^(0x[0-9a-fA-F]{1,8}|\d+)$/.test(spiRaw)) spi = Number(spiRaw);
  else throw new SaConfigError('spi', 'must be a 32-bit number or a "0x..." string');
  // RFC 4303 §2.1: SPI values 1..255 are reserved by IANA, 0 is for local use only.
  if (!(spi >= 256 && spi <= 0xffff_ffff)) throw new SaConfigError('spi', `0x${spi.toString(16)} is reserved (RFC 4303 §2.1: 0..255)`);
  const mode = json.mode;
  if (mode !== 'transport' && mode !== 'tunnel') throw new SaConfigError('mode', 'must be "transport" or "tunnel"');

  const encryption = json.encryption ?? null;
  if (encryption !== null && !(typeof encryption === 'string' && encryption in TransformId)) {
    throw new SaConfigError('encryption', `unknown or unsupported transform ${String(encryption)}`);
  }
  const integrity = json.integrity ?? null;
  if (integrity !== null && !(typeof integrity === 'string' && integrity in IntegrityAlgorithmId)) {
    throw new SaConfigError('integrity', `unknown or unsupported transform ${String(integrity)}`);
  }
  const encryptionKey = hexField(json.encryptionKey, 'encryptionKey');
  const integrityKey = hexField(json.integrityKey, 'integrityKey');
  const icvRaw = json.icvLength;

  let icvLength: number;
  if (protocol === 'ah') {
    if (encryption !== null) throw new SaConfigError('encryption', 'AH has no encryption (must be null)');
    if (integrity === null) throw new SaConfigError('integrity', 'AH needs an integrity algorithm');
    icvLength = INTEGRITY_INFO[integrity as IntegrityAlgorithm].icvLength;
  } else {
    if (encryption === null) throw new SaConfigError('encryption', 'ESP needs an encryption transform (ENCR_NULL for integrity-only ESP)');
    const info = ENCRYPTION_INFO[encryption as EncryptionAlgorithm];
    const keyLength = (encryptionKey?.length ?? 0) - info.saltLength;
    if (!info.keyLengths.includes(keyLength)) {
      throw new SaConfigError(
        'encryptionKey',
        `${encryptionKey?.length ?? 0} bytes; ${encryption} takes ${info.keyLengths.map((k) => k + info.saltLength).join(' or ')} (key${info.saltLength ? ' then 4-byte salt' : ''})`,
      );
    }
    if (info.combined) {
      if (integrity !== null) throw new SaConfigError('integrity', `${encryption} is a combined-mode transform: integrity must be null (RFC 7296 §3.3)`);
      icvLength = info.icvLength!;
    } else if (integrity !== null) {
      icvLength = INTEGRITY_INFO[integrity as IntegrityAlgorithm].icvLength;
    } else if (encryption === 'ENCR_NULL') {
      throw new SaConfigError('integrity', 'ENCR_NULL without integrity would protect nothing (RFC 4303 §3.2)');
    } else {
      icvLength = 0; // confidentiality-only ESP; the engine refuses it unless explicitly allowed
    }
  }
  if (icvRaw !== undefined && icvRaw !== null && icvRaw !== icvLength) {
    throw new SaConfigError('icvLength', `${String(icvRaw)} does not match ${encryption ?? integrity}'s ${icvLength}`);
  }
  if (integrity !== null) {
    const want = INTEGRITY_INFO[integrity as IntegrityAlgorithm].keyLength;
    if (integrityKey?.length !== want) throw new SaConfigError('integrityKey', `${integrityKey?.length ?? 0} bytes; ${integrity} takes ${want}`);
  } else if (integrityKey !== null) {
    throw new SaConfigError('integrityKey', 'given without an integrity algorithm');
  }

  const esn = json.esn ?? false;
  if (typeof esn !== 'boolean') throw new SaConfigError('esn', 'must be true or false');
  const sequence = parseSequence(json.sequence ?? 1);
  if (!esn && sequence > 0xffff_ffffn) throw new SaConfigError('sequence', 'exceeds 2^32-1 without ESN');

  let tunnel: SecurityAssociation['tunnel'] = null;
  if (json.tunnel !== null && json.tunnel !== undefined) {
    if (!isRecord(json.tunnel) || typeof json.tunnel.source !== 'string' || typeof json.tunnel.destination !== 'string') {
      throw new SaConfigError('tunnel', 'must be {"source": address, "destination": address}');
    }
    let s: Uint8Array;
    let d: Uint8Array;
    try {
      s = parseIpAddress(json.tunnel.source);
      d = parseIpAddress(json.tunnel.destination);
    } catch (e) {
      throw new SaConfigError('tunnel', (e as Error).message);
    }
    if (s.length !== d.length) throw new SaConfigError('tunnel', 'source and destination must be of one IP version');
    tunnel = { source: formatIpAddress(s), destination: formatIpAddress(d) };
  }
  if (mode === 'tunnel' && tunnel === null) throw new SaConfigError('tunnel', 'tunnel mode needs tunnel endpoints');

  const sa: SecurityAssociation = {
    protocol,
    spi,
    mode,
    encryption: encryption as EncryptionAlgorithm | null,
    encryptionKey,
    icvLength,
    integrity: integrity as IntegrityAlgorithm | null,
    integrityKey,
    esn,
    sequence,
    tunnel,
  };
  if (json.udpEncapsulation !== undefined && json.udpEncapsulation !== null) {
    const u = json.udpEncapsulation;
    if (protocol !== 'esp') throw new SaConfigError('udpEncapsulation', 'only ESP is UDP-encapsulated (RFC 3948)');
    if (!isRecord(u) || !isPort(u.sourcePort) || !isPort(u.destinationPort)) {
      throw new SaConfigError('udpEncapsulation', 'must be {"sourcePort": 1..65535, "destinationPort": 1..65535}');
    }
    sa.udpEncapsulation = { sourcePort: u.sourcePort as number, destinationPort: u.destinationPort as number };
  }
  if (json.lifetime !== undefined && json.lifetime !== null) {
    if (!isRecord(json.lifetime)) throw new SaConfigError('lifetime', 'must be an object');
    const soft = parseLimits(json.lifetime.soft, 'lifetime.soft');
    const hard = parseLimits(json.lifetime.hard, 'lifetime.hard');
    sa.lifetime = {};
    if (soft) sa.lifetime.soft = soft;
    if (hard) sa.lifetime.hard = hard;
  }
  return sa;
}

function isPort(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}

/** The JSON form of an SA (members in the documented order; optional ones only when set). */
export function serializeSa(sa: SecurityAssociation): SecurityAssociationJson {
  const out: SecurityAssociationJson = {
    protocol: sa.protocol,
    spi: `0x${sa.spi.toString(16).padStart(8, '0')}`,
    mode: sa.mode,
    encryption: sa.encryption,
    encryptionKey: sa.encryptionKey ? toHex(sa.encryptionKey) : null,
    icvLength: sa.icvLength,
    integrity: sa.integrity,
    integrityKey: sa.integrityKey ? toHex(sa.integrityKey) : null,
    esn: sa.esn,
    sequence: sa.sequence <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(sa.sequence) : sa.sequence.toString(),
    tunnel: sa.tunnel ? { source: sa.tunnel.source, destination: sa.tunnel.destination } : null,
  };
  if (sa.udpEncapsulation) out.udpEncapsulation = { ...sa.udpEncapsulation };
  if (sa.lifetime) out.lifetime = JSON.parse(JSON.stringify(sa.lifetime)) as SaLifetime;
  return out;
}

/** Parses SA JSON text. */
export function saFromJson(text: string): SecurityAssociation {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SaConfigError('(root)', `not JSON: ${(e as Error).message}`);
  }
  return parseSa(value);
}

/** SA JSON text, one member per line. */
export function saToJson(sa: SecurityAssociation): string {
  return JSON.stringify(serializeSa(sa), null, 2);
}
