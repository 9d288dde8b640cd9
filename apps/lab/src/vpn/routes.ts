/**
 * The gateway's routes: each protected remote subnet into the TUN device, with the source hint
 * of a local address inside the local traffic selectors (so that traffic the gateway itself
 * originates is covered by the Child SA, as strongSwan's `install_routes` does). Every route
 * added is remembered and removed again.
 */
import { ip } from './tun.js';

function ipv4ToNumber(text: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (m === null) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

/** Whether the IPv4 address `addr` lies in `cidr` (`10.10.1.0/24`, or one address). */
export function inPrefix(addr: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const a = ipv4ToNumber(addr);
  const n = ipv4ToNumber(net);
  if (a === undefined || n === undefined) return false;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((a & mask) >>> 0) === ((n & mask) >>> 0);
}

/** The IPv4 addresses configured in this network namespace. */
export function localIpv4Addresses(): string[] {
  const out = ip('-o', '-4', 'addr', 'show');
  return [...out.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]);
}

export class RouteTable {
  private readonly added: string[][] = [];

  constructor(private readonly device: string) {}

  /** Routes `remoteTs` into the device, with a source inside `localTs` when one is local. */
  install(remoteTs: readonly string[], localTs: readonly string[]): string[] {
    const locals = localIpv4Addresses();
    const src = locals.find((a) => localTs.some((ts) => inPrefix(a, ts)));
    const lines: string[] = [];
    for (const ts of remoteTs) {
      if (ts.includes('-') || ts.includes('[')) throw new Error(`traffic selector ${ts}: only subnets and addresses can be routed`);
      const spec = [ts.includes('/') ? ts : `${ts}/${ts.includes(':') ? 128 : 32}`, 'dev', this.device, ...(src !== undefined && !ts.includes(':') ? ['src', src] : [])];
      ip('route', 'replace', ...spec);
      this.added.push(spec);
      lines.push(spec.join(' '));
    }
    return lines;
  }

  /** Removes every route this table added (those already gone are skipped). */
  removeAll(): void {
    for (const spec of this.added.splice(0).reverse()) {
      try {
        ip('route', 'del', ...spec);
      } catch {
        // Gone with the device already.
      }
    }
  }
}
