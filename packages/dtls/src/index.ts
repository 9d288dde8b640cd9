/**
 * @layersec/dtls — DTLS 1.2 (RFC 6347): the TLS 1.2 handshake of @layersec/tls over a datagram
 * record layer with epochs, explicit sequence numbers, anti-replay, handshake fragmentation and
 * reassembly, retransmission timers and the stateless cookie exchange. Sans-I/O cores
 * (`DtlsClient`, `DtlsServer`) and a node:dgram adapter (`connect`, `createServer`).
 */
export * from './constants.js';
export type { DtlsCommonConfig, DtlsEvent, DtlsSessionInfo, DtlsResumableSession } from './config.js';
export { DtlsClient, defaultClientSuites, type DtlsClientConfig, type DtlsPsk } from './client.js';
export { DtlsServer, DtlsServerConnection, type DtlsServerConfig, type DtlsServerEvent, type DtlsServerPsk, type DtlsServerStats } from './server.js';
export { DtlsConnection, type ConnectionPhase } from './connection.js';
export { DtlsRecordLayer, type DropReason, type RecordLayerStats, type OpenedRecord } from './record/record-layer.js';
export { DtlsAeadProtection } from './record/protection.js';
export { encodeDtlsRecord, splitDatagram, type DtlsRecord } from './record/record.js';
export { HandshakeReassembler, fragmentMessage, decodeHandshakeFragments, encodeHandshakeFragment, unfragmented, type HandshakeFragment, type ReassembledMessage } from './handshake/fragment.js';
export { FlightMachine, type FlightItem, type FlightState, type RetransmitOptions } from './handshake/flight.js';
export { encodeDtlsClientHelloBody, decodeDtlsClientHello, encodeHelloVerifyRequestBody, decodeHelloVerifyRequest, type DtlsClientHello, type HelloVerifyRequest } from './handshake/messages.js';
export { CookieJar } from './cookie.js';
export { connect, createServer, DtlsSocket, type DtlsConnectOptions, type DtlsNodeServer } from './node.js';
