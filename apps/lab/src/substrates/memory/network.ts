/**
 * The `memory` substrate: an in-process IPv4 network of hosts joined by point-to-point links with
 * programmable delay, jitter, loss, reordering, duplication, bandwidth and MTU, on a virtual clock
 * and a seeded random source, with taps that see every packet as an on-path observer would.
 *
 * Hosts route by longest prefix, forward when they are gateways, and expose hooks where a
 * gateway's IPsec processing (ESP encapsulation and decapsulation) plugs in.
 */
import type { RandomSource } from '@layersec/crypto-primitives';
import { decodeIpv4Header, formatIpAddress, parseIpAddress, setIpv4HeaderChecksum } from '@layersec/esp';
import { EventLoop } from './event-loop.js';

export interface Impairments {
  /** One-way propagation delay in ms. */
  delayMs?: number;
  /** Uniform extra delay in [0, jitterMs). Jitter alone can reorder packets. */
  jitterMs?: number;
  /** Probability that a packet is lost. */
  loss?: number;
  /** Probability that a packet is held back by `reorderDelayMs` so later ones overtake it. */
  reorder?: number;
  reorderDelayMs?: number;
  /** Probability that a packet is delivered twice. */
  duplicate?: number;
  /** Serialisation rate of the link in Mbit/s (unlimited when absent). */
  bandwidthMbps?: number;
  /** Largest IP packet the link carries; larger ones are dropped and counted. Default 1500. */
  mtu?: number;
}

export interface TappedPacket {
  timeMs: number;
  link: string;
  /** The host that put the packet on the link. */
  from: string;
  to: string;
  packet: Uint8Array;
  /** What the link did to it. */
  fate: 'delivered' | 'lost' | 'duplicated' | 'too-big';
}

export type Tap = (p: TappedPacket) => void;

export interface LinkCounters {
  sent: number;
  lost: number;
  duplicated: number;
  tooBig: number;
  bytes: number;
}

/** Unit-interval floats from a RandomSource (32 bits each). */
function uniform(random: RandomSource): number {
  const b = random.randomBytes(4);
  return (((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0) / 2 ** 32;
}

export class Interface {
  link!: Link;
  constructor(
    readonly host: Host,
    readonly name: string,
    readonly address: string,
    readonly prefixLength: number,
  ) {}
  get peer(): Interface {
    return this.link.a === this ? this.link.b : this.link.a;
  }
}

export class Link {
  readonly counters: LinkCounters = { sent: 0, lost: 0, duplicated: 0, tooBig: 0, bytes: 0 };
  private readonly busyUntil = new Map<Interface, number>();

  constructor(
    readonly network: MemoryNetwork,
    readonly name: string,
    readonly a: Interface,
    readonly b: Interface,
    public impairments: Impairments,
  ) {}

  transmit(from: Interface, packet: Uint8Array): void {
    const net = this.network;
    const to = from === this.a ? this.b : this.a;
    const imp = this.impairments;
    const now = net.loop.now();
    const tap = (fate: TappedPacket['fate']) =>
      net.emitTap({ timeMs: now, link: this.name, from: from.host.name, to: to.host.name, packet, fate });
    this.counters.sent++;
    this.counters.bytes += packet.length;
    if (packet.length > (imp.mtu ?? 1500)) {
      this.counters.tooBig++;
      tap('too-big');
      return;
    }
    if (imp.loss && uniform(net.random) < imp.loss) {
      this.counters.lost++;
      tap('lost');
      return;
    }
    // Serialisation: a packet leaves after the ones queued before it on this side of the link.
    let departs = now;
    if (imp.bandwidthMbps) {
      departs = Math.max(now, this.busyUntil.get(from) ?? 0) + (packet.length * 8) / (imp.bandwidthMbps * 1000);
      this.busyUntil.set(from, departs);
    }
    const arrival = () => {
      let t = departs + (imp.delayMs ?? 0);
      if (imp.jitterMs) t += uniform(net.random) * imp.jitterMs;
      if (imp.reorder && uniform(net.random) < imp.reorder) t += imp.reorderDelayMs ?? 2 * (imp.delayMs ?? 1) + 1;
      return t;
    };
    const copies = imp.duplicate && uniform(net.random) < imp.duplicate ? 2 : 1;
    if (copies === 2) this.counters.duplicated++;
    tap(copies === 2 ? 'duplicated' : 'delivered');
    for (let i = 0; i < copies; i++) {
      const bytes = packet.slice();
      net.loop.at(arrival(), () => to.host.receive(to, bytes));
    }
  }
}

interface Route {
  network: number;
  prefixLength: number;
  iface: Interface;
  /** Next hop's address, for display only: links are point-to-point. */
  via?: string;
}

export type ProtocolHandler = (packet: Uint8Array, ipHeaderLength: number) => void;

/**
 * Where IPsec plugs in: `outbound` sees every packet this host sends or forwards and returns what to
 * put on the wire instead (e.g. the ESP-protected packet; [] to discard); `inbound` sees every packet
 * arriving and returns what to process further (e.g. the decapsulated inner packet; [] to drop).
 */
export interface PacketHooks {
  outbound?: (packet: Uint8Array) => Uint8Array[];
  inbound?: (packet: Uint8Array) => Uint8Array[];
}

function ipv4ToNumber(address: string): number {
  const b = parseIpAddress(address);
  if (b.length !== 4) throw new Error(`the memory substrate is IPv4-only: ${address}`);
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

function maskOf(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

export class Host {
  readonly interfaces: Interface[] = [];
  /** Addresses the host answers to besides its interfaces' (e.g. a protected inner address). */
  readonly extraAddresses: string[] = [];
  private readonly routes: Route[] = [];
  private readonly handlers = new Map<number, ProtocolHandler>();
  hooks: PacketHooks = {};
  forwarding = false;
  /** Packets this host could not route, or that were addressed to no one here. */
  readonly drops = { noRoute: 0, noHandler: 0, ttlExceeded: 0, malformed: 0 };
  private ipId = 1;

  constructor(
    readonly network: MemoryNetwork,
    readonly name: string,
  ) {}

  /** The host's first address: what it uses as the source of packets it originates. */
  get address(): string {
    return this.extraAddresses[0] ?? this.interfaces[0]?.address;
  }

  addresses(): string[] {
    return [...this.interfaces.map((i) => i.address), ...this.extraAddresses];
  }

  ownsAddress(address: string): boolean {
    return this.addresses().includes(address);
  }

  addRoute(prefix: string, iface: Interface, via?: string): void {
    const [addr, len] = prefix.split('/');
    const prefixLength = len === undefined ? 32 : Number(len);
    this.routes.push({ network: ipv4ToNumber(addr) & maskOf(prefixLength), prefixLength, iface, via });
    this.routes.sort((x, y) => y.prefixLength - x.prefixLength);
  }

  onProtocol(protocol: number, handler: ProtocolHandler): void {
    this.handlers.set(protocol, handler);
  }

  nextIpId(): number {
    this.ipId = (this.ipId + 1) & 0xffff;
    return this.ipId;
  }

  /** Sends (or forwards) an IPv4 packet: hooks first, then longest-prefix routing. */
  send(packet: Uint8Array): void {
    const out = this.hooks.outbound ? this.hooks.outbound(packet) : [packet];
    for (const p of out) this.route(p);
  }

  private route(packet: Uint8Array): void {
    let dst: number;
    try {
      dst = ipv4ToNumber(formatIpAddress(decodeIpv4Header(packet).destination));
    } catch {
      this.drops.malformed++;
      return;
    }
    const r = this.routes.find((x) => (dst & maskOf(x.prefixLength)) === x.network);
    if (!r) {
      this.drops.noRoute++;
      return;
    }
    r.iface.link.transmit(r.iface, packet);
  }

  receive(_iface: Interface, packet: Uint8Array): void {
    const packets = this.hooks.inbound ? this.hooks.inbound(packet) : [packet];
    for (const p of packets) this.accept(p);
  }

  private accept(packet: Uint8Array): void {
    let header;
    try {
      header = decodeIpv4Header(packet);
    } catch {
      this.drops.malformed++;
      return;
    }
    const dst = formatIpAddress(header.destination);
    if (this.ownsAddress(dst)) {
      const handler = this.handlers.get(header.protocol);
      if (handler) handler(packet, 20 + header.options.length);
      else this.drops.noHandler++;
      return;
    }
    if (!this.forwarding) {
      this.drops.noHandler++;
      return;
    }
    if (packet[8] <= 1) {
      this.drops.ttlExceeded++;
      return;
    }
    const fwd = packet.slice();
    fwd[8]--;
    setIpv4HeaderChecksum(fwd);
    this.send(fwd);
  }
}

export interface MemoryNetworkOptions {
  random: RandomSource;
  startMs?: number;
}

export class MemoryNetwork {
  readonly loop: EventLoop;
  readonly random: RandomSource;
  readonly hosts = new Map<string, Host>();
  readonly links: Link[] = [];
  private readonly taps: Tap[] = [];

  constructor(options: MemoryNetworkOptions) {
    this.loop = new EventLoop(options.startMs ?? 0);
    this.random = options.random;
  }

  addHost(name: string, options: { forwarding?: boolean; extraAddresses?: string[] } = {}): Host {
    if (this.hosts.has(name)) throw new Error(`host ${name} exists`);
    const h = new Host(this, name);
    h.forwarding = options.forwarding ?? false;
    h.extraAddresses.push(...(options.extraAddresses ?? []));
    this.hosts.set(name, h);
    return h;
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  /**
   * Joins two hosts with a link; `aAddress`/`bAddress` are CIDR ("10.0.0.1/24"). Each side gets a
   * route to the link's subnet, and to everything the other side owns when `defaultRoute` asks.
   */
  connect(a: Host, aAddress: string, b: Host, bAddress: string, impairments: Impairments = {}): Link {
    const [aAddr, aLen] = aAddress.split('/');
    const [bAddr, bLen] = bAddress.split('/');
    const ia = new Interface(a, `${a.name}-eth${a.interfaces.length}`, aAddr, Number(aLen ?? 32));
    const ib = new Interface(b, `${b.name}-eth${b.interfaces.length}`, bAddr, Number(bLen ?? 32));
    const link = new Link(this, `${a.name}<->${b.name}`, ia, ib, impairments);
    ia.link = link;
    ib.link = link;
    a.interfaces.push(ia);
    b.interfaces.push(ib);
    a.addRoute(`${bAddr}/32`, ia);
    b.addRoute(`${aAddr}/32`, ib);
    if (ia.prefixLength < 32) a.addRoute(`${aAddr}/${ia.prefixLength}`, ia);
    if (ib.prefixLength < 32) b.addRoute(`${bAddr}/${ib.prefixLength}`, ib);
    this.links.push(link);
    return link;
  }

  link(name: string): Link {
    const l = this.links.find((x) => x.name === name);
    if (!l) throw new Error(`no link ${name}`);
    return l;
  }

  /** Observes every packet put on any link; returns a function that removes the tap. */
  tap(fn: Tap): () => void {
    this.taps.push(fn);
    return () => {
      const i = this.taps.indexOf(fn);
      if (i >= 0) this.taps.splice(i, 1);
    };
  }

  emitTap(p: TappedPacket): void {
    for (const t of this.taps) t(p);
  }
}

