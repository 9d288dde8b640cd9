import { createServer, type Server } from 'node:net';
import { createSocket } from 'node:dgram';
import { liveResources } from './cleanup.js';
import { CommandFailedError, PeerExitedError, PeerTimeoutError } from './errors.js';
import { readFileSync } from 'node:fs';
import { freePort, pollUntil, runCommand, startPeer, waitForPort, type Peer } from './process.js';

const peers: Peer[] = [];
function track(p: Peer): Peer {
  peers.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.dispose()));
});

describe('startPeer', () => {
  it('resolves on a matching line of stdout or stderr, with the match groups', async () => {
    const p = track(startPeer('sh', ['-c', 'echo "first line"; echo "port is 4242" >&2; exec cat']));
    const m = await p.waitForOutput(/port is (\d+)/);
    expect(m.line.stream).toBe('stderr');
    expect(m.match[1]).toBe('4242');
    // A line that already arrived is found too.
    expect((await p.waitForOutput(/first/, { stream: 'stdout' })).line.text).toBe('first line');
  });

  it('echoes stdin through write() and exits 0 after endInput()', async () => {
    const p = track(startPeer('cat', [], { stdin: 'one\n' }));
    await p.waitForOutput(/^one$/);
    const from = p.lineCount();
    await p.write('two\n');
    await p.waitForOutput(/^two$/, { fromLine: from });
    p.endInput();
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.stdout()).toBe('one\ntwo\n');
  });

  it('rejects on timeout with the output collected so far', async () => {
    const p = track(startPeer('sh', ['-c', 'echo starting up; exec cat'], { label: 'slow-peer' }));
    await p.waitForOutput(/starting/);
    const err = await p.waitForOutput(/never printed/, { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerTimeoutError);
    expect((err as PeerTimeoutError).message).toContain('slow-peer');
    expect((err as PeerTimeoutError).peerOutput).toContain('starting up');
  });

  it('rejects when the peer exits first, with its exit code and output', async () => {
    const p = track(startPeer('sh', ['-c', 'echo bad option >&2; exit 3']));
    const err = await p.waitForOutput(/ACCEPT/).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerExitedError);
    expect((err as PeerExitedError).exit.code).toBe(3);
    expect((err as PeerExitedError).message).toContain('bad option');
  });

  it('reports a command that cannot be started as an exit with an error, not a crash', async () => {
    const p = track(startPeer('/nonexistent/layersec-peer', []));
    const err = await p.waitForOutput(/x/).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerExitedError);
    expect((await p.exited).error).toBeDefined();
  });

  it('kill() escalates to SIGKILL when the peer ignores SIGTERM, and unregisters it', async () => {
    const p = track(startPeer('sh', ['-c', 'trap "" TERM; echo ready; while :; do read x; done'], { label: 'stubborn' }));
    await p.waitForOutput(/ready/);
    expect(liveResources().some((r) => r.startsWith('stubborn'))).toBe(true);
    const exit = await p.kill('SIGTERM', 200);
    expect(exit.signal).toBe('SIGKILL');
    expect(liveResources().some((r) => r.startsWith('stubborn'))).toBe(false);
  });
});

describe('runCommand', () => {
  it('returns stdout and stderr of a successful command', async () => {
    const r = await runCommand('sh', ['-c', 'read x; echo "got $x"; echo note >&2'], { input: 'abc\n' });
    expect(r).toEqual({ code: 0, signal: null, stdout: 'got abc\n', stderr: 'note\n' });
  });

  it('throws CommandFailedError with the output on a non-zero exit', async () => {
    const err = await runCommand('sh', ['-c', 'echo why >&2; exit 2']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandFailedError);
    expect((err as CommandFailedError).exit.code).toBe(2);
    expect((err as CommandFailedError).message).toContain('why');
  });

  it('kills a command that runs too long', async () => {
    const err2 = await runCommand('tail', ['-f', '/dev/null'], { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(PeerTimeoutError);
  });
});

describe('ports', () => {
  it('freePort finds TCP and UDP ports that can be bound', async () => {
    const tcp = await freePort('tcp');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(tcp, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const udp = await freePort('udp');
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(udp, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => socket.close(resolve));
    expect(tcp).toBeGreaterThan(0);
    expect(udp).toBeGreaterThan(0);
  });

  it('waitForPort resolves once a listener appears and times out on a closed port', async () => {
    const port = await freePort('tcp');
    const waiting = waitForPort('127.0.0.1', port, { timeoutMs: 5000, intervalMs: 20 });
    const server: Server = createServer((s) => s.destroy());
    server.listen(port, '127.0.0.1');
    await waiting;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const err = await waitForPort('127.0.0.1', port, { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerTimeoutError);
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
  });
});

describe('reaper', () => {
  it('kills the peers of a test process that died by SIGKILL', async () => {
    const fixture = new URL('./test-support/orphaned-peer.ts', `file://${__filename}`).pathname;
    const parent = track(startPeer(process.execPath, ['--import', 'tsx', fixture], { label: 'fixture' }));
    const m = await parent.waitForOutput(/^peer pid (\d+)$/, { timeoutMs: 20_000 });
    const pid = Number(m.match[1]);
    expect(isRunning(pid)).toBe(true);
    await parent.kill('SIGKILL');
    await pollUntil(`orphaned peer ${pid} to be killed by the reaper`, () => !isRunning(pid), { timeoutMs: 5000 });
  });
});

/** True while `pid` exists and is not a zombie. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
