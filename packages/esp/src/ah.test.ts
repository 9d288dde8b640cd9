/**
 * AH (RFC 4302) through the engine: transport and tunnel mode over IPv4 and IPv6 with the HMAC
 * ICVs of RFC 4868 / RFC 2404; the fields RFC 4302 §3.3.3.1 calls mutable (IPv4 TOS, flags and
 * fragment offset, TTL, checksum; IPv6 traffic class, flow label, hop limit) may change in flight,
 * everything else may not. tshark dissects the AH header the engine writes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '@layersec/crypto-primitives';
import { LinkType, writePcap } from '@layersec/wire';
import { tsharkFields } from '@layersec/testbed';
import { EspEngine } from './engine.js';
import { EspDropReason } from './drops.js';
import { IpProtocol } from './constants.js';
import { encodeIpv4Header, encodeIpv6Header, parseIpAddress, setIpv4HeaderChecksum } from './ip.js';
import { INTEGRITY_INFO, type SecurityAssociation } from './sa.js';
import type { IntegrityAlgorithm } from './constants.js';
import { PROVIDERS, concat } from './test-support.js';

const random = seededRandom('ah tests');
const data = new TextEncoder().encode('AH protects the header too');

function icmp4(): Uint8Array {
  const body = concat(new Uint8Array([8, 0, 0, 0, 0, 1, 0, 1]), data);
  return concat(
    encodeIpv4Header({ dscp: 10, ecn: 0, totalLength: 20 + body.length, identification: 99, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol: IpProtocol.ICMP, source: parseIpAddress('10.0.0.1'), destination: parseIpAddress('10.0.0.2'), options: new Uint8Array(0) }),
    body,
  );
}
function udp6(): Uint8Array {
  const u = concat(new Uint8Array([0x13, 0x88, 0x13, 0x89, 0, 8 + data.length, 0, 0]), data);
  return concat(encodeIpv6Header({ trafficClass: 0x28, flowLabel: 0x12345, payloadLength: u.length, nextHeader: IpProtocol.UDP, hopLimit: 64, source: parseIpAddress('2001:db8::1'), destination: parseIpAddress('2001:db8::2') }), u);
}

const ALGS: IntegrityAlgorithm[] = ['AUTH_HMAC_SHA2_256_128', 'AUTH_HMAC_SHA2_384_192', 'AUTH_HMAC_SHA2_512_256', 'AUTH_HMAC_SHA1_96'];

function ahSa(integrity: IntegrityAlgorithm, mode: 'transport' | 'tunnel', v: 4 | 6, esn = false): SecurityAssociation {
  return {
    protocol: 'ah',
    spi: 0x5000,
    mode,
    encryption: null,
    encryptionKey: null,
    icvLength: INTEGRITY_INFO[integrity].icvLength,
    integrity,
    integrityKey: random.randomBytes(INTEGRITY_INFO[integrity].keyLength),
    esn,
    sequence: esn ? 0xffff_ffffn : 1n,
    tunnel: mode === 'tunnel' ? (v === 4 ? { source: '192.0.2.1', destination: '192.0.2.2' } : { source: '2001:db8:f::1', destination: '2001:db8:f::2' }) : null,
  };
}

describe.each(PROVIDERS.map((p) => [p.name, p] as const))('AH (%s provider)', (_n, provider) => {
  const cases = ALGS.flatMap((a) =>
    (['transport', 'tunnel'] as const).flatMap((mode) => ([4, 6] as const).map((v) => [`${a} ${mode} IPv${v}`, a, mode, v] as const)),
  );
  it.each(cases)('%s: round trip; mutable fields may change, immutable ones may not', (_c, alg, mode, v) => {
    const sa = ahSa(alg, mode, v, true);
    const tx = new EspEngine({ provider, random });
    const rx = new EspEngine({ provider, random });
    tx.addOutboundSa(sa);
    rx.addInboundSa(sa);
    const original = v === 4 ? icmp4() : udp6();
    const wires = [0, 1, 2].map(() => {
      const r = tx.protect(sa.spi, original);
      if (!r.ok) throw new Error(r.reason);
      return r.packet;
    });
    const outerV = v; // the tunnel endpoints here are of the inner packet's version
    const ahAt = outerV === 4 ? 20 : 40;
    // RFC 4302 §2: Next Header, Payload Len = AH length in 32-bit words - 2, SPI, Sequence Number.
    const w = wires[0];
    expect(w[outerV === 4 ? 9 : 6]).toBe(IpProtocol.AH);
    expect(w[ahAt]).toBe(mode === 'tunnel' ? (v === 4 ? IpProtocol.IPV4 : IpProtocol.IPV6) : v === 4 ? IpProtocol.ICMP : IpProtocol.UDP);
    const ahBytes = (w[ahAt + 1] + 2) * 4;
    expect(ahBytes % (outerV === 4 ? 4 : 8)).toBe(0);
    expect(ahBytes).toBeGreaterThanOrEqual(12 + INTEGRITY_INFO[alg].icvLength);

    // In flight: routers change the mutable fields (and fix the IPv4 checksum).
    const mutated = wires[0].slice();
    if (outerV === 4) {
      mutated[1] = 0xb8;
      mutated[6] = 0;
      mutated[8] = 3;
      setIpv4HeaderChecksum(mutated, 0);
    } else {
      mutated[0] = 0x6f;
      mutated[1] = 0xff;
      mutated[3] = 0x77;
      mutated[7] = 3;
    }
    const r = rx.unprotect(mutated);
    if (!r.ok) throw new Error(`dropped: ${r.reason}`);
    if (mode === 'tunnel') expect(r.packet).toEqual(original);
    else expect(r.packet.subarray(outerV === 4 ? 20 : 40)).toEqual(original.subarray(outerV === 4 ? 20 : 40));
    // ESN: sequence 2^32-1, then 2^32 (high half authenticated, not sent).
    expect([r.sequenceHigh, r.sequenceLow]).toEqual([0, 0xffffffff]);

    // An immutable field (source address) or the payload changed: ICV failure.
    const spoofed = wires[1].slice();
    spoofed[outerV === 4 ? 15 : 23] ^= 1;
    if (outerV === 4) setIpv4HeaderChecksum(spoofed, 0);
    expect(rx.unprotect(spoofed)).toMatchObject({ ok: false, reason: EspDropReason.ICV_FAILURE });
    const tampered = wires[1].slice();
    tampered[tampered.length - 1] ^= 1;
    expect(rx.unprotect(tampered)).toMatchObject({ ok: false, reason: EspDropReason.ICV_FAILURE });
    const second = rx.unprotect(wires[1]);
    expect(second.ok && [second.sequenceHigh, second.sequenceLow]).toEqual([1, 0]);
    expect(rx.unprotect(wires[1])).toMatchObject({ ok: false, reason: EspDropReason.REPLAY });
  });
});

let tshark = true;
try {
  execFileSync('tshark', ['-v'], { stdio: 'ignore' });
} catch {
  tshark = false;
  console.warn('tshark not installed: AH dissection check skipped');
}
(tshark ? it : it.skip)('tshark dissects the AH header the engine writes (SPI, sequence, ICV length, inner payload)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ah-tshark-'));
  try {
    const provider = PROVIDERS[1];
    const records = ALGS.map((alg, i) => {
      const sa = { ...ahSa(alg, 'transport', 4), spi: 0x5100 + i };
      const e = new EspEngine({ provider, random });
      e.addOutboundSa(sa);
      const r = e.protect(sa.spi, icmp4());
      if (!r.ok) throw new Error(r.reason);
      return { timestampSeconds: 1_700_000_000 + i, timestampNanoseconds: 0, data: r.packet };
    });
    const pcap = join(dir, 'ah.pcap');
    writeFileSync(pcap, writePcap({ linkType: LinkType.LINKTYPE_RAW, records }));
    const rows = await tsharkFields(pcap, { filter: 'ah', fields: ['ah.spi', 'ah.sequence', 'ah.icv', 'icmp.type', 'data.data'] });
    expect(rows.map((r) => [r['ah.spi'], r['ah.sequence'], r['ah.icv'].replace(/:/g, '').length / 2, r['icmp.type']])).toEqual(
      ALGS.map((a, i) => [`0x${(0x5100 + i).toString(16).padStart(8, '0')}`, '1', INTEGRITY_INFO[a].icvLength, '8']),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('AH over IPv6 extension headers (RFC 4302 §3.3.3.1.2.1, RFC 8200 §4.2)', () => {
  // RFC 4727's experimental option types: 0x3E has the "may change en route" bit (0x20), 0x1E not.
  function withHopByHop(optionType: number): Uint8Array {
    const u = concat(new Uint8Array([0x13, 0x88, 0x13, 0x89, 0, 8 + data.length, 0, 0]), data);
    // Next Header, Hdr Ext Len 0 (8 bytes), the option (type, length 2, two data bytes), PadN of no data.
    const hbh = new Uint8Array([IpProtocol.UDP, 0, optionType, 2, 0xaa, 0xbb, 1, 0]);
    return concat(
      encodeIpv6Header({ trafficClass: 0, flowLabel: 0, payloadLength: hbh.length + u.length, nextHeader: IpProtocol.HOPOPT, hopLimit: 64, source: parseIpAddress('2001:db8::1'), destination: parseIpAddress('2001:db8::2') }),
      hbh,
      u,
    );
  }
  it.each([
    ['0x3E (mutable): a changed option value still verifies', 0x3e, true],
    ['0x1E (immutable): a changed option value fails the ICV', 0x1e, false],
  ] as const)('%s', (_n, optionType, accepted) => {
    const provider = PROVIDERS[1];
    const sa = ahSa('AUTH_HMAC_SHA2_256_128', 'transport', 6);
    const tx = new EspEngine({ provider, random });
    const rx = new EspEngine({ provider, random });
    tx.addOutboundSa(sa);
    rx.addInboundSa(sa);
    const original = withHopByHop(optionType);
    const r = tx.protect(sa.spi, original);
    if (!r.ok) throw new Error(r.reason);
    // AH goes after the Hop-by-Hop header, whose Next Header now names AH.
    expect([r.packet[6], r.packet[40], r.packet[48]]).toEqual([IpProtocol.HOPOPT, IpProtocol.AH, IpProtocol.UDP]);
    const inFlight = r.packet.slice();
    inFlight[44] ^= 0xff; // the option's first data byte
    const got = rx.unprotect(inFlight);
    if (accepted) {
      expect(got.ok).toBe(true);
    } else {
      expect(got).toMatchObject({ ok: false, reason: EspDropReason.ICV_FAILURE });
    }
  });
});
