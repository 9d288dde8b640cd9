/**
 * The gateway's ESP path (Child SAs in @layersec/esp's engine), no privileges needed: two IKE
 * sessions of @layersec/ikev2 negotiate a Child SA in memory (IKE_SA_INIT, IKE_AUTH with PSK),
 * each side's EspPath installs it, and inner packets cross from one to the other — AES-GCM-128/256,
 * ChaCha20-Poly1305 and AES-CBC with HMAC-SHA2-256. Checked: the round trip and RFC 4303 §2.4
 * padding, the drops (replay, every single-bit flip of a packet, unknown SPI, selectors on both
 * sides), tshark's esp_sa rows, and that a rekeyed pair keeps the old inbound SA working until it
 * is removed.
 */
import { nobleProvider, secureRandom } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import {
  type ChildSaResult,
  type Endpoint,
  type IkeEvent,
  IkeInitiatorSession,
  IkeResponderSession,
  identityFromString,
  parseIpAddress,
  parseProposals,
  parseTrafficSelector,
} from '@layersec/ikev2';
import { EspPath } from '../src/vpn/esp-path.js';
import { gatewayConfigFromText } from '../src/vpn/config.js';
import { inPrefix } from '../src/vpn/routes.js';
import { formatStatus } from '../src/vpn/control.js';

const ep = (ip: string): Endpoint => ({ address: parseIpAddress(ip)!, port: 500 });

function negotiate(espProposal: string): { i: IkeInitiatorSession; r: IkeResponderSession; pump(): IkeEvent[] } {
  const clock = { now: () => 0 };
  const proposals = parseProposals('aes128gcm16-prfsha256-x25519', 'ike');
  const esp = parseProposals(espProposal, 'esp');
  const tsA = [parseTrafficSelector('10.10.1.0/24')];
  const tsB = [parseTrafficSelector('10.10.2.0/24')];
  const psk = new TextEncoder().encode('unit-psk');
  const i = new IkeInitiatorSession(
    { ctx: { provider: nobleProvider, random: secureRandom, clock }, ike: { proposals }, local: ep('10.99.0.1'), remote: ep('10.99.0.2') },
    { localId: identityFromString('a@test'), remoteId: identityFromString('b@test'), sharedSecret: psk, child: { espProposals: esp, localTs: tsA, remoteTs: tsB, mode: 'tunnel' } },
  );
  const r = new IkeResponderSession(
    { ctx: { provider: nobleProvider, random: secureRandom, clock }, ike: { proposals }, local: ep('10.99.0.2'), remote: ep('10.99.0.1') },
    { localId: identityFromString('b@test'), sharedSecretFor: () => psk, child: { espProposals: esp, localTs: tsB, remoteTs: tsA, mode: 'tunnel' } },
  );
  const pump = () => {
    const events: IkeEvent[] = [];
    for (let guard = 0; guard < 50; guard++) {
      const a = i.poll();
      const b = r.poll();
      if (a.length === 0 && b.length === 0) return events;
      for (const e of a) if (e.type === 'send') r.receive(e.datagram, e.to.port, e.from);
      else events.push(e);
      for (const e of b) if (e.type === 'send') i.receive(e.datagram, e.to.port);
      else events.push(e);
    }
    throw new Error('the exchange did not settle');
  };
  i.start();
  pump();
  return { i, r, pump };
}

/** An IPv4 UDP packet from `src` to `dst` with `payload` (checksums are not ESP's concern). */
function udp(src: string, dst: string, payload: Uint8Array): Uint8Array {
  const p = new Uint8Array(28 + payload.length);
  p[0] = 0x45;
  p[2] = p.length >> 8;
  p[3] = p.length & 0xff;
  p[8] = 64;
  p[9] = 17;
  p.set(parseIpAddress(src)!, 12);
  p.set(parseIpAddress(dst)!, 16);
  p[20] = 0x30;
  p[21] = 0x39;
  p[22] = 0x00;
  p[23] = 0x35;
  p[25] = 8 + payload.length;
  p.set(payload, 28);
  return p;
}

describe.each(['aes128gcm16', 'aes256gcm16', 'chacha20poly1305', 'aes128-sha256'])('gateway ESP path with %s', (proposal) => {
  let childA: ChildSaResult;
  let childB: ChildSaResult;
  let a: EspPath;
  let b: EspPath;
  let session: ReturnType<typeof negotiate>;

  beforeEach(() => {
    session = negotiate(proposal);
    childA = session.i.childSas[0];
    childB = session.r.childSas[0];
    expect(childA).toBeDefined();
    a = new EspPath(nodeProvider, '10.99.0.1', '10.99.0.2');
    b = new EspPath(nobleProvider, '10.99.0.2', '10.99.0.1');
    a.install(childA, { natT: false });
    b.install(childB, { natT: true });
  });

  it('carries inner packets both ways, padded to 4 octets, counted', () => {
    for (let n = 0; n < 8; n++) {
      const inner = udp('10.10.1.7', '10.10.2.9', new Uint8Array(n).fill(0xab));
      const out = a.protect(inner)!;
      expect(out.natT).toBe(false);
      // SPI | Seq | IV | ciphertext (inner, padding, Pad Length, Next Header) | ICV(16): AEADs
      // have an 8-byte IV and pad to 4 bytes, AES-CBC a 16-byte IV and 16-byte blocks.
      const [iv, block] = proposal.startsWith('aes128-') ? [16, 16] : [8, 4];
      expect(out.packet.length).toBe(8 + iv + Math.ceil((inner.length + 2) / block) * block + 16);
      expect([...out.packet.subarray(0, 4)]).toEqual([...childA.outboundSpi]);
      expect(new DataView(out.packet.buffer, out.packet.byteOffset).getUint32(4)).toBe(n + 1);
      expect(b.unprotect(out.packet)).toEqual(inner);
    }
    const back = udp('10.10.2.9', '10.10.1.7', new Uint8Array([1, 2, 3]));
    const out = b.protect(back)!;
    expect(out.natT).toBe(true);
    expect(a.unprotect(out.packet)).toEqual(back);
    expect(a.counters(childA)).toMatchObject({ outPackets: 8, inPackets: 1 });
    expect(b.counters(childB)).toMatchObject({ inPackets: 8, outPackets: 1, inDrops: 0 });
  });

  it('drops replays, forgeries (every bit flip), unknown SPIs and packets outside the selectors', () => {
    const inner = udp('10.10.1.7', '10.10.2.9', new Uint8Array([9, 9, 9]));
    const first = a.protect(inner)!.packet;
    const second = a.protect(inner)!.packet;
    expect(b.unprotect(second)).toEqual(inner);
    expect(b.unprotect(first)).toEqual(inner); // reordered within the window: accepted once
    expect(b.unprotect(first)).toBeUndefined();
    expect(b.drops()).toEqual({ replay: 1 });
    const third = a.protect(inner)!.packet;
    for (let bit = 0; bit < third.length * 8; bit++) {
      const forged = third.slice();
      forged[bit >> 3] ^= 0x80 >> (bit & 7);
      expect(b.unprotect(forged)).toBeUndefined();
    }
    // A flipped SPI bit misses the SA (32 of them), a flipped sequence bit may land on a number
    // already received; every other flip fails the ICV.
    const flips = b.drops();
    expect(flips['unknown-spi']).toBe(32);
    expect((flips['icv-failure'] ?? 0) + (flips['replay'] ?? 0) - 1 + (flips['too-old'] ?? 0)).toBe(third.length * 8 - 32);
    expect(flips['icv-failure']).toBeGreaterThanOrEqual(third.length * 8 - 64);
    expect(b.unprotect(third)).toEqual(inner);
    // Outbound: not within local_ts × remote_ts, so no SA protects it.
    expect(a.protect(udp('10.10.3.1', '10.10.2.9', new Uint8Array(1)))).toBeUndefined();
    expect(a.drops()).toEqual({ 'no-sa': 1 });
    // Inbound: authentic, but the inner packet is outside what the SA carries (RFC 4301 §5.2).
    const stray = new EspPath(nodeProvider, '10.99.0.1', '10.99.0.2');
    stray.install({ ...childA, localTs: [parseTrafficSelector('0.0.0.0/0')], remoteTs: [parseTrafficSelector('0.0.0.0/0')] }, { natT: false });
    // (sequence numbers 1-3 were received already: skip them, else it would count as a replay)
    for (let k = 0; k < 3; k++) stray.protect(inner);
    expect(b.unprotect(stray.protect(udp('10.10.9.9', '10.10.2.9', new Uint8Array(1)))!.packet)).toBeUndefined();
    expect(b.drops()['selector-mismatch']).toBe(1);
    b.remove(childB);
    expect(b.unprotect(a.protect(inner)!.packet)).toBeUndefined();
    expect(b.drops()['unknown-spi']).toBe(33);
  });

  it('after a rekey: outbound moves to the new SA, the old inbound SA still works until removed', () => {
    session.i.rekeyChild(childA);
    const events = session.pump();
    const created = events.filter((e): e is Extract<IkeEvent, { type: 'child-created' }> => e.type === 'child-created');
    expect(created).toHaveLength(2); // one on each side
    const newA = session.i.childSas[session.i.childSas.length - 1];
    const newB = session.r.childSas[session.r.childSas.length - 1];
    expect(newA).not.toBe(childA);
    const inner = udp('10.10.1.7', '10.10.2.9', new Uint8Array([5]));
    const inFlight = a.protect(inner)!.packet; // sent on the old SA before the rekey was known
    a.install(newA, { natT: false, replaces: childA });
    b.install(newB, { natT: true, replaces: childB });
    const onNew = a.protect(inner)!.packet;
    expect([...onNew.subarray(0, 4)]).toEqual([...newA.outboundSpi]);
    expect(b.unprotect(onNew)).toEqual(inner);
    expect(b.unprotect(inFlight)).toEqual(inner);
    b.remove(childB);
    expect(b.unprotect(a.protect(inner)!.packet)).toEqual(inner);
    // tshark's esp_sa rows: both directions of both SAs, with our SPIs and addresses.
    const rows = a.wiresharkRows();
    if (proposal === 'chacha20poly1305') expect(rows).toEqual([]); // Wireshark 4.0 has no name for it
    else {
      expect(rows).toHaveLength(4);
      expect(rows[2]).toContain(`"10.99.0.1","10.99.0.2","0x${Buffer.from(newA.outboundSpi).toString('hex')}"`);
    }
  });
});

describe('gateway configuration and status', () => {
  const text = (extra = '') => `connections { net { local_addrs = 10.99.0.1
      remote_addrs = 10.99.0.2
      proposals = aes128gcm16-prfsha256-x25519
      local { auth = psk
              id = a@test }
      remote { auth = psk
               id = b@test }
      children { net { local_ts = 10.10.1.0/24
                       remote_ts = 10.10.2.0/24
                       esp_proposals = aes128gcm16
                       ${extra} } } } }
    secrets { ike-1 { id-a = a@test
                      id-b = b@test
                      secret = "s" } }`;

  it('reads the connection: initiate on start_action = start, rekey_time, selectors', () => {
    const c = gatewayConfigFromText(text('start_action = start\nrekey_time = 90s'));
    expect(c).toMatchObject({ connection: 'net', child: 'net', localAddress: '10.99.0.1', remoteAddress: '10.99.0.2', initiate: true, childRekeyMs: 90000, localTs: ['10.10.1.0/24'], remoteTs: ['10.10.2.0/24'] });
    expect(gatewayConfigFromText(text()).initiate).toBe(false);
  });

  it('refuses what the gateway cannot run, naming it', () => {
    expect(() => gatewayConfigFromText(text('mode = transport'))).toThrow(/tunnel mode only/);
    expect(() => gatewayConfigFromText(text().replace('secret = "s"', 'secret = "s"\nid-c = c@test').replace('id-a = a@test', 'id-a = x@test').replace('id-b = b@test', 'id-b = y@test'))).toThrow(
      /no secret/,
    );
    expect(() => gatewayConfigFromText(text(), { conn: 'other' })).toThrow(/no connection 'other'/);
  });

  it('matches prefixes for routes and prints the status like swanctl --list-sas', () => {
    expect(inPrefix('10.10.1.1', '10.10.1.0/24')).toBe(true);
    expect(inPrefix('10.10.2.1', '10.10.1.0/24')).toBe(false);
    expect(inPrefix('10.10.1.1', '10.10.1.1')).toBe(true);
    const out = formatStatus({
      connection: 'net',
      local: { id: 'a@test', address: '10.99.0.1', port: 4500 },
      remote: { id: 'b@test', address: '10.99.0.2', port: 4500 },
      ikeSas: [{ state: 'ESTABLISHED', role: 'initiator', initiatorSpi: '0102030405060708', responderSpi: '1112131415161718', proposal: 'AES_GCM_16-128/PRF_HMAC_SHA2_256/CURVE25519', natT: true, establishedSeconds: 5 }],
      children: [
        {
          name: 'net',
          state: 'INSTALLED',
          mode: 'TUNNEL-in-UDP',
          proposal: 'AES_GCM_16-128',
          inboundSpi: 'c1c2c3c4',
          outboundSpi: 'd1d2d3d4',
          counters: { inPackets: 3, inBytes: 252, outPackets: 4, outBytes: 336, inDrops: 0 },
          localTs: ['10.10.1.0/24'],
          remoteTs: ['10.10.2.0/24'],
          installedSeconds: 5,
        },
      ],
      carrier: 'udp-4500',
      tun: { name: 'vpn-net', rxPackets: 4, txPackets: 3 },
      drops: { replay: 2 },
      rekeys: 0,
    });
    expect(out).toContain('net: #1, ESTABLISHED, IKEv2, 0102030405060708_i* 1112131415161718_r\n');
    expect(out).toContain("  remote 'b@test' @ 10.99.0.2[4500]\n");
    expect(out).toContain('  net: INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128\n');
    expect(out).toContain('    in  c1c2c3c4, 252 bytes, 3 packets, 0 dropped\n');
    expect(out).toContain('drops: replay 2\n');
  });
});
