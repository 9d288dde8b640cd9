/**
 * The TLS 1.2 server handshake (RFC 5246 §7.3) with ECDHE (RFC 8422), AEAD suites (RFC 5289,
 * RFC 7905), extended master secret (RFC 7627), RFC 5746 signalling and the RFC 8446 §4.1.3
 * downgrade sentinel: after the ClientHello we send ServerHello, Certificate, ServerKeyExchange,
 * [CertificateRequest], ServerHelloDone, then ExpectClientCertificate → ExpectClientKeyExchange →
 * [ExpectCertificateVerify] → ChangeCipherSpec → ExpectFinished → ExpectTraffic.
 */
import { constantTimeEqual, type PublicKey } from '@layersec/crypto-primitives';
import { concatBytes, toHex } from '@layersec/wire';
import { DEFAULT_CIPHER_SUITES, DEFAULT_SIGNATURE_ALGORITHMS, GROUP_NAMES } from '../config.js';
import {
  AlertDescription,
  AlertLevel,
  CipherSuite,
  ContentType,
  DOWNGRADE_TLS12,
  ExtensionType,
  HandshakeType,
  NamedGroup,
  ProtocolVersion,
  nameOf,
} from '../constants.js';
import { TLS12_PSK_CIPHER_SUITES, tls12Suite, type Tls12CipherSuite } from '../cipher-suites.js';
import type { HandshakeState } from '../connection.js';
import { fail } from '../errors.js';
import { encodeAlert } from '../messages/alert.js';
import type { ClientHello } from '../messages/client-hello.js';
import {
  type Extension,
  decodeAlpn,
  decodeRenegotiationInfo,
  decodeServerName,
  decodeSignatureAlgorithms,
  decodeSupportedGroups,
  encodeAlpn,
  encodeEcPointFormats,
  encodeRenegotiationInfo,
  findExtension,
} from '../messages/extensions.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import { encodeServerHello } from '../messages/server-hello.js';
import {
  decodeCertificate12,
  decodeClientKeyExchangeEcdhe,
  encodeCertificate12,
  encodeCertificateRequest12,
  encodeServerEcdhParams,
  encodeServerHelloDone,
  encodeServerKeyExchangeEcdhe,
  decodeClientKeyExchangePsk,
  encodeServerKeyExchangePsk,
  pskPremasterSecret,
  encodeNewSessionTicket12,
} from '../messages/tls12-messages.js';
import { decodeCertificateVerify, decodeFinished, encodeFinished } from '../messages/tls13-messages.js';
import { cryptoScheme12, schemeFitsKey } from '../signature-schemes.js';
import { masterSecret12, protections12, signedParams12, verifyData12 } from '../tls12-common.js';
import { Transcript } from '../key-schedule.js';
import { openTicket, sealTicket, type TicketState } from '../ticket.js';
import type { ServerConnection } from './server-connection.js';
import { registerTls12Server } from './tls13.js';

type State = HandshakeState<ServerConnection>;

/** The most TLS 1.2 sessions a server keeps by ID. */
export const MAX_CACHED_SESSIONS = 10000;

interface Ctx12 {
  suite: Tls12CipherSuite;
  clientRandom: Uint8Array;
  serverRandom: Uint8Array;
  ems: boolean;
  transcript: Transcript;
  messages: Uint8Array[];
  group: number;
  privateKey: Uint8Array;
  signatureScheme: number;
  serverName?: string;
  alpnProtocol?: string;
  masterSecret?: Uint8Array;
  peerKey?: PublicKey;
  peerCertificates: Uint8Array[];
  clientAuth: boolean;
  /** RFC 5077 §3.2: the client asked for a ticket and we have a ticket key. */
  issueTicket?: boolean;
  resumed?: boolean;
  /** The session ID we assigned, when sessions are cached by ID. */
  sessionId?: Uint8Array;
}
const ctx = new WeakMap<ServerConnection, Ctx12>();
const get = (s: ServerConnection) => ctx.get(s)!;

function add(s: ServerConnection, raw: Uint8Array): void {
  get(s).messages.push(raw);
  get(s).transcript.add(raw);
}

function send(s: ServerConnection, raw: Uint8Array): void {
  add(s, raw);
  s.queueHandshake(raw);
}

function afterClientHello(s: ServerConnection, ch: ClientHello, m: HandshakeMessage): State {
  s.negotiatedVersion = 'TLSv1.2';
  s.acceptCompatCcs = false;
  const key = s.config.privateKey;
  const chain = s.config.certificateChain;
  if (!ch.legacy_compression_methods.includes(0)) fail(AlertDescription.illegal_parameter, 'null compression not offered');
  const auth = key && chain?.length ? (key.type === 'rsa' ? 'RSA' : 'ECDSA') : undefined;
  const ours = s.config.cipherSuites ?? (s.config.pskLookup ? [...DEFAULT_CIPHER_SUITES, ...TLS12_PSK_CIPHER_SUITES] : DEFAULT_CIPHER_SUITES);
  const suite = ours
    .map(tls12Suite)
    .find(
      (x): x is Tls12CipherSuite =>
        !!x && ch.cipher_suites.includes(x.id) && (x.authentication === 'PSK' ? s.config.pskLookup !== undefined : x.authentication === auth),
    );
  if (!suite) fail(AlertDescription.handshake_failure, 'no common TLS 1.2 cipher suite');
  const resumed = resumeFromTicket(s, ch, m);
  if (resumed) return resumed;
  if (suite.authentication === 'PSK') return pskServerHello(s, ch, m, suite);
  if (!key || !chain?.length) fail(AlertDescription.handshake_failure, 'no certificate configured');

  // RFC 5746 §3.6: the client signals secure renegotiation by the SCSV or an empty extension.
  const ri = findExtension(ch.extensions, ExtensionType.renegotiation_info);
  if (ri && decodeRenegotiationInfo(ri).length !== 0) fail(AlertDescription.handshake_failure, 'renegotiation_info not empty in an initial handshake');
  const secureRenegotiation = ri !== undefined || ch.cipher_suites.includes(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV);

  const sg = findExtension(ch.extensions, ExtensionType.supported_groups);
  const clientGroups = sg ? decodeSupportedGroups(sg) : [NamedGroup.secp256r1];
  const group = s.supportedGroups.find((g) => GROUP_NAMES.has(g) && clientGroups.includes(g));
  if (group === undefined) fail(AlertDescription.handshake_failure, 'no common curve');
  const sa = findExtension(ch.extensions, ExtensionType.signature_algorithms);
  // RFC 5246 §7.4.1.4.1: without the extension only SHA-1 would be allowed, which we do not sign with.
  if (!sa) fail(AlertDescription.handshake_failure, 'ClientHello without signature_algorithms');
  const usable = decodeSignatureAlgorithms(sa).filter((x) => cryptoScheme12(x) && x !== 0x0203 && x !== 0x0201 && schemeFitsKey(x, key, false));
  // Prefer the hash that matches the curve (as TLS 1.3 requires), e.g. SHA-384 with P-384.
  const scheme = usable.find((x) => schemeFitsKey(x, key, true)) ?? usable[0];
  if (scheme === undefined) fail(AlertDescription.handshake_failure, 'no signature scheme fits our key');
  let alpnProtocol: string | undefined;
  const alpnExt = findExtension(ch.extensions, ExtensionType.application_layer_protocol_negotiation);
  if (alpnExt && s.config.alpnProtocols?.length) {
    const offered = decodeAlpn(alpnExt);
    alpnProtocol = s.config.alpnProtocols.find((p) => offered.includes(p));
    if (!alpnProtocol) fail(AlertDescription.no_application_protocol, 'no common application protocol');
  }
  const sni = findExtension(ch.extensions, ExtensionType.server_name);
  const ems = findExtension(ch.extensions, ExtensionType.extended_master_secret) !== undefined;

  let serverRandom = s.random.randomBytes(32);
  // RFC 8446 §4.1.3: a server able to do TLS 1.3 marks a TLS 1.2 ServerHello.random.
  if ((s.config.versions ?? ['TLSv1.3', 'TLSv1.2']).includes('TLSv1.3')) serverRandom = concatBytes(serverRandom.subarray(0, 24), DOWNGRADE_TLS12);
  const name = GROUP_NAMES.get(group)!;
  const kx = s.provider.keyExchange(name);
  const fixed = s.config.ephemeralPrivateKeys?.[name];
  const kp = fixed ? { privateKey: fixed, publicKey: kx.publicKeyFor(fixed) } : kx.generateKeyPair(s.random);
  const transcript = new Transcript(s.provider);
  transcript.setHash(suite.hash);
  ctx.set(s, {
    suite,
    clientRandom: ch.random,
    serverRandom,
    ems,
    transcript,
    messages: [],
    group,
    privateKey: kp.privateKey,
    signatureScheme: scheme,
    serverName: sni ? decodeServerName(sni) : undefined,
    alpnProtocol,
    peerCertificates: [],
    clientAuth: (s.config.clientAuthentication ?? 'none') !== 'none',
    issueTicket: wantsTicket(s, ch),
    sessionId: s.config.sessionCache && !wantsTicket(s, ch) ? s.random.randomBytes(32) : undefined,
  });
  add(s, m.raw);

  const ext: Extension[] = [];
  if (secureRenegotiation) ext.push({ extension_type: ExtensionType.renegotiation_info, extension_data: encodeRenegotiationInfo(new Uint8Array(0)) });
  if (ems) ext.push({ extension_type: ExtensionType.extended_master_secret, extension_data: new Uint8Array(0) });
  if (get(s).issueTicket) ext.push({ extension_type: ExtensionType.session_ticket, extension_data: new Uint8Array(0) });
  if (findExtension(ch.extensions, ExtensionType.ec_point_formats)) ext.push({ extension_type: ExtensionType.ec_point_formats, extension_data: encodeEcPointFormats([0]) });
  if (alpnProtocol) ext.push({ extension_type: ExtensionType.application_layer_protocol_negotiation, extension_data: encodeAlpn([alpnProtocol]) });
  send(
    s,
    encodeServerHello({
      legacy_version: ProtocolVersion.TLS1_2,
      random: serverRandom,
      legacy_session_id_echo: get(s).sessionId ?? new Uint8Array(0),
      cipher_suite: suite.id,
      legacy_compression_method: 0,
      extensions: ext,
    }),
  );
  send(s, encodeCertificate12(chain));
  const params = { namedcurve: group, public: kp.publicKey };
  const signature = s.provider.sign(cryptoScheme12(scheme)!, key, signedParams12(ch.random, serverRandom, encodeServerEcdhParams(params)), { random: s.random });
  send(s, encodeServerKeyExchangeEcdhe(params, scheme, signature));
  if (get(s).clientAuth) {
    send(
      s,
      encodeCertificateRequest12({
        certificate_types: [64, 1], // ecdsa_sign, rsa_sign (RFC 8422 §5.5, RFC 5246 §7.4.4)
        supported_signature_algorithms: s.config.signatureAlgorithms ?? DEFAULT_SIGNATURE_ALGORITHMS,
        certificate_authorities: [],
      }),
    );
  }
  send(s, encodeServerHelloDone());
  s.flushHandshake();
  return get(s).clientAuth ? new ExpectClientCertificate() : new ExpectClientKeyExchange();
}

function wantsTicket(s: ServerConnection, ch: ClientHello): boolean {
  return s.config.ticketKey !== undefined && (s.config.sessionTickets ?? 1) > 0 && findExtension(ch.extensions, ExtensionType.session_ticket) !== undefined;
}

/** RFC 5077 §3.3: a ticket sealing this session's master secret. */
function newSessionTicket12(s: ServerConnection, x: Ctx12): Uint8Array {
  const lifetime = Math.min(s.config.ticketLifetimeSeconds ?? 7200, 604800);
  const ticket = sealTicket(s.provider, s.random, s.config.ticketKey!, {
    cipherSuite: x.suite.id,
    psk: x.masterSecret!,
    issuedAt: s.now(),
    lifetimeSeconds: lifetime,
    ticketAgeAdd: 0,
    alpnProtocol: x.alpnProtocol,
    serverName: x.serverName,
    tls12: { extendedMasterSecret: x.ems },
  });
  return encodeNewSessionTicket12(lifetime, ticket);
}

/**
 * RFC 5077 §3.1: a ticket that opens, for a suite the client still offers, with the same extended
 * master secret use (RFC 7627 §5.3), resumes the session: ServerHello (echoing the client's session
 * ID), [NewSessionTicket], ChangeCipherSpec, Finished; then the client's ChangeCipherSpec and Finished.
 */
function resumeFromTicket(s: ServerConnection, ch: ClientHello, m: HandshakeMessage): State | undefined {
  if (ch.legacy_session_id.length === 0) return undefined;
  const ext = findExtension(ch.extensions, ExtensionType.session_ticket);
  let t: TicketState | undefined;
  if (ext && ext.length > 0 && s.config.ticketKey) t = openTicket(s.provider, s.config.ticketKey, ext);
  // RFC 5246 §7.4.1.2: otherwise, a session ID we issued resumes that session.
  if (!t && s.config.sessionCache) t = s.config.sessionCache.get(toHex(ch.legacy_session_id));
  if (!t) return undefined;
  const suite = t?.tls12 ? tls12Suite(t.cipherSuite) : undefined;
  const ems = findExtension(ch.extensions, ExtensionType.extended_master_secret) !== undefined;
  const age = t ? s.now() - t.issuedAt : -1;
  if (!suite || !ch.cipher_suites.includes(suite.id) || t.tls12!.extendedMasterSecret !== ems || age < 0 || age >= t.lifetimeSeconds * 1000) return undefined;
  const ri = findExtension(ch.extensions, ExtensionType.renegotiation_info);
  const secureRenegotiation = ri !== undefined || ch.cipher_suites.includes(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
  let serverRandom = s.random.randomBytes(32);
  if ((s.config.versions ?? ['TLSv1.3', 'TLSv1.2']).includes('TLSv1.3')) serverRandom = concatBytes(serverRandom.subarray(0, 24), DOWNGRADE_TLS12);
  const transcript = new Transcript(s.provider);
  transcript.setHash(suite.hash);
  const x: Ctx12 = {
    suite,
    clientRandom: ch.random,
    serverRandom,
    ems,
    transcript,
    messages: [],
    group: 0,
    privateKey: new Uint8Array(0),
    signatureScheme: 0,
    serverName: t.serverName,
    alpnProtocol: t.alpnProtocol,
    masterSecret: t.psk,
    peerCertificates: [],
    clientAuth: false,
    issueTicket: wantsTicket(s, ch),
    resumed: true,
  };
  ctx.set(s, x);
  s.negotiatedVersion = 'TLSv1.2';
  add(s, m.raw);
  const shExt: Extension[] = [];
  if (secureRenegotiation) shExt.push({ extension_type: ExtensionType.renegotiation_info, extension_data: encodeRenegotiationInfo(new Uint8Array(0)) });
  if (ems) shExt.push({ extension_type: ExtensionType.extended_master_secret, extension_data: new Uint8Array(0) });
  if (x.issueTicket) shExt.push({ extension_type: ExtensionType.session_ticket, extension_data: new Uint8Array(0) });
  send(
    s,
    encodeServerHello({ legacy_version: ProtocolVersion.TLS1_2, random: serverRandom, legacy_session_id_echo: ch.legacy_session_id, cipher_suite: suite.id, legacy_compression_method: 0, extensions: shExt }),
  );
  if (x.issueTicket) send(s, newSessionTicket12(s, x));
  s.keylog('CLIENT_RANDOM', ch.random, t.psk);
  const prot = protections12(s.provider, suite, t.psk, ch.random, serverRandom);
  s.writeChangeCipherSpec();
  s.setWriteProtection(prot.server);
  const fin = encodeFinished(verifyData12(s.provider, suite, t.psk, 'server finished', transcript.current()));
  add(s, fin);
  s.queueHandshake(fin);
  s.flushHandshake();
  s.ccsNext = { protection: prot.client, state: new ExpectFinished() };
  return new ExpectChangeCipherSpec();
}

/** RFC 4279 / RFC 5489: ServerHello, [ServerKeyExchange], ServerHelloDone — no certificate. */
function pskServerHello(s: ServerConnection, ch: ClientHello, m: HandshakeMessage, suite: Tls12CipherSuite): State {
  const ri = findExtension(ch.extensions, ExtensionType.renegotiation_info);
  if (ri && decodeRenegotiationInfo(ri).length !== 0) fail(AlertDescription.handshake_failure, 'renegotiation_info not empty in an initial handshake');
  const secureRenegotiation = ri !== undefined || ch.cipher_suites.includes(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
  const ems = findExtension(ch.extensions, ExtensionType.extended_master_secret) !== undefined;
  const ecdhe = suite.keyExchange === 'ECDHE_PSK';
  let group = NamedGroup.x25519 as number;
  if (ecdhe) {
    const sg = findExtension(ch.extensions, ExtensionType.supported_groups);
    const clientGroups = sg ? decodeSupportedGroups(sg) : [NamedGroup.secp256r1];
    const g = s.supportedGroups.find((x) => GROUP_NAMES.has(x) && clientGroups.includes(x));
    if (g === undefined) fail(AlertDescription.handshake_failure, 'no common curve');
    group = g;
  }
  let serverRandom = s.random.randomBytes(32);
  if ((s.config.versions ?? ['TLSv1.3', 'TLSv1.2']).includes('TLSv1.3')) serverRandom = concatBytes(serverRandom.subarray(0, 24), DOWNGRADE_TLS12);
  const transcript = new Transcript(s.provider);
  transcript.setHash(suite.hash);
  let privateKey: Uint8Array = new Uint8Array(0);
  let publicKey: Uint8Array = new Uint8Array(0);
  if (ecdhe) {
    const name = GROUP_NAMES.get(group)!;
    const kx = s.provider.keyExchange(name);
    const fixed = s.config.ephemeralPrivateKeys?.[name];
    const kp = fixed ? { privateKey: fixed, publicKey: kx.publicKeyFor(fixed) } : kx.generateKeyPair(s.random);
    privateKey = kp.privateKey;
    publicKey = kp.publicKey;
  }
  const sni = findExtension(ch.extensions, ExtensionType.server_name);
  ctx.set(s, {
    suite,
    clientRandom: ch.random,
    serverRandom,
    ems,
    transcript,
    messages: [],
    group,
    privateKey,
    signatureScheme: 0,
    serverName: sni ? decodeServerName(sni) : undefined,
    peerCertificates: [],
    clientAuth: false,
    issueTicket: wantsTicket(s, ch),
  });
  add(s, m.raw);
  const ext: Extension[] = [];
  if (secureRenegotiation) ext.push({ extension_type: ExtensionType.renegotiation_info, extension_data: encodeRenegotiationInfo(new Uint8Array(0)) });
  if (ems) ext.push({ extension_type: ExtensionType.extended_master_secret, extension_data: new Uint8Array(0) });
  if (get(s).issueTicket) ext.push({ extension_type: ExtensionType.session_ticket, extension_data: new Uint8Array(0) });
  send(
    s,
    encodeServerHello({ legacy_version: ProtocolVersion.TLS1_2, random: serverRandom, legacy_session_id_echo: new Uint8Array(0), cipher_suite: suite.id, legacy_compression_method: 0, extensions: ext }),
  );
  // RFC 4279 §2: without a hint the ServerKeyExchange is omitted; ECDHE_PSK always sends it (RFC 5489 §2).
  if (ecdhe) send(s, encodeServerKeyExchangePsk({ psk_identity_hint: new Uint8Array(0), params: { namedcurve: group, public: publicKey } }));
  send(s, encodeServerHelloDone());
  s.flushHandshake();
  return new ExpectClientKeyExchange();
}

class ExpectClientCertificate implements State {
  readonly name = 'Tls12ExpectClientCertificate';
  readonly expects = [HandshakeType.certificate];
  handle(s: ServerConnection, m: HandshakeMessage): State {
    const chain = decodeCertificate12(m.body);
    add(s, m.raw);
    if (chain.length === 0) {
      // RFC 5246 §7.4.6: a server requiring a certificate answers an empty one with handshake_failure.
      if (s.config.clientAuthentication === 'require') fail(AlertDescription.handshake_failure, 'client sent no certificate');
      return new ExpectClientKeyExchange();
    }
    const verifier = s.config.verifier;
    if (!verifier) fail(AlertDescription.certificate_unknown, 'no certificate verifier configured');
    get(s).peerKey = verifier.verify(chain, { now: new Date(s.now()), role: 'server' });
    get(s).peerCertificates = chain;
    return new ExpectClientKeyExchange();
  }
}

class ExpectClientKeyExchange implements State {
  readonly name = 'Tls12ExpectClientKeyExchange';
  readonly expects = [HandshakeType.client_key_exchange];
  handle(s: ServerConnection, m: HandshakeMessage): State {
    const x = get(s);
    let pms: Uint8Array;
    if (x.suite.authentication === 'PSK') {
      const ecdhe = x.suite.keyExchange === 'ECDHE_PSK';
      const cke = decodeClientKeyExchangePsk(m.body, ecdhe);
      const psk = s.config.pskLookup?.(cke.identity);
      // RFC 4279 §2: an identity the server does not know is unknown_psk_identity.
      if (!psk) fail(AlertDescription.unknown_psk_identity, 'unknown PSK identity');
      const shared = ecdhe ? s.provider.keyExchange(GROUP_NAMES.get(x.group)!).computeSharedSecret(x.privateKey, cke.ecdhPublic!) : undefined;
      pms = pskPremasterSecret(psk.key, shared);
    } else {
      const point = decodeClientKeyExchangeEcdhe(m.body);
      pms = s.provider.keyExchange(GROUP_NAMES.get(x.group)!).computeSharedSecret(x.privateKey, point);
    }
    add(s, m.raw);
    const ms = masterSecret12(s.provider, x.suite, pms, x.clientRandom, x.serverRandom, x.ems ? x.transcript.current() : undefined);
    x.masterSecret = ms;
    s.keylog('CLIENT_RANDOM', x.clientRandom, ms);
    const prot = protections12(s.provider, x.suite, ms, x.clientRandom, x.serverRandom);
    s.ccsNext = { protection: prot.client, state: new ExpectFinished(prot.server) };
    if (x.peerKey) return new ExpectCertificateVerify(prot.client, prot.server);
    return new ExpectChangeCipherSpec();
  }
}

class ExpectCertificateVerify implements State {
  readonly name = 'Tls12ExpectCertificateVerify';
  readonly expects = [HandshakeType.certificate_verify];
  constructor(
    private readonly read: import('../record/protection.js').RecordProtection,
    private readonly write: import('../record/protection.js').RecordProtection,
  ) {}
  handle(s: ServerConnection, m: HandshakeMessage): State {
    const x = get(s);
    const cv = decodeCertificateVerify(m.body);
    const offered = s.config.signatureAlgorithms ?? DEFAULT_SIGNATURE_ALGORITHMS;
    const scheme = cryptoScheme12(cv.algorithm);
    if (!scheme || !offered.includes(cv.algorithm) || !schemeFitsKey(cv.algorithm, x.peerKey!, false)) {
      fail(AlertDescription.illegal_parameter, `CertificateVerify algorithm 0x${cv.algorithm.toString(16)}`);
    }
    // RFC 5246 §7.4.8: the signature covers every handshake message so far.
    if (!s.provider.verify(scheme, x.peerKey!, concatBytes(...x.messages), cv.signature)) fail(AlertDescription.decrypt_error, 'client CertificateVerify does not verify');
    add(s, m.raw);
    s.ccsNext = { protection: this.read, state: new ExpectFinished(this.write) };
    return new ExpectChangeCipherSpec();
  }
}

class ExpectChangeCipherSpec implements State {
  readonly name = 'Tls12ExpectChangeCipherSpec';
  readonly expects: readonly number[] = [];
  handle(): State {
    return fail(AlertDescription.unexpected_message, 'handshake message before ChangeCipherSpec');
  }
}

class ExpectFinished implements State {
  readonly name = 'Tls12ExpectClientFinished';
  readonly expects = [HandshakeType.finished];
  constructor(private readonly write?: import('../record/protection.js').RecordProtection) {}
  handle(s: ServerConnection, m: HandshakeMessage): State {
    const x = get(s);
    const got = decodeFinished(m.body, 12);
    const want = verifyData12(s.provider, x.suite, x.masterSecret!, 'client finished', x.transcript.current());
    if (!constantTimeEqual(want, got)) fail(AlertDescription.decrypt_error, 'client Finished does not verify');
    add(s, m.raw);
    if (!x.resumed) {
      if (x.issueTicket) send(s, newSessionTicket12(s, x));
      if (x.sessionId && s.config.sessionCache) {
        // Bounded: the oldest session makes room (a Map iterates in insertion order).
        if (s.config.sessionCache.size >= MAX_CACHED_SESSIONS) s.config.sessionCache.delete(s.config.sessionCache.keys().next().value!);
        s.config.sessionCache.set(toHex(x.sessionId), {
          cipherSuite: x.suite.id,
          psk: x.masterSecret!,
          issuedAt: s.now(),
          lifetimeSeconds: Math.min(s.config.ticketLifetimeSeconds ?? 7200, 604800),
          ticketAgeAdd: 0,
          alpnProtocol: x.alpnProtocol,
          serverName: x.serverName,
          tls12: { extendedMasterSecret: x.ems },
        });
      }
      s.writeChangeCipherSpec();
      s.setWriteProtection(this.write!);
      const fin = encodeFinished(verifyData12(s.provider, x.suite, x.masterSecret!, 'server finished', x.transcript.current()));
      add(s, fin);
      s.queueHandshake(fin);
      s.flushHandshake();
    }
    s.complete({
      protocol: 'TLSv1.2',
      cipherSuite: x.suite.id,
      cipherSuiteName: x.suite.name,
      group: x.suite.keyExchange === 'PSK' ? undefined : x.group,
      groupName: x.suite.keyExchange === 'PSK' ? undefined : nameOf(NamedGroup, x.group),
      signatureScheme: x.signatureScheme || undefined,
      serverName: x.serverName,
      alpnProtocol: x.alpnProtocol,
      peerCertificates: x.peerCertificates,
      resumed: !!x.resumed || x.suite.authentication === 'PSK',
      helloRetryRequest: false,
    });
    return new ExpectTraffic();
  }
}

/** RFC 5746 §4.4: renegotiation is not offered; a new ClientHello gets a no_renegotiation warning. */
class ExpectTraffic implements State {
  readonly name = 'Tls12ExpectTraffic';
  readonly expects = [HandshakeType.client_hello];
  handle(s: ServerConnection): State {
    s.writeRecords(ContentType.alert, encodeAlert({ level: AlertLevel.warning, description: AlertDescription.no_renegotiation }));
    return this;
  }
}

registerTls12Server(afterClientHello);
