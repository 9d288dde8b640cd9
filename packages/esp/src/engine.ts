/**
 * The ESP packet engine (RFC 4303) with its Security Association Database (RFC 4301 §4.4.2).
 * Sans-I/O: it takes IP packets and returns IP packets or a drop reason; time comes from an
 * injected clock and IVs from an injected RandomSource.
 *
 * Outbound (RFC 4303 §3.1-§3.3): transport mode inserts ESP after the IPv4 header or the IPv6
 * extension headers; tunnel mode prepends a new IPv4 or IPv6 header (4in4, 6in6, 4in6, 6in4).
 * Inbound (RFC 4303 §3.4): SPI lookup → anti-replay check → ICV verification (constant time,
 * before anything is decrypted or released) → window update → padding check → selector check.
 * Every inbound failure is an EspDropReason with a counter; nothing throws out of `unprotect`.
 */
import { ReplayCheck, ReplayWindow } from '@layersec/wire';
import type { CryptoProvider, Mac, RandomSource } from '@layersec/crypto-primitives';
import { AH_FIXED_LENGTH, ahLength, zeroMutableFields } from './ah.js';
import { IpProtocol, NAT_T_PORT } from './constants.js';
import { EspDropReason, newDropCounters, type DropCounters } from './drops.js';
import { IPV6_HEADER_LENGTH, ipv6HeaderChain, onesComplementSum, parseIpAddress, setIpv4HeaderChecksum } from './ip.js';
import { INTEGRITY_INFO, type SecurityAssociation } from './sa.js';
import { CompiledSelector, packetSelectors, type SecurityPolicyDatabase, type TrafficSelector } from './spd.js';
import { createEspTransform, type EspTransform } from './transforms.js';

/** Milliseconds since an arbitrary epoch; injected so that tests control SA lifetimes. */
export interface Clock {
  now(): number;
}

export interface EspEngineOptions {
  provider: CryptoProvider;
  /** Source of the per-packet IVs (RFC 4303 §3.3.2). */
  random: RandomSource;
  /**
   * IVs drawn from `random` per call (default 64): a platform CSPRNG call costs far more than
   * handing out 8 bytes, so IVs are fetched in batches. 1 draws each IV on its own (tests that
   * replay published IVs).
   */
  ivBatch?: number;
  clock?: Clock;
  /** Anti-replay window size in packets (RFC 4303 §3.4.3; power of two, 64..65536). Default 1024. */
  replayWindowSize?: number;
  /** Accept SAs without integrity (RFC 4303 §3.2 allows it; only for RFC 3602's test packets). */
  allowConfidentialityOnly?: boolean;
  /** Identification of each new outer IPv4 header (tunnel mode); default a per-engine counter. */
  ipv4Identification?: () => number;
  /** TTL / Hop Limit of a new outer header (RFC 4301 §5.1.2.1: "constructed"). Default 64. */
  tunnelTtl?: number;
  /** RFC 4301 §5.1.2.1: outer DSCP copied from the inner header (default) or set to 0. */
  copyDscp?: boolean;
  /**
   * The engine forwards (a security gateway) rather than originates: the inner TTL / Hop Limit
   * is decremented before tunnel-mode encapsulation (RFC 4301 §5.1.2.1, RFC 791 / RFC 8200).
   */
  forwarding?: boolean;
  /** Checked against decapsulated packets when an inbound SA has no selectors of its own. */
  spd?: SecurityPolicyDatabase;
}

export interface OutboundSaOptions {
  /**
   * TFC padding (RFC 4303 §2.4, §2.7): in tunnel mode, pad the inner packet with zeros up to this
   * many bytes (the receiver finds the end from the inner IP header).
   */
  tfcPadTo?: number;
}

export interface InboundSaOptions {
  /** The SA's traffic selectors (RFC 4301 §5.2 step 4): a decapsulated packet must match one. */
  selectors?: readonly TrafficSelector[];
  /** Destination address the SA is bound to in the SAD (RFC 4301 §4.4.2); default: any. */
  destination?: string;
}

/** RFC 4301 §4.4.2.1 events: the soft limit asks for a rekey, the hard limit ends the SA. */
export interface EspEvent {
  type: 'soft-lifetime' | 'hard-lifetime' | 'sequence-exhausted';
  direction: 'inbound' | 'outbound';
  spi: number;
}

export type ProtectResult = { ok: true; packet: Uint8Array } | { ok: false; reason: EspDropReason };

export type UnprotectResult =
  | {
      ok: true;
      /** The decapsulated IP packet. */
      packet: Uint8Array;
      spi: number;
      /** The full (extended) sequence number: high and low 32-bit halves. */
      sequenceHigh: number;
      sequenceLow: number;
    }
  | {
      ok: false;
      reason: EspDropReason;
      /** Set once the SPI was read. */
      spi?: number;
      /** For IKE_MESSAGE: the IKE message after the non-ESP marker (RFC 3948 §2.2). */
      ike?: Uint8Array;
    };

interface SaState {
  readonly sa: SecurityAssociation;
  /** ESP SAs: the transform. */
  readonly transform: EspTransform | null;
  /** AH SAs: the HMAC that makes the ICV (RFC 4302 §2.6). */
  readonly mac: Mac | null;
  readonly direction: 'inbound' | 'outbound';
  /** Next sequence number to send (outbound), as two 32-bit halves. */
  seqHi: number;
  seqLo: number;
  exhausted: boolean;
  readonly window: ReplayWindow | null;
  readonly selectors: CompiledSelector[] | null;
  readonly destination: Uint8Array | null;
  readonly tunnelSource: Uint8Array | null;
  readonly tunnelDestination: Uint8Array | null;
  readonly tfcPadTo: number;
  packets: number;
  bytes: number;
  readonly addedAt: number;
  softRaised: boolean;
  hardReached: boolean;
}

function bytesEqual(a: Uint8Array, b: Uint8Array, bOffset: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[bOffset + i]) return false;
  return true;
}

function writeU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}

function readU32(b: Uint8Array, off: number): number {
  return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}

/** Where the payload of an IP packet starts, or a drop reason. */
interface IpLayout {
  version: 4 | 6;
  /** End of the IP header (IPv4) or of the extension headers kept in front of ESP/AH (IPv6). */
  headerEnd: number;
  /** Offset of the byte holding the protocol / Next Header that names what follows headerEnd. */
  nextHeaderOffset: number;
  protocol: number;
  /** End of the packet by its own length fields. */
  end: number;
}

function ipLayout(packet: Uint8Array): IpLayout | EspDropReason {
  if (packet.length < 1) return EspDropReason.MALFORMED;
  const version = packet[0] >> 4;
  if (version === 4) {
    if (packet.length < 20) return EspDropReason.MALFORMED;
    const ihl = (packet[0] & 0x0f) * 4;
    const total = (packet[2] << 8) | packet[3];
    if (ihl < 20 || total < ihl || total > packet.length) return EspDropReason.MALFORMED;
    // RFC 4303 §3.4.1: ESP applies to whole packets; fragments are reassembled first.
    if ((((packet[6] << 8) | packet[7]) & 0x3fff) !== 0) return EspDropReason.FRAGMENT;
    return { version: 4, headerEnd: ihl, nextHeaderOffset: 9, protocol: packet[9], end: total };
  }
  if (version === 6) {
    if (packet.length < IPV6_HEADER_LENGTH) return EspDropReason.MALFORMED;
    const end = IPV6_HEADER_LENGTH + ((packet[4] << 8) | packet[5]);
    if (end > packet.length) return EspDropReason.MALFORMED;
    let chain;
    try {
      chain = ipv6HeaderChain(packet, end);
    } catch {
      return EspDropReason.MALFORMED;
    }
    if (chain.extensions.some((e) => e.type === IpProtocol.IPV6_FRAG)) return EspDropReason.FRAGMENT;
    return { version: 6, headerEnd: chain.upperLayerOffset, nextHeaderOffset: chain.lastNextHeaderOffset, protocol: chain.upperLayer, end };
  }
  return EspDropReason.MALFORMED;
}

/** Sets the length fields of the IP header of `packet` for a packet of `total` bytes. */
function setIpLength(packet: Uint8Array, version: 4 | 6, total: number): void {
  if (version === 4) {
    packet[2] = total >>> 8;
    packet[3] = total & 0xff;
  } else {
    const payload = total - IPV6_HEADER_LENGTH;
    packet[4] = payload >>> 8;
    packet[5] = payload & 0xff;
  }
}

/**
 * ESP engine and SAD. Outbound SAs are found by SPI; inbound SAs by SPI, then destination and
 * protocol (RFC 4301 §4.1: "the SPI, destination address and protocol" — the SPI alone, when the
 * SA was installed without a destination), in O(1).
 */
export class EspEngine {
  readonly counters: DropCounters = newDropCounters();
  /** Exceptions caught on the inbound path (each also counted as MALFORMED); 0 unless a bug. */
  internalErrors = 0;
  private readonly outbound = new Map<number, SaState>();
  private readonly inbound = new Map<number, SaState[]>();
  private readonly events: EspEvent[] = [];
  private readonly clock: Clock;
  private identification: number;
  private ivPool: Uint8Array = new Uint8Array(0);
  private ivPoolOffset = 0;

  constructor(private readonly options: EspEngineOptions) {
    this.clock = options.clock ?? { now: () => Date.now() };
    this.identification = 0;
    if (!options.ipv4Identification) {
      const id = options.random.randomBytes(2);
      this.identification = (id[0] << 8) | id[1];
    }
  }

  /** Number of installed SAs (both directions). */
  get size(): number {
    let n = this.outbound.size;
    for (const list of this.inbound.values()) n += list.length;
    return n;
  }

  private state(sa: SecurityAssociation, direction: 'inbound' | 'outbound', selectors: CompiledSelector[] | null, destination: Uint8Array | null, tfcPadTo: number): SaState {
    let transform: EspTransform | null = null;
    let mac: Mac | null = null;
    if (sa.protocol === 'ah') {
      if (!sa.integrity || !sa.integrityKey) throw new RangeError('an AH SA needs an integrity algorithm and key');
      const info = INTEGRITY_INFO[sa.integrity];
      mac = this.options.provider.hmac(info.hash, sa.integrityKey, info.icvLength);
      if (sa.udpEncapsulation) throw new RangeError('AH is not UDP-encapsulated (RFC 3948 covers ESP only)');
    } else transform = createEspTransform(this.options.provider, sa);
    if (transform?.confidentialityOnly && !this.options.allowConfidentialityOnly) {
      throw new RangeError('ESP without integrity is refused (RFC 4303 §3.2; allowConfidentialityOnly for test packets)');
    }
    const seq = sa.sequence;
    return {
      sa,
      transform,
      mac,
      direction,
      seqHi: Number(seq >> 32n),
      seqLo: Number(seq & 0xffff_ffffn),
      exhausted: false,
      window: direction === 'inbound' ? new ReplayWindow({ size: this.options.replayWindowSize ?? 1024, start: seq }) : null,
      selectors,
      destination,
      tunnelSource: sa.tunnel ? parseIpAddress(sa.tunnel.source) : null,
      tunnelDestination: sa.tunnel ? parseIpAddress(sa.tunnel.destination) : null,
      tfcPadTo,
      packets: 0,
      bytes: 0,
      addedAt: this.clock.now(),
      softRaised: false,
      hardReached: false,
    };
  }

  /** Installs an outbound SA; `sa.sequence` is the next sequence number to send. */
  addOutboundSa(sa: SecurityAssociation, options: OutboundSaOptions = {}): void {
    if (sa.sequence === 0n) throw new RangeError('RFC 4303 §3.3.3: the first packet sent carries sequence number 1');
    this.outbound.set(sa.spi, this.state(sa, 'outbound', null, null, options.tfcPadTo ?? 0));
  }

  /** Installs an inbound SA; `sa.sequence` is the first sequence number the window accepts. */
  addInboundSa(sa: SecurityAssociation, options: InboundSaOptions = {}): void {
    const selectors = options.selectors ? options.selectors.map((s) => new CompiledSelector(s)) : null;
    const destination = options.destination !== undefined ? parseIpAddress(options.destination) : sa.mode === 'tunnel' && sa.tunnel ? parseIpAddress(sa.tunnel.destination) : null;
    const st = this.state(sa, 'inbound', selectors, destination, 0);
    const list = this.inbound.get(sa.spi);
    if (list) list.push(st);
    else this.inbound.set(sa.spi, [st]);
  }

  removeOutboundSa(spi: number): boolean {
    return this.outbound.delete(spi);
  }

  removeInboundSa(spi: number): boolean {
    return this.inbound.delete(spi);
  }

  /**
   * Time-based lifetimes without traffic (RFC 4301 §4.4.2.1): checks every SA against the
   * injected clock, raising soft-lifetime (rekey) and hard-lifetime events; returns them.
   */
  tick(): EspEvent[] {
    const now = this.clock.now();
    const check = (st: SaState): void => {
      const seconds = (now - st.addedAt) / 1000;
      const soft = st.sa.lifetime?.soft?.seconds;
      if (soft !== undefined && !st.softRaised && seconds >= soft) {
        st.softRaised = true;
        this.events.push({ type: 'soft-lifetime', direction: st.direction, spi: st.sa.spi });
      }
      this.expired(st);
    };
    for (const st of this.outbound.values()) check(st);
    for (const list of this.inbound.values()) for (const st of list) check(st);
    return this.drainEvents();
  }

  /** Events raised since the last call (soft/hard lifetimes, sequence exhaustion). */
  drainEvents(): EspEvent[] {
    return this.events.splice(0, this.events.length);
  }

  /** The next sequence number an outbound SA will send (for state export and tests). */
  nextSequence(spi: number): bigint | undefined {
    const st = this.outbound.get(spi);
    return st ? (BigInt(st.seqHi) << 32n) | BigInt(st.seqLo) : undefined;
  }

  private drop(reason: EspDropReason): { ok: false; reason: EspDropReason } {
    this.counters[reason]++;
    return { ok: false, reason };
  }

  /**
   * RFC 4301 §4.4.2.1 lifetimes: checked before a packet is processed (hard → refuse) and
   * accounted after (soft → one rekey event).
   */
  private expired(st: SaState): boolean {
    if (st.hardReached) return true;
    const hard = st.sa.lifetime?.hard;
    if (!hard) return false;
    const seconds = (this.clock.now() - st.addedAt) / 1000;
    if ((hard.seconds !== undefined && seconds >= hard.seconds) || (hard.packets !== undefined && st.packets >= hard.packets) || (hard.bytes !== undefined && st.bytes >= hard.bytes)) {
      st.hardReached = true;
      this.events.push({ type: 'hard-lifetime', direction: st.direction, spi: st.sa.spi });
      return true;
    }
    return false;
  }

  private account(st: SaState, bytes: number): void {
    st.packets++;
    st.bytes += bytes;
    const soft = st.sa.lifetime?.soft;
    if (!soft || st.softRaised) return;
    const seconds = (this.clock.now() - st.addedAt) / 1000;
    if ((soft.seconds !== undefined && seconds >= soft.seconds) || (soft.packets !== undefined && st.packets >= soft.packets) || (soft.bytes !== undefined && st.bytes >= soft.bytes)) {
      st.softRaised = true;
      this.events.push({ type: 'soft-lifetime', direction: st.direction, spi: st.sa.spi });
    }
  }

  /**
   * Protects one IP packet with the outbound SA `spi`: transport or tunnel mode as the SA says.
   * Returns the protected packet (one allocation) or a drop reason.
   */
  protect(spi: number, packet: Uint8Array): ProtectResult {
    const st = this.outbound.get(spi);
    if (!st) return this.drop(EspDropReason.NO_SA);
    const layout = ipLayout(packet);
    if (typeof layout === 'string') return this.drop(layout);
    return this.encapsulate(st, packet, layout, false);
  }

  /**
   * A dummy packet (RFC 4303 §2.6, Next Header 59) of `length` random payload bytes on the
   * outbound SA `spi`, in the SA's mode. The receiver verifies and discards it.
   */
  dummyPacket(spi: number, length: number): ProtectResult {
    const st = this.outbound.get(spi);
    if (!st) return this.drop(EspDropReason.NO_SA);
    if (!st.tunnelSource || !st.tunnelDestination || st.sa.protocol === 'ah') return this.drop(EspDropReason.UNSUPPORTED);
    const payload = this.options.random.randomBytes(length);
    return this.encapsulate(st, payload, null, true);
  }

  /** Outbound through the SPD (RFC 4301 §5.1): PROTECT, BYPASS (returned as is) or DISCARD. */
  outboundWithPolicy(packet: Uint8Array): ProtectResult {
    const spd = this.options.spd;
    let rule;
    try {
      rule = spd?.lookup(packetSelectors(packet), true);
    } catch {
      return this.drop(EspDropReason.MALFORMED);
    }
    if (!rule || rule.action === 'DISCARD') return this.drop(EspDropReason.POLICY_DISCARD);
    if (rule.action === 'BYPASS') return { ok: true, packet };
    return this.protect(rule.spi!, packet);
  }

  /**
   * Inbound through the SPD (RFC 4301 §5.2): IPsec packets (ESP, AH, UDP 4500) are unprotected
   * (and their content checked against the SA's selectors or the SPD); any other packet is let
   * through only when a BYPASS rule matches — a PROTECT rule means it should have come protected.
   */
  inboundWithPolicy(packet: Uint8Array): UnprotectResult | { ok: true; packet: Uint8Array; bypass: true } {
    const layout = ipLayout(packet);
    if (typeof layout === 'string') return this.drop(layout);
    const p = layout.protocol;
    if (p === IpProtocol.ESP || p === IpProtocol.AH) return this.unprotect(packet);
    if (p === IpProtocol.UDP && layout.headerEnd + 4 <= layout.end) {
      const sport = (packet[layout.headerEnd] << 8) | packet[layout.headerEnd + 1];
      const dport = (packet[layout.headerEnd + 2] << 8) | packet[layout.headerEnd + 3];
      if (sport === NAT_T_PORT || dport === NAT_T_PORT) return this.unprotect(packet);
    }
    let rule;
    try {
      rule = this.options.spd?.lookup(packetSelectors(packet), false);
    } catch {
      return this.drop(EspDropReason.MALFORMED);
    }
    if (rule?.action === 'BYPASS') return { ok: true, packet, bypass: true };
    if (rule?.action === 'PROTECT') return this.drop(EspDropReason.POLICY_REQUIRES_PROTECTION);
    return this.drop(EspDropReason.POLICY_DISCARD);
  }

  private encapsulate(st: SaState, packet: Uint8Array, layout: IpLayout | null, dummy: boolean): ProtectResult {
    const sa = st.sa;
    if (this.expired(st)) return this.drop(EspDropReason.SA_EXPIRED);
    // RFC 4303 §3.3.3: the counter never cycles; at its end the SA must be rekeyed.
    if (st.exhausted) return this.drop(EspDropReason.SEQUENCE_EXHAUSTED);
    if (sa.protocol === 'ah') return this.encapsulateAh(st, packet, layout!);
    const t = st.transform!;
    const tunnel = sa.mode === 'tunnel';
    const udp = sa.udpEncapsulation;

    // What goes into the ESP payload, and the Next Header value of the trailer.
    let innerStart: number;
    let innerEnd: number;
    let nextHeader: number;
    let outerVersion: 4 | 6;
    let outerHeaderLength: number;
    if (dummy) {
      innerStart = 0;
      innerEnd = packet.length;
      nextHeader = IpProtocol.IPV6_NONXT;
      outerVersion = st.tunnelSource!.length === 4 ? 4 : 6;
      outerHeaderLength = outerVersion === 4 ? 20 : IPV6_HEADER_LENGTH;
    } else if (tunnel) {
      innerStart = 0;
      innerEnd = layout!.end;
      nextHeader = layout!.version === 4 ? IpProtocol.IPV4 : IpProtocol.IPV6;
      outerVersion = st.tunnelSource!.length === 4 ? 4 : 6;
      outerHeaderLength = outerVersion === 4 ? 20 : IPV6_HEADER_LENGTH;
      if (this.options.forwarding) {
        const ttl = packet[layout!.version === 4 ? 8 : 7];
        if (ttl <= 1) return this.drop(EspDropReason.TTL_EXCEEDED);
      }
    } else {
      innerStart = layout!.headerEnd;
      innerEnd = layout!.end;
      nextHeader = layout!.protocol;
      outerVersion = layout!.version;
      outerHeaderLength = layout!.headerEnd;
    }
    const payloadLength = innerEnd - innerStart;
    const tfc = tunnel && st.tfcPadTo > payloadLength ? st.tfcPadTo - payloadLength : 0;
    // RFC 4303 §2.4: Payload..Next Header padded to the cipher's block size and to 4 bytes.
    const align = t.blockSize < 4 ? 4 : t.blockSize;
    const unpadded = payloadLength + tfc + 2;
    const padLength = (align - (unpadded % align)) % align;
    const udpLength = udp ? 8 : 0;
    const espLength = 8 + t.ivLength + unpadded + padLength + t.icvLength;
    const total = outerHeaderLength + udpLength + espLength;
    if (total > 0xffff + (outerVersion === 6 ? IPV6_HEADER_LENGTH : 0)) return this.drop(EspDropReason.TOO_BIG);

    const out = new Uint8Array(total);
    if (tunnel || dummy) {
      this.writeOuterHeader(st, out, outerVersion, total, dummy ? null : packet, dummy ? 0 : layout!.version, udp ? IpProtocol.UDP : IpProtocol.ESP);
    } else {
      out.set(packet.subarray(0, outerHeaderLength), 0);
      out[layout!.nextHeaderOffset] = udp ? IpProtocol.UDP : IpProtocol.ESP;
      setIpLength(out, outerVersion, total);
      if (outerVersion === 4) setIpv4HeaderChecksum(out, 0);
    }
    let esp = outerHeaderLength;
    if (udp) {
      // RFC 3948 §2.1: UDP header, checksum zero over IPv4 (computed over IPv6, RFC 8200 §8.1).
      out[esp] = udp.sourcePort >>> 8;
      out[esp + 1] = udp.sourcePort & 0xff;
      out[esp + 2] = udp.destinationPort >>> 8;
      out[esp + 3] = udp.destinationPort & 0xff;
      out[esp + 4] = (udpLength + espLength) >>> 8;
      out[esp + 5] = (udpLength + espLength) & 0xff;
      esp += 8;
    }
    writeU32(out, esp, sa.spi);
    writeU32(out, esp + 4, st.seqLo);
    if (t.ivLength > 0) out.set(this.nextIv(t.ivLength), esp + 8);
    const pt = esp + 8 + t.ivLength;
    out.set(packet.subarray(innerStart, innerEnd), pt);
    if (tunnel && !dummy && this.options.forwarding) {
      // RFC 4301 §5.1.2.1: the forwarding gateway decrements the inner TTL / Hop Limit.
      if (layout!.version === 4) {
        out[pt + 8]--;
        setIpv4HeaderChecksum(out, pt);
      } else out[pt + 7]--;
    }
    let p = pt + payloadLength + tfc; // TFC padding bytes are already zero
    for (let i = 1; i <= padLength; i++) out[p++] = i; // RFC 4303 §2.4: 1, 2, 3, ...
    out[p++] = padLength;
    out[p++] = nextHeader;
    t.seal(out, esp, pt, p, st.seqHi, sa.esn);
    if (udp && outerVersion === 6) {
      const u = outerHeaderLength;
      let sum = onesComplementSum(out, 8, 40); // source and destination addresses
      sum = onesComplementSum(new Uint8Array([0, 0, (total - u) >>> 8, (total - u) & 0xff, 0, 0, 0, IpProtocol.UDP]), 0, 8, sum);
      const c = ~onesComplementSum(out, u, total, sum) & 0xffff || 0xffff;
      out[u + 6] = c >>> 8;
      out[u + 7] = c & 0xff;
    }

    this.advanceSequence(st);
    this.account(st, payloadLength);
    return { ok: true, packet: out };
  }

  /** The next `length` bytes of fresh IV (RFC 4303 §3.3.2: never reused; RFC 3602 §2: unpredictable). */
  private nextIv(length: number): Uint8Array {
    if (this.ivPool.length - this.ivPoolOffset < length) {
      this.ivPool = this.options.random.randomBytes(length * Math.max(1, this.options.ivBatch ?? 64));
      this.ivPoolOffset = 0;
    }
    const iv = this.ivPool.subarray(this.ivPoolOffset, this.ivPoolOffset + length);
    this.ivPoolOffset += length;
    return iv;
  }

  private advanceSequence(st: SaState): void {
    if (st.seqLo === 0xffff_ffff) {
      if (!st.sa.esn || st.seqHi === 0xffff_ffff) {
        st.exhausted = true;
        this.events.push({ type: 'sequence-exhausted', direction: 'outbound', spi: st.sa.spi });
        return;
      }
      st.seqHi++;
      st.seqLo = 0;
    } else st.seqLo++;
  }

  /** RFC 4301 §5.1.2.1 (IPv4) and §5.1.2.2 (IPv6): the new outer header of tunnel mode. */
  private writeOuterHeader(st: SaState, out: Uint8Array, version: 4 | 6, total: number, inner: Uint8Array | null, innerVersion: number, protocol: number): void {
    // DSCP copied (configurable), ECN copied (RFC 6040 §4.1 normal mode), DF copied from an IPv4 inner header.
    let tos = 0;
    let df = 0;
    if (inner) {
      tos = innerVersion === 4 ? inner[1] : ((inner[0] & 0x0f) << 4) | (inner[1] >> 4);
      if (this.options.copyDscp === false) tos &= 0x03;
      if (innerVersion === 4) df = inner[6] & 0x40;
    }
    const ttl = this.options.tunnelTtl ?? 64;
    if (version === 4) {
      const id = this.options.ipv4Identification ? this.options.ipv4Identification() : (this.identification = (this.identification + 1) & 0xffff);
      out[0] = 0x45;
      out[1] = tos;
      out[2] = total >>> 8;
      out[3] = total & 0xff;
      out[4] = (id >>> 8) & 0xff;
      out[5] = id & 0xff;
      out[6] = df;
      out[7] = 0;
      out[8] = ttl;
      out[9] = protocol;
      out.set(st.tunnelSource!, 12);
      out.set(st.tunnelDestination!, 16);
      setIpv4HeaderChecksum(out, 0);
    } else {
      out[0] = 0x60 | (tos >> 4);
      out[1] = (tos & 0x0f) << 4;
      const payload = total - IPV6_HEADER_LENGTH;
      out[4] = payload >>> 8;
      out[5] = payload & 0xff;
      out[6] = protocol;
      out[7] = ttl;
      out.set(st.tunnelSource!, 8);
      out.set(st.tunnelDestination!, 24);
    }
  }

  /**
   * Removes ESP from one received IP packet (RFC 4303 §3.4). Never throws for any input: every
   * failure is a counted drop. UDP-encapsulated ESP (RFC 3948) on port 4500 is recognised, and
   * NAT-keepalives and IKE messages behind the non-ESP marker are reported as such.
   */
  unprotect(packet: Uint8Array): UnprotectResult {
    try {
      return this.unprotectUnchecked(packet);
    } catch {
      // Defensive: a decoder bug must still be a counted drop, never an exception (DESIGN.md).
      this.internalErrors++;
      return this.drop(EspDropReason.MALFORMED);
    }
  }

  private unprotectUnchecked(packet: Uint8Array): UnprotectResult {
    const layout = ipLayout(packet);
    if (typeof layout === 'string') return this.drop(layout);
    let esp = layout.headerEnd;
    const end = layout.end;
    if (layout.protocol === IpProtocol.UDP) {
      if (esp + 8 > end) return this.drop(EspDropReason.MALFORMED);
      const dport = (packet[esp + 2] << 8) | packet[esp + 3];
      const sport = (packet[esp] << 8) | packet[esp + 1];
      if (dport !== NAT_T_PORT && sport !== NAT_T_PORT) return this.drop(EspDropReason.NOT_IPSEC);
      const body = esp + 8;
      // RFC 3948 §2.3: a one-octet 0xFF payload is a NAT-keepalive.
      if (end - body === 1 && packet[body] === 0xff) return this.drop(EspDropReason.NAT_KEEPALIVE);
      // RFC 3948 §2.2: four zero octets (the non-ESP marker) precede an IKE message.
      if (end - body >= 4 && packet[body] === 0 && packet[body + 1] === 0 && packet[body + 2] === 0 && packet[body + 3] === 0) {
        this.counters[EspDropReason.IKE_MESSAGE]++;
        return { ok: false, reason: EspDropReason.IKE_MESSAGE, ike: packet.subarray(body + 4, end) };
      }
      esp = body;
    } else if (layout.protocol === IpProtocol.AH) {
      return this.unprotectAh(packet, layout);
    } else if (layout.protocol !== IpProtocol.ESP) {
      return this.drop(EspDropReason.NOT_IPSEC);
    }
    if (esp + 8 > end) return this.drop(EspDropReason.MALFORMED);

    // RFC 4303 §3.4.2: SA lookup by SPI, destination and protocol.
    const spi = readU32(packet, esp);
    const st = this.lookupInbound(spi, 'esp', packet, layout.version);
    if (!st) return { ...this.drop(EspDropReason.UNKNOWN_SPI), spi };
    const t = st.transform!;
    const minimum = 8 + t.ivLength + 2 + t.icvLength;
    const ctLength = end - esp - 8 - t.ivLength - t.icvLength;
    if (end - esp < minimum || (t.blockSize > 4 && ctLength % t.blockSize !== 0)) return { ...this.drop(EspDropReason.MALFORMED), spi };
    if (this.expired(st)) return { ...this.drop(EspDropReason.SA_EXPIRED), spi };

    // RFC 4303 §3.4.3: anti-replay check before the ICV (Appendix A: ESN high bits inferred).
    const seqLo = readU32(packet, esp + 4);
    const window = st.window!;
    let seqHi = 0;
    if (st.sa.esn) {
      seqHi = window.inferHigh(seqLo);
      if (seqHi < 0) return { ...this.drop(EspDropReason.TOO_OLD), spi };
    }
    const replay = window.check(seqHi, seqLo);
    if (replay === ReplayCheck.REPLAY) return { ...this.drop(EspDropReason.REPLAY), spi };
    if (replay === ReplayCheck.TOO_OLD) return { ...this.drop(EspDropReason.TOO_OLD), spi };

    // RFC 4303 §3.4.4: ICV first; the transform decrypts only after it verified.
    const plaintext = t.open(packet, esp, end, seqHi, st.sa.esn);
    if (plaintext === null) return { ...this.drop(EspDropReason.ICV_FAILURE), spi };
    window.update(seqHi, seqLo);

    // RFC 4303 §2.4: Pad Length and the padding bytes 1, 2, 3, ...
    const n = plaintext.length;
    const padLength = plaintext[n - 2];
    const nextHeader = plaintext[n - 1];
    const payloadEnd = n - 2 - padLength;
    if (payloadEnd < 0) return { ...this.drop(EspDropReason.BAD_PADDING), spi };
    let badPad = 0;
    for (let i = 0; i < padLength; i++) badPad |= plaintext[payloadEnd + i] ^ ((i + 1) & 0xff);
    if (badPad !== 0) return { ...this.drop(EspDropReason.BAD_PADDING), spi };
    // RFC 4303 §2.6: dummy packets are discarded (after their ICV verified).
    if (nextHeader === IpProtocol.IPV6_NONXT) return { ...this.drop(EspDropReason.DUMMY_PACKET), spi };

    let out: Uint8Array;
    if (st.sa.mode === 'tunnel') {
      const inner = this.innerPacket(plaintext, payloadEnd, nextHeader, packet, layout.version);
      if (typeof inner === 'string') return { ...this.drop(inner), spi };
      out = inner;
    } else {
      // Transport mode (RFC 4303 §3.4.4.1 ff.): the IP header (and IPv6 extension headers in
      // front of ESP) with the Next Header restored and the lengths of the smaller packet.
      const headerLength = layout.headerEnd;
      out = new Uint8Array(headerLength + payloadEnd);
      out.set(packet.subarray(0, headerLength), 0);
      out.set(plaintext.subarray(0, payloadEnd), headerLength);
      out[layout.nextHeaderOffset] = nextHeader;
      setIpLength(out, layout.version, out.length);
      if (layout.version === 4) setIpv4HeaderChecksum(out, 0);
    }

    // RFC 4301 §5.2 step 4: the packet must match the SA's selectors.
    if (!this.selectorsMatch(st, out)) return { ...this.drop(EspDropReason.SELECTOR_MISMATCH), spi };
    this.account(st, payloadEnd);
    return { ok: true, packet: out, spi, sequenceHigh: seqHi, sequenceLow: seqLo };
  }

  /**
   * AH outbound (RFC 4302 §3.1-§3.3): transport mode inserts AH after the IP header (IPv6: after
   * the extension headers); tunnel mode builds a new outer header. The ICV is the HMAC of the
   * packet with mutable fields and the ICV field zeroed, then the ESN high half (§3.3.3.1).
   */
  private encapsulateAh(st: SaState, packet: Uint8Array, layout: IpLayout): ProtectResult {
    const sa = st.sa;
    const mac = st.mac!;
    const tunnel = sa.mode === 'tunnel';
    const outerVersion: 4 | 6 = tunnel ? (st.tunnelSource!.length === 4 ? 4 : 6) : layout.version;
    const headerLength = tunnel ? (outerVersion === 4 ? 20 : IPV6_HEADER_LENGTH) : layout.headerEnd;
    const innerStart = tunnel ? 0 : layout.headerEnd;
    const innerEnd = layout.end;
    const nextHeader = tunnel ? (layout.version === 4 ? IpProtocol.IPV4 : IpProtocol.IPV6) : layout.protocol;
    const ahLen = ahLength(mac.outputLength, outerVersion);
    const total = headerLength + ahLen + (innerEnd - innerStart);
    if (total > 0xffff + (outerVersion === 6 ? IPV6_HEADER_LENGTH : 0)) return this.drop(EspDropReason.TOO_BIG);
    if (tunnel && this.options.forwarding && packet[layout.version === 4 ? 8 : 7] <= 1) return this.drop(EspDropReason.TTL_EXCEEDED);
    const out = new Uint8Array(total);
    if (tunnel) this.writeOuterHeader(st, out, outerVersion, total, packet, layout.version, IpProtocol.AH);
    else {
      out.set(packet.subarray(0, headerLength), 0);
      out[layout.nextHeaderOffset] = IpProtocol.AH;
      setIpLength(out, outerVersion, total);
      if (outerVersion === 4) setIpv4HeaderChecksum(out, 0);
    }
    const ah = headerLength;
    // RFC 4302 §2: Next Header, Payload Len (32-bit words minus 2), RESERVED, SPI, Sequence Number.
    out[ah] = nextHeader;
    out[ah + 1] = ahLen / 4 - 2;
    writeU32(out, ah + 4, sa.spi);
    writeU32(out, ah + 8, st.seqLo);
    out.set(packet.subarray(innerStart, innerEnd), ah + ahLen);
    if (tunnel && this.options.forwarding) {
      const inner = ah + ahLen;
      if (layout.version === 4) {
        out[inner + 8]--;
        setIpv4HeaderChecksum(out, inner);
      } else out[inner + 7]--;
    }
    const zeroed = out.slice();
    if (!zeroMutableFields(zeroed, ah, mac.outputLength)) return this.drop(EspDropReason.UNSUPPORTED);
    out.set(mac.compute(zeroed, this.esnHigh(sa.esn, st.seqHi)), ah + AH_FIXED_LENGTH);
    this.advanceSequence(st);
    this.account(st, innerEnd - innerStart);
    return { ok: true, packet: out };
  }

  private esnHigh(esn: boolean, seqHi: number): Uint8Array {
    const b = new Uint8Array(esn ? 4 : 0);
    if (esn) writeU32(b, 0, seqHi);
    return b;
  }

  /** AH inbound (RFC 4302 §3.4): SPI → anti-replay → ICV (constant time) → window → selectors. */
  private unprotectAh(packet: Uint8Array, layout: IpLayout): UnprotectResult {
    const ah = layout.headerEnd;
    const end = layout.end;
    if (ah + AH_FIXED_LENGTH > end) return this.drop(EspDropReason.MALFORMED);
    const spi = readU32(packet, ah + 4);
    const st = this.lookupInbound(spi, 'ah', packet, layout.version);
    if (!st) return { ...this.drop(EspDropReason.UNKNOWN_SPI), spi };
    const mac = st.mac!;
    const ahLen = (packet[ah + 1] + 2) * 4;
    if (ahLen !== ahLength(mac.outputLength, layout.version) || ah + ahLen > end) return { ...this.drop(EspDropReason.MALFORMED), spi };
    if (this.expired(st)) return { ...this.drop(EspDropReason.SA_EXPIRED), spi };
    const seqLo = readU32(packet, ah + 8);
    const window = st.window!;
    let seqHi = 0;
    if (st.sa.esn) {
      seqHi = window.inferHigh(seqLo);
      if (seqHi < 0) return { ...this.drop(EspDropReason.TOO_OLD), spi };
    }
    const replay = window.check(seqHi, seqLo);
    if (replay === ReplayCheck.REPLAY) return { ...this.drop(EspDropReason.REPLAY), spi };
    if (replay === ReplayCheck.TOO_OLD) return { ...this.drop(EspDropReason.TOO_OLD), spi };
    const zeroed = packet.slice(0, end);
    if (!zeroMutableFields(zeroed, ah, mac.outputLength)) return { ...this.drop(EspDropReason.UNSUPPORTED), spi };
    const icv = packet.subarray(ah + AH_FIXED_LENGTH, ah + AH_FIXED_LENGTH + mac.outputLength);
    if (!mac.verify(icv, zeroed, this.esnHigh(st.sa.esn, seqHi))) return { ...this.drop(EspDropReason.ICV_FAILURE), spi };
    window.update(seqHi, seqLo);
    const nextHeader = packet[ah];
    let out: Uint8Array;
    if (st.sa.mode === 'tunnel') {
      const inner = this.innerPacket(packet.slice(ah + ahLen, end), end - ah - ahLen, nextHeader, packet, layout.version);
      if (typeof inner === 'string') return { ...this.drop(inner), spi };
      out = inner;
    } else {
      out = new Uint8Array(ah + (end - ah - ahLen));
      out.set(packet.subarray(0, ah), 0);
      out.set(packet.subarray(ah + ahLen, end), ah);
      out[layout.nextHeaderOffset] = nextHeader;
      setIpLength(out, layout.version, out.length);
      if (layout.version === 4) setIpv4HeaderChecksum(out, 0);
    }
    if (!this.selectorsMatch(st, out)) return { ...this.drop(EspDropReason.SELECTOR_MISMATCH), spi };
    this.account(st, out.length);
    return { ok: true, packet: out, spi, sequenceHigh: seqHi, sequenceLow: seqLo };
  }

  private lookupInbound(spi: number, protocol: 'esp' | 'ah', packet: Uint8Array, version: 4 | 6): SaState | undefined {
    const list = this.inbound.get(spi);
    if (!list) return undefined;
    const dstOffset = version === 4 ? 16 : 24;
    const dstLength = version === 4 ? 4 : 16;
    for (const st of list) {
      if (st.sa.protocol !== protocol) continue;
      if (st.destination === null) return st;
      if (st.destination.length === dstLength && bytesEqual(st.destination, packet, dstOffset)) return st;
    }
    return undefined;
  }

  /**
   * Tunnel mode: the inner packet is the payload; its own length field tells where TFC padding
   * starts (RFC 4303 §2.7). ECN of the outer header propagates per RFC 6040 §4.2 (CE only).
   */
  private innerPacket(plaintext: Uint8Array, payloadEnd: number, nextHeader: number, outer: Uint8Array, outerVersion: 4 | 6): Uint8Array | EspDropReason {
    let length: number;
    if (nextHeader === IpProtocol.IPV4) {
      if (payloadEnd < 20 || plaintext[0] >> 4 !== 4) return EspDropReason.MALFORMED;
      length = (plaintext[2] << 8) | plaintext[3];
      if (length < (plaintext[0] & 0x0f) * 4 || length > payloadEnd) return EspDropReason.MALFORMED;
    } else if (nextHeader === IpProtocol.IPV6) {
      if (payloadEnd < IPV6_HEADER_LENGTH || plaintext[0] >> 4 !== 6) return EspDropReason.MALFORMED;
      length = IPV6_HEADER_LENGTH + ((plaintext[4] << 8) | plaintext[5]);
      if (length > payloadEnd) return EspDropReason.MALFORMED;
    } else {
      return EspDropReason.BAD_NEXT_HEADER;
    }
    // NULL and GMAC leave the payload in the caller's buffer: the output gets its own bytes.
    const inner = plaintext.buffer === outer.buffer ? plaintext.slice(0, length) : plaintext.subarray(0, length);
    const outerEcn = outerVersion === 4 ? outer[1] & 3 : (outer[1] >> 4) & 3;
    if (outerEcn === 3) {
      if (nextHeader === IpProtocol.IPV4 && (inner[1] & 3) !== 0) {
        inner[1] |= 3;
        setIpv4HeaderChecksum(inner, 0);
      } else if (nextHeader === IpProtocol.IPV6 && ((inner[1] >> 4) & 3) !== 0) inner[1] |= 0x30;
    }
    return inner;
  }

  private selectorsMatch(st: SaState, packet: Uint8Array): boolean {
    const spd = this.options.spd;
    if (!st.selectors && !spd) return true;
    let p;
    try {
      p = packetSelectors(packet);
    } catch {
      return false;
    }
    if (st.selectors) return st.selectors.some((s) => s.matches(p, false));
    const rule = spd!.lookup(p, false);
    return rule !== undefined && rule.action === 'PROTECT';
  }
}

