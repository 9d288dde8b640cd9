/**
 * `ClientConnection`: the client side of the sans-I/O core. `start()` emits the ClientHello; the
 * states in ./tls13.ts take the server's flight from there.
 */
import type { HashName, KeyPair, PublicKey } from '@layersec/crypto-primitives';
import type { CommonConfig } from '../config.js';
import { DEFAULT_GROUPS } from '../config.js';
import { AlertDescription } from '../constants.js';
import { type SessionTicket, TlsConnection } from '../connection.js';
import type { Tls13CipherSuite } from '../cipher-suites.js';
import type { Tls13KeySchedule, Transcript } from '../key-schedule.js';
import type { ClientHello } from '../messages/client-hello.js';
import { sendClientHello, sendKeyUpdate } from './tls13.js';
import './tls12.js';

export interface ExternalPsk {
  readonly identity: Uint8Array;
  readonly key: Uint8Array;
  /** The hash the PSK is bound to (RFC 8446 §4.2.11; default SHA-256). */
  readonly hash?: HashName;
}

export interface ClientConfig extends CommonConfig {
  /** The server's name: sent as SNI (RFC 6066) and checked against its certificate. */
  serverName?: string;
  /** Groups we send key shares for in the first ClientHello (default: the first supported group). */
  keyShareGroups?: readonly number[];
  /** An external PSK (RFC 8446 §4.2.11). */
  psk?: ExternalPsk;
  /** A ticket from an earlier connection, for resumption (RFC 8446 §2.2). */
  resumptionTicket?: SessionTicket;
  /** psk_key_exchange_modes to offer (default [psk_dhe_ke]). */
  pskKeyExchangeModes?: readonly number[];
  /** Pad a ClientHello of 256..511 bytes to 512 (RFC 7685 §4), as NSS and BoringSSL do. */
  clientHelloPadding?: boolean;
  /**
   * Rewrites the ClientHello before it is sent and hashed (the lab's fault injection; tests that
   * replay a published ClientHello which carries extensions this client does not send itself).
   */
  customizeClientHello?: (hello: ClientHello) => ClientHello;
}

export interface OfferedPsk {
  readonly key: Uint8Array;
  readonly hash: HashName;
  readonly external: boolean;
  readonly ticket?: SessionTicket;
}

/** What the client handshake carries from state to state. */
export interface ClientHandshakeContext {
  clientRandom: Uint8Array;
  sessionId: Uint8Array;
  hello: ClientHello;
  /** The first ClientHello as sent (TLS 1.2 CertificateVerify signs the raw messages). */
  clientHelloRaw: Uint8Array;
  keyShares: Map<number, KeyPair>;
  transcript: Transcript;
  offeredPsks: OfferedPsk[];
  helloRetried: boolean;
  cookie?: Uint8Array;
  suite?: Tls13CipherSuite;
  keySchedule?: Tls13KeySchedule;
  clientHandshakeSecret?: Uint8Array;
  serverHandshakeSecret?: Uint8Array;
  clientTrafficSecret?: Uint8Array;
  serverTrafficSecret?: Uint8Array;
  resumptionMasterSecret?: Uint8Array;
  group?: number;
  pskUsed: boolean;
  alpnProtocol?: string;
  certificateRequest?: { context: Uint8Array; signatureAlgorithms: number[] };
  peerCertificates: Uint8Array[];
  peerPublicKey?: PublicKey;
  signatureScheme?: number;
}

export class ClientConnection extends TlsConnection<ClientConnection> {
  /** @internal */ hs!: ClientHandshakeContext;
  /** @internal TLS 1.3: application data is readable once the server's traffic keys are installed. */
  readTrafficKeysInstalled = false;
  private started = false;

  constructor(override readonly config: ClientConfig) {
    super(config);
  }

  /** Emits the ClientHello. */
  start(): void {
    if (this.started) throw new Error('ClientConnection already started');
    this.started = true;
    try {
      this.state = sendClientHello(this);
    } catch (e) {
      this.abort(AlertDescription.internal_error, e instanceof Error ? e.message : String(e));
    }
  }

  /** The groups we advertise. */
  get supportedGroups(): readonly number[] {
    return this.config.supportedGroups ?? DEFAULT_GROUPS;
  }

  /** Sends KeyUpdate (RFC 8446 §4.6.3) and moves to the next write traffic secret. */
  keyUpdate(requestPeerUpdate = false): void {
    if (!this.session || this.session.protocol !== 'TLSv1.3') throw new Error('KeyUpdate needs an established TLS 1.3 connection');
    sendKeyUpdate(this, requestPeerUpdate);
  }

  protected override applicationDataReadable(): boolean {
    return this.negotiatedVersion === 'TLSv1.2' || this.readTrafficKeysInstalled;
  }
}
