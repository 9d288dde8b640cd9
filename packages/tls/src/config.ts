/**
 * Configuration shared by clients and servers, and the session facts a finished handshake reports.
 * Time and randomness are injected (`now`, `random`) so that tests replay traces byte for byte.
 */
import type { CryptoProvider, KeyExchangeGroup, PrivateKey, PublicKey, RandomSource } from '@layersec/crypto-primitives';
import { CipherSuite, NamedGroup, SignatureScheme } from './constants.js';

export type TlsVersionName = 'TLSv1.2' | 'TLSv1.3';

/** Checks a peer's certificate chain; returns the leaf's public key or throws a TlsAlertError. */
export interface CertificateVerifier {
  verify(chain: readonly Uint8Array[], context: { serverName?: string; now: Date; role: 'client' | 'server' }): PublicKey;
}

export interface CommonConfig {
  provider: CryptoProvider;
  /** Randomness for randoms, session ids, ticket nonces and RSA-PSS salts (default: the provider's). */
  random?: RandomSource;
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
  /** TLS versions to offer or accept (default both, 1.3 preferred). */
  versions?: readonly TlsVersionName[];
  /** Cipher suites by IANA value, in preference order. */
  cipherSuites?: readonly number[];
  /** NamedGroup values we advertise, in preference order. */
  supportedGroups?: readonly number[];
  /** SignatureScheme values we accept from the peer, in preference order. */
  signatureAlgorithms?: readonly number[];
  /** ALPN protocol names (RFC 7301), in preference order. */
  alpnProtocols?: readonly string[];
  /** Our record_size_limit (RFC 8449), sent when set (a server answers a client's with its own). */
  recordSizeLimit?: number;
  /** Padding added to each TLS 1.3 record (RFC 8446 §5.4); default none. */
  recordPadding?: (contentLength: number) => number;
  /**
   * TLS 1.3: records sent under one traffic key before a KeyUpdate is sent on our own (RFC 8446
   * §5.5; default 2^23, below AES-GCM's 2^24.5).
   */
  keyUpdateAfterRecords?: number;
  /** Largest handshake message we buffer (default 128 KiB). */
  maxHandshakeMessageLength?: number;
  /**
   * Middlebox compatibility mode (RFC 8446 D.4): a client sends a 32-byte legacy_session_id and a
   * dummy change_cipher_spec. Default true.
   */
  middleboxCompatibility?: boolean;
  /** Our certificate chain (DER, leaf first) and its private key. */
  certificateChain?: readonly Uint8Array[];
  privateKey?: PrivateKey;
  /** Checks the peer's certificates (client: always unless a PSK is used; server: with requestClientCertificate). */
  verifier?: CertificateVerifier;
  /**
   * Ephemeral private keys per group, for replaying published traces (RFC 8448); otherwise
   * fresh keys are generated for every handshake.
   */
  ephemeralPrivateKeys?: Partial<Record<KeyExchangeGroup, Uint8Array>>;
}

export const DEFAULT_CIPHER_SUITES: readonly number[] = [
  CipherSuite.TLS_AES_128_GCM_SHA256,
  CipherSuite.TLS_AES_256_GCM_SHA384,
  CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
  CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
  CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
];

export const DEFAULT_GROUPS: readonly number[] = [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1];

export const DEFAULT_SIGNATURE_ALGORITHMS: readonly number[] = [
  SignatureScheme.ecdsa_secp256r1_sha256,
  SignatureScheme.ecdsa_secp384r1_sha384,
  SignatureScheme.ed25519,
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.rsa_pss_rsae_sha512,
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
  SignatureScheme.rsa_pkcs1_sha512,
];

/** The key-exchange groups crypto-primitives computes, by NamedGroup value. */
export const GROUP_NAMES: ReadonlyMap<number, KeyExchangeGroup> = new Map<number, KeyExchangeGroup>([
  [NamedGroup.x25519, 'x25519'],
  [NamedGroup.secp256r1, 'secp256r1'],
  [NamedGroup.secp384r1, 'secp384r1'],
  [NamedGroup.secp521r1, 'secp521r1'],
  [NamedGroup.x448, 'x448'],
]);

/** What a finished handshake negotiated (the node adapter's getters read it). */
export interface SessionInfo {
  readonly protocol: TlsVersionName;
  readonly cipherSuite: number;
  readonly cipherSuiteName: string;
  /** NamedGroup of the (EC)DHE exchange; undefined for psk_ke. */
  readonly group: number | undefined;
  readonly groupName: string | undefined;
  readonly signatureScheme: number | undefined;
  readonly serverName: string | undefined;
  readonly alpnProtocol: string | undefined;
  /** The peer's certificate chain, DER, leaf first (empty with PSK). */
  readonly peerCertificates: readonly Uint8Array[];
  /** True when the handshake was authenticated with a PSK (external or resumption). */
  readonly resumed: boolean;
  readonly helloRetryRequest: boolean;
}
