/**
 * The lab CA's certificates, judged by real peers: every chain we build (ECDSA P-384/P-256,
 * Ed25519, RSA with PKCS#1 v1.5 and with RSASSA-PSS) must be accepted by `openssl verify` for
 * its purpose and names and by GnuTLS `certtool --verify`, and `openssl x509 -text` must show the
 * extensions we wrote. Each chain
 * is built with each provider; our own verifier must accept it too.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@layersec/test-vectors';
import { parsePrivateKey, publicKeyOf } from '../keys/keys.js';
import { seededRandom } from '../random.js';
import { PROVIDERS } from '../test-support/providers.js';
import type { CryptoProvider, PrivateKey, SignatureScheme } from '../types.js';
import {
  type Certificate,
  type CertificateAuthority,
  X509Error,
  buildCertificate,
  certificatesToPem,
  createRootCertificate,
  issueClientCertificate,
  issueIntermediateCertificate,
  issueServerCertificate,
  verifyChain,
} from './index.js';

const NOT_BEFORE = new Date('2020-01-01T00:00:00Z');
const NOT_AFTER = new Date('2120-01-01T00:00:00Z');
const AT = new Date('2030-01-01T00:00:00Z');
const AT_EPOCH = String(AT.getTime() / 1000);

let dir: string;
let certtoolAvailable = false;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'layersec-x509-'));
  certtoolAvailable = spawnSync('certtool', ['--version'], { encoding: 'utf8' }).status === 0;
  if (!certtoolAvailable) console.warn('certtool (gnutls-bin) not found: the GnuTLS checks are skipped');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openssl(args: string[]): { status: number | null; out: string } {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

function write(name: string, certs: Certificate[]): string {
  writeFileSync(join(dir, name), certificatesToPem(certs));
  return name;
}

type KeySpec = { type: 'ec'; curve: 'P-256' | 'P-384' } | { type: 'ed25519' } | { type: 'rsa' };

/** Keys: EC and Ed25519 from a seeded source; RSA from the node provider, or openssl's key file for noble (which does not generate RSA keys). */
function key(provider: CryptoProvider, spec: KeySpec, seed: string): PrivateKey {
  if (spec.type === 'rsa') {
    if (provider.name === 'node') return provider.generateSigningKey({ type: 'rsa', bits: 2048 });
    return parsePrivateKey(readFileSync(join(REPO_ROOT, 'test-vectors/x509/rsa', `${seed}.key`), 'utf8'));
  }
  return provider.generateSigningKey(spec, seededRandom(`x509 build ${seed}`));
}

const WORLDS: ReadonlyArray<{ name: string; root: KeySpec; int: KeySpec; leaf: KeySpec; scheme?: SignatureScheme }> = [
  { name: 'ecdsa', root: { type: 'ec', curve: 'P-384' }, int: { type: 'ec', curve: 'P-256' }, leaf: { type: 'ec', curve: 'P-256' } },
  { name: 'ed25519', root: { type: 'ed25519' }, int: { type: 'ed25519' }, leaf: { type: 'ed25519' } },
  { name: 'rsa', root: { type: 'rsa' }, int: { type: 'rsa' }, leaf: { type: 'rsa' } },
  { name: 'rsa-pss', root: { type: 'rsa' }, int: { type: 'rsa' }, leaf: { type: 'ec', curve: 'P-256' }, scheme: 'rsa_pss_rsae_sha256' },
];

for (const [providerName, provider] of PROVIDERS) {
  describe(`certificates built with the ${providerName} provider`, () => {
    for (const w of WORLDS) {
      it(`${w.name}: root → intermediate → server and client, accepted by openssl verify and by verifyChain`, () => {
        const rootKey = key(provider, w.root, 'root');
        const intKey = key(provider, w.int, 'int');
        const leafKey = key(provider, w.leaf, 'leaf');
        const common = { notBefore: NOT_BEFORE, notAfter: NOT_AFTER, ...(w.scheme ? { scheme: w.scheme } : {}) };
        const root = createRootCertificate({ ...common, subject: `CN=Lab ${w.name} Root,O=layersec lab`, privateKey: rootKey, serialNumber: 1n }, provider);
        const int: CertificateAuthority = issueIntermediateCertificate(
          { ...common, subject: `CN=Lab ${w.name} Intermediate,O=layersec lab`, privateKey: intKey, pathLenConstraint: 0, serialNumber: 2n },
          root,
          provider,
        );
        const server = issueServerCertificate(
          { ...common, publicKey: publicKeyOf(leafKey), dnsNames: ['server.lab.test', '*.svc.lab.test'], ipAddresses: ['127.0.0.1', '::1'], serialNumber: 3n },
          int,
          provider,
        );
        const client = issueClientCertificate(
          { ...common, publicKey: publicKeyOf(leafKey), subject: 'CN=alice,OU=clients,O=layersec lab', emails: ['alice@lab.test'], serialNumber: 4n },
          int,
          provider,
        );
        const p = `${providerName}-${w.name}`;
        write(`${p}-root.pem`, [root.certificate]);
        write(`${p}-int.pem`, [int.certificate]);
        write(`${p}-server.pem`, [server]);
        write(`${p}-client.pem`, [client]);
        const verify = (leaf: string, ...extra: string[]) =>
          openssl(['verify', '-attime', AT_EPOCH, '-no-CApath', '-no-CAstore', '-CAfile', `${p}-root.pem`, '-untrusted', `${p}-int.pem`, ...extra, leaf]);

        for (const extra of [
          ['-purpose', 'sslserver', '-verify_hostname', 'server.lab.test'],
          ['-purpose', 'sslserver', '-verify_hostname', 'a.svc.lab.test'],
          ['-purpose', 'sslserver', '-verify_ip', '127.0.0.1'],
          ['-purpose', 'sslserver', '-verify_ip', '::1'],
        ]) {
          const r = verify(`${p}-server.pem`, ...extra);
          expect({ extra, ...r }).toEqual({ extra, status: 0, out: `${p}-server.pem: OK\n` });
        }
        expect(verify(`${p}-client.pem`, '-purpose', 'sslclient')).toEqual({ status: 0, out: `${p}-client.pem: OK\n` });
        // openssl refuses what it should: the client certificate as a server, a wrong name.
        expect(verify(`${p}-client.pem`, '-purpose', 'sslserver').out).toContain('error 26 at 0 depth lookup: unsuitable certificate purpose');
        expect(verify(`${p}-server.pem`, '-verify_hostname', 'other.lab.test').out).toContain('error 62 at 0 depth lookup: hostname mismatch');

        // A second peer: GnuTLS certtool (it verifies at the current time, inside 2020-2120).
        if (certtoolAvailable) {
          write(`${p}-chain.pem`, [server, int.certificate]);
          const r = spawnSync(
            'certtool',
            ['--verify', '--load-ca-certificate', `${p}-root.pem`, '--infile', `${p}-chain.pem`, '--verify-hostname', 'server.lab.test',
              '--verify-purpose', '1.3.6.1.5.5.7.3.1'],
            { cwd: dir, encoding: 'utf8' },
          );
          expect(r.stdout).toContain('Chain verification output: Verified. The certificate is trusted.');
          expect(r.status).toBe(0);
        }

        const rootText = openssl(['x509', '-in', `${p}-root.pem`, '-noout', '-text']);
        expect(rootText.status).toBe(0);
        expect(rootText.out).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\n/);
        expect(rootText.out).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign\n/);
        // RFC 4514 strings list the least significant RDN first; openssl -text prints encoded order.
        expect(rootText.out).toContain(`Subject: O = layersec lab, CN = Lab ${w.name} Root`);
        const intText = openssl(['x509', '-in', `${p}-int.pem`, '-noout', '-text']).out;
        expect(intText).toMatch(/CA:TRUE, pathlen:0/);
        expect(intText).toMatch(/X509v3 Authority Key Identifier:/);
        const serverText = openssl(['x509', '-in', `${p}-server.pem`, '-noout', '-text']).out;
        expect(serverText).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE\n/);
        expect(serverText).toMatch(
          w.leaf.type === 'rsa' ? /Key Usage: critical\s+Digital Signature, Key Encipherment\n/ : /Key Usage: critical\s+Digital Signature\n/,
        );
        expect(serverText).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication\n/);
        expect(serverText).toContain('DNS:server.lab.test, DNS:*.svc.lab.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
        expect(serverText).toContain('Subject: CN = server.lab.test');
        expect(serverText).toContain('Not After : Jan  1 00:00:00 2120 GMT');
        if (w.scheme === 'rsa_pss_rsae_sha256') expect(serverText).toMatch(/Signature Algorithm: rsassaPss[\s\S]*Salt Length: 0x20/);
        const clientText = openssl(['x509', '-in', `${p}-client.pem`, '-noout', '-text']).out;
        expect(clientText).toContain('email:alice@lab.test');
        expect(clientText).toContain('Subject: O = layersec lab, OU = clients, CN = alice');

        for (const [leaf, purpose, hostname] of [
          [server, 'serverAuth', 'a.svc.lab.test'],
          [client, 'clientAuth', undefined],
        ] as const) {
          const path = verifyChain(leaf, {
            trustAnchors: [root.certificate],
            intermediates: [int.certificate],
            time: AT,
            signer: provider,
            purpose,
            ...(hostname ? { hostname } : {}),
          });
          expect(path.chain).toHaveLength(3);
        }
      });
    }

    it('the builder refuses what RFC 5280 forbids', () => {
      const k = key(provider, { type: 'ec', curve: 'P-256' }, 'refusals');
      const base = { subject: 'CN=x', subjectPublicKey: publicKeyOf(k), notBefore: NOT_BEFORE, notAfter: NOT_AFTER };
      expect(() => buildCertificate({ ...base, serialNumber: 0n }, { privateKey: k }, provider)).toThrow(X509Error);
      expect(() => buildCertificate({ ...base, serialNumber: 1n << 160n }, { privateKey: k }, provider)).toThrow(X509Error);
      expect(() => buildCertificate({ ...base, basicConstraints: { cA: false, pathLenConstraint: 1 } }, { privateKey: k }, provider)).toThrow(X509Error);
      expect(() => buildCertificate({ ...base, notAfter: new Date(0) }, { privateKey: k }, provider)).toThrow(X509Error);
      expect(() => buildCertificate({ ...base, subjectAltName: { ip: ['1.2.3'] } }, { privateKey: k }, provider)).toThrow(X509Error);
      expect(() => buildCertificate({ ...base, subject: 'XX=1' }, { privateKey: k }, provider)).toThrow(X509Error);
    });

    it('a default serial is positive, 16 octets, from the provider random source', () => {
      const k = key(provider, { type: 'ec', curve: 'P-256' }, 'serial');
      const cert = buildCertificate(
        { subject: 'CN=x', subjectPublicKey: publicKeyOf(k), notBefore: NOT_BEFORE, notAfter: NOT_AFTER },
        { privateKey: k },
        provider,
      );
      expect(cert.serialNumber).toHaveLength(16);
      expect(cert.serialNumber[0] & 0x80).toBe(0);
    });
  });
}
