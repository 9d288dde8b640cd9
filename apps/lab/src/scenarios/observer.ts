/**
 * The on-path observer: what someone holding only the capture (no keys) can read. TCP streams are
 * put back in order per direction, TLS record headers are read, and handshake messages are read
 * where they are in clear (before the sender's ChangeCipherSpec). Each packet gets the labels the
 * ladder diagram shows.
 */
import { parseCertificate } from '@layersec/crypto-primitives';
import {
  CipherSuite,
  ContentType,
  ExtensionType,
  HandshakeType,
  messages,
  nameOf,
} from '@layersec/tls';
import type { CapturedPacket } from './capture.js';
import { TcpFlag, flagNames } from './capture.js';
import type { ObserverView } from './result.js';

/** One TLS record as the observer sees it: header in clear, body protected or not. */
export interface ObservedRecord {
  fromClient: boolean;
  contentType: number;
  version: number;
  length: number;
  /** Offset of the record header in its direction's TCP stream. */
  streamOffset: number;
  /** The packet that carried the record's first byte. */
  packet: number;
  /** Handshake message names when the record is a cleartext handshake record. */
  handshakeMessages: string[];
  encrypted: boolean;
}

interface Direction {
  isn: number | undefined;
  /** Next stream offset expected. */
  next: number;
  outOfOrder: Map<number, { data: Uint8Array; packet: number }>;
  buffer: Uint8Array;
  /** Stream offset of buffer[0]. */
  bufferOffset: number;
  /** packet numbers by stream offset where their new bytes start, to attribute records to packets. */
  segmentStarts: Array<{ offset: number; packet: number }>;
  ccsSeen: boolean;
  handshakeBytes: Uint8Array;
}

export interface TlsStreamAnalysis {
  records: ObservedRecord[];
  /** Packet number → labels (TCP flags, TLS records starting in it). */
  labels: Map<number, string[]>;
  serverName: string | null;
  certificateSubjects: string[];
  cleartextFacts: string[];
  /** ClientHello.random and ServerHello.random, read in clear. */
  clientRandom: Uint8Array | null;
  serverRandom: Uint8Array | null;
  /** For each captured TCP packet, the stream offsets [start, end) of its payload in its direction. */
  streamRanges: Map<number, { start: number; end: number }>;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const seqDiff = (a: number, b: number) => (a - b) | 0;

/** Reads the TCP streams of a capture (both directions) and the TLS records in them. */
export function analyzeTlsOverTcp(packets: readonly CapturedPacket[], tlsPresent: boolean): TlsStreamAnalysis {
  const dirs = [true, false].map(
    (): Direction => ({
      isn: undefined,
      next: 0,
      outOfOrder: new Map(),
      buffer: new Uint8Array(0),
      bufferOffset: 0,
      segmentStarts: [],
      ccsSeen: false,
      handshakeBytes: new Uint8Array(0),
    }),
  );
  const out: TlsStreamAnalysis = {
    records: [],
    labels: new Map(),
    serverName: null,
    certificateSubjects: [],
    cleartextFacts: [],
    clientRandom: null,
    serverRandom: null,
    streamRanges: new Map(),
  };
  const label = (packet: number, text: string) => {
    const l = out.labels.get(packet) ?? [];
    l.push(text);
    out.labels.set(packet, l);
  };

  const readHandshake = (d: Direction, fromClient: boolean, rec: ObservedRecord) => {
    for (;;) {
      const hb = d.handshakeBytes;
      if (hb.length < 4) return;
      const len = (hb[1] << 16) | (hb[2] << 8) | hb[3];
      if (hb.length < 4 + len) return;
      const type = hb[0];
      const body = hb.subarray(4, 4 + len);
      d.handshakeBytes = hb.slice(4 + len);
      const name = nameOf(HandshakeType, type);
      rec.handshakeMessages.push(name);
      try {
        if (type === HandshakeType.client_hello && fromClient) {
          const ch = messages.decodeClientHello(body);
          out.clientRandom = ch.random.slice();
          const sni = messages.findExtension(ch.extensions, ExtensionType.server_name);
          if (sni) out.serverName = messages.decodeServerName(sni) ?? null;
          out.cleartextFacts.push(`ClientHello offers ${ch.cipher_suites.length} cipher suites`);
        } else if (type === HandshakeType.server_hello && !fromClient) {
          const sh = messages.decodeServerHello(body);
          out.serverRandom = sh.random.slice();
          const sv = messages.findExtension(sh.extensions, ExtensionType.supported_versions);
          const version = sv ? messages.decodeSupportedVersionsServer(sv) : sh.legacy_version;
          out.cleartextFacts.push(`version ${version === 0x0304 ? 'TLS 1.3' : version === 0x0303 ? 'TLS 1.2' : version.toString(16)}`);
          out.cleartextFacts.push(`cipher suite ${nameOf(CipherSuite, sh.cipher_suite)}`);
        } else if (type === HandshakeType.certificate && !fromClient) {
          // TLS 1.2 Certificate (RFC 5246 §7.4.2): a 24-bit list of 24-bit-length DER certificates.
          let o = 3;
          while (o + 3 <= body.length) {
            const l = (body[o] << 16) | (body[o + 1] << 8) | body[o + 2];
            const der = body.subarray(o + 3, o + 3 + l);
            out.certificateSubjects.push(parseCertificate(der).subject.rfc4514);
            o += 3 + l;
          }
        }
      } catch {
        // an observer that cannot parse a message just does not learn from it
      }
    }
  };

  const readRecords = (d: Direction, fromClient: boolean) => {
    for (;;) {
      if (d.buffer.length < 5) return;
      const length = (d.buffer[3] << 8) | d.buffer[4];
      if (d.buffer.length < 5 + length) return;
      const contentType = d.buffer[0];
      const offset = d.bufferOffset;
      let packet = 0;
      for (const s of d.segmentStarts) if (s.offset <= offset) packet = s.packet;
      const encrypted = d.ccsSeen || contentType === ContentType.application_data;
      const rec: ObservedRecord = {
        fromClient,
        contentType,
        version: (d.buffer[1] << 8) | d.buffer[2],
        length,
        streamOffset: offset,
        packet,
        handshakeMessages: [],
        encrypted,
      };
      if (contentType === ContentType.handshake && !d.ccsSeen) {
        d.handshakeBytes = concat(d.handshakeBytes, d.buffer.subarray(5, 5 + length));
        readHandshake(d, fromClient, rec);
      }
      if (contentType === ContentType.change_cipher_spec) d.ccsSeen = true;
      out.records.push(rec);
      const typeName = nameOf(ContentType, contentType);
      label(
        packet,
        rec.handshakeMessages.length > 0
          ? rec.handshakeMessages.join(', ')
          : encrypted
            ? `${contentType === ContentType.application_data ? typeName : `${typeName} (encrypted)`} [${length}]`
            : typeName,
      );
      d.buffer = d.buffer.slice(5 + length);
      d.bufferOffset += 5 + length;
      // Keep the segment holding the next record's first byte and those after it.
      let keep = 0;
      for (let i = 0; i < d.segmentStarts.length; i++) if (d.segmentStarts[i].offset <= d.bufferOffset) keep = i;
      d.segmentStarts = d.segmentStarts.slice(keep);
    }
  };

  const take = (d: Direction, fromClient: boolean, data: Uint8Array, packet: number) => {
    d.segmentStarts.push({ offset: d.next, packet });
    d.next += data.length;
    if (tlsPresent) {
      d.buffer = concat(d.buffer, data);
      readRecords(d, fromClient);
    }
  };

  for (const p of packets) {
    const t = p.tcp;
    if (!t) continue;
    const d = dirs[p.fromClientSide ? 0 : 1];
    const flags = flagNames(t.flags & ~TcpFlag.PSH);
    if (t.flags & TcpFlag.SYN) {
      d.isn = t.sequenceNumber;
      label(p.number, flags);
      continue;
    }
    if (d.isn === undefined) continue;
    const start = seqDiff(t.sequenceNumber, d.isn) - 1;
    if (t.payload.length === 0) {
      if (t.flags & (TcpFlag.FIN | TcpFlag.RST)) label(p.number, flags);
      continue;
    }
    out.streamRanges.set(p.number, { start, end: start + t.payload.length });
    if (start + t.payload.length <= d.next) {
      label(p.number, `retransmission [${t.payload.length}]`);
      continue;
    }
    if (start > d.next) {
      d.outOfOrder.set(start, { data: t.payload.slice(), packet: p.number });
      continue;
    }
    take(d, p.fromClientSide, t.payload.subarray(d.next - start), p.number);
    for (let progressed = true; progressed; ) {
      progressed = false;
      for (const [s, o] of d.outOfOrder) {
        if (s > d.next) continue;
        d.outOfOrder.delete(s);
        if (s + o.data.length > d.next) take(d, p.fromClientSide, o.data.subarray(d.next - s), o.packet);
        progressed = true;
      }
    }
    if (!tlsPresent) label(p.number, `data [${t.payload.length}]`);
  }
  // Segments in which no record starts carry the rest of one that began earlier.
  for (const p of packets) {
    if (p.tcp && p.tcp.payload.length > 0 && !out.labels.has(p.number)) label(p.number, `… record continued [${p.tcp.payload.length}]`);
  }
  return out;
}

/** What the observer reads from a capture of TLS (or plain TCP) between two hosts. */
export function observerViewOfTls(packets: readonly CapturedPacket[], a: TlsStreamAnalysis, tlsPresent: boolean): ObserverView {
  const addresses = new Set<string>();
  const ports = new Set<string>();
  const protocols = new Set<string>();
  for (const p of packets) {
    addresses.add(p.source);
    addresses.add(p.destination);
    protocols.add(ipProtocolName(p.protocol));
    if (p.tcp) {
      ports.add(`tcp/${p.tcp.sourcePort}`);
      ports.add(`tcp/${p.tcp.destinationPort}`);
    }
  }
  return {
    addresses: [...addresses].sort(),
    ipProtocols: [...protocols].sort(),
    ports: [...ports].sort((x, y) => Number(x.split('/')[1]) - Number(y.split('/')[1])),
    serverName: a.serverName,
    certificateVisible: a.certificateSubjects.length > 0,
    certificateSubjects: a.certificateSubjects,
    cleartextFacts: a.cleartextFacts,
    protectedUnitSizes: a.records.filter((r) => r.contentType === ContentType.application_data).slice(0, 8).map((r) => r.length),
    applicationDataVisible: !tlsPresent,
  };
}

export function ipProtocolName(p: number): string {
  return p === 6 ? 'tcp' : p === 17 ? 'udp' : p === 50 ? 'esp' : p === 51 ? 'ah' : p === 4 ? 'ipip' : String(p);
}
