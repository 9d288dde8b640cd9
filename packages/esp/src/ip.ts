/**
 * IPv4 (RFC 791) and IPv6 (RFC 8200) header codecs, the Internet checksum (RFC 1071), IPv6
 * extension-header walking, and address text forms (RFC 4291 §2.2, RFC 5952). The ESP engine,
 * AH and the lab all use these; there is no second copy.
 *
 * Decoders take the whole packet and throw DecodeError naming the field and offset; the packet
 * engine uses the lower-level offset helpers (`ipv6HeaderChain`) to work in place.
 */
import { DecodeError } from '@layersec/wire';
import { IpProtocol } from './constants.js';

export interface Ipv4Header {
  version: 4;
  /** Differentiated Services Code Point (RFC 2474), the upper 6 bits of the old TOS. */
  dscp: number;
  /** Explicit Congestion Notification (RFC 3168), the lower 2 bits. */
  ecn: number;
  totalLength: number;
  identification: number;
  /** Don't Fragment. */
  dontFragment: boolean;
  moreFragments: boolean;
  /** In units of 8 octets. */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  headerChecksum: number;
  source: Uint8Array;
  destination: Uint8Array;
  options: Uint8Array;
}

export interface Ipv6Header {
  version: 6;
  /** Traffic Class: DSCP (upper 6 bits) and ECN (lower 2). */
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  nextHeader: number;
  hopLimit: number;
  source: Uint8Array;
  destination: Uint8Array;
}

export type IpHeader = Ipv4Header | Ipv6Header;

export const IPV4_MIN_HEADER_LENGTH = 20;
export const IPV6_HEADER_LENGTH = 40;

/** RFC 1071 one's-complement sum of 16-bit words over bytes[start..end), folded, not inverted. */
export function onesComplementSum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (i < end) sum += bytes[i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The Internet checksum (RFC 1071) of bytes[start..end). */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return ~onesComplementSum(bytes, start, end) & 0xffff;
}

/** Recomputes the IPv4 Header Checksum (RFC 791 §3.1) of the header at `offset`, in place. */
export function setIpv4HeaderChecksum(packet: Uint8Array, offset = 0): void {
  const ihl = (packet[offset] & 0x0f) * 4;
  packet[offset + 10] = 0;
  packet[offset + 11] = 0;
  const c = internetChecksum(packet, offset, offset + ihl);
  packet[offset + 10] = c >>> 8;
  packet[offset + 11] = c & 0xff;
}

/** True when the IPv4 header at `offset` has a correct checksum. */
export function ipv4HeaderChecksumValid(packet: Uint8Array, offset = 0): boolean {
  const ihl = (packet[offset] & 0x0f) * 4;
  return onesComplementSum(packet, offset, offset + ihl) === 0xffff;
}

/** Decodes the IPv4 header at the start of `packet` (checksum read, not verified). */
export function decodeIpv4Header(packet: Uint8Array): Ipv4Header {
  if (packet.length < IPV4_MIN_HEADER_LENGTH) throw new DecodeError('IPv4 header', 0, `needs 20 bytes, ${packet.length} present`);
  const version = packet[0] >> 4;
  if (version !== 4) throw new DecodeError('IPv4.Version', 0, `version ${version}`);
  const ihl = (packet[0] & 0x0f) * 4;
  if (ihl < 20) throw new DecodeError('IPv4.IHL', 0, `header length ${ihl} below 20`);
  if (ihl > packet.length) throw new DecodeError('IPv4.IHL', 0, `header length ${ihl} beyond the ${packet.length}-byte packet`);
  const totalLength = (packet[2] << 8) | packet[3];
  if (totalLength < ihl || totalLength > packet.length) {
    throw new DecodeError('IPv4.TotalLength', 2, `total length ${totalLength} inconsistent with header ${ihl} and packet ${packet.length}`);
  }
  const flagsFrag = (packet[6] << 8) | packet[7];
  return {
    version: 4,
    dscp: packet[1] >> 2,
    ecn: packet[1] & 3,
    totalLength,
    identification: (packet[4] << 8) | packet[5],
    dontFragment: (flagsFrag & 0x4000) !== 0,
    moreFragments: (flagsFrag & 0x2000) !== 0,
    fragmentOffset: flagsFrag & 0x1fff,
    ttl: packet[8],
    protocol: packet[9],
    headerChecksum: (packet[10] << 8) | packet[11],
    source: packet.slice(12, 16),
    destination: packet.slice(16, 20),
    options: packet.slice(20, ihl),
  };
}

/** Encodes an IPv4 header; Header Checksum is computed (the value in `h` is ignored). */
export function encodeIpv4Header(h: Omit<Ipv4Header, 'version' | 'headerChecksum'> & { headerChecksum?: number }): Uint8Array {
  if (h.options.length % 4 !== 0 || h.options.length > 40) throw new RangeError('IPv4 options must be a multiple of 4 bytes, at most 40');
  const ihl = 20 + h.options.length;
  const out = new Uint8Array(ihl);
  writeIpv4Header(out, 0, h);
  return out;
}

/** Writes an IPv4 header into `out` at `offset` and sets its checksum; returns its length. */
export function writeIpv4Header(
  out: Uint8Array,
  offset: number,
  h: Omit<Ipv4Header, 'version' | 'headerChecksum'>,
): number {
  const ihl = 20 + h.options.length;
  out[offset] = 0x40 | (ihl >> 2);
  out[offset + 1] = ((h.dscp & 0x3f) << 2) | (h.ecn & 3);
  out[offset + 2] = h.totalLength >>> 8;
  out[offset + 3] = h.totalLength & 0xff;
  out[offset + 4] = h.identification >>> 8;
  out[offset + 5] = h.identification & 0xff;
  const flagsFrag = (h.dontFragment ? 0x4000 : 0) | (h.moreFragments ? 0x2000 : 0) | (h.fragmentOffset & 0x1fff);
  out[offset + 6] = flagsFrag >>> 8;
  out[offset + 7] = flagsFrag & 0xff;
  out[offset + 8] = h.ttl;
  out[offset + 9] = h.protocol;
  out.set(h.source, offset + 12);
  out.set(h.destination, offset + 16);
  out.set(h.options, offset + 20);
  setIpv4HeaderChecksum(out, offset);
  return ihl;
}

/** Decodes the fixed IPv6 header at the start of `packet`. */
export function decodeIpv6Header(packet: Uint8Array): Ipv6Header {
  if (packet.length < IPV6_HEADER_LENGTH) throw new DecodeError('IPv6 header', 0, `needs 40 bytes, ${packet.length} present`);
  const version = packet[0] >> 4;
  if (version !== 6) throw new DecodeError('IPv6.Version', 0, `version ${version}`);
  const payloadLength = (packet[4] << 8) | packet[5];
  if (IPV6_HEADER_LENGTH + payloadLength > packet.length) {
    throw new DecodeError('IPv6.PayloadLength', 4, `payload length ${payloadLength} beyond the ${packet.length}-byte packet`);
  }
  return {
    version: 6,
    trafficClass: ((packet[0] & 0x0f) << 4) | (packet[1] >> 4),
    flowLabel: ((packet[1] & 0x0f) << 16) | (packet[2] << 8) | packet[3],
    payloadLength,
    nextHeader: packet[6],
    hopLimit: packet[7],
    source: packet.slice(8, 24),
    destination: packet.slice(24, 40),
  };
}

/** Writes the fixed IPv6 header into `out` at `offset`. */
export function writeIpv6Header(out: Uint8Array, offset: number, h: Omit<Ipv6Header, 'version'>): number {
  out[offset] = 0x60 | ((h.trafficClass >> 4) & 0x0f);
  out[offset + 1] = ((h.trafficClass & 0x0f) << 4) | ((h.flowLabel >> 16) & 0x0f);
  out[offset + 2] = (h.flowLabel >> 8) & 0xff;
  out[offset + 3] = h.flowLabel & 0xff;
  out[offset + 4] = h.payloadLength >>> 8;
  out[offset + 5] = h.payloadLength & 0xff;
  out[offset + 6] = h.nextHeader;
  out[offset + 7] = h.hopLimit;
  out.set(h.source, offset + 8);
  out.set(h.destination, offset + 24);
  return IPV6_HEADER_LENGTH;
}

export function encodeIpv6Header(h: Omit<Ipv6Header, 'version'>): Uint8Array {
  const out = new Uint8Array(IPV6_HEADER_LENGTH);
  writeIpv6Header(out, 0, h);
  return out;
}

/** Whether `nextHeader` names an IPv6 extension header this walker steps over. */
function isExtensionHeader(nextHeader: number): boolean {
  return nextHeader === IpProtocol.HOPOPT || nextHeader === IpProtocol.IPV6_ROUTE || nextHeader === IpProtocol.IPV6_FRAG || nextHeader === IpProtocol.IPV6_OPTS;
}

/** One IPv6 extension header in a packet. */
export interface Ipv6ExtensionHeader {
  /** Its type (the Next Header value that announced it). */
  type: number;
  offset: number;
  length: number;
}

/** The IPv6 header chain (RFC 8200 §4): extension headers, and where the upper layer starts. */
export interface Ipv6HeaderChain {
  extensions: Ipv6ExtensionHeader[];
  /** Offset of the byte holding the Next Header value that names the upper layer. */
  lastNextHeaderOffset: number;
  /** The upper-layer protocol (or ESP/AH, or 59). */
  upperLayer: number;
  /** Offset of the upper-layer header. */
  upperLayerOffset: number;
}

/**
 * Walks the extension headers of the IPv6 packet (Hop-by-Hop, Routing, Fragment, Destination
 * Options) up to the first other header. Bounded: at most 16 extension headers.
 */
export function ipv6HeaderChain(packet: Uint8Array, end = packet.length): Ipv6HeaderChain {
  const extensions: Ipv6ExtensionHeader[] = [];
  let nhOffset = 6;
  let next = packet[6];
  let off = IPV6_HEADER_LENGTH;
  while (isExtensionHeader(next)) {
    if (extensions.length >= 16) throw new DecodeError('IPv6 extension headers', off, 'more than 16 extension headers');
    if (off + 8 > end) throw new DecodeError('IPv6 extension header', off, 'truncated');
    const length = next === IpProtocol.IPV6_FRAG ? 8 : (packet[off + 1] + 1) * 8;
    if (off + length > end) throw new DecodeError('IPv6 extension header length', off + 1, `length ${length} beyond the packet`);
    extensions.push({ type: next, offset: off, length });
    nhOffset = off;
    next = packet[off];
    off += length;
  }
  return { extensions, lastNextHeaderOffset: nhOffset, upperLayer: next, upperLayerOffset: off };
}

/** Parses an IPv4 dotted quad or an IPv6 address (RFC 4291 §2.2 forms, incl. `::` and a v4 tail). */
export function parseIpAddress(text: string): Uint8Array {
  if (text.includes(':')) return parseIpv6(text);
  const parts = text.split('.');
  if (parts.length !== 4) throw new TypeError(`not an IP address: ${text}`);
  const out = new Uint8Array(4);
  parts.forEach((p, i) => {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new TypeError(`not an IPv4 address: ${text}`);
    out[i] = Number(p);
  });
  return out;
}

function parseIpv6(text: string): Uint8Array {
  let s = text;
  // An embedded IPv4 tail (RFC 4291 §2.2 form 3) becomes two hexadecimal groups.
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseIpAddress(last);
    s = `${s.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) throw new TypeError(`not an IPv6 address: ${text}`);
  const parse = (h: string): number[] =>
    h === ''
      ? []
      : h.split(':').map((g) => {
          if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new TypeError(`not an IPv6 address: ${text}`);
          return parseInt(g, 16);
        });
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  if (halves.length === 2 && head.length + rest.length > 7) throw new TypeError(`not an IPv6 address: ${text}`);
  const groups = halves.length === 2 ? [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest] : head;
  if (groups.length !== 8) throw new TypeError(`not an IPv6 address: ${text}`);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Text form of a 4- or 16-byte address (IPv6 per RFC 5952: lower case, longest zero run as ::, IPv4-mapped mixed). */
export function formatIpAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length !== 16) throw new TypeError(`address of ${bytes.length} bytes`);
  // RFC 5952 §5: IPv4-mapped addresses in mixed notation.
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
