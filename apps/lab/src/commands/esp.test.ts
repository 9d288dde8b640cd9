/**
 * `lab esp`: the Linux XFRM packet published with scapy (test-vectors/esp/linux-xfrm-scapy.json)
 * unprotected from an Ethernet pcap, a duplicate reported as a replay; protect → unprotect of a
 * Linux-cooked pcap with the SA JSON of issue 3, checked by tshark where installed; --explain; and
 * the command as registered in the CLI.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadVectors } from '@layersec/test-vectors';
import { encodeIpv4Header, parseIpAddress, IpProtocol } from '@layersec/esp';
import { LinkType, fromHex, readPcap, writePcap, type PcapRecord } from '@layersec/wire';
import { ESP_DECRYPTION_PREFS, espSaPref, tsharkFields } from '@layersec/testbed';
import { explainPacket, processPcap } from './esp.js';

interface XfrmCase {
  encryption: string;
  encryptionKey: string;
  spi: string;
  esn: boolean;
  sequence: number | string;
  espPayload: string;
}
const xfrm = loadVectors<{ cases: XfrmCase[] }>('esp/linux-xfrm-scapy.json').cases[0];

function ipv4(protocol: number, payload: Uint8Array, src: string, dst: string): Uint8Array {
  const h = encodeIpv4Header({ dscp: 0, ecn: 0, totalLength: 20 + payload.length, identification: 1, dontFragment: false, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol, source: parseIpAddress(src), destination: parseIpAddress(dst), options: new Uint8Array(0) });
  const out = new Uint8Array(h.length + payload.length);
  out.set(h);
  out.set(payload, h.length);
  return out;
}

function record(data: Uint8Array, i: number): PcapRecord {
  return { timestampSeconds: 1_700_000_000 + i, timestampNanoseconds: 0, data };
}

const ethernet = (ip: Uint8Array) => {
  const f = new Uint8Array(14 + ip.length);
  f.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00]);
  f.set(ip, 14);
  return f;
};
const cooked = (ip: Uint8Array) => {
  const f = new Uint8Array(16 + ip.length);
  f.set([0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00]); // LINKTYPE_LINUX_SLL: packet type, ARPHRD, addr len, addr, protocol
  f.set(ip, 16);
  return f;
};

const saXfrm = JSON.stringify({
  protocol: 'esp',
  spi: xfrm.spi,
  mode: 'tunnel',
  encryption: xfrm.encryption,
  encryptionKey: xfrm.encryptionKey,
  icvLength: 16,
  integrity: null,
  integrityKey: null,
  esn: xfrm.esn,
  sequence: xfrm.sequence,
  tunnel: { source: '192.0.2.1', destination: '192.0.2.2' },
});

describe('lab esp', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-esp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const espPacket = (() => {
    const head = new Uint8Array(8);
    new DataView(head.buffer).setUint32(0, Number(xfrm.spi));
    new DataView(head.buffer).setUint32(4, Number(xfrm.sequence));
    const esp = new Uint8Array(8 + xfrm.espPayload.length / 2);
    esp.set(head);
    esp.set(fromHex(xfrm.espPayload), 8);
    return ipv4(IpProtocol.ESP, esp, '192.0.2.1', '192.0.2.2');
  })();

  it('unprotects the Linux XFRM packet from an Ethernet pcap and reports the duplicate as a replay', () => {
    const input = writePcap({ linkType: LinkType.LINKTYPE_ETHERNET, records: [record(ethernet(espPacket), 0), record(ethernet(espPacket), 1)] });
    const r = processPcap({ direction: 'unprotect', saJson: saXfrm, input, explain: 1 });
    expect(r.lines[0]).toMatch(/^#1: unprotected seq 1, /);
    expect(r.lines[1]).toBe('#2: dropped: replay');
    const out = readPcap(r.pcap);
    expect(out.linkType).toBe(LinkType.LINKTYPE_RAW);
    expect(out.records).toHaveLength(1);
    // The source note of the vector: the inner packet is IPv4 ICMP.
    expect([out.records[0].data[0], out.records[0].data[9]]).toEqual([0x45, IpProtocol.ICMP]);
    expect(r.explanation?.join('\n')).toMatch(/SPI 0x00000222[\s\S]*Sequence Number 1[\s\S]*IV \(8 bytes\) 66002886e9dfc524[\s\S]*ICV \(16 bytes\)/);
  });

  it('protect then unprotect a Linux-cooked pcap with the issue\'s SA shape; tshark decrypts the protected file', async () => {
    const sa = {
      protocol: 'esp',
      spi: '0x00001000',
      mode: 'transport',
      encryption: 'ENCR_AES_GCM_16',
      encryptionKey: '000102030405060708090a0b0c0d0e0f10111213',
      icvLength: 16,
      integrity: null,
      integrityKey: null,
      esn: false,
      sequence: 1,
      tunnel: { source: '192.0.2.1', destination: '192.0.2.2' },
    };
    const payloads = ['first', 'second', 'third'].map((t) => new TextEncoder().encode(`lab esp ${t}`));
    const originals = payloads.map((p) => {
      const u = new Uint8Array(8 + p.length);
      u.set([0x9c, 0x40, 0x9c, 0x41, 0, u.length, 0, 0]);
      u.set(p, 8);
      return ipv4(IpProtocol.UDP, u, '10.0.0.1', '10.0.0.2');
    });
    const input = writePcap({ linkType: LinkType.LINKTYPE_LINUX_SLL, records: originals.map((p, i) => record(cooked(p), i)) });
    const prot = processPcap({ direction: 'protect', saJson: JSON.stringify(sa), input, mode: 'tunnel' });
    expect(prot.dropped).toBe(0);
    const back = processPcap({ direction: 'unprotect', saJson: JSON.stringify({ ...sa, mode: 'tunnel' }), input: prot.pcap });
    expect(readPcap(back.pcap).records.map((r) => r.data)).toEqual(originals);

    let tshark = true;
    try {
      execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    } catch {
      tshark = false;
    }
    if (!tshark) {
      console.warn('tshark not installed: decryption of the lab esp output not checked');
      return;
    }
    const file = join(dir, 'protected.pcap');
    writeFileSync(file, prot.pcap);
    const rows = await tsharkFields(file, {
      prefs: [...ESP_DECRYPTION_PREFS, espSaPref({ src: '192.0.2.1', dst: '192.0.2.2', spi: '00001000', encryption: 'AES-GCM with 16 octet ICV [RFC4106]', encryptionKey: sa.encryptionKey })],
      filter: 'udp',
      fields: ['esp.sequence', 'data.data'],
    });
    expect(rows.map((r) => [r['esp.sequence'], Buffer.from(r['data.data'].replace(/:/g, ''), 'hex').toString()])).toEqual([
      ['1', 'lab esp first'],
      ['2', 'lab esp second'],
      ['3', 'lab esp third'],
    ]);
  });

  it('--explain of a packet that is not IP says so instead of throwing', () => {
    expect(explainPacket(new Uint8Array([0x70, 1, 2]), JSON.parse(saXfrm))[0]).toMatch(/not an IP packet/);
  });

  it('is registered as `lab esp unprotect` in the CLI', () => {
    const input = join(dir, 'in.pcap');
    const output = join(dir, 'out.pcap');
    const saFile = join(dir, 'sa.json');
    writeFileSync(input, writePcap({ linkType: LinkType.LINKTYPE_RAW, records: [record(espPacket, 0), record(espPacket, 1)] }));
    writeFileSync(saFile, saXfrm);
    const labDir = resolve(__dirname, '../..');
    const r = spawnSync(process.execPath, ['--conditions=layersec-source', '--import', 'tsx', 'src/cli.ts', 'esp', 'unprotect', '--sa', saFile, input, output], { cwd: labDir, encoding: 'utf8', env: { ...process.env, INIT_CWD: labDir } });
    expect(r.stderr).toContain('#2: dropped: replay');
    expect(r.stderr).toContain('2 packets, 1 written');
    expect(r.status).toBe(0);
    expect(readPcap(new Uint8Array(readFileSync(output))).records).toHaveLength(1);
  });
});
