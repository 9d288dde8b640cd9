/**
 * The TLS 1.2 client handshake (RFC 5246 §7.3) with ECDHE (RFC 8422), AEAD suites (RFC 5289,
 * RFC 7905), extended master secret (RFC 7627) and secure renegotiation signalling (RFC 5746):
 * ExpectCertificate → ExpectServerKeyExchange → ExpectServerHelloDone (or CertificateRequest first)
 * → [our flight] → ChangeCipherSpec → ExpectFinished → ExpectTraffic. Renegotiation is refused.
 */
import { constantTimeEqual, type PublicKey } from '@layersec/crypto-primitives';
import { bytesEqual, concatBytes } from '@layersec/wire';
import { DEFAULT_SIGNATURE_ALGORITHMS, GROUP_NAMES } from '../config.js';
import { AlertDescription, AlertLevel, ContentType, ExtensionType, HandshakeType, NamedGroup, nameOf } from '../constants.js';
import { tls12Suite, type Tls12CipherSuite } from '../cipher-suites.js';
import type { HandshakeState } from '../connection.js';
import { fail } from '../errors.js';
import { encodeAlert } from '../messages/alert.js';
import { decodeAlpn, decodeRenegotiationInfo, findExtension } from '../messages/extensions.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import type { ServerHello } from '../messages/server-hello.js';
import {
  decodeCertificate12,
  decodeCertificateRequest12,
  decodeServerHelloDone,
  decodeServerKeyExchangeEcdhe,
  encodeCertificate12,
  encodeClientKeyExchangeEcdhe,
  decodeServerKeyExchangePsk,
  encodeClientKeyExchangePsk,
  pskPremasterSecret,
  decodeNewSessionTicket12,
} from '../messages/tls12-messages.js';
import { decodeFinished, encodeCertificateVerify, encodeFinished } from '../messages/tls13-messages.js';
import { cryptoScheme12, schemeFitsKey } from '../signature-schemes.js';
import { masterSecret12, protections12, signedParams12, verifyData12 } from '../tls12-common.js';
import type { ClientConnection } from './client-connection.js';
import { registerTls12Client } from './tls13.js';

type State = HandshakeState<ClientConnection>;

interface Ctx12 {
  suite: Tls12CipherSuite;
  serverRandom: Uint8Array;
  ems: boolean;
  /** RFC 5246 §7.4.8: CertificateVerify signs the handshake messages themselves. */
  messages: Uint8Array[];
  peerKey?: PublicKey;
  serverPublic?: Uint8Array;
  group?: number;
  signatureScheme?: number;
  certificateRequest?: { algorithms: readonly number[] };
  masterSecret?: Uint8Array;
  alpnProtocol?: string;
  /** The server acknowledged session_ticket: a NewSessionTicket precedes its ChangeCipherSpec (RFC 5077 §3.3). */
  ticketExpected: boolean;
  resumed: boolean;
  /** The session ID the server assigned (RFC 5246 §7.4.1.3), for resumption by ID. */
  serverSessionId?: Uint8Array;
  ticketReceived?: boolean;
}
const ctx = new WeakMap<ClientConnection, Ctx12>();
const get = (c: ClientConnection) => ctx.get(c)!;

function add(c: ClientConnection, raw: Uint8Array): void {
  get(c).messages.push(raw);
  c.hs.transcript.add(raw);
}

function keyFitsSuite(key: PublicKey, suite: Tls12CipherSuite): boolean {
  return suite.authentication === 'RSA' ? key.type === 'rsa' : key.type === 'ec' || key.type === 'ed25519';
}

/** The ServerHello chose TLS 1.2 (RFC 5246 §7.4.1.3). */
function afterServerHello(c: ClientConnection, sh: ServerHello, m: HandshakeMessage): State {
  const suite = tls12Suite(sh.cipher_suite);
  if (!suite || !c.hs.hello.cipher_suites.includes(sh.cipher_suite)) fail(AlertDescription.illegal_parameter, `cipher suite 0x${sh.cipher_suite.toString(16)} was not offered`);
  if (sh.legacy_compression_method !== 0) fail(AlertDescription.illegal_parameter, 'compression method is not null');
  const offered = new Set(c.hs.hello.extensions.map((e) => e.extension_type));
  for (const e of sh.extensions) if (!offered.has(e.extension_type)) fail(AlertDescription.unsupported_extension, `ServerHello carries extension ${e.extension_type} we did not offer`);
  // RFC 5746 §3.4: the server must answer our empty renegotiation_info with an empty one.
  const ri = findExtension(sh.extensions, ExtensionType.renegotiation_info);
  if (!ri || decodeRenegotiationInfo(ri).length !== 0) fail(AlertDescription.handshake_failure, 'server without secure renegotiation (RFC 5746)');
  let alpnProtocol: string | undefined;
  const alpn = findExtension(sh.extensions, ExtensionType.application_layer_protocol_negotiation);
  if (alpn) {
    const list = decodeAlpn(alpn);
    if (list.length !== 1 || !c.config.alpnProtocols?.includes(list[0])) fail(AlertDescription.illegal_parameter, 'ALPN answer not among our protocols');
    alpnProtocol = list[0];
  }
  c.negotiatedVersion = 'TLSv1.2';
  c.acceptCompatCcs = false;
  const ems = findExtension(sh.extensions, ExtensionType.extended_master_secret) !== undefined;
  ctx.set(c, {
    suite,
    serverRandom: sh.random,
    ems,
    messages: [c.hs.clientHelloRaw],
    alpnProtocol,
    ticketExpected: findExtension(sh.extensions, ExtensionType.session_ticket) !== undefined,
    resumed: false,
  });
  c.hs.transcript.setHash(suite.hash);
  add(c, m.raw);
  // RFC 5077 §3.4: the server resumes by echoing the session ID we sent with the ticket.
  const t = c.config.resumptionTicket;
  get(c).serverSessionId = sh.legacy_session_id_echo;
  if (t?.tls12 && c.hs.sessionId.length > 0 && bytesEqual(sh.legacy_session_id_echo, c.hs.sessionId)) {
    if (t.cipherSuite !== suite.id) fail(AlertDescription.illegal_parameter, 'resumed session with another cipher suite');
    // RFC 7627 §5.3: a session with the extended master secret resumes only with it, and vice versa.
    if (t.tls12.extendedMasterSecret !== ems) fail(AlertDescription.handshake_failure, 'extended_master_secret differs from the resumed session');
    const x = get(c);
    x.resumed = true;
    x.masterSecret = t.psk;
    c.hs.peerCertificates = [];
    c.keylog('CLIENT_RANDOM', c.hs.clientRandom, t.psk);
    const prot = protections12(c.provider, suite, t.psk, c.hs.clientRandom, sh.random);
    c.ccsNext = { protection: prot.server, state: new ExpectFinished(prot.client) };
    return x.ticketExpected ? new ExpectNewSessionTicket() : new ExpectChangeCipherSpec();
  }
  if (suite.authentication === 'PSK') {
    if (!c.config.psk) fail(AlertDescription.illegal_parameter, 'server chose a PSK suite but we have no PSK');
    return new ExpectPskServerKeyExchange(suite.keyExchange === 'ECDHE_PSK');
  }
  return new ExpectCertificate();
}

/** RFC 4279 §2: ServerKeyExchange (psk_identity_hint) is optional for PSK; ECDHE_PSK carries the curve (RFC 5489 §2). */
class ExpectPskServerKeyExchange implements State {
  readonly name = 'Tls12ExpectPskServerKeyExchange';
  readonly expects: readonly number[];
  constructor(private readonly ecdhe: boolean) {
    this.expects = ecdhe ? [HandshakeType.server_key_exchange] : [HandshakeType.server_key_exchange, HandshakeType.server_hello_done];
  }
  handle(c: ClientConnection, m: HandshakeMessage): State {
    if (m.msg_type === HandshakeType.server_hello_done) return new ExpectServerHelloDone(false).handle(c, m);
    const ske = decodeServerKeyExchangePsk(m.body, this.ecdhe);
    if (ske.params) {
      if (!c.supportedGroups.includes(ske.params.namedcurve) || !GROUP_NAMES.has(ske.params.namedcurve)) {
        fail(AlertDescription.illegal_parameter, `ServerKeyExchange curve ${ske.params.namedcurve} was not offered`);
      }
      get(c).group = ske.params.namedcurve;
      get(c).serverPublic = ske.params.public;
    }
    add(c, m.raw);
    return new ExpectServerHelloDone(false);
  }
}

class ExpectCertificate implements State {
  readonly name = 'Tls12ExpectCertificate';
  readonly expects = [HandshakeType.certificate];
  handle(c: ClientConnection, m: HandshakeMessage): State {
    const chain = decodeCertificate12(m.body);
    if (chain.length === 0) fail(AlertDescription.decode_error, 'server sent no certificate');
    const verifier = c.config.verifier;
    if (!verifier) fail(AlertDescription.certificate_unknown, 'no certificate verifier configured');
    const key = verifier.verify(chain, { serverName: c.config.serverName, now: new Date(c.now()), role: 'client' });
    if (!keyFitsSuite(key, get(c).suite)) fail(AlertDescription.unsupported_certificate, `a ${key.type} key cannot authenticate ${get(c).suite.name}`);
    get(c).peerKey = key;
    c.hs.peerCertificates = chain;
    add(c, m.raw);
    return new ExpectServerKeyExchange();
  }
}

class ExpectServerKeyExchange implements State {
  readonly name = 'Tls12ExpectServerKeyExchange';
  readonly expects = [HandshakeType.server_key_exchange];
  handle(c: ClientConnection, m: HandshakeMessage): State {
    const x = get(c);
    const ske = decodeServerKeyExchangeEcdhe(m.body);
    if (!c.supportedGroups.includes(ske.params.namedcurve) || !GROUP_NAMES.has(ske.params.namedcurve)) {
      fail(AlertDescription.illegal_parameter, `ServerKeyExchange curve ${ske.params.namedcurve} was not offered`);
    }
    const offered = c.config.signatureAlgorithms ?? DEFAULT_SIGNATURE_ALGORITHMS;
    const scheme = cryptoScheme12(ske.algorithm);
    if (!scheme || !offered.includes(ske.algorithm) || !schemeFitsKey(ske.algorithm, x.peerKey!, false)) {
      fail(AlertDescription.illegal_parameter, `ServerKeyExchange signature algorithm 0x${ske.algorithm.toString(16)}`);
    }
    if (!c.provider.verify(scheme, x.peerKey!, signedParams12(c.hs.clientRandom, x.serverRandom, ske.paramsBytes), ske.signature)) {
      fail(AlertDescription.decrypt_error, 'ServerKeyExchange signature does not verify');
    }
    x.serverPublic = ske.params.public;
    x.group = ske.params.namedcurve;
    x.signatureScheme = ske.algorithm;
    add(c, m.raw);
    return new ExpectServerHelloDone(true);
  }
}

class ExpectServerHelloDone implements State {
  readonly name = 'Tls12ExpectServerHelloDone';
  readonly expects: readonly number[];
  constructor(private readonly mayRequest: boolean) {
    this.expects = mayRequest ? [HandshakeType.certificate_request, HandshakeType.server_hello_done] : [HandshakeType.server_hello_done];
  }
  handle(c: ClientConnection, m: HandshakeMessage): State {
    const x = get(c);
    if (m.msg_type === HandshakeType.certificate_request) {
      x.certificateRequest = { algorithms: decodeCertificateRequest12(m.body).supported_signature_algorithms };
      add(c, m.raw);
      return new ExpectServerHelloDone(false);
    }
    decodeServerHelloDone(m.body);
    add(c, m.raw);
    return sendClientFlight(c);
  }
}

/** RFC 5246 §7.4.6-§7.4.9: [Certificate], ClientKeyExchange, [CertificateVerify], ChangeCipherSpec, Finished. */
function sendClientFlight(c: ClientConnection): State {
  const x = get(c);
  const key = c.config.privateKey;
  const chain = c.config.certificateChain ?? [];
  let clientScheme: number | undefined;
  if (x.certificateRequest) {
    clientScheme = key ? x.certificateRequest.algorithms.find((s) => cryptoScheme12(s) && schemeFitsKey(s, key, false)) : undefined;
    const send = clientScheme !== undefined && chain.length > 0;
    const cert = encodeCertificate12(send ? chain : []);
    add(c, cert);
    c.queueHandshake(cert);
    if (!send) clientScheme = undefined;
  }
  let pms: Uint8Array;
  let cke: Uint8Array;
  const psk = c.config.psk;
  if (x.suite.keyExchange === 'PSK') {
    pms = pskPremasterSecret(psk!.key, undefined);
    cke = encodeClientKeyExchangePsk(psk!.identity);
  } else {
    const name = GROUP_NAMES.get(x.group!)!;
    const kx = c.provider.keyExchange(name);
    const fixed = c.config.ephemeralPrivateKeys?.[name];
    const kp = fixed ? { privateKey: fixed, publicKey: kx.publicKeyFor(fixed) } : kx.generateKeyPair(c.random);
    const shared = kx.computeSharedSecret(kp.privateKey, x.serverPublic!);
    if (x.suite.keyExchange === 'ECDHE_PSK') {
      pms = pskPremasterSecret(psk!.key, shared);
      cke = encodeClientKeyExchangePsk(psk!.identity, kp.publicKey);
    } else {
      pms = shared;
      cke = encodeClientKeyExchangeEcdhe(kp.publicKey);
    }
  }
  add(c, cke);
  c.queueHandshake(cke);
  // RFC 7627 §3: session_hash covers the messages up to and including ClientKeyExchange.
  const ms = masterSecret12(c.provider, x.suite, pms, c.hs.clientRandom, x.serverRandom, x.ems ? c.hs.transcript.current() : undefined);
  x.masterSecret = ms;
  c.keylog('CLIENT_RANDOM', c.hs.clientRandom, ms);
  if (clientScheme !== undefined) {
    const signature = c.provider.sign(cryptoScheme12(clientScheme)!, key!, concatBytes(...x.messages), { random: c.random });
    const cv = encodeCertificateVerify({ algorithm: clientScheme, signature });
    add(c, cv);
    c.queueHandshake(cv);
  }
  const prot = protections12(c.provider, x.suite, ms, c.hs.clientRandom, x.serverRandom);
  c.writeChangeCipherSpec();
  c.setWriteProtection(prot.client);
  const fin = encodeFinished(verifyData12(c.provider, x.suite, ms, 'client finished', c.hs.transcript.current()));
  add(c, fin);
  c.queueHandshake(fin);
  c.flushHandshake();
  c.ccsNext = { protection: prot.server, state: new ExpectFinished() };
  return x.ticketExpected ? new ExpectNewSessionTicket() : new ExpectChangeCipherSpec();
}

/** RFC 5077 §3.3: the ticket for this session, sent before the server's ChangeCipherSpec. */
class ExpectNewSessionTicket implements State {
  readonly name = 'Tls12ExpectNewSessionTicket';
  readonly expects = [HandshakeType.new_session_ticket];
  handle(c: ClientConnection, m: HandshakeMessage): State {
    const x = get(c);
    const nst = decodeNewSessionTicket12(m.body);
    add(c, m.raw);
    if (nst.ticket.length > 0) {
      x.ticketReceived = true;
      c.emit({
        type: 'sessionTicket',
        ticket: {
          ticket: nst.ticket,
          psk: x.masterSecret!,
          cipherSuite: x.suite.id,
          lifetimeSeconds: nst.ticket_lifetime_hint,
          ticketAgeAdd: 0,
          receivedAt: c.now(),
          serverName: c.config.serverName,
          alpnProtocol: x.alpnProtocol,
          maxEarlyDataSize: 0,
          tls12: { extendedMasterSecret: x.ems },
        },
      });
    }
    return new ExpectChangeCipherSpec();
  }
}

/** Awaits the server's ChangeCipherSpec: no handshake message is acceptable here. */
class ExpectChangeCipherSpec implements State {
  readonly name = 'Tls12ExpectChangeCipherSpec';
  readonly expects: readonly number[] = [];
  handle(): State {
    return fail(AlertDescription.unexpected_message, 'handshake message before ChangeCipherSpec');
  }
}

class ExpectFinished implements State {
  readonly name = 'Tls12ExpectFinished';
  readonly expects = [HandshakeType.finished];
  /** In an abbreviated handshake (RFC 5077 §3.1) our ChangeCipherSpec and Finished follow the server's. */
  constructor(private readonly abbreviatedWrite?: import('../record/protection.js').RecordProtection) {}
  handle(c: ClientConnection, m: HandshakeMessage): State {
    const x = get(c);
    const got = decodeFinished(m.body, 12);
    const want = verifyData12(c.provider, x.suite, x.masterSecret!, 'server finished', c.hs.transcript.current());
    if (!constantTimeEqual(want, got)) {
      fail(AlertDescription.decrypt_error, 'server Finished does not verify');
    }
    add(c, m.raw);
    if (this.abbreviatedWrite) {
      c.writeChangeCipherSpec();
      c.setWriteProtection(this.abbreviatedWrite);
      const fin = encodeFinished(verifyData12(c.provider, x.suite, x.masterSecret!, 'client finished', c.hs.transcript.current()));
      add(c, fin);
      c.queueHandshake(fin);
      c.flushHandshake();
    }
    c.complete({
      protocol: 'TLSv1.2',
      cipherSuite: x.suite.id,
      cipherSuiteName: x.suite.name,
      group: x.suite.keyExchange === 'PSK' ? undefined : x.group,
      groupName: x.group !== undefined && x.suite.keyExchange !== 'PSK' ? nameOf(NamedGroup, x.group) : undefined,
      signatureScheme: x.signatureScheme,
      serverName: c.config.serverName,
      alpnProtocol: x.alpnProtocol,
      peerCertificates: c.hs.peerCertificates,
      resumed: x.resumed || x.suite.authentication === 'PSK',
      helloRetryRequest: false,
    });
    // A new session the server gave an ID and no ticket can be resumed by that ID.
    if (!x.resumed && !x.ticketReceived && x.serverSessionId && x.serverSessionId.length > 0) {
      c.emit({
        type: 'sessionTicket',
        ticket: {
          ticket: new Uint8Array(0),
          psk: x.masterSecret!,
          cipherSuite: x.suite.id,
          lifetimeSeconds: 7200,
          ticketAgeAdd: 0,
          receivedAt: c.now(),
          serverName: c.config.serverName,
          alpnProtocol: x.alpnProtocol,
          maxEarlyDataSize: 0,
          tls12: { extendedMasterSecret: x.ems, sessionId: x.serverSessionId },
        },
      });
    }
    return new ExpectTraffic12();
  }
}

/** RFC 5746 §4.2 / RFC 5246 §7.4.1.1: a HelloRequest is answered with a no_renegotiation warning. */
export class ExpectTraffic12 implements State {
  readonly name = 'Tls12ExpectTraffic';
  readonly expects = [HandshakeType.hello_request];
  handle(c: ClientConnection): State {
    c.writeRecords(ContentType.alert, encodeAlert({ level: AlertLevel.warning, description: AlertDescription.no_renegotiation }));
    return this;
  }
}

registerTls12Client(afterServerHello);
