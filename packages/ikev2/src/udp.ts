/**
 * The UDP edge of an IKE session (node:dgram): one socket on port 500 and one on 4500 at a local
 * address, datagrams handed to the sans-I/O session, its `send` events written to the socket of
 * their source port, its deadline kept with a timer on the monotonic clock. Everything else the
 * session reports is passed to listeners. Needs the privilege to bind ports below 1024.
 */
import { createSocket, type Socket } from 'node:dgram';
import { IKE_NAT_T_PORT, IKE_PORT } from './constants.js';
import type { Clock } from './clock.js';
import { formatIpAddress, parseIpAddress } from './sa/address.js';
import type { Endpoint } from './sa/address.js';

export const monotonicClock: Clock = { now: () => performance.now() };

type SendEvent = { type: 'send'; datagram: Uint8Array; from: Endpoint; to: Endpoint };

/** What the edge drives: an IKE session, or a responder service holding many. */
export interface DatagramDriver<E extends { type: string }> {
  receive(datagram: Uint8Array, localPort: number, from: Endpoint): void;
  poll(): (E | SendEvent)[];
  tick(now: number): void;
  readonly nextDeadline: number | undefined;
}

export class IkeUdpEndpoint<E extends { type: string }> {
  private readonly sockets = new Map<number, Socket>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners: ((e: E) => void)[] = [];
  private readonly seen: E[] = [];

  constructor(
    private readonly session: DatagramDriver<E>,
    private readonly localAddress: string,
    private readonly clock: Clock = monotonicClock,
  ) {}

  async open(): Promise<void> {
    const family = this.localAddress.includes(':') ? 'udp6' : 'udp4';
    for (const port of [IKE_PORT, IKE_NAT_T_PORT]) {
      const socket = createSocket(family);
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(port, this.localAddress, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      socket.on('message', (msg, rinfo) => {
        const from = parseIpAddress(rinfo.address);
        if (from === undefined) return;
        this.session.receive(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), port, { address: from, port: rinfo.port });
        this.pump();
      });
      this.sockets.set(port, socket);
    }
  }

  /** Runs `action` on the session (start, close), then sends what it produced. */
  run(action: () => void): void {
    action();
    this.pump();
  }

  onEvent(listener: (e: E) => void): void {
    this.listeners.push(listener);
  }

  /** The first event (already seen or still to come) that `match` accepts, or a timeout error. */
  waitFor(match: (e: E) => boolean, timeoutMs: number): Promise<E> {
    const earlier = this.seen.find(match);
    if (earlier !== undefined) return Promise.resolve(earlier);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching IKE event within ${timeoutMs} ms`)), timeoutMs);
      this.listeners.push((e) => {
        if (match(e)) {
          clearTimeout(t);
          resolve(e);
        }
      });
    });
  }

  private pump(): void {
    for (const e of this.session.poll()) {
      if (isSend(e)) {
        const socket = this.sockets.get(e.from.port === IKE_NAT_T_PORT ? IKE_NAT_T_PORT : IKE_PORT);
        socket?.send(e.datagram, e.to.port, formatIpAddress(e.to.address));
      } else {
        this.seen.push(e as E);
        for (const l of this.listeners) l(e as E);
      }
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = this.session.nextDeadline;
    if (deadline !== undefined) {
      this.timer = setTimeout(() => {
        this.session.tick(this.clock.now());
        this.pump();
      }, Math.max(0, deadline - this.clock.now()));
    }
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }
}

function isSend(e: { type: string }): e is SendEvent {
  return e.type === 'send';
}
