/**
 * The IKE_AUTH exchange with shared-key authentication and the first Child SA (RFC 7296 §1.2,
 * §2.15, §2.17, §2.9), as an initiator task and a responder task on top of an IKE_SA_INIT result:
 *
 *   HDR, SK {IDi, [N(INITIAL_CONTACT)], [IDr,] AUTH, SA, TSi, TSr, [N(USE_TRANSPORT_MODE)]}  -->
 *                                     <--  HDR, SK {IDr, AUTH, SA, TSi, TSr, [N(USE_TRANSPORT_MODE)]}
 *
 * If authentication fails the responder answers N(AUTHENTICATION_FAILED) (§2.21.2). If only the
 * Child SA cannot be created, the IKE SA still is, and the response carries the error
 * (NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE) instead of SA/TSi/TSr (§1.2). Certificates and signature
 * methods are not part of this task yet.
 */
import { childSaKeys, type Certificate, type ChildSaDirectionKeys, type PrivateKey } from '@layersec/crypto-primitives';
import { DecodeError, bytesEqual } from '@layersec/wire';
import { AuthMethod, ExchangeType, IntegId, NotifyType, ProtocolId, isErrorNotify } from '../constants.js';
import type { ProposalSpec } from '../config/proposals.js';
import { proposalToWire } from '../config/proposals.js';
import { IkeIntegrityError, IkeNotifyError } from '../errors.js';
import { decodeEncryptedPayloads, encodeEncryptedMessage, skKeyLengths } from '../messages/encrypted.js';
import { decodeMessage, notifiesOf, payloadOf, payloadsOf, type IkeHeaderFields } from '../messages/message.js';
import type { AuthPayload, IdPayload, NotifyPayload, Payload, Proposal, TrafficSelector } from '../messages/payloads.js';
import { certPayloads, certReqPayload, signAuth, verifyAuth, verifyPeerCertificates } from '../sa/signature-auth.js';
import { sharedKeyAuth, signedOctets, verifySharedKeyAuth } from '../sa/auth.js';
import type { Identity } from '../sa/identity.js';
import { ikePrfOf } from '../sa/keys.js';
import { acceptSelectedProposal, selectProposal, selectedToWire, type NegotiatedTransforms } from '../sa/proposal-selection.js';
import { narrowSelectors, selectorWithin, type TsRange } from '../sa/traffic-selectors.js';
import type { IkeInitContext, IkeSaInitResult } from './ike-init.js';

export interface ChildConfigResolved {
  espProposals: ProposalSpec[];
  /** This side's protected networks (TSi for the initiator, TSr for the responder). */
  localTs: TsRange[];
  remoteTs: TsRange[];
  mode: 'tunnel' | 'transport';
}

/** This side's signature credentials (`auth = pubkey`): its key and certificate chain, leaf first (DER). */
export interface SigningCredentials {
  privateKey: PrivateKey;
  certificates: Uint8Array[];
}

/** What a peer's certificate must chain to, and the wall-clock time its validity is checked at. */
export interface CertificateTrust {
  trustAnchors: Certificate[];
  /** Injected wall-clock time (certificates' notBefore/notAfter). */
  now(): Date;
}

export interface IkeAuthInitiatorConfig {
  localId: Identity;
  /** The responder's identity to ask for (IDr in the request) and to insist on; any when absent. */
  remoteId?: Identity;
  /** The shared key: this side authenticates with it unless `signing` is given, and checks a peer's shared-key AUTH with it. */
  sharedSecret?: Uint8Array;
  /** Authenticate by RFC 7427 signature with a certificate instead of the shared key. */
  signing?: SigningCredentials;
  /** Accept a responder that authenticates by signature with a certificate from these anchors. */
  trust?: CertificateTrust;
  child: ChildConfigResolved;
  /** Send N(INITIAL_CONTACT) (§2.4): this is the only IKE SA with the peer. */
  initialContact?: boolean;
}

export interface IkeAuthResponderConfig {
  localId: Identity;
  /** The shared secret for an initiator's identity (and the IDr it asked for), or undefined to refuse. */
  sharedSecretFor(remoteId: Identity, requestedLocalId: Identity | undefined): Uint8Array | undefined;
  /** Authenticate by RFC 7427 signature with a certificate instead of the shared key. */
  signing?: SigningCredentials;
  /** Accept initiators that authenticate by signature with a certificate from these anchors. */
  trust?: CertificateTrust;
  child: ChildConfigResolved;
}

/**
 * Checks a peer's AUTH over `octets`: a shared-key MIC with `secret`, or a signature by the key of
 * a certificate (from its CERT payloads) that chains to `trust` and holds `peerId`.
 */
function peerAuthValid(
  ctx: IkeInitContext,
  sa: IkeSaInitResult,
  auth: AuthPayload,
  octets: Uint8Array,
  peerId: Identity,
  payloads: Payload[],
  secret: Uint8Array | undefined,
  trust: CertificateTrust | undefined,
): boolean {
  if (auth.authMethod === AuthMethod.SHARED_KEY_MESSAGE_INTEGRITY_CODE) {
    return secret !== undefined && verifySharedKeyAuth(ctx.provider, sa.transforms.prf, secret, octets, auth.authenticationData);
  }
  if (trust === undefined) return false;
  const leaf = verifyPeerCertificates(ctx.provider, payloadsOf(payloads, 'CERT'), trust.trustAnchors, peerId, trust.now());
  return leaf?.publicKey !== undefined && verifyAuth(ctx.provider, auth.authMethod, auth.authenticationData, octets, leaf.publicKey);
}

/** Our AUTH payload (and CERT payloads) over `octets`: by signature when `signing`, else by the shared key. */
function ownAuth(ctx: IkeInitContext, sa: IkeSaInitResult, octets: Uint8Array, signing: SigningCredentials | undefined, secret: Uint8Array | undefined): Payload[] {
  if (signing !== undefined) {
    const auth = signAuth(ctx.provider, signing.privateKey, octets, sa.peerSignatureHashAlgorithms);
    return [...certPayloads(signing.certificates), { kind: 'AUTH', ...auth }];
  }
  if (secret === undefined) throw new RangeError('neither a shared key nor signing credentials');
  return [{ kind: 'AUTH', authMethod: AuthMethod.SHARED_KEY_MESSAGE_INTEGRITY_CODE, authenticationData: sharedKeyAuth(ctx.provider, sa.transforms.prf, secret, octets) }];
}

/** A Child SA as negotiated: the data packages/esp needs for both directions. */
export interface ChildSaResult {
  protocolId: number;
  /** The SPI this side receives with (it chose it). */
  inboundSpi: Uint8Array;
  /** The SPI this side sends with (the peer chose it). */
  outboundSpi: Uint8Array;
  transforms: NegotiatedTransforms;
  inbound: ChildSaDirectionKeys;
  outbound: ChildSaDirectionKeys;
  localTs: TsRange[];
  remoteTs: TsRange[];
  mode: 'tunnel' | 'transport';
}

export interface IkeAuthResult {
  peerId: Identity;
  /** The first Child SA, or the notify that refused it (the IKE SA stands either way). */
  child: { kind: 'established'; sa: ChildSaResult } | { kind: 'refused'; notifyType: number };
}

const EMPTY = new Uint8Array(0);

function notify(notifyType: number, notificationData: Uint8Array = EMPTY): NotifyPayload {
  return { kind: 'N', protocolId: 0, spi: EMPTY, notifyType, notificationData };
}

/** A random ESP SPI outside 1..255 (reserved by IANA, RFC 4303 §2.1). */
function randomEspSpi(ctx: IkeInitContext): Uint8Array {
  for (;;) {
    const spi = ctx.random.randomBytes(4);
    if (spi[0] !== 0 || spi[1] !== 0 || spi[2] !== 0) return spi;
  }
}

function toWire(ts: TsRange[]): TrafficSelector[] {
  return ts.map((t) => ({ ...t }));
}

function ranges(ts: TrafficSelector[]): TsRange[] {
  return ts.filter((t): t is TsRange => 'startingAddress' in t);
}

function childKeys(ctx: IkeInitContext, sa: IkeSaInitResult, t: NegotiatedTransforms, initiator: boolean): { inbound: ChildSaDirectionKeys; outbound: ChildSaDirectionKeys } {
  // The key lengths follow the same rules as SK_e/SK_a (AEAD keys with their 4-octet salt).
  const lengths = skKeyLengths({ encr: t.encr.id, ...(t.encr.keyLength !== undefined ? { keyLength: t.encr.keyLength } : {}), integ: t.integ ?? IntegId.NONE });
  // §2.17: KEYMAT = prf+(SK_d, Ni | Nr); the initiator-to-responder SA's keys come first.
  const k = childSaKeys(ctx.provider, ikePrfOf(sa.transforms.prf), sa.keys.SK_d, sa.ni, sa.nr, lengths);
  return initiator ? { outbound: k.initiatorToResponder, inbound: k.responderToInitiator } : { inbound: k.initiatorToResponder, outbound: k.responderToInitiator };
}

function idOf(p: IdPayload): Identity {
  return { idType: p.idType, identificationData: p.identificationData };
}

function sameId(a: Identity, b: Identity): boolean {
  return a.idType === b.idType && bytesEqual(a.identificationData, b.identificationData);
}

function header(sa: IkeSaInitResult, response: boolean): IkeHeaderFields {
  return {
    initiatorSpi: sa.initiatorSpi,
    responderSpi: sa.responderSpi,
    majorVersion: 2,
    minorVersion: 0,
    exchangeType: ExchangeType.IKE_AUTH,
    initiator: sa.role === 'initiator',
    version: false,
    response,
    messageId: 1,
  };
}

// ---------------------------------------------------------------------------------------------

export type AuthInitiatorOutcome = { kind: 'established'; result: IkeAuthResult } | { kind: 'ignored'; reason: string };

export class IkeAuthInitiator {
  private offered: Proposal[] = [];
  private readonly spi: Uint8Array;

  constructor(
    private readonly ctx: IkeInitContext,
    private readonly sa: IkeSaInitResult,
    private readonly config: IkeAuthInitiatorConfig,
  ) {
    if (sa.role !== 'initiator') throw new RangeError('an initiator task on a responder IKE SA');
    this.spi = randomEspSpi(ctx);
  }

  private idi(): IdPayload {
    return { kind: 'IDi', ...this.config.localId };
  }

  buildRequest(): Uint8Array {
    const { provider, random } = this.ctx;
    const { sa, config } = this;
    const idi = this.idi();
    const octets = signedOctets(provider, sa.transforms.prf, sa.requestMessage, sa.nr, sa.keys.SK_pi, idi);
    this.offered = config.child.espProposals.map((p, i) => proposalToWire(p, i + 1, ProtocolId.ESP, this.spi, false));
    const own = ownAuth(this.ctx, sa, octets, config.signing, config.sharedSecret);
    // §1.2 order: IDi, [CERT,] [N(INITIAL_CONTACT),] [CERTREQ,] [IDr,] AUTH, SA, TSi, TSr
    const payloads: Payload[] = [
      idi,
      ...own.filter((p) => p.kind === 'CERT'),
      ...(config.initialContact ? [notify(NotifyType.INITIAL_CONTACT)] : []),
      ...(config.trust !== undefined ? [certReqPayload(provider, config.trust.trustAnchors)] : []),
      ...(config.remoteId !== undefined ? [{ kind: 'IDr' as const, ...config.remoteId }] : []),
      ...own.filter((p) => p.kind === 'AUTH'),
      { kind: 'SA', proposals: this.offered },
      { kind: 'TSi', trafficSelectors: toWire(config.child.localTs) },
      { kind: 'TSr', trafficSelectors: toWire(config.child.remoteTs) },
      ...(config.child.mode === 'transport' ? [notify(NotifyType.USE_TRANSPORT_MODE)] : []),
    ];
    return encodeEncryptedMessage(sa.protections.fromInitiator, header(sa, false), payloads, { random });
  }

  /**
   * The IKE_AUTH response. Throws IkeIntegrityError (drop it and keep waiting is the caller's
   * choice), IkeNotifyError for AUTHENTICATION_FAILED or other refusals of the IKE SA.
   */
  processResponse(bytes: Uint8Array): AuthInitiatorOutcome {
    const { sa, config, ctx } = this;
    const msg = decodeMessage(bytes);
    const h = msg.header;
    if (h.exchangeType !== ExchangeType.IKE_AUTH || !h.response || h.initiator || h.messageId !== 1) return { kind: 'ignored', reason: 'not the IKE_AUTH response' };
    if (!bytesEqual(h.initiatorSpi, sa.initiatorSpi) || !bytesEqual(h.responderSpi, sa.responderSpi)) return { kind: 'ignored', reason: 'another IKE SA' };
    const payloads = decodeEncryptedPayloads(sa.protections.fromResponder, bytes, msg).payloads;

    const idr = payloadOf(payloads, 'IDr');
    const auth = payloadOf(payloads, 'AUTH');
    if (idr === undefined || auth === undefined) {
      const error = payloads.find((p): p is NotifyPayload => p.kind === 'N' && isErrorNotify(p.notifyType));
      if (error !== undefined) throw new IkeNotifyError(error.notifyType, error.notificationData, 'the responder refused IKE_AUTH');
      throw new IkeNotifyError(NotifyType.INVALID_SYNTAX, EMPTY, 'IKE_AUTH response without IDr and AUTH');
    }
    const peerId = idOf(idr);
    if (config.remoteId !== undefined && !sameId(peerId, config.remoteId)) {
      throw new IkeNotifyError(NotifyType.AUTHENTICATION_FAILED, EMPTY, 'the responder is not the identity asked for');
    }
    const octets = signedOctets(ctx.provider, sa.transforms.prf, sa.responseMessage, sa.ni, sa.keys.SK_pr, idr);
    if (!peerAuthValid(ctx, sa, auth, octets, peerId, payloads, config.sharedSecret, config.trust)) {
      throw new IkeNotifyError(NotifyType.AUTHENTICATION_FAILED, EMPTY, `the responder's AUTH (method ${auth.authMethod}) does not verify`);
    }

    const childError = payloads.find((p): p is NotifyPayload => p.kind === 'N' && isErrorNotify(p.notifyType));
    const saPayload = payloadOf(payloads, 'SA');
    const tsi = payloadOf(payloads, 'TSi');
    const tsr = payloadOf(payloads, 'TSr');
    if (saPayload === undefined || tsi === undefined || tsr === undefined) {
      return { kind: 'established', result: { peerId, child: { kind: 'refused', notifyType: childError?.notifyType ?? NotifyType.NO_PROPOSAL_CHOSEN } } };
    }
    const selected = acceptSelectedProposal(this.offered, saPayload.proposals, ProtocolId.ESP, { ignoreDh: true });
    if (selected.peerSpi.length !== 4) throw new IkeNotifyError(NotifyType.INVALID_SYNTAX, EMPTY, 'ESP SPI of the wrong size');
    const localTs = ranges(tsi.trafficSelectors);
    const remoteTs = ranges(tsr.trafficSelectors);
    // §2.9: the responder may narrow, never widen.
    const within = (got: TsRange[], asked: TsRange[]) => got.length > 0 && got.every((g) => asked.some((a) => selectorWithin(g, a)));
    if (!within(localTs, config.child.localTs) || !within(remoteTs, config.child.remoteTs)) {
      throw new IkeNotifyError(NotifyType.TS_UNACCEPTABLE, EMPTY, 'the responder widened the traffic selectors');
    }
    const transport = notifiesOf(payloads, NotifyType.USE_TRANSPORT_MODE).length > 0;
    const keys = childKeys(ctx, sa, selected.transforms, true);
    return {
      kind: 'established',
      result: {
        peerId,
        child: {
          kind: 'established',
          sa: {
            protocolId: ProtocolId.ESP,
            inboundSpi: this.spi,
            outboundSpi: selected.peerSpi.slice(),
            transforms: selected.transforms,
            ...keys,
            localTs,
            remoteTs,
            mode: transport && config.child.mode === 'transport' ? 'transport' : 'tunnel',
          },
        },
      },
    };
  }
}

// ---------------------------------------------------------------------------------------------

export type AuthResponderOutcome =
  | { kind: 'established'; response: Uint8Array; result: IkeAuthResult }
  /** Answered (AUTHENTICATION_FAILED, INVALID_SYNTAX, ...); the IKE SA is not established. */
  | { kind: 'refused'; response: Uint8Array; notifyType: number; reason: string }
  /** Not answered: not this exchange, or its ICV did not verify (§2.21.1). */
  | { kind: 'dropped'; reason: string };

export class IkeAuthResponder {
  constructor(
    private readonly ctx: IkeInitContext,
    private readonly sa: IkeSaInitResult,
    private readonly config: IkeAuthResponderConfig,
  ) {
    if (sa.role !== 'responder') throw new RangeError('a responder task on an initiator IKE SA');
  }

  private respond(payloads: Payload[]): Uint8Array {
    return encodeEncryptedMessage(this.sa.protections.fromResponder, header(this.sa, true), payloads, { random: this.ctx.random });
  }

  private refuse(notifyType: number, reason: string): AuthResponderOutcome {
    return { kind: 'refused', response: this.respond([notify(notifyType)]), notifyType, reason };
  }

  /** Never throws for anything in `bytes`. */
  processRequest(bytes: Uint8Array): AuthResponderOutcome {
    const { sa } = this;
    let payloads: Payload[];
    try {
      const msg = decodeMessage(bytes);
      const h = msg.header;
      if (h.exchangeType !== ExchangeType.IKE_AUTH || h.response || !h.initiator || h.messageId !== 1) return { kind: 'dropped', reason: 'not the IKE_AUTH request' };
      if (!bytesEqual(h.initiatorSpi, sa.initiatorSpi) || !bytesEqual(h.responderSpi, sa.responderSpi)) return { kind: 'dropped', reason: 'another IKE SA' };
      payloads = decodeEncryptedPayloads(sa.protections.fromInitiator, bytes, msg).payloads;
    } catch (e) {
      if (e instanceof IkeIntegrityError) return { kind: 'dropped', reason: e.message };
      // An authentic message with bad syntax inside, or an unknown critical payload (§3.2).
      if (e instanceof IkeNotifyError) return this.refuse(e.notifyType, e.reason);
      if (e instanceof DecodeError) {
        return /^Encrypted payload plaintext/.test(e.field) ? this.refuse(NotifyType.INVALID_SYNTAX, e.message) : { kind: 'dropped', reason: e.message };
      }
      throw e;
    }
    return this.answer(payloads);
  }

  private answer(payloads: Payload[]): AuthResponderOutcome {
    const { sa, config, ctx } = this;
    const idi = payloadOf(payloads, 'IDi');
    const auth = payloadOf(payloads, 'AUTH');
    if (idi === undefined || auth === undefined) return this.refuse(NotifyType.INVALID_SYNTAX, 'IKE_AUTH request without IDi and AUTH (EAP is not supported)');
    const peerId = idOf(idi);
    const requested = payloadOf(payloads, 'IDr');
    if (requested !== undefined && !sameId(idOf(requested), config.localId)) {
      return this.refuse(NotifyType.AUTHENTICATION_FAILED, 'the initiator asks for another identity');
    }
    const secret = config.sharedSecretFor(peerId, requested === undefined ? undefined : idOf(requested));
    if (secret === undefined && config.signing === undefined) {
      return this.refuse(NotifyType.AUTHENTICATION_FAILED, 'no credentials for this identity');
    }
    const octets = signedOctets(ctx.provider, sa.transforms.prf, sa.requestMessage, sa.nr, sa.keys.SK_pi, idi);
    if (!peerAuthValid(ctx, sa, auth, octets, peerId, payloads, secret, config.trust)) {
      return this.refuse(NotifyType.AUTHENTICATION_FAILED, `the initiator's AUTH (method ${auth.authMethod}) does not verify`);
    }

    // Authenticated: IDr and AUTH go into the response whatever becomes of the Child SA.
    const idr: IdPayload = { kind: 'IDr', ...config.localId };
    const ourOctets = signedOctets(ctx.provider, sa.transforms.prf, sa.responseMessage, sa.ni, sa.keys.SK_pr, idr);
    let authOut: Payload[];
    try {
      authOut = ownAuth(ctx, sa, ourOctets, config.signing, secret);
    } catch (e) {
      return this.refuse(NotifyType.AUTHENTICATION_FAILED, `cannot authenticate ourselves: ${(e as Error).message}`);
    }
    const childRefused = (notifyType: number): AuthResponderOutcome => ({
      kind: 'established',
      response: this.respond([idr, ...authOut, notify(notifyType)]),
      result: { peerId, child: { kind: 'refused', notifyType } },
    });

    const saPayload = payloadOf(payloads, 'SA');
    const tsi = payloadOf(payloads, 'TSi');
    const tsr = payloadOf(payloads, 'TSr');
    if (saPayload === undefined || tsi === undefined || tsr === undefined) return childRefused(NotifyType.INVALID_SYNTAX);
    const selected = selectProposal(saPayload.proposals, config.child.espProposals, ProtocolId.ESP, { ignoreDh: true });
    if (selected === undefined || selected.peerSpi.length !== 4) return childRefused(NotifyType.NO_PROPOSAL_CHOSEN);
    // §2.9: TSi are the initiator's (our remote) networks, TSr ours.
    const remoteTs = narrowSelectors(ranges(tsi.trafficSelectors), config.child.remoteTs);
    const localTs = narrowSelectors(ranges(tsr.trafficSelectors), config.child.localTs);
    if (remoteTs.length === 0 || localTs.length === 0) return childRefused(NotifyType.TS_UNACCEPTABLE);
    const transport = notifiesOf(payloads, NotifyType.USE_TRANSPORT_MODE).length > 0 && config.child.mode === 'transport';

    const spi = randomEspSpi(ctx);
    const keys = childKeys(ctx, sa, selected.transforms, false);
    const response = this.respond([
      idr,
      ...authOut,
      { kind: 'SA', proposals: [selectedToWire(selected, ProtocolId.ESP, spi)] },
      { kind: 'TSi', trafficSelectors: toWire(remoteTs) },
      { kind: 'TSr', trafficSelectors: toWire(localTs) },
      ...(transport ? [notify(NotifyType.USE_TRANSPORT_MODE)] : []),
    ]);
    return {
      kind: 'established',
      response,
      result: {
        peerId,
        child: {
          kind: 'established',
          sa: { protocolId: ProtocolId.ESP, inboundSpi: spi, outboundSpi: selected.peerSpi.slice(), transforms: selected.transforms, ...keys, localTs, remoteTs, mode: transport ? 'transport' : 'tunnel' },
        },
      },
    };
  }
}
