/**
 * ESP on the memory substrate: @layersec/esp's engine in the PacketHooks of two hosts — the
 * gateways (tunnel mode, protecting what passes between their LANs) or the end hosts themselves
 * (transport mode). The SAs are keyed by hand from the scenario's seed: this is the manually keyed
 * ESP of RFC 4301 §4.5; the IKEv2 scenario shows the exchange that would negotiate them.
 */
import { type RandomSource } from '@layersec/crypto-primitives';
import { EspEngine, type SecurityAssociation, decodeIpv4Header, formatIpAddress, parseSa } from '@layersec/esp';
import { toHex } from '@layersec/wire';
import type { Host } from '../substrates/memory/network.js';
import { transportChecksum } from '../substrates/memory/udp.js';
import { labProvider } from './lab-pki.js';
import { CpuMeter } from './metrics.js';

const IPPROTO_ESP = 50;
const IPPROTO_TCP = 6;
const LINK_MTU = 1500;
/** Worst-case ESP growth with AES-GCM: SPI, sequence, IV, ICV, pad length, next header, 3 bytes of padding. */
const ESP_OVERHEAD = 4 + 4 + 8 + 16 + 2 + 3;

/**
 * TCP MSS clamping, as IPsec gateways do (e.g. Linux's `TCPMSS --clamp-mss-to-pmtu`): a SYN's MSS
 * option is lowered so that a full segment still fits the link once ESP is added. Without it the
 * protected packets would exceed the MTU and be dropped (this network sends no ICMP).
 */
export function clampMss(packet: Uint8Array, mss: number): Uint8Array {
  const ihl = (packet[0] & 0x0f) * 4;
  if (packet[9] !== IPPROTO_TCP || packet.length < ihl + 20 || !(packet[ihl + 13] & 0x02)) return packet;
  const dataOffset = (packet[ihl + 12] >> 4) * 4;
  for (let o = ihl + 20; o + 1 < ihl + dataOffset; ) {
    const kind = packet[o];
    if (kind === 0) break;
    if (kind === 1) {
      o++;
      continue;
    }
    const len = packet[o + 1];
    if (len < 2) break;
    if (kind === 2 && len === 4 && ((packet[o + 2] << 8) | packet[o + 3]) > mss) {
      const out = packet.slice();
      out[o + 2] = mss >> 8;
      out[o + 3] = mss & 0xff;
      const total = (out[2] << 8) | out[3];
      out[ihl + 16] = 0;
      out[ihl + 17] = 0;
      const sum = transportChecksum(out.subarray(12, 16), out.subarray(16, 20), IPPROTO_TCP, out.subarray(ihl, total));
      out[ihl + 16] = sum >> 8;
      out[ihl + 17] = sum & 0xff;
      return out;
    }
    o += len;
  }
  return packet;
}

/** One direction of the pair: which host sends on it. */
export interface ManualSa {
  sa: SecurityAssociation;
  /** The SA in the JSON form `lab esp protect --sa FILE` reads. */
  json: Record<string, unknown>;
  from: string;
  to: string;
}

export interface EspPair {
  /** client side → server side, and back. */
  forward: ManualSa;
  backward: ManualSa;
  engines: { a: EspEngine; b: EspEngine };
  /** Protected packet → the packet it carries (the lab's view for measuring). */
  inner: WeakMap<Uint8Array, Uint8Array>;
  /** Wireshark `esp_sa` rows, one per direction. */
  wiresharkRows: string[];
  /** process.cpuUsage() around the engines' protect and unprotect. */
  cpu: CpuMeter;
  /** The MSS the gateways (or hosts) clamp SYNs to. */
  mss: number;
}

function manualSa(spi: number, mode: 'tunnel' | 'transport', from: string, to: string, random: RandomSource): ManualSa {
  const json = {
    protocol: 'esp',
    spi: `0x${spi.toString(16).padStart(8, '0')}`,
    mode,
    encryption: 'ENCR_AES_GCM_16',
    // KEYMAT order: the 16-byte AES key, then the 4-byte salt (RFC 4106 §8.1).
    encryptionKey: toHex(random.randomBytes(20)),
    icvLength: 16,
    integrity: null,
    integrityKey: null,
    esn: false,
    sequence: 1,
    tunnel: mode === 'tunnel' ? { source: from, destination: to } : null,
  };
  return { sa: parseSa(json), json, from, to };
}

function wiresharkRow(m: ManualSa): string {
  const spi = `0x${m.sa.spi.toString(16).padStart(8, '0')}`;
  return ['IPv4', m.from, m.to, spi, 'AES-GCM with 16 octet ICV [RFC4106]', `0x${m.json.encryptionKey as string}`, 'NULL', '']
    .map((f) => `"${f}"`)
    .join(',');
}

function inPrefix(address: Uint8Array, prefix: string): boolean {
  const [net, len] = prefix.split('/');
  const n = net.split('.').map(Number);
  const bits = Number(len);
  for (let i = 0; i < 4; i++) {
    const take = Math.max(0, Math.min(8, bits - 8 * i));
    const mask = take === 0 ? 0 : (0xff << (8 - take)) & 0xff;
    if ((address[i] & mask) !== (n[i] & mask)) return false;
  }
  return true;
}

/**
 * Installs ESP on hosts `a` (client side) and `b` (server side). `protects(src, dst)` says which
 * packets `a` and `b` send under the SA toward the other (the SPD's PROTECT rule); the rest pass.
 */
export function installEsp(
  mode: 'tunnel' | 'transport',
  a: { host: Host; address: string; protects: string },
  b: { host: Host; address: string; protects: string },
  random: RandomSource,
  now: () => number,
): EspPair {
  const forward = manualSa(0x00001001, mode, a.address, b.address, random);
  const backward = manualSa(0x00002002, mode, b.address, a.address, random);
  const inner = new WeakMap<Uint8Array, Uint8Array>();
  const engine = () => new EspEngine({ provider: labProvider, random, clock: { now } });
  const engines = { a: engine(), b: engine() };
  const cpu = new CpuMeter();
  // Largest segment that still fits the link with ESP (and, in tunnel mode, the outer header) added.
  const mss = LINK_MTU - ESP_OVERHEAD - (mode === 'tunnel' ? 20 : 0) - 20 - 20;
  engines.a.addOutboundSa(forward.sa);
  engines.a.addInboundSa(backward.sa);
  engines.b.addOutboundSa(backward.sa);
  engines.b.addInboundSa(forward.sa);
  const hook = (side: typeof a, eng: EspEngine, out: ManualSa, peerProtects: string) => {
    side.host.hooks = {
      outbound: (packet) => {
        const h = decodeIpv4Header(packet);
        // PROTECT what goes from our side's protected addresses to the peer's; BYPASS the rest.
        if (h.protocol === IPPROTO_ESP || !inPrefix(h.source, side.protects) || !inPrefix(h.destination, peerProtects)) return [packet];
        const clamped = clampMss(packet, mss);
        const r = cpu.measure(() => eng.protect(out.sa.spi, clamped));
        if (!r.ok) return [];
        inner.set(r.packet, clamped);
        return [r.packet];
      },
      inbound: (packet) => {
        const h = decodeIpv4Header(packet);
        if (h.protocol !== IPPROTO_ESP || formatIpAddress(h.destination) !== side.address) return [packet];
        const r = cpu.measure(() => eng.unprotect(packet));
        return r.ok ? [r.packet] : [];
      },
    };
  };
  hook(a, engines.a, forward, b.protects);
  hook(b, engines.b, backward, a.protects);
  return { forward, backward, engines, inner, wiresharkRows: [wiresharkRow(forward), wiresharkRow(backward)], cpu, mss };
}
