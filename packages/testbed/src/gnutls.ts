/**
 * GnuTLS `gnutls-serv` / `gnutls-cli` as interop peers (shared/INTEROP.md). gnutls-serv has no
 * exit-after-one option and listens on every address of its namespace: `dispose()` stops it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerResource } from './cleanup.js';
import { freePort, startPeer, type Peer } from './process.js';
import { runClient, type ClientRunOptions, type TlsClientResult, type TlsProtocol, type TlsServerPeer } from './tls-peer.js';

interface GnutlsCommon {
  /** Default '1.3'. */
  tls?: TlsProtocol;
  /** Full priority string; default derived from `tls` and `psk`. */
  priority?: string;
  cert?: string;
  key?: string;
  /** Trust anchors (`--x509cafile`). */
  caFile?: string;
  /** External PSK as hex. */
  psk?: string;
  pskIdentity?: string;
  /** SSLKEYLOGFILE output (GnuTLS reads the variable). */
  keylogFile?: string;
  /** DTLS MTU (`--mtu`). */
  mtu?: number;
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface GnutlsServerOptions extends GnutlsCommon {
  /** Default: a free port. gnutls-serv binds every address; clients should use 127.0.0.1. */
  port?: number;
  pskHint?: string;
  /** Require a client certificate verified against `caFile`. */
  verifyClient?: boolean;
  /** Echo server (default true); false with `http` for the HTTP status page. */
  echo?: boolean;
  http?: boolean;
  readyTimeoutMs?: number;
}

export interface GnutlsClientOptions extends GnutlsCommon, ClientRunOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Checked against the certificate (`--verify-hostname`) and sent as SNI (`--sni-hostname`). */
  servername?: string;
  /** Accept any certificate (`--insecure`); default true when neither `caFile` nor `psk` is set. */
  insecure?: boolean;
}

/** The priority string INTEROP.md gives for the protocol, with PSK key exchange when asked. */
export function gnutlsPriority(tls: TlsProtocol, psk: boolean): string {
  const version = tls === '1.3' ? '+VERS-TLS1.3' : tls === '1.2' ? '+VERS-TLS1.2' : '+VERS-DTLS1.2';
  const base = `NORMAL:-VERS-ALL:${version}`;
  if (!psk) return base;
  return tls === '1.3' ? `${base}:+PSK:+ECDHE-PSK` : `${base}:-KX-ALL:+PSK:+ECDHE-PSK`;
}

function withKeylog(o: GnutlsCommon): NodeJS.ProcessEnv {
  const env = { ...(o.env ?? process.env) };
  if (o.keylogFile) env.SSLKEYLOGFILE = o.keylogFile;
  return env;
}

/**
 * Starts `gnutls-serv` and resolves once it listens. A PSK is written to a private password file
 * that `dispose()` removes.
 */
export async function gnutlsServer(options: GnutlsServerOptions = {}): Promise<TlsServerPeer> {
  const tls = options.tls ?? '1.3';
  const port = options.port ?? (await freePort(tls === 'dtls1.2' ? 'udp' : 'tcp'));
  const args = ['-p', String(port), '--priority', options.priority ?? gnutlsPriority(tls, options.psk !== undefined)];
  if (tls === 'dtls1.2') args.push('-u');
  if (options.http) args.push('--http');
  else if (options.echo ?? true) args.push('--echo');
  if (options.cert) args.push('--x509certfile', options.cert);
  if (options.key) args.push('--x509keyfile', options.key);
  if (options.caFile) args.push('--x509cafile', options.caFile);
  if (options.verifyClient) args.push('--require-client-cert', '--verify-client-cert');
  if (options.mtu !== undefined) args.push('--mtu', String(options.mtu));
  let pskDir: string | undefined;
  let pskRegistration: ReturnType<typeof registerResource> | undefined;
  if (options.psk !== undefined) {
    pskDir = mkdtempSync(join(tmpdir(), 'layersec-gnutls-psk-'));
    pskRegistration = registerResource(`PSK file of gnutls-serv in ${pskDir}`, { kind: 'dir', path: pskDir });
    const file = join(pskDir, 'psk.passwd');
    writeFileSync(file, `${options.pskIdentity ?? 'Client_identity'}:${options.psk}\n`, { mode: 0o600 });
    args.push('--pskpasswd', file);
    if (options.pskHint) args.push('--pskhint', options.pskHint);
  }
  args.push(...(options.extraArgs ?? []));
  const peer = startPeer('gnutls-serv', args, { env: withKeylog(options), label: `gnutls-serv (${tls}, port ${port})` });
  const removePsk = (): void => {
    if (pskDir) rmSync(pskDir, { recursive: true, force: true });
    pskRegistration?.release();
  };
  void peer.exited.then(removePsk);
  try {
    await peer.waitForOutput(/listening on IPv4 .* port \d+\.\.\.done/, { timeoutMs: options.readyTimeoutMs ?? 10_000 });
  } catch (e) {
    await peer.dispose();
    throw e;
  }
  return Object.assign(peer, { host: '127.0.0.1', port, protocol: tls });
}

/** The `gnutls-cli` arguments for these options. */
export function gnutlsClientArgs(o: GnutlsClientOptions): string[] {
  const tls = o.tls ?? '1.3';
  const a = [o.host ?? '127.0.0.1', '-p', String(o.port), '--priority', o.priority ?? gnutlsPriority(tls, o.psk !== undefined)];
  if (tls === 'dtls1.2') a.push('-u');
  if (o.caFile) a.push('--x509cafile', o.caFile);
  if (o.servername) a.push('--verify-hostname', o.servername, '--sni-hostname', o.servername);
  if (o.cert) a.push('--x509certfile', o.cert);
  if (o.key) a.push('--x509keyfile', o.key);
  if (o.psk !== undefined) a.push('--pskusername', o.pskIdentity ?? 'Client_identity', '--pskkey', o.psk);
  if (o.insecure ?? (o.caFile === undefined && o.psk === undefined)) a.push('--insecure');
  if (o.mtu !== undefined) a.push('--mtu', String(o.mtu));
  a.push(...(o.extraArgs ?? []));
  return a;
}

/** Starts `gnutls-cli` for interactive use. */
export function startGnutlsClient(options: GnutlsClientOptions): Peer {
  return startPeer('gnutls-cli', gnutlsClientArgs(options), {
    env: withKeylog(options),
    label: `gnutls-cli (${options.tls ?? '1.3'}, port ${options.port})`,
  });
}

/**
 * Runs `gnutls-cli` to the end. gnutls-cli ends the session when its stdin ends, so give `until`
 * (the expected reply) when the server's answer matters.
 */
export async function gnutlsClient(options: GnutlsClientOptions): Promise<TlsClientResult> {
  const peer = startGnutlsClient(options);
  const exit = await runClient(peer, options);
  return { exit, stdout: peer.stdout(), stderr: peer.stderr(), ...parseGnutlsClientOutput(peer.stdout() + peer.stderr()) };
}

/**
 * Extracts protocol, cipher and verification from gnutls-cli output, whose session line reads
 * `- Description: (TLS1.3-X.509)-(ECDHE-SECP256R1)-(ECDSA-SECP256R1-SHA256)-(AES-256-GCM)`.
 */
export function parseGnutlsClientOutput(output: string): Pick<TlsClientResult, 'protocol' | 'cipher' | 'verified'> {
  const out: Pick<TlsClientResult, 'protocol' | 'cipher' | 'verified'> = {};
  const description = /^- Description: (.*)$/m.exec(output);
  if (description?.[1]) {
    const groups = [...description[1].matchAll(/\(([^)]*)\)/g)].map((m) => m[1] ?? '');
    out.protocol = (groups[0] ?? '').split('-')[0];
    const cipher = groups[groups.length - 1];
    if (cipher) out.cipher = cipher;
  }
  if (/^- Status: The certificate is trusted/m.test(output)) out.verified = true;
  else if (/^- Status: The certificate is NOT trusted/m.test(output)) out.verified = false;
  return out;
}
