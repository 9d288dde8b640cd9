/**
 * The DTLS 1.2 client (RFC 6347 §4.2 over the TLS 1.2 handshake of RFC 5246 §7.3):
 *
 *   ClientHello ──► [HelloVerifyRequest ──► ClientHello + cookie] ──► ServerHello
 *     ECDHE:  Certificate → ServerKeyExchange → [CertificateRequest] → ServerHelloDone
 *     PSK:    [ServerKeyExchange (hint; ECDHE_PSK: curve)] → ServerHelloDone
 *   ──► [Certificate] ClientKeyExchange ChangeCipherSpec Finished ──► ExpectFinished ──► established
 *   Resumption (session ID): ServerHello → ExpectFinished → ChangeCipherSpec Finished.
 */
import type { PublicKey } from '@layersec/crypto-primitives';
import { constantTimeEqual } from '@layersec/crypto-primitives';
import { AlertDescription, ExtensionType, HandshakeType, messages, TLS12_CIPHER_SUITES, TlsAlertError, tls12Suite, type Tls12CipherSuite } from '@layersec/tls';
import { bytesEqual, concatBytes } from '@layersec/wire';
import { DEFAULT_GROUPS, DEFAULT_SIGNATURE_ALGORITHMS, GROUPS, signatureScheme12, type DtlsCommonConfig, type DtlsResumableSession } from './config.js';
import { DTLS1_2, HELLO_VERIFY_REQUEST } from './constants.js';
import { DtlsConnection, type HandshakeState } from './connection.js';
import type { FlightItem } from './handshake/flight.js';
import { unfragmented, type ReassembledMessage } from './handshake/fragment.js';
import { decodeHelloVerifyRequest, encodeDtlsClientHelloBody, type DtlsClientHello } from './handshake/messages.js';

const fail = (d: number, detail: string): never => {
  throw new TlsAlertError(d, detail);
};

export interface DtlsPsk {
  readonly identity: Uint8Array;
  readonly key: Uint8Array;
}

export interface DtlsClientConfig extends DtlsCommonConfig {
  /** Checked against the server's certificate (RFC 6125) by the verifier. */
  serverName?: string;
  /** An external PSK (RFC 4279); PSK suites are offered first when set. */
  psk?: DtlsPsk;
  /** A session to resume by its session ID (abbreviated handshake, RFC 5246 §7.3). */
  session?: DtlsResumableSession;
  /** Offer the extended master secret (RFC 7627); default true. */
  extendedMasterSecret?: boolean;
}

/** The TLS 1.2 suites usable by DTLS: AEAD only (RFC 6347 §4.1.2.2 forbids stream ciphers). */
export function defaultClientSuites(config: { psk?: unknown; verifier?: unknown }): number[] {
  const psk = TLS12_CIPHER_SUITES.filter((s) => s.authentication === 'PSK').map((s) => s.id);
  const cert = TLS12_CIPHER_SUITES.filter((s) => s.authentication !== 'PSK').map((s) => s.id);
  return config.psk ? (config.verifier ? [...psk, ...cert] : psk) : cert;
}

interface ClientCtx {
  suite: Tls12CipherSuite;
  serverRandom: Uint8Array;
  ems: boolean;
  sessionId: Uint8Array;
  peerKey?: PublicKey;
  peerCertificates: Uint8Array[];
  serverPublic?: Uint8Array;
  group?: number;
  certificateRequested: boolean;
  masterSecret?: Uint8Array;
  resumed: boolean;
}

export class DtlsClient extends DtlsConnection {
  private hello!: DtlsClientHello;
  private helloUnfragmented!: Uint8Array;
  private readonly clientRandom: Uint8Array;
  private started = false;
  /** @internal */ x!: ClientCtx;

  constructor(override readonly config: DtlsClientConfig) {
    super(config, 'client');
    this.clientRandom = this.random.randomBytes(32);
  }

  /** Sends the first ClientHello (flight 1) and starts the retransmission timer. */
  start(): void {
    if (this.started) throw new Error('DtlsClient already started');
    this.started = true;
    this.guard(() => {
      this.sendClientHello(new Uint8Array(0));
      this.state = new ExpectServerHello(this, false);
    });
  }

  get supportedGroups(): readonly number[] {
    return this.config.supportedGroups ?? DEFAULT_GROUPS;
  }

  /** @internal RFC 6347 §4.2.1: the same ClientHello, with the cookie when the server asked for one. */
  sendClientHello(cookie: Uint8Array): void {
    const c = this.config;
    const groups = this.supportedGroups.filter((g) => GROUPS.has(g));
    const suites = (c.cipherSuites ?? defaultClientSuites(c)).filter((s) => tls12Suite(s));
    if (c.session && !suites.includes(c.session.cipherSuite)) suites.unshift(c.session.cipherSuite);
    const ext: messages.Extension[] = [];
    if (c.serverName && !/^[0-9.:]+$/.test(c.serverName)) ext.push({ extension_type: ExtensionType.server_name, extension_data: messages.encodeServerName(c.serverName) });
    ext.push({ extension_type: ExtensionType.supported_groups, extension_data: messages.encodeSupportedGroups(groups) });
    ext.push({ extension_type: ExtensionType.ec_point_formats, extension_data: messages.encodeEcPointFormats([0]) });
    ext.push({ extension_type: ExtensionType.signature_algorithms, extension_data: messages.encodeSignatureAlgorithms(c.signatureAlgorithms ?? DEFAULT_SIGNATURE_ALGORITHMS) });
    if (c.extendedMasterSecret !== false) ext.push({ extension_type: ExtensionType.extended_master_secret, extension_data: new Uint8Array(0) });
    // RFC 5746 §3.4: signal secure renegotiation (we never renegotiate).
    ext.push({ extension_type: ExtensionType.renegotiation_info, extension_data: messages.encodeRenegotiationInfo(new Uint8Array(0)) });
    this.hello = {
      legacy_version: DTLS1_2,
      random: this.clientRandom,
      legacy_session_id: c.session?.sessionId ?? new Uint8Array(0),
      cookie,
      cipher_suites: suites,
      legacy_compression_methods: Uint8Array.of(0),
      extensions: ext,
    };
    const body = encodeDtlsClientHelloBody(this.hello);
    // RFC 6347 §4.2.1: the ClientHello and HelloVerifyRequest of a cookie exchange stay out of the
    // transcript; the ClientHello the server answers goes in once its ServerHello arrives.
    const item = this.message(HandshakeType.client_hello, body, 0, false);
    this.helloUnfragmented = unfragmented(HandshakeType.client_hello, item.kind === 'handshake' ? item.message_seq : 0, body);
    this.flights.send([item], false, this.now());
  }

  /** @internal */ get offered(): DtlsClientHello {
    return this.hello;
  }
  /** @internal */ get helloForTranscript(): Uint8Array {
    return this.helloUnfragmented;
  }
  /** @internal */ get clientRandomBytes(): Uint8Array {
    return this.clientRandom;
  }
  /** @internal */ hs(msg_type: number, body: Uint8Array, epoch?: number): FlightItem {
    return this.message(msg_type, body, epoch);
  }
  /** @internal */ ms(pms: Uint8Array): Uint8Array {
    return this.masterSecret(this.x.suite, pms, this.clientRandom, this.x.serverRandom, this.x.ems);
  }
  /** @internal */ keys(ms: Uint8Array) {
    return this.epochKeys(this.x.suite, ms, this.clientRandom, this.x.serverRandom);
  }
  /** @internal */ finished(label: 'client finished' | 'server finished'): Uint8Array {
    return this.verifyData(this.x.suite, this.x.masterSecret!, label);
  }
  /** @internal */ log(ms: Uint8Array): void {
    this.keylog(this.clientRandom, ms);
  }
  /** @internal */ done(): void {
    const x = this.x;
    if (!x.resumed && x.sessionId.length > 0) {
      this.emit({ type: 'session', session: { sessionId: x.sessionId, masterSecret: x.masterSecret!, cipherSuite: x.suite.id, extendedMasterSecret: x.ems } });
    }
    this.established({
      protocol: 'DTLSv1.2',
      cipherSuite: x.suite.id,
      cipherSuiteName: x.suite.name,
      group: x.group,
      extendedMasterSecret: x.ems,
      resumed: x.resumed,
      peerCertificates: x.peerCertificates,
      pskIdentity: x.suite.authentication === 'PSK' ? this.config.psk?.identity : undefined,
      retransmissions: this.flights.retransmissions,
    });
  }
}

class ExpectServerHello implements HandshakeState {
  readonly name = 'ExpectServerHello';
  readonly expects: readonly number[];
  constructor(
    private readonly c: DtlsClient,
    private readonly verified: boolean,
  ) {
    this.expects = verified ? [HandshakeType.server_hello] : [HELLO_VERIFY_REQUEST, HandshakeType.server_hello];
  }

  handle(m: ReassembledMessage): HandshakeState {
    const c = this.c;
    if (m.msg_type === HELLO_VERIFY_REQUEST) {
      const hvr = decodeHelloVerifyRequest(m.body);
      if (hvr.cookie.length === 0) fail(AlertDescription.illegal_parameter, 'HelloVerifyRequest with an empty cookie');
      // The HelloVerifyRequest came from a stateless server whose later records may reuse its
      // sequence number; it does not count for the connection's replay window.
      c.records.resetReadWindow(0);
      c.sendClientHello(hvr.cookie);
      return new ExpectServerHello(c, true);
    }
    const sh = messages.decodeServerHello(m.body);
    if (sh.legacy_version !== DTLS1_2) fail(AlertDescription.protocol_version, `server_version 0x${sh.legacy_version.toString(16)} is not DTLS 1.2`);
    const suite = tls12Suite(sh.cipher_suite);
    if (!suite || !c.offered.cipher_suites.includes(sh.cipher_suite)) fail(AlertDescription.illegal_parameter, `cipher suite 0x${sh.cipher_suite.toString(16)} was not offered`);
    if (sh.legacy_compression_method !== 0) fail(AlertDescription.illegal_parameter, 'compression method is not null');
    const offered = new Set(c.offered.extensions.map((e) => e.extension_type));
    for (const e of sh.extensions) if (!offered.has(e.extension_type)) fail(AlertDescription.unsupported_extension, `ServerHello carries extension ${e.extension_type} we did not offer`);
    const ems = messages.findExtension(sh.extensions, ExtensionType.extended_master_secret) !== undefined;
    c.transcript.add(c.helloForTranscript);
    c.transcript.add(unfragmented(m.msg_type, m.message_seq, m.body));
    c.transcript.setHash(suite!.hash);
    c.x = { suite: suite!, serverRandom: sh.random, ems, sessionId: sh.legacy_session_id_echo, peerCertificates: [], certificateRequested: false, resumed: false };
    const s = c.config.session;
    if (s && s.sessionId.length > 0 && bytesEqual(sh.legacy_session_id_echo, s.sessionId)) {
      // RFC 5246 §7.4.1.3: the server resumes by echoing our session ID.
      if (s.cipherSuite !== suite!.id) fail(AlertDescription.illegal_parameter, 'resumed session with another cipher suite');
      // RFC 7627 §5.3: a session resumes only with the same extended_master_secret choice.
      if (s.extendedMasterSecret !== ems) fail(AlertDescription.handshake_failure, 'extended_master_secret differs from the resumed session');
      c.x.resumed = true;
      c.x.masterSecret = s.masterSecret;
      c.log(s.masterSecret);
      const keys = c.keys(s.masterSecret);
      c.records.setReadEpoch(1, keys.server);
      return new ExpectServerFinished(c, keys.client);
    }
    if (suite!.authentication === 'PSK') {
      if (!c.config.psk) fail(AlertDescription.illegal_parameter, 'server chose a PSK suite but we have no PSK');
      return new ExpectPskServerKeyExchange(c, suite!.keyExchange === 'ECDHE_PSK');
    }
    return new ExpectCertificate(c);
  }
}

class ExpectCertificate implements HandshakeState {
  readonly name = 'ExpectCertificate';
  readonly expects = [HandshakeType.certificate];
  constructor(private readonly c: DtlsClient) {}
  handle(m: ReassembledMessage): HandshakeState {
    const c = this.c;
    const chain = messages.decodeCertificate12(m.body);
    if (chain.length === 0) fail(AlertDescription.decode_error, 'server sent no certificate');
    const verifier = c.config.verifier;
    if (!verifier) fail(AlertDescription.certificate_unknown, 'no certificate verifier configured');
    const key = verifier!.verify(chain, { serverName: c.config.serverName, now: new Date(c.now()), role: 'client' });
    const want = c.x.suite.authentication === 'RSA' ? 'rsa' : 'ec';
    if (key.type !== want) fail(AlertDescription.unsupported_certificate, `a ${key.type} key cannot authenticate ${c.x.suite.name}`);
    c.x.peerKey = key;
    c.x.peerCertificates = chain;
    c.transcript.add(unfragmented(m.msg_type, m.message_seq, m.body));
    return new ExpectServerKeyExchange(c);
  }
}

class ExpectServerKeyExchange implements HandshakeState {
  readonly name = 'ExpectServerKeyExchange';
  readonly expects = [HandshakeType.server_key_exchange];
  constructor(private readonly c: DtlsClient) {}
  handle(m: ReassembledMessage): HandshakeState {
    const c = this.c;
    const ske = messages.decodeServerKeyExchangeEcdhe(m.body);
    if (!c.supportedGroups.includes(ske.params.namedcurve) || !GROUPS.has(ske.params.namedcurve)) {
      fail(AlertDescription.illegal_parameter, `ServerKeyExchange curve ${ske.params.namedcurve} was not offered`);
    }
    const offered = c.config.signatureAlgorithms ?? DEFAULT_SIGNATURE_ALGORITHMS;
    const scheme = signatureScheme12(ske.algorithm, c.x.peerKey!.type);
    if (!scheme || !offered.includes(ske.algorithm)) fail(AlertDescription.illegal_parameter, `ServerKeyExchange signature algorithm 0x${ske.algorithm.toString(16)}`);
    // RFC 8422 §5.4: the signature covers ClientHello.random + ServerHello.random + ServerECDHParams.
    const signed = concatBytes(c.clientRandomBytes, c.x.serverRandom, ske.paramsBytes);
    if (!c.provider.verify(scheme!, c.x.peerKey!, signed, ske.signature)) fail(AlertDescription.decrypt_error, 'ServerKeyExchange signature does not verify');
    c.x.serverPublic = ske.params.public;
    c.x.group = ske.params.namedcurve;
    c.transcript.add(unfragmented(m.msg_type, m.message_seq, m.body));
    return new ExpectServerHelloDone(c, true);
  }
}

/** RFC 4279 §2: ServerKeyExchange (hint) is optional for PSK; ECDHE_PSK carries the curve (RFC 5489 §2). */
class ExpectPskServerKeyExchange implements HandshakeState {
  readonly name = 'ExpectPskServerKeyExchange';
  readonly expects: readonly number[];
  constructor(
    private readonly c: DtlsClient,
    private readonly ecdhe: boolean,
  ) {
    this.expects = ecdhe ? [HandshakeType.server_key_exchange] : [HandshakeType.server_key_exchange, HandshakeType.server_hello_done];
  }
  handle(m: ReassembledMessage): HandshakeState {
    const c = this.c;
    if (m.msg_type === HandshakeType.server_hello_done) return new ExpectServerHelloDone(c, false).handle(m);
    const ske = messages.decodeServerKeyExchangePsk(m.body, this.ecdhe);
    if (ske.params) {
      if (!c.supportedGroups.includes(ske.params.namedcurve) || !GROUPS.has(ske.params.namedcurve)) fail(AlertDescription.illegal_parameter, `curve ${ske.params.namedcurve} was not offered`);
      c.x.group = ske.params.namedcurve;
      c.x.serverPublic = ske.params.public;
    }
    c.transcript.add(unfragmented(m.msg_type, m.message_seq, m.body));
    return new ExpectServerHelloDone(c, false);
  }
}

class ExpectServerHelloDone implements HandshakeState {
  readonly name = 'ExpectServerHelloDone';
  readonly expects: readonly number[];
  constructor(
    private readonly c: DtlsClient,
    mayRequest: boolean,
  ) {
    this.expects = mayRequest ? [HandshakeType.certificate_request, HandshakeType.server_hello_done] : [HandshakeType.server_hello_done];
  }
  handle(m: ReassembledMessage): HandshakeState {
    const c = this.c;
    c.transcript.add(unfragmented(m.msg_type, m.message_seq, m.body));
    if (m.msg_type === HandshakeType.certificate_request) {
      messages.decodeCertificateRequest12(m.body);
      c.x.certificateRequested = true;
      return new ExpectServerHelloDone(c, false);
    }
    messages.decodeServerHelloDone(m.body);
    return sendClientFlight(c);
  }
}

/** Flight 5 (RFC 6347 §4.2.4): [Certificate] ClientKeyExchange ChangeCipherSpec Finished. */
function sendClientFlight(c: DtlsClient): HandshakeState {
  const x = c.x;
  const flight: FlightItem[] = [];
  // RFC 5246 §7.4.6: with no certificate to send, an empty Certificate message.
  if (x.certificateRequested) flight.push(c.hs(HandshakeType.certificate, messages.encodeCertificate12([]).subarray(4)));
  let pms: Uint8Array;
  let cke: Uint8Array;
  const psk = c.config.psk;
  if (x.suite.keyExchange === 'PSK') {
    pms = messages.pskPremasterSecret(psk!.key, undefined);
    cke = messages.encodeClientKeyExchangePsk(psk!.identity);
  } else {
    const kx = c.provider.keyExchange(GROUPS.get(x.group!)!);
    const kp = kx.generateKeyPair(c.random);
    const shared = kx.computeSharedSecret(kp.privateKey, x.serverPublic!);
    if (x.suite.keyExchange === 'ECDHE_PSK') {
      pms = messages.pskPremasterSecret(psk!.key, shared);
      cke = messages.encodeClientKeyExchangePsk(psk!.identity, kp.publicKey);
    } else {
      pms = shared;
      cke = messages.encodeClientKeyExchangeEcdhe(kp.publicKey);
    }
  }
  // The tls codecs return whole TLS handshake messages; DTLS re-frames the body (RFC 6347 §4.2.2).
  flight.push(c.hs(HandshakeType.client_key_exchange, cke.subarray(4)));
  const ms = c.ms(pms);
  x.masterSecret = ms;
  c.log(ms);
  const keys = c.keys(ms);
  flight.push({ kind: 'change_cipher_spec', epoch: 0 });
  c.records.setWriteEpoch(1, keys.client);
  c.records.setReadEpoch(1, keys.server);
  flight.push(c.hs(HandshakeType.finished, c.finished('client finished'), 1));
  c.flights.send(flight, false, c.now());
  return new ExpectServerFinished(c);
}

/** The server's Finished, which must arrive under epoch 1 (after its ChangeCipherSpec). */
class ExpectServerFinished implements HandshakeState {
  readonly name = 'ExpectServerFinished';
  readonly expects = [HandshakeType.finished];
  constructor(
    private readonly c: DtlsClient,
    /** Abbreviated handshake: our write keys, used after the server's Finished. */
    private readonly abbreviatedWrite?: import('./record/protection.js').DtlsAeadProtection,
  ) {}
  handle(m: ReassembledMessage): HandshakeState {
    const c = this.c;
    if (m.epoch !== 1) fail(AlertDescription.unexpected_message, 'Finished before ChangeCipherSpec');
    const got = messages.decodeFinished(m.body, 12);
    if (!constantTimeEqual(c.finished('server finished'), got)) fail(AlertDescription.decrypt_error, 'server Finished does not verify');
    c.transcript.add(unfragmented(m.msg_type, m.message_seq, m.body));
    if (this.abbreviatedWrite) {
      c.records.setWriteEpoch(1, this.abbreviatedWrite);
      const fin = c.hs(HandshakeType.finished, c.finished('client finished'), 1);
      // Our flight is the last one of an abbreviated handshake (RFC 6347 §4.2.4).
      c.flights.send([{ kind: 'change_cipher_spec', epoch: 0 }, fin], true, c.now());
    }
    c.done();
    return new Established();
  }
}

/** After the handshake: HelloRequest (renegotiation) is ignored, anything else is unexpected. */
export class Established implements HandshakeState {
  readonly name = 'Established';
  readonly expects = [HandshakeType.hello_request];
  handle(): HandshakeState {
    return this;
  }
}
