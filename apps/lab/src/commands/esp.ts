/**
 * `lab esp protect` / `lab esp unprotect`: @layersec/esp applied to every IP packet of a pcap
 * (Ethernet, raw-IP or Linux-cooked link types in; raw IP out), with the SA given as the JSON
 * that packages/ikev2 also produces. `unprotect` reports each dropped packet's reason;
 * `--explain N` prints packet N laid out field by field (RFC 791 / RFC 8200 / RFC 4303 / RFC 4302).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { secureRandom } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import {
  EspEngine,
  IpProtocol,
  NAT_T_PORT,
  createEspTransform,
  formatIpAddress,
  ipv6HeaderChain,
  saFromJson,
  type SaMode,
  type SecurityAssociation,
} from '@layersec/esp';
import { LinkType, ipPacketOf, readPcap, toHex, writePcap, type PcapRecord } from '@layersec/wire';
import type { RegisterCommand } from './index.js';

export interface EspFileResult {
  /** The output pcap (raw IP). */
  pcap: Uint8Array;
  /** One line per input record: what happened to it. */
  lines: string[];
  processed: number;
  dropped: number;
  /** `--explain`: the chosen packet laid out field by field. */
  explanation?: string[];
}

export interface EspFileOptions {
  direction: 'protect' | 'unprotect';
  saJson: string;
  input: Uint8Array;
  mode?: SaMode;
  /** 1-based packet number to explain. */
  explain?: number;
  /** Accept confidentiality-only ESP (RFC 3602 test packets). */
  allowNoIntegrity?: boolean;
}

function loadSa(text: string, mode: SaMode | undefined): SecurityAssociation {
  const sa = saFromJson(text);
  if (mode && mode !== sa.mode) {
    if (mode === 'tunnel' && !sa.tunnel) throw new Error('--mode tunnel needs "tunnel": {"source", "destination"} in the SA file');
    return { ...sa, mode };
  }
  return sa;
}

/** Runs the engine over every IP packet of `input`. Pure: no files, so tests call it directly. */
export function processPcap(o: EspFileOptions): EspFileResult {
  const sa = loadSa(o.saJson, o.mode);
  const engine = new EspEngine({ provider: nodeProvider, random: secureRandom, allowConfidentialityOnly: o.allowNoIntegrity ?? false });
  if (o.direction === 'protect') engine.addOutboundSa(sa);
  else engine.addInboundSa(sa);
  const file = readPcap(o.input);
  const out: PcapRecord[] = [];
  const lines: string[] = [];
  let dropped = 0;
  let explanation: string[] | undefined;
  file.records.forEach((rec, i) => {
    const n = i + 1;
    const packet = ipPacketOf(file.linkType, rec.data);
    if (!packet) {
      lines.push(`#${n}: not an IP packet, skipped`);
      return;
    }
    if (o.explain === n && o.direction === 'unprotect') explanation = explainPacket(packet, sa);
    let result: Uint8Array;
    let seq = '';
    if (o.direction === 'protect') {
      const r = engine.protect(sa.spi, packet);
      if (!r.ok) {
        dropped++;
        lines.push(`#${n}: dropped: ${r.reason}`);
        return;
      }
      result = r.packet;
    } else {
      const r = engine.unprotect(packet);
      if (!r.ok) {
        dropped++;
        lines.push(`#${n}: dropped: ${r.reason}`);
        return;
      }
      result = r.packet;
      seq = ` seq ${r.sequenceHigh ? `${r.sequenceHigh}:` : ''}${r.sequenceLow}`;
    }
    if (o.explain === n && o.direction === 'protect') explanation = explainPacket(result, sa);
    lines.push(`#${n}: ${o.direction === 'protect' ? 'protected' : 'unprotected'}${seq}, ${packet.length} → ${result.length} bytes`);
    out.push({ timestampSeconds: rec.timestampSeconds, timestampNanoseconds: rec.timestampNanoseconds, data: result });
  });
  return { pcap: writePcap({ linkType: LinkType.LINKTYPE_RAW, records: out }), lines, processed: file.records.length, dropped, ...(explanation ? { explanation } : {}) };
}

function hexLine(b: Uint8Array, max = 32): string {
  return b.length > max ? `${toHex(b.subarray(0, max))}… (${b.length} bytes)` : toHex(b);
}

/** An IP packet carrying ESP or AH, field by field. The SA tells IV and ICV lengths. */
export function explainPacket(packet: Uint8Array, sa: SecurityAssociation): string[] {
  try {
    return layOut(packet, sa);
  } catch (e) {
    return [`cannot lay the packet out: ${e instanceof Error ? e.message : String(e)}`];
  }
}

function layOut(packet: Uint8Array, sa: SecurityAssociation): string[] {
  const lines: string[] = [];
  const version = packet[0] >> 4;
  let off: number;
  let protocol: number;
  if (version === 4) {
    const ihl = (packet[0] & 0x0f) * 4;
    lines.push('IPv4 header (RFC 791)');
    lines.push(`  Version 4, IHL ${ihl} bytes, DSCP ${packet[1] >> 2}, ECN ${packet[1] & 3}, Total Length ${(packet[2] << 8) | packet[3]}`);
    lines.push(`  Identification 0x${toHex(packet.subarray(4, 6))}, Flags/Fragment 0x${toHex(packet.subarray(6, 8))}, TTL ${packet[8]}, Protocol ${packet[9]}, Checksum 0x${toHex(packet.subarray(10, 12))}`);
    lines.push(`  Source ${formatIpAddress(packet.subarray(12, 16))}, Destination ${formatIpAddress(packet.subarray(16, 20))}`);
    off = ihl;
    protocol = packet[9];
  } else if (version === 6) {
    const chain = ipv6HeaderChain(packet);
    lines.push('IPv6 header (RFC 8200)');
    lines.push(`  Traffic Class ${((packet[0] & 0x0f) << 4) | (packet[1] >> 4)}, Flow Label 0x${(((packet[1] & 0x0f) << 16) | (packet[2] << 8) | packet[3]).toString(16)}, Payload Length ${(packet[4] << 8) | packet[5]}, Next Header ${packet[6]}, Hop Limit ${packet[7]}`);
    lines.push(`  Source ${formatIpAddress(packet.subarray(8, 24))}, Destination ${formatIpAddress(packet.subarray(24, 40))}`);
    for (const e of chain.extensions) lines.push(`  Extension header type ${e.type}, ${e.length} bytes at offset ${e.offset}`);
    off = chain.upperLayerOffset;
    protocol = chain.upperLayer;
  } else {
    return [`not an IP packet (version ${version})`];
  }
  if (protocol === IpProtocol.UDP) {
    const sport = (packet[off] << 8) | packet[off + 1];
    const dport = (packet[off + 2] << 8) | packet[off + 3];
    lines.push(`UDP header (RFC 768${sport === NAT_T_PORT || dport === NAT_T_PORT ? ', RFC 3948 encapsulation' : ''})`);
    lines.push(`  Source Port ${sport}, Destination Port ${dport}, Length ${(packet[off + 4] << 8) | packet[off + 5]}, Checksum 0x${toHex(packet.subarray(off + 6, off + 8))}`);
    off += 8;
    protocol = IpProtocol.ESP;
  }
  if (protocol === IpProtocol.ESP && sa.protocol !== 'esp') {
    lines.push('ESP (RFC 4303), but the SA given is an AH SA');
  } else if (protocol === IpProtocol.ESP) {
    const t = createEspTransform(nodeProvider, sa);
    const end = packet.length;
    lines.push('ESP (RFC 4303 §2)');
    lines.push(`  SPI 0x${toHex(packet.subarray(off, off + 4))}`);
    lines.push(`  Sequence Number ${new DataView(packet.buffer, packet.byteOffset).getUint32(off + 4)}${sa.esn ? ' (low 32 bits; the high half is not sent, RFC 4303 §2.2.1)' : ''}`);
    if (t.ivLength) lines.push(`  IV (${t.ivLength} bytes) ${toHex(packet.subarray(off + 8, off + 8 + t.ivLength))}`);
    const body = packet.subarray(off + 8 + t.ivLength, end - t.icvLength);
    lines.push(`  ${sa.encryption === 'ENCR_NULL' || sa.encryption === 'ENCR_NULL_AUTH_AES_GMAC' ? 'Payload, Padding, Pad Length, Next Header (in clear)' : 'Encrypted Payload, Padding, Pad Length, Next Header'} ${hexLine(body)}`);
    if (t.icvLength) lines.push(`  ICV (${t.icvLength} bytes) ${toHex(packet.subarray(end - t.icvLength, end))}`);
  } else if (protocol === IpProtocol.AH) {
    const len = (packet[off + 1] + 2) * 4;
    lines.push('AH (RFC 4302 §2)');
    lines.push(`  Next Header ${packet[off]}, Payload Len ${packet[off + 1]} (${len} bytes), SPI 0x${toHex(packet.subarray(off + 4, off + 8))}`);
    lines.push(`  Sequence Number ${new DataView(packet.buffer, packet.byteOffset).getUint32(off + 8)}, ICV ${toHex(packet.subarray(off + 12, off + len))}`);
    lines.push(`Payload (${packet.length - off - len} bytes, in clear) ${hexLine(packet.subarray(off + len))}`);
  } else {
    lines.push(`Payload: protocol ${protocol}, not ESP or AH`);
  }
  return lines;
}

interface EspCliOptions {
  sa: string;
  mode?: SaMode;
  explain?: string;
  allowNoIntegrity?: boolean;
}

function run(direction: 'protect' | 'unprotect', input: string, output: string, o: EspCliOptions): void {
  if (o.mode && o.mode !== 'transport' && o.mode !== 'tunnel') throw new Error('--mode is transport or tunnel');
  const r = processPcap({
    direction,
    saJson: readFileSync(o.sa, 'utf8'),
    input: new Uint8Array(readFileSync(input)),
    ...(o.mode ? { mode: o.mode } : {}),
    ...(o.explain ? { explain: Number(o.explain) } : {}),
    allowNoIntegrity: o.allowNoIntegrity ?? false,
  });
  writeFileSync(output, r.pcap);
  for (const l of r.lines) process.stderr.write(`${l}\n`);
  if (r.explanation) process.stdout.write(`${r.explanation.join('\n')}\n`);
  process.stderr.write(`${r.processed} packets, ${r.processed - r.dropped} written to ${output}, ${r.dropped} dropped\n`);
}

export const registerEsp: RegisterCommand = (program: Command) => {
  const esp = program.command('esp').description('apply or remove ESP/AH (RFC 4303/4302) on every IP packet of a pcap');
  for (const direction of ['protect', 'unprotect'] as const) {
    const c = esp
      .command(`${direction} <in> <out>`)
      .description(direction === 'protect' ? 'protect each IP packet with the SA (next sequence number from the SA file)' : 'remove ESP/AH; each dropped packet is reported with its reason')
      .requiredOption('--sa <file>', 'the SA as JSON (the shape packages/ikev2 produces)')
      .option('--explain <n>', 'print packet n (1-based) field by field')
      .option('--allow-no-integrity', 'accept ESP without integrity (RFC 3602 test packets only)');
    if (direction === 'protect') c.option('--mode <mode>', 'transport or tunnel (default: the SA file\'s)');
    c.action((input: string, output: string, o: EspCliOptions) => run(direction, input, output, o));
  }
};
