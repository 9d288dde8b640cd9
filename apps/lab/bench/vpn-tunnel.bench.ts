/**
 * Throughput of `lab vpn` (Linux, root): an HTTP transfer (python3 http.server in one LAN
 * namespace, curl in the other) across two gateway namespaces, first routed in the clear over the
 * veth path, then through our gateways (TUN, ESP with AES-GCM-128, carried as IP protocol 50 and
 * then UDP-encapsulated on port 4500), and beside them TLS 1.3 (openssl s_server -WWW, curl) over
 * the plain path, all in the same run; each ratio is against the plain path. Without root it
 * says so and records nothing.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTopology, netnsSupport, type Peer, type Topology } from '@layersec/testbed';
import { BenchReport } from '../../../scripts/bench-support.js';
import { tunAvailable } from '../src/vpn/tun.js';

const REPO = resolve(process.cwd());
const CLI = join(REPO, 'apps', 'lab', 'src', 'cli.ts');
const SIZE = 32 * 1024 * 1024;
const ROUNDS = 3;

const report = new BenchReport('@layersec/lab');
const support = netnsSupport();
if (!support.ok || !tunAvailable()) {
  console.warn(`lab vpn bench skipped: ${support.ok ? 'the TUN addon is not built' : support.reason}`);
  report.finish();
} else {
  await run();
}

async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lab-vpn-bench-'));
  mkdirSync(join(dir, 'www'));
  writeFileSync(join(dir, 'www', 'body.bin'), randomBytes(SIZE));
  const peers: Peer[] = [];
  let topo: Topology | undefined;
  try {
    topo = await createTopology({
      hosts: [
        { name: 'lanA', routes: [{ to: '10.10.2.0/24', via: '10.10.1.1' }] },
        { name: 'gwA', forwarding: true, routes: [{ to: '10.10.2.0/24', via: '10.99.0.2' }] },
        { name: 'gwB', forwarding: true, routes: [{ to: '10.10.1.0/24', via: '10.99.0.1' }] },
        { name: 'lanB', routes: [{ to: '10.10.1.0/24', via: '10.10.2.1' }] },
      ],
      links: [
        { a: 'lanA', b: 'gwA', aAddr: '10.10.1.2/24', bAddr: '10.10.1.1/24' },
        { a: 'gwA', b: 'gwB', aAddr: '10.99.0.1/24', bAddr: '10.99.0.2/24' },
        { a: 'gwB', b: 'lanB', aAddr: '10.10.2.1/24', bAddr: '10.10.2.2/24' },
      ],
    });
    const t = topo;
    const http = t.spawnIn('lanB', 'python3', ['-u', '-m', 'http.server', '8080', '--bind', '10.10.2.2', '--directory', join(dir, 'www')]);
    peers.push(http);
    await http.waitForOutput(/Serving HTTP/, { timeoutMs: 10000 });
    /** Best of ROUNDS transfers of the body, in MB/s (10^6 bytes per second). */
    const transfer = async (url = 'http://10.10.2.2:8080/body.bin'): Promise<number> => {
      let best = 0;
      for (let r = 0; r < ROUNDS; r++) {
        const out = await t.exec('lanA', 'curl', ['-sS', '--fail', '-k', '-o', '/dev/null', '-w', '%{size_download} %{speed_download}', url], { timeoutMs: 120000 });
        const [size, speed] = out.stdout.trim().split(' ').map(Number);
        if (size !== SIZE) throw new Error(`transfer of ${size} bytes, expected ${SIZE}`);
        best = Math.max(best, speed / 1e6);
      }
      return best;
    };
    const plainName = `HTTP ${SIZE >> 20} MiB across two gateways, plain veth routing`;
    report.record(plainName, await transfer(), 'MB/s');

    // TLS over the same routed path: openssl s_server -WWW (TLS 1.3, AES-128-GCM, P-256 key) and curl.
    const key = join(dir, 'tls.key');
    const cert = join(dir, 'tls.crt');
    await t.exec('lanB', 'openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=10.10.2.2', '-days', '1', '-keyout', key, '-out', cert]);
    const tls = t.spawnIn('lanB', 'openssl', ['s_server', '-accept', '10.10.2.2:8443', '-cert', cert, '-key', key, '-WWW', '-tls1_3', '-ciphersuites', 'TLS_AES_128_GCM_SHA256'], {
      cwd: join(dir, 'www'),
    });
    peers.push(tls);
    await tls.waitForOutput(/ACCEPT/, { timeoutMs: 10000 });
    const tlsName = `HTTPS ${SIZE >> 20} MiB across two gateways, TLS 1.3 AES-128-GCM (openssl s_server, curl) over plain routing`;
    const tlsMbps = await transfer('https://10.10.2.2:8443/body.bin');
    report.record(tlsName, tlsMbps, 'MB/s');
    report.ratio('TLS 1.3 (openssl) / plain veth path', tlsMbps / report.entries.find((e) => e.name === plainName)!.value, plainName);
    await tls.kill();

    const conf = (side: 'a' | 'b') => {
      const [me, peer, local, remote] = side === 'a' ? ['10.99.0.1', '10.99.0.2', '10.10.1.0/24', '10.10.2.0/24'] : ['10.99.0.2', '10.99.0.1', '10.10.2.0/24', '10.10.1.0/24'];
      const file = join(dir, `${side}.conf`);
      writeFileSync(
        file,
        `connections { net { local_addrs = ${me}\n remote_addrs = ${peer}\n proposals = aes128gcm16-prfsha256-x25519
         local { auth = psk\n id = ${side}@bench }\n remote { auth = psk\n id = ${side === 'a' ? 'b' : 'a'}@bench }
         children { net { local_ts = ${local}\n remote_ts = ${remote}\n esp_proposals = aes128gcm16${side === 'a' ? '\n start_action = start' : ''} } } } }
         secrets { ike-1 { id-a = a@bench\n id-b = b@bench\n secret = "bench" } }\n`,
      );
      return file;
    };
    const up = (host: string, side: 'a' | 'b', encap: boolean) => {
      const args = ['vpn', 'up', '--config', conf(side), '--socket', join(dir, `${host}.sock`), ...(encap ? ['--encap'] : [])];
      const p = t.spawnIn(host, process.execPath, ['--conditions=layersec-source', '--import', 'tsx', CLI, ...args], { cwd: REPO });
      peers.push(p);
      return p;
    };
    for (const [encap, carrier] of [[false, 'raw IP 50'], [true, 'UDP 4500']] as const) {
      const gwB = up('gwB', 'b', encap);
      await gwB.waitForOutput(/control socket/, { timeoutMs: 20000 });
      const gwA = up('gwA', 'a', encap);
      await gwA.waitForOutput(/Child SA 'net' installed/, { timeoutMs: 20000 });
      const name = `HTTP ${SIZE >> 20} MiB across two gateways, lab vpn (TUN, ESP AES-GCM-128, ${carrier})`;
      const mbps = await transfer();
      report.record(name, mbps, 'MB/s');
      report.ratio(`lab vpn over ${carrier} / plain veth path`, mbps / report.entries.find((e) => e.name === plainName)!.value, plainName);
      // SIGTERM: each gateway deletes its SAs and routes before the next carrier is measured.
      await gwA.kill('SIGTERM', 10000);
      await gwB.kill('SIGTERM', 10000);
    }
  } finally {
    for (const p of peers.reverse()) await p.dispose();
    await topo?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  report.finish();
}
