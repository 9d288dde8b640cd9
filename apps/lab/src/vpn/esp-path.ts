/**
 * The gateway's ESP data path: the tunnel-mode Child SAs negotiated by @layersec/ikev2, installed
 * in @layersec/esp's engine (its SAD; RFC 4303 processing, anti-replay before the ICV, padding and
 * selector checks, drop counters), with what a gateway adds around it:
 *
 * - the SA in the engine's JSON form (IKEv2's transform names, KEYMAT cut as encryption key then
 *   salt, the IKE addresses as tunnel endpoints, no ESN);
 * - outbound policy (RFC 4301 §5.1): the newest Child SA whose traffic selectors contain the
 *   packet carries it, so that after a rekey the traffic moves at once while the old inbound SA
 *   keeps working until its Delete (the engine's SPD has no removal yet, so this choice is made
 *   here, from the selectors IKEv2 narrowed);
 * - the outer header: the engine writes the tunnel's IPv4 header, the kernel writes its own when
 *   the ESP packet goes out through a raw protocol-50 or UDP port-4500 socket, so the gateway
 *   hands the carriers the ESP packet from the SPI on, and gives the engine the received ESP
 *   packet behind an IPv4 header of the tunnel's addresses.
 */
import { secureRandom, type CryptoProvider } from '@layersec/crypto-primitives';
import { EspEngine, parseSa, setIpv4HeaderChecksum, type TrafficSelector } from '@layersec/esp';
import { type ChildSaResult, type TsRange, EncrId, IntegId, espSaRows, formatIpAddress, parseIpAddress, registryName } from '@layersec/ikev2';
import { toHex } from '@layersec/wire';

/** Outbound drops decided here (the engine counts the rest under its EspDropReason names). */
export const DropReason = {
  /** No installed Child SA's selectors contain the packet. */
  NO_SA: 'no-sa',
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

export interface ChildCounters {
  inPackets: number;
  inBytes: number;
  outPackets: number;
  outBytes: number;
  /** Packets to this SA's SPI dropped (replay, ICV, padding, selectors). */
  inDrops: number;
}

interface PathSa {
  child: ChildSaResult;
  inSpi: number;
  outSpi: number;
  natT: boolean;
  counters: ChildCounters;
}

/** A traffic selector range as an address prefix (`10.10.1.0/24`), or undefined when it is none. */
export function rangeToPrefix(ts: TsRange): string | undefined {
  const a = ts.startingAddress;
  const b = ts.endingAddress;
  let bits = 0;
  while (bits < a.length * 8) {
    const byte = bits >> 3;
    const mask = 0x80 >> (bits & 7);
    if ((a[byte] & mask) !== (b[byte] & mask)) break;
    bits++;
  }
  for (let i = bits; i < a.length * 8; i++) {
    const mask = 0x80 >> (i & 7);
    if ((a[i >> 3] & mask) !== 0 || (b[i >> 3] & mask) === 0) return undefined;
  }
  return `${formatIpAddress(a)}/${bits}`;
}

/** The engine's inbound selectors for a Child SA: every local × remote pair of its ranges. */
function inboundSelectors(child: ChildSaResult): TrafficSelector[] {
  const out: TrafficSelector[] = [];
  const ports = (ts: TsRange): number | [number, number] | undefined => (ts.startPort === 0 && ts.endPort === 65535 ? undefined : [ts.startPort, ts.endPort]);
  for (const l of child.localTs) {
    for (const r of child.remoteTs) {
      const localAddress = rangeToPrefix(l);
      const remoteAddress = rangeToPrefix(r);
      if (localAddress === undefined || remoteAddress === undefined) throw new Error('traffic selectors that are not address prefixes cannot be installed');
      const protocol = l.ipProtocolId || r.ipProtocolId;
      const lp = ports(l);
      const rp = ports(r);
      out.push({ localAddress, remoteAddress, ...(protocol !== 0 ? { protocol } : {}), ...(lp ? { localPort: lp } : {}), ...(rp ? { remotePort: rp } : {}) });
    }
  }
  return out;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function within(address: Uint8Array, ts: TsRange): boolean {
  return address.length === ts.startingAddress.length && compare(address, ts.startingAddress) >= 0 && compare(address, ts.endingAddress) <= 0;
}

/** The inner packet's (source, destination, protocol, ports) inside one of `local` × `remote`. */
function selectorsMatch(packet: Uint8Array, localIsSource: boolean, local: TsRange[], remote: TsRange[]): boolean {
  const v = packet[0] >> 4;
  let src: Uint8Array;
  let dst: Uint8Array;
  let proto: number;
  let l4: number;
  if (v === 4 && packet.length >= 20) {
    src = packet.subarray(12, 16);
    dst = packet.subarray(16, 20);
    proto = packet[9];
    l4 = (packet[0] & 0x0f) * 4;
  } else if (v === 6 && packet.length >= 40) {
    src = packet.subarray(8, 24);
    dst = packet.subarray(24, 40);
    proto = packet[6];
    l4 = 40;
  } else return false;
  const ports = (proto === 6 || proto === 17) && l4 + 4 <= packet.length;
  const sp = ports ? (packet[l4] << 8) | packet[l4 + 1] : 0;
  const dp = ports ? (packet[l4 + 2] << 8) | packet[l4 + 3] : 0;
  const [la, lp, ra, rp] = localIsSource ? [src, sp, dst, dp] : [dst, dp, src, sp];
  const fits = (ts: TsRange, a: Uint8Array, p: number) =>
    within(a, ts) && (ts.ipProtocolId === 0 || ts.ipProtocolId === proto) && (ts.startPort === 0 && ts.endPort === 65535 ? true : ports && p >= ts.startPort && p <= ts.endPort);
  return local.some((t) => fits(t, la, lp)) && remote.some((t) => fits(t, ra, rp));
}

export class EspPath {
  private readonly engine: EspEngine;
  /** Installed SAs, oldest first: the newest carries outbound traffic. */
  private readonly sas: PathSa[] = [];
  private readonly bySpi = new Map<number, PathSa>();
  private noSa = 0;
  /** Every Child SA ever installed (for decrypting a capture that spans rekeys). */
  private readonly history: ChildSaResult[] = [];
  private readonly local: Uint8Array;
  private readonly remote: Uint8Array;

  constructor(
    provider: CryptoProvider,
    private readonly localAddress: string,
    private readonly remoteAddress: string,
  ) {
    // The kernel already decremented the TTL of what it forwarded into the TUN device.
    this.engine = new EspEngine({ provider, random: secureRandom, replayWindowSize: 1024, forwarding: false });
    this.local = parseIpAddress(localAddress)!;
    this.remote = parseIpAddress(remoteAddress)!;
  }

  private saJson(child: ChildSaResult, direction: 'inbound' | 'outbound') {
    const t = child.transforms;
    const keys = child[direction];
    const [source, destination] = direction === 'outbound' ? [this.localAddress, this.remoteAddress] : [this.remoteAddress, this.localAddress];
    const icv = t.encr.id === EncrId.ENCR_AES_GCM_8 ? 8 : t.encr.id === EncrId.ENCR_AES_GCM_12 ? 12 : 16;
    return parseSa({
      protocol: 'esp',
      spi: `0x${toHex(direction === 'outbound' ? child.outboundSpi : child.inboundSpi)}`,
      mode: 'tunnel',
      encryption: registryName(EncrId, t.encr.id),
      encryptionKey: toHex(keys.encr),
      icvLength: icv,
      integrity: t.integ === undefined || t.integ === IntegId.NONE ? null : registryName(IntegId, t.integ),
      integrityKey: keys.integ.length > 0 ? toHex(keys.integ) : null,
      esn: false,
      sequence: 1,
      tunnel: { source, destination },
    });
  }

  /** Installs both directions of `child` in the engine's SAD; outbound traffic moves to it at once. */
  install(child: ChildSaResult, options: { natT: boolean; replaces?: ChildSaResult }): void {
    if (child.mode !== 'tunnel') throw new Error('the gateway carries tunnel-mode Child SAs only');
    const inbound = this.saJson(child, 'inbound');
    const outbound = this.saJson(child, 'outbound');
    this.engine.addInboundSa(inbound, { selectors: inboundSelectors(child), destination: this.localAddress });
    this.engine.addOutboundSa(outbound);
    const sa: PathSa = { child, inSpi: inbound.spi, outSpi: outbound.spi, natT: options.natT, counters: { inPackets: 0, inBytes: 0, outPackets: 0, outBytes: 0, inDrops: 0 } };
    this.sas.push(sa);
    this.bySpi.set(sa.inSpi, sa);
    this.history.push(child);
  }

  remove(child: ChildSaResult): void {
    const i = this.sas.findIndex((s) => s.child === child);
    if (i < 0) return;
    const [sa] = this.sas.splice(i, 1);
    this.bySpi.delete(sa.inSpi);
    this.engine.removeInboundSa(sa.inSpi);
    this.engine.removeOutboundSa(sa.outSpi);
  }

  counters(child: ChildSaResult): ChildCounters {
    const sa = this.sas.find((s) => s.child === child);
    return sa === undefined ? { inPackets: 0, inBytes: 0, outPackets: 0, outBytes: 0, inDrops: 0 } : { ...sa.counters };
  }

  /** Drop counters that are not zero: the engine's (by EspDropReason) and the outbound policy's. */
  drops(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.engine.counters)) if (v > 0) out[k] = v;
    if (this.noSa > 0) out[DropReason.NO_SA] = (out[DropReason.NO_SA] ?? 0) + this.noSa;
    return out;
  }

  /**
   * RFC 4303 §3.3 for an inner packet read from the TUN device: the ESP packet (SPI first) to
   * send, and whether it goes UDP-encapsulated; undefined when it is dropped (counted).
   */
  protect(inner: Uint8Array): { packet: Uint8Array; natT: boolean } | undefined {
    let sa: PathSa | undefined;
    for (let i = this.sas.length - 1; i >= 0; i--) {
      const s = this.sas[i];
      if (selectorsMatch(inner, true, s.child.localTs, s.child.remoteTs)) {
        sa = s;
        break;
      }
    }
    if (sa === undefined) {
      this.noSa++;
      return undefined;
    }
    const r = this.engine.protect(sa.outSpi, inner);
    if (!r.ok) return undefined;
    sa.counters.outPackets++;
    sa.counters.outBytes += inner.length;
    // The engine's outer IPv4 header is replaced by the kernel's on the way out.
    return { packet: r.packet.subarray((r.packet[0] & 0x0f) * 4), natT: sa.natT };
  }

  /** RFC 4303 §3.4 for an ESP packet (SPI first): the inner packet, or undefined when dropped (counted). */
  unprotect(esp: Uint8Array): Uint8Array | undefined {
    const packet = new Uint8Array(20 + esp.length);
    packet[0] = 0x45;
    packet[2] = packet.length >> 8;
    packet[3] = packet.length & 0xff;
    packet[8] = 64;
    packet[9] = 50;
    packet.set(this.remote, 12);
    packet.set(this.local, 16);
    packet.set(esp, 20);
    setIpv4HeaderChecksum(packet, 0);
    const r = this.engine.unprotect(packet);
    const sa = r.spi === undefined ? undefined : this.bySpi.get(r.spi);
    if (!r.ok) {
      if (sa !== undefined) sa.counters.inDrops++;
      return undefined;
    }
    if (sa !== undefined) {
      sa.counters.inPackets++;
      sa.counters.inBytes += r.packet.length;
    }
    return r.packet;
  }

  /** Wireshark `esp_sa` rows (both directions) of every Child SA installed so far. */
  wiresharkRows(): string[] {
    return this.history.flatMap((c) => espSaRows(c, this.local, this.remote) ?? []);
  }
}
