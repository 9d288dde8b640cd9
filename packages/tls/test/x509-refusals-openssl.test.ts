/**
 * The X.509 refusal matrix of test-vectors/x509/cases.json (openssl verify's answers) against a real
 * OpenSSL server: for every case whose leaf key is in the fixtures, s_server presents that leaf
 * (and the case's untrusted certificates as its chain), our client verifies at the matrix's time,
 * and either completes the handshake (openssl verify accepted) or sends the alert RFC 8446 §6.2
 * names for openssl's error — which s_server reports receiving.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadTrustStore } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { REPO_ROOT, loadVectors } from '@layersec/test-vectors';
import { x509Verifier } from '../src/certificates.js';
import { AlertDescription } from '../src/constants.js';
import { connect } from '../src/node/index.js';
import { freePort, startPeer } from '../src/test-support/peer.js';

interface Case {
  name: string;
  leaf: string;
  untrusted: string;
  anchors: string;
  purpose: string;
  hostname: string;
  ip: string;
  opensslOk: boolean;
  opensslErrors: string[];
}
const matrix = loadVectors<{ verificationTime: string; cases: Case[] }>('x509/cases.json');
const DIR = join(REPO_ROOT, 'test-vectors/x509');

/** RFC 8446 §6.2: the alert for each openssl verify error of the matrix. */
function expectedAlert(error: string): number {
  if (/hostname mismatch|IP address mismatch|signature failure/.test(error)) return AlertDescription.bad_certificate;
  if (/unable to get local issuer|self-signed certificate/.test(error)) return AlertDescription.unknown_ca;
  if (/has expired|not yet valid/.test(error)) return AlertDescription.certificate_expired;
  throw new Error(`no alert mapping for ${error}`);
}

const usable = matrix.cases.filter(
  (c) => c.purpose === 'sslserver' && c.hostname !== '-' && existsSync(join(DIR, c.leaf.replace(/\.pem$/, '.key')))
    || (c.name === 'ecdsa-bad-signature'),
);

describe('X.509 refusal matrix against openssl s_server', () => {
  it.each(usable.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const keyFile = join(DIR, c.name === 'ecdsa-bad-signature' ? 'ecdsa/leaf.key' : c.leaf.replace(/\.pem$/, '.key'));
    const port = await freePort();
    const args = ['s_server', '-accept', `127.0.0.1:${port}`, '-tls1_3', '-cert', join(DIR, c.leaf), '-key', keyFile, '-rev', '-naccept', '1'];
    if (c.untrusted !== '-') args.push('-cert_chain', join(DIR, c.untrusted));
    const server = startPeer('openssl', args);
    await server.waitFor(/ACCEPT/);
    const anchors = await loadTrustStore(join(DIR, c.anchors.replace(/^CApath:/, '')));
    const sock = connect({
      provider: nodeProvider,
      host: '127.0.0.1',
      port,
      serverName: c.hostname,
      now: () => Date.parse(matrix.verificationTime),
      verifier: x509Verifier({ trustAnchors: anchors, provider: nodeProvider }),
    });
    if (c.opensslOk) {
      await once(sock, 'secureConnect');
      sock.end();
      expect(await server.exited()).toBe(0);
    } else {
      const [err] = await once(sock, 'error');
      const want = expectedAlert(c.opensslErrors[0]);
      expect((err as { description?: number }).description).toBe(want);
      await server.exited();
      expect(server.output()).toMatch(new RegExp(`SSL alert number ${want}\\b`));
    }
  });

  it('a leaf past its notAfter at our (injected) clock → certificate_expired', async () => {
    const port = await freePort();
    const server = startPeer('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', join(DIR, 'ecdsa/leaf.pem'), '-key', join(DIR, 'ecdsa/leaf.key'), '-cert_chain', join(DIR, 'ecdsa/int.pem'), '-rev', '-naccept', '1']);
    await server.waitFor(/ACCEPT/);
    const sock = connect({
      provider: nodeProvider,
      host: '127.0.0.1',
      port,
      serverName: 'server.lab.test',
      now: () => Date.parse('2121-01-01T00:00:00Z'), // the leaf's notAfter is 2120-01-01
      verifier: x509Verifier({ trustAnchors: await loadTrustStore(join(DIR, 'roots.pem')), provider: nodeProvider }),
    });
    const [err] = await once(sock, 'error');
    expect((err as { description?: number }).description).toBe(AlertDescription.certificate_expired);
    await server.exited();
    expect(server.output()).toMatch(/SSL alert number 45\b/);
  });
});
