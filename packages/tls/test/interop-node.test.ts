/**
 * Interop with node:tls (OpenSSL inside Node), both roles, through our node:net adapter: the
 * handshake, getters, ALPN, and 1 MiB each way.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as nodeTls from 'node:tls';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { x509Verifier } from '../src/certificates.js';
import { connect, createServer, type TlsSocket } from '../src/node/index.js';
import { CA_FILE, identity, testTrustStore } from '../src/test-support/pki.js';

const provider = nodeProvider;
const MIB = 1 << 20;
const pattern = (n: number) => Buffer.from(Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff));

async function readAll(sock: NodeJS.ReadableStream, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  for await (const chunk of sock as AsyncIterable<Buffer>) {
    parts.push(chunk);
    got += chunk.length;
    if (got >= n) break;
  }
  return Buffer.concat(parts);
}

describe('node:tls interop', () => {
  it('our client ↔ node:tls server: 1 MiB each way, ALPN, getters', async () => {
    const id = identity('server-ecdsa-p256');
    const server = nodeTls.createServer(
      { cert: readFileSync(id.certFile), key: readFileSync(id.keyFile), minVersion: 'TLSv1.3', ALPNProtocols: ['h2', 'lab/1'] },
      (s) => {
        let got = 0;
        s.on('data', (d: Buffer) => {
          got += d.length;
          if (got === MIB) s.end(pattern(MIB));
        });
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const sock = connect({
      provider,
      host: '127.0.0.1',
      port,
      serverName: 'localhost',
      alpnProtocols: ['lab/1'],
      verifier: x509Verifier({ trustAnchors: testTrustStore(), provider }),
    });
    await once(sock, 'secureConnect');
    expect(sock.getProtocol()).toBe('TLSv1.3');
    expect(sock.alpnProtocol).toBe('lab/1');
    expect(sock.getPeerCertificateChain()).toHaveLength(1);
    sock.write(pattern(MIB));
    const back = await readAll(sock, MIB);
    expect(back.equals(pattern(MIB))).toBe(true);
    sock.end();
    server.close();
  });

  it('node:tls client ↔ our server: 1 MiB each way, ALPN, SNI, verification', async () => {
    const id = identity('server-rsa-2048');
    let serverSide: TlsSocket | undefined;
    const server = createServer({ provider, certificateChain: id.chain, privateKey: id.key, alpnProtocols: ['lab/1'] }, (s) => {
      serverSide = s;
      let got = 0;
      s.on('data', (d: Buffer) => {
        got += d.length;
        if (got === MIB) s.end(pattern(MIB));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const client = nodeTls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(CA_FILE), ALPNProtocols: ['lab/1'] });
    await once(client, 'secureConnect');
    expect(client.authorized).toBe(true);
    expect(client.getProtocol()).toBe('TLSv1.3');
    expect(client.alpnProtocol).toBe('lab/1');
    client.write(pattern(MIB));
    const back = await readAll(client, MIB);
    expect(back.equals(pattern(MIB))).toBe(true);
    expect(serverSide?.servername).toBe('localhost');
    client.end();
    server.close();
  });

  it('node:tls client sees our server refuse a bad client certificate requirement as certificate_required', async () => {
    const id = identity('server-ecdsa-p256');
    const server = createServer({
      provider,
      certificateChain: id.chain,
      privateKey: id.key,
      clientAuthentication: 'require',
      verifier: x509Verifier({ trustAnchors: testTrustStore(), provider }),
    });
    const errors: Error[] = [];
    server.on('tlsClientError', (e: Error) => errors.push(e));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const client = nodeTls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(CA_FILE) });
    client.on('data', () => undefined);
    const [err] = await once(client, 'error');
    expect(String((err as Error).message)).toMatch(/certificate required|CERTIFICATE_REQUIRED/i);
    expect(errors[0]?.message).toMatch(/certificate_required/);
    server.close();
  });

  it('connect() takes `ca` like node:tls, checks an IP address against the SAN, and trusts the system bundle by default', async () => {
    const id = identity('server-ecdsa-p256');
    const server = nodeTls.createServer({ cert: readFileSync(id.certFile), key: readFileSync(id.keyFile) }, (s) => s.end('ok'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const withCa = connect({ provider, host: '127.0.0.1', port, ca: readFileSync(CA_FILE, 'utf8') });
    await once(withCa, 'secureConnect');
    expect(withCa.getPeerCertificateChain()).toHaveLength(1);
    withCa.destroy();
    const systemOnly = connect({ provider, host: '127.0.0.1', port });
    const [err] = await once(systemOnly, 'error');
    expect((err as Error).message).toMatch(/unknown_ca/);
    server.close();
  });
});
