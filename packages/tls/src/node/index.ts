/**
 * `connect()` and `createServer()`: node:tls-like entry points over node:net for the sans-I/O core.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { TrustStore } from '@layersec/crypto-primitives';
import { x509Verifier } from '../certificates.js';
import type { CertificateVerifier } from '../config.js';
import { ClientConnection, type ClientConfig } from '../client/client-connection.js';
import { ServerConnection, type ServerConfig } from '../server/server-connection.js';
import { TlsSocket } from './tls-socket.js';

export interface ConnectOptions extends ClientConfig {
  host?: string;
  port?: number;
  /** An already connected socket to run TLS over instead of opening one. */
  socket?: net.Socket;
  /**
   * Trust anchors as PEM text, used when no `verifier` is given (as node:tls's `ca`). Without both,
   * the system bundle /etc/ssl/certs/ca-certificates.crt is trusted, with the host name checked.
   */
  ca?: string;
}

/** The system trust bundle (Debian/Ubuntu layout), read once. */
let systemTrust: TrustStore | undefined;
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
function defaultVerifier(options: ConnectOptions): CertificateVerifier | undefined {
  if (options.verifier) return options.verifier;
  if (options.ca !== undefined) return x509Verifier({ trustAnchors: TrustStore.fromPem(options.ca), provider: options.provider });
  if (options.psk && !options.resumptionTicket) return undefined;
  if (!systemTrust && existsSync(SYSTEM_BUNDLE)) systemTrust = TrustStore.fromPem(readFileSync(SYSTEM_BUNDLE, 'utf8'));
  return systemTrust ? x509Verifier({ trustAnchors: systemTrust, provider: options.provider }) : undefined;
}

/** Opens a TCP connection and runs the TLS client over it; 'secureConnect' fires when it is ready. */
export function connect(options: ConnectOptions, secureConnectListener?: () => void): TlsSocket {
  const socket = options.socket ?? net.connect({ host: options.host ?? 'localhost', port: options.port ?? 443 });
  const conn = new ClientConnection({
    ...options,
    serverName: options.serverName ?? options.host,
    verifier: defaultVerifier(options),
  });
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
  // Like node:tls, a server issues session tickets under a key of its own unless given one.
  const config: ServerConfig = { ...options, ticketKey: options.ticketKey ?? (options.random ?? options.provider.random).randomBytes(32) };
  const server = net.createServer((socket) => {
    const conn = new ServerConnection(config);
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
export type { CipherInfo } from './tls-socket.js';
