/**
 * `ServerConnection`: the server side of the sans-I/O core; the TLS 1.3 states are in ./tls13.ts.
 */
import type { HashName, PublicKey } from '@layersec/crypto-primitives';
import type { CommonConfig } from '../config.js';
import { DEFAULT_GROUPS } from '../config.js';
import { TlsConnection } from '../connection.js';
import type { Tls13CipherSuite } from '../cipher-suites.js';
import type { Tls13KeySchedule, Transcript } from '../key-schedule.js';
import type { ClientHello } from '../messages/client-hello.js';
import type { TicketState } from '../ticket.js';
import { ExpectClientHello, sendServerKeyUpdate } from './tls13.js';
import './tls12.js';

export interface ServerPsk {
  readonly key: Uint8Array;
  readonly hash?: HashName;
}

export interface ServerConfig extends CommonConfig {
  /** Ask for a client certificate (RFC 8446 §4.3.2); 'require' refuses a client without one. */
  clientAuthentication?: 'none' | 'request' | 'require';
  /** External PSKs by identity (RFC 8446 §4.2.11). */
  pskLookup?: (identity: Uint8Array) => ServerPsk | undefined;
  /** psk_key_exchange_modes the server accepts (default both, psk_dhe_ke preferred). */
  pskKeyExchangeModes?: readonly number[];
  /** The key sealing session tickets (32 bytes, shared by one server's connections); no tickets without it. */
  ticketKey?: Uint8Array;
  /** NewSessionTickets sent after each full or resumed handshake (default 1 when ticketKey is set). */
  sessionTickets?: number;
  ticketLifetimeSeconds?: number;
  /**
   * TLS 1.2 sessions by session ID (RFC 5246 §7.4.1.2), shared by one server's connections; when
   * set, full handshakes get a session ID and are stored here.
   */
  sessionCache?: Map<string, TicketState>;
  /**
   * Advertised in EncryptedExtensions' supported_groups (RFC 8446 §4.2.7); default supportedGroups.
   * (A trace replay may list groups the server would not select.)
   */
  advertisedGroups?: readonly number[];
}

export interface ServerHandshakeContext {
  clientHello: ClientHello;
  clientRandom: Uint8Array;
  transcript: Transcript;
  suite: Tls13CipherSuite;
  keySchedule: Tls13KeySchedule;
  helloRetried: boolean;
  hrrGroup?: number;
  group?: number;
  pskUsed: boolean;
  signatureScheme?: number;
  serverName?: string;
  alpnProtocol?: string;
  clientHandshakeSecret: Uint8Array;
  serverHandshakeSecret: Uint8Array;
  clientTrafficSecret: Uint8Array;
  serverTrafficSecret: Uint8Array;
  peerCertificates: Uint8Array[];
  peerPublicKey?: PublicKey;
  certificateRequestContext?: Uint8Array;
  clientSignatureAlgorithms: number[];
}

export class ServerConnection extends TlsConnection<ServerConnection> {
  /** @internal */ hs!: ServerHandshakeContext;
  /** @internal */ readTrafficKeysInstalled = false;

  constructor(override readonly config: ServerConfig) {
    super(config);
    this.state = new ExpectClientHello();
  }

  get supportedGroups(): readonly number[] {
    return this.config.supportedGroups ?? DEFAULT_GROUPS;
  }

  /** Sends KeyUpdate (RFC 8446 §4.6.3) and moves to the next write traffic secret. */
  keyUpdate(requestPeerUpdate = false): void {
    if (!this.session || this.session.protocol !== 'TLSv1.3') throw new Error('KeyUpdate needs an established TLS 1.3 connection');
    sendServerKeyUpdate(this, requestPeerUpdate);
  }

  protected override applicationDataReadable(): boolean {
    return this.negotiatedVersion === 'TLSv1.2' || this.readTrafficKeysInstalled;
  }
}
