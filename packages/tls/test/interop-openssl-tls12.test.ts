/**
 * TLS 1.2 interop with OpenSSL 3.0, both roles: ECDHE_ECDSA and ECDHE_RSA with AES-GCM and
 * ChaCha20-Poly1305, extended master secret, client certificates; the CLIENT_RANDOM keylog line
 * equals the one s_client writes with -keylogfile.
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { x509Verifier } from '../src/certificates.js';
import { connect, createServer, type TlsSocket } from '../src/node/index.js';
import { CA_FILE, identity, testTrustStore } from '../src/test-support/pki.js';
import { freePort, startPeer } from '../src/test-support/peer.js';
import type { SessionTicket } from '../src/connection.js';

const provider = nodeProvider;
const verifier = x509Verifier({ trustAnchors: testTrustStore(), provider });

describe('our TLS 1.2 client against openssl s_server', () => {
  it.each([
    ['server-ecdsa-p256', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
    ['server-ecdsa-p384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
    ['server-rsa-2048', 'ECDHE-RSA-AES256-GCM-SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
    ['server-rsa-2048', 'ECDHE-RSA-CHACHA20-POLY1305', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
  ])('%s, %s', async (cert, opensslSuite, iana) => {
    const id = identity(cert);
    const port = await freePort();
    const peer = startPeer('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-tls1_2', '-cipher', opensslSuite, '-cert', id.certFile, '-key', id.keyFile, '-rev', '-naccept', '1']);
    await peer.waitFor(/ACCEPT/);
    const sock = connect({ provider, host: '127.0.0.1', port, serverName: 'localhost', verifier, versions: ['TLSv1.2'] });
    await once(sock, 'secureConnect');
    expect(sock.getProtocol()).toBe('TLSv1.2');
    expect(sock.getCipher()?.name).toBe(iana);
    let text = '';
    sock.on('data', (d: Buffer) => (text += d.toString()));
    sock.write('hello\n');
    while (!text.includes('\n')) await once(sock, 'data');
    expect(text).toBe('olleh\n');
    sock.end();
    expect(await peer.exited()).toBe(0);
    expect(peer.output()).toMatch(/Protocol version: TLSv1.2/);
  });

  it('sends a client certificate when asked', async () => {
    const id = identity('server-ecdsa-p256');
    const cid = identity('client-ecdsa-p256');
    const port = await freePort();
    const peer = startPeer('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-tls1_2', '-cert', id.certFile, '-key', id.keyFile, '-rev', '-naccept', '1', '-Verify', '1', '-CAfile', CA_FILE, '-verify_return_error']);
    await peer.waitFor(/ACCEPT/);
    const sock = connect({ provider, host: '127.0.0.1', port, serverName: 'localhost', verifier, versions: ['TLSv1.2'], certificateChain: cid.chain, privateKey: cid.key });
    await once(sock, 'secureConnect');
    let text = '';
    sock.on('data', (d: Buffer) => (text += d.toString()));
    sock.write('abc\n');
    while (!text.includes('\n')) await once(sock, 'data');
    expect(text).toBe('cba\n');
    sock.end();
    expect(await peer.exited()).toBe(0);
  });
});

describe('openssl s_client (TLS 1.2) against our server', () => {
  it.each([
    ['server-ecdsa-p256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
    ['server-ecdsa-p256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
    ['server-rsa-2048', 'ECDHE-RSA-AES128-GCM-SHA256'],
    ['server-rsa-2048', 'ECDHE-RSA-AES256-GCM-SHA384'],
  ])('%s, %s, with the same CLIENT_RANDOM keylog line', async (cert, opensslSuite) => {
    const id = identity(cert);
    const lines: string[] = [];
    const server = createServer({ provider, certificateChain: id.chain, privateKey: id.key }, (sock: TlsSocket) => {
      sock.on('data', (d: Buffer) => {
        sock.write(d.toString().toUpperCase());
        sock.end();
      });
    });
    server.on('keylog', (l: Buffer) => lines.push(l.toString().trim()));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const dir = mkdtempSync('/tmp/layersec-tls12-');
    const keylog = join(dir, 'keys.log');
    const client = startPeer(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2', '-cipher', opensslSuite, '-CAfile', CA_FILE, '-verify_return_error', '-servername', 'localhost', '-keylogfile', keylog, '-ign_eof'],
      'hello\n',
    );
    expect(await client.exited()).toBe(0);
    expect(client.output()).toMatch(new RegExp(`New, TLSv1.2, Cipher is ${opensslSuite}`));
    expect(client.output()).toMatch(/Extended master secret: yes/);
    expect(client.output()).toMatch(/Secure Renegotiation IS supported/);
    expect(client.output()).toMatch(/HELLO/);
    const theirs = readFileSync(keylog, 'utf8').split('\n').filter((l) => l.startsWith('CLIENT_RANDOM'));
    expect(theirs).toHaveLength(1);
    expect(lines).toEqual([theirs[0]]);
    server.close();
  });
});

describe('TLS 1.2 PSK with openssl, both roles', () => {
  const psk = '0f0e0d0c0b0a09080706050403020100';
  const key = Uint8Array.from(Buffer.from(psk, 'hex'));
  it.each([['PSK-AES128-GCM-SHA256'], ['PSK-AES256-GCM-SHA384'], ['ECDHE-PSK-CHACHA20-POLY1305']])('our client, s_server -cipher %s', async (cipher) => {
    const port = await freePort();
    const peer = startPeer('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-tls1_2', '-nocert', '-psk', psk, '-psk_hint', 'lab-hint', '-cipher', cipher, '-rev', '-naccept', '1']);
    await peer.waitFor(/ACCEPT/);
    const sock = connect({ provider, host: '127.0.0.1', port, versions: ['TLSv1.2'], psk: { identity: new TextEncoder().encode('Client_identity'), key } });
    await once(sock, 'secureConnect');
    let text = '';
    sock.on('data', (d: Buffer) => (text += d.toString()));
    sock.write('psk\n');
    while (!text.includes('\n')) await once(sock, 'data');
    expect(text).toBe('ksp\n');
    sock.end();
    expect(await peer.exited()).toBe(0);
  });

  it.each([['PSK-AES128-GCM-SHA256'], ['ECDHE-PSK-CHACHA20-POLY1305']])('s_client -cipher %s, our server', async (cipher) => {
    const server = createServer({ provider, versions: ['TLSv1.2'], pskLookup: (id) => (Buffer.from(id).toString() === 'lab' ? { key } : undefined) }, (sock: TlsSocket) => {
      sock.on('data', (d: Buffer) => {
        sock.write(d.toString().toUpperCase());
        sock.end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const client = startPeer('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2', '-psk', psk, '-psk_identity', 'lab', '-cipher', cipher, '-ign_eof'], 'hello\n');
    expect(await client.exited()).toBe(0);
    expect(client.output()).toMatch(new RegExp(`Cipher is ${cipher}`));
    expect(client.output()).toMatch(/HELLO/);
    server.close();
  });
});

describe('TLS 1.2 session tickets (RFC 5077) with openssl, both roles', () => {
  it('our client resumes with the ticket s_server issued', async () => {
    const id = identity('server-ecdsa-p256');
    const port = await freePort();
    const peer = startPeer('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-tls1_2', '-cert', id.certFile, '-key', id.keyFile, '-rev', '-naccept', '2']);
    await peer.waitFor(/ACCEPT/);
    const run = async (resumptionTicket?: SessionTicket) => {
      const sock = connect({ provider, host: '127.0.0.1', port, serverName: 'localhost', verifier, versions: ['TLSv1.2'], resumptionTicket });
      const tickets: SessionTicket[] = [];
      sock.on('session', (t: SessionTicket) => tickets.push(t));
      await once(sock, 'secureConnect');
      let text = '';
      sock.on('data', (d: Buffer) => (text += d.toString()));
      sock.write('abc\n');
      while (!text.includes('\n')) await once(sock, 'data');
      expect(text).toBe('cba\n');
      const resumed = sock.session?.resumed;
      sock.end();
      await once(sock, 'close');
      return { tickets, resumed };
    };
    const first = await run();
    expect(first.resumed).toBe(false);
    expect(first.tickets).toHaveLength(1);
    const second = await run(first.tickets[0]);
    expect(second.resumed).toBe(true);
    expect(await peer.exited()).toBe(0);
  });

  it('s_client resumes a TLS 1.2 session from our ticket', async () => {
    const id = identity('server-rsa-2048');
    const server = createServer({ provider, certificateChain: id.chain, privateKey: id.key, versions: ['TLSv1.2'], ticketKey: new Uint8Array(32).fill(4) }, (sock: TlsSocket) => {
      sock.on('data', (d: Buffer) => {
        sock.write(d.toString().toUpperCase());
        sock.end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const sess = join(mkdtempSync('/tmp/layersec-tls12-sess-'), 'sess.pem');
    const base = ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2', '-CAfile', CA_FILE, '-servername', 'localhost', '-ign_eof'];
    const first = startPeer('openssl', [...base, '-sess_out', sess], 'one\n');
    expect(await first.exited()).toBe(0);
    expect(first.output()).toMatch(/^New, TLSv1.2/m);
    expect(first.output()).toMatch(/TLS session ticket lifetime hint: 7200/);
    const second = startPeer('openssl', [...base, '-sess_in', sess], 'two\n');
    expect(await second.exited()).toBe(0);
    expect(second.output()).toMatch(/^Reused, TLSv1.2/m);
    expect(second.output()).toMatch(/TWO/);
    server.close();
  });
});

describe('TLS 1.2 resumption by session ID with openssl, both roles', () => {
  it('our client resumes an s_server session by ID (-no_ticket)', async () => {
    const id = identity('server-ecdsa-p256');
    const port = await freePort();
    const peer = startPeer('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-tls1_2', '-no_ticket', '-cert', id.certFile, '-key', id.keyFile, '-rev', '-naccept', '2']);
    await peer.waitFor(/ACCEPT/);
    const run = async (resumptionTicket?: SessionTicket) => {
      const sock = connect({ provider, host: '127.0.0.1', port, serverName: 'localhost', verifier, versions: ['TLSv1.2'], resumptionTicket });
      const sessions: SessionTicket[] = [];
      sock.on('session', (t: SessionTicket) => sessions.push(t));
      await once(sock, 'secureConnect');
      let text = '';
      sock.on('data', (d: Buffer) => (text += d.toString()));
      sock.write('xyz\n');
      while (!text.includes('\n')) await once(sock, 'data');
      const resumed = sock.session?.resumed;
      sock.end();
      await once(sock, 'close');
      return { sessions, resumed, text };
    };
    const first = await run();
    expect(first.sessions[0]?.tls12?.sessionId?.length).toBe(32);
    const second = await run(first.sessions[0]);
    expect(second.resumed).toBe(true);
    expect(second.text).toBe('zyx\n');
    expect(await peer.exited()).toBe(0);
  });

  it('s_client -no_ticket resumes by the session ID our server assigned', async () => {
    const id = identity('server-ecdsa-p256');
    const server = createServer({ provider, certificateChain: id.chain, privateKey: id.key, versions: ['TLSv1.2'], sessionCache: new Map() }, (sock: TlsSocket) => {
      sock.on('data', (d: Buffer) => {
        sock.write(d.toString().toUpperCase());
        sock.end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const sess = join(mkdtempSync('/tmp/layersec-tls12-id-'), 'sess.pem');
    const base = ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2', '-no_ticket', '-CAfile', CA_FILE, '-servername', 'localhost', '-ign_eof'];
    const first = startPeer('openssl', [...base, '-sess_out', sess], 'one\n');
    expect(await first.exited()).toBe(0);
    const second = startPeer('openssl', [...base, '-sess_in', sess], 'two\n');
    expect(await second.exited()).toBe(0);
    expect(second.output()).toMatch(/^Reused, TLSv1.2/m);
    expect(second.output()).toMatch(/TWO/);
    server.close();
  });
});
