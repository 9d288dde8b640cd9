/**
 * The TLS 1.3 server handshake (RFC 8446 §2, §4): ExpectClientHello (answering with a
 * HelloRetryRequest when no acceptable key share was offered) → [ExpectCertificate →
 * ExpectCertificateVerify, with client authentication] → ExpectFinished → ExpectTraffic.
 */
import { constantTimeEqual, type KeyPair } from '@layersec/crypto-primitives';
import { bytesEqual, concatBytes } from '@layersec/wire';
import { DEFAULT_CIPHER_SUITES, GROUP_NAMES } from '../config.js';
import {
  AlertDescription,
  DOWNGRADE_TLS12,
  ExtensionType,
  HELLO_RETRY_REQUEST_RANDOM,
  HandshakeType,
  KeyUpdateRequest,
  NamedGroup,
  ProtocolVersion,
  PskKeyExchangeMode,
  nameOf,
} from '../constants.js';
import { tls13Suite, type Tls13CipherSuite } from '../cipher-suites.js';
import type { HandshakeState } from '../connection.js';
import { fail } from '../errors.js';
import { Tls13KeySchedule, Transcript } from '../key-schedule.js';
import { type ClientHello, decodeClientHello } from '../messages/client-hello.js';
import {
  type Extension,
  bindersLength,
  decodeAlpn,
  decodeKeyShareClientHello,
  decodeOfferedPsks,
  decodePskKeyExchangeModes,
  decodeRecordSizeLimit,
  decodeServerName,
  decodeSignatureAlgorithms,
  decodeSupportedGroups,
  decodeSupportedVersionsClient,
  encodeAlpn,
  encodeKeyShareHelloRetryRequest,
  encodeKeyShareServerHello,
  encodeRecordSizeLimit,
  encodeSelectedIdentity,
  encodeSignatureAlgorithms,
  encodeSupportedGroups,
  encodeSupportedVersionsServer,
  findExtension,
} from '../messages/extensions.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import { encodeServerHello } from '../messages/server-hello.js';
import {
  decodeCertificate,
  decodeCertificateVerify,
  decodeFinished,
  decodeKeyUpdate,
  encodeCertificate,
  encodeCertificateRequest,
  encodeCertificateVerify,
  encodeEncryptedExtensions,
  encodeFinished,
  encodeKeyUpdate,
  encodeNewSessionTicket,
} from '../messages/tls13-messages.js';
import { Tls13RecordProtection } from '../record/protection.js';
import { allowedInTls13, certificateVerifyContent, cryptoScheme, schemeFitsKey } from '../signature-schemes.js';
import { openTicket, sealTicket } from '../ticket.js';
import type { ServerConnection } from './server-connection.js';
import { DEFAULT_SIGNATURE_ALGORITHMS } from '../config.js';

type State = HandshakeState<ServerConnection>;

function protection(s: ServerConnection, suite: Tls13CipherSuite, ks: Tls13KeySchedule, secret: Uint8Array): Tls13RecordProtection {
  const { key, iv } = ks.trafficKeys(secret, suite.keyLength);
  return new Tls13RecordProtection(s.provider.aead(suite.aead, key), iv, s.config.recordPadding);
}

function supports(s: ServerConnection, v: 'TLSv1.2' | 'TLSv1.3'): boolean {
  return (s.config.versions ?? ['TLSv1.3', 'TLSv1.2']).includes(v);
}

interface PskChoice {
  key: Uint8Array;
  index: number;
  external: boolean;
  mode: number;
  ticketAlpn?: string;
}

/** RFC 8446 §4.2.11: find the first offered PSK we know for this suite, and check its binder. */
function choosePsk(s: ServerConnection, ch: ClientHello, raw: Uint8Array, suite: Tls13CipherSuite, transcript: Transcript): PskChoice | undefined {
  const ext = findExtension(ch.extensions, ExtensionType.pre_shared_key);
  if (!ext) return undefined;
  if (ch.extensions[ch.extensions.length - 1].extension_type !== ExtensionType.pre_shared_key) {
    fail(AlertDescription.illegal_parameter, 'pre_shared_key is not the last extension');
  }
  const modesExt = findExtension(ch.extensions, ExtensionType.psk_key_exchange_modes);
  if (!modesExt) fail(AlertDescription.missing_extension, 'pre_shared_key without psk_key_exchange_modes');
  const clientModes = decodePskKeyExchangeModes(modesExt);
  const ours = s.config.pskKeyExchangeModes ?? [PskKeyExchangeMode.psk_dhe_ke, PskKeyExchangeMode.psk_ke];
  const hasShare = findExtension(ch.extensions, ExtensionType.key_share) !== undefined;
  const mode = ours.find((m) => clientModes.includes(m) && (m === PskKeyExchangeMode.psk_ke || hasShare));
  const offer = decodeOfferedPsks(ext);
  if (mode === undefined) return undefined;
  for (let i = 0; i < offer.identities.length; i++) {
    const id = offer.identities[i];
    let key: Uint8Array | undefined;
    let external = false;
    let ticketAlpn: string | undefined;
    const ext = s.config.pskLookup?.(id.identity);
    if (ext && (ext.hash ?? 'SHA-256') === suite.hash) {
      key = ext.key;
      external = true;
    } else if (s.config.ticketKey) {
      const t = openTicket(s.provider, s.config.ticketKey, id.identity);
      const ageMs = t ? s.now() - t.issuedAt : -1;
      if (t && t.cipherSuite === suite.id && ageMs >= 0 && ageMs < t.lifetimeSeconds * 1000) {
        key = t.psk;
        ticketAlpn = t.alpnProtocol;
      }
    }
    if (!key) continue;
    // §4.2.11.2: the binder covers the ClientHello up to the binders list.
    const truncated = raw.subarray(0, raw.length - bindersLength(offer.binders));
    const ks = new Tls13KeySchedule(s.provider, suite.hash, key);
    const expected = ks.finishedVerifyData(ks.binderKey(external), transcript.hashWith(suite.hash, truncated));
    if (!constantTimeEqual(expected, offer.binders[i])) fail(AlertDescription.decrypt_error, 'PSK binder does not verify');
    return { key, index: i, external, mode, ticketAlpn };
  }
  return undefined;
}

export class ExpectClientHello implements State {
  readonly name: string;
  readonly expects = [HandshakeType.client_hello];

  constructor(
    /** Set after a HelloRetryRequest: what the second ClientHello must match. */
    private readonly retry?: { suite: Tls13CipherSuite; group: number; first: ClientHello; transcript: Transcript },
  ) {
    this.name = retry ? 'ExpectSecondClientHello' : 'ExpectClientHello';
  }

  handle(s: ServerConnection, m: HandshakeMessage): State {
    const ch = decodeClientHello(m.body);
    const sv = findExtension(ch.extensions, ExtensionType.supported_versions);
    const clientVersions = sv ? decodeSupportedVersionsClient(sv) : [];
    if (!clientVersions.includes(ProtocolVersion.TLS1_3) || !supports(s, 'TLSv1.3')) {
      if (this.retry) fail(AlertDescription.illegal_parameter, 'second ClientHello does not offer TLS 1.3');
      const tls12 = supports(s, 'TLSv1.2') && (sv ? clientVersions.includes(ProtocolVersion.TLS1_2) : ch.legacy_version >= ProtocolVersion.TLS1_2);
      if (tls12) return tls12Server(s, ch, m);
      fail(AlertDescription.protocol_version, 'no common TLS version');
    }
    s.negotiatedVersion = 'TLSv1.3';
    s.acceptCompatCcs = true;
    // §4.1.2: TLS 1.3 ClientHellos carry exactly one compression method, null.
    if (ch.legacy_compression_methods.length !== 1 || ch.legacy_compression_methods[0] !== 0) {
      fail(AlertDescription.illegal_parameter, 'legacy_compression_methods is not [null]');
    }
    if (this.retry) {
      // §4.1.2: the second ClientHello keeps random, session id and suites.
      if (!bytesEqual(ch.random, this.retry.first.random) || !bytesEqual(ch.legacy_session_id, this.retry.first.legacy_session_id)) {
        fail(AlertDescription.illegal_parameter, 'second ClientHello changed random or legacy_session_id');
      }
      if (findExtension(ch.extensions, ExtensionType.early_data)) fail(AlertDescription.illegal_parameter, 'early_data after HelloRetryRequest');
    }

    // Cipher suite: ours in preference order (after a HelloRetryRequest, the same one).
    const ours = (s.config.cipherSuites ?? DEFAULT_CIPHER_SUITES).map(tls13Suite).filter((x): x is Tls13CipherSuite => !!x);
    const suite = this.retry ? this.retry.suite : ours.find((x) => ch.cipher_suites.includes(x.id));
    if (!suite) fail(AlertDescription.handshake_failure, 'no common TLS 1.3 cipher suite');
    if (this.retry && !ch.cipher_suites.includes(suite.id)) fail(AlertDescription.illegal_parameter, 'second ClientHello dropped the cipher suite');

    const transcript = this.retry ? this.retry.transcript : new Transcript(s.provider);
    transcript.setHash(suite.hash);
    const psk = choosePsk(s, ch, m.raw, suite, transcript);

    // Key exchange group (§4.2.7, §4.2.8).
    const ksExt = findExtension(ch.extensions, ExtensionType.key_share);
    const shares = ksExt ? decodeKeyShareClientHello(ksExt) : [];
    const sgExt = findExtension(ch.extensions, ExtensionType.supported_groups);
    const clientGroups = sgExt ? decodeSupportedGroups(sgExt) : [];
    for (const sh of shares) if (!clientGroups.includes(sh.group)) fail(AlertDescription.illegal_parameter, `key share for group ${sh.group} not in supported_groups`);
    const needDhe = !psk || psk.mode === PskKeyExchangeMode.psk_dhe_ke;
    let share: { group: number; key_exchange: Uint8Array } | undefined;
    if (needDhe) {
      if (!ksExt || !sgExt) fail(AlertDescription.missing_extension, 'ClientHello without key_share or supported_groups');
      const groups = s.supportedGroups.filter((g) => GROUP_NAMES.has(g));
      if (this.retry) {
        share = shares.length === 1 && shares[0].group === this.retry.group ? shares[0] : undefined;
        if (!share) fail(AlertDescription.illegal_parameter, 'second ClientHello lacks the requested key share');
      } else {
        for (const g of groups) {
          share = shares.find((x) => x.group === g);
          if (share) break;
        }
        if (!share) {
          const g = groups.find((x) => clientGroups.includes(x));
          if (g === undefined) fail(AlertDescription.handshake_failure, 'no common key exchange group');
          return helloRetryRequest(s, ch, m, suite, g, transcript);
        }
      }
    }

    // Signature scheme for our CertificateVerify (§4.2.3).
    let scheme: number | undefined;
    let clientSigAlgs: number[] = [];
    if (!psk) {
      const sa = findExtension(ch.extensions, ExtensionType.signature_algorithms);
      if (!sa) fail(AlertDescription.missing_extension, 'ClientHello without signature_algorithms');
      clientSigAlgs = decodeSignatureAlgorithms(sa);
      const key = s.config.privateKey;
      if (!key || !s.config.certificateChain?.length) fail(AlertDescription.handshake_failure, 'no certificate configured');
      scheme = clientSigAlgs.find((x) => allowedInTls13(x) && schemeFitsKey(x, key, true));
      if (scheme === undefined) fail(AlertDescription.handshake_failure, 'no signature scheme fits our key');
    }

    // ALPN (RFC 7301 §3.2): our first protocol the client offers.
    let alpnProtocol: string | undefined;
    const alpnExt = findExtension(ch.extensions, ExtensionType.application_layer_protocol_negotiation);
    if (alpnExt && s.config.alpnProtocols?.length) {
      const offered = decodeAlpn(alpnExt);
      alpnProtocol = s.config.alpnProtocols.find((p) => offered.includes(p));
      if (!alpnProtocol) fail(AlertDescription.no_application_protocol, 'no common application protocol');
    }
    const sniExt = findExtension(ch.extensions, ExtensionType.server_name);
    const serverName = sniExt ? decodeServerName(sniExt) : undefined;
    const rslExt = findExtension(ch.extensions, ExtensionType.record_size_limit);
    if (rslExt) s.maxFragment = Math.min(1 << 14, decodeRecordSizeLimit(rslExt) - 1);

    // ServerHello (§4.1.3).
    transcript.add(m.raw);
    let kp: KeyPair | undefined;
    let shared: Uint8Array | undefined;
    if (share) {
      const name = GROUP_NAMES.get(share.group)!;
      const kx = s.provider.keyExchange(name);
      const fixed = s.config.ephemeralPrivateKeys?.[name];
      kp = fixed ? { privateKey: fixed, publicKey: kx.publicKeyFor(fixed) } : kx.generateKeyPair(s.random);
      shared = kx.computeSharedSecret(kp.privateKey, share.key_exchange);
    }
    const serverRandom = s.random.randomBytes(32);
    const shExt: Extension[] = [];
    if (share && kp) shExt.push({ extension_type: ExtensionType.key_share, extension_data: encodeKeyShareServerHello({ group: share.group, key_exchange: kp.publicKey }) });
    if (psk) shExt.push({ extension_type: ExtensionType.pre_shared_key, extension_data: encodeSelectedIdentity(psk.index) });
    shExt.push({ extension_type: ExtensionType.supported_versions, extension_data: encodeSupportedVersionsServer(ProtocolVersion.TLS1_3) });
    const sh = encodeServerHello({
      legacy_version: ProtocolVersion.TLS1_2,
      random: serverRandom,
      legacy_session_id_echo: ch.legacy_session_id,
      cipher_suite: suite.id,
      legacy_compression_method: 0,
      extensions: shExt,
    });
    transcript.add(sh);
    s.queueHandshake(sh);
    s.flushHandshake();
    // D.4: a server in compatibility mode sends change_cipher_spec after its first handshake message.
    if (ch.legacy_session_id.length > 0 && !this.retry) s.writeChangeCipherSpec();

    const ks = new Tls13KeySchedule(s.provider, suite.hash, psk?.key);
    ks.deriveHandshakeSecret(shared);
    const hsSecrets = ks.handshakeTrafficSecrets(transcript.current());
    const clientRandom = ch.random;
    s.keylog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', clientRandom, hsSecrets.client);
    s.keylog('SERVER_HANDSHAKE_TRAFFIC_SECRET', clientRandom, hsSecrets.server);
    s.setWriteProtection(protection(s, suite, ks, hsSecrets.server));
    s.setReadProtection(protection(s, suite, ks, hsSecrets.client));

    // EncryptedExtensions (§4.3.1).
    const ee: Extension[] = [];
    const advertised = s.config.advertisedGroups ?? s.supportedGroups;
    if (needDhe) ee.push({ extension_type: ExtensionType.supported_groups, extension_data: encodeSupportedGroups(advertised) });
    if (rslExt) ee.push({ extension_type: ExtensionType.record_size_limit, extension_data: encodeRecordSizeLimit(s.config.recordSizeLimit ?? (1 << 14) + 1) });
    if (serverName !== undefined) ee.push({ extension_type: ExtensionType.server_name, extension_data: new Uint8Array(0) });
    if (alpnProtocol) ee.push({ extension_type: ExtensionType.application_layer_protocol_negotiation, extension_data: encodeAlpn([alpnProtocol]) });
    const eeMsg = encodeEncryptedExtensions({ extensions: ee });
    transcript.add(eeMsg);
    s.queueHandshake(eeMsg);

    const auth = s.config.clientAuthentication ?? 'none';
    let certificateRequestContext: Uint8Array | undefined;
    if (!psk && auth !== 'none') {
      certificateRequestContext = new Uint8Array(0);
      const cr = encodeCertificateRequest({
        certificate_request_context: certificateRequestContext,
        extensions: [
          { extension_type: ExtensionType.signature_algorithms, extension_data: encodeSignatureAlgorithms(s.config.signatureAlgorithms ?? DEFAULT_SIGNATURE_ALGORITHMS) },
        ],
      });
      transcript.add(cr);
      s.queueHandshake(cr);
    }
    if (!psk) {
      const cert = encodeCertificate({
        certificate_request_context: new Uint8Array(0),
        certificate_list: s.config.certificateChain!.map((cert_data) => ({ cert_data, extensions: [] })),
      });
      transcript.add(cert);
      s.queueHandshake(cert);
      const content = certificateVerifyContent('server', transcript.current());
      const signature = s.provider.sign(cryptoScheme(scheme!)!, s.config.privateKey!, content, { random: s.random });
      const cv = encodeCertificateVerify({ algorithm: scheme!, signature });
      transcript.add(cv);
      s.queueHandshake(cv);
    }
    const fin = encodeFinished(ks.finishedVerifyData(hsSecrets.server, transcript.current()));
    transcript.add(fin);
    s.queueHandshake(fin);
    ks.deriveMasterSecret();
    const ap = ks.applicationTrafficSecrets(transcript.current());
    s.keylog('CLIENT_TRAFFIC_SECRET_0', clientRandom, ap.client);
    s.keylog('SERVER_TRAFFIC_SECRET_0', clientRandom, ap.server);
    s.keylog('EXPORTER_SECRET', clientRandom, ap.exporter);
    s.setWriteProtection(protection(s, suite, ks, ap.server));

    s.hs = {
      clientHello: ch,
      clientRandom,
      transcript,
      suite,
      keySchedule: ks,
      helloRetried: !!this.retry,
      hrrGroup: this.retry?.group,
      group: share?.group,
      pskUsed: !!psk,
      signatureScheme: scheme,
      serverName,
      alpnProtocol: alpnProtocol ?? psk?.ticketAlpn,
      clientHandshakeSecret: hsSecrets.client,
      serverHandshakeSecret: hsSecrets.server,
      clientTrafficSecret: ap.client,
      serverTrafficSecret: ap.server,
      peerCertificates: [],
      certificateRequestContext,
      clientSignatureAlgorithms: clientSigAlgs,
    };
    return certificateRequestContext ? new ExpectCertificate() : new ExpectFinished();
  }
}

/** §4.1.4: ask for a key share of `group`; the transcript restarts with message_hash(ClientHello1). */
function helloRetryRequest(s: ServerConnection, ch: ClientHello, m: HandshakeMessage, suite: Tls13CipherSuite, group: number, transcript: Transcript): State {
  transcript.add(m.raw);
  transcript.replaceWithMessageHash(suite.hash);
  const hrr = encodeServerHello({
    legacy_version: ProtocolVersion.TLS1_2,
    random: HELLO_RETRY_REQUEST_RANDOM,
    legacy_session_id_echo: ch.legacy_session_id,
    cipher_suite: suite.id,
    legacy_compression_method: 0,
    extensions: [
      { extension_type: ExtensionType.key_share, extension_data: encodeKeyShareHelloRetryRequest(group) },
      { extension_type: ExtensionType.supported_versions, extension_data: encodeSupportedVersionsServer(ProtocolVersion.TLS1_3) },
    ],
  });
  transcript.add(hrr);
  s.queueHandshake(hrr);
  s.flushHandshake();
  if (ch.legacy_session_id.length > 0) s.writeChangeCipherSpec();
  return new ExpectClientHello({ suite, group, first: ch, transcript });
}

class ExpectCertificate implements State {
  readonly name = 'ExpectClientCertificate';
  readonly expects = [HandshakeType.certificate];

  handle(s: ServerConnection, m: HandshakeMessage): State {
    const cert = decodeCertificate(m.body);
    if (!bytesEqual(cert.certificate_request_context, s.hs.certificateRequestContext!)) {
      fail(AlertDescription.illegal_parameter, 'certificate_request_context differs');
    }
    s.hs.transcript.add(m.raw);
    if (cert.certificate_list.length === 0) {
      // §4.4.2.4: a server that requires a certificate answers an empty one with certificate_required.
      if (s.config.clientAuthentication === 'require') fail(AlertDescription.certificate_required, 'client sent no certificate');
      return new ExpectFinished();
    }
    const chain = cert.certificate_list.map((e) => e.cert_data);
    const verifier = s.config.verifier;
    if (!verifier) fail(AlertDescription.certificate_unknown, 'no certificate verifier configured');
    s.hs.peerPublicKey = verifier.verify(chain, { now: new Date(s.now()), role: 'server' });
    s.hs.peerCertificates = chain;
    return new ExpectCertificateVerify();
  }
}

class ExpectCertificateVerify implements State {
  readonly name = 'ExpectClientCertificateVerify';
  readonly expects = [HandshakeType.certificate_verify];

  handle(s: ServerConnection, m: HandshakeMessage): State {
    const cv = decodeCertificateVerify(m.body);
    const key = s.hs.peerPublicKey!;
    const offered = s.config.signatureAlgorithms ?? DEFAULT_SIGNATURE_ALGORITHMS;
    const scheme = cryptoScheme(cv.algorithm);
    if (!scheme || !offered.includes(cv.algorithm) || !allowedInTls13(cv.algorithm) || !schemeFitsKey(cv.algorithm, key, true)) {
      fail(AlertDescription.illegal_parameter, `CertificateVerify algorithm 0x${cv.algorithm.toString(16)}`);
    }
    const content = certificateVerifyContent('client', s.hs.transcript.current());
    if (!s.provider.verify(scheme, key, content, cv.signature)) fail(AlertDescription.decrypt_error, 'client CertificateVerify does not verify');
    s.hs.transcript.add(m.raw);
    return new ExpectFinished();
  }
}

class ExpectFinished implements State {
  readonly name = 'ExpectClientFinished';
  readonly expects = [HandshakeType.finished];

  handle(s: ServerConnection, m: HandshakeMessage): State {
    const hs = s.hs;
    const ks = hs.keySchedule;
    const verifyData = decodeFinished(m.body, ks.hashLength);
    if (!ks.verifyFinished(hs.clientHandshakeSecret, hs.transcript.current(), verifyData)) {
      fail(AlertDescription.decrypt_error, 'client Finished does not verify');
    }
    hs.transcript.add(m.raw);
    s.setReadProtection(protection(s, hs.suite, ks, hs.clientTrafficSecret));
    s.readTrafficKeysInstalled = true;
    s.acceptCompatCcs = false;
    const rms = ks.resumptionMasterSecret(hs.transcript.current());
    s.complete({
      protocol: 'TLSv1.3',
      cipherSuite: hs.suite.id,
      cipherSuiteName: hs.suite.name,
      group: hs.group,
      groupName: hs.group !== undefined ? nameOf(NamedGroup, hs.group) : undefined,
      signatureScheme: hs.signatureScheme,
      serverName: hs.serverName,
      alpnProtocol: hs.alpnProtocol,
      peerCertificates: hs.peerCertificates,
      resumed: hs.pskUsed,
      helloRetryRequest: hs.helloRetried,
    });
    sendTickets(s, rms);
    return new ExpectTraffic();
  }
}

/** §4.6.1: NewSessionTicket messages carrying our sealed ticket state. */
function sendTickets(s: ServerConnection, rms: Uint8Array): void {
  const key = s.config.ticketKey;
  const count = key ? (s.config.sessionTickets ?? 1) : 0;
  const hs = s.hs;
  const lifetime = Math.min(s.config.ticketLifetimeSeconds ?? 7200, 604800);
  for (let i = 0; i < count; i++) {
    const nonce = Uint8Array.of(i >> 8, i & 0xff);
    const ageAdd = new DataView(s.random.randomBytes(4).buffer).getUint32(0);
    const psk = hs.keySchedule.resumptionPsk(rms, nonce);
    const ticket = sealTicket(s.provider, s.random, key!, {
      cipherSuite: hs.suite.id,
      psk,
      issuedAt: s.now(),
      lifetimeSeconds: lifetime,
      ticketAgeAdd: ageAdd,
      alpnProtocol: hs.alpnProtocol,
      serverName: hs.serverName,
    });
    s.queueHandshake(encodeNewSessionTicket({ ticket_lifetime: lifetime, ticket_age_add: ageAdd, ticket_nonce: nonce, ticket, extensions: [] }));
  }
  s.flushHandshake();
}

class ExpectTraffic implements State {
  readonly name = 'ExpectTraffic';
  readonly expects = [HandshakeType.key_update];

  handle(s: ServerConnection, m: HandshakeMessage): State {
    const request = decodeKeyUpdate(m.body);
    const hs = s.hs;
    hs.clientTrafficSecret = hs.keySchedule.nextTrafficSecret(hs.clientTrafficSecret);
    s.setReadProtection(protection(s, hs.suite, hs.keySchedule, hs.clientTrafficSecret));
    if (request === KeyUpdateRequest.update_requested) sendServerKeyUpdate(s, false);
    return this;
  }
}

export function sendServerKeyUpdate(s: ServerConnection, requestPeer: boolean): void {
  const hs = s.hs;
  s.queueHandshake(encodeKeyUpdate(requestPeer ? KeyUpdateRequest.update_requested : KeyUpdateRequest.update_not_requested));
  s.flushHandshake();
  hs.serverTrafficSecret = hs.keySchedule.nextTrafficSecret(hs.serverTrafficSecret);
  s.setWriteProtection(protection(s, hs.suite, hs.keySchedule, hs.serverTrafficSecret));
}

/** TLS 1.2 negotiated: hand over to the TLS 1.2 server states (registered by ../tls12). */
let tls12Handler: ((s: ServerConnection, ch: ClientHello, m: HandshakeMessage) => State) | undefined;
export function registerTls12Server(h: (s: ServerConnection, ch: ClientHello, m: HandshakeMessage) => State): void {
  tls12Handler = h;
}
function tls12Server(s: ServerConnection, ch: ClientHello, m: HandshakeMessage): State {
  if (!tls12Handler) fail(AlertDescription.protocol_version, 'TLS 1.2 is not available');
  return tls12Handler(s, ch, m);
}

/** §4.1.3: the last eight bytes of a TLS 1.3 server's random when it negotiates TLS 1.2. */
export function downgradeRandom(random: Uint8Array): Uint8Array {
  return concatBytes(random.subarray(0, 24), DOWNGRADE_TLS12);
}
