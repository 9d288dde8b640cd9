/**
 * An in-process datagram network for the sans-I/O cores: one DtlsClient and one DtlsServer, a
 * virtual clock, and a seeded random source deciding loss, duplication and reordering (delay).
 * Time advances only to the next delivery or the next timer deadline; nothing sleeps.
 */
import { readFileSync } from 'node:fs';
import { parseCertificates, seededRandom, type RandomSource } from '@layersec/crypto-primitives';
import { x509Verifier } from '@layersec/tls';
import { type CryptoProvider } from '@layersec/crypto-primitives';
import { DtlsClient as Client, type DtlsClientConfig } from '../client.js';
import { DtlsServer as Server, type DtlsServerConfig } from '../server.js';
import { CA_FILE, identity, testTrustStore } from './pki.js';
import type { DtlsClient } from '../client.js';
import type { DtlsEvent } from '../config.js';
import type { DtlsServer } from '../server.js';

export interface Impairments {
  /** Probability that a datagram is lost. */
  loss?: number;
  /** Probability that a datagram is delivered twice. */
  duplicate?: number;
  /** Largest extra delay (ms); datagrams with different delays arrive out of order. */
  maxDelayMs?: number;
}

interface InFlight {
  at: number;
  order: number;
  to: 'client' | 'server';
  data: Uint8Array;
}

export const CLIENT_ADDRESS = '10.0.0.1:5000';

/** The virtual clock's start: one day after the test CA's notBefore, inside every fixture's validity. */
export const VIRTUAL_EPOCH = parseCertificates(readFileSync(CA_FILE, 'utf8'))[0].notBefore.getTime() + 86_400_000;

export class VirtualNetwork {
  now = VIRTUAL_EPOCH;
  private queue: InFlight[] = [];
  private order = 0;
  private readonly rng: RandomSource;
  readonly clientEvents: DtlsEvent[] = [];
  readonly serverEvents: DtlsEvent[] = [];
  datagramsSent = 0;
  datagramsLost = 0;
  /** Optional tap that may rewrite or drop a datagram (for tampering tests). */
  tap: ((to: 'client' | 'server', data: Uint8Array) => Uint8Array | undefined) | undefined;

  constructor(
    seed: string,
    private readonly impair: Impairments = {},
  ) {
    this.rng = seededRandom(seed);
  }

  private uniform(): number {
    const b = this.rng.randomBytes(4);
    return (((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0) / 2 ** 32;
  }

  send(to: 'client' | 'server', data: Uint8Array): void {
    this.datagramsSent++;
    const tapped = this.tap ? this.tap(to, data) : data;
    if (!tapped) return;
    if (this.uniform() < (this.impair.loss ?? 0)) {
      this.datagramsLost++;
      return;
    }
    const copies = this.uniform() < (this.impair.duplicate ?? 0) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = 1 + Math.floor(this.uniform() * (this.impair.maxDelayMs ?? 0));
      this.queue.push({ at: this.now + delay, order: this.order++, to, data: tapped });
    }
  }

  /** Moves the client's and the server's output onto the network. */
  flush(client: DtlsClient, server: DtlsServer): void {
    for (const e of client.takeEvents()) {
      this.clientEvents.push(e);
      if (e.type === 'datagram') this.send('server', e.data);
    }
    for (const e of server.takeEvents()) if (e.type === 'datagram') this.send('client', e.data);
    const conn = server.connection(CLIENT_ADDRESS);
    if (conn) {
      for (const e of conn.takeEvents()) {
        this.serverEvents.push(e);
        if (e.type === 'datagram') this.send('client', e.data);
      }
    }
  }

  /**
   * Runs until `done()` or until nothing is left to happen (no datagram in flight, no timer).
   * Returns the number of steps taken.
   */
  run(client: DtlsClient, server: DtlsServer, done: () => boolean, maxSteps = 100_000): number {
    let steps = 0;
    this.flush(client, server);
    while (!done() && steps++ < maxSteps) {
      const conn = server.connection(CLIENT_ADDRESS);
      const timers = [client.nextTimeout, conn?.nextTimeout].filter((t): t is number => t !== undefined);
      this.queue.sort((a, b) => a.at - b.at || a.order - b.order);
      const nextDelivery = this.queue[0]?.at;
      const nextTimer = timers.length ? Math.min(...timers) : undefined;
      if (nextDelivery === undefined && nextTimer === undefined) break;
      if (nextDelivery !== undefined && (nextTimer === undefined || nextDelivery <= nextTimer)) {
        const d = this.queue.shift()!;
        this.now = Math.max(this.now, d.at);
        if (d.to === 'server') server.receive(CLIENT_ADDRESS, d.data);
        else client.receive(d.data);
      } else {
        this.now = Math.max(this.now, nextTimer!);
        if (client.nextTimeout !== undefined && client.nextTimeout <= this.now) client.handleTimeout(this.now);
        const c = server.connection(CLIENT_ADDRESS);
        if (c?.nextTimeout !== undefined && c.nextTimeout <= this.now) c.handleTimeout(this.now);
      }
      this.flush(client, server);
    }
    return steps;
  }
}

/** A client and a server (ECDSA P-256 certificate by default) on a VirtualNetwork, each with its own seeded randomness. */
export function setup(
  provider: CryptoProvider,
  opts: { cert?: string; server?: Partial<DtlsServerConfig>; client?: Partial<DtlsClientConfig>; impair?: Impairments; seed?: string } = {},
) {
  const seed = opts.seed ?? 'dtls';
  const net = new VirtualNetwork(`${seed}/net`, opts.impair);
  const now = () => net.now;
  const id = identity(opts.cert ?? 'server-ecdsa-p256');
  const server = new Server({ provider, random: seededRandom(`${seed}/server`), now, certificateChain: id.chain, privateKey: id.key, ...opts.server });
  const client = new Client({
    provider,
    random: seededRandom(`${seed}/client`),
    now,
    serverName: 'localhost',
    verifier: x509Verifier({ trustAnchors: testTrustStore(), provider }),
    ...opts.client,
  });
  return { net, server, client };
}

