/**
 * The VPN gateway: one connection of a swanctl.conf-style file brought up as a tunnel-mode IPsec
 * gateway in this network namespace.
 *
 *   TUN device  --(routes for remote_ts)-->  read inner packet --> SPD / outbound SA (ESP) -->
 *        ^                                       UDP 4500 (NAT-T) or IP protocol 50 --> peer
 *        '-- write inner packet <-- inbound SA (ICV, replay, selectors) <-- ESP from the peer
 *
 * IKEv2 runs through @layersec/ikev2's session (initiating when the child says
 * `start_action = start`, otherwise answering the peer's IKE_SA_INIT); each Child SA it reports
 * (first one, rekeyed ones) is installed in the ESP path, and removed when it is deleted. On a
 * rekey the outbound traffic moves to the new SA at once while the old inbound SA stays until its
 * Delete, so traffic in flight is not dropped (RFC 7296 §2.8). `stop()` deletes the IKE SA with
 * an INFORMATIONAL Delete, then removes the routes and the TUN device.
 */
import { secureRandom } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import {
  type ChildSaResult,
  type Endpoint,
  type IkeEvent,
  type IkeSaInitResult,
  DhId,
  EncrId,
  IntegId,
  IkeInitiatorSession,
  IkeResponderSession,
  PrfId,
  formatIpAddress,
  monotonicClock,
  parseIpAddress,
  registryName,
} from '@layersec/ikev2';
import { toHex } from '@layersec/wire';
import { IkeEspUdp, NAT_T_PORT, RawEsp, rawEspUnavailable, type Peer } from './carriers.js';
import type { GatewayConfig } from './config.js';
import { EspPath, type ChildCounters } from './esp-path.js';
import { RouteTable } from './routes.js';
import { TunDevice, ip } from './tun.js';

export interface GatewayOptions {
  config: GatewayConfig;
  /** TUN interface name (default `vpn-` and the connection name, cut to 15 characters). */
  tunName?: string;
  /** Always UDP-encapsulate (NAT-T, port 4500), as strongSwan's `encap = yes`; else only when a NAT is seen or raw sockets are unavailable. */
  encapsulate?: boolean;
  /** MTU of the TUN device (default 1400, leaving room for the outer IPv4, UDP and ESP headers). */
  mtu?: number;
  log?: (line: string) => void;
}

type Session = IkeInitiatorSession | IkeResponderSession;

/** Pause before an initiation that got no answer is tried again. */
const RETRY_MS = 5000;

interface InstalledChild {
  sa: ChildSaResult;
  session: Session;
  state: 'INSTALLED' | 'REKEYED';
  installedAt: number;
  natT: boolean;
}

export interface ChildStatus {
  name: string;
  state: 'INSTALLED' | 'REKEYED';
  mode: 'TUNNEL' | 'TUNNEL-in-UDP';
  proposal: string;
  inboundSpi: string;
  outboundSpi: string;
  counters: ChildCounters;
  localTs: string[];
  remoteTs: string[];
  installedSeconds: number;
}

export interface IkeSaStatus {
  state: string;
  role: 'initiator' | 'responder';
  initiatorSpi: string;
  responderSpi: string;
  proposal: string;
  natT: boolean;
  establishedSeconds: number;
}

export interface GatewayStatus {
  connection: string;
  local: { id: string; address: string; port: number };
  remote: { id: string; address: string; port: number };
  ikeSas: IkeSaStatus[];
  children: ChildStatus[];
  carrier: 'udp-4500' | 'raw-esp';
  tun: { name: string; rxPackets: number; txPackets: number };
  drops: Record<string, number>;
  rekeys: number;
}

function proposalName(t: { encr: { id: number; keyLength?: number }; integ?: number; prf?: number; dh?: number }): string {
  const parts = [`${registryName(EncrId, t.encr.id).replace(/^ENCR_/, '')}${t.encr.keyLength !== undefined ? `-${t.encr.keyLength}` : ''}`];
  if (t.integ !== undefined && t.integ !== 0) parts.push(registryName(IntegId, t.integ).replace(/^AUTH_/, ''));
  if (t.prf !== undefined) parts.push(registryName(PrfId, t.prf));
  if (t.dh !== undefined && t.dh !== 0) parts.push(registryName(DhId, t.dh));
  return parts.join('/');
}

export class VpnGateway {
  private readonly config: GatewayConfig;
  private readonly log: (line: string) => void;
  private readonly local: Endpoint;
  private readonly remote: Endpoint;
  private readonly esp: EspPath;
  private readonly sessions: { session: Session; establishedAt?: number }[] = [];
  private readonly children: InstalledChild[] = [];
  private udp: IkeEspUdp | undefined;
  private raw: RawEsp | undefined;
  private tun: TunDevice | undefined;
  private routes: RouteTable | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly forceEncapsulation: boolean;
  private stopping = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private rekeys = 0;
  private readonly started = monotonicClock.now();
  private readonly waiters: { match: (e: IkeEvent) => boolean; resolve: (e: IkeEvent) => void }[] = [];

  private constructor(private readonly options: GatewayOptions) {
    this.config = options.config;
    this.log = options.log ?? (() => undefined);
    this.local = { address: parseIpAddress(this.config.localAddress)!, port: 500 };
    this.remote = { address: parseIpAddress(this.config.remoteAddress)!, port: 500 };
    const noRaw = rawEspUnavailable();
    this.forceEncapsulation = options.encapsulate === true || noRaw !== undefined;
    if (noRaw !== undefined && options.encapsulate !== true) this.log(`raw ESP unavailable (${noRaw}): asking for UDP encapsulation`);
    this.esp = new EspPath(nodeProvider, this.config.localAddress, this.config.remoteAddress);
  }

  /** Opens the TUN device, routes the remote subnets into it, binds IKE and starts (or awaits) the IKE SA. */
  static async start(options: GatewayOptions): Promise<VpnGateway> {
    const g = new VpnGateway(options);
    try {
      await g.open();
    } catch (e) {
      g.teardown();
      throw e;
    }
    return g;
  }

  private async open(): Promise<void> {
    const name = (this.options.tunName ?? `vpn-${this.config.connection}`).slice(0, 15);
    this.tun = TunDevice.open(name, { highWaterMark: 512 });
    ip('link', 'set', 'dev', this.tun.name, 'mtu', String(this.options.mtu ?? 1400), 'up');
    this.routes = new RouteTable(this.tun.name);
    for (const r of this.routes.install(this.config.remoteTs, this.config.localTs)) this.log(`route ${r}`);
    this.udp = new IkeEspUdp(this.config.localAddress, {
      ike: (d, port, from) => this.onIke(d, port, from),
      esp: (p) => this.onEsp(p),
    });
    await this.udp.open();
    if (!this.forceEncapsulation) this.raw = new RawEsp(this.config.remoteAddress, (p) => this.onEsp(p));
    void this.pumpTun(this.tun);
    if (this.config.initiate) this.initiate();
    else this.log(`waiting for ${this.config.remoteAddress} to initiate '${this.config.connection}'`);
  }

  // ------------------------------------------------------------------------------------------
  // IKE

  private sessionOptions() {
    return {
      ctx: { provider: nodeProvider, random: secureRandom, clock: monotonicClock },
      ike: { proposals: this.config.ikeProposals, forceEncapsulation: this.forceEncapsulation },
      local: this.local,
      remote: this.remote,
      lifetimes: {
        ...(this.config.ikeRekeyMs !== undefined ? { ikeRekeyMs: this.config.ikeRekeyMs } : {}),
        ...(this.config.childRekeyMs !== undefined ? { childRekeyMs: this.config.childRekeyMs } : {}),
        ...(this.config.dpdDelayMs !== undefined ? { dpdDelayMs: this.config.dpdDelayMs } : {}),
      },
    };
  }

  /** IKE_SA_INIT --> for the configured connection and its first Child SA. */
  initiate(): void {
    const session = new IkeInitiatorSession(this.sessionOptions(), {
      localId: this.config.localId,
      remoteId: this.config.remoteId,
      sharedSecret: this.config.sharedSecret,
      initialContact: true,
      child: this.config.childConfig,
    });
    this.sessions.push({ session });
    this.log(`initiating '${this.config.connection}' to ${this.config.remoteAddress}`);
    session.start();
    this.pump();
  }

  private newResponder(): Session {
    const remoteId = this.config.remoteId;
    const same = (a: { idType: number; identificationData: Uint8Array }) =>
      a.idType === remoteId.idType && toHex(a.identificationData) === toHex(remoteId.identificationData);
    const secret = this.config.sharedSecret;
    const session = new IkeResponderSession(this.sessionOptions(), {
      localId: this.config.localId,
      sharedSecretFor: (id) => (same(id) ? secret : undefined),
      child: this.config.childConfig,
    });
    this.sessions.push({ session });
    return session;
  }

  private onIke(datagram: Uint8Array, port: number, from: Peer): void {
    if (from.address !== this.config.remoteAddress) return;
    const m = port === NAT_T_PORT ? datagram.subarray(4) : datagram;
    if (m.length < 28) return;
    const spiI = toHex(m.subarray(0, 8));
    const spiR = toHex(m.subarray(8, 16));
    const isInitRequest = spiR === '0000000000000000' && m[18] === 34 && (m[19] & 0x20) === 0;
    const fromEndpoint = { address: parseIpAddress(from.address)!, port: from.port };
    let target = this.sessions.find(({ session }) => {
      const sa = session.ikeSa;
      return sa !== undefined && toHex(sa.initiatorSpi) === spiI && (isInitRequest || toHex(sa.responderSpi) === spiR);
    })?.session;
    // While stopping, only the answers to our Deletes are of interest.
    if (target === undefined && isInitRequest && !this.stopping) {
      // Our own IKE_SA_INIT in flight: simultaneous initiation is not resolved here; the peer
      // retransmits and is answered once ours has settled.
      if (this.sessions.some(({ session }) => session instanceof IkeInitiatorSession && session.state === 'ike-sa-init')) return;
      this.log(`IKE_SA_INIT from ${from.address}[${from.port}]`);
      target = this.newResponder();
    }
    if (target === undefined && !isInitRequest) {
      // A message for an IKE SA we do not know by SPIs (e.g. the new SA of an IKE rekey): the
      // newest session decides (it checks the message's integrity).
      target = this.sessions[this.sessions.length - 1]?.session;
    }
    target?.receive(datagram, port, fromEndpoint);
    this.pump();
  }

  private pump(): void {
    for (const entry of [...this.sessions]) {
      for (const e of entry.session.poll()) {
        if (e.type === 'send') {
          this.udp?.send(e.from.port, e.datagram, { address: formatIpAddress(e.to.address), port: e.to.port });
          continue;
        }
        this.onEvent(entry, e);
        for (const w of [...this.waiters]) {
          if (w.match(e)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(e);
          }
        }
      }
    }
    // Forget sessions that ended.
    for (let i = this.sessions.length - 1; i >= 0; i--) {
      const s = this.sessions[i].session.state;
      if (s === 'deleted' || s === 'failed') this.sessions.splice(i, 1);
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    let next: number | undefined;
    for (const { session } of this.sessions) {
      const d = session.nextDeadline;
      if (d !== undefined && (next === undefined || d < next)) next = d;
    }
    if (next !== undefined) {
      this.timer = setTimeout(() => {
        const now = monotonicClock.now();
        for (const { session } of this.sessions) session.tick(now);
        this.pump();
      }, Math.max(0, next - monotonicClock.now()));
    }
  }

  private onEvent(entry: { session: Session; establishedAt?: number }, e: Exclude<IkeEvent, { type: 'send' }>): void {
    const session = entry.session;
    switch (e.type) {
      case 'established': {
        entry.establishedAt = monotonicClock.now();
        this.log(`IKE SA ${toHex(e.sa.initiatorSpi)}_i ${toHex(e.sa.responderSpi)}_r established with ${this.config.remoteIdText} (${proposalName(e.sa.transforms)})${e.sa.useNatT ? ', NAT-T' : ''}`);
        // A new IKE SA with the peer replaces any older one (the peer restarted or re-initiated).
        for (const old of this.sessions) if (old.session !== session) this.dropSession(old.session, 'replaced');
        if (e.auth.child.kind === 'established') this.install(session, e.auth.child.sa, e.sa);
        else this.log(`Child SA refused by the peer: ${e.auth.child.notifyType}`);
        break;
      }
      case 'child-created': {
        const sa = session.ikeSa;
        if (sa === undefined) break;
        if (e.rekeys !== undefined) {
          const old = this.children.find((c) => c.sa === e.rekeys);
          if (old !== undefined) old.state = 'REKEYED';
          this.rekeys++;
        }
        this.install(session, e.child, sa, e.rekeys);
        break;
      }
      case 'child-deleted':
        this.uninstall(e.child, `deleted by ${e.by === 'local' ? 'us' : 'the peer'}`);
        break;
      case 'ike-rekeyed':
        this.log(`IKE SA rekeyed: ${toHex(e.sa.initiatorSpi)}_i ${toHex(e.sa.responderSpi)}_r replaces ${toHex(e.old.initiatorSpi)}_i`);
        break;
      case 'deleted':
        this.log(`IKE SA deleted by ${e.by === 'local' ? 'us' : 'the peer'}`);
        this.dropChildrenOf(session);
        break;
      case 'failed':
        this.log(`IKE SA failed: ${e.error.message}`);
        this.dropChildrenOf(session);
        // start_action = start: an initiation that got no answer (the peer not up yet) is tried
        // again, as charon retries its start; a refusal by the peer is not.
        if (this.config.initiate && session instanceof IkeInitiatorSession && session.ikeSa === undefined && !this.stopping) {
          this.log(`initiating again in ${RETRY_MS / 1000} s`);
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            if (!this.stopping && !this.sessions.some((s) => s.session.state === 'established')) this.initiate();
          }, RETRY_MS);
        }
        break;
      default:
        break;
    }
  }

  private dropSession(session: Session, why: string): void {
    this.dropChildrenOf(session);
    const i = this.sessions.findIndex((s) => s.session === session);
    if (i >= 0) this.sessions.splice(i, 1);
    this.log(`older IKE SA ${why}`);
  }

  private dropChildrenOf(session: Session): void {
    for (const c of [...this.children]) if (c.session === session) this.uninstall(c.sa, 'its IKE SA ended');
  }

  private install(session: Session, sa: ChildSaResult, ike: IkeSaInitResult, replaces?: ChildSaResult): void {
    const natT = ike.useNatT;
    this.esp.install(sa, { natT, replaces });
    this.children.push({ sa, session, state: 'INSTALLED', installedAt: monotonicClock.now(), natT });
    this.log(
      `Child SA '${this.config.child}' installed: in ${toHex(sa.inboundSpi)}, out ${toHex(sa.outboundSpi)} (${proposalName(sa.transforms)}), ${natT ? 'TUNNEL-in-UDP' : 'TUNNEL'}${replaces !== undefined ? `, rekeying ${toHex(replaces.inboundSpi)}` : ''}`,
    );
  }

  private uninstall(sa: ChildSaResult, why: string): void {
    const i = this.children.findIndex((c) => c.sa === sa);
    if (i < 0) return;
    this.children.splice(i, 1);
    this.esp.remove(sa);
    this.log(`Child SA in ${toHex(sa.inboundSpi)}, out ${toHex(sa.outboundSpi)} removed: ${why}`);
  }

  /** Rekeys the newest Child SA now (CREATE_CHILD_SA with N(REKEY_SA)), as its soft lifetime would. */
  rekeyChild(): boolean {
    const c = [...this.children].reverse().find((x) => x.state === 'INSTALLED');
    if (c === undefined) return false;
    c.session.rekeyChild(c.sa);
    this.pump();
    return true;
  }

  // ------------------------------------------------------------------------------------------
  // Packets

  private async pumpTun(tun: TunDevice): Promise<void> {
    for await (const packet of tun) {
      const out = this.esp.protect(packet);
      if (out === undefined) continue;
      if (out.natT) this.udp?.send(NAT_T_PORT, out.packet, { address: this.config.remoteAddress, port: NAT_T_PORT });
      else this.raw?.send(out.packet);
    }
  }

  private onEsp(packet: Uint8Array): void {
    const inner = this.esp.unprotect(packet);
    if (inner === undefined || this.tun === undefined || this.tun.closed) return;
    this.tun.write(inner).catch(() => undefined);
  }

  // ------------------------------------------------------------------------------------------

  status(): GatewayStatus {
    const now = monotonicClock.now();
    const ikeSas: IkeSaStatus[] = [];
    for (const { session, establishedAt } of this.sessions) {
      const sa = session.ikeSa;
      if (sa === undefined) continue;
      ikeSas.push({
        state: session.state.toUpperCase(),
        role: sa.role,
        initiatorSpi: toHex(sa.initiatorSpi),
        responderSpi: toHex(sa.responderSpi),
        proposal: proposalName(sa.transforms),
        natT: sa.useNatT,
        establishedSeconds: establishedAt === undefined ? 0 : Math.round((now - establishedAt) / 1000),
      });
    }
    return {
      connection: this.config.connection,
      local: { id: this.config.localIdText, address: this.config.localAddress, port: this.sessions.some((s) => s.session.ikeSa?.useNatT) ? NAT_T_PORT : 500 },
      remote: { id: this.config.remoteIdText, address: this.config.remoteAddress, port: this.sessions.some((s) => s.session.ikeSa?.useNatT) ? NAT_T_PORT : 500 },
      ikeSas,
      children: this.children.map((c) => ({
        name: this.config.child,
        state: c.state,
        mode: c.natT ? 'TUNNEL-in-UDP' : 'TUNNEL',
        proposal: proposalName(c.sa.transforms),
        inboundSpi: toHex(c.sa.inboundSpi),
        outboundSpi: toHex(c.sa.outboundSpi),
        counters: this.esp.counters(c.sa),
        localTs: this.config.localTs,
        remoteTs: this.config.remoteTs,
        installedSeconds: Math.round((now - c.installedAt) / 1000),
      })),
      carrier: this.forceEncapsulation ? 'udp-4500' : 'raw-esp',
      tun: { name: this.tun?.name ?? '', rxPackets: this.tun?.counters.rxPackets ?? 0, txPackets: this.tun?.counters.txPackets ?? 0 },
      drops: this.esp.drops(),
      rekeys: this.rekeys,
    };
  }

  /** The Child SAs' keys as Wireshark `esp_sa` rows (for decrypting a capture of the link). */
  espSaRows(): string[] {
    return this.esp.wiresharkRows();
  }

  /**
   * INFORMATIONAL { D(IKE) } --> for every IKE SA (its Child SAs go with it, §1.4.1), waiting up
   * to `timeoutMs` for the answers; then the routes, the TUN device and the sockets are removed.
   */
  async stop(timeoutMs = 3000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const live = this.sessions.filter(({ session }) => session.state === 'established');
    const done = Promise.all(
      live.map(
        ({ session }) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(resolve, timeoutMs);
            const w = {
              match: (e: IkeEvent) => (e.type === 'deleted' || e.type === 'failed') && session.state !== 'established' && session.state !== 'deleting',
              resolve: () => {
                clearTimeout(t);
                resolve();
              },
            };
            this.waiters.push(w);
          }),
      ),
    );
    for (const { session } of live) session.close();
    this.pump();
    await done;
    this.teardown();
  }

  private teardown(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const c of [...this.children]) this.uninstall(c.sa, 'gateway stopping');
    this.routes?.removeAll();
    this.tun?.close();
    this.udp?.close();
    this.raw?.close();
    this.udp = undefined;
    this.raw = undefined;
    this.log(`gateway '${this.config.connection}' stopped after ${Math.round((monotonicClock.now() - this.started) / 1000)} s`);
  }
}
