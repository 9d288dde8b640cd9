/**
 * IP addresses and UDP endpoints as IKE sees them: NAT detection hashes them (RFC 7296 §2.23),
 * ID_IPV4_ADDR/ID_IPV6_ADDR and traffic selectors carry them (§3.5, §3.13.1).
 */

/** An address (4 octets for IPv4, 16 for IPv6) and a UDP port. */
export interface Endpoint {
  address: Uint8Array;
  port: number;
}

/** Parses dotted-quad IPv4 or RFC 4291 §2.2 IPv6 text; undefined when it is neither. */
export function parseIpAddress(text: string): Uint8Array | undefined {
  const s = text.trim();
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const octets = v4.slice(1).map(Number);
    return octets.every((o) => o <= 255) ? Uint8Array.from(octets) : undefined;
  }
  if (!s.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(s)) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const tail = parseIpAddress(g);
        if (tail === undefined || tail.length !== 4) return undefined;
        out.push((tail[0] << 8) | tail[1], (tail[2] << 8) | tail[3]);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(g)) out.push(parseInt(g, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === undefined || tail === undefined) return undefined;
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 2 && fill < 1) || (halves.length === 1 && fill !== 0)) return undefined;
  const all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Dotted-quad for IPv4; full (uncompressed) lower-case groups for IPv6. */
export function formatIpAddress(address: Uint8Array): string {
  if (address.length === 4) return Array.from(address).join('.');
  const groups: string[] = [];
  for (let i = 0; i < address.length; i += 2) groups.push(((address[i] << 8) | address[i + 1]).toString(16));
  return groups.join(':');
}
