/**
 * DTLS 1.2 against OpenSSL 3.0 (`openssl s_server -dtls1_2` / `s_client -dtls1_2`) on loopback:
 * certificates (ECDSA, RSA; AES-GCM, ChaCha20-Poly1305) and PSK, both roles; OpenSSL's server
 * always sends a HelloVerifyRequest and fragments its certificate into small handshake fragments;
 * our side with a PMTU small enough that its certificate is fragmented. What the peer printed is
 * the known answer.
 */
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { opensslServer, startOpensslClient, type Peer } from '@layersec/testbed';
import { x509Verifier } from '@layersec/tls';
import { utf8 } from '@layersec/wire';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type DtlsResumableSession, type DtlsSessionInfo, type DtlsSocket } from '../src/index.js';
import { CA_FILE, identity, testTrustStore } from '../src/test-support/pki.js';

const provider = nodeProvider;
const PSK_HEX = '0102030405060708090a0b0c0d0e0f10';

function once<T>(sock: DtlsSocket, event: string): Promise<T> {
  return new Promise((resolve, reject) => {
    sock.once(event, (v: T) => resolve(v));
    sock.once('error', reject);
  });
}

describe('our DTLS client against openssl s_server -dtls1_2', () => {
  it.each([
    ['server-ecdsa-p256', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', undefined],
    ['server-ecdsa-p256', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', undefined],
    ['server-rsa-2048', 'ECDHE-RSA-AES256-GCM-SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', undefined],
    // Our PMTU forced down: our ClientKeyExchange flight fits; openssl's 2048-bit RSA certificate arrives in pieces.
    ['server-rsa-2048', 'ECDHE-RSA-AES128-GCM-SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 300],
  ])('%s with %s (%s, our mtu %s)', async (cert, cipher, ianaName, mtu) => {
    const id = identity(cert);
    const server = await opensslServer({ tls: 'dtls1.2', cert: id.certFile, key: id.keyFile, ciphers: cipher });
    try {
      const sock = connect({ host: '127.0.0.1', port: server.port, provider, serverName: 'localhost', verifier: x509Verifier({ trustAnchors: testTrustStore(), provider }), mtu });
      const session = await once<DtlsSessionInfo>(sock, 'secureConnect');
      expect(session.cipherSuiteName).toBe(ianaName);
      expect(session.extendedMasterSecret).toBe(true);
      sock.send('hello from layersec\n');
      await server.waitForOutput(/^hello from layersec$/);
      const reply = once<Uint8Array>(sock, 'message');
      await server.write('hello from openssl\n');
      expect(new TextDecoder().decode(await reply)).toBe('hello from openssl\n');
      const closed = once(sock, 'close');
      sock.close();
      await closed;
    } finally {
      await server.dispose();
    }
  });

  it.each([
    ['PSK-AES128-GCM-SHA256', 'TLS_PSK_WITH_AES_128_GCM_SHA256'],
    ['ECDHE-PSK-CHACHA20-POLY1305', 'TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256'],
  ])('%s with an identity hint', async (cipher, ianaName) => {
    const server = await opensslServer({ tls: 'dtls1.2', psk: PSK_HEX, pskHint: 'hint', ciphers: cipher });
    try {
      const sock = connect({ host: '127.0.0.1', port: server.port, provider, psk: { identity: utf8('client1'), key: new Uint8Array(Buffer.from(PSK_HEX, 'hex')) } });
      const session = await once<DtlsSessionInfo>(sock, 'secureConnect');
      expect(session.cipherSuiteName).toBe(ianaName);
      sock.send('psk hello\n');
      await server.waitForOutput(/^psk hello$/);
      sock.close();
    } finally {
      await server.dispose();
    }
  });
});

describe('openssl fragments, our reassembly', () => {
  it('s_server with -mtu 256 sends its RSA certificate in small fragments; we reassemble them', async () => {
    const id = identity('server-rsa-2048');
    const server = await opensslServer({ tls: 'dtls1.2', cert: id.certFile, key: id.keyFile, mtu: 256, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
    try {
      const sock = connect({ host: '127.0.0.1', port: server.port, provider, serverName: 'localhost', verifier: x509Verifier({ trustAnchors: testTrustStore(), provider }) });
      const session = await once<DtlsSessionInfo>(sock, 'secureConnect');
      expect(session.peerCertificates[0]).toEqual(id.chain[0]);
      // The ~900-byte certificate cannot travel in one fragment under a 256-byte MTU.
      expect(sock.connection.partialFragmentsReceived).toBeGreaterThanOrEqual(4);
      sock.close();
    } finally {
      await server.dispose();
    }
  });
});

describe('openssl s_client -dtls1_2 against our DTLS server', () => {
  async function run(config: Omit<Parameters<typeof createServer>[0], 'provider'>, clientArgs: Parameters<typeof startOpensslClient>[0] extends infer O ? Partial<O> : never, expectCipher: string) {
    const server = createServer({ provider, ...config });
    const port = await server.listen(0);
    const echoed: string[] = [];
    server.on('secureConnection', (sock: DtlsSocket) => {
      sock.on('message', (m: Uint8Array) => {
        echoed.push(new TextDecoder().decode(m));
        sock.send(m);
      });
    });
    let client: Peer | undefined;
    try {
      client = startOpensslClient({ ...clientArgs, tls: 'dtls1.2', port });
      await client.waitForOutput(/Cipher is/, { timeoutMs: 15_000 });
      expect(client.stdout()).toMatch(new RegExp(`Cipher is ${expectCipher}`));
      await client.write('echo me\n');
      await client.waitForOutput(/^echo me$/, { stream: 'stdout' });
      expect(echoed).toEqual(['echo me\n']);
    } finally {
      await client?.dispose();
      server.close();
    }
  }

  it.each([
    ['server-ecdsa-p256', 'ECDHE-ECDSA-AES256-GCM-SHA384', undefined],
    ['server-ecdsa-p256', 'ECDHE-ECDSA-CHACHA20-POLY1305', undefined],
    // Our server's PMTU forced to 256 bytes: its certificate flight is fragmented.
    ['server-rsa-2048', 'ECDHE-RSA-AES128-GCM-SHA256', 256],
  ])('%s with %s (our mtu %s), cookie exchange on', async (cert, cipher, mtu) => {
    const id = identity(cert);
    await run({ certificateChain: id.chain, privateKey: id.key, mtu }, { caFile: CA_FILE, ciphers: cipher, verifyHostname: 'localhost' }, cipher);
  });

  it('PSK-AES128-GCM-SHA256', async () => {
    const key = Buffer.from(PSK_HEX, 'hex');
    await run(
      { psk: { hint: utf8('hint'), lookup: (idn) => (Buffer.from(idn).toString() === 'client1' ? new Uint8Array(key) : undefined) } },
      { psk: PSK_HEX, pskIdentity: 'client1', ciphers: 'PSK-AES128-GCM-SHA256' },
      'PSK-AES128-GCM-SHA256',
    );
  });

  it('resumes a session (s_client -sess_out, then -sess_in: "Reused")', async () => {
    const id = identity('server-ecdsa-p256');
    const server = createServer({ provider, certificateChain: id.chain, privateKey: id.key });
    const port = await server.listen(0);
    const resumed: boolean[] = [];
    server.on('secureConnection', (sock: DtlsSocket) => resumed.push(sock.session!.resumed));
    const dir = mkdtempSync(join(tmpdir(), 'dtls-sess-'));
    const sess = join(dir, 'session.pem');
    try {
      for (const args of [['-sess_out', sess], ['-sess_in', sess]]) {
        const client = startOpensslClient({ tls: 'dtls1.2', port, caFile: CA_FILE, extraArgs: args });
        try {
          await client.waitForOutput(/^(New|Reused), /, { timeoutMs: 15_000 });
          client.endInput();
          await client.exited;
        } finally {
          await client.dispose();
        }
      }
      expect(resumed).toEqual([false, true]);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('our client resumes with openssl s_server', () => {
  it('second connection is abbreviated (session ID)', async () => {
    const id = identity('server-ecdsa-p256');
    const server = await opensslServer({ tls: 'dtls1.2', cert: id.certFile, key: id.keyFile });
    try {
      const opts = { host: '127.0.0.1', port: server.port, provider, serverName: 'localhost', verifier: x509Verifier({ trustAnchors: testTrustStore(), provider }) };
      const first = connect(opts);
      const saved = once<DtlsResumableSession>(first, 'session');
      await once(first, 'secureConnect');
      const session = await saved;
      const closed = once(first, 'close');
      first.close();
      await closed;
      // s_server serves one connection at a time; it is ready for the next once it printed the close.
      await server.waitForOutput(/^(DONE|shutting down SSL|CONNECTION CLOSED)$/);
      const second = connect({ ...opts, session });
      const info = await once<DtlsSessionInfo>(second, 'secureConnect');
      expect(info.resumed).toBe(true);
      expect(info.peerCertificates).toEqual([]);
      second.send('resumed\n');
      await server.waitForOutput(/^resumed$/);
      second.close();
    } finally {
      await server.dispose();
    }
  });
});
