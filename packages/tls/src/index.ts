/**
 * @layersec/tls — TLS 1.3 (RFC 8446) client and server as a sans-I/O core (`ClientConnection`,
 * `ServerConnection`: bytes in, events out). The node:net adapter (`connect`, `createServer`) is
 * `@layersec/tls/node`, kept out of this entry point so that browser bundles never see node:net.
 * Cryptography comes from @layersec/crypto-primitives only.
 */
export * from './constants.js';
export { TlsAlertError, alertName } from './errors.js';
export type { CommonConfig, CertificateVerifier, SessionInfo, TlsVersionName } from './config.js';
export { DEFAULT_CIPHER_SUITES, DEFAULT_GROUPS, DEFAULT_SIGNATURE_ALGORITHMS } from './config.js';
export type { TlsEvent, SessionTicket, HandshakeState } from './connection.js';
export { ClientConnection, type ClientConfig, type ExternalPsk } from './client/client-connection.js';
export { ServerConnection, type ServerConfig, type ServerPsk } from './server/server-connection.js';
export { x509Verifier, unverifiedPeerKey, alertForX509, type X509VerifierOptions } from './certificates.js';
export { TLS13_CIPHER_SUITES, TLS12_CIPHER_SUITES, tls13Suite, tls12Suite, suiteByName } from './cipher-suites.js';
export type { Tls13CipherSuite, Tls12CipherSuite } from './cipher-suites.js';
export { Tls13KeySchedule, Transcript } from './key-schedule.js';
export * as messages from './messages/index.js';
export { RecordDeframer, encodeRecord, type TlsRecord } from './record/record.js';
export { Tls13RecordProtection, Tls12AeadProtection, perRecordNonce, type RecordProtection } from './record/protection.js';
// For packages/dtls (the TLS 1.2 / 1.3 handshake over a datagram record layer): the pieces that do
// not depend on the stream record layer.
export { masterSecret12, protections12, verifyData12, signedParams12 } from './tls12-common.js';
export { cryptoScheme, cryptoScheme12, allowedInTls13, schemeFitsKey, certificateVerifyContent } from './signature-schemes.js';
export { sealTicket, openTicket, type TicketState } from './ticket.js';
