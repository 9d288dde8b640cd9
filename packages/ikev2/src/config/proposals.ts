/**
 * strongSwan's proposal keywords (`aes128gcm16-prfsha256-x25519`, `aes256-sha256-modp2048`, ...)
 * mapped to IKEv2 transforms (registries "Transform Type 1..5"), and a proposal's wire form
 * (RFC 7296 §3.3). One keyword string is one proposal; a comma-separated list is several, in
 * order of preference.
 */
import { DhId, EncrId, EsnId, IntegId, PrfId, ProtocolId, TransformAttribute, TransformType } from '../constants.js';
import type { Proposal, Transform } from '../messages/payloads.js';

/** An encryption transform: ID and, for variable-length ciphers, the Key Length in bits. */
export interface EncrSpec {
  id: number;
  keyLength?: number;
}

/** The transforms of one proposal, each list in order of preference. */
export interface ProposalSpec {
  encr: EncrSpec[];
  integ: number[];
  prf: number[];
  dh: number[];
  esn: number[];
}

/** A keyword that is not one of the supported ones, or a combination RFC 7296 does not allow. */
export class ProposalKeywordError extends Error {
  override readonly name = 'ProposalKeywordError';
  constructor(
    readonly keyword: string,
    readonly reason: string,
  ) {
    super(`proposal keyword '${keyword}': ${reason}`);
  }
}

const AEAD_IDS: ReadonlySet<number> = new Set([EncrId.ENCR_AES_GCM_8, EncrId.ENCR_AES_GCM_12, EncrId.ENCR_AES_GCM_16, EncrId.ENCR_CHACHA20_POLY1305]);

export function isAeadEncr(id: number): boolean {
  return AEAD_IDS.has(id);
}

function encrKeyword(k: string): EncrSpec | undefined {
  if (k === 'aes') return { id: EncrId.ENCR_AES_CBC, keyLength: 128 };
  if (k === 'chacha20poly1305') return { id: EncrId.ENCR_CHACHA20_POLY1305 };
  const cbc = /^aes(128|192|256)$/.exec(k);
  if (cbc) return { id: EncrId.ENCR_AES_CBC, keyLength: Number(cbc[1]) };
  // aesNNNgcm{8,64,12,96,16,128} and plain aesNNNgcm (= 16-octet ICV).
  const gcm = /^aes(128|192|256)gcm(8|64|12|96|16|128)?$/.exec(k);
  if (gcm) {
    const icv = gcm[2] === undefined ? '16' : gcm[2];
    const id = icv === '8' || icv === '64' ? EncrId.ENCR_AES_GCM_8 : icv === '12' || icv === '96' ? EncrId.ENCR_AES_GCM_12 : EncrId.ENCR_AES_GCM_16;
    return { id, keyLength: Number(gcm[1]) };
  }
  return undefined;
}

const INTEG_KEYWORDS: Readonly<Record<string, number>> = {
  sha: IntegId.AUTH_HMAC_SHA1_96,
  sha1: IntegId.AUTH_HMAC_SHA1_96,
  sha256: IntegId.AUTH_HMAC_SHA2_256_128,
  sha2_256: IntegId.AUTH_HMAC_SHA2_256_128,
  sha384: IntegId.AUTH_HMAC_SHA2_384_192,
  sha2_384: IntegId.AUTH_HMAC_SHA2_384_192,
  sha512: IntegId.AUTH_HMAC_SHA2_512_256,
  sha2_512: IntegId.AUTH_HMAC_SHA2_512_256,
  aesxcbc: IntegId.AUTH_AES_XCBC_96,
};

const PRF_KEYWORDS: Readonly<Record<string, number>> = {
  prfsha1: PrfId.PRF_HMAC_SHA1,
  prfsha256: PrfId.PRF_HMAC_SHA2_256,
  prfsha384: PrfId.PRF_HMAC_SHA2_384,
  prfsha512: PrfId.PRF_HMAC_SHA2_512,
  prfaesxcbc: PrfId.PRF_AES128_XCBC,
};

/** strongSwan derives the IKE PRF from an integrity keyword when none is named. */
const PRF_OF_INTEG: Readonly<Record<number, number>> = {
  [IntegId.AUTH_HMAC_SHA1_96]: PrfId.PRF_HMAC_SHA1,
  [IntegId.AUTH_HMAC_SHA2_256_128]: PrfId.PRF_HMAC_SHA2_256,
  [IntegId.AUTH_HMAC_SHA2_384_192]: PrfId.PRF_HMAC_SHA2_384,
  [IntegId.AUTH_HMAC_SHA2_512_256]: PrfId.PRF_HMAC_SHA2_512,
  [IntegId.AUTH_AES_XCBC_96]: PrfId.PRF_AES128_XCBC,
};

const DH_KEYWORDS: Readonly<Record<string, number>> = {
  modp1024: DhId.MODP_1024,
  modp1536: DhId.MODP_1536,
  modp2048: DhId.MODP_2048,
  modp3072: DhId.MODP_3072,
  modp4096: DhId.MODP_4096,
  modp6144: DhId.MODP_6144,
  modp8192: DhId.MODP_8192,
  ecp256: DhId.ECP_256,
  ecp384: DhId.ECP_384,
  ecp521: DhId.ECP_521,
  ecp192: DhId.ECP_192,
  ecp224: DhId.ECP_224,
  curve25519: DhId.CURVE25519,
  x25519: DhId.CURVE25519,
  curve448: DhId.CURVE448,
  x448: DhId.CURVE448,
};

const ESN_KEYWORDS: Readonly<Record<string, number>> = {
  esn: EsnId.ESN,
  noesn: EsnId.NO_ESN,
};

/**
 * One proposal from its keyword string (e.g. `aes128gcm16-prfsha256-x25519`). For IKE the PRF
 * defaults to the integrity algorithms' PRFs and an AEAD proposal must name one; for ESP the
 * DH keywords are the PFS groups and ESN defaults to `noesn`.
 */
export function parseProposal(text: string, protocol: 'ike' | 'esp'): ProposalSpec {
  const spec: ProposalSpec = { encr: [], integ: [], prf: [], dh: [], esn: [] };
  const keywords = text.trim().toLowerCase().split('-');
  for (const k of keywords) {
    if (k === '') throw new ProposalKeywordError(text, 'empty keyword');
    const encr = encrKeyword(k);
    if (encr) spec.encr.push(encr);
    else if (k in INTEG_KEYWORDS) spec.integ.push(INTEG_KEYWORDS[k]);
    else if (k in PRF_KEYWORDS) {
      if (protocol === 'esp') throw new ProposalKeywordError(k, 'a PRF in an ESP proposal');
      spec.prf.push(PRF_KEYWORDS[k]);
    } else if (k in DH_KEYWORDS) spec.dh.push(DH_KEYWORDS[k]);
    else if (k in ESN_KEYWORDS) {
      if (protocol === 'ike') throw new ProposalKeywordError(k, 'ESN in an IKE proposal');
      spec.esn.push(ESN_KEYWORDS[k]);
    } else throw new ProposalKeywordError(k, 'not a supported algorithm keyword');
  }
  const dedupe = <T>(xs: T[], key: (x: T) => string) => xs.filter((x, i) => xs.findIndex((y) => key(y) === key(x)) === i);
  spec.encr = dedupe(spec.encr, (e) => `${e.id}/${e.keyLength}`);
  spec.integ = dedupe(spec.integ, String);
  spec.prf = dedupe(spec.prf, String);
  spec.dh = dedupe(spec.dh, String);
  spec.esn = dedupe(spec.esn, String);

  if (spec.encr.length === 0) throw new ProposalKeywordError(text, 'no encryption algorithm');
  const aead = spec.encr.filter((e) => isAeadEncr(e.id)).length;
  if (aead !== 0 && aead !== spec.encr.length) throw new ProposalKeywordError(text, 'mixes AEAD and non-AEAD encryption in one proposal');
  if (aead !== 0 && spec.integ.length > 0) throw new ProposalKeywordError(text, 'an AEAD with an integrity algorithm (RFC 5282 §8)');
  if (aead === 0 && spec.integ.length === 0) throw new ProposalKeywordError(text, 'no integrity algorithm');
  if (protocol === 'ike') {
    if (spec.prf.length === 0) {
      if (aead !== 0) throw new ProposalKeywordError(text, 'an AEAD IKE proposal must name its PRF (e.g. prfsha256)');
      spec.prf = dedupe(spec.integ.map((i) => PRF_OF_INTEG[i]), String);
    }
    if (spec.dh.length === 0) throw new ProposalKeywordError(text, 'no key exchange group');
  } else if (spec.esn.length === 0) {
    spec.esn = [EsnId.NO_ESN];
  }
  return spec;
}

/** A comma-separated list of proposals, most preferred first. */
export function parseProposals(text: string, protocol: 'ike' | 'esp'): ProposalSpec[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => parseProposal(s, protocol));
}

/**
 * The wire form of a proposal (RFC 7296 §3.3), transforms in the order strongSwan sends them:
 * ENCR, INTEG, PRF, DH, ESN. `withDh: false` leaves the DH transforms out (the first Child SA
 * created in IKE_AUTH has no KE, §1.2).
 */
export function proposalToWire(spec: ProposalSpec, proposalNum: number, protocolId: number, spi: Uint8Array, withDh = true): Proposal {
  const transforms: Transform[] = [];
  for (const e of spec.encr) {
    transforms.push({
      transformType: TransformType.ENCR,
      transformId: e.id,
      attributes: e.keyLength === undefined ? [] : [{ attributeType: TransformAttribute.KEY_LENGTH, format: 'TV', value: e.keyLength }],
    });
  }
  for (const id of spec.integ) transforms.push({ transformType: TransformType.INTEG, transformId: id, attributes: [] });
  if (protocolId === ProtocolId.IKE) for (const id of spec.prf) transforms.push({ transformType: TransformType.PRF, transformId: id, attributes: [] });
  if (withDh) for (const id of spec.dh) transforms.push({ transformType: TransformType.DH, transformId: id, attributes: [] });
  if (protocolId !== ProtocolId.IKE) for (const id of spec.esn) transforms.push({ transformType: TransformType.ESN, transformId: id, attributes: [] });
  return { proposalNum, protocolId, spi, transforms };
}
