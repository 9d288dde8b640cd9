/**
 * tshark (Wireshark 4.0) as the independent peer: a pcap of ESP packets written by the engine —
 * every transform Wireshark 4.0's esp_sa table knows, in transport and tunnel mode — is decrypted
 * by tshark given the SA keys (shared/INTEROP.md), and the inner UDP payload it shows must be the
 * one sent; for HMAC integrity tshark's own ICV check must pass.
 *
 * Wireshark 4.0 has neither ChaCha20-Poly1305 nor AES-GMAC in its ESP table, so those two
 * transforms cannot be checked here; their known answers are RFC/Linux vectors elsewhere.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { LinkType, toHex, writePcap, type PcapRecord } from '@layersec/wire';
import { seededRandom } from '@layersec/crypto-primitives';
import { ESP_DECRYPTION_PREFS, espSaPref, tsharkFields, type EspAuthentication, type EspEncryption } from '@layersec/testbed';
import { EspEngine } from './engine.js';
import { IpProtocol } from './constants.js';
import { encodeIpv6Header, parseIpAddress } from './ip.js';
import { INTEGRITY_INFO, type SecurityAssociation } from './sa.js';
import type { EncryptionAlgorithm, IntegrityAlgorithm } from './constants.js';
import { PROVIDERS, concat, ipv4Header } from './test-support.js';

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const tshark = hasTshark();
if (!tshark) console.warn('tshark not installed: the tshark ESP decryption test is skipped');
const describeTshark = tshark ? describe : describe.skip;

interface Transform {
  encryption: EncryptionAlgorithm;
  keyLength: number;
  integrity: IntegrityAlgorithm | null;
  wiresharkEncryption: EspEncryption;
  wiresharkAuthentication: EspAuthentication;
}

const TRANSFORMS: Transform[] = [
  { encryption: 'ENCR_AES_GCM_16', keyLength: 20, integrity: null, wiresharkEncryption: 'AES-GCM with 16 octet ICV [RFC4106]', wiresharkAuthentication: 'NULL' },
  { encryption: 'ENCR_AES_GCM_16', keyLength: 36, integrity: null, wiresharkEncryption: 'AES-GCM with 16 octet ICV [RFC4106]', wiresharkAuthentication: 'NULL' },
  { encryption: 'ENCR_AES_GCM_12', keyLength: 20, integrity: null, wiresharkEncryption: 'AES-GCM with 12 octet ICV [RFC4106]', wiresharkAuthentication: 'NULL' },
  { encryption: 'ENCR_AES_GCM_8', keyLength: 36, integrity: null, wiresharkEncryption: 'AES-GCM with 8 octet ICV [RFC4106]', wiresharkAuthentication: 'NULL' },
  { encryption: 'ENCR_AES_CBC', keyLength: 16, integrity: 'AUTH_HMAC_SHA2_256_128', wiresharkEncryption: 'AES-CBC [RFC3602]', wiresharkAuthentication: 'HMAC-SHA-256-128 [RFC4868]' },
  { encryption: 'ENCR_AES_CBC', keyLength: 32, integrity: 'AUTH_HMAC_SHA2_384_192', wiresharkEncryption: 'AES-CBC [RFC3602]', wiresharkAuthentication: 'HMAC-SHA-384-192 [RFC4868]' },
  { encryption: 'ENCR_AES_CBC', keyLength: 32, integrity: 'AUTH_HMAC_SHA2_512_256', wiresharkEncryption: 'AES-CBC [RFC3602]', wiresharkAuthentication: 'HMAC-SHA-512-256 [RFC4868]' },
  { encryption: 'ENCR_AES_CBC', keyLength: 16, integrity: 'AUTH_HMAC_SHA1_96', wiresharkEncryption: 'AES-CBC [RFC3602]', wiresharkAuthentication: 'HMAC-SHA-1-96 [RFC2404]' },
  { encryption: 'ENCR_NULL', keyLength: 0, integrity: 'AUTH_HMAC_SHA2_256_128', wiresharkEncryption: 'NULL', wiresharkAuthentication: 'HMAC-SHA-256-128 [RFC4868]' },
];

interface Layout {
  name: string;
  mode: 'transport' | 'tunnel';
  inner: 4 | 6;
  outer: 4 | 6;
}
const LAYOUTS: Layout[] = [
  { name: 'transport IPv4', mode: 'transport', inner: 4, outer: 4 },
  { name: 'transport IPv6 (+Destination Options)', mode: 'transport', inner: 6, outer: 6 },
  { name: 'tunnel 4in4', mode: 'tunnel', inner: 4, outer: 4 },
  { name: 'tunnel 6in6', mode: 'tunnel', inner: 6, outer: 6 },
  { name: 'tunnel 4in6', mode: 'tunnel', inner: 4, outer: 6 },
  { name: 'tunnel 6in4', mode: 'tunnel', inner: 6, outer: 4 },
];

const ADDR = { 4: ['198.51.100.1', '198.51.100.2'], 6: ['2001:db8::1', '2001:db8::2'] } as const;
const TUNNEL = { 4: ['203.0.113.1', '203.0.113.2'], 6: ['2001:db8:ffff::1', '2001:db8:ffff::2'] } as const;

function udp(payload: Uint8Array): Uint8Array {
  const u = new Uint8Array(8 + payload.length);
  u.set([0x9c, 0x40, 0x9c, 0x41, (u.length >> 8) & 0xff, u.length & 0xff, 0, 0]); // ports 40000 → 40001, checksum 0 (IPv4: none)
  u.set(payload, 8);
  return u;
}

/** An inner packet: UDP in IPv4, or UDP behind a Destination Options header in IPv6. */
function innerPacket(version: 4 | 6, payload: Uint8Array): Uint8Array {
  const u = udp(payload);
  if (version === 4) return concat(ipv4Header(IpProtocol.UDP, u.length, ADDR[4][0], ADDR[4][1]), u);
  const destOpts = new Uint8Array([IpProtocol.UDP, 0, 1, 4, 0, 0, 0, 0]); // PadN option (RFC 8200 §4.2)
  const h = encodeIpv6Header({
    trafficClass: 0,
    flowLabel: 0,
    payloadLength: destOpts.length + u.length,
    nextHeader: IpProtocol.IPV6_OPTS,
    hopLimit: 64,
    source: parseIpAddress(ADDR[6][0]),
    destination: parseIpAddress(ADDR[6][1]),
  });
  return concat(h, destOpts, u);
}

describeTshark('tshark decrypts what the engine protects', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esp-tshark-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(PROVIDERS.map((p) => [p.name, p] as const))('every Wireshark-known transform in every layout (%s provider)', async (_n, provider) => {
    const random = seededRandom(`esp tshark ${provider.name}`);
    const records: PcapRecord[] = [];
    const prefs = [...ESP_DECRYPTION_PREFS];
    const expected: { spi: string; payload: string; hmac: boolean }[] = [];
    let spi = 0x1000;
    for (const t of TRANSFORMS) {
      for (const l of LAYOUTS) {
        spi++;
        const encryptionKey = random.randomBytes(t.keyLength);
        const integrityKey = t.integrity ? random.randomBytes(INTEGRITY_INFO[t.integrity].keyLength) : null;
        const [src, dst] = l.mode === 'tunnel' ? TUNNEL[l.outer] : ADDR[l.outer];
        const sa: SecurityAssociation = {
          protocol: 'esp',
          spi,
          mode: l.mode,
          encryption: t.encryption,
          encryptionKey,
          icvLength: 0,
          integrity: t.integrity,
          integrityKey,
          esn: false,
          sequence: 1n,
          tunnel: l.mode === 'tunnel' ? { source: src, destination: dst } : null,
        };
        const engine = new EspEngine({ provider, random });
        engine.addOutboundSa(sa);
        const payload = new TextEncoder().encode(`layersec ${t.encryption} ${t.integrity ?? ''} ${l.name} ${spi.toString(16)}`);
        const r = engine.protect(spi, innerPacket(l.inner, payload));
        if (!r.ok) throw new Error(`refused: ${r.reason}`);
        records.push({ timestampSeconds: 1_700_000_000 + records.length, timestampNanoseconds: 0, data: r.packet });
        prefs.push(
          espSaPref({
            protocol: l.outer === 4 ? 'IPv4' : 'IPv6',
            src,
            dst,
            spi: spi.toString(16).padStart(8, '0'),
            encryption: t.wiresharkEncryption,
            encryptionKey: toHex(encryptionKey) || '0x',
            authentication: t.wiresharkAuthentication,
            ...(integrityKey ? { authenticationKey: toHex(integrityKey) } : {}),
          }),
        );
        expected.push({ spi: `0x${spi.toString(16).padStart(8, '0')}`, payload: toHex(payload), hmac: t.integrity !== null });
      }
    }
    const pcap = join(dir, `${provider.name}.pcap`);
    writeFileSync(pcap, writePcap({ linkType: LinkType.LINKTYPE_RAW, records }));
    const rows = await tsharkFields(pcap, { prefs, filter: 'esp', fields: ['esp.spi', 'udp.dstport', 'data.data', 'esp.icv_good'] });
    expect(rows).toHaveLength(expected.length);
    rows.forEach((row, i) => {
      const e = expected[i];
      expect({ spi: row['esp.spi'], port: row['udp.dstport'], payload: row['data.data'].replace(/:/g, '') }).toEqual({ spi: e.spi, port: '40001', payload: e.payload });
      if (e.hmac) expect(row['esp.icv_good']).toBe('1');
    });
  });
});

describeTshark('tshark reads RFC 3948 UDP-encapsulated ESP', () => {
  it('ESP in UDP 4500 is dissected and decrypted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esp-natt-'));
    try {
      const provider = PROVIDERS[1];
      const random = seededRandom('esp natt');
      const encryptionKey = random.randomBytes(20);
      const sa: SecurityAssociation = {
        protocol: 'esp',
        spi: 0x4500,
        mode: 'tunnel',
        encryption: 'ENCR_AES_GCM_16',
        encryptionKey,
        icvLength: 16,
        integrity: null,
        integrityKey: null,
        esn: false,
        sequence: 1n,
        tunnel: { source: '203.0.113.1', destination: '203.0.113.2' },
        udpEncapsulation: { sourcePort: 4500, destinationPort: 4500 },
      };
      const engine = new EspEngine({ provider, random });
      engine.addOutboundSa(sa);
      const payload = new TextEncoder().encode('behind a NAT');
      const r = engine.protect(sa.spi, innerPacket(4, payload));
      if (!r.ok) throw new Error(r.reason);
      const pcap = join(dir, 'natt.pcap');
      writeFileSync(pcap, writePcap({ linkType: LinkType.LINKTYPE_RAW, records: [{ timestampSeconds: 1_700_000_000, timestampNanoseconds: 0, data: r.packet }] }));
      const rows = await tsharkFields(pcap, {
        prefs: [...ESP_DECRYPTION_PREFS, espSaPref({ src: '203.0.113.1', dst: '203.0.113.2', spi: '00004500', encryption: 'AES-GCM with 16 octet ICV [RFC4106]', encryptionKey: toHex(encryptionKey) })],
        fields: ['udp.srcport', 'esp.spi', 'data.data'],
      });
      expect(rows).toEqual([{ 'udp.srcport': '4500,40000', 'esp.spi': '0x00004500', 'data.data': toHex(payload) }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
