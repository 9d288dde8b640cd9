/**
 * Known answers from published ESP packets (test-vectors/esp/, each file's "source" names its
 * origin): draft-mcgrew-gcm-test-01 §4 (AES-GCM and AES-GMAC ESP), Linux XFRM packets published
 * with scapy (rfc4106/rfc4543, with and without ESN), RFC 3602 §4 cases 5 and 7 (AES-CBC,
 * transport and tunnel). Decapsulation must reproduce the plaintext; encapsulation with the
 * published IV and sequence number must reproduce the packet bytes. Both providers.
 */
import { loadVectors } from '@layersec/test-vectors';
import { toHex } from '@layersec/wire';
import { EspEngine } from './engine.js';
import { IpProtocol } from './constants.js';
import type { EncryptionAlgorithm } from './constants.js';
import { PROVIDERS, concat, fromHex, ipv4Header, replayRandom, testSa } from './test-support.js';

interface McGrewCase {
  name: string;
  algorithm: 'AES-GCM-ESP' | 'AES-GMAC-ESP';
  key: string;
  spi: string;
  seq: string;
  nonce: string;
  plaintext: string;
  packet: string;
}
interface XfrmCase {
  name: string;
  encryption: EncryptionAlgorithm;
  encryptionKey: string;
  icvLength: number;
  spi: string;
  esn: boolean;
  sequence: number | string;
  espPayload: string;
}
interface Rfc3602Case {
  name: string;
  mode: 'transport' | 'tunnel';
  key: string;
  spi: string;
  sequence: number;
  iv: string;
  originalIpHeader?: string;
  innerPacket: string;
  nextHeader: number;
  outerIpHeader: string;
  esp: string;
}

const mcgrew = loadVectors<{ cases: McGrewCase[] }>('esp/draft-mcgrew-gcm-test-01.json').cases;
const xfrm = loadVectors<{ cases: XfrmCase[] }>('esp/linux-xfrm-scapy.json').cases;
const rfc3602 = loadVectors<{ cases: Rfc3602Case[] }>('esp/rfc3602.json').cases;

describe.each(PROVIDERS.map((p) => [p.name, p] as const))('ESP known answers (%s provider)', (_name, provider) => {
  describe('draft-mcgrew-gcm-test-01 §4 (transport mode around the published ESP packet)', () => {
    // Case 7 uses a 192-bit AES key: AES-192-GCM is not among the provider's AEADs (nor IKEv2 ESP
    // proposals in use here), so it is left out rather than passed.
    const usable = mcgrew.filter((c) => c.key.length !== 48);
    it('leaves out only the AES-192 case', () => expect(mcgrew.length - usable.length).toBe(1));

    it.each(usable.map((c) => [c.name, c] as const))('%s', (_n, c) => {
      const keyAndSalt = concat(fromHex(c.key), fromHex(c.nonce).subarray(0, 4));
      const seq = fromHex(c.seq);
      const esn = seq.length === 8;
      const sequence = BigInt(`0x${c.seq}`);
      const sa = testSa({
        spi: Number(`0x${c.spi}`),
        encryption: c.algorithm === 'AES-GMAC-ESP' ? 'ENCR_NULL_AUTH_AES_GMAC' : 'ENCR_AES_GCM_16',
        encryptionKey: keyAndSalt,
        esn,
        sequence,
      });
      const packet = fromHex(c.packet);
      const plaintext = fromHex(c.plaintext);
      const padLength = plaintext[plaintext.length - 2];
      const nextHeader = plaintext[plaintext.length - 1];
      const payload = plaintext.subarray(0, plaintext.length - 2 - padLength);

      const inbound = new EspEngine({ provider, random: replayRandom(), ipv4Identification: () => 0 });
      inbound.addInboundSa(sa);
      const r = inbound.unprotect(concat(ipv4Header(IpProtocol.ESP, packet.length), packet));
      if (!r.ok) throw new Error(`dropped: ${r.reason}`);
      expect(toHex(r.packet.subarray(20))).toBe(toHex(payload));
      expect(r.packet[9]).toBe(nextHeader);
      expect((BigInt(r.sequenceHigh) << 32n) | BigInt(r.sequenceLow)).toBe(esn ? sequence : sequence & 0xffff_ffffn);

      const outbound = new EspEngine({ provider, random: replayRandom(fromHex(c.nonce).subarray(4)), ivBatch: 1, ipv4Identification: () => 0 });
      outbound.addOutboundSa(sa);
      const p = outbound.protect(sa.spi, concat(ipv4Header(nextHeader, payload.length), payload));
      if (!p.ok) throw new Error(`refused: ${p.reason}`);
      expect(toHex(p.packet.subarray(20))).toBe(c.packet);
      expect(p.packet[9]).toBe(IpProtocol.ESP);
    });
  });

  describe('Linux XFRM packets published with scapy (tunnel mode)', () => {
    it.each(xfrm.map((c) => [c.name, c] as const))('%s', (_n, c) => {
      const sequence = BigInt(c.sequence);
      const sa = testSa({
        spi: Number(c.spi),
        mode: 'tunnel',
        tunnel: { source: '192.0.2.1', destination: '192.0.2.2' },
        encryption: c.encryption,
        encryptionKey: fromHex(c.encryptionKey),
        icvLength: c.icvLength,
        esn: c.esn,
        sequence,
      });
      const header = new Uint8Array(8);
      new DataView(header.buffer).setUint32(0, sa.spi);
      new DataView(header.buffer).setUint32(4, Number(sequence & 0xffff_ffffn));
      const esp = concat(header, fromHex(c.espPayload));

      const inbound = new EspEngine({ provider, random: replayRandom(), ipv4Identification: () => 0 });
      inbound.addInboundSa(sa);
      const r = inbound.unprotect(concat(ipv4Header(IpProtocol.ESP, esp.length), esp));
      if (!r.ok) throw new Error(`dropped: ${r.reason}`);
      // The source note: the inner packet is IPv4 ICMP.
      expect(r.packet[0]).toBe(0x45);
      expect(r.packet[9]).toBe(IpProtocol.ICMP);
      expect(r.sequenceHigh).toBe(Number(sequence >> 32n));

      const outbound = new EspEngine({ provider, random: replayRandom(esp.subarray(8, 16)), ivBatch: 1, ipv4Identification: () => 0 });
      outbound.addOutboundSa(sa);
      const p = outbound.protect(sa.spi, r.packet);
      if (!p.ok) throw new Error(`refused: ${p.reason}`);
      expect(toHex(p.packet.subarray(20))).toBe(toHex(esp));
    });
  });

  describe('RFC 3602 §4 (AES-CBC, no ICV)', () => {
    it.each(rfc3602.map((c) => [c.name, c] as const))('%s', (_n, c) => {
      const outer = fromHex(c.outerIpHeader);
      const sa = testSa({
        spi: Number(c.spi),
        mode: c.mode,
        tunnel: c.mode === 'tunnel' ? { source: `${outer[12]}.${outer[13]}.${outer[14]}.${outer[15]}`, destination: `${outer[16]}.${outer[17]}.${outer[18]}.${outer[19]}` } : null,
        encryption: 'ENCR_AES_CBC',
        encryptionKey: fromHex(c.key),
        icvLength: 0,
        sequence: BigInt(c.sequence),
      });
      const original = c.mode === 'transport' ? concat(fromHex(c.originalIpHeader!), fromHex(c.innerPacket)) : fromHex(c.innerPacket);
      const protectedPacket = concat(outer, fromHex(c.esp));
      const identification = (outer[4] << 8) | outer[5];

      const outbound = new EspEngine({ provider, random: replayRandom(fromHex(c.iv)), ivBatch: 1, allowConfidentialityOnly: true, ipv4Identification: () => identification });
      outbound.addOutboundSa(sa);
      const p = outbound.protect(sa.spi, original);
      if (!p.ok) throw new Error(`refused: ${p.reason}`);
      expect(toHex(p.packet)).toBe(toHex(protectedPacket));

      const inbound = new EspEngine({ provider, random: replayRandom(), allowConfidentialityOnly: true, ipv4Identification: () => 0 });
      inbound.addInboundSa(sa);
      const r = inbound.unprotect(protectedPacket);
      if (!r.ok) throw new Error(`dropped: ${r.reason}`);
      expect(toHex(r.packet)).toBe(toHex(original));
    });
  });

  it('refuses confidentiality-only SAs unless asked (RFC 4303 §3.2)', () => {
    const e = new EspEngine({ provider, random: replayRandom(), ipv4Identification: () => 0 });
    expect(() => e.addInboundSa(testSa({ encryption: 'ENCR_AES_CBC', encryptionKey: new Uint8Array(16), icvLength: 0 }))).toThrow(/integrity/);
  });
});
