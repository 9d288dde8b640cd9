/**
 * OpenSSL `s_server` / `s_client` as interop peers, with the options shared/INTEROP.md records as
 * working on this machine (TLS 1.3, TLS 1.2, DTLS 1.2, certificates and PSK, key logging).
 */
import { freePort, startPeer, type Peer } from './process.js';
import { runClient, type ClientRunOptions, type TlsClientResult, type TlsProtocol, type TlsServerPeer } from './tls-peer.js';

interface OpensslCommon {
  /** Default '1.3'. */
  tls?: TlsProtocol;
  cert?: string;
  key?: string;
  /** TLS 1.2 / DTLS cipher list (`-cipher`), e.g. `ECDHE-ECDSA-AES128-GCM-SHA256`, `PSK-AES128-GCM-SHA256`. */
  ciphers?: string;
  /** TLS 1.3 suites (`-ciphersuites`), e.g. `TLS_CHACHA20_POLY1305_SHA256`. */
  ciphersuites?: string;
  /** `-groups`, e.g. `P-384` or `X25519:P-256`. */
  groups?: string;
  /** External PSK as hex. */
  psk?: string;
  pskIdentity?: string;
  caFile?: string;
  /** SSLKEYLOGFILE output (`-keylogfile`). */
  keylogFile?: string;
  /** DTLS path MTU (`-mtu`). */
  mtu?: number;
  /** Appended verbatim. */
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface OpensslServerOptions extends OpensslCommon {
  /** Extra certificates sent after `cert` (`-cert_chain`), e.g. the intermediate CA. */
  certChain?: string;
  /** Default: a free port found by {@link freePort}. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** TLS 1.2 PSK identity hint (`-psk_hint`). */
  pskHint?: string;
  /** Require a client certificate verified against `caFile` (`-Verify 1`). */
  verifyClient?: boolean;
  /** Answer each line reversed; a line `CLOSE` closes the connection (`-rev`, TLS only). */
  rev?: boolean;
  /** Answer an HTTP GET with a status page naming the session's cipher (`-www`). */
  www?: boolean;
  /** Exit after this many connections (`-naccept`). */
  naccept?: number;
  /** Time to wait for the ACCEPT line; default 10 000 ms. */
  readyTimeoutMs?: number;
}

export interface OpensslClientOptions extends OpensslCommon, ClientRunOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** SNI (`-servername`), also used by OpenSSL for nothing else: hostname checks need `verifyHostname`. */
  servername?: string;
  /** Check the certificate's names against this (`-verify_hostname`). */
  verifyHostname?: string;
  /** Fail the handshake when the chain does not verify (`-verify_return_error`); default true when `caFile` is set. */
  verifyReturnError?: boolean;
  /**
   * Keep the connection after stdin ends until the server closes it (`-ign_eof`). Default for
   * {@link opensslClient}: true unless `until` is set; for {@link startOpensslClient}: false.
   */
  ignEof?: boolean;
}

function versionFlag(tls: TlsProtocol): string {
  return tls === '1.3' ? '-tls1_3' : tls === '1.2' ? '-tls1_2' : '-dtls1_2';
}

function commonArgs(o: OpensslCommon): string[] {
  const a: string[] = [];
  if (o.cert) a.push('-cert', o.cert);
  if (o.key) a.push('-key', o.key);
  if (o.ciphers) a.push('-cipher', o.ciphers);
  if (o.ciphersuites) a.push('-ciphersuites', o.ciphersuites);
  if (o.groups) a.push('-groups', o.groups);
  if (o.psk) a.push('-psk', o.psk);
  if (o.pskIdentity) a.push('-psk_identity', o.pskIdentity);
  if (o.caFile) a.push('-CAfile', o.caFile);
  if (o.keylogFile) a.push('-keylogfile', o.keylogFile);
  if (o.mtu !== undefined) a.push('-mtu', String(o.mtu));
  return a;
}

/** The `openssl s_server` arguments for these options (exported for logs and the lab's printouts). */
export function opensslServerArgs(o: OpensslServerOptions & { port: number }): string[] {
  const tls = o.tls ?? '1.3';
  const a = ['s_server', '-accept', `${o.host ?? '127.0.0.1'}:${o.port}`, versionFlag(tls), ...commonArgs(o)];
  if (o.certChain) a.push('-cert_chain', o.certChain);
  if (!o.cert && o.psk) a.push('-nocert');
  if (o.pskHint) a.push('-psk_hint', o.pskHint);
  if (o.verifyClient) a.push('-Verify', '1');
  if (o.rev) a.push('-rev');
  if (o.www) a.push('-www');
  if (o.naccept !== undefined) a.push('-naccept', String(o.naccept));
  a.push(...(o.extraArgs ?? []));
  return a;
}

/**
 * Starts `openssl s_server` and resolves once it prints ACCEPT. Its stdin stays open (a DTLS server
 * shuts down when stdin ends, and sends what is written to it); `dispose()` stops it.
 */
export async function opensslServer(options: OpensslServerOptions = {}): Promise<TlsServerPeer> {
  const tls = options.tls ?? '1.3';
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort(tls === 'dtls1.2' ? 'udp' : 'tcp', host));
  const args = opensslServerArgs({ ...options, host, port });
  const peer = startPeer('openssl', args, { env: options.env, label: `openssl s_server (${tls}, port ${port})` });
  try {
    await peer.waitForOutput(/^ACCEPT$/, { timeoutMs: options.readyTimeoutMs ?? 10_000 });
  } catch (e) {
    await peer.dispose();
    throw e;
  }
  return Object.assign(peer, { host, port, protocol: tls });
}

/** The `openssl s_client` arguments for these options. */
export function opensslClientArgs(o: OpensslClientOptions): string[] {
  const tls = o.tls ?? '1.3';
  const a = ['s_client', '-connect', `${o.host ?? '127.0.0.1'}:${o.port}`, versionFlag(tls), ...commonArgs(o)];
  if (o.servername) a.push('-servername', o.servername);
  if (o.verifyHostname) a.push('-verify_hostname', o.verifyHostname);
  if (o.verifyReturnError ?? o.caFile !== undefined) a.push('-verify_return_error');
  if (o.ignEof) a.push('-ign_eof');
  a.push(...(o.extraArgs ?? []));
  return a;
}

/** Starts `openssl s_client` for interactive use (write, wait for lines, end input). */
export function startOpensslClient(options: OpensslClientOptions): Peer {
  return startPeer('openssl', opensslClientArgs(options), {
    env: options.env,
    label: `openssl s_client (${options.tls ?? '1.3'}, port ${options.port})`,
  });
}

/**
 * Runs `openssl s_client` to the end: sends `input`, and either waits for the server to close (the
 * default, `-ign_eof`; e.g. with an `-rev` server and a `CLOSE` line) or, with `until`, waits for that
 * reply and then ends the session. Resolves with the exit status, the output and the negotiated
 * protocol and cipher; a refused handshake is a result with a non-zero exit, not an exception.
 */
export async function opensslClient(options: OpensslClientOptions): Promise<TlsClientResult> {
  const peer = startOpensslClient({ ...options, ignEof: options.ignEof ?? options.until === undefined });
  const exit = await runClient(peer, options);
  return { exit, stdout: peer.stdout(), stderr: peer.stderr(), ...parseOpensslClientOutput(peer.stdout()) };
}

/** Extracts the negotiated protocol, cipher and verification result from `s_client` output. */
export function parseOpensslClientOutput(stdout: string): Pick<TlsClientResult, 'protocol' | 'cipher' | 'verified'> {
  const out: Pick<TlsClientResult, 'protocol' | 'cipher' | 'verified'> = {};
  // "Reused" when a TLS 1.3 external PSK was accepted.
  const newLine = /^(?:New|Reused), (\S+), Cipher is (\S+)/m.exec(stdout);
  if (newLine && newLine[2] !== '(NONE)') {
    out.protocol = newLine[1];
    out.cipher = newLine[2];
    // DTLS sessions are announced as "New, TLSv1.2"; the session block names the real protocol.
    const sessionProtocol = /^\s+Protocol\s*: (\S+)/m.exec(stdout);
    if (sessionProtocol) out.protocol = sessionProtocol[1];
  }
  const verify = /Verify return code: (\d+)/.exec(stdout);
  if (verify) out.verified = verify[1] === '0';
  return out;
}
