/**
 * ESP as the observer and the lab see it: what crosses in clear (outer addresses, SPI, sequence
 * number, sizes), the narrative of the manually keyed SAs, and one ESP packet laid out field by
 * field (RFC 4303 §2).
 */
import { toHex } from '@layersec/wire';
import type { CapturedPacket } from './capture.js';
import type { EspPair } from './esp-hooks.js';
import { ipProtocolName } from './observer.js';
import type { ObserverView } from './result.js';
import type { ExplainStep, PacketLayout } from './run.js';
import type { Scenario } from './scenario.js';

const SPI_AND_SEQUENCE = 8;
const GCM_IV = 8;
const GCM_ICV = 16;

export function observerViewOfEsp(packets: readonly CapturedPacket[]): ObserverView {
  const addresses = new Set<string>();
  const protocols = new Set<string>();
  const ports = new Set<string>();
  const spis = new Set<string>();
  for (const p of packets) {
    addresses.add(p.source).add(p.destination);
    protocols.add(ipProtocolName(p.protocol));
    if (p.tcp) ports.add(`tcp/${p.tcp.sourcePort}`).add(`tcp/${p.tcp.destinationPort}`);
    if (p.esp) spis.add(`0x${p.esp.spi.toString(16).padStart(8, '0')}`);
  }
  return {
    addresses: [...addresses].sort(),
    ipProtocols: [...protocols].sort(),
    ports: [...ports].sort(),
    serverName: null,
    certificateVisible: false,
    certificateSubjects: [],
    cleartextFacts: [`ESP SPIs ${[...spis].join(', ')}`, 'sequence numbers', 'outer IP header (addresses, TTL, DSCP)'],
    protectedUnitSizes: packets.filter((p) => p.esp).slice(0, 8).map((p) => p.esp!.payloadLength),
    applicationDataVisible: packets.some((p) => p.tcp && p.tcp.payload.length > 0),
  };
}

export function explainEsp(s: Scenario, esp: EspPair): ExplainStep[] {
  const f = esp.forward;
  const b = esp.backward;
  const row = (m: typeof f): Array<[string, string]> => [
    [`SPI`, `0x${m.sa.spi.toString(16).padStart(8, '0')} (${m.from} → ${m.to})`],
    ['key ‖ salt', String(m.json.encryptionKey)],
  ];
  return [
    {
      title: `Manually keyed SAs (RFC 4301 §4.5), ${s.mode} mode`,
      text:
        'One SA per direction, ENCR_AES_GCM_16 with a 128-bit key and a 4-byte salt (RFC 4106), drawn from the scenario’s seed. ' +
        'The ikev2-psk-gateways scenario shows the exchange that negotiates such SAs. There is no handshake on the wire: the first packet is already protected.',
      values: [...row(f), ...row(b)],
    },
    {
      title: 'Per packet (RFC 4303 §3.3, RFC 4106 §3-5)',
      text:
        s.mode === 'tunnel'
          ? 'The gateway wraps the whole inner IP packet: new outer IPv4 header (gateway to gateway), SPI, sequence number, 8-byte IV, then inner packet ‖ padding ‖ pad length ‖ next header 4 (IPv4) encrypted, and a 16-byte ICV. Nonce = salt ‖ IV; AAD = SPI ‖ sequence number.'
          : 'The host inserts ESP after its IPv4 header: SPI, sequence number, 8-byte IV, then the TCP segment ‖ padding ‖ pad length ‖ next header 6 (TCP) encrypted, and a 16-byte ICV. The IP header stays in clear.',
      values: [],
    },
  ];
}

/** The first client packet with application data, laid out field by field. */
export function layoutEspPacket(
  s: Scenario,
  outer: readonly CapturedPacket[],
  inner: readonly CapturedPacket[],
  isClientApplication: (p: CapturedPacket) => boolean,
): PacketLayout[] {
  const innerPacket = inner.find(isClientApplication);
  const p = outer.find((x) => x.number === innerPacket?.number);
  if (!innerPacket || !p?.esp) return [];
  const espStart = p.ipHeaderLength;
  const iv = p.bytes.subarray(espStart + SPI_AND_SEQUENCE, espStart + SPI_AND_SEQUENCE + GCM_IV);
  const tunnel = s.mode === 'tunnel';
  // What was encrypted: the inner packet (tunnel) or the TCP segment (transport).
  const payloadLength = tunnel ? innerPacket.bytes.length : innerPacket.bytes.length - innerPacket.ipHeaderLength;
  const ciphertext = p.esp.payloadLength - GCM_IV - GCM_ICV;
  const padding = ciphertext - payloadLength - 2;
  const fields: PacketLayout['fields'] = [
    { name: 'outer IPv4 header', bytes: p.ipHeaderLength, value: `${p.source} → ${p.destination}, protocol 50`, protected: 'clear' },
    { name: 'SPI', bytes: 4, value: `0x${p.esp.spi.toString(16).padStart(8, '0')}`, protected: 'authenticated' },
    { name: 'sequence number', bytes: 4, value: String(p.esp.sequenceNumber), protected: 'authenticated' },
    { name: 'IV', bytes: GCM_IV, value: toHex(iv), protected: 'clear' },
  ];
  if (tunnel) {
    fields.push(
      { name: 'inner IPv4 header', bytes: innerPacket.ipHeaderLength, value: `${innerPacket.source} → ${innerPacket.destination}`, protected: 'encrypted' },
    );
  }
  const tcpHeader = innerPacket.tcp ? innerPacket.bytes.length - innerPacket.ipHeaderLength - innerPacket.tcp.payload.length : 0;
  fields.push(
    { name: 'TCP header', bytes: tcpHeader, value: innerPacket.tcp ? `${innerPacket.tcp.sourcePort} → ${innerPacket.tcp.destinationPort}` : '', protected: 'encrypted' },
    { name: 'request (HTTP GET)', bytes: innerPacket.tcp?.payload.length ?? 0, value: `${innerPacket.tcp?.payload.length ?? 0} bytes`, protected: 'encrypted' },
  );
  if (padding > 0) fields.push({ name: 'padding', bytes: padding, value: '1, 2, 3, …', protected: 'encrypted' });
  fields.push(
    { name: 'pad length', bytes: 1, value: String(Math.max(0, padding)), protected: 'encrypted' },
    { name: 'next header', bytes: 1, value: tunnel ? '4 (IPv4)' : '6 (TCP)', protected: 'encrypted' },
    { name: 'ICV', bytes: GCM_ICV, value: 'AES-GCM tag', protected: 'authenticated' },
  );
  return [{ title: `ESP ${s.mode} mode packet carrying the request (frame ${p.number})`, fields }];
}
