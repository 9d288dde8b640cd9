/**
 * ESP pipeline throughput: encapsulate + decapsulate of 1400-byte IPv4 packets in tunnel mode, per
 * transform and provider, in MB/s of inner packet, and its ratio to the raw primitive calls of the
 * same provider on the same packets in the same run (AEAD seal + open; for AES-CBC + HMAC,
 * encrypt + MAC + verify + decrypt; for GMAC, compute + verify). Target on node: ≥ 0.85.
 */
import { versions } from 'node:process';
import { BenchReport } from '../../../scripts/bench-support.js';
import { nobleProvider, seededRandom, type CryptoProvider } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { EspEngine, encodeIpv4Header, parseIpAddress, IpProtocol, ENCRYPTION_INFO, INTEGRITY_INFO, type SecurityAssociation, type EncryptionAlgorithm, type IntegrityAlgorithm } from '../src/index.js';

const report = new BenchReport('@layersec/esp');
const PROVIDERS: ReadonlyArray<[string, CryptoProvider]> = [
  ['node', nodeProvider],
  ['noble', nobleProvider],
];
const SIZE = 1400;
const random = seededRandom('esp bench');

function innerPacket(): Uint8Array {
  const p = new Uint8Array(SIZE);
  p.set(encodeIpv4Header({ dscp: 0, ecn: 0, totalLength: SIZE, identification: 1, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol: IpProtocol.UDP, source: parseIpAddress('10.1.0.1'), destination: parseIpAddress('10.2.0.1'), options: new Uint8Array(0) }));
  for (let i = 20; i < SIZE; i++) p[i] = (i * 131) & 0xff;
  return p;
}

interface Suite {
  label: string;
  encryption: EncryptionAlgorithm;
  keyLength: number;
  integrity: IntegrityAlgorithm | null;
}
const SUITES: Suite[] = [
  { label: 'AES-128-GCM-16', encryption: 'ENCR_AES_GCM_16', keyLength: 16, integrity: null },
  { label: 'AES-256-GCM-16', encryption: 'ENCR_AES_GCM_16', keyLength: 32, integrity: null },
  { label: 'ChaCha20-Poly1305', encryption: 'ENCR_CHACHA20_POLY1305', keyLength: 32, integrity: null },
  { label: 'AES-128-GMAC', encryption: 'ENCR_NULL_AUTH_AES_GMAC', keyLength: 16, integrity: null },
  { label: 'AES-128-CBC+HMAC-SHA-256-128', encryption: 'ENCR_AES_CBC', keyLength: 16, integrity: 'AUTH_HMAC_SHA2_256_128' },
  { label: 'NULL+HMAC-SHA-256-128', encryption: 'ENCR_NULL', keyLength: 0, integrity: 'AUTH_HMAC_SHA2_256_128' },
];

/** The bare primitive calls ESP makes for one packet of this suite, without the ESP framing. */
function rawCalls(provider: CryptoProvider, s: Suite, key: Uint8Array, integrityKey: Uint8Array | null, plaintext: Uint8Array): () => unknown {
  const nonce = new Uint8Array(12);
  const aad = new Uint8Array(8);
  switch (s.encryption) {
    case 'ENCR_AES_GCM_16':
    case 'ENCR_CHACHA20_POLY1305': {
      const aead = provider.aead(s.encryption === 'ENCR_CHACHA20_POLY1305' ? 'CHACHA20-POLY1305' : s.keyLength === 16 ? 'AES-128-GCM' : 'AES-256-GCM', key.subarray(0, s.keyLength));
      return () => aead.open(nonce, aead.seal(nonce, plaintext, aad), aad);
    }
    case 'ENCR_NULL_AUTH_AES_GMAC': {
      const gmac = provider.gmac(key.subarray(0, s.keyLength));
      return () => gmac.verify(nonce, plaintext, gmac.compute(nonce, plaintext));
    }
    default: {
      const info = INTEGRITY_INFO[s.integrity!];
      const mac = provider.hmac(info.hash, integrityKey!, info.icvLength);
      const cbc = s.encryption === 'ENCR_AES_CBC' ? provider.aesCbc(key) : null;
      const iv = new Uint8Array(16);
      return () => {
        const ct = cbc ? cbc.encrypt(iv, plaintext) : plaintext;
        const tag = mac.compute(ct);
        mac.verify(tag, ct);
        return cbc ? cbc.decrypt(iv, ct) : ct;
      };
    }
  }
}

process.stderr.write(`esp (node ${versions.node}, OpenSSL ${versions.openssl}), ${SIZE}-byte packets, tunnel mode\n`);
const packet = innerPacket();
for (const s of SUITES) {
  for (const [providerName, provider] of PROVIDERS) {
    const info = ENCRYPTION_INFO[s.encryption];
    const encryptionKey = random.randomBytes(s.keyLength + info.saltLength);
    const integrityKey = s.integrity ? random.randomBytes(INTEGRITY_INFO[s.integrity].keyLength) : null;
    const sa: SecurityAssociation = {
      protocol: 'esp',
      spi: 0x1000,
      mode: 'tunnel',
      encryption: s.encryption,
      encryptionKey,
      icvLength: 0,
      integrity: s.integrity,
      integrityKey,
      esn: true,
      sequence: 1n,
      tunnel: { source: '192.0.2.1', destination: '192.0.2.2' },
    };
    const tx = new EspEngine({ provider, random });
    const rx = new EspEngine({ provider, random });
    tx.addOutboundSa(sa);
    rx.addInboundSa(sa);
    // The ESP payload the transform sees: the packet, padding and trailer (to the cipher's block).
    const align = s.encryption === 'ENCR_AES_CBC' ? 16 : 4;
    const ptLength = Math.ceil((SIZE + 2) / align) * align;
    const plaintext = new Uint8Array(ptLength);
    plaintext.set(packet);
    const esp = () => {
      const p = tx.protect(sa.spi, packet);
      if (!p.ok) throw new Error(p.reason);
      const u = rx.unprotect(p.packet);
      if (!u.ok) throw new Error(u.reason);
      return u.packet;
    };
    const [pipeline, raw] = await report.compare([
      { name: `ESP ${s.label} encap+decap ${SIZE} B [${providerName}]`, bytesPerOp: SIZE, fn: esp },
      { name: `raw ${s.label} calls ${SIZE} B [${providerName}]`, bytesPerOp: SIZE, fn: rawCalls(provider, s, encryptionKey, integrityKey, plaintext) },
    ]);
    report.ratio(`ESP ${s.label} / raw [${providerName}]`, pipeline.opsPerSecond / raw.opsPerSecond, raw.name);
  }
}
report.finish();
