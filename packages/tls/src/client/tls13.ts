/**
 * The TLS 1.3 client handshake (RFC 8446 §2, §4), one small state per awaited message:
 * ExpectServerHello → ExpectEncryptedExtensions → ExpectCertificateOrCertificateRequest →
 * ExpectCertificate → ExpectCertificateVerify → ExpectFinished → ExpectTraffic.
 */
import type { KeyPair } from '@layersec/crypto-primitives';
import { bytesEqual } from '@layersec/wire';
import { DEFAULT_CIPHER_SUITES, DEFAULT_SIGNATURE_ALGORITHMS, GROUP_NAMES } from '../config.js';
import {
  AlertDescription,
  CipherSuite,
  DOWNGRADE_TLS11,
  DOWNGRADE_TLS12,
  ExtensionType,
  HandshakeType,
  KeyUpdateRequest,
  NamedGroup,
  ProtocolVersion,
  PskKeyExchangeMode,
  nameOf,
} from '../constants.js';
import { TLS12_PSK_CIPHER_SUITES, tls13Suite, type Tls13CipherSuite } from '../cipher-suites.js';
import type { HandshakeState } from '../connection.js';
import { TlsAlertError, fail } from '../errors.js';
import { Tls13KeySchedule, Transcript } from '../key-schedule.js';
import { type ClientHello, encodeClientHello } from '../messages/client-hello.js';
import {
  type Extension,
  bindersLength,
  decodeAlpn,
  decodeCookie,
  decodeEarlyDataMaxSize,
  decodeKeyShareHelloRetryRequest,
  decodeKeyShareServerHello,
  decodeRecordSizeLimit,
  decodeSelectedIdentity,
  decodeSignatureAlgorithms,
  decodeSupportedVersionsServer,
  encodeAlpn,
  encodeCookie,
  encodeKeyShareClientHello,
  encodeOfferedPsks,
  encodePskKeyExchangeModes,
  encodeRecordSizeLimit,
  encodeServerName,
  encodeSignatureAlgorithms,
  encodeSupportedGroups,
  encodeSupportedVersionsClient,
  expectEmpty,
  findExtension,
} from '../messages/extensions.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import { decodeServerHello, isHelloRetryRequest, type ServerHello } from '../messages/server-hello.js';
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeCertificateVerify,
  decodeEncryptedExtensions,
  decodeFinished,
  decodeKeyUpdate,
  decodeNewSessionTicket,
  encodeCertificate,
  encodeCertificateVerify,
  encodeFinished,
  encodeKeyUpdate,
} from '../messages/tls13-messages.js';
import { Tls13RecordProtection } from '../record/protection.js';
import { allowedInTls13, certificateVerifyContent, cryptoScheme, schemeFitsKey } from '../signature-schemes.js';
import type { ClientConnection, OfferedPsk } from './client-connection.js';

type State = HandshakeState<ClientConnection>;

const TLS13_ONLY = (c: ClientConnection) => !c.config.versions || c.config.versions.includes('TLSv1.3');

function offersTls12(c: ClientConnection): boolean {
  return (c.config.versions ?? ['TLSv1.3', 'TLSv1.2']).includes('TLSv1.2');
}

function keyPairFor(c: ClientConnection, group: number): KeyPair {
  const name = GROUP_NAMES.get(group);
  if (!name) throw new TlsAlertError(AlertDescription.internal_error, `no key exchange for group ${group}`);
  const kx = c.provider.keyExchange(name);
  const fixed = c.config.ephemeralPrivateKeys?.[name];
  return fixed ? { privateKey: fixed, publicKey: kx.publicKeyFor(fixed) } : kx.generateKeyPair(c.random);
}

function offeredSuites(c: ClientConnection): number[] {
  // With a PSK and no explicit list, the TLS 1.2 PSK suites are offered too (RFC 4279, RFC 5489).
  const all = c.config.cipherSuites ?? (c.config.psk ? [...DEFAULT_CIPHER_SUITES, ...TLS12_PSK_CIPHER_SUITES] : DEFAULT_CIPHER_SUITES);
  return all.filter((s) => (tls13Suite(s) ? TLS13_ONLY(c) : offersTls12(c)));
}

/** Builds the ClientHello extensions in this client's order (RFC 8446 §4.1.2, §4.2). */
function buildExtensions(c: ClientConnection, shares: Map<number, KeyPair>): Extension[] {
  const cfg = c.config;
  const ext: Extension[] = [];
  const add = (extension_type: number, extension_data: Uint8Array) => ext.push({ extension_type, extension_data });
  if (cfg.serverName && !/^[0-9.]+$/.test(cfg.serverName) && !cfg.serverName.includes(':')) {
    // RFC 6066 §3: literal IP addresses are not permitted in host_name.
    add(ExtensionType.server_name, encodeServerName(cfg.serverName));
  }
  if (offersTls12(c)) add(ExtensionType.renegotiation_info, Uint8Array.of(0));
  add(ExtensionType.supported_groups, encodeSupportedGroups(c.supportedGroups));
  if (offersTls12(c)) {
    add(ExtensionType.ec_point_formats, Uint8Array.of(1, 0));
    add(ExtensionType.extended_master_secret, new Uint8Array(0));
    // RFC 5077 §3.2: an empty extension asks for a ticket; a ticket from a TLS 1.2 session resumes it.
    const t = cfg.resumptionTicket;
    add(ExtensionType.session_ticket, t?.tls12 && !t.tls12.sessionId ? t.ticket : new Uint8Array(0));
  }
  if (TLS13_ONLY(c)) {
    add(
      ExtensionType.key_share,
      encodeKeyShareClientHello([...shares].map(([group, kp]) => ({ group, key_exchange: kp.publicKey }))),
    );
  }
  const versions: number[] = [];
  if (TLS13_ONLY(c)) versions.push(ProtocolVersion.TLS1_3);
  if (offersTls12(c)) versions.push(ProtocolVersion.TLS1_2);
  add(ExtensionType.supported_versions, encodeSupportedVersionsClient(versions));
  add(ExtensionType.signature_algorithms, encodeSignatureAlgorithms(cfg.signatureAlgorithms ?? DEFAULT_SIGNATURE_ALGORITHMS));
  if (c.hs?.cookie) add(ExtensionType.cookie, encodeCookie(c.hs.cookie));
  if (cfg.alpnProtocols?.length) add(ExtensionType.application_layer_protocol_negotiation, encodeAlpn(cfg.alpnProtocols));
  // Sent whenever TLS 1.3 is offered, so that the server may issue tickets (§4.2.9, §4.6.1).
  if (TLS13_ONLY(c)) {
    add(ExtensionType.psk_key_exchange_modes, encodePskKeyExchangeModes(cfg.pskKeyExchangeModes ?? [PskKeyExchangeMode.psk_dhe_ke]));
  }
  if (cfg.recordSizeLimit) add(ExtensionType.record_size_limit, encodeRecordSizeLimit(cfg.recordSizeLimit));
  return ext;
}

function pskOffers(c: ClientConnection, suites: number[]): OfferedPsk[] {
  const out: OfferedPsk[] = [];
  const t = c.config.resumptionTicket;
  if (t && !t.tls12 && TLS13_ONLY(c)) {
    const suite = tls13Suite(t.cipherSuite);
    const ageMs = c.now() - t.receivedAt;
    if (suite && suites.includes(t.cipherSuite) && ageMs >= 0 && ageMs < t.lifetimeSeconds * 1000) {
      out.push({ key: t.psk, hash: suite.hash, external: false, ticket: t });
    }
  }
  if (c.config.psk && TLS13_ONLY(c)) out.push({ key: c.config.psk.key, hash: c.config.psk.hash ?? 'SHA-256', external: true });
  return out;
}

/**
 * Appends pre_shared_key (last, §4.2.11) with binders computed over the partial ClientHello
 * (§4.2.11.2), returning the final hello.
 */
function withPskBinders(c: ClientConnection, unpadded: ClientHello, psks: OfferedPsk[]): ClientHello {
  if (psks.length === 0) return withPadding(c, unpadded, 0);
  const identities = psks.map((p) => {
    if (p.ticket) {
      const age = (Math.max(0, c.now() - p.ticket.receivedAt) + p.ticket.ticketAgeAdd) >>> 0;
      return { identity: p.ticket.ticket, obfuscated_ticket_age: age };
    }
    return { identity: c.config.psk!.identity, obfuscated_ticket_age: 0 };
  });
  const dummy = psks.map((p) => new Uint8Array(c.provider.hash(p.hash).outputLength));
  const hello = withPadding(c, unpadded, 4 + encodeOfferedPsks({ identities, binders: dummy }).length);
  const build = (binders: Uint8Array[]): ClientHello => ({
    ...hello,
    extensions: [...hello.extensions, { extension_type: ExtensionType.pre_shared_key, extension_data: encodeOfferedPsks({ identities, binders }) }],
  });
  const partial = encodeClientHello(build(dummy));
  const truncated = partial.subarray(0, partial.length - bindersLength(dummy));
  const binders = psks.map((p) => {
    const ks = new Tls13KeySchedule(c.provider, p.hash, p.key);
    return ks.finishedVerifyData(ks.binderKey(p.external), c.hs.transcript.hashWith(p.hash, truncated));
  });
  return build(binders);
}

/**
 * RFC 7685 §4: a ClientHello message of 256 to 511 bytes is padded to 512 with the padding
 * extension (some middleboxes mishandle those lengths), when `clientHelloPadding` is set.
 * `trailing` is the size of the pre_shared_key extension still to be appended after it.
 */
function withPadding(c: ClientConnection, hello: ClientHello, trailing: number): ClientHello {
  const extensions = hello.extensions.filter((e) => e.extension_type !== ExtensionType.padding);
  const base = { ...hello, extensions };
  if (!c.config.clientHelloPadding) return base;
  const length = encodeClientHello(base).length + trailing;
  if (length < 256 || length >= 512) return base;
  const pad = 512 - length >= 5 ? 512 - length - 4 : 1;
  return { ...base, extensions: [...extensions, { extension_type: ExtensionType.padding, extension_data: new Uint8Array(pad) }] };
}

/** Sends the first ClientHello and returns the state awaiting the ServerHello. */
export function sendClientHello(c: ClientConnection): State {
  const suites = offeredSuites(c);
  if (suites.length === 0) throw new Error('no cipher suite to offer');
  const groups = c.config.keyShareGroups ?? [c.supportedGroups.find((g) => GROUP_NAMES.has(g)) ?? NamedGroup.x25519];
  const shares = new Map<number, KeyPair>();
  if (TLS13_ONLY(c)) for (const g of groups) shares.set(g, keyPairFor(c, g));
  const clientRandom = c.random.randomBytes(32);
  const compat = c.config.middleboxCompatibility ?? true;
  // RFC 5246 §7.4.1.2: a TLS 1.2 session to resume by ID is offered in legacy_session_id.
  const cachedId = c.config.resumptionTicket?.tls12?.sessionId;
  const sessionId = cachedId && cachedId.length > 0 ? cachedId : compat ? c.random.randomBytes(32) : new Uint8Array(0);
  c.hs = {
    clientRandom,
    sessionId,
    hello: undefined as unknown as ClientHello,
    clientHelloRaw: new Uint8Array(0),
    keyShares: shares,
    transcript: new Transcript(c.provider),
    offeredPsks: [],
    helloRetried: false,
    pskUsed: false,
    peerCertificates: [],
  };
  const offered = pskOffers(c, suites);
  let hello: ClientHello = {
    legacy_version: ProtocolVersion.TLS1_2,
    random: clientRandom,
    legacy_session_id: sessionId,
    cipher_suites: suites,
    legacy_compression_methods: Uint8Array.of(0),
    extensions: buildExtensions(c, shares),
  };
  if (c.config.customizeClientHello) hello = c.config.customizeClientHello(hello);
  hello = withPskBinders(c, hello, offered);
  c.hs.hello = hello;
  c.hs.offeredPsks = offered;
  const raw = encodeClientHello(hello);
  c.hs.clientHelloRaw = raw;
  c.hs.transcript.add(raw);
  c.recordVersion = ProtocolVersion.TLS1_0; // RFC 8446 §5.1: 0x0301 for the initial ClientHello
  c.queueHandshake(raw);
  c.flushHandshake();
  c.recordVersion = ProtocolVersion.TLS1_2;
  c.acceptCompatCcs = true;
  return new ExpectServerHello();
}

/** Checks common to ServerHello and HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4). */
function checkServerHello(c: ClientConnection, sh: ServerHello): Tls13CipherSuite {
  if (!bytesEqual(sh.legacy_session_id_echo, c.hs.sessionId)) fail(AlertDescription.illegal_parameter, 'legacy_session_id_echo differs');
  if (sh.legacy_compression_method !== 0) fail(AlertDescription.illegal_parameter, 'legacy_compression_method is not 0');
  const suite = tls13Suite(sh.cipher_suite);
  if (!suite || !c.hs.hello.cipher_suites.includes(sh.cipher_suite)) {
    fail(AlertDescription.illegal_parameter, `cipher suite ${nameOf(CipherSuite, sh.cipher_suite)} was not offered`);
  }
  // §4.2: extensions we did not offer are unsupported_extension (cookie excepted in HRR).
  const offered = new Set(c.hs.hello.extensions.map((e) => e.extension_type));
  for (const e of sh.extensions) {
    if (!offered.has(e.extension_type) && e.extension_type !== ExtensionType.cookie) {
      fail(AlertDescription.unsupported_extension, `ServerHello carries extension ${e.extension_type} we did not offer`);
    }
  }
  return suite;
}

class ExpectServerHello implements State {
  readonly name = 'ExpectServerHello';
  readonly expects = [HandshakeType.server_hello];

  handle(c: ClientConnection, m: HandshakeMessage): State {
    const sh = decodeServerHello(m.body);
    const sv = findExtension(sh.extensions, ExtensionType.supported_versions);
    if (!sv) {
      // TLS 1.2 or below. RFC 8446 §4.1.3: a TLS 1.3 client checks the downgrade sentinel.
      const tail = sh.random.subarray(24);
      if (TLS13_ONLY(c) && (bytesEqual(tail, DOWNGRADE_TLS12) || bytesEqual(tail, DOWNGRADE_TLS11))) {
        fail(AlertDescription.illegal_parameter, 'downgrade sentinel in ServerHello.random');
      }
      if (sh.legacy_version === ProtocolVersion.TLS1_2 && offersTls12(c)) return tls12Fallback(c, sh, m);
      fail(AlertDescription.protocol_version, `server chose version 0x${sh.legacy_version.toString(16)}`);
    }
    const version = decodeSupportedVersionsServer(sv);
    if (version !== ProtocolVersion.TLS1_3 || !TLS13_ONLY(c)) fail(AlertDescription.illegal_parameter, `supported_versions selected 0x${version.toString(16)}`);
    if (sh.legacy_version !== ProtocolVersion.TLS1_2) fail(AlertDescription.illegal_parameter, 'legacy_version is not 0x0303');
    c.negotiatedVersion = 'TLSv1.3';
    const suite = checkServerHello(c, sh);
    if (isHelloRetryRequest(sh)) return this.helloRetryRequest(c, sh, m, suite);
    if (c.hs.helloRetried && c.hs.suite && c.hs.suite.id !== suite.id) {
      fail(AlertDescription.illegal_parameter, 'cipher suite differs from the HelloRetryRequest');
    }
    c.hs.suite = suite;

    // PSK (§4.2.11): the selected identity must be one we offered, with the suite's hash.
    let psk: Uint8Array | undefined;
    const sel = findExtension(sh.extensions, ExtensionType.pre_shared_key);
    if (sel) {
      const i = decodeSelectedIdentity(sel);
      const offer = c.hs.offeredPsks[i];
      if (!offer) fail(AlertDescription.illegal_parameter, `selected_identity ${i} was not offered`);
      if (offer.hash !== suite.hash) fail(AlertDescription.illegal_parameter, 'PSK hash does not match the cipher suite');
      psk = offer.key;
      c.hs.pskUsed = true;
    }
    let shared: Uint8Array | undefined;
    const ksExt = findExtension(sh.extensions, ExtensionType.key_share);
    if (ksExt) {
      const share = decodeKeyShareServerHello(ksExt);
      const mine = c.hs.keyShares.get(share.group);
      if (!mine) fail(AlertDescription.illegal_parameter, `key_share for group ${share.group} we sent no share for`);
      const name = GROUP_NAMES.get(share.group)!;
      shared = c.provider.keyExchange(name).computeSharedSecret(mine.privateKey, share.key_exchange);
      c.hs.group = share.group;
    } else if (!psk || !(c.config.pskKeyExchangeModes ?? []).includes(PskKeyExchangeMode.psk_ke)) {
      fail(AlertDescription.missing_extension, 'ServerHello without key_share');
    }

    const t = c.hs.transcript;
    t.setHash(suite.hash);
    t.add(m.raw);
    const ks = new Tls13KeySchedule(c.provider, suite.hash, psk);
    ks.deriveHandshakeSecret(shared);
    const secrets = ks.handshakeTrafficSecrets(t.current());
    c.hs.keySchedule = ks;
    c.hs.clientHandshakeSecret = secrets.client;
    c.hs.serverHandshakeSecret = secrets.server;
    c.keylog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', c.hs.clientRandom, secrets.client);
    c.keylog('SERVER_HANDSHAKE_TRAFFIC_SECRET', c.hs.clientRandom, secrets.server);
    c.setReadProtection(protection(c, suite, ks, secrets.server));
    // Our alerts from here on are protected. D.4: in compatibility mode a change_cipher_spec
    // precedes our first protected record (after a HelloRetryRequest it was sent already).
    if (c.hs.sessionId.length > 0 && !c.hs.helloRetried) c.pendingCompatCcs = true;
    c.setWriteProtection(protection(c, suite, ks, secrets.client));
    return new ExpectEncryptedExtensions();
  }

  /** RFC 8446 §4.1.4: answer a HelloRetryRequest with a second ClientHello. */
  private helloRetryRequest(c: ClientConnection, hrr: ServerHello, m: HandshakeMessage, suite: Tls13CipherSuite): State {
    if (c.hs.helloRetried) fail(AlertDescription.unexpected_message, 'second HelloRetryRequest');
    c.hs.helloRetried = true;
    c.hs.suite = suite;
    const ksExt = findExtension(hrr.extensions, ExtensionType.key_share);
    const cookieExt = findExtension(hrr.extensions, ExtensionType.cookie);
    if (!ksExt && !cookieExt) fail(AlertDescription.illegal_parameter, 'HelloRetryRequest would not change the ClientHello');
    const shares = new Map<number, KeyPair>();
    if (ksExt) {
      const group = decodeKeyShareHelloRetryRequest(ksExt);
      if (!c.supportedGroups.includes(group) || !GROUP_NAMES.has(group) || c.hs.keyShares.has(group)) {
        fail(AlertDescription.illegal_parameter, `HelloRetryRequest selected group ${group}`);
      }
      shares.set(group, keyPairFor(c, group));
    } else {
      for (const [g, kp] of c.hs.keyShares) shares.set(g, kp);
    }
    if (cookieExt) c.hs.cookie = decodeCookie(cookieExt);
    c.hs.keyShares = shares;
    const t = c.hs.transcript;
    t.replaceWithMessageHash(suite.hash);
    t.add(m.raw);
    // §4.1.2: the second ClientHello is the first with key_share replaced, cookie added, early_data removed.
    const psks = c.hs.offeredPsks.filter((p) => p.hash === suite.hash);
    const base = c.hs.hello.extensions.filter((e) => e.extension_type !== ExtensionType.pre_shared_key && e.extension_type !== ExtensionType.early_data);
    const replaced: Extension[] = base.map((e) =>
      e.extension_type === ExtensionType.key_share
        ? { extension_type: e.extension_type, extension_data: encodeKeyShareClientHello([...shares].map(([group, kp]) => ({ group, key_exchange: kp.publicKey }))) }
        : e,
    );
    if (c.hs.cookie && !replaced.some((e) => e.extension_type === ExtensionType.cookie)) {
      const at = replaced.findIndex((e) => e.extension_type === ExtensionType.signature_algorithms) + 1;
      replaced.splice(at, 0, { extension_type: ExtensionType.cookie, extension_data: encodeCookie(c.hs.cookie) });
    }
    const hello2 = withPskBinders(c, { ...c.hs.hello, extensions: replaced }, psks);
    c.hs.hello = hello2;
    c.hs.offeredPsks = psks;
    const raw = encodeClientHello(hello2);
    t.add(raw);
    // D.4: in compatibility mode the client sends its change_cipher_spec before its second flight.
    if (c.hs.sessionId.length > 0) c.writeChangeCipherSpec();
    c.queueHandshake(raw);
    c.flushHandshake();
    return new ExpectServerHello();
  }
}

function protection(c: ClientConnection, suite: Tls13CipherSuite, ks: Tls13KeySchedule, secret: Uint8Array): Tls13RecordProtection {
  const { key, iv } = ks.trafficKeys(secret, suite.keyLength);
  return new Tls13RecordProtection(c.provider.aead(suite.aead, key), iv, c.config.recordPadding);
}

/** Extensions allowed in EncryptedExtensions (RFC 8446 §4.2 table). */
const EE_ALLOWED = new Set<number>([
  ExtensionType.server_name,
  ExtensionType.max_fragment_length,
  ExtensionType.supported_groups,
  ExtensionType.use_srtp,
  ExtensionType.heartbeat,
  ExtensionType.application_layer_protocol_negotiation,
  ExtensionType.early_data,
  ExtensionType.record_size_limit,
]);
const KNOWN = new Set<number>(Object.values(ExtensionType));

class ExpectEncryptedExtensions implements State {
  readonly name = 'ExpectEncryptedExtensions';
  readonly expects = [HandshakeType.encrypted_extensions];

  handle(c: ClientConnection, m: HandshakeMessage): State {
    const ee = decodeEncryptedExtensions(m.body);
    const offered = new Set(c.hs.hello.extensions.map((e) => e.extension_type));
    for (const e of ee.extensions) {
      if (KNOWN.has(e.extension_type) && !EE_ALLOWED.has(e.extension_type)) {
        fail(AlertDescription.illegal_parameter, `${nameOf(ExtensionType, e.extension_type)} in EncryptedExtensions`);
      }
      // supported_groups may be sent unsolicited (§4.2.7); everything else must answer an offer (§4.2).
      if (!offered.has(e.extension_type) && e.extension_type !== ExtensionType.supported_groups) {
        fail(AlertDescription.unsupported_extension, `EncryptedExtensions carries extension ${e.extension_type} we did not offer`);
      }
    }
    const alpn = findExtension(ee.extensions, ExtensionType.application_layer_protocol_negotiation);
    if (alpn) {
      const list = decodeAlpn(alpn);
      if (list.length !== 1 || !c.config.alpnProtocols?.includes(list[0])) fail(AlertDescription.illegal_parameter, 'ALPN answer not among our protocols');
      c.hs.alpnProtocol = list[0];
    }
    const sni = findExtension(ee.extensions, ExtensionType.server_name);
    if (sni) expectEmpty('server_name', sni);
    const rsl = findExtension(ee.extensions, ExtensionType.record_size_limit);
    // RFC 8449 §4: in TLS 1.3 the limit counts the content type byte.
    if (rsl) c.maxFragment = Math.min(1 << 14, decodeRecordSizeLimit(rsl) - 1);
    if (findExtension(ee.extensions, ExtensionType.early_data)) fail(AlertDescription.illegal_parameter, 'early_data accepted but none was offered');
    c.hs.transcript.add(m.raw);
    return c.hs.pskUsed ? new ExpectFinished() : new ExpectCertificateOrCertificateRequest();
  }
}

class ExpectCertificateOrCertificateRequest implements State {
  readonly name = 'ExpectCertificateOrCertificateRequest';
  readonly expects = [HandshakeType.certificate, HandshakeType.certificate_request];

  handle(c: ClientConnection, m: HandshakeMessage): State {
    if (m.msg_type === HandshakeType.certificate) return new ExpectCertificate().handle(c, m);
    const cr = decodeCertificateRequest(m.body);
    const sa = findExtension(cr.extensions, ExtensionType.signature_algorithms);
    // §4.3.2: signature_algorithms MUST be specified.
    if (!sa) fail(AlertDescription.missing_extension, 'CertificateRequest without signature_algorithms');
    c.hs.certificateRequest = { context: cr.certificate_request_context, signatureAlgorithms: decodeSignatureAlgorithms(sa) };
    c.hs.transcript.add(m.raw);
    return new ExpectCertificate();
  }
}

class ExpectCertificate implements State {
  readonly name = 'ExpectCertificate';
  readonly expects = [HandshakeType.certificate];

  handle(c: ClientConnection, m: HandshakeMessage): State {
    const cert = decodeCertificate(m.body);
    if (cert.certificate_request_context.length !== 0) fail(AlertDescription.illegal_parameter, 'server Certificate with a request context');
    // §4.4.2.4: a server's empty Certificate is decode_error.
    if (cert.certificate_list.length === 0) fail(AlertDescription.decode_error, 'server sent no certificate');
    const chain = cert.certificate_list.map((e) => e.cert_data);
    const verifier = c.config.verifier;
    if (!verifier) fail(AlertDescription.certificate_unknown, 'no certificate verifier configured');
    c.hs.peerPublicKey = verifier.verify(chain, { serverName: c.config.serverName, now: new Date(c.now()), role: 'client' });
    c.hs.peerCertificates = chain;
    c.hs.transcript.add(m.raw);
    return new ExpectCertificateVerify();
  }
}

class ExpectCertificateVerify implements State {
  readonly name = 'ExpectCertificateVerify';
  readonly expects = [HandshakeType.certificate_verify];

  handle(c: ClientConnection, m: HandshakeMessage): State {
    const cv = decodeCertificateVerify(m.body);
    const key = c.hs.peerPublicKey!;
    const offered = c.config.signatureAlgorithms ?? DEFAULT_SIGNATURE_ALGORITHMS;
    const scheme = cryptoScheme(cv.algorithm);
    // §4.4.3: the algorithm must be one we offered, usable in TLS 1.3, and fit the certificate's key.
    if (!scheme || !offered.includes(cv.algorithm) || !allowedInTls13(cv.algorithm) || !schemeFitsKey(cv.algorithm, key, true)) {
      fail(AlertDescription.illegal_parameter, `CertificateVerify algorithm 0x${cv.algorithm.toString(16)}`);
    }
    const content = certificateVerifyContent('server', c.hs.transcript.current());
    if (!c.provider.verify(scheme, key, content, cv.signature)) fail(AlertDescription.decrypt_error, 'CertificateVerify signature does not verify');
    c.hs.signatureScheme = cv.algorithm;
    c.hs.transcript.add(m.raw);
    return new ExpectFinished();
  }
}

class ExpectFinished implements State {
  readonly name = 'ExpectFinished';
  readonly expects = [HandshakeType.finished];

  handle(c: ClientConnection, m: HandshakeMessage): State {
    const hs = c.hs;
    const ks = hs.keySchedule!;
    const suite = hs.suite!;
    const t = hs.transcript;
    const verifyData = decodeFinished(m.body, ks.hashLength);
    if (!ks.verifyFinished(hs.serverHandshakeSecret!, t.current(), verifyData)) fail(AlertDescription.decrypt_error, 'server Finished does not verify');
    t.add(m.raw);
    ks.deriveMasterSecret();
    const ap = ks.applicationTrafficSecrets(t.current());
    c.keylog('CLIENT_TRAFFIC_SECRET_0', hs.clientRandom, ap.client);
    c.keylog('SERVER_TRAFFIC_SECRET_0', hs.clientRandom, ap.server);
    c.keylog('EXPORTER_SECRET', hs.clientRandom, ap.exporter);
    hs.clientTrafficSecret = ap.client;
    hs.serverTrafficSecret = ap.server;
    c.setReadProtection(protection(c, suite, ks, ap.server));
    c.readTrafficKeysInstalled = true;
    c.acceptCompatCcs = false;

    if (hs.certificateRequest) sendClientCertificate(c);
    const fin = encodeFinished(ks.finishedVerifyData(hs.clientHandshakeSecret!, t.current()));
    t.add(fin);
    c.queueHandshake(fin);
    c.setWriteProtection(protection(c, suite, ks, ap.client));
    hs.resumptionMasterSecret = ks.resumptionMasterSecret(t.current());
    c.complete({
      protocol: 'TLSv1.3',
      cipherSuite: suite.id,
      cipherSuiteName: suite.name,
      group: hs.group,
      groupName: hs.group !== undefined ? nameOf(NamedGroup, hs.group) : undefined,
      signatureScheme: hs.signatureScheme,
      serverName: c.config.serverName,
      alpnProtocol: hs.alpnProtocol,
      peerCertificates: hs.peerCertificates,
      resumed: hs.pskUsed,
      helloRetryRequest: hs.helloRetried,
    });
    return new ExpectTraffic();
  }
}

/** §4.4.2, §4.4.3: our Certificate (possibly empty) and CertificateVerify, answering a CertificateRequest. */
function sendClientCertificate(c: ClientConnection): void {
  const cr = c.hs.certificateRequest!;
  const chain = c.config.certificateChain ?? [];
  const key = c.config.privateKey;
  const scheme = key ? cr.signatureAlgorithms.find((s) => allowedInTls13(s) && schemeFitsKey(s, key, true)) : undefined;
  const usable = chain.length > 0 && key && scheme !== undefined;
  const certMsg = encodeCertificate({
    certificate_request_context: cr.context,
    certificate_list: usable ? chain.map((cert_data) => ({ cert_data, extensions: [] })) : [],
  });
  c.hs.transcript.add(certMsg);
  c.queueHandshake(certMsg);
  if (!usable) return;
  const content = certificateVerifyContent('client', c.hs.transcript.current());
  const signature = c.provider.sign(cryptoScheme(scheme!)!, key!, content, { random: c.random });
  const cv = encodeCertificateVerify({ algorithm: scheme!, signature });
  c.hs.transcript.add(cv);
  c.queueHandshake(cv);
}

class ExpectTraffic implements State {
  readonly name = 'ExpectTraffic';
  readonly expects = [HandshakeType.new_session_ticket, HandshakeType.key_update];

  handle(c: ClientConnection, m: HandshakeMessage): State {
    if (m.msg_type === HandshakeType.key_update) {
      receiveKeyUpdate(c, decodeKeyUpdate(m.body));
      return this;
    }
    const nst = decodeNewSessionTicket(m.body);
    // §4.6.1: lifetime at most seven days.
    if (nst.ticket_lifetime > 604800) fail(AlertDescription.illegal_parameter, 'ticket_lifetime over seven days');
    const ks = c.hs.keySchedule!;
    const ed = findExtension(nst.extensions, ExtensionType.early_data);
    c.emit({
      type: 'sessionTicket',
      ticket: {
        ticket: nst.ticket,
        psk: ks.resumptionPsk(c.hs.resumptionMasterSecret!, nst.ticket_nonce),
        cipherSuite: c.hs.suite!.id,
        lifetimeSeconds: nst.ticket_lifetime,
        ticketAgeAdd: nst.ticket_age_add,
        receivedAt: c.now(),
        serverName: c.config.serverName,
        alpnProtocol: c.hs.alpnProtocol,
        maxEarlyDataSize: ed ? decodeEarlyDataMaxSize(ed) : 0,
      },
    });
    return this;
  }
}

/** RFC 8446 §4.6.3: the peer moved to its next traffic secret; answer update_requested. */
export function receiveKeyUpdate(c: ClientConnection, request: number): void {
  const hs = c.hs;
  const ks = hs.keySchedule!;
  hs.serverTrafficSecret = ks.nextTrafficSecret(hs.serverTrafficSecret!);
  c.setReadProtection(protection(c, hs.suite!, ks, hs.serverTrafficSecret));
  if (request === KeyUpdateRequest.update_requested) sendKeyUpdate(c, false);
}

export function sendKeyUpdate(c: ClientConnection, requestPeer: boolean): void {
  const hs = c.hs;
  const ks = hs.keySchedule!;
  c.queueHandshake(encodeKeyUpdate(requestPeer ? KeyUpdateRequest.update_requested : KeyUpdateRequest.update_not_requested));
  c.flushHandshake();
  hs.clientTrafficSecret = ks.nextTrafficSecret(hs.clientTrafficSecret!);
  c.setWriteProtection(protection(c, hs.suite!, ks, hs.clientTrafficSecret));
}

/** TLS 1.2 is negotiated: hand over to the TLS 1.2 client states. */
let tls12Handler: ((c: ClientConnection, sh: ServerHello, m: HandshakeMessage) => State) | undefined;
export function registerTls12Client(h: (c: ClientConnection, sh: ServerHello, m: HandshakeMessage) => State): void {
  tls12Handler = h;
}
function tls12Fallback(c: ClientConnection, sh: ServerHello, m: HandshakeMessage): State {
  if (!tls12Handler) fail(AlertDescription.protocol_version, 'TLS 1.2 is not available');
  return tls12Handler(c, sh, m);
}
