/**
 * The memory scenarios run end to end: each exchange completes with the bytes intact, the figures
 * follow from the protocols (TLS 1.3 needs one round trip after TCP's, TLS 1.2 two), the observer
 * reads what the protocol leaves in clear, and a seed replays the same capture.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPcap } from '@layersec/wire';
import { CATALOGUE, findScenario } from './catalogue.js';
import { runScenario } from './runner.js';
import type { Scenario } from './scenario.js';

const out = mkdtempSync(join(tmpdir(), 'lab-scenarios-'));
const run = (name: string, patch: Partial<Scenario> = {}) => runScenario({ ...findScenario(name)!, ...patch }, { out });

describe('scenario catalogue', () => {
  it('has unique names, and every standard scenario runs on memory', async () => {
    const names = CATALOGUE.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of CATALOGUE.filter((x) => x.standard)) expect(s.substrates).toContain('memory');
  });
});

describe('TLS over TCP on the memory substrate', () => {
  it('TLS 1.3 with certificates: two round trips before the request, the certificate hidden, SNI visible', async () => {
    const r = (await run('tls13-x509-http')).result;
    expect(r.verified).toBe(true);
    expect(r.negotiated.version).toBe('TLSv1.3');
    expect(r.metrics.handshake.roundTrips).toBe(2);
    expect(r.metrics.handshake.transportRoundTrips).toBe(1);
    // 10 ms each way: the request leaves after two round trips and arrives 10 ms later.
    expect(r.metrics.handshake.durationMs).toBeGreaterThanOrEqual(40);
    expect(r.metrics.timeToFirstApplicationByteMs).toBeGreaterThanOrEqual(50);
    expect(r.metrics.timeToFirstApplicationByteMs).toBeLessThan(51);
    expect(r.observer.serverName).toBe('server.lab.test');
    expect(r.observer.certificateVisible).toBe(false);
    expect(r.observer.applicationDataVisible).toBe(false);
    expect(r.observer.ports).toContain('tcp/443');
  });

  it('TLS 1.2: three round trips and the certificate readable by the observer', async () => {
    const r = (await run('tls12-x509-http')).result;
    expect(r.verified).toBe(true);
    expect(r.negotiated.version).toBe('TLSv1.2');
    expect(r.metrics.handshake.roundTrips).toBe(3);
    expect(r.observer.certificateVisible).toBe(true);
    expect(r.observer.certificateSubjects[0]).toContain('CN=server.lab.test');
  });

  it('TLS 1.3 with a PSK sends no certificate: fewer handshake bytes than with one', async () => {
    const psk = (await run('tls13-psk-http')).result;
    const x509 = (await run('tls13-x509-http')).result;
    expect(psk.verified).toBe(true);
    expect(psk.negotiated.authentication).toBe('external PSK');
    expect(psk.metrics.handshake.bytes).toBeLessThan(x509.metrics.handshake.bytes - 300);
  });

  it('a TLS 1.3 connection resumed with a ticket sends no certificate and fewer handshake bytes', async () => {
    const resumed = (await run('tls13-resumed-http')).result;
    const full = (await run('tls13-x509-http')).result;
    expect(resumed.verified).toBe(true);
    expect(resumed.negotiated.authentication).toBe('resumption (ticket PSK)');
    expect(resumed.metrics.handshake.roundTrips).toBe(2);
    expect(resumed.metrics.handshake.bytes).toBeLessThan(full.metrics.handshake.bytes - 300);
    // measured on the second connection alone: it starts with its own SYN
    expect(resumed.metrics.handshake.packets).toBe(full.metrics.handshake.packets);
  });

  it('across two gateways, the observer between them reads the inner hosts\' addresses and the service port', async () => {
    const r = (await run('tls13-x509-http-gateways')).result;
    expect(r.verified).toBe(true);
    expect(r.metrics.handshake.roundTrips).toBe(2);
    expect(r.observer.addresses).toEqual(['10.1.0.10', '10.2.0.10']);
    expect(r.observer.ports).toContain('tcp/443');
  });

  it('TLS costs bytes per packet over the plain TCP baseline (record header, tag, content type)', async () => {
    const plain = (await run('tcp-plain-http')).result;
    const tls = (await run('tls13-x509-http')).result;
    expect(plain.observer.applicationDataVisible).toBe(true);
    expect(plain.metrics.overhead.bytesPerPacket).toBe(40); // IPv4 + TCP headers only
    // Two records (request; response over two packets), each 5 header + 1 content type + 16 tag = 22
    // bytes more than its data, spread over the three packets that carried them.
    expect(tls.metrics.overhead.dataPackets).toBe(3);
    expect(tls.metrics.overhead.bytesPerPacket - plain.metrics.overhead.bytesPerPacket).toBeCloseTo(44 / 3, 1);
  });

  it('loss on the link makes TCP hold back data behind holes (head-of-line blocking), yet the bytes arrive intact', async () => {
    const r = (await run('tls13-x509-bulk-loss', { workload: { kind: 'bulk', bytes: 256 * 1024 } })).result;
    expect(r.verified).toBe(true);
    expect(r.metrics.loss.packetsLost).toBeGreaterThan(0);
    expect(r.metrics.loss.retransmissions).toBeGreaterThan(0);
    expect(r.metrics.loss.maxHeadOfLineWaitMs).toBeGreaterThan(0);
  });

  it('replays: the same seed writes the same capture', async () => {
    const a = await run('tls13-x509-http');
    const first = readFileSync(join(a.dir, 'capture.pcap'));
    const b = await run('tls13-x509-http');
    expect(readFileSync(join(b.dir, 'capture.pcap')).equals(first)).toBe(true);
    const pcap = readPcap(new Uint8Array(first));
    expect(pcap.linkType).toBe(101);
    expect(pcap.records.length).toBe(a.result.metrics.overhead.totalPackets);
  });
});

describe('the intercepting proxy', () => {
  it('a certificate from the proxy\'s own CA is refused with unknown_ca; the proxy reads nothing', async () => {
    const r = (await run('tls13-mitm-untrusted-ca')).result;
    expect(r.verified).toBe(true);
    expect(r.negotiated.outcome).toBe('refused: unknown_ca');
    expect(r.negotiated['proxy read']).toBe('nothing');
  });

  it('a genuine certificate for the proxy\'s own name is refused by the host name check', async () => {
    const r = (await run('tls13-mitm-wrong-name')).result;
    expect(r.negotiated.outcome).toBe('refused: bad_certificate');
    expect(r.negotiated['proxy certificate']).toMatch(/^CN=proxy\.lab\.test.* issued by CN=layersec lab CA/);
    expect(r.verified).toBe(true);
  });

  it('with the client\'s checks off the forged certificate is accepted, and the proxy reads the request in clear', async () => {
    const c = await run('tls13-mitm-checks-off');
    expect(c.result.negotiated.outcome).toBe('accepted');
    expect(c.result.negotiated['proxy read']).toContain('GET /index.html HTTP/1.1');
    expect(c.result.verified).toBe(true);
    // both TLS connections' secrets are logged: the client's with the proxy, the proxy's with the server
    expect(c.run.keylogLines.filter((l) => l.startsWith('CLIENT_TRAFFIC_SECRET_0')).length).toBe(2);
  });
});

describe('IKEv2 between two gateways', () => {
  it('IKE_SA_INIT and IKE_AUTH: two round trips, four packets; both gateways hold matching SAs', async () => {
    const c = await run('ikev2-psk-gateways');
    const r = c.result;
    expect(r.verified).toBe(true);
    expect(r.metrics.handshake.roundTrips).toBe(2);
    expect(r.metrics.handshake.packets).toBe(4);
    expect(r.observer.ports).toEqual(['udp/500']);
    expect(c.run.ladder.map((p) => p.labels[0].split(' {')[0])).toEqual([
      'IKE_SA_INIT request',
      'IKE_SA_INIT response',
      'IKE_AUTH request',
      'IKE_AUTH response',
    ]);
    expect(c.run.uat.esp_sa.length).toBe(2);
  });
});

describe('ESP on the memory substrate (manually keyed SAs)', () => {
  it('tunnel mode: the observer between the gateways reads only their addresses and the SPIs; no handshake beyond TCP\'s', async () => {
    const r = (await run('esp-tunnel-http')).result;
    const plain = (await run('tcp-plain-http')).result;
    expect(r.verified).toBe(true);
    expect(r.observer.addresses).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(r.observer.ipProtocols).toEqual(['esp']);
    expect(r.observer.ports).toEqual([]);
    expect(r.metrics.handshake.roundTrips).toBe(1);
    // Outer IPv4 (20) + SPI, sequence (8) + IV (8) + ICV (16) + pad length, next header (2) + padding (0-3).
    const extra = r.metrics.overhead.bytesPerPacket - plain.metrics.overhead.bytesPerPacket;
    expect(extra).toBeGreaterThanOrEqual(54);
    expect(extra).toBeLessThanOrEqual(57);
  });

  it('transport mode: the hosts\' addresses stay in clear, the ports do not', async () => {
    const r = (await run('esp-transport-http')).result;
    expect(r.verified).toBe(true);
    expect(r.observer.addresses).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(r.observer.ports).toEqual([]);
    expect(r.observer.applicationDataVisible).toBe(false);
  });
});

describe('DTLS 1.2 on the memory substrate', () => {
  it('the cookie exchange adds a round trip: three before the request, none of them TCP\'s; the certificate crosses in clear', async () => {
    const r = (await run('dtls12-x509-http')).result;
    expect(r.verified).toBe(true);
    expect(r.negotiated.version).toBe('DTLSv1.2');
    expect(r.metrics.handshake.roundTrips).toBe(3);
    expect(r.metrics.handshake.transportRoundTrips).toBe(0);
    expect(r.observer.certificateVisible).toBe(true);
    expect(r.observer.ports).toContain('udp/4433');
  });

  it('under 20 % loss the handshake retransmits its flights and the client repeats its request until the answer arrives', async () => {
    const r = (await run('dtls12-x509-http-loss')).result;
    expect(r.verified).toBe(true);
    expect(r.metrics.loss.packetsLost).toBeGreaterThan(0);
    expect(Number(r.negotiated.handshakeRetransmissions) + Number(r.negotiated.requests.split(' ')[0]) - 1).toBeGreaterThan(0);
    expect(r.metrics.loss.maxHeadOfLineWaitMs).toBe(0);
  });
});
