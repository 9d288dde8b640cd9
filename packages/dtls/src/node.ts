/**
 * The node:dgram adapter: `connect()` (one DtlsClient on its own socket) and `createServer()` (one
 * socket, per-peer DtlsServerConnections behind the stateless cookie exchange). Message semantics:
 * each `send()` is one record, each 'message' event one record. Timers are real here; the cores
 * only see the deadlines they asked for.
 */
import * as dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { DtlsEvent, DtlsSessionInfo } from './config.js';
import { DtlsClient, type DtlsClientConfig } from './client.js';
import type { DtlsConnection } from './connection.js';
import { DtlsServer, type DtlsServerConfig, type DtlsServerConnection } from './server.js';

/** Drives one connection's events onto a socket and a real timer. */
export class DtlsSocket extends EventEmitter {
  private timer: NodeJS.Timeout | undefined;
  private closedEmitted = false;

  constructor(
    readonly connection: DtlsConnection,
    private readonly write: (data: Uint8Array) => void,
    private readonly onClosed: () => void = () => undefined,
  ) {
    super();
  }

  get session(): DtlsSessionInfo | undefined {
    return this.connection.session;
  }

  /** Sends one message (one DTLS record). */
  send(data: Uint8Array | string): void {
    this.connection.send(typeof data === 'string' ? new TextEncoder().encode(data) : data);
    this.pump();
  }

  /** Sends close_notify and closes. */
  close(): void {
    this.connection.close();
    this.pump();
  }

  /** @internal A datagram from the peer. */
  deliver(datagram: Uint8Array): void {
    this.connection.receive(datagram);
    this.pump();
  }

  /** @internal Emits the core's events. */
  pump(): void {
    for (const e of this.connection.takeEvents()) this.dispatch(e);
  }

  private dispatch(e: DtlsEvent): void {
    switch (e.type) {
      case 'datagram':
        this.write(e.data);
        break;
      case 'timer':
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        if (e.deadline !== undefined) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.connection.handleTimeout(Date.now());
            this.pump();
          }, Math.max(0, e.deadline - Date.now()));
        }
        break;
      case 'handshakeDone':
        this.emit('secureConnect', e.session);
        break;
      case 'data':
        this.emit('message', e.data);
        break;
      case 'keylog':
        this.emit('keylog', e.line);
        break;
      case 'session':
        this.emit('session', e.session);
        break;
      case 'alert':
        this.emit('alert', e);
        break;
      case 'error':
        this.emit('error', e.error);
        break;
      case 'closed':
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        if (!this.closedEmitted) {
          this.closedEmitted = true;
          this.onClosed();
          this.emit('close');
        }
        break;
    }
  }
}

export interface DtlsConnectOptions extends DtlsClientConfig {
  host: string;
  port: number;
}

/** Connects to a DTLS server over UDP; 'secureConnect' when the handshake is done. */
export function connect(options: DtlsConnectOptions): DtlsSocket {
  const family = options.host.includes(':') ? 'udp6' : 'udp4';
  const udp = dgram.createSocket(family);
  const client = new DtlsClient({ now: Date.now, ...options });
  // A close_notify written just before the close must leave the socket first.
  let pending = 0;
  let closing = false;
  const closeWhenSent = () => {
    if (closing && pending === 0) udp.close();
  };
  const write = (d: Uint8Array) => {
    pending++;
    udp.send(d, options.port, options.host, () => {
      pending--;
      closeWhenSent();
    });
  };
  const sock = new DtlsSocket(client, write, () => {
    closing = true;
    closeWhenSent();
  });
  udp.on('message', (msg, rinfo) => {
    // Datagrams from anyone but the server are not ours.
    if (rinfo.port !== options.port) return;
    sock.deliver(new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
  });
  udp.on('error', (e) => sock.emit('error', e));
  udp.bind(0, () => {
    client.start();
    sock.pump();
  });
  return sock;
}

export interface DtlsNodeServer extends EventEmitter {
  readonly server: DtlsServer;
  /** Resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  close(): void;
}

/** A DTLS server on one UDP socket; emits 'secureConnection' with a DtlsSocket per peer. */
export function createServer(config: DtlsServerConfig): DtlsNodeServer {
  const server = new DtlsServer({ now: Date.now, ...config });
  const sockets = new Map<string, DtlsSocket>();
  const emitter = new EventEmitter() as DtlsNodeServer;
  let udp: dgram.Socket | undefined;
  let pending = 0;
  let closing = false;
  const send = (d: Uint8Array, port: number, host: string) => {
    if (!udp) return;
    pending++;
    udp.send(d, port, host, () => {
      pending--;
      if (closing && pending === 0) udp?.close();
    });
  };
  const peerOf = (key: string) => {
    const i = key.lastIndexOf(':');
    return { host: key.slice(0, i), port: Number(key.slice(i + 1)) };
  };
  const flushServer = () => {
    for (const e of server.takeEvents()) {
      if (e.type === 'datagram') {
        const p = peerOf(e.peer);
        send(e.data, p.port, p.host);
      } else if (e.type === 'connection') {
        const conn: DtlsServerConnection = e.connection;
        const p = peerOf(e.peer);
        const sock = new DtlsSocket(conn, (d) => send(d, p.port, p.host), () => {
          sockets.delete(e.peer);
          server.remove(e.peer);
        });
        sockets.set(e.peer, sock);
        sock.on('secureConnect', () => emitter.emit('secureConnection', sock));
        sock.on('error', (err) => emitter.emit('clientError', err, sock));
        sock.on('keylog', (line: string) => emitter.emit('keylog', line, sock));
      }
    }
  };
  Object.assign(emitter, {
    server,
    listen(port: number, host = '127.0.0.1'): Promise<number> {
      udp = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
      udp.on('message', (msg, rinfo) => {
        const key = `${rinfo.address}:${rinfo.port}`;
        server.receive(key, new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
        flushServer();
        sockets.get(key)?.pump();
      });
      return new Promise<number>((resolve) => udp!.bind(port, host, () => resolve(udp!.address().port)));
    },
    close(): void {
      for (const s of sockets.values()) s.close();
      // close_notify alerts just written leave before the socket closes.
      closing = true;
      if (pending === 0) udp?.close();
    },
  });
  return emitter;
}
