/**
 * strongSwan charon inside a network namespace, as shared/INTEROP.md records it working here:
 * a private /run (bind-mounted from the charon's own directory, since the pid file path is fixed),
 * kernel-libipsec for ESP (UDP-encapsulated, tunnel mode only), a vici socket in that directory,
 * and swanctl driving it over that socket.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CharonError, EnvironmentError } from './errors.js';
import type { NetnsHost } from './netns.js';
import { killGroup, pollUntil, runCommand, waitForFile, type ExitStatus, type Peer, type RunResult } from './process.js';

/** The plugin list INTEROP.md gives (kernel-libipsec because this kernel has no ESP). */
export const CHARON_PLUGINS =
  'random nonce openssl pem pkcs1 pkcs8 x509 pubkey curve25519 aes sha1 sha2 hmac gcm kdf kernel-libipsec kernel-netlink socket-default vici updown';

export const CHARON_BINARY = '/usr/lib/ipsec/charon';

export interface CharonOptions {
  /** The charon's own directory (created if missing): strongswan.conf, swanctl.conf, run/, charon.log, x509/ ... */
  dir: string;
  /** Contents of swanctl.conf, written to `dir/swanctl.conf`. */
  swanctlConf: string;
  /** filelog levels; default `{ default: 1, ike: 2 }`. `ike: 4, chd: 4` logs SK_* and CHILD_SA keys. */
  logLevels?: Record<string, number>;
  /** Plugin list; default {@link CHARON_PLUGINS}. */
  plugins?: string;
  /** Extra lines inside the `charon { }` section. */
  extraConf?: string;
  /** Time to wait for the vici socket; default 15 000 ms. */
  startTimeoutMs?: number;
}

export interface IkeSaChild {
  /** Name of the child as configured (`c`). */
  name: string;
  uniqueId: string;
  state: string;
  /** TUNNEL or TRANSPORT. */
  mode: string;
  /** ESP or AH. */
  protocol: string;
  /** UDP encapsulation (the TUNNEL-in-UDP of the text listing). */
  encap: boolean;
  spiIn: string;
  spiOut: string;
  encrAlg?: string;
  encrKeysize?: number;
  integAlg?: string;
  dhGroup?: string;
  bytesIn: number;
  packetsIn: number;
  bytesOut: number;
  packetsOut: number;
  localTs: string[];
  remoteTs: string[];
  /** Every field as swanctl printed it. */
  raw: Record<string, string | string[]>;
}

export interface IkeSa {
  /** Connection name (`t`). */
  name: string;
  uniqueId: string;
  version: number;
  state: string;
  localHost: string;
  localPort: number;
  localId: string;
  remoteHost: string;
  remotePort: number;
  remoteId: string;
  initiator: boolean;
  initiatorSpi: string;
  responderSpi: string;
  encrAlg?: string;
  encrKeysize?: number;
  integAlg?: string;
  prfAlg?: string;
  dhGroup?: string;
  children: IkeSaChild[];
  raw: Record<string, string | string[]>;
}

export interface Charon {
  readonly dir: string;
  readonly host: NetnsHost;
  /** `unix://DIR/run/charon.vici`. */
  readonly viciUri: string;
  /** The charon process (its pid is charon's own; output is whatever charon prints outside its log). */
  readonly peer: Peer;
  /** Runs swanctl with `--uri` bound to this charon; rejects with {@link CharonError} on failure. */
  swanctl(args: readonly string[], options?: { timeoutMs?: number }): Promise<RunResult>;
  /** `swanctl --load-all --file DIR/swanctl.conf`; rejects when swanctl reports a parse or load error (its exit code does not). */
  loadAll(): Promise<RunResult>;
  /** `swanctl --initiate --child CHILD`; resolves once "initiate completed successfully". */
  initiate(child: string, options?: { ike?: string; timeoutS?: number }): Promise<RunResult>;
  /** `swanctl --list-sas --pretty`, parsed. */
  listSas(): Promise<IkeSa[]>;
  /** `swanctl --terminate` for an IKE SA or a CHILD_SA by name. */
  terminate(which: { ike: string } | { child: string }, options?: { timeoutS?: number }): Promise<RunResult>;
  /** SIGTERM to the pid in run/charon.pid, then waits for the exit (SIGKILL after `graceMs`, default 5000). */
  stop(graceMs?: number): Promise<ExitStatus>;
  /** Contents of charon.log. */
  log(): string;
  /** Same as `stop()`. */
  dispose(): Promise<void>;
}

/** Files for swanctl's credential folders beside swanctl.conf (loaded by `loadAll()`). */
export interface CharonCredentials {
  /** Own and peer certificates (`x509/`), referenced by file name from `certs = ...`. */
  x509?: string[];
  /** Trust anchors (`x509ca/`). */
  x509ca?: string[];
  /** Private keys, PKCS#8 PEM (`private/`). */
  private?: string[];
}

/** Copies certificates and keys into `dir/x509`, `dir/x509ca`, `dir/private`; returns the file names used. */
export function installCharonCredentials(dir: string, credentials: CharonCredentials): { x509: string[]; x509ca: string[]; private: string[] } {
  const out = { x509: [] as string[], x509ca: [] as string[], private: [] as string[] };
  for (const folder of ['x509', 'x509ca', 'private'] as const) {
    const files = credentials[folder] ?? [];
    if (files.length === 0) continue;
    mkdirSync(join(dir, folder), { recursive: true, mode: folder === 'private' ? 0o700 : 0o755 });
    for (const f of files) {
      copyFileSync(f, join(dir, folder, basename(f)));
      out[folder].push(basename(f));
    }
  }
  return out;
}

/** strongswan.conf for one charon living in `dir`. */
export function charonStrongswanConf(dir: string, options: Pick<CharonOptions, 'logLevels' | 'plugins' | 'extraConf'> = {}): string {
  const levels = options.logLevels ?? { default: 1, ike: 2 };
  const levelLines = Object.entries(levels).map(([k, v]) => `        ${k} = ${v}`).join('\n');
  return `charon {
  load = ${options.plugins ?? CHARON_PLUGINS}
  install_routes = yes
  plugins {
    vici {
      socket = unix://${dir}/run/charon.vici
    }
  }
  filelog {
    main {
      path = ${dir}/charon.log
${levelLines}
      flush_line = yes
    }
  }
${options.extraConf ?? ''}
}
`;
}

/**
 * Starts charon in `host`'s namespace and resolves once its vici socket accepts swanctl. The caller
 * (or the topology's dispose) stops it.
 */
export async function startCharon(host: NetnsHost, options: CharonOptions): Promise<Charon> {
  if (!existsSync(CHARON_BINARY)) {
    throw new EnvironmentError(`${CHARON_BINARY} not found: install strongswan-charon, strongswan-swanctl and libcharon-extra-plugins`);
  }
  const dir = resolve(options.dir);
  const socketPath = join(dir, 'run', 'charon.vici');
  // sun_path holds 108 bytes including the terminating NUL.
  if (Buffer.byteLength(socketPath) > 107) throw new EnvironmentError(`vici socket path too long for a unix socket: ${socketPath}`);
  if (dir.startsWith('/run/') || dir === '/run') throw new EnvironmentError(`the charon directory must not be under /run (it is bind-mounted over /run): ${dir}`);
  mkdirSync(join(dir, 'run'), { recursive: true });
  writeFileSync(join(dir, 'strongswan.conf'), charonStrongswanConf(dir, options));
  writeFileSync(join(dir, 'swanctl.conf'), options.swanctlConf);
  const viciUri = `unix://${socketPath}`;
  const logPath = join(dir, 'charon.log');
  const pidPath = join(dir, 'run', 'charon.pid');
  // Leftovers of an earlier charon in the same directory would satisfy the waits below too early.
  for (const stale of [socketPath, pidPath]) rmSync(stale, { force: true });

  const peer = host.spawn('sh', ['-c', 'mount --bind "$1/run" /run && STRONGSWAN_CONF="$1/strongswan.conf" exec "$2"', 'sh', dir, CHARON_BINARY], {
    label: `charon in ${host.name}`,
  });
  const log = (): string => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');

  const swanctl = async (args: readonly string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> => {
    const r = await runCommand('swanctl', [...args, '--uri', viciUri], { check: false, timeoutMs: opts.timeoutMs ?? 30_000 });
    if (r.code !== 0) throw new CharonError(`swanctl ${args.join(' ')} failed in ${host.name} (exit ${r.code})`, r.stdout + r.stderr, log());
    return r;
  };

  const stop = async (graceMs = 5000): Promise<ExitStatus> => {
    const status = peer.exitStatus();
    if (status) return status;
    let pid = peer.pid;
    if (existsSync(pidPath)) {
      // charon writes its pid file itself; `ip netns exec` and `sh -c exec` keep one pid, so it must
      // be the pid we started. Anything else is not ours to signal.
      const fromFile = Number(readFileSync(pidPath, 'utf8').trim());
      if (fromFile === peer.pid) pid = fromFile;
    }
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    const timer = setTimeout(() => {
      if (peer.pid !== undefined) killGroup(peer.pid, 'SIGKILL');
    }, graceMs);
    try {
      return await peer.exited;
    } finally {
      clearTimeout(timer);
    }
  };

  try {
    await waitForFile(socketPath, { timeoutMs: options.startTimeoutMs ?? 15_000, peer });
    // The socket file exists slightly before charon accepts on it: poll with a harmless query.
    await pollUntil(
      `charon in ${host.name} to answer on ${viciUri}`,
      async () => (await runCommand('swanctl', ['--stats', '--uri', viciUri], { check: false, timeoutMs: 5000 })).code === 0,
      { timeoutMs: options.startTimeoutMs ?? 15_000, peer },
    );
  } catch (e) {
    await stop(1000);
    if (e instanceof Error) throw new CharonError(`charon did not start in ${host.name}: ${e.message}`, peer.output(), log());
    throw e;
  }

  return {
    dir,
    host,
    viciUri,
    peer,
    swanctl,
    async loadAll() {
      const r = await swanctl(['--load-all', '--file', join(dir, 'swanctl.conf')]);
      // swanctl exits 0 even when swanctl.conf does not parse (it then unloads every connection), so
      // read what it printed. Missing optional credential folders ("opening directory ... failed") are fine.
      const problems = (r.stdout + r.stderr).split('\n').filter((l) => !l.startsWith('opening directory ') && /invalid config file|syntax error|failed/.test(l));
      if (problems.length > 0) throw new CharonError(`swanctl --load-all reported errors in ${host.name}: ${problems.join('; ')}`, r.stdout + r.stderr, log());
      return r;
    },
    async initiate(child, opts = {}) {
      const timeoutS = opts.timeoutS ?? 10;
      const args = ['--initiate', '--child', child, '--timeout', String(timeoutS), ...(opts.ike ? ['--ike', opts.ike] : [])];
      const r = await swanctl(args, { timeoutMs: (timeoutS + 10) * 1000 });
      if (!/initiate completed successfully/.test(r.stdout)) {
        throw new CharonError(`initiating ${child} in ${host.name} did not complete`, r.stdout + r.stderr, log());
      }
      return r;
    },
    async listSas() {
      return parseListSas((await swanctl(['--list-sas', '--pretty'])).stdout);
    },
    terminate(which, opts = {}) {
      const sel = 'ike' in which ? ['--ike', which.ike] : ['--child', which.child];
      const timeoutS = opts.timeoutS ?? 10;
      return swanctl(['--terminate', ...sel, '--timeout', String(timeoutS)], { timeoutMs: (timeoutS + 10) * 1000 });
    },
    stop,
    log,
    async dispose() {
      await stop();
    },
  };
}

type Tree = { [key: string]: string | string[] | Tree };

/** Parses the `--pretty` vici dump of `swanctl --list-sas --pretty` into IKE SAs with their CHILD_SAs. */
export function parseListSas(pretty: string): IkeSa[] {
  const events = parseViciPretty(pretty);
  const sas: IkeSa[] = [];
  for (const ev of events) {
    if (ev.name !== 'list-sa event') continue;
    for (const [name, value] of Object.entries(ev.body)) {
      if (typeof value === 'string' || Array.isArray(value)) continue;
      sas.push(toIkeSa(name, value));
    }
  }
  return sas;
}

function flat(t: Tree): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(t)) if (typeof v === 'string' || Array.isArray(v)) out[k] = v;
  return out;
}

function str(t: Tree, k: string): string {
  const v = t[k];
  return typeof v === 'string' ? v : '';
}

function optStr(t: Tree, k: string): string | undefined {
  const v = t[k];
  return typeof v === 'string' ? v : undefined;
}

function num(t: Tree, k: string): number {
  const v = Number(str(t, k));
  return Number.isFinite(v) ? v : 0;
}

function optNum(t: Tree, k: string): number | undefined {
  const v = optStr(t, k);
  return v === undefined ? undefined : Number(v);
}

function list(t: Tree, k: string): string[] {
  const v = t[k];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

function toIkeSa(name: string, t: Tree): IkeSa {
  const childrenTree = t['child-sas'];
  const children: IkeSaChild[] = [];
  if (childrenTree && typeof childrenTree === 'object' && !Array.isArray(childrenTree)) {
    for (const [key, c] of Object.entries(childrenTree)) {
      if (typeof c === 'string' || Array.isArray(c)) continue;
      children.push({
        name: optStr(c, 'name') ?? key,
        uniqueId: str(c, 'uniqueid'),
        state: str(c, 'state'),
        mode: str(c, 'mode'),
        protocol: str(c, 'protocol'),
        encap: str(c, 'encap') === 'yes',
        spiIn: str(c, 'spi-in'),
        spiOut: str(c, 'spi-out'),
        encrAlg: optStr(c, 'encr-alg'),
        encrKeysize: optNum(c, 'encr-keysize'),
        integAlg: optStr(c, 'integ-alg'),
        dhGroup: optStr(c, 'dh-group'),
        bytesIn: num(c, 'bytes-in'),
        packetsIn: num(c, 'packets-in'),
        bytesOut: num(c, 'bytes-out'),
        packetsOut: num(c, 'packets-out'),
        localTs: list(c, 'local-ts'),
        remoteTs: list(c, 'remote-ts'),
        raw: flat(c),
      });
    }
  }
  return {
    name,
    uniqueId: str(t, 'uniqueid'),
    version: num(t, 'version'),
    state: str(t, 'state'),
    localHost: str(t, 'local-host'),
    localPort: num(t, 'local-port'),
    localId: str(t, 'local-id'),
    remoteHost: str(t, 'remote-host'),
    remotePort: num(t, 'remote-port'),
    remoteId: str(t, 'remote-id'),
    initiator: str(t, 'initiator') === 'yes',
    initiatorSpi: str(t, 'initiator-spi'),
    responderSpi: str(t, 'responder-spi'),
    encrAlg: optStr(t, 'encr-alg'),
    encrKeysize: optNum(t, 'encr-keysize'),
    integAlg: optStr(t, 'integ-alg'),
    prfAlg: optStr(t, 'prf-alg'),
    dhGroup: optStr(t, 'dh-group'),
    children,
    raw: flat(t),
  };
}

/**
 * Parses swanctl's `--pretty` output: `name {` opens a section, `}` closes it, `key = value` is a
 * value, `key = [` ... `]` a list. Top-level sections are the messages (`list-sa event { ... }`).
 */
export function parseViciPretty(text: string): { name: string; body: Tree }[] {
  const messages: { name: string; body: Tree }[] = [];
  const stack: Tree[] = [];
  let currentList: string[] | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    if (currentList) {
      if (line === ']') currentList = undefined;
      else currentList.push(line);
      continue;
    }
    const top = stack[stack.length - 1];
    if (line === '}') {
      stack.pop();
      continue;
    }
    const open = /^(.*?) \{$/.exec(line) ?? /^(.*)\{$/.exec(line);
    if (open) {
      const name = (open[1] ?? '').trim();
      const section: Tree = {};
      if (top) top[name] = section;
      else messages.push({ name, body: section });
      stack.push(section);
      continue;
    }
    const kv = /^([^=]+?) = (.*)$/.exec(line);
    if (kv && top) {
      const key = kv[1] ?? '';
      if (kv[2] === '[') {
        currentList = [];
        top[key] = currentList;
      } else {
        top[key] = kv[2] ?? '';
      }
    }
  }
  return messages;
}

/** A labelled hex dump from charon.log (`Sk_ei secret => 20 bytes @ ...` followed by its rows). */
export interface CharonHexDump {
  /** Subsystem, e.g. `IKE` or `CHD`. */
  subsystem: string;
  /** Label as logged, e.g. `Sk_ei secret`, `encryption initiator key`. */
  label: string;
  /** The bytes as lowercase hex. */
  hex: string;
}

/**
 * Extracts the hex dumps charon writes at log level 4 (`ike = 4`: SKEYSEED and SK_*; `chd = 4`:
 * the CHILD_SA encryption/integrity keys), in log order.
 */
export function parseCharonHexDumps(log: string): CharonHexDump[] {
  const dumps: CharonHexDump[] = [];
  const lines = log.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const head = /\[(\w+)\] (.+) => (\d+) bytes @ 0x[0-9a-f]+$/.exec(lines[i] ?? '');
    if (!head) continue;
    const size = Number(head[3]);
    let hex = '';
    for (let j = i + 1; j < lines.length && hex.length < size * 2; j++) {
      // The rows of one dump are logged as one multi-line message, so they follow the heading directly.
      const row = /\[\w+\]\s+\d+: ((?:[0-9A-F]{2} ){0,15}[0-9A-F]{2})/.exec(lines[j] ?? '');
      if (!row) break;
      hex += (row[1] ?? '').replace(/ /g, '').toLowerCase();
    }
    dumps.push({ subsystem: head[1] ?? '', label: head[2] ?? '', hex: hex.slice(0, size * 2) });
  }
  return dumps;
}
