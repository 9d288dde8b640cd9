/**
 * pcap files checked against Wireshark's own tools: text2pcap/editcap write files we read, and
 * tshark reads the files we write.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecodeError } from './errors.js';
import { fromHex, toHex } from './bytes.js';
import { LinkType, ipPacketOf, readPcap, writePcap } from './pcap.js';

// An IPv4/UDP datagram 192.0.2.1:1234 -> 192.0.2.2:5678; its header checksum 0xf6cc is the value
// tshark calculated for it (and tshark's checksum status is asserted below).
const IPV4_UDP = '4500001c000100004011f6ccc0000201c000020204d2162e00080000';

const dir = mkdtempSync(join(tmpdir(), 'wire-pcap-'));

function hexdumpFile(hex: string): string {
  const path = join(dir, `in-${Math.random().toString(36).slice(2)}.txt`);
  const bytes = fromHex(hex);
  const pairs = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
  writeFileSync(path, `0000 ${pairs}\n`);
  return path;
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('pcap', () => {
  it('reads an Ethernet capture written by text2pcap', () => {
    const out = join(dir, 'eth.pcap');
    run('text2pcap', ['-q', '-F', 'pcap', '-e', '0x800', hexdumpFile(IPV4_UDP), out]);
    const file = readPcap(new Uint8Array(readFileSync(out)));
    expect(file.linkType).toBe(LinkType.LINKTYPE_ETHERNET);
    expect(file.nanosecond).toBe(false);
    expect(file.records).toHaveLength(1);
    expect(toHex(ipPacketOf(file.linkType, file.records[0].data)!)).toBe(IPV4_UDP);
  });

  it('reads nanosecond files (editcap -F nsecpcap) with the same timestamps', () => {
    const micro = join(dir, 'micro.pcap');
    const nano = join(dir, 'nano.pcap');
    run('text2pcap', ['-q', '-F', 'pcap', '-e', '0x800', hexdumpFile(IPV4_UDP), micro]);
    run('editcap', ['-F', 'nsecpcap', micro, nano]);
    const a = readPcap(new Uint8Array(readFileSync(micro)));
    const b = readPcap(new Uint8Array(readFileSync(nano)));
    expect(b.nanosecond).toBe(true);
    expect(b.records[0].timestampSeconds).toBe(a.records[0].timestampSeconds);
    expect(b.records[0].timestampNanoseconds).toBe(a.records[0].timestampNanoseconds);
    expect(toHex(b.records[0].data)).toBe(toHex(a.records[0].data));
  });

  it('reads Linux cooked (SLL) and raw-IP captures from text2pcap', () => {
    // SLL header: packet type 0 (to us), ARPHRD_ETHER 1, address length 6, address, protocol 0x0800.
    const sll = '0000 0001 0006 020000000001 0000 0800' + IPV4_UDP;
    const sllPath = join(dir, 'sll.pcap');
    run('text2pcap', ['-q', '-F', 'pcap', '-l', '113', hexdumpFile(sll.replace(/ /g, '')), sllPath]);
    const f1 = readPcap(new Uint8Array(readFileSync(sllPath)));
    expect(f1.linkType).toBe(LinkType.LINKTYPE_LINUX_SLL);
    expect(toHex(ipPacketOf(f1.linkType, f1.records[0].data)!)).toBe(IPV4_UDP);
    const rawPath = join(dir, 'raw.pcap');
    run('text2pcap', ['-q', '-F', 'pcap', '-l', '101', hexdumpFile(IPV4_UDP), rawPath]);
    const f2 = readPcap(new Uint8Array(readFileSync(rawPath)));
    expect(f2.linkType).toBe(LinkType.LINKTYPE_RAW);
    expect(toHex(ipPacketOf(f2.linkType, f2.records[0].data)!)).toBe(IPV4_UDP);
  });

  it('writes files tshark reads (raw IP, microsecond and nanosecond)', () => {
    for (const nanosecond of [false, true]) {
      const path = join(dir, `ours-${nanosecond}.pcap`);
      writeFileSync(
        path,
        writePcap({
          linkType: LinkType.LINKTYPE_RAW,
          nanosecond,
          records: [
            { timestampSeconds: 1700000000, timestampNanoseconds: 123456000, data: fromHex(IPV4_UDP) },
            { timestampSeconds: 1700000001, timestampNanoseconds: 7000, data: fromHex(IPV4_UDP) },
          ],
        }),
      );
      const fields = run('tshark', ['-r', path, '-o', 'ip.check_checksum:TRUE', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'udp.dstport', '-e', 'ip.checksum.status'])
        .trim()
        .split('\n')
        .map((l) => l.split('\t'));
      expect(fields).toEqual([
        ['1700000000.123456000', '192.0.2.1', '5678', '1'],
        ['1700000001.000007000', '192.0.2.1', '5678', '1'],
      ]);
    }
  });

  it('reads big-endian files', () => {
    const le = writePcap({ linkType: LinkType.LINKTYPE_IPV4, records: [{ timestampSeconds: 5, timestampNanoseconds: 3000, data: fromHex(IPV4_UDP) }] });
    const be = le.slice();
    const swap = (off: number, n: number): void => {
      be.set(le.subarray(off, off + n).slice().reverse(), off);
    };
    swap(0, 4);
    swap(4, 2);
    swap(6, 2);
    swap(16, 4);
    swap(20, 4);
    for (const off of [24, 28, 32, 36]) swap(off, 4);
    const f = readPcap(be);
    expect(f.linkType).toBe(LinkType.LINKTYPE_IPV4);
    expect(f.records[0].timestampSeconds).toBe(5);
    expect(f.records[0].timestampNanoseconds).toBe(3000);
    expect(toHex(f.records[0].data)).toBe(IPV4_UDP);
  });

  it('turns truncated and hostile files into DecodeErrors', () => {
    const good = writePcap({ linkType: LinkType.LINKTYPE_RAW, records: [{ timestampSeconds: 0, timestampNanoseconds: 0, data: fromHex(IPV4_UDP) }] });
    expect(() => readPcap(good.subarray(0, 10))).toThrow(DecodeError);
    expect(() => readPcap(good.subarray(0, good.length - 1))).toThrow(DecodeError);
    expect(() => readPcap(good.subarray(0, 30))).toThrow(DecodeError);
    const huge = good.slice();
    new DataView(huge.buffer).setUint32(32, 0x7fffffff, true);
    expect(() => readPcap(huge)).toThrow(/exceeds/);
    const badMagic = good.slice();
    badMagic[0] = 0;
    expect(() => readPcap(badMagic)).toThrow(DecodeError);
    expect(() => ipPacketOf(LinkType.LINKTYPE_ETHERNET, new Uint8Array(5))).toThrow(DecodeError);
    expect(() => ipPacketOf(LinkType.LINKTYPE_LINUX_SLL, new Uint8Array(15))).toThrow(DecodeError);
    expect(() => ipPacketOf(147, new Uint8Array(40))).toThrow(DecodeError);
    expect(ipPacketOf(LinkType.LINKTYPE_ETHERNET, fromHex('ffffffffffff0200000000010806' + '00'.repeat(28)))).toBeNull();
  });
});
