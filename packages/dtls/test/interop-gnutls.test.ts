/**
 * DTLS 1.2 against GnuTLS 3.7 (`gnutls-serv -u --echo`, `gnutls-cli -u`) on loopback, both roles,
 * certificates and PSK. gnutls-serv echoes what it receives; gnutls-cli prints the session
 * description and what the server sends. Their output is the known answer.
 */
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { gnutlsServer, startGnutlsClient, type Peer } from '@layersec/testbed';
import { CipherSuite, x509Verifier } from '@layersec/tls';
import { utf8 } from '@layersec/wire';
import { connect, createServer, type DtlsSessionInfo, type DtlsSocket } from '../src/index.js';
import { CA_FILE, identity, testTrustStore } from '../src/test-support/pki.js';

const provider = nodeProvider;
const PSK_HEX = '0102030405060708090a0b0c0d0e0f10';

function once<T>(sock: DtlsSocket, event: string): Promise<T> {
  return new Promise((resolve, reject) => {
    sock.once(event, (v: T) => resolve(v));
    sock.once('error', reject);
  });
}

describe('our DTLS client against gnutls-serv -u', () => {
  it.each([
    ['server-ecdsa-p256', undefined],
    ['server-rsa-2048', 300],
  ])('%s (our mtu %s): echo through the server', async (cert, mtu) => {
    const id = identity(cert);
    const server = await gnutlsServer({ tls: 'dtls1.2', cert: id.certFile, key: id.keyFile });
    try {
      const sock = connect({ host: '127.0.0.1', port: server.port, provider, serverName: 'localhost', verifier: x509Verifier({ trustAnchors: testTrustStore(), provider }), mtu });
      const session = await once<DtlsSessionInfo>(sock, 'secureConnect');
      expect(session.protocol).toBe('DTLSv1.2');
      expect(session.extendedMasterSecret).toBe(true);
      const echo = once<Uint8Array>(sock, 'message');
      sock.send('gnutls echo\n');
      expect(new TextDecoder().decode(await echo)).toBe('gnutls echo\n');
      sock.close();
    } finally {
      await server.dispose();
    }
  });

  it('PSK', async () => {
    const server = await gnutlsServer({ tls: 'dtls1.2', psk: PSK_HEX, pskIdentity: 'client1' });
    try {
      const sock = connect({ host: '127.0.0.1', port: server.port, provider, psk: { identity: utf8('client1'), key: new Uint8Array(Buffer.from(PSK_HEX, 'hex')) } });
      const session = await once<DtlsSessionInfo>(sock, 'secureConnect');
      expect(session.cipherSuiteName).toMatch(/PSK/);
      const echo = once<Uint8Array>(sock, 'message');
      sock.send('psk echo\n');
      expect(new TextDecoder().decode(await echo)).toBe('psk echo\n');
      sock.close();
    } finally {
      await server.dispose();
    }
  });
});

describe('gnutls-cli -u against our DTLS server', () => {
  async function run(config: Omit<Parameters<typeof createServer>[0], 'provider'>, clientArgs: Omit<Parameters<typeof startGnutlsClient>[0], 'port'>) {
    const server = createServer({ provider, ...config });
    const port = await server.listen(0);
    server.on('secureConnection', (sock: DtlsSocket) => sock.on('message', (m: Uint8Array) => sock.send(m)));
    let client: Peer | undefined;
    try {
      client = startGnutlsClient({ ...clientArgs, tls: 'dtls1.2', port });
      await client.waitForOutput(/^- Description: \(DTLS1\.2/, { timeoutMs: 15_000 });
      await client.write('from gnutls\n');
      await client.waitForOutput(/^from gnutls$/, { stream: 'stdout' });
      return client.output();
    } finally {
      await client?.dispose();
      server.close();
    }
  }

  it('ECDSA certificate, verified by gnutls-cli against the test CA', async () => {
    const id = identity('server-ecdsa-p256');
    const out = await run({ certificateChain: id.chain, privateKey: id.key }, { caFile: CA_FILE, servername: 'localhost' });
    expect(out).toMatch(/The certificate is trusted/);
  });

  it('RSA certificate through a 256-byte PMTU (our certificate flight fragmented)', async () => {
    const id = identity('server-rsa-2048');
    const out = await run({ certificateChain: id.chain, privateKey: id.key, mtu: 256 }, { caFile: CA_FILE, servername: 'localhost' });
    expect(out).toMatch(/\(ECDHE-/);
  });

  // Plain PSK: gnutls-cli 3.7 crashes (SIGSEGV after the handshake) with ECDHE-PSK-CHACHA20-POLY1305
  // over DTLS against openssl s_server as well, so the ECDHE_PSK suite is proven against OpenSSL.
  it('PSK (TLS_PSK_WITH_AES_128_GCM_SHA256)', async () => {
    const key = new Uint8Array(Buffer.from(PSK_HEX, 'hex'));
    const out = await run({ cipherSuites: [CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256], psk: { hint: utf8('hint'), lookup: (idn) => (Buffer.from(idn).toString() === 'client1' ? key : undefined) } }, { psk: PSK_HEX, pskIdentity: 'client1' });
    expect(out).toMatch(/- Description: \(DTLS1\.2-X\.509\)-\(PSK\)-\(AES-128-GCM\)/);
    expect(out).toMatch(/PSK hint .hint./);
  });
});
