/**
 * Process harness: start a peer, wait for a line of its output, talk to its stdin, stop it. Every
 * peer runs in its own process group (so a shell wrapper's children die with it) and is registered
 * for cleanup at exit. Waiting is always on output, a port or a file, with a bounded time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type AddressInfo } from 'node:net';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { registerResource, type CleanupRegistration } from './cleanup.js';
import { CommandFailedError, PeerExitedError, PeerTimeoutError, type ExitStatus } from './errors.js';

export type { ExitStatus } from './errors.js';

export interface StartPeerOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin right after start. stdin stays open unless `endInput()` is called. */
  stdin?: string | Uint8Array;
  /** A short name used in error messages (defaults to the command). */
  label?: string;
}

export interface WaitForOutputOptions {
  /** Total time to wait; default 10 000 ms. */
  timeoutMs?: number;
  /** Which stream to look at; default both. */
  stream?: 'stdout' | 'stderr' | 'both';
  /** Only consider lines with an index at or above this (see `lineCount()`); default 0 = all lines. */
  fromLine?: number;
}

export interface OutputLine {
  stream: 'stdout' | 'stderr';
  text: string;
  /** Index of this line among all lines of both streams, in arrival order. */
  index: number;
}

export interface OutputMatch {
  line: OutputLine;
  match: RegExpMatchArray;
}

/** A running process started by {@link startPeer}. */
export interface Peer {
  readonly label: string;
  /** The OS process id (undefined only when the process could not be started). */
  readonly pid: number | undefined;
  /** Resolves (never rejects) when the process has exited and its output is fully read. */
  readonly exited: Promise<ExitStatus>;
  /** Resolves on the first complete line (old or new) matching `pattern`; rejects on timeout or exit. */
  waitForOutput(pattern: RegExp, options?: WaitForOutputOptions): Promise<OutputMatch>;
  write(data: string | Uint8Array): Promise<void>;
  /** Closes the peer's stdin. */
  endInput(): void;
  /** Everything printed so far, stdout and stderr interleaved by arrival. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Number of complete output lines so far (for `waitForOutput({fromLine})`). */
  lineCount(): number;
  /** The exit status if the process has exited. */
  exitStatus(): ExitStatus | undefined;
  /**
   * Sends `signal` (default SIGTERM) to the process group and waits for the exit; after `graceMs`
   * (default 3000) it sends SIGKILL. Resolves with the exit status; harmless if already exited.
   */
  kill(signal?: NodeJS.Signals, graceMs?: number): Promise<ExitStatus>;
  /** Same as `kill()`; for `afterEach`/`finally`. */
  dispose(): Promise<void>;
}

interface Waiter {
  pattern: RegExp;
  stream: 'stdout' | 'stderr' | 'both';
  fromLine: number;
  resolve(m: OutputMatch): void;
  reject(e: Error): void;
  describe: string;
  timer: NodeJS.Timeout;
}

/** Starts `cmd args` with piped stdio in a new process group. */
export function startPeer(cmd: string, args: readonly string[], options: StartPeerOptions = {}): Peer {
  const label = options.label ?? cmd;
  const lines: OutputLine[] = [];
  const partial = { stdout: '', stderr: '' };
  const text = { all: '', stdout: '', stderr: '' };
  const waiters = new Set<Waiter>();
  let status: ExitStatus | undefined;
  let registration: CleanupRegistration | undefined;

  const child: ChildProcess = spawn(cmd, [...args], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = child.pid;
  if (pid !== undefined) {
    registration = registerResource(`${label} (pid ${pid})`, { kind: 'process-group', pid });
  }

  const describeWait = (pattern: RegExp): string => `${pattern} in the output of ${label}`;

  const check = (w: Waiter, line: OutputLine): boolean => {
    if (line.index < w.fromLine) return false;
    if (w.stream !== 'both' && w.stream !== line.stream) return false;
    const m = line.text.match(w.pattern);
    if (!m) return false;
    clearTimeout(w.timer);
    waiters.delete(w);
    w.resolve({ line, match: m });
    return true;
  };

  const pushLine = (stream: 'stdout' | 'stderr', lineText: string): void => {
    const line: OutputLine = { stream, text: lineText.replace(/\r$/, ''), index: lines.length };
    lines.push(line);
    for (const w of [...waiters]) check(w, line);
  };

  const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const s = chunk.toString('utf8');
    text.all += s;
    text[stream] += s;
    const parts = (partial[stream] + s).split('\n');
    partial[stream] = parts.pop() ?? '';
    for (const p of parts) pushLine(stream, p);
  };
  child.stdout?.on('data', onData('stdout'));
  child.stderr?.on('data', onData('stderr'));
  // A peer that exits while we write must not crash the test process with EPIPE.
  child.stdin?.on('error', () => undefined);

  const exited = new Promise<ExitStatus>((resolve) => {
    let spawnError: Error | undefined;
    child.once('error', (e) => {
      spawnError = e;
      if (pid === undefined) finish({ code: null, signal: null, error: e });
    });
    child.once('close', (code, signal) => finish({ code, signal, ...(spawnError ? { error: spawnError } : {}) }));
    function finish(s: ExitStatus): void {
      if (status) return;
      for (const stream of ['stdout', 'stderr'] as const) {
        if (partial[stream] !== '') pushLine(stream, partial[stream]);
        partial[stream] = '';
      }
      status = s;
      registration?.release();
      for (const w of [...waiters]) {
        clearTimeout(w.timer);
        waiters.delete(w);
        w.reject(new PeerExitedError(w.describe, s, text.all));
      }
      resolve(s);
    }
  });

  if (options.stdin !== undefined) child.stdin?.write(options.stdin);

  const peer: Peer = {
    label,
    pid,
    exited,
    waitForOutput(pattern, opts = {}) {
      const timeoutMs = opts.timeoutMs ?? 10_000;
      return new Promise<OutputMatch>((resolve, reject) => {
        const w: Waiter = {
          pattern,
          stream: opts.stream ?? 'both',
          fromLine: opts.fromLine ?? 0,
          resolve,
          reject,
          describe: describeWait(pattern),
          timer: setTimeout(() => {
            waiters.delete(w);
            reject(new PeerTimeoutError(w.describe, timeoutMs, text.all));
          }, timeoutMs),
        };
        waiters.add(w);
        for (const line of lines) if (check(w, line)) return;
        if (status) {
          clearTimeout(w.timer);
          waiters.delete(w);
          reject(new PeerExitedError(w.describe, status, text.all));
        }
      });
    },
    write(data) {
      return new Promise<void>((resolve, reject) => {
        const stdin = child.stdin;
        if (!stdin || stdin.destroyed || stdin.writableEnded) {
          reject(new PeerExitedError(`writing to the stdin of ${label}`, status ?? { code: null, signal: null }, text.all));
          return;
        }
        stdin.write(data, (err) => (err ? reject(err) : resolve()));
      });
    },
    endInput() {
      child.stdin?.end();
    },
    output: () => text.all,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    lineCount: () => lines.length,
    exitStatus: () => status,
    async kill(signal = 'SIGTERM', graceMs = 3000) {
      if (status) return status;
      if (pid === undefined) return exited;
      killGroup(pid, signal);
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    async dispose() {
      await peer.kill();
    },
  };
  return peer;
}

/** Signals a whole process group (the peer was started as its leader); falls back to the pid. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, which is then closed. */
  input?: string | Uint8Array;
  /** Total time before the command is killed and the call rejects; default 30 000 ms. */
  timeoutMs?: number;
  /** Reject with {@link CommandFailedError} on a non-zero exit (default true). */
  check?: boolean;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion with a bounded time and returns its output. */
export async function runCommand(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const commandLine = [cmd, ...args].join(' ');
  const peer = startPeer(cmd, args, { env: options.env, cwd: options.cwd, label: commandLine });
  if (options.input !== undefined) await peer.write(options.input).catch(() => undefined);
  peer.endInput();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void peer.kill('SIGKILL');
  }, timeoutMs);
  const exit = await peer.exited;
  clearTimeout(timer);
  if (timedOut) throw new PeerTimeoutError(`${commandLine} to finish`, timeoutMs, peer.output());
  const result: RunResult = { code: exit.code, signal: exit.signal, stdout: peer.stdout(), stderr: peer.stderr() };
  if ((options.check ?? true) && (exit.code !== 0 || exit.error)) {
    throw new CommandFailedError(commandLine, exit, result.stdout, result.stderr);
  }
  return result;
}

/** Finds a currently free port on 127.0.0.1 by binding port 0 and closing the socket again. */
export function freePort(kind: 'tcp' | 'udp' = 'tcp', host = '127.0.0.1'): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    if (kind === 'tcp') {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, host, () => {
        const port = (server.address() as AddressInfo).port;
        server.close(() => resolve(port));
      });
    } else {
      const socket = createSocket('udp4');
      socket.once('error', reject);
      socket.bind(0, host, () => {
        const port = socket.address().port;
        socket.close(() => resolve(port));
      });
    }
  });
}

export interface PollOptions {
  /** Total time; default 10 000 ms. */
  timeoutMs?: number;
  /** Time between attempts; default 50 ms. */
  intervalMs?: number;
  /** A peer whose exit ends the wait early, and whose output goes into the error. */
  peer?: Peer;
}

/**
 * Polls `probe` until it returns true, for at most `timeoutMs`. Rejects with {@link PeerTimeoutError}
 * (carrying the peer's output when one is given) or {@link PeerExitedError} if the peer exits first.
 */
export async function pollUntil(what: string, probe: () => boolean | Promise<boolean>, options: PollOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    const exit = options.peer?.exitStatus();
    if (exit && options.peer) throw new PeerExitedError(what, exit, options.peer.output());
    if (Date.now() >= deadline) throw new PeerTimeoutError(what, timeoutMs, options.peer?.output() ?? '');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Polls a TCP port until a connection succeeds. */
export function waitForPort(host: string, port: number, options: PollOptions = {}): Promise<void> {
  return pollUntil(`TCP port ${host}:${port} to accept connections`, () => tryConnect(host, port), options);
}

/** Polls until a file (e.g. a unix socket or pid file) exists. */
export function waitForFile(path: string, options: PollOptions = {}): Promise<void> {
  return pollUntil(`${path} to exist`, () => existsSync(path), options);
}

function tryConnect(host: string, port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
