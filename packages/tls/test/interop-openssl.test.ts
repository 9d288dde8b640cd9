/**
 * Interop with OpenSSL 3.0 (`openssl s_server` / `s_client`), both roles, TLS 1.3: every
 * certificate type, group and suite, HelloRetryRequest, client authentication, external PSK,
 * resumption and KeyUpdate. Peers are waited for by their output, never by sleeping.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { connect, createServer, type TlsSocket } from '../src/node/index.js';
import { x509Verifier } from '../src/certificates.js';
import { CipherSuite, NamedGroup } from '../src/constants.js';
import type { SessionTicket } from '../src/connection.js';
import type { SessionInfo } from '../src/config.js';
import { CA_FILE, identity, testTrustStore } from '../src/test-support/pki.js';
import { freePort, startPeer } from '../src/test-support/peer.js';

const provider = nodeProvider;
const trust = testTrustStore();
const verifier = x509Verifier({ trustAnchors: trust, provider });

async function sServer(args: string[]) {
  const port = await freePort();
  const peer = startPeer('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-tls1_3', ...args]);
  await peer.waitFor(/ACCEPT/);
  return { port, peer };
}

/** Connects our client, sends `hello` to an s_server -rev and reads back `olleh`. */
async function revRoundTrip(port: number, extra: Parameters<typeof connect>[0] = { provider }) {
  const sock = connect({ host: '127.0.0.1', port, serverName: 'localhost', verifier, ...extra });
  const tickets: SessionTicket[] = [];
  sock.on('session', (t: SessionTicket) => tickets.push(t));
  await once(sock, 'secureConnect');
  let text = '';
  sock.on('data', (d: Buffer) => (text += d.toString()));
  sock.write('hello\n');
  while (!text.includes('\n')) await once(sock, 'data');
  return { sock, text, tickets };
}

describe('our client against openssl s_server', () => {
  it.each([
    ['server-ecdsa-p256', 'X25519', 'TLS_AES_128_GCM_SHA256', NamedGroup.x25519],
    ['server-rsa-2048', 'P-256', 'TLS_AES_256_GCM_SHA384', NamedGroup.secp256r1],
    ['server-ed25519', 'P-384', 'TLS_CHACHA20_POLY1305_SHA256', NamedGroup.secp384r1],
    ['server-ecdsa-p384', 'X25519', 'TLS_AES_128_GCM_SHA256', NamedGroup.x25519],
  ])('%s, group %s, %s', async (cert, groups, suite, group) => {
    const id = identity(cert);
    const { port, peer } = await sServer(['-cert', id.certFile, '-key', id.keyFile, '-rev', '-naccept', '1', '-groups', groups, '-ciphersuites', suite]);
    const { sock, text } = await revRoundTrip(port, { provider, supportedGroups: [group], keyShareGroups: [group] });
    expect(text).toBe('olleh\n');
    expect(sock.getProtocol()).toBe('TLSv1.3');
    expect(sock.getCipher()?.name).toBe(suite);
    expect(sock.getGroup()).toBe(group === NamedGroup.x25519 ? 'x25519' : group === NamedGroup.secp256r1 ? 'secp256r1' : 'secp384r1');
    sock.end();
    expect(await peer.exited()).toBe(0);
  });

  it('answers a HelloRetryRequest (server wants P-384, we sent an X25519 share)', async () => {
    const id = identity('server-ecdsa-p256');
    const { port, peer } = await sServer(['-cert', id.certFile, '-key', id.keyFile, '-rev', '-naccept', '1', '-groups', 'P-384']);
    const { sock, text } = await revRoundTrip(port, { provider, keyShareGroups: [NamedGroup.x25519] });
    expect(text).toBe('olleh\n');
    expect(sock.session?.helloRetryRequest).toBe(true);
    expect(sock.getGroup()).toBe('secp384r1');
    sock.end();
    await peer.exited();
  });

  it('authenticates with a client certificate when the server requires one', async () => {
    const id = identity('server-ecdsa-p256');
    const cid = identity('client-ecdsa-p256');
    const { port, peer } = await sServer(['-cert', id.certFile, '-key', id.keyFile, '-rev', '-naccept', '1', '-Verify', '1', '-CAfile', CA_FILE, '-verify_return_error']);
    const { sock, text } = await revRoundTrip(port, { provider, certificateChain: cid.chain, privateKey: cid.key });
    expect(text).toBe('olleh\n');
    sock.end();
    expect(await peer.exited()).toBe(0);
    expect(peer.output()).toMatch(/client-ecdsa-p256/);
  });

  it('uses an external PSK', async () => {
    const psk = '0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20';
    const { port, peer } = await sServer(['-nocert', '-psk', psk, '-psk_identity', 'labclient', '-ciphersuites', 'TLS_AES_128_GCM_SHA256', '-rev', '-naccept', '1']);
    const key = Uint8Array.from(Buffer.from(psk, 'hex'));
    const { sock, text } = await revRoundTrip(port, { provider, psk: { identity: new TextEncoder().encode('labclient'), key } });
    expect(text).toBe('olleh\n');
    expect(sock.session?.resumed).toBe(true);
    sock.end();
    await peer.exited();
  });

  it('resumes with the ticket from the first connection', async () => {
    const id = identity('server-ecdsa-p256');
    const { port, peer } = await sServer(['-cert', id.certFile, '-key', id.keyFile, '-rev', '-naccept', '2']);
    const first = await revRoundTrip(port);
    // OpenSSL sends its tickets right after the handshake, before it echoes.
    expect(first.tickets.length).toBeGreaterThan(0);
    first.sock.end();
    const second = await revRoundTrip(port, { provider, resumptionTicket: first.tickets[0] });
    expect(second.text).toBe('olleh\n');
    expect(second.sock.session?.resumed).toBe(true);
    second.sock.end();
    expect(await peer.exited()).toBe(0);
  });

  it('updates keys both ways (KeyUpdate, update_requested)', async () => {
    const id = identity('server-ecdsa-p256');
    const { port, peer } = await sServer(['-cert', id.certFile, '-key', id.keyFile, '-rev', '-naccept', '1', '-msg']);
    const { sock } = await revRoundTrip(port);
    (sock.connection as import('../src/client/client-connection.js').ClientConnection).keyUpdate(true);
    sock.pump();
    let text = '';
    sock.on('data', (d: Buffer) => (text += d.toString()));
    sock.write('updated\n');
    while (!text.includes('detadpu')) await once(sock, 'data');
    sock.end();
    expect(await peer.exited()).toBe(0);
    // s_server -msg logs the KeyUpdate it received and the one it sent in answer.
    expect(peer.output().match(/KeyUpdate/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses the server when its certificate is not for the name asked (bad_certificate)', async () => {
    const id = identity('server-ecdsa-p256');
    const { port, peer } = await sServer(['-cert', id.certFile, '-key', id.keyFile, '-rev', '-naccept', '1']);
    const sock = connect({ provider, host: '127.0.0.1', port, serverName: 'wrong.example', verifier });
    const [err] = await once(sock, 'error');
    expect((err as Error).message).toMatch(/bad_certificate/);
    await peer.exited();
    expect(peer.output()).toMatch(/bad certificate/);
  });
});

async function ourServer(options: Partial<Parameters<typeof createServer>[0]> = {}, cert = 'server-ecdsa-p256') {
  const id = identity(cert);
  const sessions: SessionInfo[] = [];
  const server = createServer({ provider, certificateChain: id.chain, privateKey: id.key, ...options }, (sock: TlsSocket) => {
    if (sock.session) sessions.push(sock.session);
    sock.on('data', (d: Buffer) => {
      sock.write(d.toString().toUpperCase());
      sock.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, sessions, port: (server.address() as AddressInfo).port };
}

describe('openssl s_client against our server', () => {
  it.each([
    ['server-ecdsa-p256', 'X25519', 'TLS_AES_128_GCM_SHA256'],
    ['server-rsa-2048', 'P-384', 'TLS_AES_256_GCM_SHA384'],
    ['server-ed25519', 'P-256', 'TLS_CHACHA20_POLY1305_SHA256'],
  ])('%s, group %s, %s', async (cert, groups, suite) => {
    const { server, port } = await ourServer({}, cert);
    const client = startPeer(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-CAfile', CA_FILE, '-verify_return_error', '-servername', 'localhost', '-verify_hostname', 'localhost', '-groups', groups, '-ciphersuites', suite, '-ign_eof'],
      'hello\n',
    );
    expect(await client.exited()).toBe(0);
    expect(client.output()).toMatch(new RegExp(`New, TLSv1.3, Cipher is ${suite}`));
    expect(client.output()).toMatch(/Verify return code: 0 \(ok\)/);
    expect(client.output()).toMatch(/HELLO/);
    server.close();
  });

  it('sends a HelloRetryRequest when the client offers no share we take', async () => {
    const { server, port, sessions } = await ourServer({ supportedGroups: [NamedGroup.secp384r1] });
    const client = startPeer(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-CAfile', CA_FILE, '-servername', 'localhost', '-groups', 'X25519:P-384', '-ign_eof'],
      'hello\n',
    );
    expect(await client.exited()).toBe(0);
    expect(client.output()).toMatch(/HELLO/);
    expect(sessions[0].helloRetryRequest).toBe(true);
    expect(sessions[0].groupName).toBe('secp384r1');
    server.close();
  });

  it('requires and checks a client certificate', async () => {
    const cid = identity('client-ecdsa-p256');
    const { server, port } = await ourServer({ clientAuthentication: 'require', verifier });
    const client = startPeer(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-CAfile', CA_FILE, '-servername', 'localhost', '-cert', cid.certFile, '-key', cid.keyFile, '-ign_eof'],
      'hello\n',
    );
    expect(await client.exited()).toBe(0);
    expect(client.output()).toMatch(/HELLO/);
    server.close();
  });

  it('refuses a client without a certificate when one is required (certificate_required)', async () => {
    const { server, port } = await ourServer({ clientAuthentication: 'require', verifier });
    const client = startPeer('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-CAfile', CA_FILE, '-servername', 'localhost', '-ign_eof'], 'hello\n');
    await client.exited();
    expect(client.output()).toMatch(/certificate required/);
    server.close();
  });

  it('accepts an external PSK', async () => {
    const psk = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
    const key = Uint8Array.from(Buffer.from(psk, 'hex'));
    const { server, port } = await ourServer({ pskLookup: (id) => (Buffer.from(id).toString() === 'lab' ? { key } : undefined) });
    const client = startPeer(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-psk', psk, '-psk_identity', 'lab', '-ciphersuites', 'TLS_AES_128_GCM_SHA256', '-ign_eof'],
      'hello\n',
    );
    expect(await client.exited()).toBe(0);
    expect(client.output()).toMatch(/HELLO/);
    server.close();
  });

  it('resumes an s_client session from its ticket', async () => {
    const { server, port } = await ourServer({ ticketKey: new Uint8Array(32).fill(3) });
    const dir = await import('node:fs/promises').then((fs) => fs.mkdtemp('/tmp/layersec-tls-'));
    const sess = `${dir}/sess.pem`;
    const base = ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-CAfile', CA_FILE, '-servername', 'localhost', '-ign_eof'];
    const first = startPeer('openssl', [...base, '-sess_out', sess], 'hello\n');
    expect(await first.exited()).toBe(0);
    const second = startPeer('openssl', [...base, '-sess_in', sess], 'hello\n');
    expect(await second.exited()).toBe(0);
    expect(second.output()).toMatch(/^Reused, TLSv1.3/m);
    expect(second.output()).toMatch(/HELLO/);
    server.close();
  });
});
