/**
 * The VPN gateway's configuration: one connection of a swanctl.conf-style file (read by
 * @layersec/ikev2's parser) resolved into what the gateway runs — its IKE endpoints, identities,
 * shared key, the Child SA's traffic selectors and proposals, whether to initiate
 * (`start_action = start`) or wait as responder, and the rekey times.
 */
import {
  type ChildConfig,
  type ChildConfigResolved,
  type ConnectionConfig,
  type Identity,
  type ProposalSpec,
  type SwanctlConfig,
  type TsRange,
  findSharedSecret,
  identityFromString,
  parseIpAddress,
  parseSwanctlConf,
  parseTrafficSelector,
} from '@layersec/ikev2';

export class VpnConfigError extends Error {
  override readonly name = 'VpnConfigError';
}

export interface GatewayConfig {
  connection: string;
  child: string;
  localAddress: string;
  remoteAddress: string;
  localId: Identity;
  localIdText: string;
  remoteId: Identity;
  remoteIdText: string;
  sharedSecret: Uint8Array;
  ikeProposals: ProposalSpec[];
  childConfig: ChildConfigResolved;
  /** The selectors as written, for routes and status (`10.10.1.0/24`). */
  localTs: string[];
  remoteTs: string[];
  /** Initiate the Child SA at start (`start_action = start`), else wait as responder. */
  initiate: boolean;
  ikeRekeyMs?: number;
  childRekeyMs?: number;
  dpdDelayMs?: number;
}

function pickConnection(conf: SwanctlConfig, name: string | undefined): ConnectionConfig {
  if (conf.connections.length === 0) throw new VpnConfigError('the file defines no connection');
  if (name === undefined) {
    if (conf.connections.length > 1) {
      throw new VpnConfigError(`the file defines ${conf.connections.length} connections (${conf.connections.map((c) => c.name).join(', ')}): choose one with --conn`);
    }
    return conf.connections[0];
  }
  const c = conf.connections.find((x) => x.name === name);
  if (c === undefined) throw new VpnConfigError(`no connection '${name}' (the file has ${conf.connections.map((x) => x.name).join(', ')})`);
  return c;
}

function pickChild(c: ConnectionConfig, name: string | undefined): ChildConfig {
  if (c.children.length === 0) throw new VpnConfigError(`connection '${c.name}' has no children: nothing to protect`);
  if (name === undefined) return c.children[0];
  const child = c.children.find((x) => x.name === name);
  if (child === undefined) throw new VpnConfigError(`connection '${c.name}' has no child '${name}'`);
  return child;
}

function single(list: string[], what: string): string {
  if (list.length !== 1) throw new VpnConfigError(`${what} must be one address (got ${list.length === 0 ? 'none' : list.join(', ')})`);
  if (parseIpAddress(list[0]) === undefined) throw new VpnConfigError(`${what} = ${list[0]} is not an IP address`);
  return list[0];
}

/** Reads connection `conn` (the only one when absent) and its child `child` (the first when absent). */
export function gatewayConfigFromText(text: string, options: { conn?: string; child?: string } = {}): GatewayConfig {
  const conf = parseSwanctlConf(text);
  const c = pickConnection(conf, options.conn);
  const child = pickChild(c, options.child);
  const localAddress = single(c.localAddrs, 'local_addrs');
  const remoteAddress = single(c.remoteAddrs, 'remote_addrs');
  if (c.local.auth !== 'psk' || c.remote.auth !== 'psk') throw new VpnConfigError('the VPN gateway authenticates with pre-shared keys (auth = psk) only');
  if (child.mode !== 'tunnel') throw new VpnConfigError(`child '${child.name}': the gateway runs tunnel mode only`);
  // strongSwan's default identity is the IKE address.
  const localIdText = c.local.id ?? localAddress;
  const remoteIdText = c.remote.id ?? remoteAddress;
  const secret = findSharedSecret(conf, localIdText, remoteIdText);
  if (secret === undefined) throw new VpnConfigError(`no secret in 'secrets' for ${localIdText} and ${remoteIdText}`);
  const local = parseIpAddress(localAddress)!;
  const remote = parseIpAddress(remoteAddress)!;
  const ts = (list: string[], dynamic: Uint8Array): TsRange[] => list.map((t) => parseTrafficSelector(t, dynamic));
  const written = (list: string[], dynamic: string) => list.map((t) => (t === 'dynamic' ? dynamic : t));
  return {
    connection: c.name,
    child: child.name,
    localAddress,
    remoteAddress,
    localId: identityFromString(localIdText),
    localIdText,
    remoteId: identityFromString(remoteIdText),
    remoteIdText,
    sharedSecret: secret.secret,
    ikeProposals: c.proposals,
    childConfig: { espProposals: child.espProposals, localTs: ts(child.localTs, local), remoteTs: ts(child.remoteTs, remote), mode: 'tunnel' },
    localTs: written(child.localTs, localAddress),
    remoteTs: written(child.remoteTs, remoteAddress),
    initiate: child.startAction === 'start',
    ...(c.rekeyTimeMs !== undefined ? { ikeRekeyMs: c.rekeyTimeMs } : {}),
    ...(child.rekeyTimeMs !== undefined ? { childRekeyMs: child.rekeyTimeMs } : {}),
    ...(c.dpdDelayMs !== undefined ? { dpdDelayMs: c.dpdDelayMs } : {}),
  };
}
