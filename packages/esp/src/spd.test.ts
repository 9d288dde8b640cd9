/**
 * The SPD in the engine (RFC 4301 §4.4.1, §5.1, §5.2): ordered rules, first match decides;
 * outbound PROTECT / BYPASS / DISCARD (no match: DISCARD); inbound, clear traffic passes only a
 * BYPASS rule, and a decapsulated packet must be one the SPD would have protected.
 */
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { seededRandom } from '@layersec/crypto-primitives';
import { EspEngine } from './engine.js';
import { EspDropReason } from './drops.js';
import { IpProtocol } from './constants.js';
import { encodeIpv4Header, parseIpAddress } from './ip.js';
import { SecurityPolicyDatabase } from './spd.js';
import { concat, testSa } from './test-support.js';

const random = seededRandom('spd tests');

function udp(src: string, dst: string, sport: number, dport: number): Uint8Array {
  const u = new Uint8Array([sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, 0, 12, 0, 0, 1, 2, 3, 4]);
  return concat(encodeIpv4Header({ dscp: 0, ecn: 0, totalLength: 20 + u.length, identification: 1, dontFragment: false, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol: IpProtocol.UDP, source: parseIpAddress(src), destination: parseIpAddress(dst), options: new Uint8Array(0) }), u);
}

const spd = () =>
  new SecurityPolicyDatabase([
    { name: 'dns in clear', selector: { remotePort: 53, protocol: IpProtocol.UDP }, action: 'BYPASS' },
    { name: 'site to site', selector: { localAddress: '10.1.0.0/16', remoteAddress: '10.2.0.0/16' }, action: 'PROTECT', spi: 0x1000 },
    { name: 'no leaks', selector: { localAddress: '10.1.0.0/16' }, action: 'DISCARD' },
  ]);

const sa = testSa({ mode: 'tunnel', tunnel: { source: '192.0.2.1', destination: '192.0.2.2' }, encryption: 'ENCR_AES_GCM_16', encryptionKey: random.randomBytes(20) });

it('outbound: first matching rule decides; no rule is DISCARD', () => {
  const e = new EspEngine({ provider: nodeProvider, random, spd: spd() });
  e.addOutboundSa(sa);
  const dns = udp('10.1.0.5', '10.2.0.9', 3333, 53);
  expect(e.outboundWithPolicy(dns)).toEqual({ ok: true, packet: dns }); // BYPASS before PROTECT
  const p = e.outboundWithPolicy(udp('10.1.0.5', '10.2.0.9', 3333, 80));
  expect(p.ok && p.packet[9]).toBe(IpProtocol.ESP);
  expect(e.outboundWithPolicy(udp('10.1.0.5', '10.3.0.9', 3333, 80))).toEqual({ ok: false, reason: EspDropReason.POLICY_DISCARD });
  expect(e.outboundWithPolicy(udp('10.9.0.5', '10.3.0.9', 3333, 80))).toEqual({ ok: false, reason: EspDropReason.POLICY_DISCARD });
});

it('inbound: clear traffic needs BYPASS; traffic the SPD protects must arrive protected and inside policy', () => {
  const tx = new EspEngine({ provider: nodeProvider, random });
  tx.addOutboundSa(sa);
  const rx = new EspEngine({ provider: nodeProvider, random, spd: spd() });
  rx.addInboundSa(sa);
  // From the receiver's side 10.1/16 is local: the peer sends 10.2 → 10.1.
  expect(rx.inboundWithPolicy(udp('10.2.0.9', '10.1.0.5', 53, 3333))).toMatchObject({ ok: true, bypass: true }); // a DNS answer: remote port 53
  expect(rx.inboundWithPolicy(udp('10.2.0.9', '10.1.0.5', 3333, 53))).toEqual({ ok: false, reason: EspDropReason.POLICY_REQUIRES_PROTECTION });
  expect(rx.inboundWithPolicy(udp('10.7.0.9', '10.1.0.5', 3333, 80))).toEqual({ ok: false, reason: EspDropReason.POLICY_DISCARD });
  expect(rx.inboundWithPolicy(udp('10.2.0.9', '10.1.0.5', 3333, 80))).toEqual({ ok: false, reason: EspDropReason.POLICY_REQUIRES_PROTECTION });
  const good = tx.protect(sa.spi, udp('10.2.0.9', '10.1.0.5', 3333, 80));
  const outside = tx.protect(sa.spi, udp('10.7.0.9', '10.1.0.5', 3333, 80));
  if (!good.ok || !outside.ok) throw new Error('not protected');
  expect(rx.inboundWithPolicy(good.packet)).toMatchObject({ ok: true, spi: sa.spi });
  expect(rx.inboundWithPolicy(outside.packet)).toMatchObject({ ok: false, reason: EspDropReason.SELECTOR_MISMATCH });
});
