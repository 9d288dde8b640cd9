/**
 * A scenario is data: which protocol protects which application exchange, authenticated how, on
 * which substrate, over a link with which impairments, and what the run measures. The runner
 * (./runner.ts) turns one into a `ScenarioResult` and the files Wireshark needs.
 */
import type { Impairments } from '../substrates/memory/network.js';

/** What protects the exchange. `tcp` and `udp` are the unprotected baselines the overheads are read against. */
export type ProtectionProtocol = 'tls1.3' | 'tls1.2' | 'dtls1.2' | 'esp' | 'ikev2' | 'tcp' | 'udp';

export type SubstrateName = 'memory' | 'loopback' | 'netns';
export const SUBSTRATES: readonly SubstrateName[] = ['memory', 'loopback', 'netns'];

/** How the peers authenticate: certificates from the lab's own CA, or a pre-shared key. */
export type Authentication = 'x509' | 'psk' | 'none';

export type Topology = 'host-to-host' | 'gateway-to-gateway' | 'client-proxy-server';

/** The application exchange, the same whatever protects it. */
export type Workload =
  /** An HTTP-style GET: one request, one response of `responseBodyBytes`. */
  | { readonly kind: 'request-response'; readonly responseBodyBytes: number }
  /** A GET whose response body is `bytes` long: a bulk download. */
  | { readonly kind: 'bulk'; readonly bytes: number };

/** The quantities a scenario reports (the keys of `ScenarioResult.metrics` and `observer`). */
export type Measure =
  | 'overhead'
  | 'handshake'
  | 'time-to-first-byte'
  | 'throughput'
  | 'cpu'
  | 'observer'
  | 'loss-behaviour';

export interface Scenario {
  /** Unique, used on the command line (`lab run <name>`) and as the output folder's name. */
  readonly name: string;
  /** One line for `lab list`. */
  readonly title: string;
  /** What the scenario shows and anything a reader must know about how it is set up. */
  readonly description: string;
  readonly protocol: ProtectionProtocol;
  /** Protocol-specific mode: 'stream' for TLS over TCP, 'datagram', or ESP's 'transport' / 'tunnel'. */
  readonly mode: 'stream' | 'datagram' | 'transport' | 'tunnel' | 'key-exchange';
  readonly auth: Authentication;
  readonly topology: Topology;
  /** Substrates the scenario can run on; the first is its default. */
  readonly substrates: readonly SubstrateName[];
  /** Impairments of the observed link (the one the capture is taken on). */
  readonly impairments: Impairments;
  readonly workload: Workload;
  readonly measures: readonly Measure[];
  /**
   * Measure a resumed connection: a first connection (full handshake) leaves the client a ticket,
   * and the measured second one resumes with it (TLS 1.3 psk_dhe_ke, RFC 8446 §2.2).
   */
  readonly resumption?: boolean;
  /**
   * An intercepting proxy between client and server (topology client-proxy-server): its own CA's
   * certificate for the server's name, a genuine certificate for its own name, or the first with
   * the client's certificate checks turned off.
   */
  readonly interception?: 'untrusted-ca' | 'wrong-name' | 'checks-off';
  /** Seed of every random source in the run: the same seed replays the same packets. */
  readonly seed: string;
  /** Part of the standard comparison that `lab` with no arguments runs. */
  readonly standard: boolean;
}
