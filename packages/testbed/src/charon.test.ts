/**
 * Two strongSwan charons (A and B, in namespaces joined by veth) with the PSK configuration of
 * shared/INTEROP.md establish a CHILD_SA; a ping between the protected inner addresses crosses it,
 * both `listSas()` show it, and tshark decrypts the captured ESP and IKE with the keys charon logged.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installCharonCredentials, parseCharonHexDumps, startCharon, type Charon } from './charon.js';
import { issueCertificate, makeTestPki } from './pki.js';
import { CharonError } from './errors.js';
import { createTopology, netnsSupport, type Topology } from './netns.js';
import { capture, espSaPref, ESP_DECRYPTION_PREFS, ikev2DecryptionPref, tsharkFields, type Capture } from './tshark.js';

const support = netnsSupport();
if (!support.ok) console.warn(`charon tests skipped: ${support.reason}`);
const describeNetns = support.ok ? describe : describe.skip;

function swanctlConf(o: { local: string; remote: string; localId: string; remoteId: string; localTs: string; remoteTs: string }): string {
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
        esp_proposals = aes128gcm16-x25519
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

describeNetns('startCharon', () => {
  let dir: string;
  let topo: Topology | undefined;
  const charons: Charon[] = [];
  let cap: Capture | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'layersec-charon-'));
  });
  afterAll(async () => {
    await cap?.dispose();
    await Promise.all(charons.map((c) => c.dispose()));
    await topo?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two charons with a PSK establish a tunnel-mode CHILD_SA that carries a ping; tshark decrypts it', async () => {
    topo = await createTopology({
      hosts: [{ name: 'A', loAddresses: ['10.10.1.1/32'] }, { name: 'B', loAddresses: ['10.10.2.1/32'] }],
      links: [{ a: 'A', b: 'B', aAddr: '10.99.0.1/24', bAddr: '10.99.0.2/24' }],
    });
    const logLevels = { default: 1, ike: 4, chd: 4 };
    const [a, b] = await Promise.all([
      startCharon(topo.host('A'), {
        dir: join(dir, 'a'), logLevels,
        swanctlConf: swanctlConf({ local: '10.99.0.1', remote: '10.99.0.2', localId: 'a@test', remoteId: 'b@test', localTs: '10.10.1.1/32', remoteTs: '10.10.2.1/32' }),
      }),
      startCharon(topo.host('B'), {
        dir: join(dir, 'b'), logLevels,
        swanctlConf: swanctlConf({ local: '10.99.0.2', remote: '10.99.0.1', localId: 'b@test', remoteId: 'a@test', localTs: '10.10.2.1/32', remoteTs: '10.10.1.1/32' }),
      }),
    ]);
    charons.push(a, b);
    await a.loadAll();
    await b.loadAll();
    expect(await a.listSas()).toEqual([]);

    const pcap = join(dir, 'a-eth0.pcap');
    cap = await capture(topo.host('A'), 'eth0', pcap, 'udp');
    await a.initiate('c');
    const ping = await topo.exec('A', 'ping', ['-c', '2', '-W', '5', '-I', '10.10.1.1', '10.10.2.1']);
    expect(ping.stdout).toMatch(/2 received/);

    const [saA] = await a.listSas();
    const [saB] = await b.listSas();
    if (!saA || !saB) throw new Error('an IKE SA is missing from swanctl --list-sas');
    expect(saA).toMatchObject({ name: 't', state: 'ESTABLISHED', version: 2, initiator: true, localHost: '10.99.0.1', localPort: 4500, remoteId: 'b@test', encrAlg: 'AES_GCM_16', encrKeysize: 128, prfAlg: 'PRF_HMAC_SHA2_256', dhGroup: 'CURVE_25519' });
    expect(saB).toMatchObject({ state: 'ESTABLISHED', initiator: false, initiatorSpi: saA.initiatorSpi, responderSpi: saA.responderSpi });
    const [childA] = saA.children;
    const [childB] = saB.children;
    if (!childA || !childB) throw new Error('a CHILD_SA is missing from swanctl --list-sas');
    expect(childA).toMatchObject({ name: 'c', state: 'INSTALLED', mode: 'TUNNEL', protocol: 'ESP', encap: true, localTs: ['10.10.1.1/32'], remoteTs: ['10.10.2.1/32'] });
    expect(childA.spiOut).toBe(childB.spiIn);
    expect(childA.spiIn).toBe(childB.spiOut);
    expect(childA.packetsOut).toBe(2);
    expect(childA.packetsIn).toBe(2);
    // IKE_SA_INIT and IKE_AUTH (two packets each) and the four ESP packets.
    await cap.waitForPackets(8);
    await cap.stop();

    // The keys charon logged at level 4 decrypt the capture in tshark.
    const dumps = parseCharonHexDumps(a.log());
    const key = (label: string): string => {
      const d = dumps.filter((x) => x.label === label).pop();
      if (!d) throw new Error(`charon.log has no hex dump labelled "${label}"`);
      return d.hex;
    };
    expect(key('encryption initiator key')).toMatch(/^[0-9a-f]{40}$/);
    const prefs = [
      ...ESP_DECRYPTION_PREFS,
      espSaPref({ src: '10.99.0.1', dst: '10.99.0.2', spi: childA.spiOut, encryption: 'AES-GCM with 16 octet ICV [RFC4106]', encryptionKey: key('encryption initiator key') }),
      espSaPref({ src: '10.99.0.2', dst: '10.99.0.1', spi: childA.spiIn, encryption: 'AES-GCM with 16 octet ICV [RFC4106]', encryptionKey: key('encryption responder key') }),
      ikev2DecryptionPref({
        spiI: saA.initiatorSpi, spiR: saA.responderSpi, skEi: key('Sk_ei secret'), skEr: key('Sk_er secret'),
        encryption: 'AES-GCM-128 with 16 octet ICV [RFC5282]',
      }),
    ];
    const icmp = await tsharkFields(pcap, { prefs, filter: 'icmp', fields: ['esp.spi', 'ip.src', 'ip.dst', 'icmp.type'] });
    expect(icmp.map((r) => [r['ip.src'], r['ip.dst'], r['icmp.type']])).toEqual([
      ['10.99.0.1,10.10.1.1', '10.99.0.2,10.10.2.1', '8'],
      ['10.99.0.2,10.10.2.1', '10.99.0.1,10.10.1.1', '0'],
      ['10.99.0.1,10.10.1.1', '10.99.0.2,10.10.2.1', '8'],
      ['10.99.0.2,10.10.2.1', '10.99.0.1,10.10.1.1', '0'],
    ]);
    // Without the keys, the same capture shows ESP but no ICMP.
    expect(await tsharkFields(pcap, { filter: 'icmp', fields: ['frame.number'] })).toEqual([]);
    // IKE_AUTH (exchange type 35) decrypted with SK_ei/SK_er: the identities (IDi and the IDr charon
    // sends when the remote id is configured, then the responder's IDr) and selectors appear.
    const ikeFields = ['isakmp.exchangetype', 'isakmp.id.data.user_fqdn', 'isakmp.ts.start_ipv4'];
    const ike = await tsharkFields(pcap, { prefs, filter: 'isakmp.exchangetype == 35', fields: ikeFields });
    expect(ike).toEqual([
      { 'isakmp.exchangetype': '35', 'isakmp.id.data.user_fqdn': 'a@test,b@test', 'isakmp.ts.start_ipv4': '10.10.1.1,10.10.2.1' },
      { 'isakmp.exchangetype': '35', 'isakmp.id.data.user_fqdn': 'b@test', 'isakmp.ts.start_ipv4': '10.10.1.1,10.10.2.1' },
    ]);
    const sealed = await tsharkFields(pcap, { filter: 'isakmp.exchangetype == 35', fields: ikeFields });
    expect(sealed.map((r) => r['isakmp.id.data.user_fqdn'])).toEqual(['', '']);
  });

  it('terminate() deletes the SAs on both sides, and stop() ends charon through its pid file', async () => {
    const [a, b] = charons;
    if (!a || !b) throw new Error('the previous test did not start both charons');
    await a.terminate({ ike: 't' });
    expect(await a.listSas()).toEqual([]);
    expect(await b.listSas()).toEqual([]);
    const exit = await a.stop();
    expect(exit.signal === null ? exit.code : exit.signal).toBe(0);
    expect(a.log()).toMatch(/IKE_SA t\[1\] state change: ESTABLISHED => DELETING/);
  });
});

describeNetns('startCharon with certificates', () => {
  let dir: string;
  let topo: Topology | undefined;
  const charons: Charon[] = [];
  let cap: Capture | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'layersec-charon-'));
  });
  afterAll(async () => {
    await cap?.dispose();
    await Promise.all(charons.map((c) => c.dispose()));
    await topo?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ECDSA certificates from one CA, aes256-sha256-modp2048 and ESP AES-CBC + HMAC-SHA-256 that tshark decrypts', async () => {
    const pki = await makeTestPki(join(dir, 'pki'));
    const certA = await issueCertificate(pki, 'a', { dnsNames: ['a.test'] });
    const certB = await issueCertificate(pki, 'b', { dnsNames: ['b.test'] });
    topo = await createTopology({
      hosts: [{ name: 'A', loAddresses: ['10.10.1.1/32'] }, { name: 'B', loAddresses: ['10.10.2.1/32'] }],
      links: [{ a: 'A', b: 'B', aAddr: '10.99.0.1/24', bAddr: '10.99.0.2/24' }],
    });
    const conf = (local: string, remote: string, me: string, peer: string, cert: string, localTs: string, remoteTs: string): string => `connections {
  t {
    version = 2
    local_addrs = ${local}
    remote_addrs = ${remote}
    proposals = aes256-sha256-modp2048
    local {
      auth = pubkey
      certs = ${cert}
      id = ${me}
    }
    remote {
      auth = pubkey
      id = ${peer}
    }
    children {
      c {
        local_ts = ${localTs}
        remote_ts = ${remoteTs}
        esp_proposals = aes256-sha256
      }
    }
  }
}
`;
    const dirA = join(dir, 'a');
    const dirB = join(dir, 'b');
    const filesA = installCharonCredentials(dirA, { x509: [certA.cert], x509ca: [pki.caCert], private: [certA.key] });
    installCharonCredentials(dirB, { x509: [certB.cert], x509ca: [pki.caCert], private: [certB.key] });
    expect(filesA).toEqual({ x509: ['a.pem'], x509ca: ['ca.pem'], private: ['a.key'] });
    const logLevels = { default: 1, ike: 2, chd: 4 };
    const [a, b] = await Promise.all([
      startCharon(topo.host('A'), { dir: dirA, logLevels, swanctlConf: conf('10.99.0.1', '10.99.0.2', 'a.test', 'b.test', 'a.pem', '10.10.1.1/32', '10.10.2.1/32') }),
      startCharon(topo.host('B'), { dir: dirB, logLevels, swanctlConf: conf('10.99.0.2', '10.99.0.1', 'b.test', 'a.test', 'b.pem', '10.10.2.1/32', '10.10.1.1/32') }),
    ]);
    charons.push(a, b);
    await a.loadAll();
    await b.loadAll();
    const pcap = join(dir, 'b-eth0.pcap');
    // ESP in UDP only: a non-zero SPI where IKE on port 4500 has its four-zero-byte non-ESP marker.
    cap = await capture(topo.host('B'), 'eth0', pcap, 'udp port 4500 and udp[8:4] != 0');
    // B initiates this time.
    await b.initiate('c');
    await topo.exec('B', 'ping', ['-c', '1', '-W', '5', '-I', '10.10.2.1', '10.10.1.1']);
    await cap.waitForPackets(2);
    await cap.stop();
    expect(cap.packetCount()).toBe(2);
    const [saB] = await b.listSas();
    expect(saB).toMatchObject({ state: 'ESTABLISHED', localId: 'b.test', remoteId: 'a.test', encrAlg: 'AES_CBC', encrKeysize: 256, integAlg: 'HMAC_SHA2_256_128', dhGroup: 'MODP_2048' });
    const child = saB?.children[0];
    expect(child).toMatchObject({ encap: true, mode: 'TUNNEL', encrAlg: 'AES_CBC', integAlg: 'HMAC_SHA2_256_128' });
    expect(b.log()).toMatch(/authentication of 'a\.test' with .* successful/);

    const dumps = parseCharonHexDumps(b.log());
    const key = (label: string): string => dumps.filter((x) => x.label === label).pop()?.hex ?? '';
    // B initiated: its "initiator" keys protect B -> A.
    const prefs = [
      ...ESP_DECRYPTION_PREFS,
      espSaPref({ src: '10.99.0.2', dst: '10.99.0.1', spi: child?.spiOut ?? '', encryption: 'AES-CBC [RFC3602]', encryptionKey: key('encryption initiator key'),
        authentication: 'HMAC-SHA-256-128 [RFC4868]', authenticationKey: key('integrity initiator key') }),
      espSaPref({ src: '10.99.0.1', dst: '10.99.0.2', spi: child?.spiIn ?? '', encryption: 'AES-CBC [RFC3602]', encryptionKey: key('encryption responder key'),
        authentication: 'HMAC-SHA-256-128 [RFC4868]', authenticationKey: key('integrity responder key') }),
    ];
    expect(key('encryption initiator key')).toMatch(/^[0-9a-f]{64}$/);
    // The ICV check is on (ESP_DECRYPTION_PREFS), so tshark verifies HMAC-SHA-256-128 with the integrity keys.
    const icmp = await tsharkFields(pcap, { prefs, filter: 'icmp', fields: ['ip.src', 'icmp.type', 'esp.icv_good'] });
    expect(icmp.map((r) => [r['ip.src'], r['icmp.type']])).toEqual([
      ['10.99.0.2,10.10.2.1', '8'],
      ['10.99.0.1,10.10.1.1', '0'],
    ]);
    expect(icmp.map((r) => r['esp.icv_good'])).toEqual(['1', '1']);
  });

  it('a swanctl failure is a CharonError carrying swanctl output and the charon log', async () => {
    const a = charons[0];
    if (!a) throw new Error('the previous test did not start charon A');
    writeFileSync(join(a.dir, 'swanctl.conf'), 'connections { t { version = 2\n');
    const err = await a.loadAll().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CharonError);
    expect((err as CharonError).message).toMatch(/invalid config file/);
    expect((err as CharonError).charonLog).toContain('IKE_SA t[1] established');
    const unknown = await a.initiate('no-such-child', { timeoutS: 2 }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(CharonError);
  });
});
