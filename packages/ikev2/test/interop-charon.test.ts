/**
 * Live interop: strongSwan's charon (Debian 5.9.8, kernel-libipsec) as the responder in a network
 * namespace, this package's initiator on the other end of a veth pair, over real UDP. Asserts on
 * charon's own view (`swanctl --list-sas`): the IKE SA with our SPIs, ESTABLISHED; the Child SA
 * INSTALLED, tunnel mode in UDP (charon forces NAT-T, so IKE_AUTH ran on port 4500 with the non-ESP
 * marker); a Child SA rekey with PFS (CREATE_CHILD_SA, then Delete of the old SA) and an IKE SA
 * rekey (§2.18) by each side;
 * then our Delete removes both from charon, and tshark decrypts a capture of the
 * exchange with the keys we hand it (ikev2_decryption_table). And the other way round: charon initiates
 * (`swanctl --initiate`) to our responder, and deletes (`swanctl --terminate`). Skipped, saying
 * so, without root or charon.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nobleProvider, parseCertificates, parsePrivateKey, secureRandom } from '@layersec/crypto-primitives';
import { toHex } from '@layersec/wire';
import {
  espSaRows,
  certReqPayload,
  parseProposals,
  ikev2DecryptionTableRow,
  IkeInitiatorSession,
  IkeResponderSession,
  IkeUdpEndpoint,
  type Identity,
  identityFromString,
  monotonicClock,
  parseIpAddress,
  parseSwanctlConf,
  parseTrafficSelector,
} from '@layersec/ikev2';

const CHARON = '/usr/lib/ipsec/charon';
// The gcm and openssl charon plugins come with Debian's libstrongswan-standard-plugins.
const GCM_PLUGIN = '/usr/lib/ipsec/plugins/libstrongswan-gcm.so';
const canRun =
  process.getuid?.() === 0 && existsSync(CHARON) && existsSync(GCM_PLUGIN) && ['swanctl', 'tcpdump', 'tshark', 'openssl'].every((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0);
const describeLive = canRun ? describe : describe.skip;
if (!canRun) console.warn('charon interop skipped: needs root, strongswan-charon, strongswan-swanctl, libstrongswan-standard-plugins, tcpdump, tshark, openssl');

const tag = `${process.pid % 10000}`;
const NS = `ikev2t${tag}`;
const VETH_ROOT = `ikr${tag}`;
const VETH_NS = `ikn${tag}`;
// A subnet of our own, so that parallel tests using 10.99.0.0/24 do not collide.
const octet = 100 + (process.pid % 100);
const OURS = `10.231.${octet}.1`;
const CHARONS = `10.231.${octet}.2`;

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function swanctl(dir: string, ...args: string[]): string {
  return sh('swanctl', [...args, '--uri', `unix://${dir}/run/charon.vici`]);
}

/** swanctl without blocking the event loop (charon talks to our session meanwhile). */
function swanctlAsync(dir: string, ...args: string[]): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const p = spawn('swanctl', [...args, '--uri', `unix://${dir}/run/charon.vici`]);
    let stdout = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.on('close', (status) => resolve({ status, stdout }));
  });
}

/**
 * An ECDSA P-256 CA and two end-entity certificates made by openssl (subjectAltName email a9@test
 * for our side, b9@test for charon's), laid out where swanctl --load-all looks for them.
 */
function makeCertificates(dir: string): void {
  const o = (args: string[]) => sh('openssl', args);
  for (const d of ['x509ca', 'x509', 'ecdsa', 'ours']) mkdirSync(join(dir, d), { recursive: true });
  const ca = join(dir, 'ours', 'ca.key');
  o(['ecparam', '-genkey', '-name', 'prime256v1', '-noout', '-out', ca]);
  o(['req', '-x509', '-new', '-key', ca, '-subj', '/CN=layersec ikev2 test CA', '-days', '2', '-out', join(dir, 'x509ca', 'ca.pem'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  for (const [name, keyDir, certDir] of [['a9', 'ours', 'ours'], ['b9', 'ecdsa', 'x509']] as const) {
    const key = join(dir, keyDir, `${name}.key`);
    const ext = join(dir, 'ours', `${name}.ext`);
    writeFileSync(ext, `subjectAltName=email:${name}@test\nkeyUsage=critical,digitalSignature\n`);
    o(['ecparam', '-genkey', '-name', 'prime256v1', '-noout', '-out', key]);
    o(['req', '-new', '-key', key, '-subj', `/CN=${name}@test`, '-out', join(dir, 'ours', `${name}.csr`)]);
    o(['x509', '-req', '-in', join(dir, 'ours', `${name}.csr`), '-CA', join(dir, 'x509ca', 'ca.pem'), '-CAkey', ca, '-set_serial', name === 'a9' ? '2' : '3',
      '-days', '1', '-extfile', ext, '-out', join(dir, certDir, `${name}.pem`)]);
  }
}

/** tcpdump on `iface` into `file`, started once it says it is listening; `stop` ends it. */
async function startCapture(iface: string, file: string): Promise<{ stop(): Promise<void> }> {
  const p = spawn('tcpdump', ['-U', '--immediate-mode', '-Z', 'root', '-n', '-i', iface, '-w', file, 'udp port 500 or udp port 4500']);
  await new Promise<void>((resolve, reject) => {
    let err = '';
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('listening on')) resolve();
    });
    p.once('exit', (code) => reject(new Error(`tcpdump exited ${code}: ${err}`)));
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (p.exitCode !== null) return resolve();
        p.once('exit', () => resolve());
        p.kill('SIGTERM');
      }),
  };
}

/** The state charon lists for the Child SA whose inbound SPI is `spi` ('gone' when not listed). */
function stateOf(listSas: string, spi: Uint8Array): string {
  const block = listSas.split(/\n(?=\s+\w+: #\d+, reqid)/).find((b) => b.includes(`in  ${toHex(spi)}`));
  return block === undefined ? 'gone' : (/reqid \d+, (\w+),/.exec(block)?.[1] ?? 'unknown');
}

async function waitForFile(path: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`${path} did not appear`);
    await new Promise((r) => setImmediate(r));
  }
}

const CASES = [
  { ike: 'aes128gcm16-prfsha256-x25519', esp: 'aes128gcm16-x25519' },
  { ike: 'aes256-sha256-modp2048', esp: 'aes256-sha256-modp2048' },
];

describeLive('IKE_SA_INIT + IKE_AUTH + Delete with a live charon, both roles', () => {
  let dir = '';
  let charon: ChildProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ikev2-charon-'));
    mkdirSync(join(dir, 'run'));
    sh('ip', ['netns', 'add', NS]);
    sh('ip', ['link', 'add', VETH_ROOT, 'type', 'veth', 'peer', 'name', VETH_NS]);
    sh('ip', ['link', 'set', VETH_NS, 'netns', NS]);
    sh('ip', ['addr', 'add', `${OURS}/24`, 'dev', VETH_ROOT]);
    sh('ip', ['link', 'set', VETH_ROOT, 'up']);
    sh('ip', ['-n', NS, 'addr', 'add', `${CHARONS}/24`, 'dev', VETH_NS]);
    sh('ip', ['-n', NS, 'link', 'set', VETH_NS, 'up']);
    sh('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', NS, 'addr', 'add', '10.10.2.1/32', 'dev', 'lo']);
    writeFileSync(
      join(dir, 'strongswan.conf'),
      `charon {
  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey curve25519 aes sha1 sha2 hmac gcm kdf kernel-libipsec kernel-netlink socket-default vici updown
  install_routes = yes
  plugins { vici { socket = unix://${dir}/run/charon.vici } }
  filelog { main { path = ${dir}/charon.log
    default = 1
    ike = 2
    flush_line = yes } }
}
`,
    );
    makeCertificates(dir);
    const connections = CASES.map(
      (c, n) => `  c${n} { version = 2
    local_addrs = ${CHARONS}
    remote_addrs = ${OURS}
    proposals = ${c.ike}
    local { auth = psk
            id = b${n}@test }
    remote { auth = psk
             id = a${n}@test }
    children { c { local_ts = 10.10.2.1/32
                   remote_ts = 10.10.1.1/32
                   esp_proposals = ${c.esp} } } }`,
    );
    connections.push(`  c9 { version = 2
    local_addrs = ${CHARONS}
    remote_addrs = ${OURS}
    proposals = aes128gcm16-prfsha256-x25519
    local { auth = pubkey
            certs = b9.pem
            id = b9@test }
    remote { auth = pubkey
             id = a9@test }
    children { c { local_ts = 10.10.2.1/32
                   remote_ts = 10.10.1.1/32
                   esp_proposals = aes128gcm16 } } }`);
    writeFileSync(
      join(dir, 'swanctl.conf'),
      `connections {\n${connections.join('\n')}\n}\nsecrets { ${CASES.map((_c, n) => `ike-${n} { id-a = a${n}@test\n id-b = b${n}@test\n secret = "s3cretPSK${n}" }`).join('\n')} }\n`,
    );
    charon = spawn('ip', ['netns', 'exec', NS, 'sh', '-c', `mount --bind ${dir}/run /run && STRONGSWAN_CONF=${dir}/strongswan.conf exec ${CHARON}`], { stdio: 'ignore' });
    await waitForFile(join(dir, 'run', 'charon.vici'), 20000);
    swanctl(dir, '--load-all', '--file', join(dir, 'swanctl.conf'));
  }, 30000);

  afterAll(async () => {
    const pidFile = join(dir, 'run', 'charon.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    if (charon !== undefined && charon.exitCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          charon?.kill('SIGKILL');
          resolve();
        }, 5000);
        charon?.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    spawnSync('ip', ['link', 'del', VETH_ROOT]);
    spawnSync('ip', ['netns', 'del', NS]);
    if (process.env.KEEP_CHARON_DIR) console.warn(`charon files kept in ${dir}`);
    else if (dir !== '') rmSync(dir, { recursive: true, force: true });
  }, 20000);

  it.each(CASES.map((c, n) => [c.ike, n] as const))('%s: IKE_SA_INIT and IKE_AUTH, charon lists the SAs, we rekey the Child SA and the IKE SA, our Delete removes them', async (ike, n) => {
    // The connection as a swanctl.conf user would write it for our side.
    const conf = parseSwanctlConf(`
      connections { t { local_addrs = ${OURS}
                        remote_addrs = ${CHARONS}
                        proposals = ${ike}
                        local { auth = psk
                                id = a${n}@test }
                        remote { auth = psk
                                 id = b${n}@test }
                        children { c { local_ts = 10.10.1.1/32
                                       remote_ts = 10.10.2.1/32
                                       esp_proposals = ${CASES[n].esp} } } } }
      secrets { ike-1 { id-a = a${n}@test
                        id-b = b${n}@test
                        secret = "s3cretPSK${n}" } }`);
    const c = conf.connections[0];
    const child = c.children[0];
    const session = new IkeInitiatorSession(
      {
        ctx: { provider: nobleProvider, random: secureRandom, clock: monotonicClock },
        ike: { proposals: c.proposals },
        local: { address: parseIpAddress(OURS)!, port: 500 },
        remote: { address: parseIpAddress(CHARONS)!, port: 500 },
      },
      {
        localId: identityFromString(c.local.id!),
        remoteId: identityFromString(c.remote.id!),
        sharedSecret: conf.secrets[0].secret,
        initialContact: true,
        child: {
          espProposals: child.espProposals,
          localTs: child.localTs.map((t) => parseTrafficSelector(t)),
          remoteTs: child.remoteTs.map((t) => parseTrafficSelector(t)),
          mode: child.mode,
        },
      },
    );
    const udp = new IkeUdpEndpoint(session, OURS);
    await udp.open();
    const pcap = join(dir, `ours-${n}.pcap`);
    const capture = await startCapture(VETH_ROOT, pcap);
    try {
      udp.run(() => session.start());
      const up = await udp.waitFor((e) => e.type === 'established' || e.type === 'failed', 15000);
      if (up.type !== 'established') throw up.type === 'failed' ? up.error : new Error(up.type);
      expect(up.sa.useNatT).toBe(true);
      const childSa = up.auth.child;
      if (childSa.kind !== 'established') throw new Error(`child refused: ${childSa.notifyType}`);

      const sas = swanctl(dir, '--list-sas', '--ike', `c${n}`);
      expect(sas).toContain('ESTABLISHED');
      expect(sas).toContain(`${toHex(up.sa.initiatorSpi)}_i`);
      expect(sas).toContain(`${toHex(up.sa.responderSpi)}_r*`);
      expect(sas).toContain(`'a${n}@test' @ ${OURS}[4500]`);
      expect(sas).toContain('INSTALLED, TUNNEL-in-UDP');
      // charon's inbound SPI is our outbound one, and the other way round.
      expect(sas).toContain(`in  ${toHex(childSa.sa.outboundSpi)}`);
      expect(sas).toContain(`out ${toHex(childSa.sa.inboundSpi)}`);
      expect(sas).toContain('10.10.1.1/32');

      // charon sends ESP into the Child SA (a ping from its protected address to ours); we do not
      // answer it, tshark decrypts it below with our keys.
      await new Promise<void>((resolve) => {
        spawn('ip', ['netns', 'exec', NS, 'ping', '-c', '1', '-W', '1', '-I', '10.10.2.1', '10.10.1.1'], { stdio: 'ignore' }).on('close', () => resolve());
      });
      const espRows = espSaRows(childSa.sa, parseIpAddress(OURS)!, parseIpAddress(CHARONS)!);

      // CREATE_CHILD_SA {N(REKEY_SA), SA, Ni, KEi, TSi, TSr} -->  then INFORMATIONAL {D(ESP)} -->
      udp.run(() => session.rekeyChild(session.childSas[0]));
      await udp.waitFor((e) => (e.type === 'child-deleted' && e.by === 'local') || e.type === 'failed', 15000);
      expect(session.childSas).toHaveLength(1);
      const rekeyed = session.childSas[0];
      const afterRekey = swanctl(dir, '--list-sas', '--ike', `c${n}`);
      expect(afterRekey).toContain(`in  ${toHex(rekeyed.outboundSpi)}`);
      expect(afterRekey).toContain(`out ${toHex(rekeyed.inboundSpi)}`);
      expect(stateOf(afterRekey, childSa.sa.outboundSpi)).toMatch(/^(DELETED|gone)$/);
      expect(stateOf(afterRekey, rekeyed.outboundSpi)).toBe('INSTALLED');
      expect(rekeyed.transforms.dh).toBeDefined();

      // CREATE_CHILD_SA {SA(IKE, new SPIi), Ni, KEi} -->  then INFORMATIONAL {D(IKE)} on the old IKE SA -->
      udp.run(() => session.rekeyIkeSa());
      const ikeRekeyed = await udp.waitFor((e) => e.type === 'ike-rekeyed' || e.type === 'failed', 15000);
      if (ikeRekeyed.type !== 'ike-rekeyed') throw ikeRekeyed.type === 'failed' ? ikeRekeyed.error : new Error(ikeRekeyed.type);
      const afterIkeRekey = swanctl(dir, '--list-sas', '--ike', `c${n}`);
      expect(afterIkeRekey).toContain(`${toHex(ikeRekeyed.sa.initiatorSpi)}_i ${toHex(ikeRekeyed.sa.responderSpi)}_r*`);
      expect(afterIkeRekey).not.toContain(toHex(up.sa.initiatorSpi));
      expect(stateOf(afterIkeRekey, rekeyed.outboundSpi)).toBe('INSTALLED');

      udp.run(() => session.close());
      const gone = await udp.waitFor((e) => e.type === 'deleted' || e.type === 'failed', 15000);
      expect(gone).toEqual({ type: 'deleted', by: 'local' });
      expect(swanctl(dir, '--list-sas', '--ike', `c${n}`)).not.toContain('ESTABLISHED');

      // tshark, given our keys as an ikev2_decryption_table row, decrypts the captured exchange.
      await capture.stop();
      const row = ikev2DecryptionTableRow(up.sa);
      if (row === undefined) throw new Error('no Wireshark names for these transforms');
      if (espRows === undefined) throw new Error('no Wireshark names for the ESP transforms');
      const dissected = sh('tshark', [
        '-r', pcap,
        '-o', `uat:ikev2_decryption_table:${row}`,
        '-o', 'esp.enable_encryption_decode:TRUE',
        '-o', 'esp.enable_authentication_check:TRUE',
        '-o', `uat:esp_sa:${espRows[0]}`,
        '-o', `uat:esp_sa:${espRows[1]}`,
        '-V',
      ]);
      // The ESP charon sent, decrypted with the inbound keys we derived: an ICMP echo request inside.
      expect(dissected).toMatch(/Internet Protocol Version 4, Src: 10\.10\.2\.1, Dst: 10\.10\.1\.1[\s\S]*Echo \(ping\) request/);
      expect(dissected).toContain(`Identification Data:a${n}@test`);
      expect(dissected).toContain(`Identification Data:b${n}@test`);
      expect(dissected).toContain('Payload: Delete (42)');
      if (up.sa.transforms.integ !== 0) expect(dissected).toMatch(/Integrity Checksum Data: [0-9a-f]+ .*\[correct\]/);
    } finally {
      await capture.stop();
      udp.close();
      // Leave no IKE SA behind for the next case, whatever happened here.
      spawnSync('swanctl', ['--terminate', '--ike', `c${n}`, '--force', '--timeout', '1', '--uri', `unix://${dir}/run/charon.vici`]);
    }
  }, 40000);

  it.each(CASES.map((c, n) => [c.ike, n] as const))('%s: charon initiates to our responder, lists the SAs, rekeys the Child SA and the IKE SA, and deletes them', async (ike, n) => {
    const proposals = parseSwanctlConf(`connections { t { proposals = ${ike}\n local { auth = psk } remote { auth = psk } } }`).connections[0].proposals;
    const peer = identityFromString(`b${n}@test`);
    const same = (a: Identity, b: Identity) => a.idType === b.idType && toHex(a.identificationData) === toHex(b.identificationData);
    const session = new IkeResponderSession(
      {
        ctx: { provider: nobleProvider, random: secureRandom, clock: monotonicClock },
        ike: { proposals },
        local: { address: parseIpAddress(OURS)!, port: 500 },
        remote: { address: parseIpAddress(CHARONS)!, port: 500 },
      },
      {
        localId: identityFromString(`a${n}@test`),
        sharedSecretFor: (remote) => (same(remote, peer) ? new TextEncoder().encode(`s3cretPSK${n}`) : undefined),
        child: {
          espProposals: parseSwanctlConf(`connections { t { proposals = ${ike}\n local { auth = psk } remote { auth = psk }\n children { c { esp_proposals = ${CASES[n].esp} } } } }`).connections[0].children[0].espProposals,
          localTs: [parseTrafficSelector('10.10.1.1/32')],
          remoteTs: [parseTrafficSelector('10.10.2.1/32')],
          mode: 'tunnel',
        },
      },
    );
    const udp = new IkeUdpEndpoint(session, OURS);
    await udp.open();
    try {
      const initiated = swanctlAsync(dir, '--initiate', '--child', 'c', '--ike', `c${n}`, '--timeout', '15');
      const up = await udp.waitFor((e) => e.type === 'established' || e.type === 'failed', 20000);
      if (up.type !== 'established') throw up.type === 'failed' ? up.error : new Error(up.type);
      const result = await initiated;
      expect(result.stdout).toContain('initiate completed successfully');
      expect(result.status).toBe(0);
      const childSa = up.auth.child;
      if (childSa.kind !== 'established') throw new Error(`child refused: ${childSa.notifyType}`);
      expect(up.auth.peerId).toEqual(peer);

      const sas = swanctl(dir, '--list-sas', '--ike', `c${n}`);
      expect(sas).toContain('ESTABLISHED');
      expect(sas).toContain(`${toHex(up.sa.initiatorSpi)}_i*`);
      expect(sas).toContain(`${toHex(up.sa.responderSpi)}_r`);
      expect(sas).toContain('INSTALLED, TUNNEL-in-UDP');
      expect(sas).toContain(`in  ${toHex(childSa.sa.outboundSpi)}`);
      expect(sas).toContain(`out ${toHex(childSa.sa.inboundSpi)}`);

      // charon rekeys the Child SA: <-- CREATE_CHILD_SA {N(REKEY_SA), SA, Ni, KEi, TSi, TSr}, then <-- INFORMATIONAL {D(ESP)}
      const rekey = swanctlAsync(dir, '--rekey', '--child', 'c');
      await udp.waitFor((e) => (e.type === 'child-deleted' && e.by === 'peer') || e.type === 'failed', 20000);
      expect((await rekey).status).toBe(0);
      expect(session.childSas).toHaveLength(1);
      const rekeyed = session.childSas[0];
      expect(rekeyed.transforms.dh).toBeDefined();
      const afterRekey = swanctl(dir, '--list-sas', '--ike', `c${n}`);
      expect(stateOf(afterRekey, childSa.sa.outboundSpi)).toMatch(/^(DELETED|gone)$/);
      expect(stateOf(afterRekey, rekeyed.outboundSpi)).toBe('INSTALLED');

      // charon rekeys the IKE SA: <-- CREATE_CHILD_SA {SA(IKE), Ni, KEi}, then <-- INFORMATIONAL {D(IKE)} on the old one
      const ikeRekey = swanctlAsync(dir, '--rekey', '--ike', `c${n}`);
      const ikeRekeyed = await udp.waitFor((e) => e.type === 'ike-rekeyed' || e.type === 'failed' || e.type === 'deleted', 20000);
      if (ikeRekeyed.type !== 'ike-rekeyed') throw new Error(ikeRekeyed.type);
      expect((await ikeRekey).status).toBe(0);
      const afterIkeRekey = swanctl(dir, '--list-sas', '--ike', `c${n}`);
      expect(afterIkeRekey).toContain(`${toHex(ikeRekeyed.sa.initiatorSpi)}_i* ${toHex(ikeRekeyed.sa.responderSpi)}_r`);
      expect(stateOf(afterIkeRekey, rekeyed.outboundSpi)).toBe('INSTALLED');

      // <-- INFORMATIONAL { D(IKE) } from charon
      const terminated = swanctlAsync(dir, '--terminate', '--ike', `c${n}`, '--timeout', '15');
      const gone = await udp.waitFor((e) => e.type === 'deleted' || e.type === 'failed', 20000);
      expect(gone).toEqual({ type: 'deleted', by: 'peer' });
      expect((await terminated).status).toBe(0);
      expect(swanctl(dir, '--list-sas', '--ike', `c${n}`)).not.toContain('ESTABLISHED');
    } finally {
      udp.close();
      spawnSync('swanctl', ['--terminate', '--ike', `c${n}`, '--force', '--timeout', '1', '--uri', `unix://${dir}/run/charon.vici`]);
    }
  }, 60000);

  it('ECDSA certificates (RFC 7427): our initiator and charon authenticate each other by signature', async () => {
    const caCert = parseCertificates(readFileSync(join(dir, 'x509ca', 'ca.pem'), 'utf8'));
    const ours = parseCertificates(readFileSync(join(dir, 'ours', 'a9.pem'), 'utf8'))[0];
    const session = new IkeInitiatorSession(
      {
        ctx: { provider: nobleProvider, random: secureRandom, clock: monotonicClock },
        ike: { proposals: parseSwanctlConf('connections { t { proposals = aes128gcm16-prfsha256-x25519\n local { auth = pubkey } remote { auth = pubkey } } }').connections[0].proposals },
        local: { address: parseIpAddress(OURS)!, port: 500 },
        remote: { address: parseIpAddress(CHARONS)!, port: 500 },
      },
      {
        localId: identityFromString('a9@test'),
        remoteId: identityFromString('b9@test'),
        signing: { privateKey: parsePrivateKey(readFileSync(join(dir, 'ours', 'a9.key'), 'utf8')), certificates: [ours.der] },
        trust: { trustAnchors: caCert, now: () => new Date() },
        child: { espProposals: parseProposals('aes128gcm16', 'esp'), localTs: [parseTrafficSelector('10.10.1.1/32')], remoteTs: [parseTrafficSelector('10.10.2.1/32')], mode: 'tunnel' },
      },
    );
    const udp = new IkeUdpEndpoint(session, OURS);
    await udp.open();
    try {
      udp.run(() => session.start());
      const up = await udp.waitFor((e) => e.type === 'established' || e.type === 'failed', 15000);
      if (up.type !== 'established') throw up.type === 'failed' ? up.error : new Error(up.type);
      expect(up.auth.peerId).toEqual(identityFromString('b9@test'));
      const sas = swanctl(dir, '--list-sas', '--ike', 'c9');
      expect(sas).toContain('ESTABLISHED');
      expect(sas).toContain(`remote 'a9@test' @ ${OURS}[4500]`);
      expect(sas).toContain('INSTALLED, TUNNEL-in-UDP');
      udp.run(() => session.close());
      expect(await udp.waitFor((e) => e.type === 'deleted' || e.type === 'failed', 15000)).toEqual({ type: 'deleted', by: 'local' });
    } finally {
      udp.close();
      spawnSync('swanctl', ['--terminate', '--ike', 'c9', '--force', '--timeout', '1', '--uri', `unix://${dir}/run/charon.vici`]);
    }
  }, 40000);

  it('ECDSA certificates (RFC 7427): charon initiates to our responder, both authenticate by signature', async () => {
    const caCert = parseCertificates(readFileSync(join(dir, 'x509ca', 'ca.pem'), 'utf8'));
    const ours = parseCertificates(readFileSync(join(dir, 'ours', 'a9.pem'), 'utf8'))[0];
    const session = new IkeResponderSession(
      {
        ctx: { provider: nobleProvider, random: secureRandom, clock: monotonicClock },
        ike: { proposals: parseProposals('aes128gcm16-prfsha256-x25519', 'ike'), certificateRequest: certReqPayload(nobleProvider, caCert) },
        local: { address: parseIpAddress(OURS)!, port: 500 },
        remote: { address: parseIpAddress(CHARONS)!, port: 500 },
      },
      {
        localId: identityFromString('a9@test'),
        sharedSecretFor: () => undefined,
        signing: { privateKey: parsePrivateKey(readFileSync(join(dir, 'ours', 'a9.key'), 'utf8')), certificates: [ours.der] },
        trust: { trustAnchors: caCert, now: () => new Date() },
        child: { espProposals: parseProposals('aes128gcm16', 'esp'), localTs: [parseTrafficSelector('10.10.1.1/32')], remoteTs: [parseTrafficSelector('10.10.2.1/32')], mode: 'tunnel' },
      },
    );
    const udp = new IkeUdpEndpoint(session, OURS);
    await udp.open();
    try {
      const initiated = swanctlAsync(dir, '--initiate', '--child', 'c', '--ike', 'c9', '--timeout', '15');
      const up = await udp.waitFor((e) => e.type === 'established' || e.type === 'failed', 20000);
      if (up.type !== 'established') throw up.type === 'failed' ? up.error : new Error(up.type);
      expect((await initiated).stdout).toContain('initiate completed successfully');
      expect(up.auth.peerId).toEqual(identityFromString('b9@test'));
      expect(swanctl(dir, '--list-sas', '--ike', 'c9')).toContain('ESTABLISHED');
      const terminated = swanctlAsync(dir, '--terminate', '--ike', 'c9', '--timeout', '15');
      expect(await udp.waitFor((e) => e.type === 'deleted' || e.type === 'failed', 20000)).toEqual({ type: 'deleted', by: 'peer' });
      expect((await terminated).status).toBe(0);
    } finally {
      udp.close();
      spawnSync('swanctl', ['--terminate', '--ike', 'c9', '--force', '--timeout', '1', '--uri', `unix://${dir}/run/charon.vici`]);
    }
  }, 60000);
});
