/**
 * A minimal process harness for the interop tests (packages/testbed does not export its harness
 * yet): start a peer, wait for a line of its output (bounded by a deadline, never a sleep), stop it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

export interface Peer {
  readonly process: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the output once `pattern` appears in it; rejects when the peer exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code. */
  exited(): Promise<number | null>;
  stop(): void;
}

const live = new Set<ChildProcess>();
afterAll(() => {
  for (const p of live) p.kill('SIGKILL');
});

/** Starts `cmd`; `input` is written to its stdin, which is then closed when `closeStdin` is set. */
export function startPeer(cmd: string, args: readonly string[], input?: string, closeStdin = false): Peer {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  const waiters: Array<() => void> = [];
  const notify = () => waiters.splice(0).forEach((w) => w());
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString('utf8');
    notify();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString('utf8');
    notify();
  });
  let exitCode: number | null | undefined;
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code;
      live.delete(child);
      notify();
      resolve(code);
    }),
  );
  child.stdin!.on('error', () => undefined);
  if (input !== undefined) child.stdin!.write(input);
  if (closeStdin) child.stdin!.end();
  return {
    process: child,
    output: () => out,
    waitFor(pattern, timeoutMs = 15000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} from ${cmd}; output:\n${out}`)), timeoutMs);
        const check = () => {
          if (pattern.test(out)) {
            clearTimeout(timer);
            resolve(out);
          } else if (exitCode !== undefined) {
            clearTimeout(timer);
            reject(new Error(`${cmd} exited (${exitCode}) before ${pattern}; output:\n${out}`));
          } else waiters.push(check);
        };
        check();
      });
    },
    exited: () => exit,
    stop: () => {
      child.kill('SIGTERM');
    },
  };
}

/** A TCP port free at the time of asking (for peers that must be told their port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
