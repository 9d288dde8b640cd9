/**
 * A throw-away PKI made with the openssl CLI for interop tests: a root CA, optionally an intermediate
 * CA, server certificates (ECDSA P-256 and RSA-2048) for "localhost" and 127.0.0.1, and a client
 * certificate. Everything is PEM in one directory; keys are PKCS#8.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './process.js';

export interface CertAndKey {
  /** The certificate alone. */
  cert: string;
  /** The private key (PKCS#8 PEM). */
  key: string;
  /** The certificate followed by the intermediate CA (equals `cert` without an intermediate). */
  chain: string;
}

export interface TestPki {
  dir: string;
  /** Root CA certificate: the trust anchor to give peers (`-CAfile`, `--x509cafile`, `x509ca/`). */
  caCert: string;
  caKey: string;
  intermediate?: { cert: string; key: string };
  serverEcdsa: CertAndKey;
  serverRsa: CertAndKey;
  /** Client certificate (ECDSA P-256, CN "client", extendedKeyUsage clientAuth). */
  client: CertAndKey;
}

export interface TestPkiOptions {
  /** Issue the leaf certificates from an intermediate CA (default false). */
  intermediate?: boolean;
  /** DNS names of the server certificates (default ["localhost"]); the first is also the CN. */
  serverNames?: string[];
  /** IP addresses of the server certificates (default ["127.0.0.1"]). */
  serverIps?: string[];
  /** Validity in days (default 2). */
  days?: number;
}

type KeyType = 'ec' | 'rsa';

function keyArgs(type: KeyType): string[] {
  return type === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
}

/** Creates the PKI in `dir` (created if missing) and returns the file paths. */
export async function makeTestPki(dir: string, options: TestPkiOptions = {}): Promise<TestPki> {
  mkdirSync(dir, { recursive: true });
  const days = String(options.days ?? 2);
  const names = options.serverNames ?? ['localhost'];
  const ips = options.serverIps ?? ['127.0.0.1'];
  const p = (f: string): string => join(dir, f);

  const caCert = p('ca.pem');
  const caKey = p('ca.key');
  await runCommand('openssl', [
    'req', '-x509', ...keyArgs('ec'), '-nodes', '-keyout', caKey, '-out', caCert, '-days', days,
    '-subj', '/O=layersec test/CN=layersec Test Root CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);

  let issuerCert = caCert;
  let issuerKey = caKey;
  let intermediate: TestPki['intermediate'];
  if (options.intermediate) {
    const cert = p('intermediate.pem');
    const key = p('intermediate.key');
    await issue({ type: 'ec', subject: '/O=layersec test/CN=layersec Test Intermediate CA', cert, key, issuerCert, issuerKey, days,
      ext: ['basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign,cRLSign'] });
    intermediate = { cert, key };
    issuerCert = cert;
    issuerKey = key;
  }

  const san = [...names.map((n) => `DNS:${n}`), ...ips.map((ip) => `IP:${ip}`)].join(',');
  const leaf = async (name: string, type: KeyType, subject: string, ext: string[]): Promise<CertAndKey> => {
    const cert = p(`${name}.pem`);
    const key = p(`${name}.key`);
    await issue({ type, subject, cert, key, issuerCert, issuerKey, days, ext });
    const chain = p(`${name}-chain.pem`);
    writeFileSync(chain, readFileSync(cert, 'utf8') + (intermediate ? readFileSync(intermediate.cert, 'utf8') : ''));
    return { cert, key, chain };
  };
  const serverExt = (type: KeyType): string[] => [
    'basicConstraints=critical,CA:FALSE',
    `keyUsage=critical,digitalSignature${type === 'rsa' ? ',keyEncipherment' : ''}`,
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${san}`,
  ];
  const cn = names[0] ?? 'localhost';
  const serverEcdsa = await leaf('server-ecdsa', 'ec', `/O=layersec test/CN=${cn}`, serverExt('ec'));
  const serverRsa = await leaf('server-rsa', 'rsa', `/O=layersec test/CN=${cn}`, serverExt('rsa'));
  const client = await leaf('client', 'ec', '/O=layersec test/CN=client', [
    'basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth',
    'subjectAltName=DNS:client',
  ]);
  return { dir, caCert, caKey, ...(intermediate ? { intermediate } : {}), serverEcdsa, serverRsa, client };
}

export interface LeafOptions {
  /** Default 'ec' (P-256). */
  type?: 'ec' | 'rsa';
  /** Subject CN (default: the name). */
  commonName?: string;
  dnsNames?: string[];
  ips?: string[];
  /** RFC 822 names (e.g. IKE identities `a@test`). */
  emails?: string[];
  /** extendedKeyUsage values; default none (no restriction, as IKE peers usually have). */
  extendedKeyUsage?: string[];
  /** Validity in days (default 2). */
  days?: number;
}

/**
 * Issues another leaf certificate from a PKI made by {@link makeTestPki} (same issuer as its leaves),
 * e.g. one per IKE peer with its identity as a SAN. Files are `DIR/NAME.pem`, `.key`, `-chain.pem`.
 */
export async function issueCertificate(pki: TestPki, name: string, options: LeafOptions = {}): Promise<CertAndKey> {
  const issuer = { cert: pki.intermediate?.cert ?? pki.caCert, key: pki.intermediate?.key ?? pki.caKey, intermediate: pki.intermediate?.cert, days: String(options.days ?? 2) };
  const type = options.type ?? 'ec';
  const san = [...(options.dnsNames ?? []).map((n) => `DNS:${n}`), ...(options.ips ?? []).map((ip) => `IP:${ip}`), ...(options.emails ?? []).map((e) => `email:${e}`)];
  const ext = ['basicConstraints=critical,CA:FALSE', `keyUsage=critical,digitalSignature${type === 'rsa' ? ',keyEncipherment' : ''}`];
  if (options.extendedKeyUsage?.length) ext.push(`extendedKeyUsage=${options.extendedKeyUsage.join(',')}`);
  if (san.length) ext.push(`subjectAltName=${san.join(',')}`);
  const cert = join(pki.dir, `${name}.pem`);
  const key = join(pki.dir, `${name}.key`);
  await issue({ type, subject: `/O=layersec test/CN=${options.commonName ?? name}`, cert, key, issuerCert: issuer.cert, issuerKey: issuer.key, days: issuer.days, ext });
  const chain = join(pki.dir, `${name}-chain.pem`);
  writeFileSync(chain, readFileSync(cert, 'utf8') + (issuer.intermediate ? readFileSync(issuer.intermediate, 'utf8') : ''));
  return { cert, key, chain };
}

async function issue(o: {
  type: KeyType; subject: string; cert: string; key: string; issuerCert: string; issuerKey: string; days: string; ext: string[];
}): Promise<void> {
  const csr = `${o.cert}.csr`;
  const extFile = `${o.cert}.ext`;
  writeFileSync(extFile, o.ext.join('\n') + '\n');
  await runCommand('openssl', ['req', '-new', ...keyArgs(o.type), '-nodes', '-keyout', o.key, '-out', csr, '-subj', o.subject]);
  await runCommand('openssl', [
    'x509', '-req', '-in', csr, '-CA', o.issuerCert, '-CAkey', o.issuerKey,
    '-days', o.days, '-sha256', '-extfile', extFile, '-out', o.cert,
  ]);
}
