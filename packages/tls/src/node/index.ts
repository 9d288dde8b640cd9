/**
 * `connect()` and `createServer()`: node:tls-like entry points over node:net for the sans-I/O core.
 */
import * as net from 'node:net';
import { ClientConnection, type ClientConfig } from '../client/client-connection.js';
import { ServerConnection, type ServerConfig } from '../server/server-connection.js';
import { TlsSocket } from './tls-socket.js';

export interface ConnectOptions extends ClientConfig {
  host?: string;
  port?: number;
  /** An already connected socket to run TLS over instead of opening one. */
  socket?: net.Socket;
}

/** Opens a TCP connection and runs the TLS client over it; 'secureConnect' fires when it is ready. */
export function connect(options: ConnectOptions, secureConnectListener?: () => void): TlsSocket {
  const socket = options.socket ?? net.connect({ host: options.host ?? 'localhost', port: options.port ?? 443 });
  const conn = new ClientConnection({ ...options, serverName: options.serverName ?? (options.host && !net.isIP(options.host) ? options.host : undefined) });
  const tls = new TlsSocket(socket, conn, 'client');
  if (secureConnectListener) tls.once('secureConnect', secureConnectListener);
  const go = () => {
    conn.start();
    tls.start();
  };
  if (options.socket && !options.socket.connecting) go();
  else socket.once('connect', go);
  return tls;
}

export interface TlsServer extends net.Server {
  on(event: 'secureConnection', listener: (socket: TlsSocket) => void): this;
  on(event: 'tlsClientError', listener: (err: Error, socket: TlsSocket) => void): this;
  on(event: 'keylog', listener: (line: Buffer, socket: TlsSocket) => void): this;
  on(event: string, listener: (...args: never[]) => void): this;
}

/**
 * A TCP server running the TLS server on every connection; `handler` gets each socket once its
 * handshake finished ('secureConnection').
 */
export function createServer(options: ServerConfig, handler?: (socket: TlsSocket) => void): TlsServer {
  const server = net.createServer((socket) => {
    const conn = new ServerConnection(options);
    const tls = new TlsSocket(socket, conn, 'server');
    tls.once('secure', () => server.emit('secureConnection', tls));
    // node:tls compatibility: the server re-emits each socket's SSLKEYLOGFILE lines.
    tls.on('keylog', (line: Buffer) => server.emit('keylog', line, tls));
    tls.on('error', (err) => {
      if (!conn.isHandshakeComplete) server.emit('tlsClientError', err, tls);
    });
    tls.start();
  }) as TlsServer;
  if (handler) server.on('secureConnection', handler);
  return server;
}

export { TlsSocket };
