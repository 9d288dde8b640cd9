/**
 * DTLS 1.2 between our client and server in memory (virtual clock, seeded randomness): every
 * suite family, cookies, fragmentation at a small PMTU, resumption, close_notify, refusals.
 */
import { nobleProvider } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { AlertDescription, CipherSuite, x509Verifier } from '@layersec/tls';
import { utf8 } from '@layersec/wire';
import type { DtlsClient } from './client.js';
import type { DtlsEvent } from './config.js';
import type { DtlsServer } from './server.js';
import { CLIENT_ADDRESS, setup } from './test-support/network.js';
const psk = { identity: utf8('client1'), key: Uint8Array.from({ length: 16 }, (_, i) => i + 1) };

const established = (c: DtlsClient, s: DtlsServer) => () => c.phase === 'established' && s.connection(CLIENT_ADDRESS)?.phase === 'established';
const data = (ev: DtlsEvent[]) => ev.flatMap((e) => (e.type === 'data' ? [new TextDecoder().decode(e.data)] : []));
const keylog = (ev: DtlsEvent[]) => ev.flatMap((e) => (e.type === 'keylog' ? [e.line] : []));

describe.each([
  ['noble', nobleProvider],
  ['node', nodeProvider],
])('DTLS 1.2 in memory (%s)', (_n, provider) => {
  it.each([
    ['server-ecdsa-p256', CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
    ['server-ecdsa-p384', CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384],
    ['server-ecdsa-p256', CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256],
    ['server-rsa-2048', CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256],
    ['server-rsa-2048', CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256],
  ])('%s with suite 0x%s, cookie exchange, data both ways', (cert, suite) => {
    const { net, server, client } = setup(provider, { cert, server: { cipherSuites: [suite] } });
    client.start();
    net.run(client, server, established(client, server));
    expect(client.error).toBeUndefined();
    expect(client.session?.cipherSuite).toBe(suite);
    expect(client.session?.extendedMasterSecret).toBe(true);
    expect(server.stats.helloVerifyRequests).toBe(1);
    const conn = server.connection(CLIENT_ADDRESS)!;
    client.send(utf8('ping'));
    conn.send(utf8('pong'));
    net.run(client, server, () => data(net.serverEvents).length > 0 && data(net.clientEvents).length > 0);
    expect(data(net.serverEvents)).toEqual(['ping']);
    expect(data(net.clientEvents)).toEqual(['pong']);
    expect(keylog(net.clientEvents)).toEqual(keylog(net.serverEvents));
    expect(keylog(net.clientEvents)[0]).toMatch(/^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/);
  });

  it.each([
    [CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256],
    [CipherSuite.TLS_PSK_WITH_AES_256_GCM_SHA384],
    [CipherSuite.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256],
  ])('PSK suite 0x%s', (suite) => {
    const { net, server, client } = setup(provider, {
      server: { certificateChain: undefined, privateKey: undefined, cipherSuites: [suite], psk: { hint: utf8('hint'), lookup: (id) => (utf8('client1').every((b, i) => id[i] === b) && id.length === 7 ? psk.key : undefined) } },
      client: { psk, verifier: undefined },
    });
    client.start();
    net.run(client, server, established(client, server));
    expect(client.error).toBeUndefined();
    expect(client.session?.cipherSuite).toBe(suite);
    expect(server.connection(CLIENT_ADDRESS)?.session?.pskIdentity).toEqual(psk.identity);
  });

  it('a wrong PSK: the client Finished fails integrity at the server (dropped, counted), the client gives up', () => {
    const { net, server, client } = setup(provider, {
      server: { certificateChain: undefined, privateKey: undefined, psk: { lookup: () => new Uint8Array(16).fill(9) } },
      client: { psk, verifier: undefined, retransmit: { maxRetransmissions: 2 } },
    });
    client.start();
    net.run(client, server, () => client.phase === 'closed');
    expect(client.phase).toBe('closed');
    expect(client.error?.description).toBe(AlertDescription.handshake_failure);
    expect(client.flights.retransmissions).toBe(2);
    expect(server.connection(CLIENT_ADDRESS)?.records.stats.dropped.bad_record_mac).toBe(3);
    expect(server.connection(CLIENT_ADDRESS)?.session).toBeUndefined();
  });

  it('fragments the certificate flight to a 300-byte PMTU and reassembles it', () => {
    const { net, server, client } = setup(provider, { cert: 'server-rsa-2048', server: { mtu: 300 }, client: { mtu: 300 } });
    const sizes: number[] = [];
    net.tap = (_to, d) => (sizes.push(d.length), d);
    client.start();
    net.run(client, server, established(client, server));
    expect(client.error).toBeUndefined();
    expect(Math.max(...sizes)).toBeLessThanOrEqual(300);
    expect(sizes.length).toBeGreaterThan(6);
  });

  it('resumes a session by its ID (abbreviated handshake, no certificate sent)', () => {
    const first = setup(provider, { seed: 'r1' });
    first.client.start();
    first.net.run(first.client, first.server, established(first.client, first.server));
    const saved = first.net.clientEvents.flatMap((e) => (e.type === 'session' ? [e.session] : []))[0];
    expect(saved).toBeDefined();
    const second = setup(provider, { seed: 'r2', client: { session: saved } });
    // The same server (its session cache) answers the second client.
    const server = first.server;
    server.remove(CLIENT_ADDRESS);
    second.client.start();
    second.net.run(second.client, server, established(second.client, server));
    expect(second.client.session?.resumed).toBe(true);
    expect(server.connection(CLIENT_ADDRESS)?.session?.resumed).toBe(true);
    second.client.send(utf8('resumed'));
    second.net.run(second.client, server, () => data(second.net.serverEvents).length > 0);
    expect(data(second.net.serverEvents)).toEqual(['resumed']);
  });

  it('close_notify closes both sides', () => {
    const { net, server, client } = setup(provider);
    client.start();
    net.run(client, server, established(client, server));
    client.close();
    net.run(client, server, () => server.connection(CLIENT_ADDRESS)?.phase === 'closed');
    expect(server.connection(CLIENT_ADDRESS)?.phase).toBe('closed');
    expect(net.serverEvents.some((e) => e.type === 'alert' && e.description === AlertDescription.close_notify && !e.sent)).toBe(true);
  });

  it('refuses a server certificate from another CA with unknown_ca', () => {
    const { net, server, client } = setup(provider, { client: { verifier: x509Verifier({ trustAnchors: [], provider }) } });
    client.start();
    net.run(client, server, () => server.connection(CLIENT_ADDRESS)?.phase === 'closed');
    expect(client.error?.description).toBe(AlertDescription.unknown_ca);
    expect(server.connection(CLIENT_ADDRESS)?.error?.description).toBe(AlertDescription.unknown_ca);
  });
});
