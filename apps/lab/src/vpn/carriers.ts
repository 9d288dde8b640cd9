/**
 * How the gateway's datagrams travel between the two IKE addresses:
 *
 * - `IkeEspUdp`: UDP sockets on ports 500 and 4500 at the local IKE address. IKE uses both
 *   (RFC 7296 §2.23); on 4500 the first four bytes tell IKE (the non-ESP marker, zero) from
 *   UDP-encapsulated ESP (a non-zero SPI), and a single 0xFF byte is a NAT-keepalive (RFC 3948
 *   §2.2-2.3). ESP of a NAT-T Child SA is sent from 4500 to the peer's 4500.
 * - `RawEsp`: ESP as IP protocol 50 through a raw socket (`raw-socket`), for Child SAs without
 *   NAT-T; received datagrams carry the IPv4 header, which is stripped here.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createRequire } from 'node:module';

export const IKE_PORT = 500;
export const NAT_T_PORT = 4500;
const ESP_PROTOCOL = 50;

export interface Peer {
  address: string;
  port: number;
}

export interface UdpHandlers {
  /** An IKE message as it arrived (with its non-ESP marker on 4500), on local port `port`. */
  ike(datagram: Uint8Array, port: number, from: Peer): void;
  /** A UDP-encapsulated ESP packet (starting with the SPI). */
  esp(packet: Uint8Array, from: Peer): void;
}

export class IkeEspUdp {
  private readonly sockets = new Map<number, Socket>();
  keepalives = 0;

  constructor(
    private readonly localAddress: string,
    private readonly handlers: UdpHandlers,
  ) {}

  async open(): Promise<void> {
    const family = this.localAddress.includes(':') ? 'udp6' : 'udp4';
    for (const port of [IKE_PORT, NAT_T_PORT]) {
      const socket = createSocket({ type: family, recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(port, this.localAddress, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      socket.on('message', (msg, rinfo) => {
        const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
        const from = { address: rinfo.address, port: rinfo.port };
        if (port === NAT_T_PORT) {
          if (bytes.length === 1 && bytes[0] === 0xff) {
            this.keepalives++;
            return;
          }
          if (bytes.length >= 4 && (bytes[0] | bytes[1] | bytes[2] | bytes[3]) !== 0) {
            this.handlers.esp(bytes, from);
            return;
          }
        }
        this.handlers.ike(bytes, port, from);
      });
      // A peer that is not there yet (ICMP port unreachable) must not end the gateway.
      socket.on('error', () => undefined);
      this.sockets.set(port, socket);
    }
  }

  send(fromPort: number, datagram: Uint8Array, to: Peer): void {
    this.sockets.get(fromPort === NAT_T_PORT ? NAT_T_PORT : IKE_PORT)?.send(datagram, to.port, to.address);
  }

  close(): void {
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }
}

interface RawSocketModule {
  createSocket(options: { protocol: number; addressFamily?: number; bufferSize?: number }): RawSocket;
  AddressFamily: { IPv4: number; IPv6: number };
}

interface RawSocket {
  on(event: 'message', listener: (buffer: Buffer, source: string) => void): RawSocket;
  on(event: 'error', listener: (error: Error) => void): RawSocket;
  send(buffer: Buffer, offset: number, length: number, address: string, after: (error: Error | null, bytes: number) => void): RawSocket;
  close(): RawSocket;
}

let rawModule: RawSocketModule | undefined | null;

function loadRawSocket(): RawSocketModule | undefined {
  if (rawModule === undefined) {
    try {
      rawModule = createRequire(import.meta.url)('raw-socket') as RawSocketModule;
    } catch {
      rawModule = null;
    }
  }
  return rawModule ?? undefined;
}

/** Why raw ESP cannot be used here, or undefined when it can (the module loads and we are root). */
export function rawEspUnavailable(): string | undefined {
  if (loadRawSocket() === undefined) return "the 'raw-socket' module did not load (is its addon built?)";
  if (process.getuid?.() !== 0) return 'raw sockets need root (CAP_NET_RAW)';
  return undefined;
}

export class RawEsp {
  private readonly socket: RawSocket;
  sendErrors = 0;

  /** Receives every protocol-50 datagram for this host from `remoteAddress` (IPv4). */
  constructor(
    private readonly remoteAddress: string,
    onEsp: (packet: Uint8Array) => void,
  ) {
    const raw = loadRawSocket();
    if (raw === undefined) throw new Error(rawEspUnavailable());
    this.socket = raw.createSocket({ protocol: ESP_PROTOCOL, addressFamily: raw.AddressFamily.IPv4, bufferSize: 65536 });
    this.socket.on('message', (buffer, source) => {
      if (source !== remoteAddress || buffer.length < 20) return;
      const ihl = (buffer[0] & 0x0f) * 4;
      // The module reuses its receive buffer: copy the ESP packet out before it is overwritten.
      this.onEspCopy(onEsp, buffer.subarray(ihl));
    });
    this.socket.on('error', () => undefined);
  }

  private onEspCopy(onEsp: (packet: Uint8Array) => void, view: Buffer): void {
    onEsp(new Uint8Array(view));
  }

  send(packet: Uint8Array): void {
    const b = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
    this.socket.send(b, 0, b.length, this.remoteAddress, (error) => {
      if (error !== null) this.sendErrors++;
    });
  }

  close(): void {
    this.socket.close();
  }
}
