/**
 * Proposal negotiation (RFC 7296 §2.7, §3.3.6). The responder picks by its own preference: its
 * configured proposals in order, and for each the first offered proposal it can accept, taking
 * in each transform type the first of its own algorithms the offer contains. The answer is one
 * proposal with the offered Proposal Num and one transform of each type. The initiator checks
 * that answer against what it offered.
 */
import { NotifyType, ProtocolId, TransformAttribute, TransformType } from '../constants.js';
import { IkeNotifyError } from '../errors.js';
import type { EncrSpec, ProposalSpec } from '../config/proposals.js';
import { isAeadEncr } from '../config/proposals.js';
import { keyLengthOf, type Proposal, type Transform } from '../messages/payloads.js';

/** One transform of each type, as negotiated. */
export interface NegotiatedTransforms {
  encr: EncrSpec;
  /** Absent with an AEAD. */
  integ?: number;
  /** IKE only. */
  prf?: number;
  /** The key exchange group; absent for a Child SA without PFS. */
  dh?: number;
  /** ESP/AH only. */
  esn?: number;
}

export interface SelectedProposal {
  /** Proposal Num of the offered proposal that was chosen. */
  proposalNum: number;
  /** The offered proposal's SPI (the peer's inbound SPI for ESP; empty in IKE_SA_INIT). */
  peerSpi: Uint8Array;
  transforms: NegotiatedTransforms;
}

export interface SelectOptions {
  /** Do not negotiate a DH transform (the Child SA created in IKE_AUTH, §1.2). */
  ignoreDh?: boolean;
  /** A group to take when both sides allow it (the initiator's KE group), sparing a round trip. */
  preferDh?: number;
  /** Groups this side can compute; others are skipped. */
  isSupportedDh?: (group: number) => boolean;
}

const KNOWN_TYPES: ReadonlySet<number> = new Set([TransformType.ENCR, TransformType.PRF, TransformType.INTEG, TransformType.DH, TransformType.ESN]);

/** §3.3.6: a transform with an attribute we do not understand is not acceptable. */
function onlyKnownAttributes(t: Transform): boolean {
  return t.attributes.every((a) => a.attributeType === TransformAttribute.KEY_LENGTH && a.format === 'TV');
}

function ofType(p: Proposal, type: number): Transform[] {
  return p.transforms.filter((t) => t.transformType === type && onlyKnownAttributes(t));
}

function offersNoneOrNothing(p: Proposal, type: number): boolean {
  const ts = p.transforms.filter((t) => t.transformType === type);
  return ts.every((t) => t.transformId === 0);
}

function matchProposal(off: Proposal, conf: ProposalSpec, protocolId: number, o: SelectOptions): NegotiatedTransforms | undefined {
  // §3.3.6: a Transform Type we do not understand makes the proposal unacceptable.
  if (off.transforms.some((t) => !KNOWN_TYPES.has(t.transformType))) return undefined;
  const ike = protocolId === ProtocolId.IKE;
  const offEncr = ofType(off, TransformType.ENCR);
  const encr = conf.encr.find((e) => offEncr.some((t) => t.transformId === e.id && keyLengthOf(t) === e.keyLength));
  if (encr === undefined) return undefined;
  const result: NegotiatedTransforms = { encr };

  if (isAeadEncr(encr.id)) {
    // RFC 5282 §8: an AEAD proposal has no integrity transform, or only NONE.
    if (!offersNoneOrNothing(off, TransformType.INTEG)) return undefined;
  } else {
    const offInteg = ofType(off, TransformType.INTEG).map((t) => t.transformId);
    const integ = conf.integ.find((i) => offInteg.includes(i));
    if (integ === undefined) return undefined;
    result.integ = integ;
  }

  if (ike) {
    const offPrf = ofType(off, TransformType.PRF).map((t) => t.transformId);
    const prf = conf.prf.find((p) => offPrf.includes(p));
    if (prf === undefined) return undefined;
    result.prf = prf;
  } else if (off.transforms.some((t) => t.transformType === TransformType.PRF)) {
    return undefined;
  }

  if (!o.ignoreDh) {
    const offDh = ofType(off, TransformType.DH).map((t) => t.transformId).filter((g) => g !== 0);
    const supported = (g: number) => o.isSupportedDh === undefined || o.isSupportedDh(g);
    const common = conf.dh.filter((g) => offDh.includes(g) && supported(g));
    if (conf.dh.length === 0) {
      if (!offersNoneOrNothing(off, TransformType.DH)) return undefined;
    } else if (common.length === 0) {
      return undefined;
    } else {
      result.dh = o.preferDh !== undefined && common.includes(o.preferDh) ? o.preferDh : common[0];
    }
  }

  if (!ike) {
    const offEsn = ofType(off, TransformType.ESN).map((t) => t.transformId);
    const esn = conf.esn.find((e) => offEsn.includes(e));
    if (esn === undefined) return undefined;
    result.esn = esn;
  } else if (off.transforms.some((t) => t.transformType === TransformType.ESN)) {
    return undefined;
  }
  return result;
}

/**
 * The responder's choice among `offered`, by the order of `configured` (RFC 7296 §2.7), or
 * undefined when nothing is acceptable (answer NO_PROPOSAL_CHOSEN).
 */
export function selectProposal(offered: Proposal[], configured: ProposalSpec[], protocolId: number, options: SelectOptions = {}): SelectedProposal | undefined {
  for (const conf of configured) {
    for (const off of offered) {
      if (off.protocolId !== protocolId) continue;
      const transforms = matchProposal(off, conf, protocolId, options);
      if (transforms !== undefined) return { proposalNum: off.proposalNum, peerSpi: off.spi, transforms };
    }
  }
  return undefined;
}

/** The wire form of a chosen proposal (one transform of each type), with this side's SPI. */
export function selectedToWire(s: { proposalNum: number; transforms: NegotiatedTransforms }, protocolId: number, spi: Uint8Array): Proposal {
  const t = s.transforms;
  const transforms: Transform[] = [
    {
      transformType: TransformType.ENCR,
      transformId: t.encr.id,
      attributes: t.encr.keyLength === undefined ? [] : [{ attributeType: TransformAttribute.KEY_LENGTH, format: 'TV', value: t.encr.keyLength }],
    },
  ];
  const add = (transformType: number, id: number | undefined) => {
    if (id !== undefined) transforms.push({ transformType, transformId: id, attributes: [] });
  };
  add(TransformType.INTEG, t.integ);
  add(TransformType.PRF, t.prf);
  add(TransformType.DH, t.dh);
  add(TransformType.ESN, t.esn);
  return { proposalNum: s.proposalNum, protocolId, spi, transforms };
}

function refuse(reason: string): never {
  throw new IkeNotifyError(NotifyType.NO_PROPOSAL_CHOSEN, new Uint8Array(0), `the responder's SA: ${reason}`);
}

/**
 * The initiator's check of the responder's SA payload (§2.7, §3.3.6): one proposal, with the
 * Proposal Num of one we offered, one transform of each type we offered in it, nothing else.
 */
export function acceptSelectedProposal(offered: Proposal[], answer: Proposal[], protocolId: number, options: { ignoreDh?: boolean } = {}): SelectedProposal {
  if (answer.length !== 1) refuse(`${answer.length} proposals instead of one`);
  const a = answer[0];
  if (a.protocolId !== protocolId) refuse(`Protocol ID ${a.protocolId}`);
  const ours = offered.filter((p) => p.proposalNum === a.proposalNum && p.protocolId === protocolId);
  if (ours.length === 0) refuse(`Proposal Num ${a.proposalNum} was not offered`);
  const sameTransform = (x: Transform, y: Transform) =>
    x.transformType === y.transformType &&
    x.transformId === y.transformId &&
    x.attributes.length === y.attributes.length &&
    x.attributes.every((attr, i) => {
      const b = y.attributes[i];
      return attr.attributeType === b.attributeType && attr.format === b.format && (attr.format === 'TV' ? attr.value === b.value : b.format === 'TLV');
    });
  for (const t of a.transforms) {
    if (!KNOWN_TYPES.has(t.transformType)) refuse(`Transform Type ${t.transformType}`);
    if (!ours.some((p) => p.transforms.some((o) => sameTransform(o, t)))) refuse(`transform ${t.transformType}/${t.transformId} was not offered`);
  }
  const one = (type: number): Transform | undefined => {
    const ts = a.transforms.filter((t) => t.transformType === type);
    if (ts.length > 1) refuse(`${ts.length} transforms of type ${type}`);
    return ts[0];
  };
  const encr = one(TransformType.ENCR);
  if (encr === undefined) refuse('no ENCR transform');
  const keyLength = keyLengthOf(encr);
  const transforms: NegotiatedTransforms = { encr: keyLength === undefined ? { id: encr.transformId } : { id: encr.transformId, keyLength } };
  const integ = one(TransformType.INTEG);
  if (isAeadEncr(encr.transformId)) {
    if (integ !== undefined && integ.transformId !== 0) refuse('an AEAD with an integrity transform');
  } else {
    if (integ === undefined || integ.transformId === 0) refuse('no INTEG transform');
    transforms.integ = integ.transformId;
  }
  const prf = one(TransformType.PRF);
  const dh = one(TransformType.DH);
  const esn = one(TransformType.ESN);
  if (protocolId === ProtocolId.IKE) {
    if (prf === undefined) refuse('no PRF transform');
    if (dh === undefined) refuse('no DH transform');
    transforms.prf = prf.transformId;
    transforms.dh = dh.transformId;
  } else {
    if (esn === undefined) refuse('no ESN transform');
    transforms.esn = esn.transformId;
    if (dh !== undefined && dh.transformId !== 0 && !options.ignoreDh) transforms.dh = dh.transformId;
  }
  return { proposalNum: a.proposalNum, peerSpi: a.spi, transforms };
}
