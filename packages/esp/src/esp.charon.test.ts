/**
 * strongSwan as the real peer (shared/INTEROP.md): two charons (kernel-libipsec, ESP in UDP 4500,
 * tunnel mode) negotiate a CHILD_SA and carry a ping; the engine, given the keys charon logged,
 * decapsulates every captured ESP packet of both directions and must find the ICMP echo
 * request/reply between the protected addresses; and an echo request the engine protects on A's
 * SA, sent into the namespace as a raw packet, is accepted by charon B, whose reply comes back. This is the known answer for transforms no
 * transcribed vector covers (ChaCha20-Poly1305) and a real-peer check of AES-CBC + HMAC-SHA-256.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capture, createTopology, netnsSupport, parseCharonHexDumps, startCharon, type Capture, type Charon, type Topology } from '@layersec/testbed';
import { ipPacketOf, readPcap } from '@layersec/wire';
import { seededRandom } from '@layersec/crypto-primitives';
import { EspEngine } from './engine.js';
import { IpProtocol } from './constants.js';
import { decodeIpv4Header, encodeIpv4Header, formatIpAddress, internetChecksum, parseIpAddress } from './ip.js';
import type { SecurityAssociation } from './sa.js';
import type { EncryptionAlgorithm, IntegrityAlgorithm } from './constants.js';
import { PROVIDERS, concat } from './test-support.js';

const support = netnsSupport();
if (!support.ok) console.warn(`charon ESP interop skipped: ${support.reason}`);
const describeNetns = support.ok ? describe : describe.skip;

function swanctlConf(o: { local: string; remote: string; localId: string; remoteId: string; localTs: string; remoteTs: string; esp: string }): string {
  return `connections {
  t {
    version = 2
    local_addrs = ${o.local}
    remote_addrs = ${o.remote}
    proposals = aes128gcm16-prfsha256-x25519
    local {
      auth = psk
      id = ${o.localId}
    }
    remote {
      auth = psk
      id = ${o.remoteId}
    }
    children {
      c {
        local_ts = ${o.localTs}
        remote_ts = ${o.remoteTs}
        esp_proposals = ${o.esp}
      }
    }
  }
}
secrets {
  ike-1 {
    id-a = a@test
    id-b = b@test
    secret = "s3cretPSK"
  }
}
`;
}

interface Proposal {
  esp: string;
  encryption: EncryptionAlgorithm;
  integrity: IntegrityAlgorithm | null;
}
const PROPOSALS: Proposal[] = [
  { esp: 'aes128gcm16-x25519', encryption: 'ENCR_AES_GCM_16', integrity: null },
  { esp: 'chacha20poly1305-x25519', encryption: 'ENCR_CHACHA20_POLY1305', integrity: null },
  { esp: 'aes256-sha256-modp2048', encryption: 'ENCR_AES_CBC', integrity: 'AUTH_HMAC_SHA2_256_128' },
];

describeNetns('strongSwan: the engine opens charon\'s ESP packets, and charon accepts the engine\'s', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'esp-charon-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(PROPOSALS.map((p) => [p.esp, p] as const))('%s', async (_n, p) => {
    let topo: Topology | undefined;
    const charons: Charon[] = [];
    let cap: Capture | undefined;
    try {
      topo = await createTopology({
        hosts: [{ name: 'A', loAddresses: ['10.10.1.1/32'] }, { name: 'B', loAddresses: ['10.10.2.1/32'] }],
        links: [{ a: 'A', b: 'B', aAddr: '10.99.0.1/24', bAddr: '10.99.0.2/24' }],
      });
      const logLevels = { default: 1, ike: 4, chd: 4 };
      const sub = join(dir, p.encryption);
      const [a, b] = await Promise.all([
        startCharon(topo.host('A'), { dir: join(sub, 'a'), logLevels, swanctlConf: swanctlConf({ local: '10.99.0.1', remote: '10.99.0.2', localId: 'a@test', remoteId: 'b@test', localTs: '10.10.1.1/32', remoteTs: '10.10.2.1/32', esp: p.esp }) }),
        startCharon(topo.host('B'), { dir: join(sub, 'b'), logLevels, swanctlConf: swanctlConf({ local: '10.99.0.2', remote: '10.99.0.1', localId: 'b@test', remoteId: 'a@test', localTs: '10.10.2.1/32', remoteTs: '10.10.1.1/32', esp: p.esp }) }),
      ]);
      charons.push(a, b);
      await a.loadAll();
      await b.loadAll();
      const pcap = join(sub, 'a-eth0.pcap');
      cap = await capture(topo.host('A'), 'eth0', pcap, 'udp');
      await a.initiate('c');
      const ping = await topo.exec('A', 'ping', ['-c', '3', '-W', '5', '-I', '10.10.1.1', '10.10.2.1']);
      expect(ping.stdout).toMatch(/3 received/);
      const [saA] = await a.listSas();
      const child = saA?.children[0];
      if (!child) throw new Error('no CHILD_SA listed');
      const dumps = parseCharonHexDumps(a.log());
      const key = (label: string): Uint8Array => {
        const d = dumps.filter((x) => x.label === label).pop();
        if (!d) throw new Error(`charon.log has no hex dump labelled "${label}"`);
        return Uint8Array.from(Buffer.from(d.hex, 'hex'));
      };
      const sa = (spi: string, side: 'initiator' | 'responder', source: string, destination: string): SecurityAssociation => ({
        protocol: 'esp',
        spi: parseInt(spi, 16),
        mode: 'tunnel',
        encryption: p.encryption,
        encryptionKey: key(`encryption ${side} key`),
        icvLength: 16,
        integrity: p.integrity,
        integrityKey: p.integrity ? key(`integrity ${side} key`) : null,
        esn: false,
        sequence: 1n,
        tunnel: { source, destination },
      });
      // Outbound interop: the engine protects an echo request on A's outbound SA (sequence 50,
      // ahead of charon's own) and it is sent from A's namespace as a raw IPv4/UDP 4500 packet.
      // Charon B accepts it only if its ICV verifies; its echo reply then comes back through B's SA.
      const echo = new Uint8Array(8 + 8);
      echo.set([8, 0, 0, 0, 0x4c, 0x53, 0, 1]);
      echo.set(new TextEncoder().encode('layersec'), 8);
      const c = internetChecksum(echo);
      echo[2] = c >> 8;
      echo[3] = c & 0xff;
      const request = concat(
        encodeIpv4Header({ dscp: 0, ecn: 0, totalLength: 20 + echo.length, identification: 0x4c53, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol: IpProtocol.ICMP, source: parseIpAddress('10.10.1.1'), destination: parseIpAddress('10.10.2.1'), options: new Uint8Array(0) }),
        echo,
      );
      const sender = new EspEngine({ provider: PROVIDERS[1], random: seededRandom(`charon ${p.esp}`) });
      sender.addOutboundSa({ ...sa(child.spiOut, 'initiator', '10.99.0.1', '10.99.0.2'), sequence: 50n, udpEncapsulation: { sourcePort: 4500, destinationPort: 4500 } });
      const ours = sender.protect(parseInt(child.spiOut, 16), request);
      if (!ours.ok) throw new Error(ours.reason);
      const packetFile = join(sub, 'ours.bin');
      writeFileSync(packetFile, ours.packet);
      const send = "import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW); s.sendto(open(sys.argv[1],'rb').read(), ('10.99.0.2', 0))";
      await topo.exec('A', 'python3', ['-c', send, packetFile]);
      await cap.waitForPackets(12); // IKE_SA_INIT and IKE_AUTH (2 each), 6 ESP of the ping, ours and its reply
      await cap.stop();

      const file = readPcap(new Uint8Array(readFileSync(pcap)));
      const packets = file.records.map((r) => ipPacketOf(file.linkType, r.data)).filter((x): x is Uint8Array => x !== null);

      for (const provider of PROVIDERS) {
        const engine = new EspEngine({ provider, random: seededRandom('unused') });
        engine.addInboundSa(sa(child.spiOut, 'initiator', '10.99.0.1', '10.99.0.2'));
        engine.addInboundSa(sa(child.spiIn, 'responder', '10.99.0.2', '10.99.0.1'));
        const inner: string[] = [];
        const reasons: string[] = [];
        const ourIcmp: string[] = [];
        for (const packet of packets) {
          const r = engine.unprotect(packet);
          if (r.ok) {
            const h = decodeIpv4Header(r.packet);
            expect(h.protocol).toBe(IpProtocol.ICMP);
            inner.push(`${formatIpAddress(h.source)}>${formatIpAddress(h.destination)} icmp ${r.packet[20]}`);
            if (r.packet[24] === 0x4c && r.packet[25] === 0x53) ourIcmp.push(`${r.packet[20]} seq ${r.sequenceLow === 50 ? 'ours' : r.sequenceLow}`);
          } else reasons.push(r.reason);
        }
        // Every ESP packet opens; the IKE messages behind the non-ESP marker are told apart.
        expect(inner).toEqual([0, 1, 2, 3].flatMap(() => ['10.10.1.1>10.10.2.1 icmp 8', '10.10.2.1>10.10.1.1 icmp 0']));
        // Our request (sequence 50) and charon B's reply to it (B's fourth packet).
        expect(ourIcmp).toEqual(['8 seq ours', '0 seq 4']);
        expect(reasons.every((x) => x === 'ike-message' || x === 'not-ipsec')).toBe(true);
        expect(reasons.filter((x) => x === 'ike-message').length).toBeGreaterThanOrEqual(2);
      }
    } finally {
      await cap?.dispose();
      await Promise.all(charons.map((c) => c.dispose()));
      await topo?.dispose();
    }
  });
});
