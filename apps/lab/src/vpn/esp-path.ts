/**
 * The gateway's ESP data path for tunnel-mode Child SAs negotiated by @layersec/ikev2.
 *
 * This is a stop-gap at the lab's edge: @layersec/esp does not yet export its packet engine (SAD,
 * outbound/inbound processing); until it does, the gateway carries its packets through this small
 * tunnel-mode path built on the project's primitives — the AEADs of @layersec/crypto-primitives
 * and the anti-replay window of @layersec/wire. It does only what the gateway needs:
 *
 * - AEAD transforms (RFC 4106 AES-GCM with a 16-octet ICV, RFC 7634 ChaCha20-Poly1305):
 *   nonce = salt || IV, AAD = SPI || Sequence Number (no ESN), the IV being the 64-bit counter
 *   (RFC 4106 §3.1 allows any unique IV);
 * - RFC 4303 §2.4 padding to 4 octets with the bytes 1, 2, 3, ..., checked on input;
 * - Next Header 4 (IPv4) or 41 (IPv6) for the whole inner packet (tunnel mode, §3.1.2);
 * - outbound: the selectors of the packet must lie within the Child SA's traffic selectors
 *   (RFC 4301 §5.1), else it is dropped; the newest SA of a rekeyed pair carries it;
 * - inbound (§3.4): SPI lookup, anti-replay check before the ICV, ICV (AEAD tag) before anything
 *   is released, window update, padding and Next Header checks, then the inner packet must match
 *   the SA's selectors (RFC 4301 §5.2); every drop has a reason and a counter.
 *
 * The outer IPv4 header (protocol 50) or UDP header (port 4500, RFC 3948) is the kernel's.
 */
import type { Aead, CryptoProvider } from '@layersec/crypto-primitives';
import { type ChildSaResult, type TsRange, EncrId, espSaRows, parseIpAddress } from '@layersec/ikev2';
import { ReplayCheck, ReplayWindow, toHex } from '@layersec/wire';

export const DropReason = {
  MALFORMED: 'malformed',
  UNKNOWN_SPI: 'unknown-spi',
  REPLAY: 'replay',
  TOO_OLD: 'too-old',
  ICV_FAILURE: 'icv-failure',
  BAD_PADDING: 'bad-padding',
  BAD_NEXT_HEADER: 'bad-next-header',
  SELECTOR_MISMATCH: 'selector-mismatch',
  NO_SA: 'no-sa',
  SEQUENCE_EXHAUSTED: 'sequence-exhausted',
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

const SALT = 4;
const IV = 8;
const ICV = 16;
const NEXT_HEADER_IPV4 = 4;
const NEXT_HEADER_IPV6 = 41;

interface Direction {
  spi: Uint8Array;
  aead: Aead;
  salt: Uint8Array;
}

interface PathSa {
  child: ChildSaResult;
  inbound: Direction;
  outbound: Direction;
  /** Next sequence number to send (RFC 4303 §3.3.3: starts at 1, never wraps without ESN). */
  nextSeq: number;
  window: ReplayWindow;
  natT: boolean;
  counters: ChildCounters;
}

function aeadFor(provider: CryptoProvider, child: ChildSaResult, keymat: Uint8Array): { aead: Aead; salt: Uint8Array } {
  const id = child.transforms.encr.id;
  const key = keymat.subarray(0, keymat.length - SALT);
  const salt = keymat.slice(keymat.length - SALT);
  if (id === EncrId.ENCR_AES_GCM_16) return { aead: provider.aead(key.length === 16 ? 'AES-128-GCM' : 'AES-256-GCM', key, ICV), salt };
  if (id === EncrId.ENCR_CHACHA20_POLY1305) return { aead: provider.aead('CHACHA20-POLY1305', key, ICV), salt };
  throw new Error(`the gateway's ESP path carries AES-GCM-16 and ChaCha20-Poly1305 Child SAs (esp_proposals = aes128gcm16, aes256gcm16, chacha20poly1305), not transform ${id}`);
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
  /** Inbound SAs by SPI (hex). */
  private readonly bySpi = new Map<string, PathSa>();
  /** Installed SAs, oldest first: the newest carries outbound traffic. */
  private readonly sas: PathSa[] = [];
  private readonly dropCounts = new Map<DropReason, number>();
  /** Every Child SA ever installed (for decrypting a capture that spans rekeys). */
  private readonly history: ChildSaResult[] = [];

  constructor(
    private readonly provider: CryptoProvider,
    private readonly localAddress: string,
    private readonly remoteAddress: string,
  ) {}

  private drop(reason: DropReason, sa?: PathSa): undefined {
    this.dropCounts.set(reason, (this.dropCounts.get(reason) ?? 0) + 1);
    if (sa !== undefined) sa.counters.inDrops++;
    return undefined;
  }

  /** Installs both directions of `child`; outbound traffic moves to it at once. */
  install(child: ChildSaResult, options: { natT: boolean; replaces?: ChildSaResult }): void {
    if (child.mode !== 'tunnel') throw new Error('the gateway carries tunnel-mode Child SAs only');
    const inbound = aeadFor(this.provider, child, child.inbound.encr);
    const outbound = aeadFor(this.provider, child, child.outbound.encr);
    const sa: PathSa = {
      child,
      inbound: { spi: child.inboundSpi, ...inbound },
      outbound: { spi: child.outboundSpi, ...outbound },
      nextSeq: 1,
      window: new ReplayWindow({ size: 1024, start: 1 }),
      natT: options.natT,
      counters: { inPackets: 0, inBytes: 0, outPackets: 0, outBytes: 0, inDrops: 0 },
    };
    this.sas.push(sa);
    this.history.push(child);
    this.bySpi.set(toHex(child.inboundSpi), sa);
  }

  remove(child: ChildSaResult): void {
    const i = this.sas.findIndex((s) => s.child === child);
    if (i < 0) return;
    this.sas.splice(i, 1);
    this.bySpi.delete(toHex(child.inboundSpi));
  }

  counters(child: ChildSaResult): ChildCounters {
    const sa = this.sas.find((s) => s.child === child);
    return sa === undefined ? { inPackets: 0, inBytes: 0, outPackets: 0, outBytes: 0, inDrops: 0 } : { ...sa.counters };
  }

  drops(): Record<string, number> {
    return Object.fromEntries(this.dropCounts);
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
    if (sa === undefined) return this.drop(DropReason.NO_SA);
    const nh = inner[0] >> 4 === 6 ? NEXT_HEADER_IPV6 : NEXT_HEADER_IPV4;
    if (sa.nextSeq > 0xffffffff) return this.drop(DropReason.SEQUENCE_EXHAUSTED);
    const seq = sa.nextSeq++;
    const padLength = (4 - ((inner.length + 2) % 4)) % 4;
    const plain = new Uint8Array(inner.length + padLength + 2);
    plain.set(inner, 0);
    for (let i = 1; i <= padLength; i++) plain[inner.length + i - 1] = i;
    plain[plain.length - 2] = padLength;
    plain[plain.length - 1] = nh;
    const header = new Uint8Array(8 + IV);
    header.set(sa.outbound.spi, 0);
    const dv = new DataView(header.buffer);
    dv.setUint32(4, seq);
    // IV: the 64-bit counter (unique per SA, RFC 4106 §3.1).
    dv.setUint32(8, 0);
    dv.setUint32(12, seq);
    const nonce = new Uint8Array(SALT + IV);
    nonce.set(sa.outbound.salt, 0);
    nonce.set(header.subarray(8, 16), SALT);
    const sealed = sa.outbound.aead.seal(nonce, plain, header.subarray(0, 8));
    const packet = new Uint8Array(header.length + sealed.length);
    packet.set(header, 0);
    packet.set(sealed, header.length);
    sa.counters.outPackets++;
    sa.counters.outBytes += inner.length;
    return { packet, natT: sa.natT };
  }

  /** RFC 4303 §3.4 for an ESP packet (SPI first): the inner packet, or undefined when dropped (counted). */
  unprotect(packet: Uint8Array): Uint8Array | undefined {
    if (packet.length < 8 + IV + ICV + 4) return this.drop(DropReason.MALFORMED);
    const sa = this.bySpi.get(toHex(packet.subarray(0, 4)));
    if (sa === undefined) return this.drop(DropReason.UNKNOWN_SPI);
    const seq = ((packet[4] << 24) | (packet[5] << 16) | (packet[6] << 8) | packet[7]) >>> 0;
    // §3.4.3: the replay check comes before the integrity check, the window update after it.
    const check = sa.window.check(0, seq);
    if (check === ReplayCheck.REPLAY) return this.drop(DropReason.REPLAY, sa);
    if (check === ReplayCheck.TOO_OLD || seq === 0) return this.drop(DropReason.TOO_OLD, sa);
    const nonce = new Uint8Array(SALT + IV);
    nonce.set(sa.inbound.salt, 0);
    nonce.set(packet.subarray(8, 16), SALT);
    const plain = sa.inbound.aead.open(nonce, packet.subarray(16), packet.subarray(0, 8));
    if (plain === null) return this.drop(DropReason.ICV_FAILURE, sa);
    sa.window.update(0, seq);
    const padLength = plain[plain.length - 2];
    const nh = plain[plain.length - 1];
    const end = plain.length - 2 - padLength;
    if (end < 0) return this.drop(DropReason.BAD_PADDING, sa);
    for (let i = 1; i <= padLength; i++) if (plain[end + i - 1] !== i) return this.drop(DropReason.BAD_PADDING, sa);
    if (nh !== NEXT_HEADER_IPV4 && nh !== NEXT_HEADER_IPV6) return this.drop(DropReason.BAD_NEXT_HEADER, sa);
    const inner = plain.subarray(0, end);
    if (inner.length < 20 || inner[0] >> 4 !== (nh === NEXT_HEADER_IPV4 ? 4 : 6)) return this.drop(DropReason.MALFORMED, sa);
    if (!selectorsMatch(inner, false, sa.child.localTs, sa.child.remoteTs)) return this.drop(DropReason.SELECTOR_MISMATCH, sa);
    sa.counters.inPackets++;
    sa.counters.inBytes += inner.length;
    return inner;
  }

  /** Wireshark `esp_sa` rows (both directions) of every Child SA installed so far. */
  wiresharkRows(): string[] {
    const local = parseIpAddress(this.localAddress)!;
    const remote = parseIpAddress(this.remoteAddress)!;
    return this.history.flatMap((c) => espSaRows(c, local, remote) ?? []);
  }
}
