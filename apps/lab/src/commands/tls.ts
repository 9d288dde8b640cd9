/**
 * `lab tls client` / `lab tls server`: @layersec/tls on the command line, modelled on
 * `openssl s_client` / `s_server` so that course material maps one to one. Connection facts go to
 * stderr; stdout carries only the peer's application data.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import {
  type Certificate,
  type PrivateKey,
  type TrustStore,
  loadTrustStore,
  parseCertificate,
  parseCertificates,
  parsePrivateKey,
} from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import {
  type CertificateVerifier,
  type ClientConfig,
  NamedGroup,
  type ServerConfig,
  type SessionInfo,
  TlsAlertError,
  type TlsVersionName,
  suiteByName,
  x509Verifier,
} from '@layersec/tls';
import { type TlsSocket, connect, createServer } from '@layersec/tls/node';
import type { RegisterCommand } from './index.js';

const provider = nodeProvider;

const GROUPS: Record<string, number> = {
  x25519: NamedGroup.x25519,
  'p-256': NamedGroup.secp256r1,
  prime256v1: NamedGroup.secp256r1,
  secp256r1: NamedGroup.secp256r1,
  'p-384': NamedGroup.secp384r1,
  secp384r1: NamedGroup.secp384r1,
  'p-521': NamedGroup.secp521r1,
  secp521r1: NamedGroup.secp521r1,
};

function list(value: string | undefined): string[] {
  return value ? value.split(/[:,]/).filter(Boolean) : [];
}

function groupsOf(value: string | undefined): number[] | undefined {
  if (!value) return undefined;
  return list(value).map((g) => {
    const id = GROUPS[g.toLowerCase()];
    if (id === undefined) throw new Error(`unknown group ${g} (known: ${Object.keys(GROUPS).join(', ')})`);
    return id;
  });
}

function ciphersOf(value: string | undefined): number[] | undefined {
  if (!value) return undefined;
  return list(value).map((n) => {
    const s = suiteByName(n);
    if (!s) throw new Error(`unknown cipher suite ${n}`);
    return s.id;
  });
}

function versionsOf(o: { tls1_2?: boolean; tls1_3?: boolean }): TlsVersionName[] | undefined {
  if (o.tls1_2 && o.tls1_3) return ['TLSv1.3', 'TLSv1.2'];
  if (o.tls1_2) return ['TLSv1.2'];
  if (o.tls1_3) return ['TLSv1.3'];
  return undefined;
}

function hex(value: string, what: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2})+$/.test(value)) throw new Error(`${what} must be hex`);
  return Uint8Array.from(Buffer.from(value, 'hex'));
}

function identityOf(certFile?: string, keyFile?: string): { certificateChain?: Uint8Array[]; privateKey?: PrivateKey } {
  if (!certFile && !keyFile) return {};
  if (!certFile || !keyFile) throw new Error('--cert and --key go together');
  return {
    certificateChain: parseCertificates(readFileSync(certFile, 'utf8')).map((c) => c.der),
    privateKey: parsePrivateKey(readFileSync(keyFile, 'utf8')),
  };
}

async function trustOf(cafile?: string, capath?: string): Promise<TrustStore> {
  return loadTrustStore(cafile ?? capath ?? '/etc/ssl/certs');
}

/** Wraps the X.509 verifier so that the CLI can print the verification result. */
function reportingVerifier(inner: CertificateVerifier, report: (line: string) => void): CertificateVerifier {
  return {
    verify(chain, context) {
      try {
        const key = inner.verify(chain, context);
        report('Verification: OK');
        return key;
      } catch (e) {
        report(`Verification: FAILED (${e instanceof Error ? e.message : String(e)})`);
        throw e;
      }
    },
  };
}

function describeCertificate(c: Certificate): string[] {
  const sans = c.extensions.subjectAltName?.names.map((n) => ('value' in n ? `${n.type}:${n.value}` : n.type)) ?? [];
  return [
    `  subject: ${c.subject.rfc4514}`,
    `  issuer:  ${c.issuer.rfc4514}`,
    `  SANs:    ${sans.join(', ') || '(none)'}`,
    `  valid:   ${c.notBefore.toISOString()} .. ${c.notAfter.toISOString()}`,
  ];
}

function describeSession(s: SessionInfo): string[] {
  const lines = [
    `Protocol: ${s.protocol}`,
    `Cipher suite: ${s.cipherSuiteName}`,
    `Group: ${s.groupName ?? '(none: psk_ke)'}`,
    `ALPN: ${s.alpnProtocol ?? '(none)'}`,
    `Resumed/PSK: ${s.resumed ? 'yes' : 'no'}${s.helloRetryRequest ? ', after HelloRetryRequest' : ''}`,
  ];
  if (s.peerCertificates.length) {
    lines.push('Peer certificate:');
    try {
      lines.push(...describeCertificate(parseCertificate(s.peerCertificates[0])));
    } catch (e) {
      lines.push(`  (cannot parse: ${(e as Error).message})`);
    }
  }
  return lines;
}

function keylogWriter(file: string | undefined): ((line: Buffer) => void) | undefined {
  return file ? (line: Buffer) => appendFileSync(file, line) : undefined;
}

function alertExit(err: unknown): void {
  const name = err instanceof TlsAlertError ? err.alertName : undefined;
  process.stderr.write(`lab tls: ${name ? `alert ${name}: ` : ''}${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}

interface ClientOptions {
  connect: string;
  servername?: string;
  cafile?: string;
  capath?: string;
  tls1_2?: boolean;
  tls1_3?: boolean;
  ciphers?: string;
  groups?: string;
  cert?: string;
  key?: string;
  psk?: string;
  pskIdentity?: string;
  keylog?: string;
  alpn?: string;
}

async function runClient(o: ClientOptions): Promise<void> {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(o.connect);
  if (!m) throw new Error('--connect takes HOST:PORT');
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  const report = (l: string) => process.stderr.write(`${l}\n`);
  const trust = o.psk ? undefined : await trustOf(o.cafile, o.capath);
  const config: ClientConfig = {
    provider,
    serverName: o.servername ?? host,
    versions: versionsOf(o),
    cipherSuites: ciphersOf(o.ciphers),
    supportedGroups: groupsOf(o.groups),
    alpnProtocols: o.alpn ? list(o.alpn) : undefined,
    verifier: trust ? reportingVerifier(x509Verifier({ trustAnchors: trust, provider }), report) : undefined,
    psk: o.psk ? { identity: new TextEncoder().encode(o.pskIdentity ?? 'Client_identity'), key: hex(o.psk, '--psk') } : undefined,
    ...identityOf(o.cert, o.key),
  };
  const sock = connect({ ...config, host, port });
  const log = keylogWriter(o.keylog);
  if (log) sock.on('keylog', log);
  await new Promise<void>((resolve) => {
    let failed = false;
    sock.on('secureConnect', (s: SessionInfo) => {
      for (const l of describeSession(s)) report(l);
      report('---');
      process.stdin.pipe(sock);
    });
    sock.on('data', (d: Buffer) => process.stdout.write(d));
    sock.on('error', (e) => {
      failed = true;
      alertExit(e);
      resolve();
    });
    sock.on('close', () => {
      if (!failed && !sock.session) alertExit(new Error('connection closed before the handshake finished'));
      process.stdin.unpipe(sock);
      process.stdin.pause();
      resolve();
    });
  });
}

interface ServerOptions {
  accept: string;
  cert?: string;
  key?: string;
  psk?: string;
  pskIdentity?: string;
  tls1_2?: boolean;
  tls1_3?: boolean;
  echo?: boolean;
  verifyClient?: boolean;
  cafile?: string;
  keylog?: string;
  ciphers?: string;
  groups?: string;
  alpn?: string;
  naccept?: string;
}

async function runServer(o: ServerOptions): Promise<void> {
  const report = (l: string) => process.stderr.write(`${l}\n`);
  if (o.verifyClient && !o.cafile) throw new Error('--verify-client needs --cafile');
  const pskKey = o.psk ? hex(o.psk, '--psk') : undefined;
  const config: ServerConfig = {
    provider,
    versions: versionsOf(o),
    cipherSuites: ciphersOf(o.ciphers),
    supportedGroups: groupsOf(o.groups),
    alpnProtocols: o.alpn ? list(o.alpn) : undefined,
    clientAuthentication: o.verifyClient ? 'require' : 'none',
    verifier: o.verifyClient ? reportingVerifier(x509Verifier({ trustAnchors: await trustOf(o.cafile), provider }), report) : undefined,
    pskLookup: pskKey
      ? (id) => (o.pskIdentity === undefined || new TextDecoder().decode(id) === o.pskIdentity ? { key: pskKey } : undefined)
      : undefined,
    ticketKey: provider.random.randomBytes(32),
    ...identityOf(o.cert, o.key),
  };
  if (!config.certificateChain && !pskKey) throw new Error('--cert/--key or --psk is needed');
  let remaining = o.naccept ? Number(o.naccept) : Infinity;
  const log = keylogWriter(o.keylog);
  const server = createServer(config, (sock: TlsSocket) => {
    for (const l of describeSession(sock.session!)) report(l);
    report('---');
    if (o.echo) sock.pipe(sock);
    else {
      sock.on('data', (d: Buffer) => process.stdout.write(d));
      process.stdin.pipe(sock);
    }
    sock.on('close', () => {
      if (--remaining <= 0) server.close();
    });
  });
  if (log) server.on('keylog', log);
  server.on('tlsClientError', (e: Error) => report(`handshake failed: ${e.message}`));
  server.listen(Number(o.accept), () => report(`ACCEPT ${(server.address() as AddressInfo).port}`));
  await new Promise<void>((resolve) => server.on('close', () => resolve()));
}

export const registerTls: RegisterCommand = (program: Command) => {
  const tls = program.command('tls').description('TLS 1.3 / 1.2 client and server (like openssl s_client / s_server)');
  tls
    .command('client')
    .description('connect, print what was negotiated and the peer certificate, then copy stdin to the connection and the connection to stdout')
    .requiredOption('--connect <host:port>', 'server to connect to')
    .option('--servername <name>', 'SNI and the name checked in the certificate (default: the host)')
    .option('--cafile <file>', 'trust anchors (PEM)')
    .option('--capath <dir>', 'hashed directory of trust anchors (default /etc/ssl/certs)')
    .option('--tls1_2', 'TLS 1.2 only')
    .option('--tls1_3', 'TLS 1.3 only')
    .option('--ciphers <list>', 'cipher suites, IANA or OpenSSL names, colon-separated')
    .option('--groups <list>', 'key exchange groups: x25519, P-256, P-384')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'client private key (PEM)')
    .option('--psk <hex>', 'external PSK (TLS 1.3)')
    .option('--psk-identity <id>', 'PSK identity')
    .option('--alpn <list>', 'ALPN protocols, comma-separated')
    .option('--keylog <file>', 'append SSLKEYLOGFILE lines to this file')
    .action((o: ClientOptions) => runClient(o).catch(alertExit));
  tls
    .command('server')
    .description('accept TLS connections, print what was negotiated, and echo or copy stdin/stdout')
    .requiredOption('--accept <port>', 'TCP port (0: any free port, printed as ACCEPT <port>)')
    .option('--cert <file>', 'server certificate chain (PEM)')
    .option('--key <file>', 'server private key (PEM)')
    .option('--psk <hex>', 'external PSK (TLS 1.3)')
    .option('--psk-identity <id>', 'accept only this PSK identity')
    .option('--tls1_2', 'TLS 1.2 only')
    .option('--tls1_3', 'TLS 1.3 only')
    .option('--ciphers <list>', 'cipher suites, IANA or OpenSSL names, colon-separated')
    .option('--groups <list>', 'key exchange groups: x25519, P-256, P-384')
    .option('--alpn <list>', 'ALPN protocols, comma-separated')
    .option('--echo', 'echo what each client sends')
    .option('--verify-client', 'require a client certificate (with --cafile)')
    .option('--cafile <file>', 'trust anchors for client certificates (PEM)')
    .option('--keylog <file>', 'append SSLKEYLOGFILE lines to this file')
    .option('--naccept <n>', 'exit after n connections')
    .action((o: ServerOptions) => runServer(o).catch(alertExit));
};
