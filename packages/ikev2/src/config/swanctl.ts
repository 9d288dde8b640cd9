/**
 * A reader for the subset of strongSwan's swanctl.conf that layersec's IKE CLI uses, so that a
 * strongSwan user's file works unchanged:
 *
 *   connections { NAME { version, local_addrs, remote_addrs, local_port, remote_port, proposals, rekey_time, dpd_delay,
 *                        local { auth, id, certs }, remote { auth, id },
 *                        children { NAME { local_ts, remote_ts, esp_proposals, mode, start_action, rekey_time } } } }
 *   secrets { ike-NAME { id, id-*, secret } }
 *
 * The syntax is strongSwan's settings format: `name { ... }` sections, `key = value` settings
 * whose value runs to the end of the line (or to `}` or `#`), or is a "quoted string"; `#`
 * comments. Errors name the line.
 */
import { fromHex } from '@layersec/wire';
import { ProposalKeywordError, parseProposals, type ProposalSpec } from './proposals.js';

export class SwanctlConfigError extends Error {
  override readonly name = 'SwanctlConfigError';
  constructor(
    /** 1-based line of the file. */
    readonly line: number,
    readonly reason: string,
  ) {
    super(`swanctl.conf line ${line}: ${reason}`);
  }
}

/** A section of the settings tree, with the line each item was found on. */
export interface SettingsSection {
  name: string;
  line: number;
  settings: Map<string, { value: string; line: number }>;
  sections: SettingsSection[];
}

const MAX_INPUT = 1 << 20;
const MAX_DEPTH = 16;
const NAME = /[A-Za-z0-9_.\-%*]/;

/** Parses the settings syntax into a tree (no meaning attached yet). */
export function parseSettings(text: string): SettingsSection {
  if (text.length > MAX_INPUT) throw new SwanctlConfigError(1, `file of ${text.length} characters is too large`);
  let pos = 0;
  let line = 1;
  const peek = () => text[pos];
  const skipBlank = () => {
    while (pos < text.length) {
      const c = text[pos];
      if (c === '\n') {
        line++;
        pos++;
      } else if (c === ' ' || c === '\t' || c === '\r') pos++;
      else if (c === '#') while (pos < text.length && text[pos] !== '\n') pos++;
      else break;
    }
  };
  const readQuoted = (): string => {
    const startLine = line;
    pos++; // opening quote
    let out = '';
    while (pos < text.length && text[pos] !== '"') {
      let c = text[pos++];
      if (c === '\n') line++;
      if (c === '\\' && pos < text.length) {
        const e = text[pos++];
        c = e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
      }
      out += c;
    }
    if (pos >= text.length) throw new SwanctlConfigError(startLine, 'unterminated quoted string');
    pos++; // closing quote
    return out;
  };
  const parseBody = (section: SettingsSection, depth: number): void => {
    for (;;) {
      skipBlank();
      if (pos >= text.length) {
        if (depth > 0) throw new SwanctlConfigError(line, `section '${section.name}' (line ${section.line}) is missing its '}'`);
        return;
      }
      if (peek() === '}') {
        if (depth === 0) throw new SwanctlConfigError(line, "'}' without a section to close");
        pos++;
        return;
      }
      const nameLine = line;
      const start = pos;
      while (pos < text.length && NAME.test(text[pos])) pos++;
      const name = text.slice(start, pos);
      if (name === '') throw new SwanctlConfigError(line, `unexpected '${peek()}'`);
      skipBlank();
      if (peek() === '{') {
        pos++;
        if (depth + 1 > MAX_DEPTH) throw new SwanctlConfigError(line, 'sections nested too deeply');
        const child: SettingsSection = { name, line: nameLine, settings: new Map(), sections: [] };
        if (section.sections.some((s) => s.name === name)) throw new SwanctlConfigError(nameLine, `section '${name}' appears twice`);
        section.sections.push(child);
        parseBody(child, depth + 1);
      } else if (peek() === '=') {
        pos++;
        while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t')) pos++;
        let value: string;
        if (peek() === '"') value = readQuoted();
        else {
          const vStart = pos;
          while (pos < text.length && text[pos] !== '\n' && text[pos] !== '}' && text[pos] !== '#') pos++;
          value = text.slice(vStart, pos).trim();
        }
        section.settings.set(name, { value, line: nameLine });
      } else {
        throw new SwanctlConfigError(line, `expected '{' or '=' after '${name}'`);
      }
    }
  };
  const root: SettingsSection = { name: '', line: 1, settings: new Map(), sections: [] };
  parseBody(root, 0);
  return root;
}

// ---------------------------------------------------------------------------------------------
// The meaning of the subset

export type AuthClass = 'psk' | 'pubkey';

export interface AuthConfig {
  /** `auth`: psk or pubkey (strongSwan's `rsa`/`ecdsa` constraints are not part of the subset). */
  auth: AuthClass;
  /** `id`: the identity as strongSwan writes it (a@test, moon.example, 10.0.0.1, "C=CH, O=..."). */
  id?: string;
  /** `certs`: certificate file names (for pubkey). */
  certs: string[];
}

export interface ChildConfig {
  name: string;
  localTs: string[];
  remoteTs: string[];
  espProposals: ProposalSpec[];
  mode: 'tunnel' | 'transport';
  startAction: 'none' | 'trap' | 'start';
  /** `rekey_time` in milliseconds, when set. */
  rekeyTimeMs?: number;
}

export interface ConnectionConfig {
  name: string;
  /** `version`: 0 (any) or 2; IKEv1 is refused. */
  version: 0 | 2;
  localAddrs: string[];
  remoteAddrs: string[];
  localPort: number;
  remotePort: number;
  /** `proposals`, most preferred first. */
  proposals: ProposalSpec[];
  local: AuthConfig;
  remote: AuthConfig;
  children: ChildConfig[];
  /** `rekey_time` of the IKE SA in milliseconds, when set. */
  rekeyTimeMs?: number;
  /** `dpd_delay` in milliseconds, when set. */
  dpdDelayMs?: number;
}

export interface SharedSecret {
  /** Section name, e.g. `ike-1`. */
  name: string;
  /** The identities the secret belongs to (`id`, `id-*`); empty matches any. */
  ids: string[];
  /** `secret`: a string, or `0x` hex, or `0s` base64 (strongSwan's forms). */
  secret: Uint8Array;
}

export interface SwanctlConfig {
  connections: ConnectionConfig[];
  secrets: SharedSecret[];
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function setting(section: SettingsSection, key: string): { value: string; line: number } | undefined {
  return section.settings.get(key);
}

function known(section: SettingsSection, keys: readonly string[], sections: readonly string[] = [], idSuffixes = false): void {
  for (const [k, v] of section.settings) {
    if (!keys.includes(k) && !(idSuffixes && k.startsWith('id-'))) {
      throw new SwanctlConfigError(v.line, `'${k}' in '${section.name}' is not part of the supported swanctl.conf subset`);
    }
  }
  for (const s of section.sections) {
    if (!sections.includes(s.name)) throw new SwanctlConfigError(s.line, `section '${s.name}' in '${section.name}' is not part of the supported subset`);
  }
}

function proposalsOf(section: SettingsSection, key: string, protocol: 'ike' | 'esp'): ProposalSpec[] {
  const s = setting(section, key);
  if (s === undefined || s.value === 'default') {
    throw new SwanctlConfigError(s?.line ?? section.line, `'${key}' must list algorithms (strongSwan's 'default' set is not supported)`);
  }
  try {
    const p = parseProposals(s.value, protocol);
    if (p.length === 0) throw new SwanctlConfigError(s.line, `'${key}' is empty`);
    return p;
  } catch (e) {
    if (e instanceof ProposalKeywordError) throw new SwanctlConfigError(s.line, e.message);
    throw e;
  }
}

function port(section: SettingsSection, key: string, fallback: number): number {
  const s = setting(section, key);
  if (s === undefined) return fallback;
  const n = Number(s.value);
  if (!/^\d+$/.test(s.value) || n < 1 || n > 65535) throw new SwanctlConfigError(s.line, `'${key}' = ${s.value} is not a port`);
  return n;
}

function auth(section: SettingsSection | undefined, side: string, connLine: number): AuthConfig {
  if (section === undefined) throw new SwanctlConfigError(connLine, `connection has no '${side}' section`);
  known(section, ['auth', 'id', 'certs']);
  const a = setting(section, 'auth');
  if (a === undefined) throw new SwanctlConfigError(section.line, `'${side}' has no 'auth'`);
  if (a.value !== 'psk' && a.value !== 'pubkey') throw new SwanctlConfigError(a.line, `auth = ${a.value} is not supported (psk, pubkey)`);
  const id = setting(section, 'id')?.value;
  return { auth: a.value, ...(id !== undefined ? { id } : {}), certs: list(setting(section, 'certs')?.value ?? '') };
}

function child(section: SettingsSection): ChildConfig {
  known(section, ['local_ts', 'remote_ts', 'esp_proposals', 'mode', 'start_action', 'rekey_time']);
  const mode = setting(section, 'mode');
  if (mode !== undefined && mode.value !== 'tunnel' && mode.value !== 'transport') {
    throw new SwanctlConfigError(mode.line, `mode = ${mode.value} is not supported (tunnel, transport)`);
  }
  const start = setting(section, 'start_action');
  if (start !== undefined && !['none', 'trap', 'start'].includes(start.value)) {
    throw new SwanctlConfigError(start.line, `start_action = ${start.value} is not supported`);
  }
  const rekeyTimeMs = duration(section, 'rekey_time');
  return {
    ...(rekeyTimeMs !== undefined ? { rekeyTimeMs } : {}),
    name: section.name,
    localTs: list(setting(section, 'local_ts')?.value ?? 'dynamic'),
    remoteTs: list(setting(section, 'remote_ts')?.value ?? 'dynamic'),
    espProposals: proposalsOf(section, 'esp_proposals', 'esp'),
    mode: (mode?.value ?? 'tunnel') as 'tunnel' | 'transport',
    startAction: (start?.value ?? 'none') as 'none' | 'trap' | 'start',
  };
}

function connection(section: SettingsSection): ConnectionConfig {
  known(section, ['version', 'local_addrs', 'remote_addrs', 'local_port', 'remote_port', 'proposals', 'rekey_time', 'dpd_delay'], ['local', 'remote', 'children']);
  const v = setting(section, 'version');
  if (v !== undefined && v.value !== '0' && v.value !== '2') throw new SwanctlConfigError(v.line, `version = ${v.value}: only IKEv2 is supported`);
  const children = section.sections.find((s) => s.name === 'children');
  if (children !== undefined) known(children, [], children.sections.map((s) => s.name));
  const rekeyTimeMs = duration(section, 'rekey_time');
  const dpdDelayMs = duration(section, 'dpd_delay');
  return {
    ...(rekeyTimeMs !== undefined ? { rekeyTimeMs } : {}),
    ...(dpdDelayMs !== undefined ? { dpdDelayMs } : {}),
    name: section.name,
    version: v?.value === '2' ? 2 : 0,
    localAddrs: list(setting(section, 'local_addrs')?.value ?? '%any'),
    remoteAddrs: list(setting(section, 'remote_addrs')?.value ?? '%any'),
    localPort: port(section, 'local_port', 500),
    remotePort: port(section, 'remote_port', 500),
    proposals: proposalsOf(section, 'proposals', 'ike'),
    local: auth(section.sections.find((s) => s.name === 'local'), 'local', section.line),
    remote: auth(section.sections.find((s) => s.name === 'remote'), 'remote', section.line),
    children: (children?.sections ?? []).map(child),
  };
}

const TIME_UNITS: Readonly<Record<string, number>> = { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** strongSwan's time values: a number with an optional s, m, h or d (seconds by default). */
function duration(section: SettingsSection, key: string): number | undefined {
  const s = setting(section, key);
  if (s === undefined) return undefined;
  const m = /^(\d+)\s*([smhd]?)$/.exec(s.value);
  if (!m) throw new SwanctlConfigError(s.line, `'${key}' = ${s.value} is not a time (e.g. 4h, 30m, 90s)`);
  return Number(m[1]) * TIME_UNITS[m[2]];
}

function base64(s: string, line: number): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw new SwanctlConfigError(line, 'secret is not valid base64');
  const bin = atob(s);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function secret(section: SettingsSection): SharedSecret {
  if (!section.name.startsWith('ike')) throw new SwanctlConfigError(section.line, `secret '${section.name}': only ike secrets (PSK) are supported`);
  known(section, ['id', 'secret'], [], true);
  const s = setting(section, 'secret');
  if (s === undefined) throw new SwanctlConfigError(section.line, `secret '${section.name}' has no 'secret'`);
  let bytes: Uint8Array;
  if (/^0x/i.test(s.value)) {
    try {
      bytes = fromHex(s.value);
    } catch {
      throw new SwanctlConfigError(s.line, 'secret is not valid hex');
    }
  } else if (s.value.startsWith('0s')) bytes = base64(s.value.slice(2), s.line);
  else bytes = new TextEncoder().encode(s.value);
  const ids = [...section.settings].filter(([k]) => k === 'id' || k.startsWith('id-')).map(([, v]) => v.value);
  return { name: section.name, ids, secret: bytes };
}

/** Reads a swanctl.conf file of the supported subset. */
export function parseSwanctlConf(text: string): SwanctlConfig {
  const root = parseSettings(text);
  known(root, [], ['connections', 'secrets']);
  const connections = root.sections.find((s) => s.name === 'connections');
  const secrets = root.sections.find((s) => s.name === 'secrets');
  if (connections !== undefined) known(connections, [], connections.sections.map((s) => s.name));
  if (secrets !== undefined) known(secrets, [], secrets.sections.map((s) => s.name));
  return {
    connections: (connections?.sections ?? []).map(connection),
    secrets: (secrets?.sections ?? []).map(secret),
  };
}

/** The shared secret for a pair of identities, as strongSwan picks it: one whose ids hold both. */
export function findSharedSecret(config: SwanctlConfig, localId: string | undefined, remoteId: string | undefined): SharedSecret | undefined {
  const fits = (s: SharedSecret, id: string | undefined) => s.ids.length === 0 || id === undefined || s.ids.includes(id);
  return config.secrets.find((s) => fits(s, localId) && fits(s, remoteId));
}
