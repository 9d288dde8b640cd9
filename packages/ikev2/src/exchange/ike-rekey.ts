/**
 * Rekeying the IKE SA with CREATE_CHILD_SA (RFC 7296 §1.3.2, §2.18):
 *
 *   HDR, SK {SA, Ni, KEi}  -->          (SA: Protocol ID IKE, SPI = the sender's new IKE SPI)
 *                          <--  HDR, SK {SA, Nr, KEr}
 *
 * SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the old IKE SA's PRF; the SK_* follow
 * §2.14 with the new SPIs, the new nonces and the new IKE SA's PRF. The side that started the
 * rekey is the initiator of the new IKE SA; its Message IDs start at 0 again. The session then
 * deletes the old IKE SA (§2.18), and the Child SAs carry on under the new one.
 */
import { CryptoError, ikeRekeySkeyseed, ikeSaKeys } from '@layersec/crypto-primitives';
import { NotifyType, ProtocolId } from '../constants.js';
import { proposalToWire, type ProposalSpec } from '../config/proposals.js';
import { IkeNotifyError } from '../errors.js';
import { skKeyLengths } from '../messages/encrypted.js';
import { payloadOf } from '../messages/message.js';
import type { NotifyPayload, Payload, Proposal } from '../messages/payloads.js';
import { createKeyExchange, isSupportedGroup } from '../sa/key-exchange.js';
import { ikePrfOf, ikeSaProtections, skTransformsOf, type IkeSaTransforms } from '../sa/keys.js';
import { acceptSelectedProposal, selectProposal, selectedToWire, type SelectedProposal } from '../sa/proposal-selection.js';
import type { IkeInitContext, IkeSaInitResult } from './ike-init.js';

const EMPTY = new Uint8Array(0);
const NONCE_LENGTH = 32;

function randomIkeSpi(ctx: IkeInitContext): Uint8Array {
  for (;;) {
    const spi = ctx.random.randomBytes(8);
    if (spi.some((b) => b !== 0)) return spi;
  }
}

function ikeTransforms(s: SelectedProposal): IkeSaTransforms {
  const t = s.transforms;
  // §2.18: a new Diffie-Hellman exchange is mandatory.
  if (t.prf === undefined || t.dh === undefined) throw new IkeNotifyError(NotifyType.NO_PROPOSAL_CHOSEN, EMPTY, 'IKE SA rekey without PRF or DH');
  return { encr: t.encr, integ: t.integ ?? 0, prf: t.prf, dh: t.dh };
}

function newIkeSa(
  ctx: IkeInitContext,
  old: IkeSaInitResult,
  role: 'initiator' | 'responder',
  spiI: Uint8Array,
  spiR: Uint8Array,
  transforms: IkeSaTransforms,
  ni: Uint8Array,
  nr: Uint8Array,
  sharedSecret: Uint8Array,
): IkeSaInitResult {
  // The old IKE SA's PRF makes SKEYSEED; the new one's the SK_* (§2.18).
  const skeyseed = ikeRekeySkeyseed(ctx.provider, ikePrfOf(old.transforms.prf), old.keys.SK_d, sharedSecret, ni, nr);
  const keys = ikeSaKeys(ctx.provider, ikePrfOf(transforms.prf), skeyseed, ni, nr, spiI, spiR, skKeyLengths(skTransformsOf(transforms)));
  return {
    role,
    initiatorSpi: spiI,
    responderSpi: spiR,
    transforms,
    ni,
    nr,
    sharedSecret,
    skeyseed,
    keys,
    protections: ikeSaProtections(ctx.provider, transforms, keys),
    nat: old.nat,
    useNatT: old.useNatT,
    peerSignatureHashAlgorithms: old.peerSignatureHashAlgorithms,
    peerCertificateRequests: [],
    requestMessage: EMPTY,
    responseMessage: EMPTY,
  };
}

export interface IkeRekeyRequest {
  payloads: Payload[];
  finish(response: Payload[]): IkeSaInitResult;
}

/** Our request to rekey `old` with the configured IKE proposals. */
export function buildIkeRekeyRequest(ctx: IkeInitContext, old: IkeSaInitResult, proposals: ProposalSpec[]): IkeRekeyRequest {
  const spi = randomIkeSpi(ctx);
  const ni = ctx.random.randomBytes(NONCE_LENGTH);
  const offered: Proposal[] = proposals.map((p, i) => proposalToWire(p, i + 1, ProtocolId.IKE, spi));
  // The group of the IKE SA being rekeyed is a good first guess (§1.3.2).
  const group = proposals.some((p) => p.dh.includes(old.transforms.dh)) ? old.transforms.dh : proposals.flatMap((p) => p.dh).find(isSupportedGroup);
  if (group === undefined) throw new CryptoError('unsupported', 'none of the configured key exchange groups');
  const kex = createKeyExchange(ctx.provider, group, ctx.random);
  return {
    payloads: [
      { kind: 'SA', proposals: offered },
      { kind: 'Nonce', nonceData: ni },
      { kind: 'KE', dhGroup: kex.dhGroup, keyExchangeData: kex.keyExchangeData },
    ],
    finish(response: Payload[]): IkeSaInitResult {
      const error = response.find((p): p is NotifyPayload => p.kind === 'N' && p.notifyType < 16384);
      if (error !== undefined) throw new IkeNotifyError(error.notifyType, error.notificationData, 'the peer refused the IKE SA rekey');
      const sa = payloadOf(response, 'SA');
      const nonce = payloadOf(response, 'Nonce');
      const ke = payloadOf(response, 'KE');
      if (sa === undefined || nonce === undefined || ke === undefined) throw new IkeNotifyError(NotifyType.INVALID_SYNTAX, EMPTY, 'IKE SA rekey response without SA, Nr and KEr');
      const selected = acceptSelectedProposal(offered, sa.proposals, ProtocolId.IKE);
      if (selected.peerSpi.length !== 8 || selected.peerSpi.every((b) => b === 0)) throw new IkeNotifyError(NotifyType.INVALID_SYNTAX, EMPTY, 'new responder SPI is not 8 nonzero octets');
      const transforms = ikeTransforms(selected);
      if (transforms.dh !== kex.dhGroup || ke.dhGroup !== kex.dhGroup) throw new IkeNotifyError(NotifyType.INVALID_KE_PAYLOAD, EMPTY, 'KEr of another group');
      let sharedSecret: Uint8Array;
      try {
        sharedSecret = kex.sharedSecret(ke.keyExchangeData);
      } catch (e) {
        if (e instanceof CryptoError) throw new IkeNotifyError(NotifyType.INVALID_SYNTAX, EMPTY, `KEr: ${e.message}`);
        throw e;
      }
      return newIkeSa(ctx, old, 'initiator', spi, selected.peerSpi.slice(), transforms, ni, nonce.nonceData.slice(), sharedSecret);
    },
  };
}

export interface IkeRekeyAnswer {
  response: Payload[];
  created?: IkeSaInitResult;
}

/** The responder's side of an IKE SA rekey request arriving on `old`. */
export function answerIkeRekey(ctx: IkeInitContext, old: IkeSaInitResult, proposals: ProposalSpec[], request: Payload[]): IkeRekeyAnswer {
  const refuse = (notifyType: number, data: Uint8Array = EMPTY): IkeRekeyAnswer => ({ response: [{ kind: 'N', protocolId: 0, spi: EMPTY, notifyType, notificationData: data }] });
  const sa = payloadOf(request, 'SA');
  const nonce = payloadOf(request, 'Nonce');
  const ke = payloadOf(request, 'KE');
  if (sa === undefined || nonce === undefined) return refuse(NotifyType.INVALID_SYNTAX);
  const selected = selectProposal(sa.proposals, proposals, ProtocolId.IKE, { ...(ke !== undefined ? { preferDh: ke.dhGroup } : {}), isSupportedDh: isSupportedGroup });
  if (selected === undefined || selected.peerSpi.length !== 8 || selected.peerSpi.every((b) => b === 0)) return refuse(NotifyType.NO_PROPOSAL_CHOSEN);
  let transforms: IkeSaTransforms;
  try {
    transforms = ikeTransforms(selected);
  } catch {
    return refuse(NotifyType.NO_PROPOSAL_CHOSEN);
  }
  if (ke === undefined || ke.dhGroup !== transforms.dh) return refuse(NotifyType.INVALID_KE_PAYLOAD, Uint8Array.of(transforms.dh >> 8, transforms.dh & 0xff));
  const kex = createKeyExchange(ctx.provider, transforms.dh, ctx.random);
  let sharedSecret: Uint8Array;
  try {
    sharedSecret = kex.sharedSecret(ke.keyExchangeData);
  } catch {
    return refuse(NotifyType.INVALID_SYNTAX);
  }
  const spi = randomIkeSpi(ctx);
  const nr = ctx.random.randomBytes(NONCE_LENGTH);
  const created = newIkeSa(ctx, old, 'responder', selected.peerSpi.slice(), spi, transforms, nonce.nonceData.slice(), nr, sharedSecret);
  return {
    response: [
      { kind: 'SA', proposals: [selectedToWire(selected, ProtocolId.IKE, spi)] },
      { kind: 'Nonce', nonceData: nr },
      { kind: 'KE', dhGroup: kex.dhGroup, keyExchangeData: kex.keyExchangeData },
    ],
    created,
  };
}
