/**
 * TLS benchmarks against node:tls measured in the same run: full TLS 1.3 handshakes per second
 * (X25519, ECDSA P-256) over loopback TCP, and bulk throughput in 16 KiB records over loopback,
 * each with its ratio to node:tls; plus the sans-I/O handshake in memory (no sockets).
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import * as nodeTls from 'node:tls';
import { parseCertificates, parsePrivateKey, TrustStore } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { BenchReport } from '../../../scripts/bench-support.js';
import { ClientConnection, ServerConnection, x509Verifier } from '../src/index.js';
import { connect, createServer } from '../src/node/index.js';

const report = new BenchReport('@layersec/tls');
const provider = nodeProvider;
const DIR = join(import.meta.dirname ?? __dirname, '../../../test-vectors/tls/certs');
const certPem = readFileSync(join(DIR, 'server-ecdsa-p256.pem'), 'utf8');
const keyPem = readFileSync(join(DIR, 'server-ecdsa-p256.key'), 'utf8');
const caPem = readFileSync(join(DIR, 'ca.pem'), 'utf8');
const chain = parseCertificates(certPem).map((c) => c.der);
const privateKey = parsePrivateKey(keyPem);
const verifier = x509Verifier({ trustAnchors: TrustStore.fromPem(caPem), provider });
const TIME_MS = Number(process.env.LAYERSEC_BENCH_TIME_MS) > 0 ? Number(process.env.LAYERSEC_BENCH_TIME_MS) : 600;

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Handshakes per second: sequential connections for `TIME_MS * 2`. */
async function handshakesPerSecond(connectOnce: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 5; i++) await connectOnce();
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < TIME_MS * 2) {
    await connectOnce();
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}

/** MB/s for sending `total` bytes in 16 KiB writes to a server that counts them. */
async function throughput(send: (chunk: Buffer, total: number) => Promise<void>): Promise<number> {
  const chunk = Buffer.alloc(16384, 7);
  const total = 64 * 16384 * 16; // 16 MiB
  await send(chunk, total / 8); // warm-up
  const start = performance.now();
  await send(chunk, total);
  return total / 1e6 / ((performance.now() - start) / 1000);
}

// --- ours ---
const ourServer = createServer({ provider, certificateChain: chain, privateKey }, (s) => {
  let got = 0;
  let want = -1;
  s.on('data', (d: Buffer) => {
    if (want < 0) want = d.readUInt32BE(0);
    got += d.length;
    if (got >= want) s.end('k');
  });
});
const ourPort = await listen(ourServer);
const ours = {
  async handshake() {
    const sock = connect({ provider, host: '127.0.0.1', port: ourPort, serverName: 'localhost', verifier });
    await once(sock, 'secureConnect');
    sock.destroy();
  },
  async send(chunk: Buffer, total: number) {
    const sock = connect({ provider, host: '127.0.0.1', port: ourPort, serverName: 'localhost', verifier });
    await once(sock, 'secureConnect');
    const first = Buffer.from(chunk);
    first.writeUInt32BE(total, 0);
    for (let sent = 0; sent < total; sent += chunk.length) if (!sock.write(sent === 0 ? first : chunk)) await once(sock, 'drain');
    await once(sock, 'data');
    sock.destroy();
  },
};

// --- node:tls ---
const nodeServer = nodeTls.createServer({ cert: certPem, key: keyPem, minVersion: 'TLSv1.3', ecdhCurve: 'X25519' }, (s) => {
  let got = 0;
  let want = -1;
  s.on('data', (d: Buffer) => {
    if (want < 0) want = d.readUInt32BE(0);
    got += d.length;
    if (got >= want) s.end('k');
  });
  s.on('error', () => undefined);
});
const nodePort = await listen(nodeServer);
const node = {
  async handshake() {
    const sock = nodeTls.connect({ host: '127.0.0.1', port: nodePort, servername: 'localhost', ca: caPem, ecdhCurve: 'X25519' });
    await once(sock, 'secureConnect');
    sock.destroy();
  },
  async send(chunk: Buffer, total: number) {
    const sock = nodeTls.connect({ host: '127.0.0.1', port: nodePort, servername: 'localhost', ca: caPem });
    await once(sock, 'secureConnect');
    const first = Buffer.from(chunk);
    first.writeUInt32BE(total, 0);
    for (let sent = 0; sent < total; sent += chunk.length) if (!sock.write(sent === 0 ? first : chunk)) await once(sock, 'drain');
    await once(sock, 'data');
    sock.destroy();
  },
};

const hsNode = await handshakesPerSecond(node.handshake);
const hsOurs = await handshakesPerSecond(ours.handshake);
const hsNodeEntry = report.record('TLS 1.3 handshakes over loopback (X25519, ECDSA P-256) [node:tls]', hsNode, 'ops/s');
report.record('TLS 1.3 handshakes over loopback (X25519, ECDSA P-256) [ours]', hsOurs, 'ops/s');
report.ratio('TLS 1.3 handshakes ours/node:tls', hsOurs / hsNode, hsNodeEntry.name);

const tpNode = await throughput(node.send);
const tpOurs = await throughput(ours.send);
const tpNodeEntry = report.record('TLS 1.3 16 KiB records over loopback [node:tls]', tpNode, 'MB/s');
report.record('TLS 1.3 16 KiB records over loopback [ours]', tpOurs, 'MB/s');
report.ratio('TLS 1.3 16 KiB throughput ours/node:tls', tpOurs / tpNode, tpNodeEntry.name);

// The sans-I/O core alone: a full handshake between two in-memory connections.
await report.opsPerSecond('TLS 1.3 handshake in memory, both sides [ours]', () => {
  const s = new ServerConnection({ provider, certificateChain: chain, privateKey });
  const c = new ClientConnection({ provider, serverName: 'localhost', verifier });
  c.start();
  for (let moved = true; moved; ) {
    moved = false;
    for (const e of c.takeEvents()) if (e.type === 'transmit') (s.receive(e.data), (moved = true));
    for (const e of s.takeEvents()) if (e.type === 'transmit') (c.receive(e.data), (moved = true));
  }
  if (!c.isHandshakeComplete) throw new Error('handshake failed');
});

ourServer.close();
nodeServer.close();
report.finish();
