/**
 * Talking to a running gateway: a unix socket in a runtime directory (default
 * /run/layersec-vpn), one per network namespace (`<netns>.sock`, `default.sock` outside a named
 * one), so `lab vpn status` and `lab vpn down` run in the gateway's namespace find it. One JSON
 * request per line ({"command":"status"|"down"|"rekey"}), one JSON answer per line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { ChildStatus, GatewayStatus } from './gateway.js';

export const DEFAULT_RUNTIME_DIR = '/run/layersec-vpn';

/** The name of the network namespace this process runs in (`ip netns identify`), or 'default'. */
export function currentNetns(): string {
  const r = spawnSync('ip', ['netns', 'identify', String(process.pid)], { encoding: 'utf8' });
  const name = r.status === 0 ? r.stdout.trim().split('\n')[0] : '';
  return name === '' ? 'default' : name;
}

export function controlSocketPath(runtimeDir = DEFAULT_RUNTIME_DIR): string {
  return join(runtimeDir, `${currentNetns()}.sock`);
}

export type ControlRequest = { command: 'status' } | { command: 'down' } | { command: 'rekey' };
export type ControlAnswer = { ok: true; status?: GatewayStatus; rekeying?: boolean } | { ok: false; error: string };

export interface ControlHandlers {
  status(): GatewayStatus;
  down(): Promise<void>;
  rekey(): boolean;
}

/** Serves the control socket at `path` (replacing a stale one); `close()` removes it. */
export async function serveControl(path: string, handlers: ControlHandlers): Promise<{ close(): void }> {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  if (existsSync(path)) {
    // A gateway that is still running answers; a stale socket file does not.
    const alive = await request(path, { command: 'status' }).then(
      () => true,
      () => false,
    );
    if (alive) throw new Error(`a gateway is already running here (${path}); use --socket for another`);
    rmSync(path, { force: true });
  }
  const server: Server = createServer((conn) => {
    let buffered = '';
    conn.on('data', (d: Buffer) => {
      buffered += d.toString('utf8');
      const nl = buffered.indexOf('\n');
      if (nl < 0) {
        if (buffered.length > 4096) conn.destroy();
        return;
      }
      const line = buffered.slice(0, nl);
      void answer(line).then((a) => conn.end(`${JSON.stringify(a)}\n`));
    });
    conn.on('error', () => undefined);
  });
  const answer = async (line: string): Promise<ControlAnswer> => {
    try {
      const req = JSON.parse(line) as ControlRequest;
      if (req.command === 'status') return { ok: true, status: handlers.status() };
      if (req.command === 'rekey') return { ok: true, rekeying: handlers.rekey() };
      if (req.command === 'down') {
        await handlers.down();
        return { ok: true };
      }
      return { ok: false, error: `unknown command` };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  return {
    close: () => {
      server.close();
      rmSync(path, { force: true });
    },
  };
}

/** Sends one request to the gateway at `path` and returns its answer. */
export function request(path: string, req: ControlRequest, timeoutMs = 10000): Promise<ControlAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let data = '';
    const t = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from the gateway at ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(`${JSON.stringify(req)}\n`));
    socket.on('data', (d: Buffer) => (data += d.toString('utf8')));
    socket.on('end', () => {
      clearTimeout(t);
      try {
        resolve(JSON.parse(data) as ControlAnswer);
      } catch {
        reject(new Error(`the gateway at ${path} answered something that is not JSON`));
      }
    });
    socket.on('error', (e) => {
      clearTimeout(t);
      reject(new Error(`no gateway at ${path}: ${e.message}`));
    });
  });
}

function ago(seconds: number): string {
  return `${seconds}s ago`;
}

function childLines(c: ChildStatus): string[] {
  const k = c.counters;
  return [
    `  ${c.name}: ${c.state}, ${c.mode}, ESP:${c.proposal}`,
    `    installed ${ago(c.installedSeconds)}`,
    `    in  ${c.inboundSpi}, ${k.inBytes} bytes, ${k.inPackets} packets, ${k.inDrops} dropped`,
    `    out ${c.outboundSpi}, ${k.outBytes} bytes, ${k.outPackets} packets`,
    `    local  ${c.localTs.join(' ')}`,
    `    remote ${c.remoteTs.join(' ')}`,
  ];
}

/** The status in the layout of `swanctl --list-sas`, with the drop counters after it. */
export function formatStatus(s: GatewayStatus): string {
  const lines: string[] = [];
  if (s.ikeSas.length === 0) lines.push(`${s.connection}: no IKE SA (waiting for ${s.remote.address})`);
  s.ikeSas.forEach((ike, i) => {
    lines.push(`${s.connection}: #${i + 1}, ${ike.state}, IKEv2, ${ike.initiatorSpi}_i${ike.role === 'initiator' ? '*' : ''} ${ike.responderSpi}_r${ike.role === 'responder' ? '*' : ''}`);
    lines.push(`  local  '${s.local.id}' @ ${s.local.address}[${s.local.port}]`);
    lines.push(`  remote '${s.remote.id}' @ ${s.remote.address}[${s.remote.port}]`);
    lines.push(`  ${ike.proposal}`);
    lines.push(`  established ${ago(ike.establishedSeconds)}`);
  });
  for (const c of s.children) lines.push(...childLines(c));
  lines.push(`carrier ${s.carrier}, tun ${s.tun.name}: ${s.tun.rxPackets} packets read, ${s.tun.txPackets} written; ${s.rekeys} Child SA rekeys`);
  const drops = Object.entries(s.drops);
  lines.push(`drops: ${drops.length === 0 ? 'none' : drops.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
