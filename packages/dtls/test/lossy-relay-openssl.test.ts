/**
 * The handshake through a lossy UDP relay against OpenSSL: a relay on loopback drops a seeded
 * 25 % of the datagrams in each direction between our client and `openssl s_server -dtls1_2`; both
 * sides' retransmissions (RFC 6347 §4.2.4) must still complete the handshake and carry data.
 */
import * as dgram from 'node:dgram';
import { seededRandom } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { opensslServer } from '@layersec/testbed';
import { x509Verifier } from '@layersec/tls';
import { connect, type DtlsSessionInfo } from '../src/index.js';
import { identity, testTrustStore } from '../src/test-support/pki.js';

interface Relay {
  port: number;
  dropped: number;
  forwarded: number;
  close(): void;
}

/** Forwards client ↔ server datagrams on loopback, dropping each with probability `loss`. */
async function lossyRelay(serverPort: number, loss: number, seed: string): Promise<Relay> {
  const rng = seededRandom(seed);
  const drop = () => rng.randomBytes(1)[0] < loss * 256;
  const front = dgram.createSocket('udp4');
  const back = dgram.createSocket('udp4');
  const r: Relay = { port: 0, dropped: 0, forwarded: 0, close: () => (front.close(), back.close()) };
  let client: dgram.RemoteInfo | undefined;
  front.on('message', (m, rinfo) => {
    client = rinfo;
    if (drop()) r.dropped++;
    else (r.forwarded++, back.send(m, serverPort, '127.0.0.1'));
  });
  back.on('message', (m) => {
    if (!client) return;
    if (drop()) r.dropped++;
    else (r.forwarded++, front.send(m, client.port, client.address));
  });
  await new Promise<void>((resolve) => back.bind(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve));
  r.port = front.address().port;
  return r;
}

describe('through a lossy UDP relay against openssl s_server', () => {
  it.each(['relay-1', 'relay-2', 'relay-3'])('completes the handshake and echoes data (seed %s)', async (seed) => {
    const id = identity('server-ecdsa-p256');
    const server = await opensslServer({ tls: 'dtls1.2', cert: id.certFile, key: id.keyFile });
    const relay = await lossyRelay(server.port, 0.25, seed);
    try {
      const sock = connect({
        host: '127.0.0.1',
        port: relay.port,
        provider: nodeProvider,
        serverName: 'localhost',
        verifier: x509Verifier({ trustAnchors: testTrustStore(), provider: nodeProvider }),
        retransmit: { initialTimeoutMs: 200, maxRetransmissions: 20 },
      });
      const session = await new Promise<DtlsSessionInfo>((resolve, reject) => {
        sock.once('secureConnect', resolve);
        sock.once('error', reject);
      });
      // Application data is not retransmitted by DTLS: send until one copy gets through.
      for (let i = 0; i < 20 && !/over the lossy relay/.test(server.output()); i++) {
        sock.send('over the lossy relay\n');
        await server.waitForOutput(/^over the lossy relay$/, { timeoutMs: 300 }).catch(() => undefined);
      }
      expect(server.output()).toMatch(/^over the lossy relay$/m);
      console.log(`${seed}: ${relay.dropped} of ${relay.dropped + relay.forwarded} datagrams dropped; our retransmissions ${session.retransmissions}`);
      sock.close();
    } finally {
      relay.close();
      await server.dispose();
    }
  }, 60_000);
});
