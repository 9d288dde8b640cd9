/**
 * The IKE_SA_INIT exchange (RFC 7296 §1.2) as two tasks, one per role, each building and
 * processing its messages with no I/O of its own:
 *
 *   Initiator                         Responder
 *   HDR, SA, KEi, Ni, N(NAT_D)*   -->
 *                                 <-- HDR, SA, KEr, Nr, N(NAT_D)*, [CERTREQ]
 *
 * with the detours of §1.2 and §2.6: `<-- N(INVALID_KE_PAYLOAD)` makes the initiator retry with
 * the requested group, `<-- N(COOKIE)` makes it retry with that cookie first. Both tasks end in
 * an IkeSaInitResult: the negotiated transforms, nonces, SPIs, g^ir, SKEYSEED and SK_*, what NAT
 * detection found (and so whether IKE moves to port 4500, §2.23), and the two messages as sent
 * (the AUTH payloads of IKE_AUTH sign them, §2.15).
 */
import { CryptoError, ikePrfKeyLength, type CryptoProvider, type IkeSaKeys, type RandomSource } from '@layersec/crypto-primitives';
import { DecodeError } from '@layersec/wire';
import { ExchangeType, HashAlgorithm, NotifyType, ProtocolId, isErrorNotify } from '../constants.js';
import type { Clock } from '../clock.js';
import { proposalToWire, type ProposalSpec } from '../config/proposals.js';
import { IkeNotifyError } from '../errors.js';
import type { IkeHeaderFields } from '../messages/message.js';
import { decodeMessage, encodeMessage, notifiesOf, payloadOf } from '../messages/message.js';
import type { NotifyPayload, Payload, Proposal } from '../messages/payloads.js';
import type { Endpoint } from '../sa/address.js';
import { createKeyExchange, isSupportedGroup, type IkeKeyExchange } from '../sa/key-exchange.js';
import { deriveIkeSaKeys, ikePrfOf, ikeSaProtections, type IkeSaProtections, type IkeSaTransforms } from '../sa/keys.js';
import { checkNatDetection, natDetectionNotifies, type NatDetectionResult } from '../sa/nat-detection.js';
import { acceptSelectedProposal, selectProposal, selectedToWire, type SelectedProposal } from '../sa/proposal-selection.js';
import { CookieJar } from './cookie.js';

export interface IkeInitContext {
  provider: CryptoProvider;
  random: RandomSource;
  clock: Clock;
}

export interface IkeInitConfig {
  /** `proposals`, most preferred first. */
  proposals: ProposalSpec[];
  /**
   * Ask for UDP encapsulation (port 4500) even without a NAT, as strongSwan's `encap = yes` and
   * its kernel-libipsec do: the NAT_DETECTION_SOURCE_IP sent is random, so the peer sees a NAT.
   */
  forceEncapsulation?: boolean;
  /** RFC 7427 §4 hash algorithms to announce; default SHA2-256/384/512 and Identity (RFC 8420). */
  signatureHashAlgorithms?: number[];
  /** A CERTREQ the responder puts in its IKE_SA_INIT response (§3.7), asking for the initiator's certificate. */
  certificateRequest?: Extract<Payload, { kind: 'CERTREQ' }>;
}

/** The UDP endpoints a message travels between, as this side sees them. */
export interface Path {
  local: Endpoint;
  remote: Endpoint;
}

export interface IkeSaInitResult {
  role: 'initiator' | 'responder';
  initiatorSpi: Uint8Array;
  responderSpi: Uint8Array;
  transforms: IkeSaTransforms;
  ni: Uint8Array;
  nr: Uint8Array;
  /** g^ir (for `--explain`). */
  sharedSecret: Uint8Array;
  skeyseed: Uint8Array;
  keys: IkeSaKeys;
  protections: IkeSaProtections;
  /** What the peer's NAT detection notifies said (RFC 7296 §2.23). */
  nat: NatDetectionResult;
  /** Continue on port 4500 with the non-ESP marker (a NAT was detected or encapsulation forced). */
  useNatT: boolean;
  /** The peer's SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4); empty when it sent none. */
  peerSignatureHashAlgorithms: number[];
  /** The peer's CERTREQ payloads (Cert Encoding and Certification Authority). */
  peerCertificateRequests: Extract<Payload, { kind: 'CERTREQ' }>[];
  /** The IKE_SA_INIT request and response as sent: RealMessage1 and RealMessage2 (§2.15). */
  requestMessage: Uint8Array;
  responseMessage: Uint8Array;
}

const DEFAULT_HASHES = [HashAlgorithm.SHA2_256, HashAlgorithm.SHA2_384, HashAlgorithm.SHA2_512, HashAlgorithm.IDENTITY];
/** Our nonces: 32 octets, at least half of every supported PRF's key size (§2.10). */
const NONCE_LENGTH = 32;
/** COOKIE and INVALID_KE_PAYLOAD retries an initiator makes before giving up. */
const MAX_RETRIES = 3;
const EMPTY = new Uint8Array(0);
const ZERO_SPI = new Uint8Array(8);

function notify(notifyType: number, notificationData: Uint8Array = EMPTY): NotifyPayload {
  return { kind: 'N', protocolId: 0, spi: EMPTY, notifyType, notificationData };
}

function hashAlgorithmsNotify(hashes: number[]): NotifyPayload {
  const data = new Uint8Array(hashes.length * 2);
  hashes.forEach((h, i) => {
    data[2 * i] = h >> 8;
    data[2 * i + 1] = h & 0xff;
  });
  return notify(NotifyType.SIGNATURE_HASH_ALGORITHMS, data);
}

function readHashAlgorithms(payloads: Payload[]): number[] {
  const n = notifiesOf(payloads, NotifyType.SIGNATURE_HASH_ALGORITHMS)[0];
  if (n === undefined) return [];
  const out: number[] = [];
  for (let i = 0; i + 1 < n.notificationData.length; i += 2) out.push((n.notificationData[i] << 8) | n.notificationData[i + 1]);
  return out;
}

/** A nonzero random SPI (§3.1: the SPIs of an IKE SA are never zero). */
function randomSpi(random: RandomSource): Uint8Array {
  for (;;) {
    const spi = random.randomBytes(8);
    if (spi.some((b) => b !== 0)) return spi;
  }
}

function isZero(b: Uint8Array): boolean {
  return b.every((x) => x === 0);
}

/** §2.10: a nonce at least half the PRF's key size, and at least 128 bits (the codec checks 16..256). */
function checkNonce(nonce: Uint8Array, prfId: number, which: string): void {
  const min = Math.max(16, Math.ceil(ikePrfKeyLength(ikePrfOf(prfId)) / 2));
  if (nonce.length < min) throw new IkeNotifyError(NotifyType.INVALID_SYNTAX, EMPTY, `${which} of ${nonce.length} octets, at least ${min} needed`);
}

function transformsOf(s: SelectedProposal): IkeSaTransforms {
  const t = s.transforms;
  if (t.prf === undefined || t.dh === undefined) throw new IkeNotifyError(NotifyType.NO_PROPOSAL_CHOSEN, EMPTY, 'no PRF or DH negotiated');
  return { encr: t.encr, integ: t.integ ?? 0, prf: t.prf, dh: t.dh };
}

function requirePayloads(payloads: Payload[], who: string) {
  const sa = payloadOf(payloads, 'SA');
  const ke = payloadOf(payloads, 'KE');
  const nonce = payloadOf(payloads, 'Nonce');
  if (sa === undefined || ke === undefined || nonce === undefined) {
    throw new IkeNotifyError(NotifyType.INVALID_SYNTAX, EMPTY, `${who} lacks ${[sa ? '' : 'SA', ke ? '' : 'KE', nonce ? '' : 'Nonce'].filter(Boolean).join(', ')}`);
  }
  return { sa, ke, nonce };
}

// ---------------------------------------------------------------------------------------------
// Initiator

export type InitiatorOutcome =
  /** Send `request` (a new IKE_SA_INIT request) and wait again. */
  | { kind: 'retry'; reason: 'COOKIE' | 'INVALID_KE_PAYLOAD'; request: Uint8Array }
  | { kind: 'established'; sa: IkeSaInitResult }
  /** Not a response to our request (other SPI, not a response, ...): ignore it and keep waiting. */
  | { kind: 'ignored'; reason: string };

export class IkeInitInitiator {
  readonly initiatorSpi: Uint8Array;
  private readonly ni: Uint8Array;
  private readonly offered: Proposal[];
  private kex: IkeKeyExchange;
  private cookie: Uint8Array | undefined;
  private retries = 0;
  private request: Uint8Array | undefined;

  constructor(
    private readonly ctx: IkeInitContext,
    private readonly config: IkeInitConfig,
    private readonly path: Path,
  ) {
    if (config.proposals.length === 0) throw new RangeError('no IKE proposals configured');
    this.initiatorSpi = randomSpi(ctx.random);
    this.ni = ctx.random.randomBytes(NONCE_LENGTH);
    this.offered = config.proposals.map((p, i) => proposalToWire(p, i + 1, ProtocolId.IKE, EMPTY));
    const group = config.proposals.flatMap((p) => p.dh).find(isSupportedGroup);
    if (group === undefined) throw new CryptoError('unsupported', 'none of the configured key exchange groups');
    this.kex = createKeyExchange(ctx.provider, group, ctx.random);
  }

  /** The group of the KE payload currently sent. */
  get dhGroup(): number {
    return this.kex.dhGroup;
  }

  /** HDR(SPIi, 0), [N(COOKIE),] SA, KEi, Ni, N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP), N(SIGNATURE_HASH_ALGORITHMS) */
  buildRequest(): Uint8Array {
    const { provider, random } = this.ctx;
    const natd = natDetectionNotifies(provider, this.initiatorSpi, ZERO_SPI, this.path.local, this.path.remote);
    if (this.config.forceEncapsulation) natd[0] = notify(NotifyType.NAT_DETECTION_SOURCE_IP, random.randomBytes(20));
    const payloads: Payload[] = [
      // §2.6: the cookie is the first payload of the retried request.
      ...(this.cookie !== undefined ? [notify(NotifyType.COOKIE, this.cookie)] : []),
      { kind: 'SA', proposals: this.offered },
      { kind: 'KE', dhGroup: this.kex.dhGroup, keyExchangeData: this.kex.keyExchangeData },
      { kind: 'Nonce', nonceData: this.ni },
      ...natd,
      hashAlgorithmsNotify(this.config.signatureHashAlgorithms ?? DEFAULT_HASHES),
    ];
    this.request = encodeMessage(this.header(), payloads);
    return this.request;
  }

  private header(): IkeHeaderFields {
    return {
      initiatorSpi: this.initiatorSpi,
      responderSpi: ZERO_SPI,
      majorVersion: 2,
      minorVersion: 0,
      exchangeType: ExchangeType.IKE_SA_INIT,
      initiator: true,
      version: false,
      response: false,
      messageId: 0,
    };
  }

  private retry(reason: 'COOKIE' | 'INVALID_KE_PAYLOAD'): InitiatorOutcome {
    if (++this.retries > MAX_RETRIES) throw new IkeNotifyError(NotifyType.NO_PROPOSAL_CHOSEN, EMPTY, `gave up after ${MAX_RETRIES} retries (${reason})`);
    return { kind: 'retry', reason, request: this.buildRequest() };
  }

  /**
   * Processes a datagram received in answer. Throws IkeNotifyError when the responder refused
   * (its error notify) or answered what cannot be accepted, DecodeError for a malformed answer.
   */
  processResponse(bytes: Uint8Array): InitiatorOutcome {
    if (this.request === undefined) throw new Error('buildRequest() first');
    const msg = decodeMessage(bytes);
    const h = msg.header;
    if (h.exchangeType !== ExchangeType.IKE_SA_INIT || !h.response || h.initiator || h.messageId !== 0) {
      return { kind: 'ignored', reason: 'not an IKE_SA_INIT response' };
    }
    if (!h.initiatorSpi.every((b, i) => b === this.initiatorSpi[i])) return { kind: 'ignored', reason: "another initiator's SPI" };

    // §2.6: N(COOKIE) alone asks for the request again with the cookie.
    const cookie = notifiesOf(msg.payloads, NotifyType.COOKIE)[0];
    if (cookie !== undefined && payloadOf(msg.payloads, 'SA') === undefined) {
      if (cookie.notificationData.length < 1 || cookie.notificationData.length > 64) {
        throw new IkeNotifyError(NotifyType.INVALID_SYNTAX, EMPTY, `COOKIE of ${cookie.notificationData.length} octets (1..64, §2.6)`);
      }
      this.cookie = cookie.notificationData.slice();
      return this.retry('COOKIE');
    }
    // §1.2, §3.10.1: INVALID_KE_PAYLOAD names the group the responder wants.
    const invalidKe = notifiesOf(msg.payloads, NotifyType.INVALID_KE_PAYLOAD)[0];
    if (invalidKe !== undefined) {
      const d = invalidKe.notificationData;
      if (d.length !== 2) throw new IkeNotifyError(NotifyType.INVALID_SYNTAX, EMPTY, 'INVALID_KE_PAYLOAD without a 2-octet group');
      const group = (d[0] << 8) | d[1];
      const offered = this.config.proposals.some((p) => p.dh.includes(group));
      if (!offered || !isSupportedGroup(group) || group === this.kex.dhGroup) {
        throw new IkeNotifyError(NotifyType.INVALID_KE_PAYLOAD, d.slice(), `the responder asks for group ${group}, which was not offered or is the one sent`);
      }
      this.kex = createKeyExchange(this.ctx.provider, group, this.ctx.random);
      return this.retry('INVALID_KE_PAYLOAD');
    }
    const error = msg.payloads.find((p): p is NotifyPayload => p.kind === 'N' && isErrorNotify(p.notifyType));
    if (error !== undefined) throw new IkeNotifyError(error.notifyType, error.notificationData, 'the responder refused IKE_SA_INIT');

    const { sa, ke, nonce } = requirePayloads(msg.payloads, 'the IKE_SA_INIT response');
    if (isZero(h.responderSpi)) throw new IkeNotifyError(NotifyType.INVALID_SYNTAX, EMPTY, "a response without the responder's SPI");
    const selected = acceptSelectedProposal(this.offered, sa.proposals, ProtocolId.IKE);
    const transforms = transformsOf(selected);
    if (transforms.dh !== this.kex.dhGroup || ke.dhGroup !== this.kex.dhGroup) {
      throw new IkeNotifyError(NotifyType.INVALID_KE_PAYLOAD, EMPTY, `group ${transforms.dh}/${ke.dhGroup} where ${this.kex.dhGroup} was sent`);
    }
    checkNonce(nonce.nonceData, transforms.prf, 'Nr');
    return { kind: 'established', sa: this.finish(bytes, msg.payloads, h.responderSpi, transforms, ke.keyExchangeData, nonce.nonceData) };
  }

  private finish(response: Uint8Array, payloads: Payload[], spiR: Uint8Array, transforms: IkeSaTransforms, kr: Uint8Array, nr: Uint8Array): IkeSaInitResult {
    const { provider } = this.ctx;
    let sharedSecret: Uint8Array;
    try {
      sharedSecret = this.kex.sharedSecret(kr);
    } catch (e) {
      if (e instanceof CryptoError) throw new IkeNotifyError(NotifyType.INVALID_SYNTAX, EMPTY, `KEr: ${e.message}`);
      throw e;
    }
    const { skeyseed, keys } = deriveIkeSaKeys(provider, transforms, this.ni, nr, sharedSecret, this.initiatorSpi, spiR);
    const nat = checkNatDetection(provider, payloads, this.initiatorSpi, spiR, this.path.local, this.path.remote);
    return {
      role: 'initiator',
      initiatorSpi: this.initiatorSpi,
      responderSpi: spiR.slice(),
      transforms,
      ni: this.ni,
      nr: nr.slice(),
      sharedSecret,
      skeyseed,
      keys,
      protections: ikeSaProtections(provider, transforms, keys),
      nat,
      useNatT: nat.localBehindNat || nat.remoteBehindNat || this.config.forceEncapsulation === true,
      peerSignatureHashAlgorithms: readHashAlgorithms(payloads),
      peerCertificateRequests: payloads.filter((p): p is Extract<Payload, { kind: 'CERTREQ' }> => p.kind === 'CERTREQ'),
      requestMessage: this.request!,
      responseMessage: response,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Responder

export type ResponderOutcome =
  | { kind: 'established'; response: Uint8Array; sa: IkeSaInitResult }
  /** Answered with an error or COOKIE notify and no state kept. */
  | { kind: 'refused'; response: Uint8Array; notifyType: number; reason: string }
  /** Not answered (malformed, or not an IKE_SA_INIT request). */
  | { kind: 'dropped'; reason: string };

export interface IkeInitResponderOptions {
  /** Ask for cookies once this many IKE SAs are half-open (§2.6). Default: never. */
  cookieThreshold?: number;
  /** How often the cookie secret changes. */
  cookieRotationMs?: number;
}

export class IkeInitResponder {
  private readonly cookies: CookieJar;

  constructor(
    private readonly ctx: IkeInitContext,
    private readonly config: IkeInitConfig,
    private readonly options: IkeInitResponderOptions = {},
  ) {
    if (config.proposals.length === 0) throw new RangeError('no IKE proposals configured');
    this.cookies = new CookieJar(ctx.provider, ctx.random, ctx.clock, options.cookieRotationMs);
  }

  /**
   * Answers one IKE_SA_INIT request that arrived on `path`, with `halfOpenSas` IKE SAs of this
   * responder currently half-open. Never throws for anything in `bytes`.
   */
  processRequest(bytes: Uint8Array, path: Path, halfOpenSas = 0): ResponderOutcome {
    let msg;
    try {
      msg = decodeMessage(bytes);
    } catch (e) {
      // §2.5 / §3.2: INVALID_MAJOR_VERSION and UNSUPPORTED_CRITICAL_PAYLOAD are answered.
      if (e instanceof IkeNotifyError && bytes.length >= 28 && bytes[18] === ExchangeType.IKE_SA_INIT && (bytes[19] & 0x20) === 0) {
        return this.refuse(bytes.slice(0, 8), e.notifyType, e.notificationData, e.reason);
      }
      if (e instanceof IkeNotifyError || e instanceof DecodeError) return { kind: 'dropped', reason: e.message };
      throw e;
    }
    const h = msg.header;
    if (h.exchangeType !== ExchangeType.IKE_SA_INIT || h.response || !h.initiator || h.messageId !== 0 || !isZero(h.responderSpi) || isZero(h.initiatorSpi)) {
      return { kind: 'dropped', reason: 'not an IKE_SA_INIT request' };
    }
    try {
      return this.answer(bytes, msg.header.initiatorSpi, msg.payloads, path, halfOpenSas);
    } catch (e) {
      if (e instanceof IkeNotifyError) return this.refuse(h.initiatorSpi, e.notifyType, e.notificationData, e.reason);
      if (e instanceof CryptoError) return this.refuse(h.initiatorSpi, NotifyType.INVALID_SYNTAX, EMPTY, e.message);
      throw e;
    }
  }

  private header(spiI: Uint8Array, spiR: Uint8Array): IkeHeaderFields {
    return {
      initiatorSpi: spiI,
      responderSpi: spiR,
      majorVersion: 2,
      minorVersion: 0,
      exchangeType: ExchangeType.IKE_SA_INIT,
      initiator: false,
      version: false,
      response: true,
      messageId: 0,
    };
  }

  /** HDR(SPIi, 0), N(type): the stateless answers of §1.2 and §2.6. */
  private refuse(spiI: Uint8Array, notifyType: number, data: Uint8Array, reason: string): ResponderOutcome {
    return { kind: 'refused', response: encodeMessage(this.header(spiI, ZERO_SPI), [notify(notifyType, data)]), notifyType, reason };
  }

  private answer(request: Uint8Array, spiI: Uint8Array, payloads: Payload[], path: Path, halfOpenSas: number): ResponderOutcome {
    const { provider, random } = this.ctx;
    const { sa, ke, nonce } = requirePayloads(payloads, 'the IKE_SA_INIT request');

    // §2.6: under load, nothing is computed or kept until the initiator returns our cookie first.
    if (halfOpenSas >= (this.options.cookieThreshold ?? Infinity)) {
      const first = payloads[0];
      const ok =
        first.kind === 'N' && first.notifyType === NotifyType.COOKIE && this.cookies.verify(first.notificationData, nonce.nonceData, path.remote.address, spiI);
      if (!ok) return this.refuse(spiI, NotifyType.COOKIE, this.cookies.make(nonce.nonceData, path.remote.address, spiI), 'cookie required');
    }

    const selected = selectProposal(sa.proposals, this.config.proposals, ProtocolId.IKE, { preferDh: ke.dhGroup, isSupportedDh: isSupportedGroup });
    if (selected === undefined) return this.refuse(spiI, NotifyType.NO_PROPOSAL_CHOSEN, EMPTY, 'no acceptable proposal');
    const transforms = transformsOf(selected);
    if (ke.dhGroup !== transforms.dh) {
      // §1.2: the response names the group the responder will accept.
      return this.refuse(spiI, NotifyType.INVALID_KE_PAYLOAD, Uint8Array.of(transforms.dh >> 8, transforms.dh & 0xff), `KE of group ${ke.dhGroup}`);
    }
    checkNonce(nonce.nonceData, transforms.prf, 'Ni');

    const kex = createKeyExchange(provider, transforms.dh, random);
    const sharedSecret = kex.sharedSecret(ke.keyExchangeData);
    const spiR = randomSpi(random);
    const nr = random.randomBytes(NONCE_LENGTH);
    const ni = nonce.nonceData;
    const { skeyseed, keys } = deriveIkeSaKeys(provider, transforms, ni, nr, sharedSecret, spiI, spiR);
    const nat = checkNatDetection(provider, payloads, spiI, ZERO_SPI, path.local, path.remote);

    const natd = natDetectionNotifies(provider, spiI, spiR, path.local, path.remote);
    if (this.config.forceEncapsulation) natd[0] = notify(NotifyType.NAT_DETECTION_SOURCE_IP, random.randomBytes(20));
    const peerHashes = readHashAlgorithms(payloads);
    const responsePayloads: Payload[] = [
      { kind: 'SA', proposals: [selectedToWire(selected, ProtocolId.IKE, EMPTY)] },
      { kind: 'KE', dhGroup: kex.dhGroup, keyExchangeData: kex.keyExchangeData },
      { kind: 'Nonce', nonceData: nr },
      ...(nat.supported ? natd : []),
      ...(this.config.certificateRequest !== undefined ? [this.config.certificateRequest] : []),
      // RFC 7427 §4: sent only to a peer that sent its own.
      ...(peerHashes.length > 0 ? [hashAlgorithmsNotify(this.config.signatureHashAlgorithms ?? DEFAULT_HASHES)] : []),
    ];
    const response = encodeMessage(this.header(spiI, spiR), responsePayloads);
    return {
      kind: 'established',
      response,
      sa: {
        role: 'responder',
        initiatorSpi: spiI.slice(),
        responderSpi: spiR,
        transforms,
        ni: ni.slice(),
        nr,
        sharedSecret,
        skeyseed,
        keys,
        protections: ikeSaProtections(provider, transforms, keys),
        nat,
        useNatT: nat.localBehindNat || nat.remoteBehindNat || this.config.forceEncapsulation === true,
        peerSignatureHashAlgorithms: peerHashes,
        peerCertificateRequests: payloads.filter((p): p is Extract<Payload, { kind: 'CERTREQ' }> => p.kind === 'CERTREQ'),
        requestMessage: request,
        responseMessage: response,
      },
    };
  }
}

