/**
 * `lab dtls client` / `lab dtls server`: @layersec/dtls (DTLS 1.2, RFC 6347) on the command line,
 * with the options of `lab tls` and `openssl s_client/s_server -dtls1_2`. Message semantics: each
 * line of stdin is one DTLS record, each record received is written to stdout. Connection facts go
 * to stderr.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { loadTrustStore, parseCertificates, parsePrivateKey } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { connect, createServer, type DtlsSessionInfo, type DtlsSocket } from '@layersec/dtls';
import { TlsAlertError, suiteByName, x509Verifier } from '@layersec/tls';
import type { RegisterCommand } from './index.js';

const provider = nodeProvider;

function hex(value: string, what: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2})+$/.test(value)) throw new Error(`${what} must be hex`);
  return Uint8Array.from(Buffer.from(value, 'hex'));
}

function mtuOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 128 || n > 65507) throw new Error('--mtu takes 128..65507');
  return n;
}

function ciphersOf(value: string | undefined): number[] | undefined {
  if (!value) return undefined;
  return value
    .split(/[:,]/)
    .filter(Boolean)
    .map((n) => {
      const s = suiteByName(n);
      if (!s || s.version !== 'TLSv1.2') throw new Error(`unknown DTLS 1.2 cipher suite ${n}`);
      return s.id;
    });
}

function describe(s: DtlsSessionInfo): string[] {
  return [
    `Protocol: ${s.protocol}`,
    `Cipher suite: ${s.cipherSuiteName}`,
    `Extended master secret: ${s.extendedMasterSecret ? 'yes' : 'no'}`,
    `Resumed: ${s.resumed ? 'yes' : 'no'}`,
    `Retransmissions: ${s.retransmissions}`,
    ...(s.pskIdentity ? [`PSK identity: ${new TextDecoder().decode(s.pskIdentity)}`] : []),
    ...(s.peerCertificates.length ? [`Peer certificates: ${s.peerCertificates.length}`] : []),
  ];
}

function fail(err: unknown): void {
  const name = err instanceof TlsAlertError ? err.alertName : undefined;
  process.stderr.write(`lab dtls: ${name ? `alert ${name}: ` : ''}${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}

interface CommonOptions {
  psk?: string;
  pskIdentity?: string;
  cert?: string;
  key?: string;
  cafile?: string;
  keylog?: string;
  mtu?: string;
  ciphers?: string;
}

function credentials(o: CommonOptions) {
  if (!o.cert && !o.key) return {};
  if (!o.cert || !o.key) throw new Error('--cert and --key go together');
  return { certificateChain: parseCertificates(readFileSync(o.cert, 'utf8')).map((c) => c.der), privateKey: parsePrivateKey(readFileSync(o.key, 'utf8')) };
}

async function runClient(o: CommonOptions & { connect: string; servername?: string }): Promise<void> {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(o.connect);
  if (!m) throw new Error('--connect takes HOST:PORT');
  const host = m[1] ?? m[2];
  const report = (l: string) => process.stderr.write(`${l}\n`);
  const verifier = o.psk && !o.cafile ? undefined : x509Verifier({ trustAnchors: await loadTrustStore(o.cafile ?? '/etc/ssl/certs'), provider });
  const sock = connect({
    host,
    port: Number(m[3]),
    provider,
    serverName: o.servername ?? host,
    verifier,
    psk: o.psk ? { identity: new TextEncoder().encode(o.pskIdentity ?? 'Client_identity'), key: hex(o.psk, '--psk') } : undefined,
    mtu: mtuOf(o.mtu),
    cipherSuites: ciphersOf(o.ciphers),
    ...credentials(o),
  });
  if (o.keylog) sock.on('keylog', (line: string) => appendFileSync(o.keylog!, `${line}\n`));
  // Lines typed (or piped) before the handshake is done wait for it.
  const queued: string[] = [];
  let inputEnded = false;
  let ready = false;
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => (ready ? sock.send(`${line}\n`) : queued.push(line)));
  rl.on('close', () => {
    inputEnded = true;
    if (ready) sock.close();
  });
  await new Promise<void>((resolve) => {
    sock.on('secureConnect', (s: DtlsSessionInfo) => {
      for (const l of describe(s)) report(l);
      report('---');
      ready = true;
      for (const line of queued.splice(0)) sock.send(`${line}\n`);
      if (inputEnded) sock.close();
    });
    sock.on('message', (d: Uint8Array) => process.stdout.write(d));
    sock.on('error', (e: Error) => fail(e));
    sock.on('close', () => {
      if (!sock.session && process.exitCode === undefined) fail(new Error('closed before the handshake finished'));
      rl.close();
      process.stdin.pause();
      resolve();
    });
  });
}

async function runServer(o: CommonOptions & { accept: string; echo?: boolean; naccept?: string }): Promise<void> {
  const report = (l: string) => process.stderr.write(`${l}\n`);
  const pskKey = o.psk ? hex(o.psk, '--psk') : undefined;
  const creds = credentials(o);
  if (!creds.certificateChain && !pskKey) throw new Error('--cert/--key or --psk is needed');
  const server = createServer({
    provider,
    psk: pskKey ? { lookup: (id) => (o.pskIdentity === undefined || new TextDecoder().decode(id) === o.pskIdentity ? pskKey : undefined) } : undefined,
    mtu: mtuOf(o.mtu),
    cipherSuites: ciphersOf(o.ciphers),
    ...creds,
  });
  let remaining = o.naccept ? Number(o.naccept) : Infinity;
  const live = new Set<DtlsSocket>();
  if (!o.echo) {
    const rl = createInterface({ input: process.stdin });
    rl.on('line', (line) => {
      for (const s of live) s.send(`${line}\n`);
    });
  }
  const done = new Promise<void>((resolve) => {
    server.on('secureConnection', (sock: DtlsSocket) => {
      for (const l of describe(sock.session!)) report(l);
      report('---');
      live.add(sock);
      sock.on('message', (m: Uint8Array) => (o.echo ? sock.send(m) : process.stdout.write(m)));
      sock.on('close', () => {
        live.delete(sock);
        if (--remaining <= 0) {
          server.close();
          resolve();
        }
      });
    });
    server.on('clientError', (e: Error) => report(`handshake failed: ${e.message}`));
  });
  if (o.keylog) server.on('keylog', (line: string) => appendFileSync(o.keylog!, `${line}\n`));
  const port = await server.listen(Number(o.accept));
  report(`ACCEPT ${port}`);
  await done;
  process.stdin.pause();
}

export const registerDtls: RegisterCommand = (program: Command) => {
  const dtls = program.command('dtls').description('DTLS 1.2 client and server over UDP (like openssl s_client / s_server -dtls1_2)');
  dtls
    .command('client')
    .description('connect over UDP, print what was negotiated, then send each stdin line as one record and print each record received')
    .requiredOption('--connect <host:port>', 'server to connect to')
    .option('--servername <name>', 'name checked in the certificate (default: the host)')
    .option('--cafile <file>', 'trust anchors (PEM; default /etc/ssl/certs)')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'client private key (PEM)')
    .option('--psk <hex>', 'external PSK (RFC 4279)')
    .option('--psk-identity <id>', 'PSK identity (default Client_identity)')
    .option('--ciphers <list>', 'cipher suites, IANA or OpenSSL names, colon-separated')
    .option('--mtu <n>', 'path MTU: largest handshake datagram (default 1200)')
    .option('--keylog <file>', 'append SSLKEYLOGFILE lines to this file')
    .action((o) => runClient(o).catch(fail));
  dtls
    .command('server')
    .description('accept DTLS sessions on a UDP port (stateless cookies), print what was negotiated, echo or copy stdin/stdout')
    .requiredOption('--accept <port>', 'UDP port (0: any free port, printed as ACCEPT <port>)')
    .option('--cert <file>', 'server certificate chain (PEM)')
    .option('--key <file>', 'server private key (PEM)')
    .option('--psk <hex>', 'external PSK (RFC 4279)')
    .option('--psk-identity <id>', 'accept only this PSK identity')
    .option('--ciphers <list>', 'cipher suites, IANA or OpenSSL names, colon-separated')
    .option('--mtu <n>', 'path MTU: largest handshake datagram (default 1200)')
    .option('--echo', 'echo each record back to its sender')
    .option('--keylog <file>', 'append SSLKEYLOGFILE lines to this file')
    .option('--naccept <n>', 'exit after n sessions closed')
    .action((o) => runServer(o).catch(fail));
};
