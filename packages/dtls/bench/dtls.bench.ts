/**
 * DTLS 1.2 benchmarks: full handshakes per second of the sans-I/O core in memory and over loopback
 * UDP (our client and server, ECDHE_ECDSA P-256 with the cookie exchange), and record protection
 * throughput (seal + open of 1 KiB records, AES-128-GCM). No OpenSSL anchor yet: `openssl s_time`
 * has no DTLS mode.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCertificates, parsePrivateKey, TrustStore } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { ContentType, x509Verifier } from '@layersec/tls';
import { BenchReport } from '../../../scripts/bench-support.js';
import { connect, createServer, DtlsAeadProtection, DtlsClient, DtlsRecordLayer, DtlsServer, DTLS1_2 } from '../src/index.js';

const report = new BenchReport('@layersec/dtls');
const provider = nodeProvider;
const DIR = join(import.meta.dirname ?? __dirname, '../../../test-vectors/tls/certs');
const chain = parseCertificates(readFileSync(join(DIR, 'server-ecdsa-p256.pem'), 'utf8')).map((c) => c.der);
const privateKey = parsePrivateKey(readFileSync(join(DIR, 'server-ecdsa-p256.key'), 'utf8'));
const verifier = x509Verifier({ trustAnchors: TrustStore.fromPem(readFileSync(join(DIR, 'ca.pem'), 'utf8')), provider });
const TIME_MS = Number(process.env.LAYERSEC_BENCH_TIME_MS) > 0 ? Number(process.env.LAYERSEC_BENCH_TIME_MS) : 600;

await report.opsPerSecond('DTLS 1.2 handshake in memory, both sides, with cookie exchange [ours]', () => {
  const server = new DtlsServer({ provider, certificateChain: chain, privateKey });
  const client = new DtlsClient({ provider, serverName: 'localhost', verifier });
  const peer = '192.0.2.1:1';
  client.start();
  for (let moved = true; moved; ) {
    moved = false;
    for (const e of client.takeEvents()) if (e.type === 'datagram') (server.receive(peer, e.data), (moved = true));
    for (const e of server.takeEvents()) if (e.type === 'datagram') (client.receive(e.data), (moved = true));
    for (const e of server.connection(peer)?.takeEvents() ?? []) if (e.type === 'datagram') (client.receive(e.data), (moved = true));
  }
  if (client.phase !== 'established') throw new Error('handshake failed');
});

// Over loopback UDP, sequential connections for 2 × TIME_MS.
const server = createServer({ provider, certificateChain: chain, privateKey });
const port = await server.listen(0);
async function handshakeOnce(): Promise<void> {
  const sock = connect({ host: '127.0.0.1', port, provider, serverName: 'localhost', verifier });
  await once(sock, 'secureConnect');
  sock.close();
}
for (let i = 0; i < 5; i++) await handshakeOnce();
const start = performance.now();
let n = 0;
while (performance.now() - start < TIME_MS * 2) {
  await handshakeOnce();
  n++;
}
report.record('DTLS 1.2 handshakes over loopback UDP (ECDHE_ECDSA P-256, cookie) [ours]', (n * 1000) / (performance.now() - start), 'ops/s');
server.close();

// Record layer: seal and open 1 KiB application records.
const key = new Uint8Array(16).fill(1);
const salt = new Uint8Array(4).fill(2);
const writer = new DtlsRecordLayer(DTLS1_2);
const reader = new DtlsRecordLayer(DTLS1_2);
writer.setWriteEpoch(1, new DtlsAeadProtection(provider.aead('AES-128-GCM', key), salt));
reader.setReadEpoch(1, new DtlsAeadProtection(provider.aead('AES-128-GCM', key), salt));
const payload = new Uint8Array(1024);
const m = await report.opsPerSecond('DTLS 1.2 1 KiB record seal+open, AES-128-GCM [ours]', () => {
  if (reader.open(writer.seal(ContentType.application_data, payload)).length !== 1) throw new Error('record did not open');
});
report.record('DTLS 1.2 1 KiB record seal+open throughput, AES-128-GCM [ours]', (m.opsPerSecond * 1024) / 1e6, 'MB/s');
report.finish();
