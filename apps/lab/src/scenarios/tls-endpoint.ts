/**
 * One TLS endpoint over a byte stream: transport bytes into the sans-I/O connection, its events out
 * to the stream and to the application. Application callbacks run after the whole batch of events
 * is handled, so that bytes go to the stream in the order the connection produced them.
 */
import type { ClientConnection, ServerConnection, SessionInfo, SessionTicket, TlsAlertError, TlsEvent } from '@layersec/tls';
import { toHex } from '@layersec/wire';
import type { CpuMeter } from './metrics.js';
import type { KeylogEntry, StreamConnection } from './tls-over-tcp.js';

export interface EndpointHandlers {
  data?(d: Uint8Array): void;
  complete?(s: SessionInfo): void;
  peerClosed?(): void;
  /** The connection ended with an alert, sent (`sent`) or received. */
  alert?(error: TlsAlertError, sent: boolean): void;
  ticket?(t: SessionTicket): void;
}

export class TlsEndpoint {
  /** Stream offset of the next byte written. */
  written = 0;
  /** Stream ranges [start, end) that carry application data. */
  readonly appRanges: Array<[number, number]> = [];
  /** The SSLKEYLOGFILE secrets this endpoint logged. */
  readonly keylog: KeylogEntry[] = [];

  constructor(
    readonly conn: StreamConnection,
    readonly tls: ClientConnection | ServerConnection,
    private readonly cpu: CpuMeter,
    private readonly handlers: EndpointHandlers,
  ) {
    conn.onData((d) => {
      this.cpu.measure(() => this.tls.receive(d));
      this.drain();
    });
  }

  private write(data: Uint8Array): void {
    this.conn.write(data);
    this.written += data.length;
  }

  drain(): void {
    for (;;) {
      const events: TlsEvent[] = this.cpu.measure(() => this.tls.takeEvents());
      if (events.length === 0) return;
      const deferred: Array<() => void> = [];
      for (const e of events) {
        switch (e.type) {
          case 'transmit':
            this.write(e.data);
            break;
          case 'applicationData':
            deferred.push(() => this.handlers.data?.(e.data));
            break;
          case 'handshakeComplete':
            deferred.push(() => this.handlers.complete?.(e.session));
            break;
          case 'keylog':
            this.keylog.push({ label: e.label, clientRandom: e.clientRandom, secret: e.secret });
            break;
          case 'sessionTicket':
            deferred.push(() => this.handlers.ticket?.(e.ticket));
            break;
          case 'alertSent':
          case 'alertReceived':
            deferred.push(() => {
              this.handlers.alert?.(e.error, e.type === 'alertSent');
              this.conn.destroy();
            });
            break;
          case 'peerClosed':
            deferred.push(() => this.handlers.peerClosed?.());
            break;
        }
      }
      for (const d of deferred) d();
    }
  }

  get keylogLines(): string[] {
    return this.keylog.map((k) => `${k.label} ${toHex(k.clientRandom)} ${toHex(k.secret)}`);
  }

  send(data: Uint8Array): void {
    const start = this.written;
    this.cpu.measure(() => this.tls.send(data));
    this.drain();
    this.appRanges.push([start, this.written]);
  }

  close(): void {
    this.cpu.measure(() => this.tls.close());
    this.drain();
    this.conn.end();
  }
}

/** The unprotected baseline's endpoint: application bytes straight onto the stream. */
export class PlainEndpoint {
  written = 0;
  readonly appRanges: Array<[number, number]> = [];

  constructor(
    readonly conn: StreamConnection,
    handlers: { data?(d: Uint8Array): void; peerClosed?(): void },
  ) {
    conn.onData((d) => handlers.data?.(d));
    conn.onEnd(() => handlers.peerClosed?.());
  }

  send(data: Uint8Array): void {
    this.appRanges.push([this.written, this.written + data.length]);
    this.conn.write(data);
    this.written += data.length;
  }

  close(): void {
    this.conn.end();
  }
}
