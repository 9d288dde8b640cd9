/**
 * Traffic selectors (RFC 7296 §2.9, §3.13.1) as swanctl.conf writes them — `10.10.1.1/32`,
 * `10.0.0.0-10.0.0.255`, `0.0.0.0/0`, `2001:db8::/32`, `dynamic` (this side's IKE address),
 * optionally followed by `[protocol/port]` such as `[tcp/443]`, `[udp]`, `[/53]`,
 * `[tcp/1024-65535]` — and their narrowing: the responder answers with the intersection of what
 * was proposed and what its policy allows (§2.9).
 */
import { TsType } from '../constants.js';
import { parseIpAddress } from './address.js';

/** An IPv4 or IPv6 address-range selector (TS_IPV4_ADDR_RANGE / TS_IPV6_ADDR_RANGE). */
export interface TsRange {
  tsType: 7 | 8;
  /** IP Protocol ID, 0 for any. */
  ipProtocolId: number;
  startPort: number;
  endPort: number;
  startingAddress: Uint8Array;
  endingAddress: Uint8Array;
}

export class TrafficSelectorError extends Error {
  override readonly name = 'TrafficSelectorError';
  constructor(
    readonly selector: string,
    readonly reason: string,
  ) {
    super(`traffic selector '${selector}': ${reason}`);
  }
}

const PROTOCOLS: Readonly<Record<string, number>> = { any: 0, icmp: 1, tcp: 6, udp: 17, ipv6icmp: 58, 'ipv6-icmp': 58 };

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function prefixRange(address: Uint8Array, bits: number): [Uint8Array, Uint8Array] {
  const start = address.slice();
  const end = address.slice();
  for (let i = 0; i < address.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    start[i] &= mask;
    end[i] = (end[i] & mask) | (~mask & 0xff);
  }
  return [start, end];
}

/** Parses one selector; `dynamic` needs this side's IKE address. */
export function parseTrafficSelector(text: string, dynamicAddress?: Uint8Array): TsRange {
  const m = /^([^[\]]+?)\s*(?:\[([^\]]*)\])?$/.exec(text.trim());
  if (!m) throw new TrafficSelectorError(text, 'not ADDRESS[/PREFIX][PROTOCOL/PORT]');
  const [, addr, portSpec] = m;
  let start: Uint8Array;
  let end: Uint8Array;
  if (addr === 'dynamic') {
    if (dynamicAddress === undefined) throw new TrafficSelectorError(text, "'dynamic' needs the IKE address");
    start = dynamicAddress.slice();
    end = dynamicAddress.slice();
  } else if (addr.includes('-') && !addr.includes('/')) {
    const [a, b] = addr.split('-');
    const pa = parseIpAddress(a);
    const pb = parseIpAddress(b);
    if (pa === undefined || pb === undefined || pa.length !== pb.length || compare(pa, pb) > 0) throw new TrafficSelectorError(text, 'bad address range');
    start = pa;
    end = pb;
  } else {
    const [a, prefix] = addr.split('/');
    const pa = parseIpAddress(a);
    if (pa === undefined) throw new TrafficSelectorError(text, `'${a}' is not an IP address`);
    const bits = prefix === undefined ? pa.length * 8 : Number(prefix);
    if (!/^\d+$/.test(prefix ?? '0') || bits > pa.length * 8) throw new TrafficSelectorError(text, `bad prefix length '${prefix}'`);
    [start, end] = prefixRange(pa, bits);
  }
  let ipProtocolId = 0;
  let startPort = 0;
  let endPort = 65535;
  if (portSpec !== undefined) {
    const [proto, port] = portSpec.split('/');
    if (proto !== '') {
      const p = PROTOCOLS[proto.toLowerCase()] ?? (/^\d+$/.test(proto) ? Number(proto) : undefined);
      if (p === undefined || p > 255) throw new TrafficSelectorError(text, `unknown protocol '${proto}'`);
      ipProtocolId = p;
    }
    if (port !== undefined && port !== '' && port !== '%any') {
      const pm = /^(\d+)(?:-(\d+))?$/.exec(port);
      if (!pm) throw new TrafficSelectorError(text, `bad port '${port}'`);
      startPort = Number(pm[1]);
      endPort = pm[2] === undefined ? startPort : Number(pm[2]);
      if (endPort > 65535 || startPort > endPort) throw new TrafficSelectorError(text, `bad port range '${port}'`);
    }
  }
  return { tsType: start.length === 4 ? TsType.TS_IPV4_ADDR_RANGE : TsType.TS_IPV6_ADDR_RANGE, ipProtocolId, startPort, endPort, startingAddress: start, endingAddress: end };
}

/** The intersection of two selectors, or undefined when they share nothing. */
export function intersectSelectors(a: TsRange, b: TsRange): TsRange | undefined {
  if (a.tsType !== b.tsType) return undefined;
  if (a.ipProtocolId !== 0 && b.ipProtocolId !== 0 && a.ipProtocolId !== b.ipProtocolId) return undefined;
  const startPort = Math.max(a.startPort, b.startPort);
  const endPort = Math.min(a.endPort, b.endPort);
  if (startPort > endPort) return undefined;
  const startingAddress = compare(a.startingAddress, b.startingAddress) >= 0 ? a.startingAddress : b.startingAddress;
  const endingAddress = compare(a.endingAddress, b.endingAddress) <= 0 ? a.endingAddress : b.endingAddress;
  if (compare(startingAddress, endingAddress) > 0) return undefined;
  return { tsType: a.tsType, ipProtocolId: a.ipProtocolId || b.ipProtocolId, startPort, endPort, startingAddress: startingAddress.slice(), endingAddress: endingAddress.slice() };
}

/**
 * §2.9 narrowing: every non-empty intersection of a proposed selector with one the policy
 * allows. (The first proposed selector may name the packet that triggered the request; it is
 * narrowed like the rest.)
 */
export function narrowSelectors(proposed: TsRange[], allowed: TsRange[]): TsRange[] {
  const out: TsRange[] = [];
  for (const p of proposed) for (const a of allowed) {
    const i = intersectSelectors(p, a);
    if (i !== undefined && !out.some((o) => sameSelector(o, i))) out.push(i);
  }
  return out;
}

export function sameSelector(a: TsRange, b: TsRange): boolean {
  return (
    a.tsType === b.tsType &&
    a.ipProtocolId === b.ipProtocolId &&
    a.startPort === b.startPort &&
    a.endPort === b.endPort &&
    compare(a.startingAddress, b.startingAddress) === 0 &&
    compare(a.endingAddress, b.endingAddress) === 0
  );
}

/** True when `inner` lies within `outer` (an initiator checks a narrowed answer so). */
export function selectorWithin(inner: TsRange, outer: TsRange): boolean {
  const i = intersectSelectors(inner, outer);
  return i !== undefined && sameSelector(i, { ...inner, ipProtocolId: inner.ipProtocolId || outer.ipProtocolId }) && (outer.ipProtocolId === 0 || inner.ipProtocolId === outer.ipProtocolId);
}
