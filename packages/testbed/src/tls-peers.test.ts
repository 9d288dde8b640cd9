/**
 * Proves the OpenSSL and GnuTLS endpoints by running each against the other: TLS 1.3, TLS 1.2,
 * DTLS 1.2, certificates (ECDSA and RSA, with an intermediate CA) and PSK, plus refusals.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gnutlsClient, gnutlsServer, parseGnutlsClientOutput } from './gnutls.js';
import { opensslClient, opensslServer, startOpensslClient } from './openssl.js';
import { makeTestPki, type TestPki } from './pki.js';
import { runCommand, type Peer } from './process.js';

let dir: string;
let pki: TestPki;
let chainPki: TestPki;
const peers: Peer[] = [];
function track<P extends Peer>(p: P): P {
  peers.push(p);
  return p;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'layersec-testbed-tls-'));
  [pki, chainPki] = await Promise.all([makeTestPki(join(dir, 'pki')), makeTestPki(join(dir, 'pki-chain'), { intermediate: true })]);
});
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.dispose()));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const PSK = '0123456789abcdef0123456789abcdef';

describe('makeTestPki', () => {
  it('issues server certificates for localhost and 127.0.0.1 that verify against the root, through an intermediate', async () => {
    for (const p of [pki, chainPki]) {
      for (const leaf of [p.serverEcdsa, p.serverRsa, p.client]) {
        const untrusted = p.intermediate ? ['-untrusted', p.intermediate.cert] : [];
        const r = await runCommand('openssl', ['verify', '-CAfile', p.caCert, ...untrusted, leaf.cert]);
        expect(r.stdout).toContain(': OK');
      }
    }
    const text = (await runCommand('openssl', ['x509', '-in', pki.serverRsa.cert, '-noout', '-text'])).stdout;
    expect(text).toContain('DNS:localhost, IP Address:127.0.0.1');
    expect(text).toContain('Public-Key: (2048 bit)');
    const ec = (await runCommand('openssl', ['x509', '-in', pki.serverEcdsa.cert, '-noout', '-text'])).stdout;
    expect(ec).toContain('NIST CURVE: P-256');
    // Without the intermediate, the chained leaf does not verify.
    const bad = await runCommand('openssl', ['verify', '-CAfile', chainPki.caCert, chainPki.serverEcdsa.cert], { check: false });
    expect(bad.code).not.toBe(0);
  });
});

describe('TLS 1.3', () => {
  it('openssl s_client against gnutls-serv (ECDSA certificate, hostname checked)', async () => {
    const server = track(await gnutlsServer({ tls: '1.3', cert: pki.serverEcdsa.cert, key: pki.serverEcdsa.key }));
    const r = await opensslClient({
      port: server.port, tls: '1.3', caFile: pki.caCert, servername: 'localhost', verifyHostname: 'localhost',
      input: 'hello gnutls\n', until: /^hello gnutls$/,
    });
    expect(r.exit.code).toBe(0);
    expect(r.protocol).toBe('TLSv1.3');
    expect(r.cipher).toMatch(/^TLS_AES_/);
    expect(r.verified).toBe(true);
    await server.waitForOutput(/Given server name\[1\]: localhost/);
  });

  it('gnutls-cli against openssl s_server -rev (chain with an intermediate CA, ChaCha20, P-384)', async () => {
    const server = track(await opensslServer({
      tls: '1.3', cert: chainPki.serverEcdsa.cert, certChain: chainPki.intermediate?.cert, key: chainPki.serverEcdsa.key, rev: true, naccept: 1,
      ciphersuites: 'TLS_CHACHA20_POLY1305_SHA256', groups: 'P-384',
    }));
    const r = await gnutlsClient({ port: server.port, tls: '1.3', caFile: chainPki.caCert, servername: 'localhost', input: 'hello\n', until: /^olleh$/ });
    expect(r.exit.code).toBe(0);
    expect(r.protocol).toBe('TLS1.3');
    expect(r.cipher).toBe('CHACHA20-POLY1305');
    expect(r.verified).toBe(true);
    expect(r.stdout).toMatch(/ECDHE-SECP384R1/);
    expect((await server.exited).code).toBe(0);
  });

  it('openssl s_client against openssl s_server -rev, ending on CLOSE (the INTEROP.md recipe) with a key log', async () => {
    const keylog = join(dir, 'ossl13.keylog');
    const server = track(await opensslServer({ tls: '1.3', cert: pki.serverRsa.cert, key: pki.serverRsa.key, rev: true, naccept: 1 }));
    const r = await opensslClient({ port: server.port, tls: '1.3', caFile: pki.caCert, servername: 'localhost', keylogFile: keylog, input: 'hello\nCLOSE\n' });
    expect(r.exit.code).toBe(0);
    expect(r.stdout).toMatch(/^olleh$/m);
    expect(readFileSync(keylog, 'utf8')).toMatch(/^CLIENT_TRAFFIC_SECRET_0 [0-9a-f]{64} [0-9a-f]{64,96}$/m);
  });

  it('refuses a server certificate from another CA: gnutls-cli reports it untrusted and fails', async () => {
    const server = track(await opensslServer({ tls: '1.3', cert: chainPki.serverEcdsa.chain, key: chainPki.serverEcdsa.key, rev: true }));
    const r = await gnutlsClient({ port: server.port, caFile: pki.caCert, servername: 'localhost', input: 'x\n', until: /^x$/ });
    expect(r.exit.code).not.toBe(0);
    expect(r.verified).not.toBe(true);
  });

  it('client certificate required by gnutls-serv, given by s_client', async () => {
    const server = track(await gnutlsServer({ cert: pki.serverEcdsa.cert, key: pki.serverEcdsa.key, caFile: pki.caCert, verifyClient: true }));
    const r = await opensslClient({
      port: server.port, caFile: pki.caCert, cert: pki.client.cert, key: pki.client.key, input: 'with cert\n', until: /^with cert$/,
    });
    expect(r.exit.code).toBe(0);
    await server.waitForOutput(/CN=client/);
  });
});

describe('TLS 1.2', () => {
  it('openssl s_client against gnutls-serv with an RSA certificate (ECDHE-RSA-AES128-GCM-SHA256)', async () => {
    const server = track(await gnutlsServer({ tls: '1.2', cert: pki.serverRsa.cert, key: pki.serverRsa.key }));
    const r = await opensslClient({
      port: server.port, tls: '1.2', caFile: pki.caCert, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', input: 'twelve\n', until: /^twelve$/,
    });
    expect(r.exit.code).toBe(0);
    expect(r.protocol).toBe('TLSv1.2');
    expect(r.cipher).toBe('ECDHE-RSA-AES128-GCM-SHA256');
  });

  it('gnutls-cli against openssl s_server (ECDHE-ECDSA-AES128-GCM-SHA256)', async () => {
    const server = track(await opensslServer({
      tls: '1.2', cert: pki.serverEcdsa.cert, key: pki.serverEcdsa.key, ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256', rev: true, naccept: 1,
    }));
    const r = await gnutlsClient({ port: server.port, tls: '1.2', caFile: pki.caCert, servername: 'localhost', input: 'abc\n', until: /^cba$/ });
    expect(r.exit.code).toBe(0);
    expect(r.protocol).toBe('TLS1.2');
    expect(r.cipher).toBe('AES-128-GCM');
  });
});

describe('DTLS 1.2', () => {
  it('an interactive s_client exchanges several datagrams with gnutls-serv -u before closing', async () => {
    const server = track(await gnutlsServer({ tls: 'dtls1.2', cert: pki.serverEcdsa.cert, key: pki.serverEcdsa.key }));
    const client = track(startOpensslClient({ port: server.port, tls: 'dtls1.2', caFile: pki.caCert }));
    await client.waitForOutput(/^New, TLSv1\.2, Cipher is ECDHE-ECDSA-/);
    for (const word of ['one', 'two', 'three']) {
      const from = client.lineCount();
      await client.write(`${word}\n`);
      await client.waitForOutput(new RegExp(`^${word}$`), { fromLine: from });
    }
    client.endInput();
    expect((await client.exited).code).toBe(0);
  });

  it('openssl s_client -dtls1_2 against gnutls-serv -u (echo)', async () => {
    const server = track(await gnutlsServer({ tls: 'dtls1.2', cert: pki.serverEcdsa.cert, key: pki.serverEcdsa.key }));
    const r = await opensslClient({ port: server.port, tls: 'dtls1.2', caFile: pki.caCert, input: 'datagram\n', until: /^datagram$/ });
    expect(r.exit.code).toBe(0);
    expect(r.protocol).toBe('DTLSv1.2');
    expect(r.cipher).toMatch(/^ECDHE-ECDSA-/);
  });

  it('gnutls-cli -u against openssl s_server -dtls1_2 with a small MTU; the server answers through its stdin', async () => {
    const server = track(await opensslServer({ tls: 'dtls1.2', cert: pki.serverRsa.cert, key: pki.serverRsa.key, mtu: 500 }));
    const run = gnutlsClient({ port: server.port, tls: 'dtls1.2', caFile: pki.caCert, servername: 'localhost', input: 'ping over dtls\n', until: /^pong$/ });
    await server.waitForOutput(/^ping over dtls$/);
    await server.write('pong\n');
    const r = await run;
    expect(r.exit.code).toBe(0);
    expect(r.protocol).toBe('DTLS1.2');
  });
});

describe('PSK', () => {
  it('TLS 1.3: openssl s_client against gnutls-serv (psk_dhe_ke)', async () => {
    const server = track(await gnutlsServer({ tls: '1.3', psk: PSK, pskIdentity: 'alice' }));
    const r = await opensslClient({
      port: server.port, tls: '1.3', psk: PSK, pskIdentity: 'alice', ciphersuites: 'TLS_AES_128_GCM_SHA256', input: 'psk13\n', until: /^psk13$/,
    });
    expect(r.exit.code).toBe(0);
    expect(r.cipher).toBe('TLS_AES_128_GCM_SHA256');
  });

  it('TLS 1.2: gnutls-cli against openssl s_server -nocert (PSK-AES128-GCM-SHA256)', async () => {
    const server = track(await opensslServer({
      tls: '1.2', psk: PSK, pskHint: 'hint', ciphers: 'PSK-AES128-GCM-SHA256', rev: true, naccept: 1,
    }));
    const r = await gnutlsClient({ port: server.port, tls: '1.2', psk: PSK, pskIdentity: 'bob', input: 'psk12\n', until: /^21ksp$/ });
    expect(r.exit.code).toBe(0);
    expect(r.protocol).toBe('TLS1.2');
    expect(r.stdout + r.stderr).toMatch(/PSK/);
  });

  it('DTLS 1.2: openssl s_client against gnutls-serv -u with PSK', async () => {
    const server = track(await gnutlsServer({ tls: 'dtls1.2', psk: PSK, pskIdentity: 'carol' }));
    const r = await opensslClient({
      port: server.port, tls: 'dtls1.2', psk: PSK, pskIdentity: 'carol', ciphers: 'PSK-AES128-GCM-SHA256', input: 'dpsk\n', until: /^dpsk$/,
    });
    expect(r.exit.code).toBe(0);
    expect(r.cipher).toBe('PSK-AES128-GCM-SHA256');
  });

  it('a wrong PSK is refused: the client exits non-zero without a session', async () => {
    const server = track(await opensslServer({ tls: '1.2', psk: PSK, ciphers: 'PSK-AES128-GCM-SHA256', rev: true }));
    const r = await opensslClient({ port: server.port, tls: '1.2', psk: 'ff'.repeat(16), pskIdentity: 'x', ciphers: 'PSK-AES128-GCM-SHA256', input: 'no\nCLOSE\n' });
    expect(r.exit.code).toBe(1);
    expect(r.stdout).not.toMatch(/^on$/m);
  });
});

describe('output parsers', () => {
  it('reads the GnuTLS session description', () => {
    expect(parseGnutlsClientOutput('- Status: The certificate is trusted. \n- Description: (TLS1.3-X.509)-(ECDHE-SECP256R1)-(ECDSA-SECP256R1-SHA256)-(AES-256-GCM)\n'))
      .toEqual({ protocol: 'TLS1.3', cipher: 'AES-256-GCM', verified: true });
    expect(existsSync(pki.caCert)).toBe(true);
  });
});
