/**
 * CREATE_CHILD_SA for Child SAs (RFC 7296 §1.3.1 new, §1.3.3 rekey), the building blocks the
 * session runs inside its established IKE SA:
 *
 *   HDR, SK {[N(REKEY_SA)], SA, Ni, [KEi], TSi, TSr}  -->
 *                                   <--  HDR, SK {SA, Nr, [KEr], TSi, TSr}
 *
 * KEYMAT = prf+(SK_d, Ni | Nr), or prf+(SK_d, g^ir (new) | Ni | Nr) with the KE payloads (PFS),
 * the nonces being this exchange's (§2.17). A rekey names the SA it replaces in N(REKEY_SA) by
 * the SPI its initiator receives with (§1.3.3). The old SA is then deleted with an INFORMATIONAL
 * exchange (§1.4.1), which the session runs. Simultaneous rekeys (§2.8.1) are not handled yet.
 */
import { CryptoError, childSaKeys } from '@layersec/crypto-primitives';
import { IntegId, NotifyType, ProtocolId } from '../constants.js';
import { proposalToWire } from '../config/proposals.js';
import { IkeNotifyError } from '../errors.js';
import { skKeyLengths } from '../messages/encrypted.js';
import { notifiesOf, payloadOf } from '../messages/message.js';
import type { NotifyPayload, Payload, Proposal, TrafficSelector } from '../messages/payloads.js';
import { createKeyExchange, isSupportedGroup, type IkeKeyExchange } from '../sa/key-exchange.js';
import { ikePrfOf } from '../sa/keys.js';
import { acceptSelectedProposal, selectProposal, selectedToWire, type NegotiatedTransforms } from '../sa/proposal-selection.js';
import { narrowSelectors, selectorWithin, type TsRange } from '../sa/traffic-selectors.js';
import type { ChildConfigResolved, ChildSaResult } from './ike-auth.js';
import type { IkeInitContext, IkeSaInitResult } from './ike-init.js';

const EMPTY = new Uint8Array(0);
const NONCE_LENGTH = 32;

function notify(notifyType: number, notificationData: Uint8Array = EMPTY, spi: Uint8Array = EMPTY, protocolId = 0): NotifyPayload {
  return { kind: 'N', protocolId, spi, notifyType, notificationData };
}

function ranges(ts: TrafficSelector[]): TsRange[] {
  return ts.filter((t): t is TsRange => 'startingAddress' in t);
}

function randomEspSpi(ctx: IkeInitContext): Uint8Array {
  for (;;) {
    const spi = ctx.random.randomBytes(4);
    if (spi[0] !== 0 || spi[1] !== 0 || spi[2] !== 0) return spi;
  }
}

/** The keys of a Child SA negotiated by this IKE SA with these nonces (and g^ir when PFS). */
export function deriveChildKeys(
  ctx: IkeInitContext,
  sa: IkeSaInitResult,
  t: NegotiatedTransforms,
  ni: Uint8Array,
  nr: Uint8Array,
  weAreInitiator: boolean,
  sharedSecret?: Uint8Array,
): Pick<ChildSaResult, 'inbound' | 'outbound'> {
  const lengths = skKeyLengths({ encr: t.encr.id, ...(t.encr.keyLength !== undefined ? { keyLength: t.encr.keyLength } : {}), integ: t.integ ?? IntegId.NONE });
  const k = childSaKeys(ctx.provider, ikePrfOf(sa.transforms.prf), sa.keys.SK_d, ni, nr, lengths, sharedSecret);
  return weAreInitiator ? { outbound: k.initiatorToResponder, inbound: k.responderToInitiator } : { inbound: k.initiatorToResponder, outbound: k.responderToInitiator };
}

/** An outstanding CREATE_CHILD_SA request of ours. */
export interface CreateChildRequest {
  payloads: Payload[];
  /** Our nonce Ni (§2.8.1 compares nonces when rekeys collide). */
  ni: Uint8Array;
  /** The Child SA this request rekeys, if any. */
  rekeys: ChildSaResult | undefined;
  finish(response: Payload[]): ChildSaResult;
}

/**
 * Our request for a new Child SA under `child` config, or for the rekey of `rekeys` (with the
 * same traffic selectors). A KE payload goes with it when the first proposal names a DH group.
 */
export function buildCreateChildRequest(ctx: IkeInitContext, sa: IkeSaInitResult, child: ChildConfigResolved, rekeys?: ChildSaResult): CreateChildRequest {
  const spi = randomEspSpi(ctx);
  const ni = ctx.random.randomBytes(NONCE_LENGTH);
  const offered: Proposal[] = child.espProposals.map((p, i) => proposalToWire(p, i + 1, ProtocolId.ESP, spi, true));
  const group = child.espProposals[0]?.dh.find(isSupportedGroup);
  const kex: IkeKeyExchange | undefined = group === undefined ? undefined : createKeyExchange(ctx.provider, group, ctx.random);
  const localTs = rekeys?.localTs ?? child.localTs;
  const remoteTs = rekeys?.remoteTs ?? child.remoteTs;
  const payloads: Payload[] = [
    ...(rekeys !== undefined ? [notify(NotifyType.REKEY_SA, EMPTY, rekeys.inboundSpi, ProtocolId.ESP)] : []),
    { kind: 'SA', proposals: offered },
    { kind: 'Nonce', nonceData: ni },
    ...(kex !== undefined ? [{ kind: 'KE' as const, dhGroup: kex.dhGroup, keyExchangeData: kex.keyExchangeData }] : []),
    { kind: 'TSi', trafficSelectors: localTs.map((t) => ({ ...t })) },
    { kind: 'TSr', trafficSelectors: remoteTs.map((t) => ({ ...t })) },
    ...(child.mode === 'transport' ? [notify(NotifyType.USE_TRANSPORT_MODE)] : []),
  ];
  return {
    payloads,
    ni,
    rekeys,
    finish(response: Payload[]): ChildSaResult {
      const error = response.find((p): p is NotifyPayload => p.kind === 'N' && p.notifyType < 16384);
      if (error !== undefined) throw new IkeNotifyError(error.notifyType, error.notificationData, 'the peer refused CREATE_CHILD_SA');
      const saPayload = payloadOf(response, 'SA');
      const nonce = payloadOf(response, 'Nonce');
      const tsi = payloadOf(response, 'TSi');
      const tsr = payloadOf(response, 'TSr');
      if (saPayload === undefined || nonce === undefined || tsi === undefined || tsr === undefined) {
        throw new IkeNotifyError(NotifyType.INVALID_SYNTAX, EMPTY, 'CREATE_CHILD_SA response without SA, Nr, TSi and TSr');
      }
      const selected = acceptSelectedProposal(offered, saPayload.proposals, ProtocolId.ESP);
      if (selected.peerSpi.length !== 4) throw new IkeNotifyError(NotifyType.INVALID_SYNTAX, EMPTY, 'ESP SPI of the wrong size');
      let sharedSecret: Uint8Array | undefined;
      const ke = payloadOf(response, 'KE');
      if (selected.transforms.dh !== undefined) {
        if (kex === undefined || ke === undefined || ke.dhGroup !== kex.dhGroup || selected.transforms.dh !== kex.dhGroup) {
          throw new IkeNotifyError(NotifyType.INVALID_KE_PAYLOAD, EMPTY, 'PFS group of the response does not match our KE');
        }
        try {
          sharedSecret = kex.sharedSecret(ke.keyExchangeData);
        } catch (e) {
          if (e instanceof CryptoError) throw new IkeNotifyError(NotifyType.INVALID_SYNTAX, EMPTY, `KEr: ${e.message}`);
          throw e;
        }
      }
      const gotLocal = ranges(tsi.trafficSelectors);
      const gotRemote = ranges(tsr.trafficSelectors);
      const within = (got: TsRange[], asked: TsRange[]) => got.length > 0 && got.every((g) => asked.some((a) => selectorWithin(g, a)));
      if (!within(gotLocal, localTs) || !within(gotRemote, remoteTs)) throw new IkeNotifyError(NotifyType.TS_UNACCEPTABLE, EMPTY, 'the peer widened the traffic selectors');
      const transport = notifiesOf(response, NotifyType.USE_TRANSPORT_MODE).length > 0 && child.mode === 'transport';
      return {
        protocolId: ProtocolId.ESP,
        inboundSpi: spi,
        outboundSpi: selected.peerSpi.slice(),
        transforms: selected.transforms,
        ...deriveChildKeys(ctx, sa, selected.transforms, ni, nonce.nonceData, true, sharedSecret),
        localTs: gotLocal,
        remoteTs: gotRemote,
        mode: transport ? 'transport' : 'tunnel',
      };
    },
  };
}

export interface CreateChildAnswer {
  response: Payload[];
  /** The exchange's nonces, when a Child SA was created. */
  nonces?: { ni: Uint8Array; nr: Uint8Array };
  /** The new Child SA, when one was created. */
  created?: ChildSaResult;
  /** The Child SA it replaces (REKEY_SA). */
  rekeys?: ChildSaResult;
}

/**
 * The responder's side of CREATE_CHILD_SA for a Child SA: `children` are the IKE SA's current
 * Child SAs. Refusals are answered with the notify RFC 7296 names and create nothing.
 */
export function answerCreateChild(ctx: IkeInitContext, sa: IkeSaInitResult, child: ChildConfigResolved, children: readonly ChildSaResult[], request: Payload[]): CreateChildAnswer {
  const refuse = (notifyType: number, data: Uint8Array = EMPTY): CreateChildAnswer => ({ response: [notify(notifyType, data)] });
  const rekey = notifiesOf(request, NotifyType.REKEY_SA)[0];
  let rekeys: ChildSaResult | undefined;
  if (rekey !== undefined) {
    if (rekey.protocolId !== ProtocolId.ESP) return refuse(NotifyType.NO_ADDITIONAL_SAS);
    // The SPI is the one the initiator receives with: our outbound SPI.
    rekeys = children.find((c) => c.outboundSpi.length === rekey.spi.length && c.outboundSpi.every((b, i) => b === rekey.spi[i]));
    if (rekeys === undefined) return { response: [notify(NotifyType.CHILD_SA_NOT_FOUND, EMPTY, rekey.spi, ProtocolId.ESP)] };
  }
  const saPayload = payloadOf(request, 'SA');
  const nonce = payloadOf(request, 'Nonce');
  const tsi = payloadOf(request, 'TSi');
  const tsr = payloadOf(request, 'TSr');
  if (saPayload === undefined || nonce === undefined || tsi === undefined || tsr === undefined) return refuse(NotifyType.INVALID_SYNTAX);
  // An IKE SA rekey (SA with Protocol ID IKE) is not handled yet.
  if (saPayload.proposals.every((p) => p.protocolId === ProtocolId.IKE)) return refuse(NotifyType.NO_ADDITIONAL_SAS);
  const ke = payloadOf(request, 'KE');
  const selected = selectProposal(saPayload.proposals, child.espProposals, ProtocolId.ESP, {
    ...(ke !== undefined ? { preferDh: ke.dhGroup } : {}),
    isSupportedDh: isSupportedGroup,
  });
  if (selected === undefined || selected.peerSpi.length !== 4) return refuse(NotifyType.NO_PROPOSAL_CHOSEN);
  const dh = selected.transforms.dh;
  if (dh !== undefined && (ke === undefined || ke.dhGroup !== dh)) return refuse(NotifyType.INVALID_KE_PAYLOAD, Uint8Array.of(dh >> 8, dh & 0xff));
  const remoteTs = narrowSelectors(ranges(tsi.trafficSelectors), child.remoteTs);
  const localTs = narrowSelectors(ranges(tsr.trafficSelectors), child.localTs);
  if (remoteTs.length === 0 || localTs.length === 0) return refuse(NotifyType.TS_UNACCEPTABLE);

  let sharedSecret: Uint8Array | undefined;
  let kex: IkeKeyExchange | undefined;
  if (dh !== undefined && ke !== undefined) {
    kex = createKeyExchange(ctx.provider, dh, ctx.random);
    try {
      sharedSecret = kex.sharedSecret(ke.keyExchangeData);
    } catch {
      return refuse(NotifyType.INVALID_SYNTAX);
    }
  }
  const spi = randomEspSpi(ctx);
  const nr = ctx.random.randomBytes(NONCE_LENGTH);
  const transport = notifiesOf(request, NotifyType.USE_TRANSPORT_MODE).length > 0 && child.mode === 'transport';
  const created: ChildSaResult = {
    protocolId: ProtocolId.ESP,
    inboundSpi: spi,
    outboundSpi: selected.peerSpi.slice(),
    transforms: selected.transforms,
    ...deriveChildKeys(ctx, sa, selected.transforms, nonce.nonceData, nr, false, sharedSecret),
    localTs,
    remoteTs,
    mode: transport ? 'transport' : 'tunnel',
  };
  const response: Payload[] = [
    { kind: 'SA', proposals: [selectedToWire(selected, ProtocolId.ESP, spi)] },
    { kind: 'Nonce', nonceData: nr },
    ...(kex !== undefined ? [{ kind: 'KE' as const, dhGroup: kex.dhGroup, keyExchangeData: kex.keyExchangeData }] : []),
    { kind: 'TSi', trafficSelectors: remoteTs.map((t) => ({ ...t })) },
    { kind: 'TSr', trafficSelectors: localTs.map((t) => ({ ...t })) },
    ...(transport ? [notify(NotifyType.USE_TRANSPORT_MODE)] : []),
  ];
  return { response, created, nonces: { ni: nonce.nonceData.slice(), nr }, ...(rekeys !== undefined ? { rekeys } : {}) };
}
