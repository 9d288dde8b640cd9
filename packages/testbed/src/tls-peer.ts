/**
 * What the OpenSSL and GnuTLS endpoints share: the protocol choice, the server handle and the way a
 * command-line client is fed its input and run to the end.
 */
import { PeerTimeoutError } from './errors.js';
import type { ExitStatus, Peer } from './process.js';

/** Protocol of an endpoint: TLS 1.2, TLS 1.3 or DTLS 1.2. */
export type TlsProtocol = '1.2' | '1.3' | 'dtls1.2';

/** A TLS/DTLS server peer, ready (listening) when returned. */
export interface TlsServerPeer extends Peer {
  readonly host: string;
  readonly port: number;
  readonly protocol: TlsProtocol;
}

/** How a command-line client run ended and what it said about the session. */
export interface TlsClientResult {
  exit: ExitStatus;
  stdout: string;
  stderr: string;
  /** Negotiated protocol as the tool names it (`TLSv1.3`, `DTLSv1.2`, `TLS1.3`, `DTLS1.2`), if a session was established. */
  protocol?: string;
  /** Negotiated cipher as the tool names it (OpenSSL: `TLS_AES_128_GCM_SHA256`; GnuTLS: `AES-128-GCM`). */
  cipher?: string;
  /** Whether the tool reported the server certificate as verified (undefined when not reported). */
  verified?: boolean;
}

export interface ClientRunOptions {
  /** Sent to the client's stdin (i.e. to the server). */
  input?: string;
  /**
   * Keep stdin open until this pattern appears in the client's output (e.g. the server's reply), then
   * close it; the client then ends the session. Without it, stdin is closed right after `input`.
   */
  until?: RegExp;
  /** Total time for the run; default 15 000 ms. */
  timeoutMs?: number;
}

/** Feeds `input`, waits for `until` (if any), closes stdin and waits for the exit, all within `timeoutMs`. */
export async function runClient(peer: Peer, options: ClientRunOptions): Promise<ExitStatus> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  try {
    if (options.input !== undefined && options.input !== '') await peer.write(options.input).catch(() => undefined);
    if (options.until) {
      await peer.waitForOutput(options.until, { timeoutMs, stream: 'stdout' }).catch((e: unknown) => {
        // An early exit is a result (e.g. a refused handshake), not an error of the harness.
        if (e instanceof PeerTimeoutError) throw e;
      });
    }
    peer.endInput();
    const remaining = Math.max(1, deadline - Date.now());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PeerTimeoutError(`${peer.label} to exit after its input ended`, timeoutMs, peer.output())),
        remaining,
      );
    });
    try {
      return await Promise.race([peer.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } catch (e) {
    await peer.kill('SIGKILL');
    throw e;
  }
}
