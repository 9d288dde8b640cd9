/**
 * UDP (RFC 768) on the memory substrate: datagrams with real headers and checksums, so that the
 * tap's pcap shows what a wire would.
 */
import { encodeIpv4Header, formatIpAddress, onesComplementSum, parseIpAddress } from '@layersec/esp';
import type { Host } from './network.js';

export const IPPROTO_UDP = 17;

export interface UdpPeer {
  address: string;
  port: number;
}

/** The Internet checksum of a transport segment with the IPv4 pseudo-header (RFC 768, RFC 793 §3.1). */
export function transportChecksum(src: Uint8Array, dst: Uint8Array, protocol: number, segment: Uint8Array): number {
  const pseudo = new Uint8Array(12);
  pseudo.set(src, 0);
  pseudo.set(dst, 4);
  pseudo[9] = protocol;
  pseudo[10] = segment.length >> 8;
  pseudo[11] = segment.length & 0xff;
  const sum = onesComplementSum(segment, 0, segment.length, onesComplementSum(pseudo, 0, 12));
  return ~sum & 0xffff;
}

/** An IPv4 packet carrying `segment` from `src` to `dst`. */
export function ipv4Packet(host: Host, src: string, dst: string, protocol: number, segment: Uint8Array): Uint8Array {
  const header = encodeIpv4Header({
    dscp: 0,
    ecn: 0,
    totalLength: 20 + segment.length,
    identification: host.nextIpId(),
    dontFragment: true,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol,
    source: parseIpAddress(src),
    destination: parseIpAddress(dst),
    options: new Uint8Array(0),
  });
  const packet = new Uint8Array(header.length + segment.length);
  packet.set(header);
  packet.set(segment, header.length);
  return packet;
}

export type UdpMessageHandler = (data: Uint8Array, from: UdpPeer) => void;

export class UdpSocket {
  private handler: UdpMessageHandler | null = null;
  constructor(
    private readonly stack: UdpStack,
    readonly port: number,
  ) {}

  get address(): string {
    return this.stack.host.address;
  }

  onMessage(handler: UdpMessageHandler): void {
    this.handler = handler;
  }

  deliver(data: Uint8Array, from: UdpPeer): void {
    this.handler?.(data, from);
  }

  send(data: Uint8Array, to: UdpPeer, fromAddress = this.stack.host.address): void {
    const src = parseIpAddress(fromAddress);
    const dst = parseIpAddress(to.address);
    const segment = new Uint8Array(8 + data.length);
    segment[0] = this.port >> 8;
    segment[1] = this.port & 0xff;
    segment[2] = to.port >> 8;
    segment[3] = to.port & 0xff;
    segment[4] = segment.length >> 8;
    segment[5] = segment.length & 0xff;
    segment.set(data, 8);
    const sum = transportChecksum(src, dst, IPPROTO_UDP, segment) || 0xffff;
    segment[6] = sum >> 8;
    segment[7] = sum & 0xff;
    this.stack.host.send(ipv4Packet(this.stack.host, fromAddress, to.address, IPPROTO_UDP, segment));
  }

  close(): void {
    this.stack.unbind(this.port);
  }
}

export class UdpStack {
  private readonly sockets = new Map<number, UdpSocket>();
  private nextEphemeral = 49152;
  readonly drops = { noSocket: 0, badChecksum: 0, malformed: 0 };

  constructor(readonly host: Host) {
    host.onProtocol(IPPROTO_UDP, (packet, ihl) => this.input(packet, ihl));
  }

  bind(port = 0): UdpSocket {
    if (port === 0) {
      while (this.sockets.has(this.nextEphemeral)) this.nextEphemeral++;
      port = this.nextEphemeral++;
    }
    if (this.sockets.has(port)) throw new Error(`${this.host.name}: UDP port ${port} in use`);
    const s = new UdpSocket(this, port);
    this.sockets.set(port, s);
    return s;
  }

  unbind(port: number): void {
    this.sockets.delete(port);
  }

  private input(packet: Uint8Array, ihl: number): void {
    const seg = packet.subarray(ihl);
    const length = seg.length >= 8 ? (seg[4] << 8) | seg[5] : 0;
    if (seg.length < 8 || length < 8 || length > seg.length) {
      this.drops.malformed++;
      return;
    }
    const udp = seg.subarray(0, length);
    const checksum = (udp[6] << 8) | udp[7];
    if (checksum !== 0 && transportChecksum(packet.subarray(12, 16), packet.subarray(16, 20), IPPROTO_UDP, udp) !== 0) {
      this.drops.badChecksum++;
      return;
    }
    const socket = this.sockets.get((udp[2] << 8) | udp[3]);
    if (!socket) {
      this.drops.noSocket++;
      return;
    }
    socket.deliver(udp.slice(8), { address: formatIpAddress(packet.subarray(12, 16)), port: (udp[0] << 8) | udp[1] });
  }
}

const stacks = new WeakMap<Host, UdpStack>();

/** The host's UDP stack, created on first use. */
export function udp(host: Host): UdpStack {
  let s = stacks.get(host);
  if (!s) {
    s = new UdpStack(host);
    stacks.set(host, s);
  }
  return s;
}
