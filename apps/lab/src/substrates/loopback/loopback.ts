/**
 * The `loopback` substrate: real TCP sockets on 127.0.0.1, captured by tcpdump on `lo`. Time is
 * the wall clock; the kernel's TCP does the transport. Capturing needs root (tcpdump), and the
 * link cannot be impaired here (this machine has no traffic shaping), so scenarios with loss,
 * reordering, duplication or jitter do not run on it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Socket, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ipPacketOf, readPcap } from '@layersec/wire';

/** Why the loopback substrate cannot run here, or undefined when it can. */
export function loopbackUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'capturing on loopback needs root (tcpdump)';
  if (spawnSync('tcpdump', ['--version']).status !== 0) return 'tcpdump is not installed';
  return undefined;
}

/** A node:net socket with the memory TCP connection's callback shape. */
export class SocketStream {
  private error: Error | undefined;
  constructor(
    readonly socket: Socket,
    private readonly connected: boolean,
  ) {
    socket.on('error', (e) => (this.error = e));
  }
  write(data: Uint8Array): void {
    this.socket.write(data);
  }
  end(): void {
    this.socket.end();
  }
  destroy(): void {
    this.socket.destroy();
  }
  onConnect(fn: () => void): void {
    if (this.connected) queueMicrotask(fn);
    else this.socket.once('connect', fn);
  }
  onData(fn: (d: Uint8Array) => void): void {
    this.socket.on('data', (b: Buffer) => fn(new Uint8Array(b.buffer, b.byteOffset, b.length)));
  }
  onEnd(fn: () => void): void {
    this.socket.on('end', fn);
  }
  onClose(fn: (error?: Error) => void): void {
    this.socket.on('close', (hadError: boolean) => fn(hadError ? (this.error ?? new Error('socket error')) : undefined));
  }
}

export function connectLoopback(port: number): SocketStream {
  return new SocketStream(netConnect({ host: '127.0.0.1', port, noDelay: true }), false);
}

export interface LoopbackPacket {
  /** Milliseconds since the epoch, from the capture's timestamps. */
  epochMs: number;
  /** The IP packet. */
  bytes: Uint8Array;
}

/** tcpdump on `lo` writing TCP traffic of one port to a pcap file. */
export class LoopbackCapture {
  private readonly dir = mkdtempSync(join(tmpdir(), 'lab-loopback-'));
  private readonly file = join(this.dir, 'lo.pcap');
  private proc: ChildProcess | undefined;
  private output = '';

  /** Starts tcpdump and returns once it demonstrably captures (it saw a probe datagram). */
  async start(tcpPort: number): Promise<void> {
    const probePort = 40000 + (tcpPort % 20000);
    this.proc = spawn('tcpdump', ['-U', '-n', '-l', '--print', '-B', '65536', '-s', '0', '-i', 'lo', '-w', this.file, `tcp port ${tcpPort} or udp port ${probePort}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.proc.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    const probe = createSocket('udp4');
    try {
      for (let i = 0; i < 100 && !/UDP/.test(this.output); i++) {
        probe.send('probe', probePort, '127.0.0.1');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      probe.close();
    }
    if (!/UDP/.test(this.output)) {
      this.proc.kill();
      throw new Error(`tcpdump did not start capturing: ${this.output.trim()}`);
    }
  }

  /** Waits until tcpdump printed both FINs (the whole conversation is in the file), then stops it. */
  async stop(): Promise<LoopbackPacket[]> {
    for (let i = 0; i < 100 && !/Flags \[F[^]*Flags \[F/.test(this.output); i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 50));
    const proc = this.proc!;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGINT');
    await exited;
    const dropped = /(\d+) packets? dropped by kernel/.exec(this.output);
    if (dropped && Number(dropped[1]) > 0) throw new Error(`tcpdump lost ${dropped[1]} packets (kernel buffer); the capture is incomplete`);
    const pcap = readPcap(new Uint8Array(readFileSync(this.file)));
    rmSync(this.dir, { recursive: true, force: true });
    const out: LoopbackPacket[] = [];
    for (const r of pcap.records) {
      const ip = ipPacketOf(pcap.linkType, r.data);
      if (!ip || ip[9] !== 6) continue; // TCP only; the UDP probes stay out
      out.push({ epochMs: r.timestampSeconds * 1000 + r.timestampNanoseconds / 1e6, bytes: ip.slice() });
    }
    return out;
  }
}
