/**
 * Registry of live resources (process groups, network namespaces, temporary directories). Each
 * resource's own `dispose()` releases it; whatever is still registered when the Node process goes
 * away — a test that timed out, an uncaught error, Ctrl-C, even SIGKILL — is removed by a reaper: a
 * small detached process that learns about every resource over a pipe and cleans up what is left
 * when that pipe closes. (An `exit` hook alone is not enough: jest gives each test file a copy of
 * `process` whose `exit` event never fires.)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

/** What a resource is, so the reaper knows how to remove it. */
export type Resource =
  | { kind: 'process-group'; pid: number }
  | { kind: 'netns'; name: string }
  | { kind: 'dir'; path: string };

/** A handle returned by {@link registerResource}; `release()` forgets the resource (it was disposed). */
export interface CleanupRegistration {
  release(): void;
}

const live = new Map<number, { what: string; resource: Resource }>();
let nextId = 1;
let reaper: ChildProcess | undefined;
let exitHookInstalled = false;

/**
 * The reaper, run by `node -e`. Lines on stdin: `+ID JSON` registers a resource, `-ID` releases it.
 * At end of input (the parent is gone) it removes what is left: process groups first, then
 * namespaces (after killing what runs in them), then directories.
 */
const REAPER_SOURCE = `
const { execFileSync } = require('node:child_process');
const { rmSync } = require('node:fs');
const live = new Map();
let buf = '';
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    if (line[0] === '+') { const sp = line.indexOf(' '); live.set(line.slice(1, sp), JSON.parse(line.slice(sp + 1))); }
    else if (line[0] === '-') live.delete(line.slice(1));
  }
});
const reap = () => {
  const all = [...live.values()];
  for (const r of all) if (r.kind === 'process-group') { try { process.kill(-r.pid, 'SIGKILL'); } catch { try { process.kill(r.pid, 'SIGKILL'); } catch {} } }
  for (const r of all) if (r.kind === 'netns') {
    try { for (const p of execFileSync('ip', ['netns', 'pids', r.name], { encoding: 'utf8' }).split(/\\s+/).filter(Boolean)) { try { process.kill(Number(p), 'SIGKILL'); } catch {} } } catch {}
    try { execFileSync('ip', ['netns', 'del', r.name], { stdio: 'ignore' }); } catch {}
  }
  for (const r of all) if (r.kind === 'dir') { try { rmSync(r.path, { recursive: true, force: true }); } catch {} }
  process.exit(0);
};
process.stdin.on('end', reap);
process.stdin.on('error', reap);
`;

function send(line: string): void {
  if (!reaper) {
    reaper = spawn(process.execPath, ['-e', REAPER_SOURCE], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    reaper.unref();
    const stdin = reaper.stdin as Socket | null;
    stdin?.on('error', () => undefined);
    stdin?.unref();
  }
  reaper.stdin?.write(`${line}\n`);
}

/**
 * Registers a live resource. Call `release()` from the resource's own `dispose()` once it is gone.
 */
export function registerResource(what: string, resource: Resource): CleanupRegistration {
  installExitHook();
  const id = nextId++;
  live.set(id, { what, resource });
  send(`+${id} ${JSON.stringify(resource)}`);
  return {
    release: () => {
      if (live.delete(id)) send(`-${id}`);
    },
  };
}

/** Descriptions of the resources still registered (for tests that check nothing leaked). */
export function liveResources(): string[] {
  return [...live.values()].map((r) => r.what);
}

/** Removes every registered resource now, synchronously, newest first. */
export function cleanupAllSync(): void {
  const entries = [...live.entries()].reverse();
  for (const [id, { resource }] of entries) {
    live.delete(id);
    try {
      removeSync(resource);
    } catch {
      // Last resort: one failing cleanup must not stop the others.
    }
    send(`-${id}`);
  }
}

function removeSync(r: Resource): void {
  switch (r.kind) {
    case 'process-group':
      try {
        process.kill(-r.pid, 'SIGKILL');
      } catch {
        try {
          process.kill(r.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      return;
    case 'netns':
      for (const pid of execFileSync('ip', ['netns', 'pids', r.name], { encoding: 'utf8' }).split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      execFileSync('ip', ['netns', 'del', r.name], { stdio: 'ignore' });
      return;
    case 'dir':
      execFileSync('rm', ['-rf', '--', r.path]);
      return;
  }
}

/** Outside jest (e.g. the lab's CLI) the `exit` event fires: clean up there without waiting for the reaper. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', cleanupAllSync);
}
