/**
 * One IKE SA as a sans-I/O state machine: datagrams and time go in (`receive`, `tick`), events
 * come out (`poll`): datagrams to send, the IKE SA and first Child SA established, the SA deleted
 * or failed. It assembles the exchange tasks (IKE_SA_INIT, IKE_AUTH), and owns what RFC 7296 puts
 * around them:
 *
 * - Message IDs and a window of one (§2.3): one request of ours outstanding; the peer's requests
 *   are taken in order, and a retransmitted request is answered from the cached response (§2.1).
 * - Retransmission with exponential back-off on the injected clock (§2.1, §2.4): the request is
 *   resent after `timeoutMs`, then `timeoutMs * factor`, ...; after `maxTries` sends it fails.
 * - The move to port 4500 after IKE_SA_INIT when NAT detection asks for it (§2.23), with the
 *   non-ESP marker in front of every IKE message there (RFC 3948 §2.2).
 * - INFORMATIONAL: Delete of the IKE SA in both directions and empty liveness requests (§1.4.1,
 *   §2.4).
 */
import { DecodeError, bytesEqual } from '@layersec/wire';
import { ExchangeType, IKE_NAT_T_PORT, NotifyType, ProtocolId } from './constants.js';
import type { Clock } from './clock.js';
import { IkeIntegrityError, IkeNotifyError } from './errors.js';
import { decodeEncryptedPayloads, encodeEncryptedMessage } from './messages/encrypted.js';
import { decodeMessage, payloadOf, payloadsOf, type IkeHeaderFields } from './messages/message.js';
import { classifyPort4500, withNonEspMarker } from './messages/nat-t.js';
import type { Payload } from './messages/payloads.js';
import type { Endpoint } from './sa/address.js';
import {
  IkeAuthInitiator,
  IkeAuthResponder,
  type ChildConfigResolved,
  type ChildSaResult,
  type IkeAuthInitiatorConfig,
  type IkeAuthResponderConfig,
  type IkeAuthResult,
} from './exchange/ike-auth.js';
import { answerCreateChild, buildCreateChildRequest } from './exchange/create-child.js';
import { answerIkeRekey, buildIkeRekeyRequest } from './exchange/ike-rekey.js';
import { IkeInitInitiator, IkeInitResponder, type IkeInitConfig, type IkeInitContext, type IkeSaInitResult } from './exchange/ike-init.js';

export interface RetransmitPolicy {
  timeoutMs: number;
  factor: number;
  maxTries: number;
}

/** strongSwan's defaults are 4 s, 1.8, 5 tries; the lab's are shorter. */
export const DEFAULT_RETRANSMIT: RetransmitPolicy = { timeoutMs: 1000, factor: 2, maxTries: 5 };

export type IkeEvent =
  | { type: 'send'; datagram: Uint8Array; from: Endpoint; to: Endpoint }
  | { type: 'ike-sa-init-done'; sa: IkeSaInitResult }
  | { type: 'established'; sa: IkeSaInitResult; auth: IkeAuthResult }
  | { type: 'deleted'; by: 'local' | 'peer' }
  /** The peer answered a liveness check (§1.4, "dead peer detection"). */
  | { type: 'alive' }
  /** A Child SA created by CREATE_CHILD_SA (by either side), replacing `rekeys` if given. */
  | { type: 'child-created'; child: ChildSaResult; rekeys?: ChildSaResult }
  | { type: 'child-deleted'; child: ChildSaResult; by: 'local' | 'peer' }
  /** The IKE SA was rekeyed (§2.18): `sa` replaces `old`, with the Child SAs moved over. */
  | { type: 'ike-rekeyed'; old: IkeSaInitResult; sa: IkeSaInitResult }
  | { type: 'failed'; error: Error };

export type IkeSessionState = 'idle' | 'ike-sa-init' | 'ike-auth' | 'established' | 'deleting' | 'deleted' | 'failed';

interface Outstanding {
  messageId: number;
  datagram: Uint8Array;
  tries: number;
  deadline: number;
  onResponse(message: Uint8Array): void;
}

export interface IkeSessionOptions {
  ctx: IkeInitContext & { clock: Clock };
  ike: IkeInitConfig;
  local: Endpoint;
  remote: Endpoint;
  retransmit?: RetransmitPolicy;
  /**
   * Rekey the IKE SA / each Child SA this long after it was established (swanctl.conf
   * `rekey_time`); no rekeying on time when absent. `dpdDelayMs` (swanctl `dpd_delay`): check
   * liveness when nothing authentic came from the peer for that long.
   */
  lifetimes?: { ikeRekeyMs?: number; childRekeyMs?: number; dpdDelayMs?: number };
}

/** Octet strings in lexicographic order (a proper prefix first), as §2.8.1 compares nonces. */
function compareOctets(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function lowest(a: Uint8Array, b: Uint8Array): Uint8Array {
  return compareOctets(a, b) <= 0 ? a : b;
}

abstract class IkeSessionBase {
  protected readonly events: IkeEvent[] = [];
  protected out: Outstanding | undefined;
  protected local: Endpoint;
  protected remote: Endpoint;
  protected natT = false;
  protected sa: IkeSaInitResult | undefined;
  /** Message ID of our next request. */
  protected nextRequestId = 0;
  /** Message ID the peer's next request must carry, and our cached answer to its previous one. */
  protected expectedPeerId = 0;
  protected cachedResponse: { messageId: number; request: Uint8Array; datagram: Uint8Array } | undefined;
  state: IkeSessionState = 'idle';
  protected readonly policy: RetransmitPolicy;
  protected children: ChildSaResult[] = [];
  private ikeRekeyAt: number | undefined;
  /** When the last authentic message from the peer was processed (for `dpdDelayMs`). */
  private lastHeard = 0;
  private readonly childRekeyAt = new Map<ChildSaResult, number>();
  /** Our Child SA rekey in flight, and the peer's rekey of the same SA if they cross (§2.8.1). */
  private rekeying: { of: ChildSaResult; ni: Uint8Array } | undefined;
  private collided: { of: ChildSaResult; created: ChildSaResult; ni: Uint8Array; nr: Uint8Array } | undefined;
  /** A new IKE SA the peer created by rekeying; it takes over when the peer deletes the old one. */
  private pendingIkeRekey: IkeSaInitResult | undefined;
  /** Requests waiting for the window (§2.3: one outstanding request). */
  private readonly queue: (() => void)[] = [];

  constructor(protected readonly options: IkeSessionOptions) {
    this.local = options.local;
    this.remote = options.remote;
    this.policy = options.retransmit ?? DEFAULT_RETRANSMIT;
  }

  /** The Child SAs of this IKE SA, oldest first. */
  get childSas(): readonly ChildSaResult[] {
    return this.children;
  }

  protected abstract readonly childConfig: ChildConfigResolved;

  /** The IKE SA's keys and parameters, once IKE_SA_INIT is done. */
  get ikeSa(): IkeSaInitResult | undefined {
    return this.sa;
  }

  /** Events produced so far, oldest first; the queue is emptied. */
  poll(): IkeEvent[] {
    return this.events.splice(0);
  }

  /** The time `tick` must next be called at, if any. */
  get nextDeadline(): number | undefined {
    let next = this.out?.deadline;
    const consider = (t: number | undefined) => {
      if (t !== undefined && (next === undefined || t < next)) next = t;
    };
    if (this.state === 'established') {
      consider(this.ikeRekeyAt);
      for (const t of this.childRekeyAt.values()) consider(t);
      const dpd = this.options.lifetimes?.dpdDelayMs;
      if (dpd !== undefined && this.out === undefined) consider(this.lastHeard + dpd);
    }
    return next;
  }

  /**
   * Retransmits or gives up once the deadline has passed (§2.1: back-off, then failure), and
   * starts the rekeys whose time has come.
   */
  tick(now: number): void {
    this.retransmitIfDue(now);
    if (this.state !== 'established') return;
    if (this.ikeRekeyAt !== undefined && now >= this.ikeRekeyAt) {
      this.ikeRekeyAt = undefined;
      this.rekeyIkeSa();
    }
    for (const [child, at] of [...this.childRekeyAt]) {
      if (now < at) continue;
      this.childRekeyAt.delete(child);
      this.rekeyChild(child);
    }
    const dpd = this.options.lifetimes?.dpdDelayMs;
    if (dpd !== undefined && this.out === undefined && now >= this.lastHeard + dpd) {
      this.lastHeard = now;
      this.checkLiveness();
    }
  }

  /** Lifetime timers (§2.8): the IKE SA's from its (re)establishment, each Child SA's from its creation. */
  protected startIkeLifetime(): void {
    this.lastHeard = this.options.ctx.clock.now();
    const ms = this.options.lifetimes?.ikeRekeyMs;
    this.ikeRekeyAt = ms === undefined ? undefined : this.options.ctx.clock.now() + ms;
  }

  protected startChildLifetime(child: ChildSaResult): void {
    const ms = this.options.lifetimes?.childRekeyMs;
    if (ms !== undefined) this.childRekeyAt.set(child, this.options.ctx.clock.now() + ms);
  }

  private retransmitIfDue(now: number): void {
    const o = this.out;
    if (o === undefined || now < o.deadline) return;
    if (o.tries >= this.policy.maxTries) {
      this.out = undefined;
      this.fail(new Error(`no response to message ${o.messageId} after ${o.tries} transmissions`));
      return;
    }
    o.tries++;
    o.deadline = now + this.policy.timeoutMs * this.policy.factor ** (o.tries - 1);
    this.transmit(o.datagram);
  }

  protected fail(error: Error): void {
    if (this.state === 'failed' || this.state === 'deleted') return;
    this.state = 'failed';
    this.out = undefined;
    this.events.push({ type: 'failed', error });
  }

  protected transmit(datagram: Uint8Array): void {
    this.events.push({ type: 'send', datagram, from: this.local, to: this.remote });
  }

  /** IKE message as a datagram: on port 4500 behind the non-ESP marker. */
  protected frame(message: Uint8Array): Uint8Array {
    return this.natT ? withNonEspMarker(message) : message;
  }

  protected sendRequest(message: Uint8Array, onResponse: (message: Uint8Array) => void): void {
    const datagram = this.frame(message);
    this.out = { messageId: this.nextRequestId, datagram, tries: 1, deadline: this.options.ctx.clock.now() + this.policy.timeoutMs, onResponse };
    this.nextRequestId++;
    this.transmit(datagram);
  }

  protected switchToNatT(): void {
    if (this.natT) return;
    this.natT = true;
    this.local = { ...this.local, port: IKE_NAT_T_PORT };
    this.remote = { ...this.remote, port: IKE_NAT_T_PORT };
  }

  /**
   * A datagram from the network, as it arrived on `localPort`. ESP and keepalives on 4500 are
   * not IKE's and are ignored here; nothing in a datagram makes this throw.
   */
  receive(datagram: Uint8Array, localPort = this.local.port, _from?: Endpoint): void {
    let message = datagram;
    if (localPort === IKE_NAT_T_PORT) {
      let d;
      try {
        d = classifyPort4500(datagram);
      } catch {
        return;
      }
      if (d.kind !== 'ike') return;
      message = d.message;
    }
    if (message.length < 28) return;
    const isResponse = (message[19] & 0x20) !== 0;
    const messageId = ((message[20] << 24) | (message[21] << 16) | (message[22] << 8) | message[23]) >>> 0;
    try {
      if (isResponse) {
        const o = this.out;
        if (o === undefined || o.messageId !== messageId) return;
        o.onResponse(message);
        if (this.out === undefined) this.queue.shift()?.();
      } else {
        this.onRequest(message, messageId);
      }
    } catch (e) {
      // Garbage and forgeries cost nothing but a dropped datagram; a refusal by the peer ends the SA.
      if (e instanceof DecodeError || e instanceof IkeIntegrityError) return;
      // Anything else (a refusal by the peer, credentials that cannot serve what it asked for)
      // ends this IKE SA; nothing a datagram holds throws out of here.
      this.fail(e instanceof Error ? e : new Error(String(e)));
    }
  }

  protected abstract onRequest(message: Uint8Array, messageId: number): void;

  protected header(exchangeType: number, response: boolean, messageId: number): IkeHeaderFields {
    const sa = this.sa!;
    return {
      initiatorSpi: sa.initiatorSpi,
      responderSpi: sa.responderSpi,
      majorVersion: 2,
      minorVersion: 0,
      exchangeType,
      initiator: sa.role === 'initiator',
      version: false,
      response,
      messageId,
    };
  }

  private ownProtection() {
    const sa = this.sa!;
    return sa.role === 'initiator' ? sa.protections.fromInitiator : sa.protections.fromResponder;
  }

  private peerProtection() {
    const sa = this.sa!;
    return sa.role === 'initiator' ? sa.protections.fromResponder : sa.protections.fromInitiator;
  }

  protected encrypted(exchangeType: number, response: boolean, messageId: number, payloads: Payload[]): Uint8Array {
    return encodeEncryptedMessage(this.ownProtection(), this.header(exchangeType, response, messageId), payloads, { random: this.options.ctx.random });
  }

  protected open(message: Uint8Array): { exchangeType: number; payloads: Payload[] } {
    const msg = decodeMessage(message);
    const sa = this.sa!;
    const spisMatch = msg.header.initiatorSpi.every((b, i) => b === sa.initiatorSpi[i]) && msg.header.responderSpi.every((b, i) => b === sa.responderSpi[i]);
    if (!spisMatch) throw new DecodeError('IKE header.SPIs', 0, 'not this IKE SA');
    const payloads = decodeEncryptedPayloads(this.peerProtection(), message, msg).payloads;
    this.lastHeard = this.options.ctx.clock.now();
    return { exchangeType: msg.header.exchangeType, payloads };
  }

  /** The peer's INFORMATIONAL requests once the IKE SA is up (§1.4, §2.4). */
  protected onInformationalRequest(message: Uint8Array, messageId: number): void {
    const cached = this.cachedResponse;
    if (cached !== undefined && messageId === cached.messageId) {
      // §2.1: a retransmitted request is answered with the same response; anything else with
      // that Message ID is not a retransmission and gets nothing.
      if (bytesEqual(cached.request, message)) this.transmit(cached.datagram);
      return;
    }
    if (messageId !== this.expectedPeerId || this.sa === undefined) return;
    const { exchangeType, payloads } = this.open(message);
    if (exchangeType === ExchangeType.CREATE_CHILD_SA) {
      if (this.state !== 'established') {
        this.respond(messageId, message, exchangeType, [{ kind: 'N', protocolId: 0, spi: new Uint8Array(0), notifyType: NotifyType.TEMPORARY_FAILURE, notificationData: new Uint8Array(0) }]);
        return;
      }
      const proposals = payloadOf(payloads, 'SA')?.proposals ?? [];
      if (proposals.length > 0 && proposals.every((p) => p.protocolId === ProtocolId.IKE)) {
        // §1.3.2: the peer rekeys the IKE SA.
        const rekey = answerIkeRekey(this.options.ctx, this.sa, this.options.ike.proposals, payloads);
        this.respond(messageId, message, exchangeType, rekey.response);
        if (rekey.created !== undefined) this.pendingIkeRekey = rekey.created;
        return;
      }
      const answer = answerCreateChild(this.options.ctx, this.sa, this.childConfig, this.children, payloads);
      this.respond(messageId, message, exchangeType, answer.response);
      if (answer.created !== undefined) {
        if (answer.rekeys !== undefined && answer.rekeys === this.rekeying?.of && answer.nonces !== undefined) {
          // §2.8.1: both sides rekey the same Child SA; decided when our own rekey completes.
          this.collided = { of: answer.rekeys, created: answer.created, ...answer.nonces };
        }
        this.children.push(answer.created);
        this.startChildLifetime(answer.created);
        this.events.push({ type: 'child-created', child: answer.created, ...(answer.rekeys !== undefined ? { rekeys: answer.rekeys } : {}) });
      }
      return;
    }
    if (exchangeType !== ExchangeType.INFORMATIONAL) {
      this.respond(messageId, message, exchangeType, [{ kind: 'N', protocolId: 0, spi: new Uint8Array(0), notifyType: NotifyType.INVALID_SYNTAX, notificationData: new Uint8Array(0) }]);
      return;
    }
    const deletes = payloadsOf(payloads, 'D');
    const deletesIke = deletes.some((d) => d.protocolId === ProtocolId.IKE);
    // §1.4.1: Child SAs are deleted in pairs; the response names our half of each pair.
    const gone: ChildSaResult[] = [];
    if (!deletesIke) {
      for (const d of deletes) {
        if (d.protocolId !== ProtocolId.ESP) continue;
        for (const spi of d.spis) {
          const c = this.children.find((x) => x.outboundSpi.length === spi.length && x.outboundSpi.every((b, i) => b === spi[i]));
          if (c !== undefined && !gone.includes(c)) gone.push(c);
        }
      }
    }
    const answer: Payload[] = gone.length > 0 ? [{ kind: 'D', protocolId: ProtocolId.ESP, spiSize: 4, spis: gone.map((c) => c.inboundSpi) }] : [];
    this.respond(messageId, message, ExchangeType.INFORMATIONAL, answer);
    for (const c of gone) {
      this.children = this.children.filter((x) => x !== c);
      this.childRekeyAt.delete(c);
      this.events.push({ type: 'child-deleted', child: c, by: 'peer' });
    }
    if (deletesIke && this.pendingIkeRekey !== undefined) {
      // §2.18: the rekeying side deletes the old IKE SA; the new one carries on.
      this.switchIkeSa(this.pendingIkeRekey);
    } else if (deletesIke) {
      this.state = 'deleted';
      this.out = undefined;
      this.events.push({ type: 'deleted', by: 'peer' });
    }
  }

  protected respond(messageId: number, request: Uint8Array, exchangeType: number, payloads: Payload[]): void {
    const datagram = this.frame(this.encrypted(exchangeType, true, messageId, payloads));
    this.cachedResponse = { messageId, request, datagram };
    this.expectedPeerId = messageId + 1;
    this.transmit(datagram);
  }

  /**
   * Liveness check (§1.4, §2.4): an empty INFORMATIONAL request; its response raises `alive`,
   * its absence after the retransmissions raises `failed`. Ignored while a request is outstanding.
   */
  checkLiveness(): void {
    if (this.state !== 'established' || this.out !== undefined) return;
    this.sendRequest(this.encrypted(ExchangeType.INFORMATIONAL, false, this.nextRequestId, []), (message) => {
      this.open(message);
      this.out = undefined;
      this.events.push({ type: 'alive' });
    });
  }

  /** Runs `request` now, or when the outstanding request is answered (window of one, §2.3). */
  private whenIdle(request: () => void): void {
    if (this.out === undefined) request();
    else this.queue.push(request);
  }

  /**
   * Rekeys a Child SA (§1.3.3): CREATE_CHILD_SA {N(REKEY_SA), SA, Ni, [KEi], TSi, TSr}, then
   * INFORMATIONAL {D(ESP, old SPI)} for the SA it replaces.
   */
  rekeyChild(child: ChildSaResult): void {
    this.whenIdle(() => {
      if (this.state !== 'established' || !this.children.includes(child)) return;
      const req = buildCreateChildRequest(this.options.ctx, this.sa!, this.childConfig, child);
      this.rekeying = { of: child, ni: req.ni };
      this.sendRequest(this.encrypted(ExchangeType.CREATE_CHILD_SA, false, this.nextRequestId, req.payloads), (message) => {
        const { payloads } = this.open(message);
        this.out = undefined;
        this.rekeying = undefined;
        const created = req.finish(payloads);
        this.children.push(created);
        this.startChildLifetime(created);
        this.events.push({ type: 'child-created', child: created, rekeys: child });
        const collided = this.collided?.of === child ? this.collided : undefined;
        this.collided = undefined;
        const nr = payloadOf(payloads, 'Nonce')?.nonceData;
        if (collided !== undefined && nr !== undefined) {
          // §2.8.1: the SA created with the lowest of the four nonces is redundant; the node
          // that created it deletes it. The other node deletes the replaced SA.
          const ours = lowest(req.ni, nr);
          const theirs = lowest(collided.ni, collided.nr);
          if (compareOctets(ours, theirs) < 0) this.deleteChild(created);
          else this.deleteChild(child);
          return;
        }
        this.deleteChild(child);
      });
    });
  }

  private switchIkeSa(next: IkeSaInitResult): void {
    const old = this.sa!;
    this.sa = next;
    this.pendingIkeRekey = undefined;
    this.nextRequestId = 0;
    this.expectedPeerId = 0;
    this.cachedResponse = undefined;
    this.startIkeLifetime();
    this.events.push({ type: 'ike-rekeyed', old, sa: next });
  }

  /**
   * Rekeys the IKE SA (§1.3.2, §2.18): CREATE_CHILD_SA {SA(IKE, new SPI), Ni, KEi} on the old
   * IKE SA, then INFORMATIONAL {D(IKE)} on it; the new IKE SA takes over with the Child SAs.
   */
  rekeyIkeSa(): void {
    this.whenIdle(() => {
      if (this.state !== 'established') return;
      const req = buildIkeRekeyRequest(this.options.ctx, this.sa!, this.options.ike.proposals);
      this.sendRequest(this.encrypted(ExchangeType.CREATE_CHILD_SA, false, this.nextRequestId, req.payloads), (message) => {
        const { payloads } = this.open(message);
        this.out = undefined;
        const next = req.finish(payloads);
        const del: Payload[] = [{ kind: 'D', protocolId: ProtocolId.IKE, spiSize: 0, spis: [] }];
        this.sendRequest(this.encrypted(ExchangeType.INFORMATIONAL, false, this.nextRequestId, del), (m) => {
          this.open(m);
          this.out = undefined;
          this.switchIkeSa(next);
        });
      });
    });
  }

  /** A new Child SA with the configured proposals and selectors (§1.3.1). */
  createChild(): void {
    this.whenIdle(() => {
      if (this.state !== 'established') return;
      const req = buildCreateChildRequest(this.options.ctx, this.sa!, this.childConfig);
      this.sendRequest(this.encrypted(ExchangeType.CREATE_CHILD_SA, false, this.nextRequestId, req.payloads), (message) => {
        const { payloads } = this.open(message);
        this.out = undefined;
        const created = req.finish(payloads);
        this.children.push(created);
        this.startChildLifetime(created);
        this.events.push({ type: 'child-created', child: created });
      });
    });
  }

  /** Deletes a Child SA: INFORMATIONAL {D(ESP, our inbound SPI)} (§1.4.1). */
  deleteChild(child: ChildSaResult): void {
    this.whenIdle(() => {
      if (this.state !== 'established' || !this.children.includes(child)) return;
      const payloads: Payload[] = [{ kind: 'D', protocolId: ProtocolId.ESP, spiSize: 4, spis: [child.inboundSpi] }];
      this.sendRequest(this.encrypted(ExchangeType.INFORMATIONAL, false, this.nextRequestId, payloads), (message) => {
        this.open(message);
        this.out = undefined;
        this.children = this.children.filter((x) => x !== child);
        this.childRekeyAt.delete(child);
        this.events.push({ type: 'child-deleted', child, by: 'local' });
      });
    });
  }

  /** Deletes the IKE SA (and with it its Child SAs): INFORMATIONAL { D(IKE) } (§1.4.1). */
  close(): void {
    if (this.state !== 'established') return;
    this.state = 'deleting';
    const payloads: Payload[] = [{ kind: 'D', protocolId: ProtocolId.IKE, spiSize: 0, spis: [] }];
    this.sendRequest(this.encrypted(ExchangeType.INFORMATIONAL, false, this.nextRequestId, payloads), (message) => {
      this.open(message);
      this.out = undefined;
      this.state = 'deleted';
      this.events.push({ type: 'deleted', by: 'local' });
    });
  }
}

/** The side that starts the IKE SA. */
export class IkeInitiatorSession extends IkeSessionBase {
  private readonly init: IkeInitInitiator;

  protected get childConfig(): ChildConfigResolved {
    return this.auth.child;
  }

  constructor(
    options: IkeSessionOptions,
    private readonly auth: IkeAuthInitiatorConfig,
  ) {
    super(options);
    this.init = new IkeInitInitiator(options.ctx, options.ike, { local: options.local, remote: options.remote });
  }

  /** HDR, SA, KEi, Ni, N(NAT_DETECTION_*) --> */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'ike-sa-init';
    this.sendRequest(this.init.buildRequest(), (m) => this.onInitResponse(m));
  }

  private onInitResponse(message: Uint8Array): void {
    const outcome = this.init.processResponse(message);
    if (outcome.kind === 'ignored') return;
    if (outcome.kind === 'retry') {
      // A new IKE_SA_INIT request, again with Message ID 0.
      this.nextRequestId = 0;
      this.sendRequest(outcome.request, (m) => this.onInitResponse(m));
      return;
    }
    this.sa = outcome.sa;
    this.events.push({ type: 'ike-sa-init-done', sa: outcome.sa });
    // §2.23: with a NAT (or encapsulation asked for), IKE_AUTH goes to port 4500.
    if (outcome.sa.useNatT) this.switchToNatT();
    this.state = 'ike-auth';
    const task = new IkeAuthInitiator(this.options.ctx, outcome.sa, this.auth);
    this.sendRequest(task.buildRequest(), (m) => {
      const done = task.processResponse(m);
      if (done.kind === 'ignored') return;
      this.out = undefined;
      this.state = 'established';
      const first = done.result.child;
      if (first.kind === 'established') {
        this.children.push(first.sa);
        this.startChildLifetime(first.sa);
      }
      this.startIkeLifetime();
      this.events.push({ type: 'established', sa: this.sa!, auth: done.result });
    });
  }

  protected onRequest(message: Uint8Array, messageId: number): void {
    if (this.state === 'established' || this.state === 'deleting') this.onInformationalRequest(message, messageId);
  }
}

/** The side that answers: one IKE SA, from the first IKE_SA_INIT request it accepts. */
export class IkeResponderSession extends IkeSessionBase {
  private readonly init: IkeInitResponder;

  protected get childConfig(): ChildConfigResolved {
    return this.auth.child;
  }

  constructor(
    options: IkeSessionOptions,
    private readonly auth: IkeAuthResponderConfig,
  ) {
    super(options);
    this.init = new IkeInitResponder(options.ctx, options.ike);
  }

  /**
   * A session for an IKE SA whose IKE_SA_INIT a responder service already answered (statelessly
   * until then): it continues with IKE_AUTH from `remote`.
   */
  static afterIkeSaInit(options: IkeSessionOptions, auth: IkeAuthResponderConfig, sa: IkeSaInitResult): IkeResponderSession {
    const s = new IkeResponderSession(options, auth);
    s.sa = sa;
    s.state = 'ike-auth';
    s.cachedResponse = { messageId: 0, request: sa.requestMessage, datagram: sa.responseMessage };
    s.expectedPeerId = 1;
    s.events.push({ type: 'ike-sa-init-done', sa });
    return s;
  }

  protected onRequest(message: Uint8Array, messageId: number): void {
    const cached = this.cachedResponse;
    if (cached !== undefined && messageId === cached.messageId && cached.request.length === message.length && cached.request.every((b, i) => b === message[i])) {
      this.transmit(cached.datagram);
      return;
    }
    if (this.state === 'idle' && messageId === 0) {
      const out = this.init.processRequest(message, { local: this.local, remote: this.remote });
      if (out.kind === 'dropped') return;
      this.transmit(this.frame(out.response));
      if (out.kind === 'established') {
        this.sa = out.sa;
        this.cachedResponse = { messageId: 0, request: message, datagram: this.frame(out.response) };
        this.expectedPeerId = 1;
        this.state = 'ike-auth';
        this.events.push({ type: 'ike-sa-init-done', sa: out.sa });
      }
      return;
    }
    if (this.state === 'ike-auth' && messageId === 1 && this.sa !== undefined) {
      const task = new IkeAuthResponder(this.options.ctx, this.sa, this.auth);
      const out = task.processRequest(message);
      if (out.kind === 'dropped') return;
      const datagram = this.frame(out.response);
      this.cachedResponse = { messageId: 1, request: message, datagram };
      this.expectedPeerId = 2;
      this.transmit(datagram);
      if (out.kind === 'established') {
        this.state = 'established';
        const first = out.result.child;
        if (first.kind === 'established') {
          this.children.push(first.sa);
          this.startChildLifetime(first.sa);
        }
        this.startIkeLifetime();
        this.events.push({ type: 'established', sa: this.sa, auth: out.result });
      } else {
        this.fail(new IkeNotifyError(out.notifyType, new Uint8Array(0), out.reason));
      }
      return;
    }
    if (this.state === 'established' || this.state === 'deleting') this.onInformationalRequest(message, messageId);
  }

  /**
   * As for the initiator; `from` is where the datagram came from. The responder answers there,
   * and once the initiator has moved to port 4500 (§2.23), answers on 4500 from then on.
   */
  override receive(datagram: Uint8Array, localPort = this.local.port, from?: Endpoint): void {
    if (this.state === 'idle' && from !== undefined) this.remote = from;
    if (localPort === IKE_NAT_T_PORT && !this.natT && this.sa !== undefined) {
      this.natT = true;
      this.local = { ...this.local, port: IKE_NAT_T_PORT };
      this.remote = from ?? { ...this.remote, port: IKE_NAT_T_PORT };
    }
    super.receive(datagram, localPort);
  }
}
