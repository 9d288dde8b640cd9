/**
 * AH (RFC 4302): the header codec and the ICV computation with mutable fields zeroed.
 *
 *   AH header (§2):  Next Header(1) | Payload Len(1) | RESERVED(2) | SPI(4) | Sequence Number(4) |
 *                    ICV (padded to 32 bits over IPv4, 64 bits over IPv6, §2.6)
 *   Payload Len = AH length in 32-bit words minus 2.
 *
 * §3.3.3.1: the ICV covers the IP header with its mutable fields set to zero (IPv4: TOS/DSCP+ECN,
 * Flags, Fragment Offset, TTL, Header Checksum, and mutable options whole; IPv6: Traffic Class,
 * Flow Label, Hop Limit, and the data of options whose "may change en route" bit is set), the AH
 * header with the ICV zeroed, the payload, and — with ESN — the high-order 32 bits of the
 * sequence number appended (§3.3.3.1 "implicitly", like ESP).
 */
import { IpProtocol } from './constants.js';
import { ipv6HeaderChain } from './ip.js';

export const AH_FIXED_LENGTH = 12;

/** AH length for an ICV length and IP version: 12 + ICV, padded to 4 (IPv4) or 8 (IPv6) bytes. */
export function ahLength(icvLength: number, ipVersion: 4 | 6): number {
  const align = ipVersion === 4 ? 4 : 8;
  return Math.ceil((AH_FIXED_LENGTH + icvLength) / align) * align;
}

/** RFC 4302 Appendix A.1: IPv4 options whose value does not change en route. */
const IMMUTABLE_IPV4_OPTIONS = new Set([0, 1, 130, 133, 134, 148, 149]);

/**
 * Zeroes, in `buf` (a copy of the packet), the mutable fields of the IP header and of the IPv6
 * extension headers before `ahOffset`, and the ICV field of the AH at `ahOffset`. Returns false
 * for headers whose mutable content cannot be predicted here (IPv6 Routing headers), which the
 * caller refuses, or for malformed options. `icvFieldLength` is the whole ICV field with its
 * alignment padding (§2.6: both are zeroed for the computation).
 */
export function zeroMutableFields(buf: Uint8Array, ahOffset: number, icvFieldLength: number): boolean {
  const version = buf[0] >> 4;
  if (version === 4) {
    const ihl = (buf[0] & 0x0f) * 4;
    buf[1] = 0; // TOS
    buf[6] = 0; // Flags, Fragment Offset
    buf[7] = 0;
    buf[8] = 0; // TTL
    buf[10] = 0; // Header Checksum
    buf[11] = 0;
    let off = 20;
    while (off < ihl) {
      const type = buf[off];
      if (type === 0) break; // End of Option List: the rest is padding, which is zero
      if (type === 1) {
        off += 1;
        continue;
      }
      if (off + 1 >= ihl) return false;
      const len = buf[off + 1];
      if (len < 2 || off + len > ihl) return false;
      if (!IMMUTABLE_IPV4_OPTIONS.has(type)) buf.fill(0, off, off + len);
      off += len;
    }
  } else {
    buf[0] &= 0xf0; // Traffic Class and Flow Label
    buf[1] = 0;
    buf[2] = 0;
    buf[3] = 0;
    buf[7] = 0; // Hop Limit
    const chain = ipv6HeaderChain(buf, ahOffset);
    for (const ext of chain.extensions) {
      if (ext.offset >= ahOffset) break;
      if (ext.type === IpProtocol.IPV6_ROUTE) return false;
      if (ext.type === IpProtocol.HOPOPT || ext.type === IpProtocol.IPV6_OPTS) {
        let off = ext.offset + 2;
        const end = ext.offset + ext.length;
        while (off < end) {
          const type = buf[off];
          if (type === 0) {
            off += 1; // Pad1
            continue;
          }
          if (off + 1 >= end) return false;
          const len = buf[off + 1];
          if (off + 2 + len > end) return false;
          // RFC 8200 §4.2: the third-highest bit of the option type says "may change en route".
          if ((type & 0x20) !== 0) buf.fill(0, off + 2, off + 2 + len);
          off += 2 + len;
        }
      }
    }
  }
  buf.fill(0, ahOffset + AH_FIXED_LENGTH, ahOffset + AH_FIXED_LENGTH + icvFieldLength);
  return true;
}
