/**
 * The node:net adapter: a `TlsSocket` is a Node `Duplex` over a TCP socket, driving a sans-I/O
 * ClientConnection or ServerConnection, with node:tls-style events (`secureConnect`, `secure`,
 * `keylog`, `session`) and getters (protocol, cipher, group, peer certificate, ALPN). Buffers are
 * used only where Node streams need them; everything handed to the core is a Uint8Array.
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { SessionInfo } from '../config.js';
import type { SessionTicket } from '../connection.js';
import type { ClientConnection } from '../client/client-connection.js';
import type { ServerConnection } from '../server/server-connection.js';
import { AlertDescription } from '../constants.js';
import type { TlsAlertError } from '../errors.js';

export interface CipherInfo {
  /** The IANA name, e.g. TLS_AES_128_GCM_SHA256 (node:tls gives `standardName` in this form). */
  readonly name: string;
  readonly standardName: string;
  readonly version: string;
}

export class TlsSocket extends Duplex {
  /** node:tls compatibility: true once the handshake finished. */
  encrypted = true;
  private established = false;
  private pendingWrites: Array<{ data: Uint8Array; callback: (e?: Error | null) => void }> = [];
  private finalCallback: ((e?: Error | null) => void) | undefined;

  constructor(
    readonly socket: Socket,
    readonly connection: ClientConnection | ServerConnection,
    private readonly role: 'client' | 'server',
  ) {
    super({ allowHalfOpen: false });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.connection.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.pump();
    });
    socket.on('end', () => {
      if (!this.connection.isClosed && !this.connection.error) {
        // RFC 8446 §6.1: a transport close without close_notify is a truncation.
        this.emit('tlsTruncated');
      }
      this.push(null);
    });
    socket.on('error', (e) => this.destroy(e));
    socket.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
  }

  /** Starts the handshake (client) and flushes what the core produced. */
  start(): void {
    this.pump();
  }

  /** Drains the core's events: bytes to the socket, data to readers, handshake and alerts to listeners. */
  pump(): void {
    // One socket write per batch of records (a flight is several records; no Nagle delays between them).
    const out: Uint8Array[] = [];
    const flush = () => {
      if (out.length && !this.socket.destroyed) this.socket.write(out.length === 1 ? out[0] : Buffer.concat(out));
      out.length = 0;
    };
    for (const ev of this.connection.takeEvents()) {
      if (ev.type !== 'transmit') flush();
      switch (ev.type) {
        case 'transmit':
          out.push(ev.data);
          break;
        case 'applicationData':
          this.push(Buffer.from(ev.data.buffer, ev.data.byteOffset, ev.data.byteLength));
          break;
        case 'handshakeComplete':
          this.established = true;
          this.emit(this.role === 'client' ? 'secureConnect' : 'secure', ev.session);
          this.flushPendingWrites();
          break;
        case 'keylog':
          this.emit('keylog', Buffer.from(ev.line + '\n'));
          break;
        case 'sessionTicket':
          this.emit('session', ev.ticket);
          break;
        case 'peerClosed':
          this.push(null);
          break;
        case 'alertSent':
        case 'alertReceived':
          this.failWith(ev.error);
          break;
      }
    }
    flush();
    if (this.connection.isClosed && this.finalCallback) {
      const cb = this.finalCallback;
      this.finalCallback = undefined;
      cb();
    }
  }

  private failWith(err: TlsAlertError): void {
    for (const w of this.pendingWrites.splice(0)) w.callback(err);
    this.socket.end();
    this.destroy(err);
  }

  private flushPendingWrites(): void {
    for (const w of this.pendingWrites.splice(0)) this.writeNow(w.data, w.callback);
  }

  private writeNow(data: Uint8Array, callback: (e?: Error | null) => void): void {
    try {
      this.connection.send(data);
      this.pump();
      callback();
    } catch (e) {
      callback(e as Error);
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (e?: Error | null) => void): void {
    const data = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!this.established) this.pendingWrites.push({ data: data.slice(), callback });
    else this.writeNow(data, callback);
  }

  override _read(): void {
    // data is pushed as it is decrypted
  }

  override _final(callback: (e?: Error | null) => void): void {
    this.connection.close();
    this.pump();
    this.socket.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (e?: Error | null) => void): void {
    if (!this.connection.isClosed && !this.connection.error && err) this.connection.abort(AlertDescription.internal_error, err.message);
    if (!this.socket.destroyed) {
      this.pump();
      this.socket.end();
    }
    callback(err);
  }

  /** What the handshake negotiated (undefined before it finished). */
  get session(): SessionInfo | undefined {
    return this.connection.session;
  }
  /** 'TLSv1.3' or 'TLSv1.2', as node:tls's getProtocol(). */
  getProtocol(): string | null {
    return this.connection.session?.protocol ?? null;
  }
  getCipher(): CipherInfo | undefined {
    const s = this.connection.session;
    return s ? { name: s.cipherSuiteName, standardName: s.cipherSuiteName, version: s.protocol } : undefined;
  }
  /** The negotiated key-exchange group (IANA name, e.g. x25519); node:tls has getEphemeralKeyInfo(). */
  getGroup(): string | undefined {
    return this.connection.session?.groupName;
  }
  /** The peer's certificate chain, DER, leaf first. */
  getPeerCertificateChain(): readonly Uint8Array[] {
    return this.connection.session?.peerCertificates ?? [];
  }
  get alpnProtocol(): string | false {
    return this.connection.session?.alpnProtocol ?? false;
  }
  get servername(): string | undefined {
    return this.connection.session?.serverName;
  }
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }
}

export type { SessionTicket };
