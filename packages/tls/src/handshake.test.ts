/**
 * Our client against our server in memory, over the openssl-made test PKI: every TLS 1.3 suite,
 * group and certificate type, HelloRetryRequest, ALPN, client authentication, external PSK,
 * ticket resumption, KeyUpdate, 1 MiB each way, and the alerts certificate refusals produce.
 * (Interop with real peers is in test/interop-*.test.ts.)
 */
import { nobleProvider, type CryptoProvider } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { utf8 } from '@layersec/wire';
import { x509Verifier } from './certificates.js';
import { ClientConnection, type ClientConfig } from './client/client-connection.js';
import { CipherSuite, NamedGroup, PskKeyExchangeMode } from './constants.js';
import type { SessionTicket } from './connection.js';
import { ServerConnection, type ServerConfig } from './server/server-connection.js';
import { identity, testTrustStore } from './test-support/pki.js';
import { pipe, received } from './test-support/pipe.js';

const trust = testTrustStore();

function pair(provider: CryptoProvider, server: Partial<ServerConfig> = {}, client: Partial<ClientConfig> = {}, cert = 'server-ecdsa-p256') {
  const id = identity(cert);
  const s = new ServerConnection({ provider, certificateChain: id.chain, privateKey: id.key, ...server });
  const c = new ClientConnection({
    provider,
    serverName: 'localhost',
    verifier: x509Verifier({ trustAnchors: trust, provider }),
    ...client,
  });
  c.start();
  const log = pipe(c, s);
  return { c, s, log };
}

describe.each([
  ['noble', nobleProvider],
  ['node', nodeProvider],
])('TLS 1.3 client and server in memory (%s)', (_n, provider) => {
  it.each(['server-ecdsa-p256', 'server-ecdsa-p384', 'server-rsa-2048', 'server-ed25519'])('authenticates with %s and exchanges data', (cert) => {
    const { c, s, log } = pair(provider, {}, {}, cert);
    expect(c.error).toBeUndefined();
    expect(s.error).toBeUndefined();
    expect(c.session?.protocol).toBe('TLSv1.3');
    expect(c.session?.peerCertificates).toHaveLength(1);
    c.send(utf8('ping'));
    s.send(utf8('pong'));
    pipe(c, s, log);
    expect(received(log.server)).toBe('ping');
    expect(received(log.client)).toBe('pong');
  });

  it.each([
    [CipherSuite.TLS_AES_128_GCM_SHA256, NamedGroup.x25519],
    [CipherSuite.TLS_AES_256_GCM_SHA384, NamedGroup.secp384r1],
    [CipherSuite.TLS_CHACHA20_POLY1305_SHA256, NamedGroup.secp256r1],
  ])('negotiates suite 0x%s with group %s', (suite, group) => {
    const { c, s } = pair(provider, { cipherSuites: [suite] }, { supportedGroups: [group] });
    expect(c.error).toBeUndefined();
    expect(s.session?.cipherSuite).toBe(suite);
    expect(c.session?.group).toBe(group);
    expect(c.session?.helloRetryRequest).toBe(false);
  });

  it('answers a key share it does not take with a HelloRetryRequest (with compat CCS both ways)', () => {
    const { c, s } = pair(
      provider,
      { supportedGroups: [NamedGroup.secp384r1] },
      { supportedGroups: [NamedGroup.x25519, NamedGroup.secp384r1], keyShareGroups: [NamedGroup.x25519] },
    );
    expect(c.error).toBeUndefined();
    expect(s.error).toBeUndefined();
    expect(c.session?.helloRetryRequest).toBe(true);
    expect(c.session?.group).toBe(NamedGroup.secp384r1);
  });

  it('refuses when no group is shared (handshake_failure)', () => {
    const { c, s } = pair(provider, { supportedGroups: [NamedGroup.secp384r1] }, { supportedGroups: [NamedGroup.x25519] });
    expect(s.error?.alertName).toBe('handshake_failure');
    expect(c.error?.alertName).toBe('handshake_failure');
    expect(c.error?.sent).toBe(false);
  });

  it('negotiates ALPN and reports SNI', () => {
    const { c, s } = pair(provider, { alpnProtocols: ['h2', 'http/1.1'] }, { alpnProtocols: ['http/1.1'] });
    expect(c.session?.alpnProtocol).toBe('http/1.1');
    expect(s.session?.alpnProtocol).toBe('http/1.1');
    expect(s.session?.serverName).toBe('localhost');
    const bad = pair(provider, { alpnProtocols: ['h2'] }, { alpnProtocols: ['http/1.1'] });
    expect(bad.s.error?.alertName).toBe('no_application_protocol');
  });

  it('authenticates the client when asked, and refuses a client without a certificate when required', () => {
    const cid = identity('client-ecdsa-p256');
    const verifier = x509Verifier({ trustAnchors: trust, provider });
    const ok = pair(provider, { clientAuthentication: 'require', verifier }, { certificateChain: cid.chain, privateKey: cid.key });
    expect(ok.s.error).toBeUndefined();
    expect(ok.s.session?.peerCertificates).toHaveLength(1);
    const refused = pair(provider, { clientAuthentication: 'require', verifier });
    expect(refused.s.error?.alertName).toBe('certificate_required');
    const optional = pair(provider, { clientAuthentication: 'request', verifier });
    expect(optional.s.error).toBeUndefined();
    expect(optional.s.session?.peerCertificates).toHaveLength(0);
  });

  it('refuses a certificate for another name (bad_certificate) and one from an unknown CA (unknown_ca)', () => {
    const wrongName = pair(provider, {}, { serverName: 'example.com' });
    expect(wrongName.c.error?.alertName).toBe('bad_certificate');
    expect(wrongName.s.error?.sent).toBe(false);
    const other = identity('server-rsa-2048');
    const unknown = pair(provider, {}, { verifier: x509Verifier({ trustAnchors: [], provider }) });
    expect(unknown.c.error?.alertName).toBe('unknown_ca');
    expect(other.chain.length).toBe(1);
  });

  it.each([PskKeyExchangeMode.psk_dhe_ke, PskKeyExchangeMode.psk_ke])('uses an external PSK (mode %s) without certificates', (mode) => {
    const key = new Uint8Array(32).fill(0x42);
    const identityBytes = utf8('client1');
    const { c, s } = pair(
      provider,
      { pskLookup: (id) => (new TextDecoder().decode(id) === 'client1' ? { key } : undefined), pskKeyExchangeModes: [mode] },
      { psk: { identity: identityBytes, key }, pskKeyExchangeModes: [mode] },
    );
    expect(c.error).toBeUndefined();
    expect(c.session?.resumed).toBe(true);
    expect(c.session?.peerCertificates).toHaveLength(0);
    expect(c.session?.group === undefined).toBe(mode === PskKeyExchangeMode.psk_ke);
  });

  it('refuses a PSK whose binder is wrong (decrypt_error)', () => {
    const { s } = pair(
      provider,
      { pskLookup: () => ({ key: new Uint8Array(32).fill(1) }) },
      { psk: { identity: utf8('x'), key: new Uint8Array(32).fill(2) } },
    );
    expect(s.error?.alertName).toBe('decrypt_error');
  });

  it('resumes with a ticket from the first connection', () => {
    const ticketKey = new Uint8Array(32).fill(9);
    const first = pair(provider, { ticketKey });
    const tickets = first.log.client.flatMap((e) => (e.type === 'sessionTicket' ? [e.ticket] : [])) as SessionTicket[];
    expect(tickets).toHaveLength(1);
    const second = pair(provider, { ticketKey }, { resumptionTicket: tickets[0] });
    expect(second.c.error).toBeUndefined();
    expect(second.c.session?.resumed).toBe(true);
    expect(second.s.session?.resumed).toBe(true);
    // A server with another ticket key falls back to a full handshake.
    const third = pair(provider, { ticketKey: new Uint8Array(32).fill(8) }, { resumptionTicket: tickets[0] });
    expect(third.c.error).toBeUndefined();
    expect(third.c.session?.resumed).toBe(false);
  });

  it('updates keys in both directions (KeyUpdate with update_requested)', () => {
    const { c, s, log } = pair(provider);
    c.keyUpdate(true);
    c.send(utf8('after-update'));
    pipe(c, s, log);
    s.send(utf8('reply'));
    s.keyUpdate(false);
    s.send(utf8('-again'));
    pipe(c, s, log);
    expect(c.error).toBeUndefined();
    expect(s.error).toBeUndefined();
    expect(received(log.server)).toBe('after-update');
    expect(received(log.client)).toBe('reply-again');
  });

  it('sends KeyUpdate on its own after keyUpdateAfterRecords records (RFC 8446 §5.5)', () => {
    const { c, s, log } = pair(provider, {}, { keyUpdateAfterRecords: 4 });
    const data = new Uint8Array(40 * 16384).map((_, i) => i & 0xff);
    c.send(data);
    pipe(c, s, log);
    const got = log.server.flatMap((e) => (e.type === 'applicationData' ? [e.data] : []));
    expect(got.reduce((n, d) => n + d.length, 0)).toBe(data.length);
    expect(s.error).toBeUndefined();
    // 40 records under keys that change every 4: the current write key has sealed at most 4.
    expect(Number(c.writeProtection!.writeSequence)).toBeLessThanOrEqual(4);
  });

  it('moves 1 MiB each way in records of at most 2^14 bytes', () => {
    const { c, s, log } = pair(provider);
    const big = new Uint8Array(1 << 20).map((_, i) => i * 7);
    c.send(big);
    s.send(big);
    pipe(c, s, log);
    const got = (events: typeof log.client) =>
      events.flatMap((e) => (e.type === 'applicationData' ? [e.data] : [])).reduce((n, d) => n + d.length, 0);
    expect(got(log.server)).toBe(1 << 20);
    expect(got(log.client)).toBe(1 << 20);
  });

  it('closes with close_notify both ways', () => {
    const { c, s, log } = pair(provider);
    c.close();
    pipe(c, s, log);
    s.close();
    pipe(c, s, log);
    expect(log.server.some((e) => e.type === 'peerClosed')).toBe(true);
    expect(log.client.some((e) => e.type === 'peerClosed')).toBe(true);
    expect(c.isClosed && s.isClosed).toBe(true);
  });
});
