/**
 * Helpers for this package's tests: the two providers, an IV source that replays a published IV,
 * and IPv4 headers around bare ESP packets. Not exported from the package index.
 */
import { fromHex } from '@layersec/wire';
import { nobleProvider, type CryptoProvider, type RandomSource } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { encodeIpv4Header, parseIpAddress } from './ip.js';
import type { SecurityAssociation } from './sa.js';

export const PROVIDERS: readonly CryptoProvider[] = [nobleProvider, nodeProvider];

/** A RandomSource that hands out the given byte strings in order (the IVs a test replays). */
export function replayRandom(...chunks: Uint8Array[]): RandomSource {
  const queue = [...chunks];
  return {
    randomBytes(length: number): Uint8Array {
      const next = queue.shift();
      if (!next || next.length !== length) throw new Error(`replayRandom: asked for ${length} bytes, next chunk is ${next?.length ?? 'absent'}`);
      return next;
    },
  };
}

/** An IPv4 header (RFC 791) of a packet with `payloadLength` bytes after it. */
export function ipv4Header(protocol: number, payloadLength: number, source = '192.0.2.1', destination = '192.0.2.2'): Uint8Array {
  return encodeIpv4Header({
    dscp: 0,
    ecn: 0,
    totalLength: 20 + payloadLength,
    identification: 0x1234,
    dontFragment: false,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol,
    source: parseIpAddress(source),
    destination: parseIpAddress(destination),
    options: new Uint8Array(0),
  });
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A SecurityAssociation with defaults for the members a test does not care about. */
export function testSa(fields: Partial<SecurityAssociation> & Pick<SecurityAssociation, 'encryption' | 'encryptionKey'>): SecurityAssociation {
  return {
    protocol: 'esp',
    spi: 0x1000,
    mode: 'transport',
    icvLength: 16,
    integrity: null,
    integrityKey: null,
    esn: false,
    sequence: 1n,
    tunnel: null,
    ...fields,
  };
}

export { fromHex };
