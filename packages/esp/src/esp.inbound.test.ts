/**
 * Behaviour of the engine on its own packets: round trips of every transform and layout, the
 * inbound order of RFC 4303 §3.4 (replay and too-old before the ICV, every single-bit flip
 * rejected, plaintext never released), ESN across 2^32 (RFC 4303 Appendix A), sequence
 * exhaustion, lifetimes on an injected clock, padding, selectors, RFC 3948 UDP encapsulation,
 * TFC padding and dummy packets, RFC 4301 §5.1.2.1 header construction, and a fuzz of the
 * inbound path. The expected values here are the RFCs' rules, not outputs of this code.
 */
import fc from 'fast-check';
import { seededRandom, type CryptoProvider } from '@layersec/crypto-primitives';
import { EspEngine, type EspEngineOptions } from './engine.js';
import { EspDropReason } from './drops.js';
import { IpProtocol } from './constants.js';
import { decodeIpv4Header, encodeIpv4Header, encodeIpv6Header, parseIpAddress } from './ip.js';
import { ENCRYPTION_INFO, INTEGRITY_INFO, type SecurityAssociation } from './sa.js';
import type { EncryptionAlgorithm, IntegrityAlgorithm } from './constants.js';
import { PROVIDERS, concat } from './test-support.js';

const random = seededRandom('esp inbound tests');

function udpPacket4(payload: Uint8Array, o: { src?: string; dst?: string; dscp?: number; ecn?: number; ttl?: number } = {}): Uint8Array {
  const u = new Uint8Array(8 + payload.length);
  u.set([0x13, 0x88, 0x13, 0x89, u.length >> 8, u.length & 0xff, 0, 0]);
  u.set(payload, 8);
  const h = encodeIpv4Header({
    dscp: o.dscp ?? 0,
    ecn: o.ecn ?? 0,
    totalLength: 20 + u.length,
    identification: 7,
    dontFragment: true,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: o.ttl ?? 64,
    protocol: IpProtocol.UDP,
    source: parseIpAddress(o.src ?? '10.1.0.1'),
    destination: parseIpAddress(o.dst ?? '10.2.0.1'),
    options: new Uint8Array(0),
  });
  return concat(h, u);
}

function udpPacket6(payload: Uint8Array, withExtension = true): Uint8Array {
  const u = new Uint8Array(8 + payload.length);
  u.set([0x13, 0x88, 0x13, 0x89, u.length >> 8, u.length & 0xff, 0, 0]);
  u.set(payload, 8);
  const ext = withExtension ? new Uint8Array([IpProtocol.UDP, 0, 1, 4, 0, 0, 0, 0]) : new Uint8Array(0);
  const h = encodeIpv6Header({
    trafficClass: 0,
    flowLabel: 0,
    payloadLength: ext.length + u.length,
    nextHeader: withExtension ? IpProtocol.HOPOPT : IpProtocol.UDP,
    hopLimit: 64,
    source: parseIpAddress('2001:db8:1::1'),
    destination: parseIpAddress('2001:db8:2::1'),
  });
  return concat(h, ext, u);
}

interface Suite {
  encryption: EncryptionAlgorithm;
  keyLength: number;
  integrity: IntegrityAlgorithm | null;
}
const SUITES: Suite[] = [
  { encryption: 'ENCR_AES_GCM_16', keyLength: 16, integrity: null },
  { encryption: 'ENCR_AES_GCM_16', keyLength: 32, integrity: null },
  { encryption: 'ENCR_AES_GCM_12', keyLength: 16, integrity: null },
  { encryption: 'ENCR_AES_GCM_8', keyLength: 32, integrity: null },
  { encryption: 'ENCR_CHACHA20_POLY1305', keyLength: 32, integrity: null },
  { encryption: 'ENCR_NULL_AUTH_AES_GMAC', keyLength: 16, integrity: null },
  { encryption: 'ENCR_AES_CBC', keyLength: 16, integrity: 'AUTH_HMAC_SHA2_256_128' },
  { encryption: 'ENCR_AES_CBC', keyLength: 32, integrity: 'AUTH_HMAC_SHA2_384_192' },
  { encryption: 'ENCR_AES_CBC', keyLength: 32, integrity: 'AUTH_HMAC_SHA2_512_256' },
  { encryption: 'ENCR_AES_CBC', keyLength: 16, integrity: 'AUTH_HMAC_SHA1_96' },
  { encryption: 'ENCR_NULL', keyLength: 0, integrity: 'AUTH_HMAC_SHA2_256_128' },
];

function makeSa(s: Suite, o: Partial<SecurityAssociation> = {}): SecurityAssociation {
  const info = ENCRYPTION_INFO[s.encryption];
  return {
    protocol: 'esp',
    spi: 0x2000,
    mode: 'tunnel',
    encryption: s.encryption,
    encryptionKey: random.randomBytes(s.keyLength + info.saltLength),
    icvLength: info.icvLength ?? (s.integrity ? INTEGRITY_INFO[s.integrity].icvLength : 0),
    integrity: s.integrity,
    integrityKey: s.integrity ? random.randomBytes(INTEGRITY_INFO[s.integrity].keyLength) : null,
    esn: false,
    sequence: 1n,
    tunnel: { source: '192.0.2.1', destination: '192.0.2.2' },
    ...o,
  };
}

function pair(provider: CryptoProvider, sa: SecurityAssociation, options: Partial<EspEngineOptions> = {}) {
  const tx = new EspEngine({ provider, random, ...options });
  const rx = new EspEngine({ provider, random, ...options });
  tx.addOutboundSa(sa);
  rx.addInboundSa(sa);
  return { tx, rx };
}

function mustProtect(e: EspEngine, spi: number, p: Uint8Array): Uint8Array {
  const r = e.protect(spi, p);
  if (!r.ok) throw new Error(`refused: ${r.reason}`);
  return r.packet;
}

const payload = new TextEncoder().encode('the quick brown fox jumps over the lazy dog');

describe.each(PROVIDERS.map((p) => [p.name, p] as const))('ESP engine (%s provider)', (_name, provider) => {
  describe('round trips', () => {
    const layouts = [
      { name: 'transport IPv4', mode: 'transport' as const, packet: () => udpPacket4(payload), tunnel: null },
      { name: 'transport IPv6 with Hop-by-Hop', mode: 'transport' as const, packet: () => udpPacket6(payload), tunnel: null },
      { name: 'tunnel 4in4', mode: 'tunnel' as const, packet: () => udpPacket4(payload), tunnel: { source: '192.0.2.1', destination: '192.0.2.2' } },
      { name: 'tunnel 6in6', mode: 'tunnel' as const, packet: () => udpPacket6(payload), tunnel: { source: '2001:db8::a', destination: '2001:db8::b' } },
      { name: 'tunnel 4in6', mode: 'tunnel' as const, packet: () => udpPacket4(payload), tunnel: { source: '2001:db8::a', destination: '2001:db8::b' } },
      { name: 'tunnel 6in4', mode: 'tunnel' as const, packet: () => udpPacket6(payload, false), tunnel: { source: '192.0.2.1', destination: '192.0.2.2' } },
    ];
    const cases = SUITES.flatMap((s) => layouts.flatMap((l) => [false, true].map((esn) => [`${s.encryption}/${s.keyLength * 8} ${s.integrity ?? ''} ${l.name}${esn ? ' ESN' : ''}`, s, l, esn] as const)));
    it.each(cases)('%s', (_n, s, l, esn) => {
      const sa = makeSa(s, { mode: l.mode, tunnel: l.tunnel, esn, sequence: esn ? 0x1_0000_0005n : 5n });
      const { tx, rx } = pair(provider, sa);
      const original = l.packet();
      const wire = mustProtect(tx, sa.spi, original);
      const before = wire.slice();
      const r = rx.unprotect(wire);
      if (!r.ok) throw new Error(`dropped: ${r.reason}`);
      expect(r.packet).toEqual(original);
      // The input is left as it was, and the output does not alias it.
      expect(wire).toEqual(before);
      expect(r.packet.buffer).not.toBe(wire.buffer);
      expect(r.sequenceLow).toBe(5);
      expect(r.sequenceHigh).toBe(esn ? 1 : 0);
    });
  });

  describe('anti-replay (RFC 4303 §3.4.3)', () => {
    const s = SUITES[0];
    it('drops a replayed packet and counts it', () => {
      const sa = makeSa(s);
      const { tx, rx } = pair(provider, sa);
      const wire = mustProtect(tx, sa.spi, udpPacket4(payload));
      expect(rx.unprotect(wire).ok).toBe(true);
      expect(rx.unprotect(wire)).toEqual({ ok: false, reason: EspDropReason.REPLAY, spi: sa.spi });
      expect(rx.counters[EspDropReason.REPLAY]).toBe(1);
    });

    it('accepts every packet once when reordered within the window', () => {
      const sa = makeSa(s);
      const { tx, rx } = pair(provider, sa, { replayWindowSize: 64 });
      const wires = Array.from({ length: 60 }, () => mustProtect(tx, sa.spi, udpPacket4(payload)));
      const order = fc.sample(fc.shuffledSubarray([...wires.keys()], { minLength: 60, maxLength: 60 }), { numRuns: 1, seed: 7 })[0];
      for (const i of order) expect(rx.unprotect(wires[i]).ok).toBe(true);
      for (const w of wires) expect(rx.unprotect(w).ok).toBe(false);
      expect(rx.counters[EspDropReason.REPLAY]).toBe(60);
    });

    it('drops a packet left of the window as too old, before its ICV is looked at', () => {
      const sa = makeSa(s);
      const { tx, rx } = pair(provider, sa, { replayWindowSize: 64 });
      const wires = Array.from({ length: 200 }, () => mustProtect(tx, sa.spi, udpPacket4(payload)));
      expect(rx.unprotect(wires[199]).ok).toBe(true); // sequence 200: the window covers 137..200
      expect(rx.unprotect(wires[100]).ok).toBe(false); // sequence 101
      expect(rx.counters[EspDropReason.TOO_OLD]).toBe(1);
      expect(rx.unprotect(wires[150]).ok).toBe(true); // sequence 151, inside
      // A forged packet with a too-old sequence number is dropped as TOO_OLD, not ICV failure.
      const forged = wires[0].slice();
      forged[forged.length - 1] ^= 1;
      expect(rx.unprotect(forged)).toMatchObject({ ok: false, reason: EspDropReason.TOO_OLD });
      expect(rx.counters[EspDropReason.ICV_FAILURE]).toBe(0);
    });

    it('a forged packet does not move the window (update only after the ICV)', () => {
      const sa = makeSa(s);
      const { tx, rx } = pair(provider, sa, { replayWindowSize: 64 });
      const wires = Array.from({ length: 100 }, () => mustProtect(tx, sa.spi, udpPacket4(payload)));
      const forged = wires[99].slice();
      forged[forged.length - 1] ^= 0x80;
      expect(rx.unprotect(forged)).toMatchObject({ ok: false, reason: EspDropReason.ICV_FAILURE });
      expect(rx.unprotect(wires[0]).ok).toBe(true); // still inside the window
    });

    it('ESN: sequence numbers cross 2^32 and the receiver infers the high half (Appendix A)', () => {
      const sa = makeSa(s, { esn: true, sequence: 0xffff_fffcn });
      const { tx, rx } = pair(provider, sa);
      const wires = Array.from({ length: 8 }, () => mustProtect(tx, sa.spi, udpPacket4(payload)));
      // On the wire only the low 32 bits travel (RFC 4303 §2.2.1): ...fffc, fffd, fffe, ffff, 0, 1, 2, 3
      expect(wires.map((w) => new DataView(w.buffer).getUint32(24))).toEqual([0xfffffffc, 0xfffffffd, 0xfffffffe, 0xffffffff, 0, 1, 2, 3]);
      const got = [wires[1], wires[0], wires[5], wires[3], wires[4], wires[2], wires[7], wires[6]].map((w) => rx.unprotect(w));
      expect(got.map((r) => (r.ok ? r.sequenceHigh * 2 ** 32 + r.sequenceLow - 2 ** 32 : r.reason))).toEqual([-3, -4, 1, -1, 0, -2, 3, 2]);
      expect(tx.nextSequence(sa.spi)).toBe(0x1_0000_0004n);
    });

    it('ESN: a packet whose high half the receiver infers wrongly fails its ICV (high bits are authenticated)', () => {
      const sa = makeSa(s, { esn: true, sequence: 0x2_0000_0001n });
      const tx = new EspEngine({ provider, random });
      tx.addOutboundSa(sa);
      const rx = new EspEngine({ provider, random });
      rx.addInboundSa({ ...sa, sequence: 0x1_0000_0001n }); // receiver one epoch behind
      expect(rx.unprotect(mustProtect(tx, sa.spi, udpPacket4(payload)))).toMatchObject({ ok: false, reason: EspDropReason.ICV_FAILURE });
    });
  });

  describe('sequence exhaustion (RFC 4303 §3.3.3)', () => {
    it('without ESN, 2^32-1 is the last number sent; then the SA refuses, never wraps', () => {
      const sa = makeSa(SUITES[0], { sequence: 0xffff_fffen });
      const tx = new EspEngine({ provider, random });
      tx.addOutboundSa(sa);
      expect(tx.protect(sa.spi, udpPacket4(payload)).ok).toBe(true);
      expect(tx.protect(sa.spi, udpPacket4(payload)).ok).toBe(true);
      expect(tx.protect(sa.spi, udpPacket4(payload))).toEqual({ ok: false, reason: EspDropReason.SEQUENCE_EXHAUSTED });
      expect(tx.drainEvents()).toEqual([{ type: 'sequence-exhausted', direction: 'outbound', spi: sa.spi }]);
    });
    it('with ESN, 2^64-1 is the last', () => {
      const sa = makeSa(SUITES[0], { esn: true, sequence: 0xffff_ffff_ffff_ffffn });
      const tx = new EspEngine({ provider, random });
      tx.addOutboundSa(sa);
      expect(tx.protect(sa.spi, udpPacket4(payload)).ok).toBe(true);
      expect(tx.protect(sa.spi, udpPacket4(payload))).toEqual({ ok: false, reason: EspDropReason.SEQUENCE_EXHAUSTED });
    });
  });

  describe('lifetimes (RFC 4301 §4.4.2.1)', () => {
    it('soft packet limit raises one rekey event, hard limit refuses', () => {
      const sa = makeSa(SUITES[0], { lifetime: { soft: { packets: 2 }, hard: { packets: 3 } } });
      const { tx } = pair(provider, sa);
      const results = Array.from({ length: 4 }, () => tx.protect(sa.spi, udpPacket4(payload)).ok);
      expect(results).toEqual([true, true, true, false]);
      expect(tx.drainEvents()).toEqual([
        { type: 'soft-lifetime', direction: 'outbound', spi: sa.spi },
        { type: 'hard-lifetime', direction: 'outbound', spi: sa.spi },
      ]);
      expect(tx.counters[EspDropReason.SA_EXPIRED]).toBe(1);
    });
    it('seconds on the injected clock, both directions', () => {
      let now = 1_000_000;
      const clock = { now: () => now };
      const sa = makeSa(SUITES[0], { lifetime: { soft: { seconds: 10 }, hard: { seconds: 20 } } });
      const { tx, rx } = pair(provider, sa, { clock });
      expect(rx.unprotect(mustProtect(tx, sa.spi, udpPacket4(payload))).ok).toBe(true);
      expect(tx.drainEvents()).toEqual([]);
      now += 10_000;
      expect(rx.unprotect(mustProtect(tx, sa.spi, udpPacket4(payload))).ok).toBe(true);
      expect(tx.drainEvents()).toEqual([{ type: 'soft-lifetime', direction: 'outbound', spi: sa.spi }]);
      expect(rx.drainEvents()).toEqual([{ type: 'soft-lifetime', direction: 'inbound', spi: sa.spi }]);
      const late = mustProtect(tx, sa.spi, udpPacket4(payload));
      now += 10_000;
      expect(tx.protect(sa.spi, udpPacket4(payload))).toEqual({ ok: false, reason: EspDropReason.SA_EXPIRED });
      expect(rx.unprotect(late)).toMatchObject({ ok: false, reason: EspDropReason.SA_EXPIRED });
    });
    it('tick() raises time-based events without traffic', () => {
      let now = 0;
      const sa = makeSa(SUITES[0], { lifetime: { soft: { seconds: 5 }, hard: { seconds: 8 } } });
      const { tx, rx } = pair(provider, sa, { clock: { now: () => now } });
      expect(tx.tick()).toEqual([]);
      now = 5_000;
      expect(tx.tick()).toEqual([{ type: 'soft-lifetime', direction: 'outbound', spi: sa.spi }]);
      expect(rx.tick()).toEqual([{ type: 'soft-lifetime', direction: 'inbound', spi: sa.spi }]);
      expect(tx.tick()).toEqual([]);
      now = 8_000;
      expect(tx.tick()).toEqual([{ type: 'hard-lifetime', direction: 'outbound', spi: sa.spi }]);
      expect(tx.protect(sa.spi, udpPacket4(payload))).toEqual({ ok: false, reason: EspDropReason.SA_EXPIRED });
    });
    it('byte limit counts payload bytes', () => {
      const sa = makeSa(SUITES[0], { lifetime: { hard: { bytes: 2 * udpPacket4(payload).length } } });
      const { tx } = pair(provider, sa);
      expect([0, 1, 2].map(() => tx.protect(sa.spi, udpPacket4(payload)).ok)).toEqual([true, true, false]);
    });
  });

  describe('every single-bit flip of the ESP packet is rejected, nothing released', () => {
    const chosen = SUITES.filter((s) => s.encryption !== 'ENCR_AES_GCM_16' || s.keyLength === 16);
    it.each(chosen.map((s) => [`${s.encryption} ${s.integrity ?? ''}`, s] as const))('%s', (_n, s) => {
      const sa = makeSa(s, { esn: true, sequence: 0x1_0000_0001n });
      const { tx, rx } = pair(provider, sa);
      const wire = mustProtect(tx, sa.spi, udpPacket4(payload));
      let released = 0;
      for (let bit = 20 * 8; bit < wire.length * 8; bit++) {
        const copy = wire.slice();
        copy[bit >> 3] ^= 0x80 >> (bit & 7);
        if (rx.unprotect(copy).ok) released++;
      }
      expect(released).toBe(0);
      const c = rx.counters;
      // Flips of the SPI find no SA; of the sequence number, a replayed/too-old number or a failed
      // ICV (the number is authenticated); of anything else, a failed ICV (or a CBC length error).
      expect(c[EspDropReason.UNKNOWN_SPI] + c[EspDropReason.ICV_FAILURE] + c[EspDropReason.TOO_OLD] + c[EspDropReason.REPLAY] + c[EspDropReason.MALFORMED]).toBe((wire.length - 20) * 8);
      expect(c[EspDropReason.UNKNOWN_SPI]).toBe(32);
      expect(rx.unprotect(wire).ok).toBe(true); // and the genuine packet still passes
    });
  });

  describe('padding, selectors, dummy packets, TFC', () => {
    it('wrong padding bytes behind a valid ICV are dropped (RFC 4303 §2.4)', () => {
      const s = SUITES[10]; // ENCR_NULL + HMAC: the test can re-MAC an altered trailer
      const sa = makeSa(s, { mode: 'transport', tunnel: null });
      const { tx, rx } = pair(provider, sa);
      const packet = udpPacket4(new Uint8Array(5)); // 33 bytes + 2 → 1 pad byte
      const wire = mustProtect(tx, sa.spi, packet);
      const icv = sa.icvLength;
      const trailer = wire.length - icv - 3; // the single pad byte
      expect(wire[trailer]).toBe(1);
      expect(wire[trailer + 1]).toBe(1);
      wire[trailer] = 7;
      const mac = provider.hmac('SHA-256', sa.integrityKey!, icv);
      wire.set(mac.compute(wire.subarray(20, wire.length - icv)), wire.length - icv);
      expect(rx.unprotect(wire)).toMatchObject({ ok: false, reason: EspDropReason.BAD_PADDING });
    });

    it('a decapsulated packet outside the SA selectors is dropped (RFC 4301 §5.2)', () => {
      const sa = makeSa(SUITES[0]);
      const tx = new EspEngine({ provider, random });
      tx.addOutboundSa(sa);
      const rx = new EspEngine({ provider, random });
      rx.addInboundSa(sa, { selectors: [{ localAddress: '10.2.0.0/16', remoteAddress: '10.1.0.0/16', protocol: IpProtocol.UDP }] });
      expect(rx.unprotect(mustProtect(tx, sa.spi, udpPacket4(payload))).ok).toBe(true);
      expect(rx.unprotect(mustProtect(tx, sa.spi, udpPacket4(payload, { dst: '10.3.0.1' })))).toMatchObject({ ok: false, reason: EspDropReason.SELECTOR_MISMATCH });
    });

    it('dummy packets (Next Header 59) are verified and discarded (RFC 4303 §2.6)', () => {
      const sa = makeSa(SUITES[0]);
      const { tx, rx } = pair(provider, sa);
      const d = tx.dummyPacket(sa.spi, 100);
      if (!d.ok) throw new Error(d.reason);
      expect(rx.unprotect(d.packet)).toMatchObject({ ok: false, reason: EspDropReason.DUMMY_PACKET });
      expect(rx.unprotect(d.packet)).toMatchObject({ ok: false, reason: EspDropReason.REPLAY }); // its sequence number was used
    });

    it('TFC padding hides the length, and the receiver strips it (RFC 4303 §2.4, §2.7)', () => {
      const sa = makeSa(SUITES[0]);
      const tx = new EspEngine({ provider, random });
      tx.addOutboundSa(sa, { tfcPadTo: 500 });
      const rx = new EspEngine({ provider, random });
      rx.addInboundSa(sa);
      const small = udpPacket4(payload);
      const wire = mustProtect(tx, sa.spi, small);
      expect(wire.length).toBe(20 + 8 + 8 + 500 + 2 + 2 + 16);
      const r = rx.unprotect(wire);
      expect(r.ok && r.packet).toEqual(small);
    });
  });

  describe('tunnel headers (RFC 4301 §5.1.2.1)', () => {
    it('outer DSCP, ECN and DF copied from the inner header; TTL is the tunnel default', () => {
      const sa = makeSa(SUITES[0]);
      const { tx } = pair(provider, sa, { ipv4Identification: () => 0x4242 });
      const outer = decodeIpv4Header(mustProtect(tx, sa.spi, udpPacket4(payload, { dscp: 46, ecn: 2, ttl: 9 })));
      expect({ dscp: outer.dscp, ecn: outer.ecn, df: outer.dontFragment, ttl: outer.ttl, id: outer.identification, protocol: outer.protocol }).toEqual({ dscp: 46, ecn: 2, df: true, ttl: 64, id: 0x4242, protocol: IpProtocol.ESP });
    });
    it('copyDscp: false sets the outer DSCP to 0', () => {
      const sa = makeSa(SUITES[0]);
      const { tx } = pair(provider, sa, { copyDscp: false });
      expect(decodeIpv4Header(mustProtect(tx, sa.spi, udpPacket4(payload, { dscp: 46 }))).dscp).toBe(0);
    });
    it('a forwarding gateway decrements the inner TTL, and refuses at TTL 1', () => {
      const sa = makeSa(SUITES[0]);
      const { tx, rx } = pair(provider, sa, { forwarding: true });
      const r = rx.unprotect(mustProtect(tx, sa.spi, udpPacket4(payload, { ttl: 9 })));
      expect(r.ok && decodeIpv4Header(r.packet).ttl).toBe(8);
      expect(tx.protect(sa.spi, udpPacket4(payload, { ttl: 1 }))).toEqual({ ok: false, reason: EspDropReason.TTL_EXCEEDED });
    });
    it('outer CE marks an ECN-capable inner packet (RFC 6040 §4.2)', () => {
      const sa = makeSa(SUITES[0]);
      const { tx, rx } = pair(provider, sa);
      const wire = mustProtect(tx, sa.spi, udpPacket4(payload, { ecn: 2 }));
      wire[1] |= 3; // a router on the path marked the outer header CE (not covered by the ICV)
      wire[10] = wire[11] = 0;
      const r = rx.unprotect(wire);
      expect(r.ok && decodeIpv4Header(r.packet).ecn).toBe(3);
    });
  });

  describe('UDP encapsulation (RFC 3948)', () => {
    const sa = () => makeSa(SUITES[0], { udpEncapsulation: { sourcePort: 4500, destinationPort: 4500 } });
    it('ESP in UDP 4500 round trip', () => {
      const a = sa();
      const { tx, rx } = pair(provider, a);
      const wire = mustProtect(tx, a.spi, udpPacket4(payload));
      expect(wire[9]).toBe(IpProtocol.UDP);
      expect([wire[20] * 256 + wire[21], wire[22] * 256 + wire[23], wire[24] * 256 + wire[25], wire[26] * 256 + wire[27]]).toEqual([4500, 4500, wire.length - 20, 0]);
      const r = rx.unprotect(wire);
      expect(r.ok && r.packet).toEqual(udpPacket4(payload));
    });
    it('NAT-keepalive (one 0xFF octet) and the non-ESP marker are told apart from ESP', () => {
      const rx = new EspEngine({ provider, random });
      rx.addInboundSa(sa());
      const udp = (body: number[]) => {
        const u = [0x11, 0x94, 0x11, 0x94, 0, 8 + body.length, 0, 0, ...body];
        const h = encodeIpv4Header({ dscp: 0, ecn: 0, totalLength: 20 + u.length, identification: 1, dontFragment: false, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol: IpProtocol.UDP, source: parseIpAddress('192.0.2.1'), destination: parseIpAddress('192.0.2.2'), options: new Uint8Array(0) });
        return concat(h, new Uint8Array(u));
      };
      expect(rx.unprotect(udp([0xff]))).toEqual({ ok: false, reason: EspDropReason.NAT_KEEPALIVE });
      const ike = rx.unprotect(udp([0, 0, 0, 0, 1, 2, 3]));
      expect(ike).toEqual({ ok: false, reason: EspDropReason.IKE_MESSAGE, ike: new Uint8Array([1, 2, 3]) });
    });
  });

  it('fuzz: random and mutated packets only ever give counted drops', () => {
    const sas = SUITES.slice(0, 11).map((s, i) => makeSa(s, { spi: 0x3000 + i, esn: i % 2 === 0 }));
    const tx = new EspEngine({ provider, random });
    const rx = new EspEngine({ provider, random });
    for (const a of sas) {
      tx.addOutboundSa(a);
      rx.addInboundSa(a);
    }
    const valid = sas.map((a) => mustProtect(tx, a.spi, udpPacket4(payload)));
    const reasons = new Set<string>(Object.values(EspDropReason));
    let calls = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.tuple(fc.integer({ min: 0, max: valid.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat()).map(([i, flips, cut]) => {
            const p = valid[i].slice(0, valid[i].length - (cut % 3 === 0 ? cut % 40 : 0));
            for (const [at, x] of flips) p[at % p.length] ^= x;
            return p;
          }),
        ),
        (p) => {
          calls++;
          const r = rx.unprotect(p);
          // The outer IP header is not covered by ESP's ICV: a mutation there may still deliver,
          // but only a packet whose ESP part is a genuine one.
          if (r.ok) return valid.some((v) => p.length >= 20 && v.length - 20 === p.length - 20 && v.subarray(20).every((b, i) => b === p[20 + i]));
          return reasons.has(r.reason);
        },
      ),
      { numRuns: 3000, seed: 4303 },
    );
    const total = Object.values(rx.counters).reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(calls);
    expect(calls - total).toBeLessThanOrEqual(valid.length); // each genuine ESP part delivers at most once
    expect(rx.internalErrors).toBe(0);
  });
});

describe('SAD scale', () => {
  it('holds 100k inbound SAs and finds each by SPI and destination', () => {
    const provider = PROVIDERS[1];
    const rx = new EspEngine({ provider, random });
    const tx = new EspEngine({ provider, random });
    const key = random.randomBytes(20);
    for (let i = 0; i < 100_000; i++) {
      rx.addInboundSa(makeSa(SUITES[0], { spi: 0x10000 + i, encryptionKey: key }));
    }
    expect(rx.size).toBe(100_000);
    const probe = makeSa(SUITES[0], { spi: 0x10000 + 77_777, encryptionKey: key });
    tx.addOutboundSa(probe);
    const start = performance.now();
    const r = rx.unprotect(mustProtect(tx, probe.spi, udpPacket4(payload)));
    expect(performance.now() - start).toBeLessThan(50);
    expect(r.ok).toBe(true);
    // The same SPI towards another destination is a different SA (RFC 4301 §4.1).
    const other = new EspEngine({ provider, random });
    other.addOutboundSa({ ...probe, tunnel: { source: '192.0.2.1', destination: '192.0.2.99' } });
    expect(rx.unprotect(mustProtect(other, probe.spi, udpPacket4(payload)))).toMatchObject({ ok: false, reason: EspDropReason.UNKNOWN_SPI });
  });
});
