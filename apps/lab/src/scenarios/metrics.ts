/**
 * Measurements read off a capture: handshake round trips, packets and bytes before the first
 * application byte, and the per-packet overhead of the packets that carried application data.
 */
import { type CapturedPacket, TcpFlag } from './capture.js';
import type { HandshakeMetrics, OverheadMetrics } from './result.js';

/** A packet that is part of a flight: it carries something (a SYN, payload, an ESP packet), not a bare ACK. */
function isFlight(p: CapturedPacket): boolean {
  if (p.tcp) return (p.tcp.flags & TcpFlag.SYN) !== 0 || p.tcp.payload.length > 0;
  if (p.udp) return p.udp.payload.length > 0;
  return true;
}

/**
 * Walks the capture up to the client's first packet with application data. A round trip is a
 * client flight answered by a server flight; those answered by a SYN-ACK are the transport's.
 */
export function handshakeMetrics(
  packets: readonly CapturedPacket[],
  isClientApplicationPacket: (p: CapturedPacket) => boolean,
): HandshakeMetrics {
  const m: HandshakeMetrics = { roundTrips: 0, transportRoundTrips: 0, packets: 0, bytes: 0, durationMs: 0 };
  let last: 'client' | 'server' | undefined;
  for (const p of packets) {
    if (p.fromClientSide && isClientApplicationPacket(p)) {
      m.durationMs = round2(p.timeMs - (packets[0]?.timeMs ?? 0));
      return m;
    }
    m.packets++;
    m.bytes += p.wireLength ?? p.bytes.length;
    if (!isFlight(p)) continue;
    const dir = p.fromClientSide ? 'client' : 'server';
    if (dir === 'server' && last === 'client') {
      m.roundTrips++;
      if (p.tcp && p.tcp.flags & TcpFlag.SYN) m.transportRoundTrips++;
    }
    last = dir;
  }
  m.durationMs = Number.NaN;
  return m;
}

export function overheadMetrics(
  packets: readonly CapturedPacket[],
  isApplicationPacket: (p: CapturedPacket) => boolean,
  applicationBytes: number,
): OverheadMetrics {
  let dataPackets = 0;
  let dataPacketBytes = 0;
  let totalBytes = 0;
  for (const p of packets) {
    totalBytes += p.wireLength ?? p.bytes.length;
    if (!isApplicationPacket(p)) continue;
    dataPackets++;
    dataPacketBytes += p.wireLength ?? p.bytes.length;
  }
  return {
    applicationBytes,
    dataPackets,
    dataPacketBytes,
    bytesPerPacket: dataPackets ? round2((dataPacketBytes - applicationBytes) / dataPackets) : 0,
    totalPackets: packets.length,
    totalBytes,
  };
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Accumulates process.cpuUsage() (user + system) over the calls it wraps. */
export class CpuMeter {
  private micros = 0;
  measure<T>(fn: () => T): T {
    const start = process.cpuUsage();
    try {
      return fn();
    } finally {
      const d = process.cpuUsage(start);
      this.micros += d.user + d.system;
    }
  }
  get ms(): number {
    return round2(this.micros / 1000);
  }
}
