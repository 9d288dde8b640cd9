/**
 * Classic libpcap capture files (the format of tcpdump and Wireshark's "pcap", documented in
 * draft-ietf-opsawg-pcap §4-5): a 24-byte file header, then records of a 16-byte header and the
 * captured bytes. Both byte orders and both timestamp resolutions (magic 0xA1B2C3D4 for
 * microseconds, 0xA1B23C4D for nanoseconds) are read; files are written little-endian.
 *
 * Link types (the tcpdump.org LINKTYPE_ registry): Ethernet (1), raw IP (101), Linux cooked
 * capture SLL (113), IPv4 (228) and IPv6 (229). `ipPacketOf` finds the IP packet inside a record.
 */
import { DecodeError } from './errors.js';

export const LinkType = {
  LINKTYPE_ETHERNET: 1,
  LINKTYPE_RAW: 101,
  LINKTYPE_LINUX_SLL: 113,
  LINKTYPE_IPV4: 228,
  LINKTYPE_IPV6: 229,
} as const;
export type LinkType = (typeof LinkType)[keyof typeof LinkType];

const MAGIC_MICROS = 0xa1b2c3d4;
const MAGIC_NANOS = 0xa1b23c4d;
const FILE_HEADER_LENGTH = 24;
const RECORD_HEADER_LENGTH = 16;
/** Upper bound on one record's captured length, whatever the file's SnapLen says. */
export const MAX_PCAP_RECORD_LENGTH = 262144;

export interface PcapRecord {
  /** Seconds since 1970-01-01 UTC. */
  timestampSeconds: number;
  /** Fraction of the second, in nanoseconds (microsecond files are scaled by 1000). */
  timestampNanoseconds: number;
  /** The captured bytes (a view into the file when read). */
  data: Uint8Array;
  /** Length of the packet on the wire; defaults to `data.length` when written. */
  originalLength?: number;
}

export interface PcapFile {
  linkType: number;
  snapLength: number;
  /** The file's timestamps had nanosecond resolution. */
  nanosecond: boolean;
  records: PcapRecord[];
}

/** Decodes a pcap file; a malformed or truncated file is a DecodeError. */
export function readPcap(bytes: Uint8Array): PcapFile {
  if (bytes.length < FILE_HEADER_LENGTH) {
    throw new DecodeError('pcap.FileHeader', 0, `needs ${FILE_HEADER_LENGTH} bytes, ${bytes.length} present`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicBig = view.getUint32(0, false);
  const magicLittle = view.getUint32(0, true);
  let little: boolean;
  let nanosecond: boolean;
  if (magicLittle === MAGIC_MICROS || magicLittle === MAGIC_NANOS) {
    little = true;
    nanosecond = magicLittle === MAGIC_NANOS;
  } else if (magicBig === MAGIC_MICROS || magicBig === MAGIC_NANOS) {
    little = false;
    nanosecond = magicBig === MAGIC_NANOS;
  } else {
    throw new DecodeError('pcap.FileHeader.magic_number', 0, `unknown magic 0x${magicBig.toString(16)}`);
  }
  const major = view.getUint16(4, little);
  if (major !== 2) throw new DecodeError('pcap.FileHeader.major_version', 4, `unsupported version ${major}`);
  const snapLength = view.getUint32(16, little);
  // The link type is the low 28 bits of the last field (the FCS bits are above it).
  const linkType = view.getUint32(20, little) & 0x0fff_ffff;
  const records: PcapRecord[] = [];
  let off = FILE_HEADER_LENGTH;
  while (off < bytes.length) {
    if (bytes.length - off < RECORD_HEADER_LENGTH) {
      throw new DecodeError('pcap.PacketRecord', off, `truncated record header (${bytes.length - off} bytes)`);
    }
    const seconds = view.getUint32(off, little);
    const fraction = view.getUint32(off + 4, little);
    const capturedLength = view.getUint32(off + 8, little);
    const originalLength = view.getUint32(off + 12, little);
    if (capturedLength > MAX_PCAP_RECORD_LENGTH) {
      throw new DecodeError('pcap.PacketRecord.CapturedPacketLength', off + 8, `${capturedLength} exceeds ${MAX_PCAP_RECORD_LENGTH}`);
    }
    if ((nanosecond && fraction >= 1e9) || (!nanosecond && fraction >= 1e6)) {
      throw new DecodeError('pcap.PacketRecord.Timestamp', off + 4, `sub-second value ${fraction} out of range`);
    }
    off += RECORD_HEADER_LENGTH;
    if (bytes.length - off < capturedLength) {
      throw new DecodeError('pcap.PacketRecord.PacketData', off, `needs ${capturedLength} bytes, ${bytes.length - off} left`);
    }
    records.push({
      timestampSeconds: seconds,
      timestampNanoseconds: nanosecond ? fraction : fraction * 1000,
      data: bytes.subarray(off, off + capturedLength),
      originalLength,
    });
    off += capturedLength;
  }
  return { linkType, snapLength, nanosecond, records };
}

export interface WritePcapOptions {
  linkType: number;
  records: readonly PcapRecord[];
  /** Write nanosecond timestamps (magic 0xA1B23C4D). Default: microseconds. */
  nanosecond?: boolean;
  snapLength?: number;
}

/** Encodes a little-endian pcap file. */
export function writePcap(options: WritePcapOptions): Uint8Array {
  const nanosecond = options.nanosecond ?? false;
  let total = FILE_HEADER_LENGTH;
  for (const r of options.records) total += RECORD_HEADER_LENGTH + r.data.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, nanosecond ? MAGIC_NANOS : MAGIC_MICROS, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  // bytes 8..15: reserved (thiszone, sigfigs), zero
  view.setUint32(16, options.snapLength ?? MAX_PCAP_RECORD_LENGTH, true);
  view.setUint32(20, options.linkType, true);
  let off = FILE_HEADER_LENGTH;
  for (const r of options.records) {
    if (r.data.length > MAX_PCAP_RECORD_LENGTH) throw new RangeError(`record of ${r.data.length} bytes is too long for a pcap file`);
    const fraction = nanosecond ? r.timestampNanoseconds : Math.floor(r.timestampNanoseconds / 1000);
    view.setUint32(off, r.timestampSeconds >>> 0, true);
    view.setUint32(off + 4, fraction >>> 0, true);
    view.setUint32(off + 8, r.data.length, true);
    view.setUint32(off + 12, r.originalLength ?? r.data.length, true);
    out.set(r.data, off + RECORD_HEADER_LENGTH);
    off += RECORD_HEADER_LENGTH + r.data.length;
  }
  return out;
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;

/**
 * The IP packet carried by one record of a file with link type `linkType`, as a view, or null
 * when the frame carries something else (ARP, another protocol). A frame too short for its
 * link-layer header is a DecodeError; an unsupported link type is a DecodeError too.
 */
export function ipPacketOf(linkType: number, frame: Uint8Array): Uint8Array | null {
  switch (linkType) {
    case LinkType.LINKTYPE_ETHERNET: {
      // IEEE 802.3: destination(6) source(6) EtherType(2), optionally 802.1Q tags of 4 bytes.
      let off = 12;
      for (;;) {
        if (frame.length < off + 2) throw new DecodeError('Ethernet.EtherType', off, 'frame too short');
        const type = (frame[off] << 8) | frame[off + 1];
        if (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ) {
          off += 4;
          continue;
        }
        if (type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6) return trimToIpLength(frame.subarray(off + 2));
        return null;
      }
    }
    case LinkType.LINKTYPE_LINUX_SLL: {
      // Linux cooked capture v1: packet type(2) ARPHRD(2) address length(2) address(8) protocol(2).
      if (frame.length < 16) throw new DecodeError('LinuxSLL.protocol', 14, 'frame too short');
      const type = (frame[14] << 8) | frame[15];
      return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? trimToIpLength(frame.subarray(16)) : null;
    }
    case LinkType.LINKTYPE_RAW:
    case LinkType.LINKTYPE_IPV4:
    case LinkType.LINKTYPE_IPV6: {
      if (frame.length < 1) throw new DecodeError('IP.version', 0, 'empty frame');
      const version = frame[0] >> 4;
      return version === 4 || version === 6 ? trimToIpLength(frame) : null;
    }
    default:
      throw new DecodeError('pcap.FileHeader.LinkType', 20, `unsupported link type ${linkType}`);
  }
}

/**
 * Drops link-layer padding after an IP packet (Ethernet pads frames to 60 bytes): the packet
 * ends where its IPv4 Total Length (RFC 791) or IPv6 Payload Length + 40 (RFC 8200) says, when
 * that is shorter than the frame. Longer or missing lengths are left for the IP decoder to judge.
 */
function trimToIpLength(packet: Uint8Array): Uint8Array {
  if (packet.length < 1) return packet;
  const version = packet[0] >> 4;
  let length = -1;
  if (version === 4 && packet.length >= 4) length = (packet[2] << 8) | packet[3];
  else if (version === 6 && packet.length >= 6) length = 40 + ((packet[4] << 8) | packet[5]);
  return length > 0 && length < packet.length ? packet.subarray(0, length) : packet;
}
