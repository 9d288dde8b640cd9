/**
 * Interop with GnuTLS 3.7 (`gnutls-serv`, `gnutls-cli`), both roles, TLS 1.3 and TLS 1.2. The
 * server is waited for by its "Echo Server listening" line, the client by its exit.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { x509Verifier } from '../src/certificates.js';
import { connect, createServer, type TlsSocket } from '../src/node/index.js';
import { CA_FILE, identity, testTrustStore } from '../src/test-support/pki.js';
import { freePort, startPeer } from '../src/test-support/peer.js';

const provider = nodeProvider;
const verifier = x509Verifier({ trustAnchors: testTrustStore(), provider });

describe('our client against gnutls-serv --echo', () => {
  it.each([
    ['server-ecdsa-p256', 'NORMAL:-VERS-ALL:+VERS-TLS1.3', 'TLSv1.3'],
    ['server-ed25519', 'NORMAL:-VERS-ALL:+VERS-TLS1.3', 'TLSv1.3'],
    ['server-rsa-2048', 'NORMAL:-VERS-ALL:+VERS-TLS1.3', 'TLSv1.3'],
    ['server-ecdsa-p256', 'NORMAL:-VERS-ALL:+VERS-TLS1.2', 'TLSv1.2'],
    ['server-rsa-2048', 'NORMAL:-VERS-ALL:+VERS-TLS1.2', 'TLSv1.2'],
  ])('%s with %s', async (cert, priority, protocol) => {
    const id = identity(cert);
    const port = await freePort();
    const serv = startPeer('gnutls-serv', ['--echo', '-p', String(port), '--x509certfile', id.certFile, '--x509keyfile', id.keyFile, '--priority', priority]);
    // "...done" follows once the socket listens.
    await serv.waitFor(/listening on IPv4[^\n]*done/);
    try {
      const sock = connect({ provider, host: '127.0.0.1', port, serverName: 'localhost', verifier });
      await once(sock, 'secureConnect');
      expect(sock.getProtocol()).toBe(protocol);
      let text = '';
      sock.on('data', (d: Buffer) => (text += d.toString()));
      sock.write('gnutls echo\n');
      while (!text.includes('\n')) await once(sock, 'data');
      expect(text).toBe('gnutls echo\n');
      sock.end();
      await once(sock, 'close');
    } finally {
      serv.stop();
      await serv.exited();
    }
  });
});

describe('gnutls-cli against our server', () => {
  it.each([
    ['server-ecdsa-p256', 'NORMAL:-VERS-ALL:+VERS-TLS1.3', 'TLS1.3'],
    ['server-rsa-2048', 'NORMAL:-VERS-ALL:+VERS-TLS1.3', 'TLS1.3'],
    ['server-ecdsa-p384', 'NORMAL:-VERS-ALL:+VERS-TLS1.2', 'TLS1.2'],
    ['server-rsa-2048', 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+CHACHA20-POLY1305', 'TLS1.2'],
  ])('%s with %s', async (cert, priority, version) => {
    const id = identity(cert);
    const server = createServer({ provider, certificateChain: id.chain, privateKey: id.key }, (s: TlsSocket) => {
      s.on('data', (d: Buffer) => {
        s.write(`got:${d.toString()}`);
        s.end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const cli = startPeer('gnutls-cli', ['127.0.0.1', '-p', String(port), '--x509cafile', CA_FILE, '--verify-hostname', 'localhost', '--priority', priority], 'ping\n');
    await cli.waitFor(/got:ping/);
    cli.process.stdin!.end();
    await cli.exited();
    expect(cli.output()).toMatch(new RegExp(`Description: \\(${version.replace('.', '\\.')}-X\\.509\\)`));
    expect(cli.output()).toMatch(/certificate is trusted/);
    server.close();
  });
});

describe('TLS 1.3 external PSK with GnuTLS', () => {
  const hex = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809';
  const key = Uint8Array.from(Buffer.from(hex, 'hex'));
  it('our client, gnutls-serv --pskpasswd', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const file = `${mkdtempSync('/tmp/layersec-gnutls-')}/psk.txt`;
    writeFileSync(file, `lab:${hex}\n`);
    const port = await freePort();
    const serv = startPeer('gnutls-serv', ['--echo', '-p', String(port), '--pskpasswd', file, '--priority', 'NORMAL:-VERS-ALL:+VERS-TLS1.3:+PSK:+ECDHE-PSK']);
    await serv.waitFor(/listening on IPv4[^\n]*done/);
    try {
      const sock = connect({ provider, host: '127.0.0.1', port, psk: { identity: new TextEncoder().encode('lab'), key }, versions: ['TLSv1.3'] });
      await once(sock, 'secureConnect');
      expect(sock.session?.resumed).toBe(true);
      let text = '';
      sock.on('data', (d: Buffer) => (text += d.toString()));
      sock.write('psk echo\n');
      while (!text.includes('\n')) await once(sock, 'data');
      expect(text).toBe('psk echo\n');
      sock.end();
      await once(sock, 'close');
    } finally {
      serv.stop();
      await serv.exited();
    }
  });

  it('gnutls-cli --pskusername, our server', async () => {
    let resumed: boolean | undefined;
    const server = createServer({ provider, versions: ['TLSv1.3'], pskLookup: (id) => (Buffer.from(id).toString() === 'lab' ? { key } : undefined) }, (s: TlsSocket) => {
      resumed = s.session?.resumed;
      s.on('data', (d: Buffer) => {
        s.write(`got:${d.toString()}`);
        s.end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const cli = startPeer('gnutls-cli', ['127.0.0.1', '-p', String(port), '--pskusername', 'lab', '--pskkey', hex, '--priority', 'NORMAL:-VERS-ALL:+VERS-TLS1.3:+PSK:+ECDHE-PSK'], 'ping\n');
    await cli.waitFor(/got:ping/);
    cli.process.stdin!.end();
    await cli.exited();
    expect(resumed).toBe(true);
    expect(cli.output()).toMatch(/Description: \(TLS1\.3-/);
    server.close();
  });
});
