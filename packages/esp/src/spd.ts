/**
 * The Security Policy Database (RFC 4301 §4.4.1): an ordered list of rules, each a set of
 * selectors and an action — PROTECT (with an SA), BYPASS, or DISCARD. The first rule whose
 * selectors match a packet decides (§4.4.1: "the SPD is ordered"). Selectors here are the ones
 * §4.4.1.1 names for IP traffic: local and remote address (prefix), Next Layer Protocol, and
 * local and remote port (range) for TCP, UDP and SCTP.
 *
 * Traffic is matched from this host's point of view: outbound, local = source; inbound, local =
 * destination. The same selectors attached to an inbound SA check a decapsulated packet (§5.2).
 */
import { DecodeError } from '@layersec/wire';
import { IpProtocol } from './constants.js';
import { IPV6_HEADER_LENGTH, ipv6HeaderChain, parseIpAddress } from './ip.js';

export type PolicyAction = 'PROTECT' | 'BYPASS' | 'DISCARD';

/** Selectors as written (configuration / JSON). Omitted members match anything. */
export interface TrafficSelector {
  /** Address or prefix: "10.0.0.0/8", "2001:db8::/32", "192.0.2.1". */
  localAddress?: string;
  remoteAddress?: string;
  /** Next Layer Protocol number (6 TCP, 17 UDP, 58 ICMPv6, ...). */
  protocol?: number;
  /** A port or an inclusive [low, high] range. */
  localPort?: number | [number, number];
  remotePort?: number | [number, number];
}

export interface SpdRule {
  name?: string;
  selector: TrafficSelector;
  action: PolicyAction;
  /** For PROTECT: the SPI of the outbound SA that protects the traffic. */
  spi?: number;
}

interface Prefix {
  bytes: Uint8Array;
  bits: number;
}

/** Selectors compiled for matching. */
export class CompiledSelector {
  private readonly local: Prefix | null;
  private readonly remote: Prefix | null;
  private readonly protocol: number;
  private readonly localPorts: [number, number] | null;
  private readonly remotePorts: [number, number] | null;

  constructor(readonly selector: TrafficSelector) {
    this.local = selector.localAddress ? parsePrefix(selector.localAddress) : null;
    this.remote = selector.remoteAddress ? parsePrefix(selector.remoteAddress) : null;
    if (this.local && this.remote && this.local.bytes.length !== this.remote.bytes.length) {
      throw new RangeError('local and remote selectors are of different IP versions');
    }
    this.protocol = selector.protocol ?? -1;
    this.localPorts = portRange(selector.localPort);
    this.remotePorts = portRange(selector.remotePort);
  }

  /** Whether a packet summary matches, with `outbound` choosing which side is local. */
  matches(p: PacketSelectors, outbound: boolean): boolean {
    const localAddr = outbound ? p.source : p.destination;
    const remoteAddr = outbound ? p.destination : p.source;
    if (this.local && !prefixMatches(this.local, localAddr)) return false;
    if (this.remote && !prefixMatches(this.remote, remoteAddr)) return false;
    if (this.protocol >= 0 && this.protocol !== p.protocol) return false;
    if (this.localPorts || this.remotePorts) {
      if (p.sourcePort < 0) return false; // ports selected, but this packet has none (RFC 4301 §4.4.1.1 OPAQUE)
      const lp = outbound ? p.sourcePort : p.destinationPort;
      const rp = outbound ? p.destinationPort : p.sourcePort;
      if (this.localPorts && (lp < this.localPorts[0] || lp > this.localPorts[1])) return false;
      if (this.remotePorts && (rp < this.remotePorts[0] || rp > this.remotePorts[1])) return false;
    }
    return true;
  }
}

function portRange(p: number | [number, number] | undefined): [number, number] | null {
  if (p === undefined) return null;
  const r: [number, number] = typeof p === 'number' ? [p, p] : p;
  if (!(r[0] >= 0 && r[1] <= 65535 && r[0] <= r[1])) throw new RangeError(`bad port selector ${JSON.stringify(p)}`);
  return r;
}

function parsePrefix(text: string): Prefix {
  const [addr, len] = text.split('/');
  const bytes = parseIpAddress(addr);
  const bits = len === undefined ? bytes.length * 8 : Number(len);
  if (!Number.isInteger(bits) || bits < 0 || bits > bytes.length * 8) throw new RangeError(`bad prefix length in ${text}`);
  return { bytes, bits };
}

function prefixMatches(prefix: Prefix, addr: Uint8Array): boolean {
  if (addr.length !== prefix.bytes.length) return false;
  const full = prefix.bits >>> 3;
  for (let i = 0; i < full; i++) if (addr[i] !== prefix.bytes[i]) return false;
  const rest = prefix.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (addr[full] & mask) === (prefix.bytes[full] & mask);
}

/** What the SPD looks at in a packet. Ports are -1 when the protocol has none. */
export interface PacketSelectors {
  source: Uint8Array;
  destination: Uint8Array;
  protocol: number;
  sourcePort: number;
  destinationPort: number;
}

/**
 * Extracts the selectors of an IP packet (views into it). Ports are read for TCP, UDP and SCTP
 * of first fragments; a truncated packet is a DecodeError.
 */
export function packetSelectors(packet: Uint8Array): PacketSelectors {
  if (packet.length < 1) throw new DecodeError('IP.version', 0, 'empty packet');
  const version = packet[0] >> 4;
  let protocol: number;
  let l4: number;
  let source: Uint8Array;
  let destination: Uint8Array;
  let firstFragment = true;
  if (version === 4) {
    if (packet.length < 20) throw new DecodeError('IPv4 header', 0, 'truncated');
    const ihl = (packet[0] & 0x0f) * 4;
    if (ihl < 20 || ihl > packet.length) throw new DecodeError('IPv4.IHL', 0, `bad header length ${ihl}`);
    protocol = packet[9];
    l4 = ihl;
    source = packet.subarray(12, 16);
    destination = packet.subarray(16, 20);
    firstFragment = (((packet[6] << 8) | packet[7]) & 0x1fff) === 0;
  } else if (version === 6) {
    if (packet.length < IPV6_HEADER_LENGTH) throw new DecodeError('IPv6 header', 0, 'truncated');
    const chain = ipv6HeaderChain(packet);
    protocol = chain.upperLayer;
    l4 = chain.upperLayerOffset;
    source = packet.subarray(8, 24);
    destination = packet.subarray(24, 40);
    const frag = chain.extensions.find((e) => e.type === IpProtocol.IPV6_FRAG);
    if (frag) firstFragment = (((packet[frag.offset + 2] << 8) | packet[frag.offset + 3]) & 0xfff8) === 0;
  } else {
    throw new DecodeError('IP.version', 0, `version ${version}`);
  }
  let sourcePort = -1;
  let destinationPort = -1;
  if (firstFragment && (protocol === IpProtocol.TCP || protocol === IpProtocol.UDP || protocol === 132) && l4 + 4 <= packet.length) {
    sourcePort = (packet[l4] << 8) | packet[l4 + 1];
    destinationPort = (packet[l4 + 2] << 8) | packet[l4 + 3];
  }
  return { source, destination, protocol, sourcePort, destinationPort };
}

/** The ordered SPD. */
export class SecurityPolicyDatabase {
  private readonly rules: { rule: SpdRule; selector: CompiledSelector }[] = [];

  constructor(rules: readonly SpdRule[] = []) {
    for (const r of rules) this.add(r);
  }

  /** Appends a rule (lowest priority so far). */
  add(rule: SpdRule): void {
    if (rule.action === 'PROTECT' && rule.spi === undefined) throw new RangeError('a PROTECT rule needs the SPI of its outbound SA');
    this.rules.push({ rule, selector: new CompiledSelector(rule.selector) });
  }

  get size(): number {
    return this.rules.length;
  }

  /** The first matching rule, or undefined (the caller's default applies: DISCARD). */
  lookup(p: PacketSelectors, outbound: boolean): SpdRule | undefined {
    for (const r of this.rules) if (r.selector.matches(p, outbound)) return r.rule;
    return undefined;
  }
}
