/**
 * The capture of a scenario: every packet the tap sees on the observed link, with its IPv4 and
 * transport headers read the way an on-path observer reads them, and written as a raw-IP pcap
 * (LINKTYPE_RAW) whose timestamps are the virtual clock's.
 */
import { decodeIpv4Header, formatIpAddress } from '@layersec/esp';
import { LinkType, writePcap } from '@layersec/wire';
import type { MemoryNetwork, TappedPacket } from '../substrates/memory/network.js';

/** Virtual time 0 is this instant in the pcap (2026-01-01T00:00:00Z), so captures replay byte for byte. */
export const CAPTURE_EPOCH_MS = Date.UTC(2026, 0, 1);

export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

export interface TcpView {
  sourcePort: number;
  destinationPort: number;
  sequenceNumber: number;
  acknowledgmentNumber: number;
  flags: number;
  payload: Uint8Array;
}

export interface UdpView {
  sourcePort: number;
  destinationPort: number;
  payload: Uint8Array;
}

export interface EspView {
  spi: number;
  sequenceNumber: number;
  /** Everything after SPI and sequence number: IV, ciphertext, ICV. */
  payloadLength: number;
}

export interface CapturedPacket {
  /** 1-based, as Wireshark numbers frames. */
  number: number;
  timeMs: number;
  /** Sent by the client's side of the observed link (toward the server). */
  fromClientSide: boolean;
  fate: TappedPacket['fate'];
  bytes: Uint8Array;
  source: string;
  destination: string;
  protocol: number;
  ipHeaderLength: number;
  tcp?: TcpView;
  udp?: UdpView;
  esp?: EspView;
  /**
   * Set in the lab's view of an encapsulated packet (`Capture.revealed`): `bytes` is then the inner
   * packet the lab put in, and this the length of what crossed the wire.
   */
  wireLength?: number;
}

export function flagNames(flags: number): string {
  const names: string[] = [];
  for (const [n, bit] of Object.entries(TcpFlag)) if (flags & bit) names.push(n);
  return names.join(',');
}

function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}
function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** Reads an IPv4 packet's headers as an observer would. */
export function viewPacket(bytes: Uint8Array): Omit<CapturedPacket, 'number' | 'timeMs' | 'fromClientSide' | 'fate'> {
  const h = decodeIpv4Header(bytes);
  const ihl = 20 + h.options.length;
  const body = bytes.subarray(ihl, h.totalLength);
  const p: Omit<CapturedPacket, 'number' | 'timeMs' | 'fromClientSide' | 'fate'> = {
    bytes,
    source: formatIpAddress(h.source),
    destination: formatIpAddress(h.destination),
    protocol: h.protocol,
    ipHeaderLength: ihl,
  };
  if (h.protocol === 6 && body.length >= 20) {
    const dataOffset = (body[12] >> 4) * 4;
    p.tcp = {
      sourcePort: u16(body, 0),
      destinationPort: u16(body, 2),
      sequenceNumber: u32(body, 4),
      acknowledgmentNumber: u32(body, 8),
      flags: body[13],
      payload: body.subarray(dataOffset),
    };
  } else if (h.protocol === 17 && body.length >= 8) {
    p.udp = { sourcePort: u16(body, 0), destinationPort: u16(body, 2), payload: body.subarray(8) };
  } else if (h.protocol === 50 && body.length >= 8) {
    p.esp = { spi: u32(body, 0), sequenceNumber: u32(body, 4), payloadLength: body.length - 8 };
  }
  return p;
}

/** The packets of one link (or one loopback capture), in the order they were seen. */
export class Capture {
  readonly packets: CapturedPacket[] = [];
  /**
   * The lab's view when packets on the link are encapsulations (ESP) of packets it knows: the
   * inner packets, numbered and timed as on the wire, with the wire length kept.
   */
  readonly revealed: CapturedPacket[] = [];
  private stop: () => void = () => undefined;

  private constructor(
    readonly linkName: string,
    /** The instant virtual (or capture) time 0 stands for, in ms since the epoch. */
    readonly epochMs: number,
  ) {}

  /** Taps a link of the memory network; packets sent by `clientSideHosts` go toward the server. */
  static onMemoryLink(
    network: MemoryNetwork,
    linkName: string,
    clientSideHosts: readonly string[],
    /** The inner packet of an encapsulated one, when the lab made it (ESP hooks). */
    reveal?: (packet: Uint8Array) => Uint8Array | undefined,
  ): Capture {
    const c = new Capture(linkName, CAPTURE_EPOCH_MS);
    c.stop = network.tap((t) => {
      if (t.link !== linkName) return;
      const p: CapturedPacket = {
        number: c.packets.length + 1,
        timeMs: t.timeMs,
        fromClientSide: clientSideHosts.includes(t.from),
        fate: t.fate,
        ...viewPacket(t.packet),
      };
      c.packets.push(p);
      if (!reveal) return;
      const inner = reveal(t.packet);
      c.revealed.push(inner ? { ...p, ...viewPacket(inner), wireLength: t.packet.length } : p);
    });
    return c;
  }

  /** A capture made elsewhere (tcpdump on loopback): IP packets with their times relative to `epochMs`. */
  static fromPackets(
    linkName: string,
    epochMs: number,
    packets: ReadonlyArray<{ timeMs: number; bytes: Uint8Array; fromClientSide: (p: ReturnType<typeof viewPacket>) => boolean }>,
  ): Capture {
    const c = new Capture(linkName, epochMs);
    for (const p of packets) {
      const v = viewPacket(p.bytes);
      c.packets.push({ number: c.packets.length + 1, timeMs: p.timeMs, fromClientSide: p.fromClientSide(v), fate: 'delivered', ...v });
    }
    return c;
  }

  /** The packets `keep` selects, with their numbers in the whole capture (for measuring one connection of several). */
  subset(keep: (p: CapturedPacket) => boolean): Capture {
    const c = new Capture(this.linkName, this.epochMs);
    c.packets.push(...this.packets.filter(keep));
    c.revealed.push(...this.revealed.filter(keep));
    return c;
  }

  detach(): void {
    this.stop();
  }

  /** The packets that got onto the wire (a packet too big for the link never left its sender). */
  get onWire(): CapturedPacket[] {
    return this.packets.filter((p) => p.fate !== 'too-big');
  }

  /** The capture as a pcap file, link type raw IP, nanosecond timestamps. */
  pcap(): Uint8Array {
    return writePcap({
      linkType: LinkType.LINKTYPE_RAW,
      nanosecond: true,
      records: this.onWire.map((p) => {
        const ns = Math.round(p.timeMs * 1e6);
        const totalNs = BigInt(Math.round(this.epochMs)) * 1_000_000n + BigInt(ns);
        return {
          timestampSeconds: Number(totalNs / 1_000_000_000n),
          timestampNanoseconds: Number(totalNs % 1_000_000_000n),
          data: p.bytes,
        };
      }),
    });
  }
}
