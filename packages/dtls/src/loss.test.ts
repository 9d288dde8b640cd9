/**
 * The handshake under loss, reordering and duplication on the in-process network (seeded, virtual
 * clock): 200 handshakes in a row with 30 % random loss all complete; retransmission counts are
 * reported. Also: replayed, reordered and tampered records, and a ClientHello flood without cookies.
 */
import { nobleProvider, seededRandom } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { ContentType } from '@layersec/tls';
import { utf8 } from '@layersec/wire';
import fc from 'fast-check';
import { DtlsClient } from './client.js';
import { DtlsServer } from './server.js';
import { CLIENT_ADDRESS, setup } from './test-support/network.js';
import { splitDatagram } from './record/record.js';
import { encodeDtlsClientHelloBody } from './handshake/messages.js';
import { encodeHandshakeFragment } from './handshake/fragment.js';
import { encodeDtlsRecord } from './record/record.js';
import { DTLS1_2 } from './constants.js';

describe('DTLS 1.2 under loss', () => {
  it('completes 200 handshakes in a row with 30% loss, duplication and reordering', () => {
    const retransmissions: number[] = [];
    let lost = 0;
    let sent = 0;
    let virtualMs = 0;
    for (let i = 0; i < 200; i++) {
      const { net, server, client } = setup(nodeProvider, {
        seed: `loss-${i}`,
        impair: { loss: 0.3, duplicate: 0.1, maxDelayMs: 80 },
      });
      const start = net.now;
      client.start();
      net.run(client, server, () => client.phase === 'established' && server.connection(CLIENT_ADDRESS)?.phase === 'established');
      // The server's last flight may still be in flight when the client is done; let the client
      // retransmit until the server has it too.
      if (client.error || server.connection(CLIENT_ADDRESS)?.error) throw new Error(`handshake ${i}: ${client.error ?? server.connection(CLIENT_ADDRESS)?.error}`);
      expect(client.phase).toBe('established');
      expect(server.connection(CLIENT_ADDRESS)?.phase).toBe('established');
      retransmissions.push(client.flights.retransmissions + server.connection(CLIENT_ADDRESS)!.flights.retransmissions);
      lost += net.datagramsLost;
      sent += net.datagramsSent;
      virtualMs += net.now - start;
    }
    const total = retransmissions.reduce((a, b) => a + b, 0);
    // Reported for the reader of the test log.
    console.log(
      `200 handshakes, 30% loss: ${sent} datagrams sent, ${lost} lost (${((100 * lost) / sent).toFixed(1)}%), ` +
        `${total} flight retransmissions (mean ${(total / 200).toFixed(2)}, max ${Math.max(...retransmissions)}), ` +
        `mean virtual handshake time ${(virtualMs / 200).toFixed(0)} ms`,
    );
    expect(lost).toBeGreaterThan(0.25 * sent);
    expect(total).toBeGreaterThan(0);
  });
});

describe('records on the wire', () => {
  function established() {
    const s = setup(nobleProvider, { seed: 'wire' });
    s.client.start();
    s.net.run(s.client, s.server, () => s.client.phase === 'established' && s.server.connection(CLIENT_ADDRESS)?.phase === 'established');
    return s;
  }

  it('delivers a replayed application record once and counts the replay', () => {
    const { net, server, client } = established();
    const conn = server.connection(CLIENT_ADDRESS)!;
    client.send(utf8('once'));
    const [rec] = client.takeEvents().flatMap((e) => (e.type === 'datagram' ? [e.data] : []));
    server.receive(CLIENT_ADDRESS, rec);
    server.receive(CLIENT_ADDRESS, rec);
    const got = conn.takeEvents().flatMap((e) => (e.type === 'data' ? [new TextDecoder().decode(e.data)] : []));
    expect(got).toEqual(['once']);
    expect(conn.records.stats.dropped.replay).toBe(1);
    void net;
  });

  it('delivers reordered records (message semantics, no head-of-line blocking)', () => {
    const { server, client } = established();
    const conn = server.connection(CLIENT_ADDRESS)!;
    const recs = ['a', 'b', 'c'].map((m) => {
      client.send(utf8(m));
      return client.takeEvents().flatMap((e) => (e.type === 'datagram' ? [e.data] : []))[0];
    });
    for (const i of [2, 0, 1]) server.receive(CLIENT_ADDRESS, recs[i]);
    expect(conn.takeEvents().flatMap((e) => (e.type === 'data' ? [new TextDecoder().decode(e.data)] : []))).toEqual(['c', 'a', 'b']);
  });

  it('drops every single-bit tampering of a record silently, releasing nothing, and the connection lives on', () => {
    const { server, client } = established();
    const conn = server.connection(CLIENT_ADDRESS)!;
    client.send(utf8('integrity'));
    const rec = client.takeEvents().flatMap((e) => (e.type === 'datagram' ? [e.data] : []))[0];
    const before = conn.records.stats.dropped.bad_record_mac;
    // Every bit of the protected fragment (explicit nonce, ciphertext, tag).
    for (let bit = 13 * 8; bit < rec.length * 8; bit++) {
      const bad = rec.slice();
      bad[bit >> 3] ^= 1 << (bit & 7);
      server.receive(CLIENT_ADDRESS, bad);
    }
    expect(conn.takeEvents().filter((e) => e.type === 'data')).toEqual([]);
    expect(conn.records.stats.dropped.bad_record_mac).toBe(before + (rec.length - 13) * 8);
    expect(conn.phase).toBe('established');
    server.receive(CLIENT_ADDRESS, rec);
    expect(conn.takeEvents().filter((e) => e.type === 'data')).toHaveLength(1);
    expect(splitDatagram(rec).records[0].type).toBe(ContentType.application_data);
  });
});

describe('ClientHello flood', () => {
  it('answers 5000 ClientHellos without cookies from 5000 addresses and keeps no state', () => {
    const server = new DtlsServer({ provider: nodeProvider, random: seededRandom('flood'), now: () => 0, psk: { lookup: () => undefined } });
    const rnd = seededRandom('flood-clients');
    for (let i = 0; i < 5000; i++) {
      const body = encodeDtlsClientHelloBody({
        legacy_version: DTLS1_2,
        random: rnd.randomBytes(32),
        legacy_session_id: new Uint8Array(0),
        cookie: new Uint8Array(0),
        cipher_suites: [0x00a8],
        legacy_compression_methods: Uint8Array.of(0),
        extensions: [],
      });
      const hs = encodeHandshakeFragment({ msg_type: 1, length: body.length, message_seq: 0, fragment_offset: 0, fragment: body });
      server.receive(`192.0.2.${i % 250}:${10000 + i}`, encodeDtlsRecord({ type: ContentType.handshake, version: DTLS1_2, epoch: 0, sequenceNumber: i, fragment: hs }));
      // A wrong cookie is no better than none.
      if (i % 10 === 0) {
        const forged = encodeDtlsClientHelloBody({ ...{ legacy_version: DTLS1_2, random: rnd.randomBytes(32), legacy_session_id: new Uint8Array(0), cipher_suites: [0x00a8], legacy_compression_methods: Uint8Array.of(0), extensions: [] }, cookie: new Uint8Array(32).fill(1) });
        const f2 = encodeHandshakeFragment({ msg_type: 1, length: forged.length, message_seq: 1, fragment_offset: 0, fragment: forged });
        server.receive(`198.51.100.1:${i}`, encodeDtlsRecord({ type: ContentType.handshake, version: DTLS1_2, epoch: 0, sequenceNumber: 1, fragment: f2 }));
      }
    }
    expect(server.connectionCount).toBe(0);
    expect(server.stats.helloVerifyRequests).toBe(5500);
    expect(server.takeEvents().every((e) => e.type === 'datagram')).toBe(true);
  });

  it('accepts a cookie made under the previous secret, not one two rotations old', () => {
    let now = 0;
    const server = new DtlsServer({ provider: nodeProvider, random: seededRandom('rot'), now: () => now, psk: { lookup: () => new Uint8Array(16) } });
    const client = new DtlsClient({ provider: nodeProvider, random: seededRandom('rot-c'), now: () => now, psk: { identity: utf8('a'), key: new Uint8Array(16) } });
    client.start();
    const hello = client.takeEvents().flatMap((e) => (e.type === 'datagram' ? [e.data] : []))[0];
    server.receive(CLIENT_ADDRESS, hello);
    const hvr = server.takeEvents()[0];
    client.receive(hvr.type === 'datagram' ? hvr.data : new Uint8Array(0));
    const second = client.takeEvents().flatMap((e) => (e.type === 'datagram' ? [e.data] : []))[0];
    server.rotateCookieSecret();
    server.rotateCookieSecret();
    server.receive(CLIENT_ADDRESS, second);
    expect(server.connectionCount).toBe(0);
    // One rotation: still valid.
    const s2 = new DtlsServer({ provider: nodeProvider, random: seededRandom('rot'), now: () => now, psk: { lookup: () => new Uint8Array(16) } });
    s2.rotateCookieSecret();
    s2.receive(CLIENT_ADDRESS, second);
    expect(s2.connectionCount).toBe(1);
    now = 1;
  });
});

describe('a peer address reused after close', () => {
  it('a new handshake from the address of a closed connection starts over with a cookie', () => {
    const first = setup(nodeProvider, { seed: 'again-1' });
    first.client.start();
    first.net.run(first.client, first.server, () => first.server.connection(CLIENT_ADDRESS)?.phase === 'established');
    first.client.close();
    first.net.run(first.client, first.server, () => first.server.connection(CLIENT_ADDRESS)?.phase === 'closed');
    const second = setup(nodeProvider, { seed: 'again-2' });
    second.client.start();
    second.net.run(second.client, first.server, () => second.client.phase === 'established' && first.server.connection(CLIENT_ADDRESS)?.phase === 'established');
    expect(second.client.phase).toBe('established');
    expect(first.server.stats.helloVerifyRequests).toBe(2);
  });
});

describe('garbage from the network (fuzz)', () => {
  it('never throws out of receive(), server or client, on arbitrary or mutated datagrams', () => {
    const { net, server, client } = setup(nodeProvider, { seed: 'fuzz' });
    // Collect genuine datagrams of a handshake to mutate.
    const genuine: Array<{ to: 'client' | 'server'; data: Uint8Array }> = [];
    net.tap = (to, data) => (genuine.push({ to, data }), data);
    client.start();
    net.run(client, server, () => client.phase === 'established' && server.connection(CLIENT_ADDRESS)?.phase === 'established');
    net.tap = undefined;
    const fresh = setup(nodeProvider, { seed: 'fuzz-2' });
    fresh.client.start();
    fc.assert(
      fc.property(fc.nat(genuine.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }), fc.uint8Array({ maxLength: 64 }), (i, edits, tail) => {
        const d = new Uint8Array([...genuine[i].data, ...tail]);
        for (const [at, v] of edits) d[at % d.length] = v;
        expect(() => fresh.server.receive(`203.0.113.9:${i}`, d)).not.toThrow();
        expect(() => fresh.client.receive(d)).not.toThrow();
        expect(() => server.receive(CLIENT_ADDRESS, d)).not.toThrow();
      }),
      { numRuns: 2000, seed: 6347 },
    );
    // Nothing unauthenticated was released as application data.
    expect(server.connection(CLIENT_ADDRESS)!.takeEvents().filter((e) => e.type === 'data')).toEqual([]);
    expect(fresh.server.connectionCount).toBeLessThanOrEqual(1);
    // Unprotected records cannot end an established connection.
    expect(server.connection(CLIENT_ADDRESS)!.phase).toBe('established');
  });
});
