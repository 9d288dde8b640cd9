/**
 * TCP (RFC 9293) on the memory substrate, enough of it to make TLS-over-TCP behave as it does on a
 * real network: three-way handshake with MSS, cumulative ACKs, in-order delivery (so one lost
 * segment holds back everything behind it — head-of-line blocking), retransmission timeout with
 * RFC 6298 RTT estimation and exponential back-off, fast retransmit on three duplicate ACKs, Reno
 * congestion control (RFC 5681), FIN and RST. Not implemented: window scaling, SACK, delayed ACKs,
 * TIME_WAIT, urgent data.
 */
import { formatIpAddress, parseIpAddress } from '@layersec/esp';
import type { Timer } from './event-loop.js';
import type { Host } from './network.js';
import { ipv4Packet, transportChecksum } from './udp.js';

export const IPPROTO_TCP = 6;

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;

const RECEIVE_WINDOW = 65535;
const INITIAL_RTO_MS = 1000; // RFC 6298 §2.1
const MIN_RTO_MS = 200; // as Linux does; RFC 6298 §2.4 suggests 1 s
const MAX_RTO_MS = 60_000;
const MAX_RETRANSMISSIONS = 15;
/** Bound on out-of-order data held per connection. */
const MAX_OUT_OF_ORDER_BYTES = 4 * 1024 * 1024;

const seqLt = (a: number, b: number) => ((a - b) | 0) < 0;
const seqLe = (a: number, b: number) => ((a - b) | 0) <= 0;
const seqAdd = (a: number, n: number) => (a + n) >>> 0;
const seqDiff = (a: number, b: number) => (a - b) | 0;

interface Segment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  mss?: number;
  payload: Uint8Array;
}

function encodeSegment(s: Segment, src: Uint8Array, dst: Uint8Array): Uint8Array {
  const optLen = s.mss !== undefined ? 4 : 0;
  const hl = 20 + optLen;
  const out = new Uint8Array(hl + s.payload.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, s.srcPort);
  v.setUint16(2, s.dstPort);
  v.setUint32(4, s.seq);
  v.setUint32(8, s.ack);
  out[12] = (hl / 4) << 4;
  out[13] = s.flags;
  v.setUint16(14, s.window);
  if (s.mss !== undefined) {
    out[20] = 2; // kind: Maximum Segment Size
    out[21] = 4;
    v.setUint16(22, s.mss);
  }
  out.set(s.payload, hl);
  v.setUint16(16, transportChecksum(src, dst, IPPROTO_TCP, out));
  return out;
}

function decodeSegment(seg: Uint8Array): Segment | null {
  if (seg.length < 20) return null;
  const v = new DataView(seg.buffer, seg.byteOffset, seg.byteLength);
  const hl = (seg[12] >> 4) * 4;
  if (hl < 20 || hl > seg.length) return null;
  let mss: number | undefined;
  for (let i = 20; i < hl; ) {
    const kind = seg[i];
    if (kind === 0) break;
    if (kind === 1) {
      i++;
      continue;
    }
    const len = seg[i + 1];
    if (i + 1 >= hl || len < 2 || i + len > hl) return null;
    if (kind === 2 && len === 4) mss = v.getUint16(i + 2);
    i += len;
  }
  return {
    srcPort: v.getUint16(0),
    dstPort: v.getUint16(2),
    seq: v.getUint32(4),
    ack: v.getUint32(8),
    flags: seg[13],
    window: v.getUint16(14),
    mss,
    payload: seg.subarray(hl),
  };
}

export interface TcpStats {
  segmentsSent: number;
  segmentsReceived: number;
  retransmissions: number;
  timeouts: number;
  fastRetransmits: number;
  bytesSent: number;
  bytesReceived: number;
  /** Longest time (ms) received data waited out of order for a hole before it: head-of-line blocking. */
  maxHeadOfLineWaitMs: number;
}

type State = 'syn-sent' | 'syn-received' | 'established' | 'closed';

export class TcpConnection {
  state: State;
  readonly stats: TcpStats = {
    segmentsSent: 0,
    segmentsReceived: 0,
    retransmissions: 0,
    timeouts: 0,
    fastRetransmits: 0,
    bytesSent: 0,
    bytesReceived: 0,
    maxHeadOfLineWaitMs: 0,
  };
  private readonly iss: number;
  private sndUna: number;
  private sndNxt: number;
  /** Highest sequence number sent so far (sndNxt goes back to sndUna after a timeout). */
  private sndMax: number;
  private sndWnd = RECEIVE_WINDOW;
  private rcvNxt = 0;
  private mss = 1460;
  private cwnd = 0;
  private ssthresh = Number.POSITIVE_INFINITY;
  private dupAcks = 0;
  /** Bytes written by the application and not yet acknowledged, starting at sndUna (+1 before the SYN is acked). */
  private sendBuffer: Uint8Array[] = [];
  private sendBufferBytes = 0;
  private finQueued = false;
  private finSent = false;
  private finAcked = false;
  private finReceived = false;
  private readonly outOfOrder = new Map<number, { data: Uint8Array; fin: boolean; atMs: number }>();
  private outOfOrderBytes = 0;
  private rto = INITIAL_RTO_MS;
  private srtt: number | null = null;
  private rttvar = 0;
  private timed: { seq: number; atMs: number } | null = null;
  private retransmitTimer: Timer | null = null;
  private retries = 0;
  /** The acknowledgment number of the last segment sent: no bare ACK is needed when data already carried it. */
  private lastAckSent: number | undefined;
  private handlers: {
    connect?: () => void;
    data?: (d: Uint8Array) => void;
    end?: () => void;
    close?: (error?: Error) => void;
  } = {};

  constructor(
    private readonly stack: TcpStack,
    readonly localAddress: string,
    readonly localPort: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
    initial: 'active' | { syn: Segment },
  ) {
    this.iss = this.randomIsn();
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.sndMax = this.iss;
    this.cwnd = 10 * this.mss; // RFC 6928 initial window
    if (initial === 'active') {
      this.state = 'syn-sent';
      this.sendSyn(SYN);
    } else {
      this.state = 'syn-received';
      this.rcvNxt = seqAdd(initial.syn.seq, 1);
      if (initial.syn.mss) this.mss = Math.min(this.mss, initial.syn.mss);
      this.sendSyn(SYN | ACK);
    }
  }

  onConnect(fn: () => void): this {
    this.handlers.connect = fn;
    return this;
  }
  onData(fn: (d: Uint8Array) => void): this {
    this.handlers.data = fn;
    return this;
  }
  /** The peer sent FIN: no more data will arrive. */
  onEnd(fn: () => void): this {
    this.handlers.end = fn;
    return this;
  }
  onClose(fn: (error?: Error) => void): this {
    this.handlers.close = fn;
    return this;
  }

  /** Queues application bytes; they are sent as the windows allow. */
  write(data: Uint8Array): void {
    if (this.finQueued || this.state === 'closed') throw new Error('write after end');
    if (data.length === 0) return;
    this.sendBuffer.push(data.slice());
    this.sendBufferBytes += data.length;
    this.stats.bytesSent += data.length;
    this.pump();
  }

  /** Half-closes: FIN after the queued data. */
  end(): void {
    if (this.finQueued) return;
    this.finQueued = true;
    this.pump();
  }

  /** Aborts with RST. */
  destroy(): void {
    if (this.state === 'closed') return;
    this.emit({ seq: this.sndNxt, ack: this.rcvNxt, flags: RST | ACK });
    this.close();
  }

  private randomIsn(): number {
    const b = this.stack.host.network.random.randomBytes(4);
    return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  }

  private now(): number {
    return this.stack.host.network.loop.now();
  }

  private emit(s: Omit<Segment, 'srcPort' | 'dstPort' | 'window' | 'payload'> & { payload?: Uint8Array }): void {
    if (s.flags & ACK) this.lastAckSent = s.ack;
    const seg: Segment = {
      srcPort: this.localPort,
      dstPort: this.remotePort,
      window: RECEIVE_WINDOW,
      payload: s.payload ?? new Uint8Array(0),
      ...s,
    };
    this.stats.segmentsSent++;
    const src = parseIpAddress(this.localAddress);
    const dst = parseIpAddress(this.remoteAddress);
    const host = this.stack.host;
    host.send(ipv4Packet(host, this.localAddress, this.remoteAddress, IPPROTO_TCP, encodeSegment(seg, src, dst)));
  }

  private sendSyn(flags: number): void {
    this.emit({ seq: this.iss, ack: flags & ACK ? this.rcvNxt : 0, flags, mss: 1460 });
    if (this.sndNxt === this.iss) this.advance(1);
    this.armTimer();
  }

  /** Bytes in flight (sent, not acknowledged). */
  private get flight(): number {
    return seqDiff(this.sndNxt, this.sndUna);
  }

  /** Reads `len` bytes of the send buffer starting `offset` bytes after sndUna's data. */
  private bufferSlice(offset: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let filled = 0;
    let skip = offset;
    for (const chunk of this.sendBuffer) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      const n = Math.min(chunk.length - skip, len - filled);
      out.set(chunk.subarray(skip, skip + n), filled);
      filled += n;
      skip = 0;
      if (filled === len) break;
    }
    return out;
  }

  private dropAcked(n: number): void {
    this.sendBufferBytes -= n;
    while (n > 0 && this.sendBuffer.length > 0) {
      const c = this.sendBuffer[0];
      if (c.length <= n) {
        n -= c.length;
        this.sendBuffer.shift();
      } else {
        this.sendBuffer[0] = c.subarray(n);
        n = 0;
      }
    }
  }

  /** Sends new segments while the congestion and receive windows allow. */
  private pump(): void {
    if (this.state !== 'established') return;
    const window = Math.min(this.cwnd, this.sndWnd);
    for (;;) {
      const offset = this.flight;
      const unsent = this.sendBufferBytes - offset;
      if (unsent > 0 && offset < window) {
        const len = Math.floor(Math.min(this.mss, unsent, window - offset));
        if (len <= 0) break;
        const payload = this.bufferSlice(offset, len);
        this.emit({ seq: this.sndNxt, ack: this.rcvNxt, flags: ACK | PSH, payload });
        if (!this.timed) this.timed = { seq: this.sndNxt, atMs: this.now() };
        this.advance(len);
        this.armTimer();
        continue;
      }
      if (unsent === 0 && this.finQueued && !this.finSent) {
        this.emit({ seq: this.sndNxt, ack: this.rcvNxt, flags: FIN | ACK });
        this.finSent = true;
        this.advance(1);
        this.armTimer();
      }
      break;
    }
  }

  private advance(n: number): void {
    this.sndNxt = seqAdd(this.sndNxt, n);
    if (seqLt(this.sndMax, this.sndNxt)) this.sndMax = this.sndNxt;
  }

  private armTimer(): void {
    if (this.retransmitTimer) return;
    this.retransmitTimer = this.stack.host.network.loop.after(this.rto, () => this.onTimeout());
  }

  private restartTimer(): void {
    this.retransmitTimer?.cancel();
    this.retransmitTimer = null;
    if (this.flight > 0) this.armTimer();
  }

  private onTimeout(): void {
    this.retransmitTimer = null;
    if (this.state === 'closed' || this.flight === 0) return;
    if (++this.retries > MAX_RETRANSMISSIONS) {
      this.close(new Error('connection timed out'));
      return;
    }
    this.stats.timeouts++;
    this.rto = Math.min(this.rto * 2, MAX_RTO_MS); // RFC 6298 §5.5
    this.timed = null; // Karn's algorithm: no RTT sample from a retransmitted segment
    if (this.state === 'syn-sent' || this.state === 'syn-received') {
      this.stats.retransmissions++;
      this.emit({ seq: this.iss, ack: this.state === 'syn-received' ? this.rcvNxt : 0, flags: this.state === 'syn-sent' ? SYN : SYN | ACK, mss: 1460 });
      this.armTimer();
      return;
    }
    // RFC 5681 §3.1: on timeout, ssthresh = max(FlightSize/2, 2*SMSS), cwnd = 1 SMSS; go back N.
    this.ssthresh = Math.max(Math.floor(this.flight / 2), 2 * this.mss);
    this.cwnd = this.mss;
    this.sndNxt = this.sndUna;
    if (this.finSent && !this.finAcked) this.finSent = false;
    this.stats.retransmissions++;
    this.pump();
    this.armTimer();
  }

  private retransmitFirst(): void {
    const len = Math.min(this.mss, this.sendBufferBytes);
    this.stats.retransmissions++;
    if (len > 0) this.emit({ seq: this.sndUna, ack: this.rcvNxt, flags: ACK | PSH, payload: this.bufferSlice(0, len) });
    else if (this.finSent) this.emit({ seq: this.sndUna, ack: this.rcvNxt, flags: FIN | ACK });
  }

  private sampleRtt(ack: number): void {
    if (!this.timed || !seqLt(this.timed.seq, ack)) return;
    const r = this.now() - this.timed.atMs;
    this.timed = null;
    // RFC 6298 §2.2-2.3
    if (this.srtt === null) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.rto = Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, this.srtt + Math.max(1, 4 * this.rttvar)));
  }

  /** Processes one arriving segment. */
  input(s: Segment): void {
    this.stats.segmentsReceived++;
    if (this.state === 'closed') return;
    if (s.flags & RST) {
      this.close(new Error('connection reset by peer'));
      return;
    }
    if (this.state === 'syn-sent') {
      if (s.flags & SYN && s.flags & ACK && s.ack === seqAdd(this.iss, 1)) {
        this.rcvNxt = seqAdd(s.seq, 1);
        if (s.mss) this.mss = Math.min(this.mss, s.mss);
        this.sndUna = s.ack;
        this.sndWnd = s.window;
        // The handshake's final ACK goes out before anything the application writes on connect.
        this.emit({ seq: this.sndNxt, ack: this.rcvNxt, flags: ACK });
        this.established();
        this.pump();
      }
      return;
    }
    if (this.state === 'syn-received') {
      if (s.flags & SYN) {
        // Our SYN-ACK was lost or is late: the peer retransmitted its SYN.
        this.emit({ seq: this.iss, ack: this.rcvNxt, flags: SYN | ACK, mss: 1460 });
        return;
      }
      if (!(s.flags & ACK) || s.ack !== seqAdd(this.iss, 1)) return;
      this.sndUna = s.ack;
      this.established();
    } else if (s.flags & SYN) {
      // A retransmitted SYN-ACK after we moved on: re-acknowledge it.
      this.emit({ seq: this.sndNxt, ack: this.rcvNxt, flags: ACK });
      return;
    }
    if (s.flags & ACK) this.processAck(s);
    if (s.payload.length > 0 || s.flags & FIN) this.processData(s);
    this.pump();
    this.maybeClose();
  }

  private established(): void {
    this.state = 'established';
    this.retries = 0;
    this.restartTimer();
    this.handlers.connect?.();
  }

  private processAck(s: Segment): void {
    this.sndWnd = s.window;
    const acked = seqDiff(s.ack, this.sndUna);
    if (acked > 0 && seqLe(s.ack, this.sndMax)) {
      this.sampleRtt(s.ack);
      if (seqLt(this.sndNxt, s.ack)) this.sndNxt = s.ack;
      let dataAcked = acked;
      if (this.finQueued && s.ack === this.sndMax && seqDiff(this.sndMax, this.sndUna) > this.sendBufferBytes && !this.finAcked) {
        this.finSent = true;
        this.finAcked = true;
        dataAcked--;
      }
      this.dropAcked(Math.min(dataAcked, this.sendBufferBytes));
      this.sndUna = s.ack;
      this.dupAcks = 0;
      this.retries = 0;
      // RFC 5681 §3.1: slow start below ssthresh, congestion avoidance above it.
      if (this.cwnd < this.ssthresh) this.cwnd += Math.min(acked, this.mss);
      else this.cwnd += Math.max(1, Math.floor((this.mss * this.mss) / this.cwnd));
      this.restartTimer();
    } else if (acked === 0 && s.payload.length === 0 && this.flight > 0 && !(s.flags & FIN)) {
      // RFC 5681 §3.2: the third duplicate ACK triggers fast retransmit.
      if (++this.dupAcks === 3) {
        this.stats.fastRetransmits++;
        this.ssthresh = Math.max(Math.floor(this.flight / 2), 2 * this.mss);
        this.cwnd = this.ssthresh;
        this.retransmitFirst();
      }
    }
  }

  private processData(s: Segment): void {
    const fin = (s.flags & FIN) !== 0;
    let seq = s.seq;
    let data = s.payload;
    // Trim what we already have.
    const dup = seqDiff(this.rcvNxt, seq);
    if (dup > 0) {
      if (dup >= data.length + (fin ? 1 : 0)) {
        this.emit({ seq: this.sndNxt, ack: this.rcvNxt, flags: ACK });
        return;
      }
      data = data.subarray(Math.min(dup, data.length));
      seq = this.rcvNxt;
    }
    if (seq !== this.rcvNxt) {
      if (!this.outOfOrder.has(seq) && this.outOfOrderBytes + data.length <= MAX_OUT_OF_ORDER_BYTES) {
        this.outOfOrder.set(seq, { data: data.slice(), fin, atMs: this.now() });
        this.outOfOrderBytes += data.length;
      }
      this.emit({ seq: this.sndNxt, ack: this.rcvNxt, flags: ACK }); // duplicate ACK
      return;
    }
    this.deliver(data, fin);
    // Drain what the hole was holding back.
    for (;;) {
      let progressed = false;
      for (const [oseq, o] of this.outOfOrder) {
        const over = seqDiff(this.rcvNxt, oseq);
        if (over < 0) continue;
        this.outOfOrder.delete(oseq);
        this.outOfOrderBytes -= o.data.length;
        this.stats.maxHeadOfLineWaitMs = Math.max(this.stats.maxHeadOfLineWaitMs, this.now() - o.atMs);
        if (over < o.data.length || (over === o.data.length && o.fin)) this.deliver(o.data.subarray(over), o.fin);
        progressed = true;
      }
      if (!progressed) break;
    }
    // Data the application wrote while handling this segment already carried the acknowledgment.
    if (this.lastAckSent !== this.rcvNxt) this.emit({ seq: this.sndNxt, ack: this.rcvNxt, flags: ACK });
  }

  private deliver(data: Uint8Array, fin: boolean): void {
    if (this.finReceived) return;
    if (data.length > 0) {
      this.rcvNxt = seqAdd(this.rcvNxt, data.length);
      this.stats.bytesReceived += data.length;
      this.handlers.data?.(data.slice());
    }
    if (fin) {
      this.rcvNxt = seqAdd(this.rcvNxt, 1);
      this.finReceived = true;
      this.handlers.end?.();
    }
  }

  private maybeClose(): void {
    if (this.finReceived && this.finAcked) this.close();
  }

  private close(error?: Error): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.retransmitTimer?.cancel();
    this.retransmitTimer = null;
    this.stack.forget(this);
    this.handlers.close?.(error);
  }
}

export type TcpAcceptHandler = (c: TcpConnection) => void;

export class TcpStack {
  private readonly connections = new Map<string, TcpConnection>();
  private readonly listeners = new Map<number, TcpAcceptHandler>();
  private nextEphemeral = 49152;
  readonly drops = { malformed: 0, badChecksum: 0, noListener: 0 };

  constructor(readonly host: Host) {
    host.onProtocol(IPPROTO_TCP, (packet, ihl) => this.inputPacket(packet, ihl));
  }

  listen(port: number, onAccept: TcpAcceptHandler): { close(): void } {
    if (this.listeners.has(port)) throw new Error(`${this.host.name}: TCP port ${port} in use`);
    this.listeners.set(port, onAccept);
    return { close: () => void this.listeners.delete(port) };
  }

  connect(remoteAddress: string, remotePort: number, localAddress = this.host.address): TcpConnection {
    let port = this.nextEphemeral++;
    while (this.connections.has(key(localAddress, port, remoteAddress, remotePort))) port = this.nextEphemeral++;
    const c = new TcpConnection(this, localAddress, port, remoteAddress, remotePort, 'active');
    this.connections.set(key(localAddress, port, remoteAddress, remotePort), c);
    return c;
  }

  forget(c: TcpConnection): void {
    this.connections.delete(key(c.localAddress, c.localPort, c.remoteAddress, c.remotePort));
  }

  private inputPacket(packet: Uint8Array, ihl: number): void {
    const src = packet.subarray(12, 16);
    const dst = packet.subarray(16, 20);
    const segBytes = packet.subarray(ihl, (packet[2] << 8) | packet[3]);
    if (transportChecksum(src, dst, IPPROTO_TCP, segBytes) !== 0) {
      this.drops.badChecksum++;
      return;
    }
    const s = decodeSegment(segBytes);
    if (!s) {
      this.drops.malformed++;
      return;
    }
    const local = formatIpAddress(dst);
    const remote = formatIpAddress(src);
    const k = key(local, s.dstPort, remote, s.srcPort);
    const existing = this.connections.get(k);
    if (existing) {
      existing.input(s);
      return;
    }
    const accept = this.listeners.get(s.dstPort);
    if (accept && s.flags & SYN && !(s.flags & ACK)) {
      const c = new TcpConnection(this, local, s.dstPort, remote, s.srcPort, { syn: s });
      this.connections.set(k, c);
      c.onConnect(() => accept(c));
      return;
    }
    this.drops.noListener++;
    // RFC 9293 §3.10.7.1: a segment for no connection is answered with a reset.
    if (!(s.flags & RST)) {
      const reply = s.flags & ACK
        ? { seq: s.ack, ack: 0, flags: RST }
        : { seq: 0, ack: seqAdd(s.seq, s.payload.length + (s.flags & SYN ? 1 : 0) + (s.flags & FIN ? 1 : 0)), flags: RST | ACK };
      const seg = encodeSegment({ srcPort: s.dstPort, dstPort: s.srcPort, window: 0, payload: new Uint8Array(0), ...reply }, dst, src);
      this.host.send(ipv4Packet(this.host, local, remote, IPPROTO_TCP, seg));
    }
  }
}

function key(la: string, lp: number, ra: string, rp: number): string {
  return `${la}:${lp}-${ra}:${rp}`;
}

const stacks = new WeakMap<Host, TcpStack>();

/** The host's TCP stack, created on first use. */
export function tcp(host: Host): TcpStack {
  let s = stacks.get(host);
  if (!s) {
    s = new TcpStack(host);
    stacks.set(host, s);
  }
  return s;
}
