/**
 * Configuration and events of the sans-I/O DTLS 1.2 endpoints. Time and randomness are injected.
 */
import type { CryptoProvider, KeyExchangeGroup, PrivateKey, RandomSource, SignatureScheme as CryptoScheme } from '@layersec/crypto-primitives';
import { type CertificateVerifier, NamedGroup, SignatureScheme, type TlsAlertError } from '@layersec/tls';
import type { RetransmitOptions } from './handshake/flight.js';

export interface DtlsCommonConfig {
  provider: CryptoProvider;
  /** Randoms, ephemeral keys, session ids, cookie secrets (default: the provider's secure source). */
  random?: RandomSource;
  /** Milliseconds (default Date.now); drives timers, certificate validity and cookie rotation. */
  now?: () => number;
  /** Path MTU: no datagram we send during the handshake is longer (default 1200, RFC 6347 §4.1.1.1). */
  mtu?: number;
  /** Retransmission timer (RFC 6347 §4.2.4.1). */
  retransmit?: RetransmitOptions;
  /** Cipher suites by IANA value, in preference order (default: those the configured credentials allow). */
  cipherSuites?: readonly number[];
  /** NamedGroup values, in preference order (default x25519, secp256r1, secp384r1). */
  supportedGroups?: readonly number[];
  /** SignatureScheme values accepted from the peer, in preference order. */
  signatureAlgorithms?: readonly number[];
  certificateChain?: readonly Uint8Array[];
  privateKey?: PrivateKey;
  /** Checks the server's certificate chain (client). */
  verifier?: CertificateVerifier;
  /** Largest handshake message buffered (default 64 KiB). */
  maxHandshakeMessageLength?: number;
  /** Anti-replay window in records (default 1024). */
  replayWindowSize?: number;
}

/** What a finished handshake negotiated. */
export interface DtlsSessionInfo {
  readonly protocol: 'DTLSv1.2';
  readonly cipherSuite: number;
  readonly cipherSuiteName: string;
  readonly group: number | undefined;
  readonly extendedMasterSecret: boolean;
  /** True for an abbreviated handshake (RFC 5246 §7.3, session ID resumption). */
  readonly resumed: boolean;
  readonly peerCertificates: readonly Uint8Array[];
  /** The PSK identity used (PSK suites). */
  readonly pskIdentity: Uint8Array | undefined;
  /** Retransmissions of our flights during the handshake. */
  readonly retransmissions: number;
}

/** A session a client may resume (RFC 5246 §7.4.1.2 session_id). */
export interface DtlsResumableSession {
  readonly sessionId: Uint8Array;
  readonly masterSecret: Uint8Array;
  readonly cipherSuite: number;
  readonly extendedMasterSecret: boolean;
}

export type DtlsEvent =
  /** A datagram to send to the peer. */
  | { readonly type: 'datagram'; readonly data: Uint8Array }
  | { readonly type: 'handshakeDone'; readonly session: DtlsSessionInfo }
  /** One record of application data (message semantics: one send, one event). */
  | { readonly type: 'data'; readonly data: Uint8Array }
  /** An SSLKEYLOGFILE line (CLIENT_RANDOM). */
  | { readonly type: 'keylog'; readonly line: string }
  /** The server offered a session ID the client can resume later. */
  | { readonly type: 'session'; readonly session: DtlsResumableSession }
  /** The next time handleTimeout must be called (undefined: none). */
  | { readonly type: 'timer'; readonly deadline: number | undefined }
  | { readonly type: 'alert'; readonly level: number; readonly description: number; readonly sent: boolean }
  | { readonly type: 'closed' }
  | { readonly type: 'error'; readonly error: TlsAlertError };

export const DEFAULT_GROUPS: readonly number[] = [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1];

export const DEFAULT_SIGNATURE_ALGORITHMS: readonly number[] = [
  SignatureScheme.ecdsa_secp256r1_sha256,
  SignatureScheme.ecdsa_secp384r1_sha384,
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
];

/**
 * The key-exchange groups and TLS 1.2 signature code points (RFC 5246 §7.4.1.4.1; RFC 8446
 * §4.2.3 for RSA-PSS) mapped onto crypto-primitives' names. (@layersec/tls has the same tables
 * but does not export them; see the package README.)
 */
export const GROUPS: ReadonlyMap<number, KeyExchangeGroup> = new Map<number, KeyExchangeGroup>([
  [NamedGroup.x25519, 'x25519'],
  [NamedGroup.secp256r1, 'secp256r1'],
  [NamedGroup.secp384r1, 'secp384r1'],
]);

const SCHEMES = new Map<number, { scheme: CryptoScheme; key: 'ec' | 'rsa' }>([
  [SignatureScheme.ecdsa_secp256r1_sha256, { scheme: 'ecdsa_sha256', key: 'ec' }],
  [SignatureScheme.ecdsa_secp384r1_sha384, { scheme: 'ecdsa_sha384', key: 'ec' }],
  [SignatureScheme.rsa_pss_rsae_sha256, { scheme: 'rsa_pss_rsae_sha256', key: 'rsa' }],
  [SignatureScheme.rsa_pss_rsae_sha384, { scheme: 'rsa_pss_rsae_sha384', key: 'rsa' }],
  [SignatureScheme.rsa_pkcs1_sha256, { scheme: 'rsa_pkcs1_sha256', key: 'rsa' }],
  [SignatureScheme.rsa_pkcs1_sha384, { scheme: 'rsa_pkcs1_sha384', key: 'rsa' }],
]);

/** The crypto scheme for a TLS 1.2 SignatureAndHashAlgorithm code point usable with a key of `keyType`. */
export function signatureScheme12(codePoint: number, keyType: string): CryptoScheme | undefined {
  const s = SCHEMES.get(codePoint);
  return s && s.key === keyType ? s.scheme : undefined;
}
