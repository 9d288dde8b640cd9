/**
 * Typed errors of the harness. Every error that concerns a peer carries what the peer printed, so a
 * failing interop test says why the other side gave up, not only that it did.
 */

/** Base class: every error thrown by the testbed is a `TestbedError`. */
export class TestbedError extends Error {
  override readonly name: string = 'TestbedError';
}

/** A waited-for line, port, file or socket did not appear in time. */
export class PeerTimeoutError extends TestbedError {
  override readonly name = 'PeerTimeoutError';
  constructor(
    /** What was waited for, e.g. `/ACCEPT/ in the output of openssl s_server`. */
    readonly waitingFor: string,
    readonly timeoutMs: number,
    /** Everything the peer printed so far (stdout and stderr interleaved by arrival). */
    readonly peerOutput: string,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${waitingFor}${formatOutput(peerOutput)}`);
  }
}

/** The peer exited (or could not be started) before printing what was waited for. */
export class PeerExitedError extends TestbedError {
  override readonly name = 'PeerExitedError';
  constructor(
    readonly waitingFor: string,
    readonly exit: ExitStatus,
    readonly peerOutput: string,
  ) {
    super(`${describeExit(exit)} while waiting for ${waitingFor}${formatOutput(peerOutput)}`);
  }
}

/** A command run to completion exited non-zero (or by a signal, or did not start). */
export class CommandFailedError extends TestbedError {
  override readonly name = 'CommandFailedError';
  constructor(
    /** The command line, for the message. */
    readonly command: string,
    readonly exit: ExitStatus,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${command}: ${describeExit(exit)}${formatOutput(stdout + stderr)}`);
  }
}

/** The machine lacks something a helper needs (root, `ip netns`, a Debian package). */
export class EnvironmentError extends TestbedError {
  override readonly name = 'EnvironmentError';
}

/** strongSwan refused or failed an operation; carries swanctl's output and the tail of charon.log. */
export class CharonError extends TestbedError {
  override readonly name = 'CharonError';
  constructor(
    message: string,
    readonly swanctlOutput: string,
    readonly charonLog: string,
  ) {
    super(`${message}${formatOutput(swanctlOutput, 'swanctl output')}${formatOutput(tail(charonLog, 60), 'charon.log (tail)')}`);
  }
}

/** How a process ended. `error` is set when it could not be started at all (e.g. ENOENT). */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

export function describeExit(exit: ExitStatus): string {
  if (exit.error) return `could not start (${exit.error.message})`;
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}

function tail(text: string, lines: number): string {
  const all = text.split('\n');
  return all.slice(Math.max(0, all.length - lines)).join('\n');
}

function formatOutput(output: string, label = 'peer output'): string {
  const trimmed = output.trimEnd();
  if (trimmed === '') return `\n--- ${label}: (none)`;
  const limit = 8000;
  const shown = trimmed.length > limit ? `[... ${trimmed.length - limit} chars]\n${trimmed.slice(-limit)}` : trimmed;
  return `\n--- ${label}:\n${shown}`;
}
