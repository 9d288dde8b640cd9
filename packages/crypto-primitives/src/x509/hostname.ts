/**
 * Server identity checks per RFC 6125 §6 (as updated by RFC 9525):
 * - a host name is compared with the dNSName subjectAltNames (§6.4.1), case-insensitively, a
 *   trailing dot ignored;
 * - a wildcard is honoured only as the whole left-most label ("*.example.com", §6.4.3), matching
 *   exactly one non-empty label, and only when at least two labels follow it (so "*.com" and
 *   "*.test" match nothing, as openssl also refuses); partial-label wildcards ("f*.example.com")
 *   and wildcards elsewhere never match;
 * - an IP address (IPv4 dotted quad or IPv6 text) is compared only with iPAddress
 *   subjectAltNames, octet for octet, never with dNSNames or the CN;
 * - the subject CN is consulted for host names only when `commonNameFallback` is set AND the
 *   certificate has no DNS-ID or URI-ID (§6.4.4). The default is never to use the CN: the CA/B
 *   Forum Baseline Requirements put every name in the SAN, and RFC 9525 §6.3 removed CN-IDs.
 */
import type { Certificate } from './certificate.js';
import { id_at_commonName } from './name.js';

export interface HostnameOptions {
  /** Fall back to the subject CN when the certificate has no dNSName or URI SAN (RFC 6125 §6.4.4). */
  readonly commonNameFallback?: boolean;
}

/** The 4 or 16 octets of an IPv4/IPv6 address literal, or null when `text` is not one. */
export function parseIpAddress(text: string): Uint8Array | null {
  const v4 = parseIpv4(text);
  if (v4) return v4;
  if (!text.includes(':')) return null;
  const s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parsePart = (part: string, allowV4Tail: boolean): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (allowV4Tail && i === groups.length - 1 && g.includes('.')) {
        const tail = parseIpv4(g);
        if (!tail) return null;
        out.push((tail[0] << 8) | tail[1], (tail[2] << 8) | tail[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const left = parsePart(halves[0], halves.length === 1);
  const right = halves.length === 2 ? parsePart(halves[1], true) : [];
  if (!left || !right) return null;
  const total = left.length + right.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const groups = [...left, ...new Array<number>(8 - total).fill(0), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

/** Strict dotted quad: four decimal numbers 0..255 without leading zeros. */
function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(parts[i])) return null;
    const n = Number(parts[i]);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function canonicalDnsName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** RFC 6125 §6.4.1 and §6.4.3: does `pattern` (a dNSName or CN) match `host`? */
export function dnsNameMatches(pattern: string, host: string): boolean {
  const p = canonicalDnsName(pattern);
  const h = canonicalDnsName(host);
  if (p === '' || h === '' || h.includes('*')) return false;
  if (!p.includes('*')) return p === h;
  // Only "*." + at least two labels: the wildcard is the whole left-most label.
  if (!p.startsWith('*.')) return false;
  const suffix = p.slice(2);
  if (suffix.includes('*') || !suffix.includes('.') || suffix.split('.').some((l) => l === '')) return false;
  const dot = h.indexOf('.');
  if (dot <= 0) return false;
  return h.slice(dot + 1) === suffix;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Whether `cert` is valid for `host` (a DNS name or an IP address literal). */
export function matchesHostname(cert: Certificate, host: string, options: HostnameOptions = {}): boolean {
  const names = cert.extensions.subjectAltName?.names ?? [];
  const ip = parseIpAddress(host);
  if (ip) return names.some((n) => n.type === 'iPAddress' && sameBytes(n.bytes, ip));
  if (names.some((n) => n.type === 'dNSName' && dnsNameMatches(n.value, host))) return true;
  const hasPresentedIds = names.some((n) => n.type === 'dNSName' || n.type === 'uniformResourceIdentifier');
  if (!options.commonNameFallback || hasPresentedIds) return false;
  // RFC 6125 §6.4.4: the most specific (last-encoded) CN.
  const cns = cert.subject.rdns.flat().filter((a) => a.type === id_at_commonName && !a.hex);
  const cn = cns[cns.length - 1];
  return cn !== undefined && parseIpAddress(cn.value) === null && dnsNameMatches(cn.value, host);
}
