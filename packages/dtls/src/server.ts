/**
 * The DTLS 1.2 server: `DtlsServer` answers ClientHellos statelessly with a HelloVerifyRequest
 * (RFC 6347 §4.2.1) until one carries a valid cookie, and only then creates a per-peer
 * `DtlsServerConnection`, which runs the TLS 1.2 server handshake (RFC 5246 §7.3):
 *
 *   ClientHello ──► ServerHello Certificate ServerKeyExchange ServerHelloDone   (ECDHE)
 *                   ServerHello [ServerKeyExchange] ServerHelloDone             (PSK, ECDHE_PSK)
 *   ExpectClientKeyExchange ──► ExpectClientFinished ──► ChangeCipherSpec Finished (last flight)
 *   Resumption: ServerHello ChangeCipherSpec Finished ──► ExpectClientFinished.
 */
import { constantTimeEqual } from '@layersec/crypto-primitives';
import { AlertDescription, CipherSuite, ContentType, ExtensionType, HandshakeType, messages, TLS12_CIPHER_SUITES, TlsAlertError, tls12Suite, type Tls12CipherSuite } from '@layersec/tls';
import { concatBytes, toHex } from '@layersec/wire';
import { CookieJar } from './cookie.js';
import { DEFAULT_GROUPS, DEFAULT_SIGNATURE_ALGORITHMS, GROUPS, signatureScheme12, type DtlsCommonConfig } from './config.js';
import { DTLS1_0, DTLS1_2, HELLO_VERIFY_REQUEST } from './constants.js';
import { DtlsConnection, type EpochKeys, type HandshakeState } from './connection.js';
import { Established } from './client.js';
import type { FlightItem } from './handshake/flight.js';
import { decodeHandshakeFragments, encodeHandshakeFragment, unfragmented, type ReassembledMessage } from './handshake/fragment.js';
import { decodeDtlsClientHello, encodeHelloVerifyRequestBody, type DtlsClientHello } from './handshake/messages.js';
import { encodeDtlsRecord, splitDatagram } from './record/record.js';

const fail = (d: number, detail: string): never => {
  throw new TlsAlertError(d, detail);
};

export interface DtlsServerPsk {
  /** psk_identity_hint (RFC 4279 §2); empty when not set. */
  readonly hint?: Uint8Array;
  /** The key for a client's psk_identity, or undefined (unknown_psk_identity). */
  lookup(identity: Uint8Array): Uint8Array | undefined;
}

export interface DtlsServerConfig extends DtlsCommonConfig {
  psk?: DtlsServerPsk;
  /** Stateless cookie exchange (RFC 6347 §4.2.1); default true. */
  cookies?: boolean;
  /** How often the cookie secret changes (default 5 minutes). */
  cookieRotateMs?: number;
  /** Sessions kept for resumption by session ID (default 256; 0 turns resumption off). */
  sessionCacheSize?: number;
  /** Per-peer connections at most (default 10 000); ClientHellos beyond are dropped. */
  maxConnections?: number;
}

interface CachedSession {
  readonly masterSecret: Uint8Array;
  readonly suite: Tls12CipherSuite;
  readonly ems: boolean;
}

export type DtlsServerEvent =
  /** A stateless reply (HelloVerifyRequest) to `peer`. */
  | { readonly type: 'datagram'; readonly peer: string; readonly data: Uint8Array }
  /** A peer returned a valid cookie: its connection now exists. */
  | { readonly type: 'connection'; readonly peer: string; readonly connection: DtlsServerConnection };

export interface DtlsServerStats {
  helloVerifyRequests: number;
  /** Datagrams from peers without a connection that were not a usable ClientHello. */
  dropped: number;
}

/** The listener: cookies, per-peer connections keyed by the transport address, the session cache. */
export class DtlsServer {
  private readonly connections = new Map<string, DtlsServerConnection>();
  /** @internal */ readonly cache = new Map<string, CachedSession>();
  private readonly jar: CookieJar | undefined;
  private events: DtlsServerEvent[] = [];
  readonly stats: DtlsServerStats = { helloVerifyRequests: 0, dropped: 0 };

  constructor(readonly config: DtlsServerConfig) {
    const now = config.now ?? Date.now;
    if (config.cookies !== false) {
      this.jar = new CookieJar({ provider: config.provider, random: config.random ?? config.provider.random, now, rotateAfterMs: config.cookieRotateMs });
    }
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  connection(peer: string): DtlsServerConnection | undefined {
    return this.connections.get(peer);
  }

  /** Forgets a peer's connection (after it closed). */
  remove(peer: string): void {
    this.connections.delete(peer);
  }

  /** Replaces the cookie secret (the previous one stays valid until the next rotation). */
  rotateCookieSecret(): void {
    this.jar?.rotate();
  }

  takeEvents(): DtlsServerEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  /** A datagram from `peer` (an address string). Never throws. */
  receive(peer: string, datagram: Uint8Array): void {
    const existing = this.connections.get(peer);
    if (existing && !existing.isClosed()) {
      existing.receive(datagram);
      return;
    }
    // A closed connection's address is free again: its next ClientHello starts over statelessly.
    if (existing) this.connections.delete(peer);
    const hello = this.statelessClientHello(datagram);
    if (!hello) {
      this.stats.dropped++;
      return;
    }
    if (this.jar && !this.jar.verify(peer, hello.ch)) {
      this.sendHelloVerifyRequest(peer, hello.ch, hello.messageSeq, hello.recordSeq);
      return;
    }
    if (this.connections.size >= (this.config.maxConnections ?? 10_000)) {
      this.stats.dropped++;
      return;
    }
    const conn = new DtlsServerConnection(this.config, this);
    this.connections.set(peer, conn);
    this.events.push({ type: 'connection', peer, connection: conn });
    conn.acceptClientHello(hello.ch, hello.body, hello.messageSeq, hello.recordSeq);
  }

  /** A whole, unfragmented ClientHello in an epoch-0 record, or undefined (RFC 6347 §4.2.1: no state yet). */
  private statelessClientHello(datagram: Uint8Array): { ch: DtlsClientHello; body: Uint8Array; messageSeq: number; recordSeq: number } | undefined {
    const { records } = splitDatagram(datagram);
    const rec = records[0];
    if (!rec || rec.type !== ContentType.handshake || rec.epoch !== 0) return undefined;
    try {
      const [f] = decodeHandshakeFragments(rec.fragment);
      if (!f || f.msg_type !== HandshakeType.client_hello || f.fragment_offset !== 0 || f.fragment_length !== f.length) return undefined;
      return { ch: decodeDtlsClientHello(f.fragment), body: f.fragment.slice(), messageSeq: f.message_seq, recordSeq: rec.sequenceNumber };
    } catch {
      return undefined;
    }
  }

  private sendHelloVerifyRequest(peer: string, ch: DtlsClientHello, messageSeq: number, recordSeq: number): void {
    // RFC 6347 §4.2.1: server_version DTLS 1.0 whatever will be negotiated; the record sequence
    // number (and message_seq) copied from the ClientHello.
    const body = encodeHelloVerifyRequestBody({ server_version: DTLS1_0, cookie: this.jar!.make(peer, ch) });
    const hs = encodeHandshakeFragment({ msg_type: HELLO_VERIFY_REQUEST, length: body.length, message_seq: messageSeq, fragment_offset: 0, fragment: body });
    this.stats.helloVerifyRequests++;
    this.events.push({ type: 'datagram', peer, data: encodeDtlsRecord({ type: ContentType.handshake, version: DTLS1_0, epoch: 0, sequenceNumber: recordSeq, fragment: hs }) });
  }
}

/** The suites a server can serve with its credentials, in preference order. */
function serverSuites(config: DtlsServerConfig): number[] {
  const keyType = config.privateKey && config.certificateChain?.length ? (config.privateKey.type === 'rsa' ? 'RSA' : 'ECDSA') : undefined;
  return TLS12_CIPHER_SUITES.filter((s) => (s.authentication === 'PSK' ? config.psk !== undefined : s.authentication === keyType)).map((s) => s.id);
}

interface ServerCtx {
  suite: Tls12CipherSuite;
  clientRandom: Uint8Array;
  serverRandom: Uint8Array;
  ems: boolean;
  sessionId: Uint8Array;
  group?: number;
  ecdhPrivate?: Uint8Array;
  masterSecret?: Uint8Array;
  keys?: EpochKeys;
  pskIdentity?: Uint8Array;
  resumed: boolean;
}

/** One peer's handshake and connection on the server. */
export class DtlsServerConnection extends DtlsConnection {
  /** @internal */ x!: ServerCtx;

  constructor(
    override readonly config: DtlsServerConfig,
    private readonly listener: DtlsServer,
  ) {
    super(config, 'server');
  }

  /** @internal The verified ClientHello the listener accepted. */
  acceptClientHello(ch: DtlsClientHello, body: Uint8Array, messageSeq: number, recordSeq: number): void {
    this.records.markReceived(0, recordSeq);
    // RFC 6347 §4.2.1: the HelloVerifyRequest took the first ClientHello's record sequence number;
    // our epoch-0 records continue from the one of the ClientHello we answer, so none repeats.
    this.records.setWriteSequence(0, recordSeq);
    this.reassembler.expect(messageSeq + 1);
    // RFC 6347 §4.2.2: after a HelloVerifyRequest (message_seq 0), the ServerHello takes the
    // message_seq of the ClientHello it answers.
    this.sendSeq = messageSeq;
    this.guard(() => {
      this.state = this.onClientHello(ch, body, messageSeq);
    });
  }

  private onClientHello(ch: DtlsClientHello, body: Uint8Array, messageSeq: number): HandshakeState {
    const c = this.config;
    // DTLS versions count down: 0xfefd (1.2) < 0xfeff (1.0).
    if (ch.legacy_version > DTLS1_2 || ch.legacy_version < 0xfe00) fail(AlertDescription.protocol_version, `client_version 0x${ch.legacy_version.toString(16)}`);
    if (!ch.legacy_compression_methods.includes(0)) fail(AlertDescription.illegal_parameter, 'null compression not offered');
    const ours = (c.cipherSuites ?? serverSuites(c)).filter((id) => serverSuites(c).includes(id));
    const suite = ours.map((id) => tls12Suite(id)!).find((s) => ch.cipher_suites.includes(s.id));
    if (!suite) fail(AlertDescription.handshake_failure, 'no common DTLS 1.2 cipher suite');
    this.transcript.add(unfragmented(HandshakeType.client_hello, messageSeq, body));
    const ems = messages.findExtension(ch.extensions, ExtensionType.extended_master_secret) !== undefined;
    const ri = messages.findExtension(ch.extensions, ExtensionType.renegotiation_info);
    if (ri && messages.decodeRenegotiationInfo(ri).length !== 0) fail(AlertDescription.handshake_failure, 'renegotiation_info not empty in an initial handshake');
    const secureRenegotiation = ri !== undefined || ch.cipher_suites.includes(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    const serverRandom = this.random.randomBytes(32);

    // RFC 5246 §7.4.1.2 / §7.3: resume when the session is known, its suite offered and (RFC 7627
    // §5.3) the extended master secret choice is the same; otherwise a full handshake.
    const cached = ch.legacy_session_id.length > 0 ? this.listener.cache.get(toHex(ch.legacy_session_id)) : undefined;
    const resume = cached && ch.cipher_suites.includes(cached.suite.id) && cached.ems === ems ? cached : undefined;
    const chosen = resume?.suite ?? suite!;
    this.transcript.setHash(chosen.hash);
    const cacheOn = (c.sessionCacheSize ?? 256) > 0;
    const sessionId = resume ? ch.legacy_session_id : cacheOn ? this.random.randomBytes(32) : new Uint8Array(0);
    this.x = { suite: chosen, clientRandom: ch.random, serverRandom, ems, sessionId, resumed: resume !== undefined };

    const ext: messages.Extension[] = [];
    if (secureRenegotiation) ext.push({ extension_type: ExtensionType.renegotiation_info, extension_data: messages.encodeRenegotiationInfo(new Uint8Array(0)) });
    if (ems) ext.push({ extension_type: ExtensionType.extended_master_secret, extension_data: new Uint8Array(0) });
    if (chosen.keyExchange !== 'PSK' && messages.findExtension(ch.extensions, ExtensionType.ec_point_formats)) {
      ext.push({ extension_type: ExtensionType.ec_point_formats, extension_data: messages.encodeEcPointFormats([0]) });
    }
    const sh = messages.encodeServerHelloBody({
      legacy_version: DTLS1_2,
      random: serverRandom,
      legacy_session_id_echo: sessionId,
      cipher_suite: chosen.id,
      legacy_compression_method: 0,
      extensions: ext,
    });
    const flight: FlightItem[] = [this.message(HandshakeType.server_hello, sh)];

    if (resume) {
      this.x.masterSecret = resume.masterSecret;
      this.keylog(ch.random, resume.masterSecret);
      const keys = this.epochKeys(chosen, resume.masterSecret, ch.random, serverRandom);
      this.x.keys = keys;
      flight.push({ kind: 'change_cipher_spec', epoch: 0 });
      this.records.setWriteEpoch(1, keys.server);
      this.records.setReadEpoch(1, keys.client);
      flight.push(this.message(HandshakeType.finished, this.verifyData(chosen, resume.masterSecret, 'server finished'), 1));
      this.flights.send(flight, false, this.now());
      return new ExpectClientFinished(this);
    }

    const needEcdhe = chosen.keyExchange !== 'PSK';
    if (needEcdhe) {
      const sg = messages.findExtension(ch.extensions, ExtensionType.supported_groups);
      const clientGroups = sg ? messages.decodeSupportedGroups(sg) : [23];
      const group = (c.supportedGroups ?? DEFAULT_GROUPS).find((g) => GROUPS.has(g) && clientGroups.includes(g));
      if (group === undefined) fail(AlertDescription.handshake_failure, 'no common group');
      this.x.group = group;
    }
    if (chosen.authentication === 'PSK') {
      let params: messages.ServerEcdhParams | undefined;
      if (needEcdhe) params = this.ecdheParams();
      const hint = c.psk!.hint ?? new Uint8Array(0);
      // RFC 4279 §2: ServerKeyExchange only when there is a hint (PSK) and always for ECDHE_PSK.
      if (params || hint.length > 0) flight.push(this.message(HandshakeType.server_key_exchange, messages.encodeServerKeyExchangePsk({ psk_identity_hint: hint, params }).subarray(4)));
    } else {
      const key = c.privateKey!;
      flight.push(this.message(HandshakeType.certificate, messages.encodeCertificate12(c.certificateChain!).subarray(4)));
      const sa = messages.findExtension(ch.extensions, ExtensionType.signature_algorithms);
      if (!sa) fail(AlertDescription.handshake_failure, 'ClientHello without signature_algorithms');
      const theirs = messages.decodeSignatureAlgorithms(sa!);
      const code = (c.signatureAlgorithms ?? DEFAULT_SIGNATURE_ALGORITHMS).find((s) => theirs.includes(s) && signatureScheme12(s, key.type));
      if (code === undefined) fail(AlertDescription.handshake_failure, 'no signature scheme fits our key');
      const params = this.ecdheParams();
      const paramsBytes = messages.encodeServerEcdhParams(params);
      // RFC 8422 §5.4: signed over ClientHello.random + ServerHello.random + ServerECDHParams.
      const signature = this.provider.sign(signatureScheme12(code!, key.type)!, key, concatBytes(ch.random, serverRandom, paramsBytes), { random: this.random });
      flight.push(this.message(HandshakeType.server_key_exchange, messages.encodeServerKeyExchangeEcdhe(params, code!, signature).subarray(4)));
    }
    flight.push(this.message(HandshakeType.server_hello_done, new Uint8Array(0)));
    this.flights.send(flight, false, this.now());
    return new ExpectClientKeyExchange(this);
  }

  private ecdheParams(): messages.ServerEcdhParams {
    const kx = this.provider.keyExchange(GROUPS.get(this.x.group!)!);
    const kp = kx.generateKeyPair(this.random);
    this.x.ecdhPrivate = kp.privateKey;
    return { namedcurve: this.x.group!, public: kp.publicKey };
  }

  /** @internal */ onClientKeyExchange(m: ReassembledMessage): void {
    const x = this.x;
    let pms: Uint8Array;
    if (x.suite.authentication === 'PSK') {
      const { identity, ecdhPublic } = messages.decodeClientKeyExchangePsk(m.body, x.suite.keyExchange === 'ECDHE_PSK');
      const psk = this.config.psk!.lookup(identity);
      // RFC 4279 §2: an unknown identity is unknown_psk_identity.
      if (!psk) fail(AlertDescription.unknown_psk_identity, 'unknown PSK identity');
      x.pskIdentity = identity;
      const shared = ecdhPublic ? this.provider.keyExchange(GROUPS.get(x.group!)!).computeSharedSecret(x.ecdhPrivate!, ecdhPublic) : undefined;
      pms = messages.pskPremasterSecret(psk!, shared);
    } else {
      const point = messages.decodeClientKeyExchangeEcdhe(m.body);
      pms = this.provider.keyExchange(GROUPS.get(x.group!)!).computeSharedSecret(x.ecdhPrivate!, point);
    }
    this.transcript.add(unfragmented(m.msg_type, m.message_seq, m.body));
    x.masterSecret = this.masterSecret(x.suite, pms, x.clientRandom, x.serverRandom, x.ems);
    this.keylog(x.clientRandom, x.masterSecret);
    x.keys = this.epochKeys(x.suite, x.masterSecret, x.clientRandom, x.serverRandom);
    this.records.setReadEpoch(1, x.keys.client);
  }

  /** @internal */ onClientFinished(m: ReassembledMessage): void {
    const x = this.x;
    if (m.epoch !== 1) fail(AlertDescription.unexpected_message, 'Finished before ChangeCipherSpec');
    const got = messages.decodeFinished(m.body, 12);
    if (!constantTimeEqual(this.verifyData(x.suite, x.masterSecret!, 'client finished'), got)) fail(AlertDescription.decrypt_error, 'client Finished does not verify');
    this.transcript.add(unfragmented(m.msg_type, m.message_seq, m.body));
    if (!x.resumed) {
      this.records.setWriteEpoch(1, x.keys!.server);
      const fin = this.message(HandshakeType.finished, this.verifyData(x.suite, x.masterSecret!, 'server finished'), 1);
      // RFC 6347 §4.2.4: the server's last flight of a full handshake; no timer after it.
      this.flights.send([{ kind: 'change_cipher_spec', epoch: 0 }, fin], true, this.now());
      this.remember();
    }
    this.established({
      protocol: 'DTLSv1.2',
      cipherSuite: x.suite.id,
      cipherSuiteName: x.suite.name,
      group: x.group,
      extendedMasterSecret: x.ems,
      resumed: x.resumed,
      peerCertificates: [],
      pskIdentity: x.pskIdentity,
      retransmissions: this.flights.retransmissions,
    });
  }

  private remember(): void {
    const size = this.config.sessionCacheSize ?? 256;
    if (size <= 0 || this.x.sessionId.length === 0) return;
    const cache = this.listener.cache;
    if (cache.size >= size) cache.delete(cache.keys().next().value!);
    cache.set(toHex(this.x.sessionId), { masterSecret: this.x.masterSecret!, suite: this.x.suite, ems: this.x.ems });
  }
}

class ExpectClientKeyExchange implements HandshakeState {
  readonly name = 'ExpectClientKeyExchange';
  readonly expects = [HandshakeType.client_key_exchange];
  constructor(private readonly s: DtlsServerConnection) {}
  handle(m: ReassembledMessage): HandshakeState {
    this.s.onClientKeyExchange(m);
    return new ExpectClientFinished(this.s);
  }
}

class ExpectClientFinished implements HandshakeState {
  readonly name = 'ExpectClientFinished';
  readonly expects = [HandshakeType.finished];
  constructor(private readonly s: DtlsServerConnection) {}
  handle(m: ReassembledMessage): HandshakeState {
    this.s.onClientFinished(m);
    return new Established();
  }
}
