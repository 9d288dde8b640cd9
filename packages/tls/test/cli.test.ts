/**
 * `pnpm lab tls client|server` (apps/lab/src/commands/tls.ts) run as processes against OpenSSL:
 * what they print, what they copy, and their exit status (the alert's name on failure).
 */
import { join } from 'node:path';
import { REPO_ROOT } from '@layersec/test-vectors';
import { CA_FILE, identity } from '../src/test-support/pki.js';
import { freePort, startPeer } from '../src/test-support/peer.js';

const lab = (args: string[], input?: string) =>
  startPeer(process.execPath, ['--conditions=layersec-source', '--import', 'tsx', join(REPO_ROOT, 'apps/lab/src/cli.ts'), 'tls', ...args], input, input !== undefined);

describe('lab tls', () => {
  it('client: prints the negotiated parameters and the peer certificate, copies data, exits 0', async () => {
    const id = identity('server-ecdsa-p256');
    const port = await freePort();
    const server = startPeer('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', id.certFile, '-key', id.keyFile, '-tls1_3', '-rev', '-naccept', '1', '-groups', 'P-256']);
    await server.waitFor(/ACCEPT/);
    const client = lab(['client', '--connect', `127.0.0.1:${port}`, '--servername', 'localhost', '--cafile', CA_FILE, '--groups', 'P-256'], 'hello\n');
    expect(await client.exited()).toBe(0);
    const out = client.output();
    expect(out).toMatch(/Verification: OK/);
    expect(out).toMatch(/Protocol: TLSv1.3/);
    expect(out).toMatch(/Cipher suite: TLS_AES_128_GCM_SHA256/);
    expect(out).toMatch(/Group: secp256r1/);
    expect(out).toMatch(/subject: CN=server-ecdsa-p256/);
    expect(out).toMatch(/SANs:\s+dNSName:localhost, iPAddress:127.0.0.1/);
    expect(out).toMatch(/olleh/);
    await server.exited();
  });

  it('client: exits non-zero naming the alert when the certificate is for another name', async () => {
    const id = identity('server-ecdsa-p256');
    const port = await freePort();
    const server = startPeer('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', id.certFile, '-key', id.keyFile, '-rev', '-naccept', '1']);
    await server.waitFor(/ACCEPT/);
    const client = lab(['client', '--connect', `127.0.0.1:${port}`, '--servername', 'other.example', '--cafile', CA_FILE], 'hello\n');
    expect(await client.exited()).toBe(1);
    expect(client.output()).toMatch(/alert bad_certificate/);
    await server.exited();
  });

  it('server --echo --tls1_2: openssl s_client gets its line back', async () => {
    const id = identity('server-rsa-2048');
    const server = lab(['server', '--accept', '0', '--cert', id.certFile, '--key', id.keyFile, '--echo', '--tls1_2', '--naccept', '1']);
    const port = Number(/ACCEPT (\d+)/.exec(await server.waitFor(/ACCEPT \d+/))![1]);
    const client = startPeer('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', CA_FILE, '-servername', 'localhost', '-verify_return_error'], 'echo me\n');
    await client.waitFor(/Verify return code[\s\S]*\necho me/);
    client.process.stdin!.end();
    expect(await client.exited()).toBe(0);
    expect(client.output()).toMatch(/New, TLSv1.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256/);
    expect(await server.exited()).toBe(0);
    expect(server.output()).toMatch(/Protocol: TLSv1.2/);
  });

  it('server --psk: openssl s_client with the same PSK', async () => {
    const psk = '5c'.repeat(32);
    const server = lab(['server', '--accept', '0', '--psk', psk, '--psk-identity', 'lab', '--echo', '--tls1_3', '--naccept', '1']);
    const port = Number(/ACCEPT (\d+)/.exec(await server.waitFor(/ACCEPT \d+/))![1]);
    const client = startPeer('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-psk', psk, '-psk_identity', 'lab', '-ciphersuites', 'TLS_AES_128_GCM_SHA256'], 'psk works\n');
    await client.waitFor(/Verify return code[\s\S]*\npsk works/);
    client.process.stdin!.end();
    expect(await client.exited()).toBe(0);
    expect(await server.exited()).toBe(0);
    expect(server.output()).toMatch(/Resumed\/PSK: yes/);
  });
});
