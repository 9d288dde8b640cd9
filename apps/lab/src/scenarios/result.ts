/**
 * What a scenario run measured. Every number here comes from the run (the tap's packets, the
 * virtual clock, process.cpuUsage); nothing is estimated from the scenario's parameters.
 */
import type { Authentication, ProtectionProtocol, SubstrateName } from './scenario.js';

export interface HandshakeMetrics {
  /**
   * Round trips before the client sent its first application byte, counted on the tap as
   * client-flight → server-flight turns (pure TCP ACKs are not a flight). Includes TCP's own.
   */
  roundTrips: number;
  /** Of those, the round trips of the transport below the security protocol (TCP's SYN exchange). */
  transportRoundTrips: number;
  /** IP packets and IP bytes on the wire before the client's first application byte. */
  packets: number;
  bytes: number;
  /** Virtual ms from the first packet until the client could send application data. */
  durationMs: number;
}

export interface OverheadMetrics {
  /** Application bytes carried (both directions). */
  applicationBytes: number;
  /** IP packets that carried application data, and their IP bytes. */
  dataPackets: number;
  dataPacketBytes: number;
  /** (dataPacketBytes - applicationBytes) / dataPackets: headers, record framing, IVs, tags, padding. */
  bytesPerPacket: number;
  /** Every IP packet and byte of the run, handshake and ACKs included. */
  totalPackets: number;
  totalBytes: number;
}

export interface ObserverView {
  /** IP addresses in the packets' (outer) headers. */
  addresses: string[];
  /** IP protocols seen (6 tcp, 17 udp, 50 esp, ...). */
  ipProtocols: string[];
  /** Transport ports visible in clear ("tcp/443"). */
  ports: string[];
  /** The server name from a cleartext ClientHello, or null. */
  serverName: string | null;
  /** Whether the server's certificate crossed the wire in clear, and its subject if it did. */
  certificateVisible: boolean;
  certificateSubjects: string[];
  /** Protocol facts readable in clear (version, cipher suite, SPI, ...). */
  cleartextFacts: string[];
  /** Sizes of the protected application units the observer sees (TLS records, ESP payloads), first ones. */
  protectedUnitSizes: number[];
  /** Whether application data was readable in clear by the observer. */
  applicationDataVisible: boolean;
}

export interface LossMetrics {
  packetsLost: number;
  retransmissions: number;
  /** Longest time received data waited behind a hole before the application could have it (TCP's head-of-line blocking). */
  maxHeadOfLineWaitMs: number;
}

export interface ScenarioMetrics {
  handshake: HandshakeMetrics;
  /** Virtual ms from the first packet until the server's application received the first request byte. */
  timeToFirstApplicationByteMs: number;
  /** Virtual ms from the first packet until the client's application had the whole response. */
  completionMs: number;
  overhead: OverheadMetrics;
  /** Response body bytes × 8 / (virtual time from its first to its last byte at the client), Mbit/s. */
  throughputMbps: number;
  /** process.cpuUsage() around the protocol work of both peers (user + system), ms. */
  cpuMs: number;
  loss: LossMetrics;
}

export interface ScenarioResult {
  scenario: string;
  title: string;
  protocol: ProtectionProtocol;
  mode: string;
  auth: Authentication;
  substrate: SubstrateName;
  seed: string;
  /** The exchange completed and each side received exactly the bytes the other sent. */
  verified: boolean;
  /** Why the run did not complete, when it did not. */
  failure?: string;
  /** What the security protocol negotiated (version, cipher suite, group, SPI, ...). */
  negotiated: Record<string, string>;
  metrics: ScenarioMetrics;
  observer: ObserverView;
  /** Files written, relative to the scenario's folder. */
  files: Record<string, string>;
  /** tshark command lines that decrypt the capture with the key material written beside it. */
  tshark: string[];
}
