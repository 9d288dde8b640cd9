/**
 * TLS 1.2 (RFC 5246) between our client and server in memory: ECDHE_ECDSA and ECDHE_RSA with
 * AES-GCM and ChaCha20-Poly1305, extended master secret, client authentication, the RFC 8446 §4.1.3
 * downgrade sentinel, and refusals. (OpenSSL interop is in test/interop-openssl-tls12.test.ts.)
 */
import { nobleProvider, type CryptoProvider } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { bytesEqual, utf8 } from '@layersec/wire';
import { x509Verifier } from './certificates.js';
import { ClientConnection, type ClientConfig } from './client/client-connection.js';
import { CipherSuite, DOWNGRADE_TLS12, HandshakeType } from './constants.js';
import { ServerConnection, type ServerConfig } from './server/server-connection.js';
import { decodeServerHello } from './messages/index.js';
import { identity, testTrustStore } from './test-support/pki.js';
import { pipe, received } from './test-support/pipe.js';

const trust = testTrustStore();

function pair(provider: CryptoProvider, cert: string, server: Partial<ServerConfig> = {}, client: Partial<ClientConfig> = {}) {
  const id = identity(cert);
  const s = new ServerConnection({ provider, certificateChain: id.chain, privateKey: id.key, ...server });
  const c = new ClientConnection({ provider, serverName: 'localhost', verifier: x509Verifier({ trustAnchors: trust, provider }), versions: ['TLSv1.2'], ...client });
  c.start();
  const log = pipe(c, s);
  return { c, s, log };
}

describe.each([
  ['noble', nobleProvider],
  ['node', nodeProvider],
])('TLS 1.2 in memory (%s)', (_n, provider) => {
  it.each([
    ['server-ecdsa-p256', CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
    ['server-ecdsa-p384', CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384],
    ['server-ecdsa-p256', CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256],
    ['server-rsa-2048', CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256],
    ['server-rsa-2048', CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384],
    ['server-rsa-2048', CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256],
  ])('%s with suite 0x%s', (cert, suite) => {
    const { c, s, log } = pair(provider, cert, { cipherSuites: [suite] });
    expect(c.error).toBeUndefined();
    expect(s.error).toBeUndefined();
    expect(c.session?.protocol).toBe('TLSv1.2');
    expect(c.session?.cipherSuite).toBe(suite);
    c.send(utf8('over tls 1.2'));
    s.send(utf8('and back'));
    pipe(c, s, log);
    expect(received(log.server)).toBe('over tls 1.2');
    expect(received(log.client)).toBe('and back');
    // One CLIENT_RANDOM line each side, the same master secret.
    const line = (ev: typeof log.client) => ev.flatMap((e) => (e.type === 'keylog' ? [e.line] : []));
    expect(line(log.client)).toHaveLength(1);
    expect(line(log.client)).toEqual(line(log.server));
    expect(line(log.client)[0]).toMatch(/^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/);
  });

  it('authenticates the client with a certificate', () => {
    const cid = identity('client-ecdsa-p256');
    const { c, s } = pair(
      provider,
      'server-rsa-2048',
      { clientAuthentication: 'require', verifier: x509Verifier({ trustAnchors: trust, provider }) },
      { certificateChain: cid.chain, privateKey: cid.key },
    );
    expect(c.error).toBeUndefined();
    expect(s.session?.peerCertificates).toHaveLength(1);
    const refused = pair(provider, 'server-rsa-2048', { clientAuthentication: 'require', verifier: x509Verifier({ trustAnchors: trust, provider }) });
    expect(refused.s.error?.alertName).toBe('handshake_failure');
  });

  it('marks a TLS 1.2 ServerHello with the downgrade sentinel when the server could do TLS 1.3', () => {
    const { log } = pair(provider, 'server-ecdsa-p256');
    const first = log.server.find((e) => e.type === 'transmit');
    const rec = first && first.type === 'transmit' ? first.data : new Uint8Array(0);
    expect(rec[5]).toBe(HandshakeType.server_hello);
    const sh = decodeServerHello(rec.subarray(9, 9 + ((rec[6] << 16) | (rec[7] << 8) | rec[8])));
    expect(bytesEqual(sh.random.subarray(24), DOWNGRADE_TLS12)).toBe(true);
  });

  it('a client offering TLS 1.3 and 1.2 gets TLS 1.3 from a server doing both, and TLS 1.2 from a 1.2-only one', () => {
    expect(pair(provider, 'server-ecdsa-p256', {}, { versions: ['TLSv1.3', 'TLSv1.2'] }).c.session?.protocol).toBe('TLSv1.3');
    expect(pair(provider, 'server-ecdsa-p256', { versions: ['TLSv1.2'] }, { versions: ['TLSv1.3', 'TLSv1.2'] }).c.session?.protocol).toBe('TLSv1.2');
  });

  it('refuses when no TLS 1.2 suite fits the server key (handshake_failure)', () => {
    const { s } = pair(provider, 'server-rsa-2048', {}, { cipherSuites: [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256] });
    expect(s.error?.alertName).toBe('handshake_failure');
  });
});

describe('TLS 1.2 PSK (RFC 4279) and ECDHE_PSK (RFC 5489) in memory', () => {
  const key = new Uint8Array(32).fill(0x33);
  it.each([
    [CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256],
    [CipherSuite.TLS_PSK_WITH_AES_256_GCM_SHA384],
    [CipherSuite.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256],
  ])('suite 0x%s', (suite) => {
    const s = new ServerConnection({ provider: nobleProvider, versions: ['TLSv1.2'], cipherSuites: [suite], pskLookup: (id) => (new TextDecoder().decode(id) === 'lab' ? { key } : undefined) });
    const c = new ClientConnection({ provider: nobleProvider, versions: ['TLSv1.2'], psk: { identity: utf8('lab'), key } });
    c.start();
    const log = pipe(c, s);
    expect(c.error).toBeUndefined();
    expect(c.session?.cipherSuite).toBe(suite);
    expect(c.session?.resumed).toBe(true);
    c.send(utf8('psk data'));
    pipe(c, s, log);
    expect(received(log.server)).toBe('psk data');
  });

  it('an unknown identity → unknown_psk_identity', () => {
    const s = new ServerConnection({ provider: nobleProvider, versions: ['TLSv1.2'], pskLookup: () => undefined });
    const c = new ClientConnection({ provider: nobleProvider, versions: ['TLSv1.2'], psk: { identity: utf8('who'), key } });
    c.start();
    pipe(c, s);
    expect(s.error?.alertName).toBe('unknown_psk_identity');
  });

  it('a wrong key → bad_record_mac on the protected Finished', () => {
    const s = new ServerConnection({ provider: nobleProvider, versions: ['TLSv1.2'], pskLookup: () => ({ key: new Uint8Array(32).fill(1) }) });
    const c = new ClientConnection({ provider: nobleProvider, versions: ['TLSv1.2'], psk: { identity: utf8('x'), key } });
    c.start();
    pipe(c, s);
    expect(s.error?.alertName).toBe('bad_record_mac');
  });
});

describe('TLS 1.2 session tickets (RFC 5077)', () => {
  it.each([
    ['noble', nobleProvider],
    ['node', nodeProvider],
  ])('a ticket from a full handshake resumes the session (%s)', (_n, provider) => {
    const ticketKey = new Uint8Array(32).fill(5);
    const first = pair(provider, 'server-ecdsa-p256', { ticketKey });
    const tickets = first.log.client.flatMap((e) => (e.type === 'sessionTicket' ? [e.ticket] : []));
    expect(tickets).toHaveLength(1);
    expect(tickets[0].tls12?.extendedMasterSecret).toBe(true);
    const second = pair(provider, 'server-ecdsa-p256', { ticketKey }, { resumptionTicket: tickets[0] });
    expect(second.c.error).toBeUndefined();
    expect(second.s.error).toBeUndefined();
    expect(second.c.session?.resumed).toBe(true);
    expect(second.s.session?.resumed).toBe(true);
    second.c.send(utf8('resumed'));
    pipe(second.c, second.s, second.log);
    expect(received(second.log.server)).toBe('resumed');
    // Same master secret as the first connection, as the keylog lines show.
    const ms = (ev: typeof first.log.client) => ev.flatMap((e) => (e.type === 'keylog' ? [e.line.split(' ')[2]] : []));
    expect(ms(second.log.client)).toEqual(ms(first.log.client));
    // A server with another ticket key does a full handshake instead.
    const other = pair(provider, 'server-ecdsa-p256', { ticketKey: new Uint8Array(32).fill(6) }, { resumptionTicket: tickets[0] });
    expect(other.c.error).toBeUndefined();
    expect(other.c.session?.resumed).toBe(false);
  });
});

describe('TLS 1.2 resumption by session ID (RFC 5246 §7.4.1.2)', () => {
  it('a session ID the server assigned resumes the session', () => {
    const sessionCache = new Map();
    const first = pair(nobleProvider, 'server-rsa-2048', { sessionCache });
    const sessions = first.log.client.flatMap((e) => (e.type === 'sessionTicket' ? [e.ticket] : []));
    expect(sessions).toHaveLength(1);
    expect(sessions[0].tls12?.sessionId?.length).toBe(32);
    expect(sessionCache.size).toBe(1);
    const second = pair(nobleProvider, 'server-rsa-2048', { sessionCache }, { resumptionTicket: sessions[0] });
    expect(second.c.error).toBeUndefined();
    expect(second.c.session?.resumed).toBe(true);
    expect(second.s.session?.resumed).toBe(true);
    // An unknown ID gives a full handshake.
    const third = pair(nobleProvider, 'server-rsa-2048', { sessionCache: new Map() }, { resumptionTicket: sessions[0] });
    expect(third.c.error).toBeUndefined();
    expect(third.c.session?.resumed).toBe(false);
  });
});
