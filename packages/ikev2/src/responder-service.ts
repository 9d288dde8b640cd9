/**
 * A responder for many IKE SAs at one address (what `lab ike respond` runs): IKE_SA_INIT requests
 * are answered by one stateless IkeInitResponder — with cookies once `cookieThreshold` IKE SAs
 * are half-open (RFC 7296 §2.6) — and each accepted one becomes an IkeResponderSession; later
 * datagrams go to their session by the IKE SPIs. Half-open SAs that do not complete IKE_AUTH
 * within `halfOpenTimeoutMs` are forgotten, and so are deleted and failed ones; past `maxHalfOpen`
 * new requests are dropped, so a flood costs bounded memory.
 */
import { bytesEqual, toHex } from '@layersec/wire';
import { ExchangeType, IKE_NAT_T_PORT } from './constants.js';
import type { IkeAuthResponderConfig } from './exchange/ike-auth.js';
import { IkeInitResponder, type IkeInitConfig, type IkeInitContext } from './exchange/ike-init.js';
import { classifyPort4500 } from './messages/nat-t.js';
import type { Endpoint } from './sa/address.js';
import { IkeResponderSession, type IkeEvent, type RetransmitPolicy } from './session.js';

export interface IkeResponderServiceOptions {
  ctx: IkeInitContext;
  ike: IkeInitConfig;
  auth: IkeAuthResponderConfig;
  /** The address this responder listens on (port 500; 4500 for NAT-T). */
  local: Endpoint;
  cookieThreshold?: number;
  /** Half-open IKE SAs are forgotten after this long (default 30 s). */
  halfOpenTimeoutMs?: number;
  /** Beyond this many half-open IKE SAs new IKE_SA_INIT requests are dropped (default 1000). */
  maxHalfOpen?: number;
  retransmit?: RetransmitPolicy;
}

type SendEvent = Extract<IkeEvent, { type: 'send' }>;
/** An event of one IKE SA, with the session it belongs to. */
export type ServiceEvent = { type: 'session'; session: IkeResponderSession; event: Exclude<IkeEvent, SendEvent> };

interface Entry {
  session: IkeResponderSession;
  createdAt: number;
}

export class IkeResponderService {
  private readonly init: IkeInitResponder;
  /** By SPIi | SPIr (hex). */
  private readonly sessions = new Map<string, Entry>();
  private readonly pending: (SendEvent | ServiceEvent)[] = [];

  constructor(private readonly options: IkeResponderServiceOptions) {
    this.init = new IkeInitResponder(options.ctx, options.ike, { cookieThreshold: options.cookieThreshold });
  }

  /** IKE SAs that have not finished IKE_AUTH. */
  get halfOpen(): number {
    let n = 0;
    for (const e of this.sessions.values()) if (e.session.state === 'ike-auth') n++;
    return n;
  }

  get size(): number {
    return this.sessions.size;
  }

  receive(datagram: Uint8Array, localPort: number, from: Endpoint): void {
    let message = datagram;
    if (localPort === IKE_NAT_T_PORT) {
      try {
        const d = classifyPort4500(datagram);
        if (d.kind !== 'ike') return;
        message = d.message;
      } catch {
        return;
      }
    }
    if (message.length < 28) return;
    const spiI = message.subarray(0, 8);
    const spiR = message.subarray(8, 16);
    if (spiR.every((b) => b === 0)) {
      if (message[18] !== ExchangeType.IKE_SA_INIT || (message[19] & 0x20) !== 0) return;
      // A retransmitted first request is answered by the session it created (§2.1).
      for (const e of this.sessions.values()) {
        const sa = e.session.ikeSa;
        if (sa !== undefined && bytesEqual(sa.initiatorSpi, spiI) && bytesEqual(sa.requestMessage, message)) {
          e.session.receive(datagram, localPort, from);
          this.collect(e.session);
          return;
        }
      }
      const local = { ...this.options.local, port: localPort };
      const halfOpen = this.halfOpen;
      if (halfOpen >= (this.options.maxHalfOpen ?? 1000)) return;
      const out = this.init.processRequest(message, { local, remote: from }, halfOpen);
      if (out.kind === 'dropped') return;
      if (out.kind === 'refused') {
        this.pending.push({ type: 'send', datagram: out.response, from: local, to: from });
        return;
      }
      const session = IkeResponderSession.afterIkeSaInit(
        { ctx: this.options.ctx, ike: this.options.ike, local, remote: from, retransmit: this.options.retransmit },
        this.options.auth,
        out.sa,
      );
      this.sessions.set(toHex(out.sa.initiatorSpi) + toHex(out.sa.responderSpi), { session, createdAt: this.options.ctx.clock.now() });
      this.pending.push({ type: 'send', datagram: out.response, from: local, to: from });
      this.collect(session);
      return;
    }
    const entry = this.sessions.get(toHex(spiI) + toHex(spiR));
    if (entry === undefined) return;
    entry.session.receive(datagram, localPort, from);
    this.collect(entry.session);
  }

  private collect(session: IkeResponderSession): void {
    for (const event of session.poll()) {
      if (event.type === 'send') this.pending.push(event);
      else this.pending.push({ type: 'session', session, event });
      if (event.type === 'ike-rekeyed') {
        // The session now answers to the new IKE SA's SPIs.
        const key = toHex(event.old.initiatorSpi) + toHex(event.old.responderSpi);
        const entry = this.sessions.get(key);
        if (entry !== undefined) {
          this.sessions.delete(key);
          this.sessions.set(toHex(event.sa.initiatorSpi) + toHex(event.sa.responderSpi), entry);
        }
      }
    }
    if (session.state === 'deleted' || session.state === 'failed') {
      for (const [k, e] of this.sessions) if (e.session === session) this.sessions.delete(k);
    }
  }

  poll(): (SendEvent | ServiceEvent)[] {
    return this.pending.splice(0);
  }

  get nextDeadline(): number | undefined {
    let next: number | undefined;
    const timeout = this.options.halfOpenTimeoutMs ?? 30_000;
    for (const e of this.sessions.values()) {
      const d = e.session.nextDeadline;
      if (d !== undefined && (next === undefined || d < next)) next = d;
      if (timeout !== undefined && e.session.state === 'ike-auth') {
        const expiry = e.createdAt + timeout;
        if (next === undefined || expiry < next) next = expiry;
      }
    }
    return next;
  }

  tick(now: number): void {
    const timeout = this.options.halfOpenTimeoutMs ?? 30_000;
    for (const [k, e] of [...this.sessions]) {
      if (timeout !== undefined && e.session.state === 'ike-auth' && now >= e.createdAt + timeout) {
        this.sessions.delete(k);
        continue;
      }
      e.session.tick(now);
      this.collect(e.session);
    }
  }

  /** Deletes every established IKE SA (INFORMATIONAL { D(IKE) } to each peer). */
  closeAll(): void {
    for (const e of [...this.sessions.values()]) {
      e.session.close();
      this.collect(e.session);
    }
  }
}
