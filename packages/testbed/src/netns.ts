/**
 * Network namespaces joined by veth pairs (Linux, root): host-to-host and gateway topologies with
 * real addresses, for charon, tcpdump and the lab's netns substrate. Namespace names carry a
 * per-run random id so parallel runs never collide; `dispose()` (or the reaper) removes them.
 */
import { execFileSync } from 'node:child_process';
import { registerResource, type CleanupRegistration } from './cleanup.js';
import { EnvironmentError } from './errors.js';
import { runCommand, startPeer, type Peer, type RunOptions, type RunResult, type StartPeerOptions } from './process.js';

export interface HostSpec {
  /** Short name used in the test (e.g. "A", "gw"); the namespace gets a unique name. */
  name: string;
  /** Extra addresses on `lo` with prefix, e.g. `10.10.1.1/32` (protected inner addresses). */
  loAddresses?: string[];
  /** Enable IPv4 forwarding (gateways). */
  forwarding?: boolean;
  /** Static routes, e.g. `{ to: '10.99.1.0/24', via: '10.99.0.2' }`. */
  routes?: { to: string; via: string }[];
}

export interface LinkSpec {
  a: string;
  b: string;
  /** Address of `a`'s end with prefix, e.g. `10.99.0.1/24`. */
  aAddr: string;
  bAddr: string;
}

export interface TopologySpec {
  hosts: HostSpec[];
  links: LinkSpec[];
}

/** One end of a link as seen from its host. */
export interface Interface {
  /** Name inside the host's namespace: eth0, eth1, ... in link order. */
  name: string;
  /** Address with prefix. */
  cidr: string;
  /** Address without prefix. */
  address: string;
  /** Host at the other end. */
  peer: string;
}

/** A namespace host of a topology. */
export interface NetnsHost {
  readonly name: string;
  /** The real namespace name (for `ip netns exec`). */
  readonly netns: string;
  readonly interfaces: Interface[];
  /** Runs a command in the namespace to completion. */
  exec(cmd: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Starts a peer in the namespace (`ip netns exec NS cmd ...`; the pid is the command's). */
  spawn(cmd: string, args: readonly string[], options?: StartPeerOptions): Peer;
}

export interface Topology {
  /** The per-run id in every namespace name. */
  readonly runId: string;
  readonly hosts: ReadonlyMap<string, NetnsHost>;
  /** The host by its short name; throws for an unknown name. */
  host(name: string): NetnsHost;
  exec(host: string, cmd: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
  spawnIn(host: string, cmd: string, args: readonly string[], options?: StartPeerOptions): Peer;
  /** Kills every process left in the namespaces, then deletes them (and with them the veths). */
  dispose(): Promise<void>;
}

export type NetnsSupport = { ok: true } | { ok: false; reason: string };

let supportCache: NetnsSupport | undefined;

/**
 * Whether namespaces can be created here: root, `ip netns` available, and a probe namespace really
 * created and deleted. Synchronous, so tests can choose `describe` or `describe.skip` at load time.
 */
export function netnsSupport(): NetnsSupport {
  if (supportCache) return supportCache;
  if (process.platform !== 'linux') return (supportCache = { ok: false, reason: `network namespaces need Linux (this is ${process.platform})` });
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return (supportCache = { ok: false, reason: 'network namespaces need root (run the suite as root, as CI does)' });
  }
  const probe = `lsprobe${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe' });
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    return (supportCache = { ok: false, reason: `\`ip netns add\` does not work here: ${detail}` });
  }
  return (supportCache = { ok: true });
}

function randomId(): string {
  return `${process.pid.toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0')}`.slice(-8);
}

/** Creates the namespaces, veth pairs, addresses and routes; on any failure removes what it made. */
export async function createTopology(spec: TopologySpec): Promise<Topology> {
  const support = netnsSupport();
  if (!support.ok) throw new EnvironmentError(support.reason);
  const names = new Set<string>();
  for (const h of spec.hosts) {
    if (names.has(h.name)) throw new EnvironmentError(`host ${h.name} is listed twice`);
    names.add(h.name);
  }
  for (const l of spec.links) {
    if (!names.has(l.a) || !names.has(l.b)) throw new EnvironmentError(`link ${l.a}-${l.b} names an unknown host`);
  }

  const runId = randomId();
  const registrations: CleanupRegistration[] = [];
  const hosts = new Map<string, NetnsHost>();
  const netnsNames: string[] = [];

  const dispose = async (): Promise<void> => {
    for (const ns of [...netnsNames].reverse()) {
      const pids = await runCommand('ip', ['netns', 'pids', ns], { check: false });
      for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await runCommand('ip', ['netns', 'del', ns], { check: false });
    }
    netnsNames.length = 0;
    for (const r of registrations.splice(0)) r.release();
  };

  try {
    for (const h of spec.hosts) {
      const ns = `ls${runId}-${h.name}`;
      await runCommand('ip', ['netns', 'add', ns]);
      netnsNames.push(ns);
      registrations.push(registerResource(`netns ${ns}`, { kind: 'netns', name: ns }));
      const exec = (cmd: string, args: readonly string[], options?: RunOptions): Promise<RunResult> =>
        runCommand('ip', ['netns', 'exec', ns, cmd, ...args], options);
      const spawn = (cmd: string, args: readonly string[], options: StartPeerOptions = {}): Peer =>
        startPeer('ip', ['netns', 'exec', ns, cmd, ...args], { label: `${cmd} in ${h.name}`, ...options });
      hosts.set(h.name, { name: h.name, netns: ns, interfaces: [], exec, spawn });
      await exec('ip', ['link', 'set', 'lo', 'up']);
      for (const addr of h.loAddresses ?? []) await exec('ip', ['addr', 'add', addr, 'dev', 'lo']);
      if (h.forwarding) await exec('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    }
    for (const l of spec.links) {
      const a = hosts.get(l.a) as NetnsHost;
      const b = hosts.get(l.b) as NetnsHost;
      const aIf = `eth${a.interfaces.length}`;
      const bIf = `eth${b.interfaces.length}`;
      await runCommand('ip', ['link', 'add', aIf, 'netns', a.netns, 'type', 'veth', 'peer', 'name', bIf, 'netns', b.netns]);
      a.interfaces.push({ name: aIf, cidr: l.aAddr, address: stripPrefix(l.aAddr), peer: l.b });
      b.interfaces.push({ name: bIf, cidr: l.bAddr, address: stripPrefix(l.bAddr), peer: l.a });
      for (const [h, ifName, cidr] of [[a, aIf, l.aAddr], [b, bIf, l.bAddr]] as const) {
        await h.exec('ip', ['addr', 'add', cidr, 'dev', ifName]);
        await h.exec('ip', ['link', 'set', ifName, 'up']);
      }
    }
    for (const h of spec.hosts) {
      const host = hosts.get(h.name) as NetnsHost;
      for (const r of h.routes ?? []) await host.exec('ip', ['route', 'add', r.to, 'via', r.via]);
    }
  } catch (e) {
    await dispose();
    throw e;
  }

  const host = (name: string): NetnsHost => {
    const h = hosts.get(name);
    if (!h) throw new EnvironmentError(`no host ${name} in this topology (hosts: ${[...hosts.keys()].join(', ')})`);
    return h;
  };
  return {
    runId,
    hosts,
    host,
    exec: (name, cmd, args, options) => host(name).exec(cmd, args, options),
    spawnIn: (name, cmd, args, options) => host(name).spawn(cmd, args, options),
    dispose,
  };
}

function stripPrefix(cidr: string): string {
  const slash = cidr.indexOf('/');
  return slash < 0 ? cidr : cidr.slice(0, slash);
}
