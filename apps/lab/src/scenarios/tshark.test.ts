/**
 * tshark is the independent check: given only a scenario's capture.pcap and keylog.txt, it must
 * decrypt the TLS streams to exactly the request and response the scenario's peers exchanged.
 * Skipped, with a message, where tshark is not installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findScenario } from './catalogue.js';
import { loopbackUnavailable } from '../substrates/loopback/loopback.js';
import { IKEV2_IDENTITIES } from './ikev2.js';
import { runScenario } from './runner.js';
import { tsharkDecryptArgs } from './wireshark.js';
import { requestFor, responseFor } from './workload.js';
import { SERVER_NAME } from './lab-pki.js';

const hasTshark = spawnSync('tshark', ['--version']).status === 0;
const maybe = hasTshark ? it : it.skip;
if (!hasTshark) console.warn('tshark not installed: the decryption check is skipped');

/** The two directions of TCP stream 0 as tshark's `follow,tls,raw` prints them (the second node's lines are indented). */
function followTls(args: string[], stream = 0, layer: 'tls' | 'tcp' = 'tls'): { first: Buffer; second: Buffer } {
  const r = spawnSync('tshark', [...args, '-q', '-z', `follow,${layer},raw,${stream}`], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  const body = r.stdout.split(/^=+$/m)[1] ?? '';
  const first: string[] = [];
  const second: string[] = [];
  for (const line of body.split('\n')) {
    if (/^\t[0-9a-f]+$/.test(line)) second.push(line.trim());
    else if (/^[0-9a-f]+$/.test(line)) first.push(line);
  }
  return { first: Buffer.from(first.join(''), 'hex'), second: Buffer.from(second.join(''), 'hex') };
}

describe('tshark decrypts the scenario captures with the written key log', () => {
  const out = mkdtempSync(join(tmpdir(), 'lab-tshark-'));
  maybe.each([['tls13-x509-http'], ['tls13-psk-http'], ['tls12-x509-http'], ['tls12-psk-http'], ['tls13-x509-http-gateways']])('%s', async (name) => {
    const s = findScenario(name)!;
    const { run, dir, result } = await runScenario(s, { out });
    expect(result.verified).toBe(true);
    const args = tsharkDecryptArgs({ capture: join(dir, 'capture.pcap'), keylog: join(dir, 'keylog.txt'), decodeAs: run.decodeAs });
    const { first, second } = followTls(args);
    const sent = [Buffer.from(requestFor(s.workload, SERVER_NAME)), Buffer.from(responseFor(s.workload))];
    // Which node tshark lists first depends on its stream bookkeeping; the two directions must be the two messages.
    const got = [first, second].sort((a, b) => a.length - b.length);
    expect(got[0].equals(sent[0])).toBe(true);
    expect(got[1].equals(sent[1])).toBe(true);
    // and the printed command line is the one the test ran
    expect(result.tshark[0]).toContain(`tls.keylog_file:${join(dir, 'keylog.txt')}`);
  });

  maybe('tls13-resumed-http: the resumed connection (tcp.stream 1) decrypts too', async () => {
    const s = findScenario('tls13-resumed-http')!;
    const { run, dir, result } = await runScenario(s, { out });
    expect(result.negotiated.authentication).toBe('resumption (ticket PSK)');
    const args = tsharkDecryptArgs({ capture: join(dir, 'capture.pcap'), keylog: join(dir, 'keylog.txt'), decodeAs: run.decodeAs });
    for (const stream of [0, 1]) {
      const got = Object.values(followTls(args, stream)).sort((a, b) => a.length - b.length);
      expect(got[0].equals(Buffer.from(requestFor(s.workload, SERVER_NAME)))).toBe(true);
      expect(got[1].equals(Buffer.from(responseFor(s.workload)))).toBe(true);
    }
  });
});

describe('on the loopback substrate (real sockets, tcpdump)', () => {
  const why = loopbackUnavailable();
  const maybeLoopback = hasTshark && !why ? it : it.skip;
  if (why) console.warn(`loopback scenarios skipped: ${why}`);
  const out = mkdtempSync(join(tmpdir(), 'lab-loopback-'));
  maybeLoopback.each([['tls13-x509-http'], ['tls12-x509-http']])('%s: the exchange verifies, and tshark decrypts the tcpdump capture', async (name) => {
    const s = findScenario(name)!;
    const { run, dir, result } = await runScenario(s, { out, substrate: 'loopback' });
    expect(result.substrate).toBe('loopback');
    expect(result.verified).toBe(true);
    expect(result.metrics.handshake.roundTrips).toBe(s.protocol === 'tls1.3' ? 2 : 3);
    const { first, second } = followTls(tsharkDecryptArgs({ capture: join(dir, 'capture.pcap'), keylog: join(dir, 'keylog.txt'), decodeAs: run.decodeAs }));
    const got = [first, second].sort((a, b) => a.length - b.length);
    expect(got[0].equals(Buffer.from(requestFor(s.workload, SERVER_NAME)))).toBe(true);
    expect(got[1].equals(Buffer.from(responseFor(s.workload)))).toBe(true);
  });
});

describe('tshark decrypts IKE_AUTH with the written ikev2_decryption_table', () => {
  const out = mkdtempSync(join(tmpdir(), 'lab-ikev2-'));
  maybe('ikev2-psk-gateways: the identities inside the SK payloads are the configured ones', async () => {
    const { run, dir, result } = await runScenario(findScenario('ikev2-psk-gateways')!, { out });
    expect(result.verified).toBe(true);
    const fields = (uat: typeof run.uat) => {
      const args = tsharkDecryptArgs({ capture: join(dir, 'capture.pcap'), uat });
      const r = spawnSync('tshark', [...args, '-Y', 'isakmp', '-T', 'fields', '-e', 'isakmp.id.data.user_fqdn'], { encoding: 'utf8' });
      return r.stdout.split('\n').filter(Boolean);
    };
    // Without the keys the observer reads no identity; with the table tshark finds IDi and IDr in
    // the IKE_AUTH request (the initiator names the responder it wants) and IDr in the response.
    const { initiator, responder } = IKEV2_IDENTITIES;
    expect(fields({ esp_sa: [], ikev2_decryption_table: [] })).toEqual([]);
    expect(fields(run.uat)).toEqual([`${initiator},${responder}`, responder]);
    expect(readFileSync(join(dir, 'ikev2_decryption_table'), 'utf8').trim()).toBe(run.uat.ikev2_decryption_table[0]);
  });
});

describe('tshark decrypts the ESP captures with the written esp_sa rows', () => {
  const out = mkdtempSync(join(tmpdir(), 'lab-esp-'));
  maybe.each([['esp-tunnel-http'], ['esp-transport-http']])('%s: the TCP stream inside ESP is the request and response', async (name) => {
    const s = findScenario(name)!;
    const { run, dir, result } = await runScenario(s, { out });
    expect(result.verified).toBe(true);
    expect(readFileSync(join(dir, 'esp_sa'), 'utf8').trim().split('\n')).toEqual(run.uat.esp_sa);
    const capture = join(dir, 'capture.pcap');
    // Without the SAs tshark sees no TCP at all; with them it follows the inner stream.
    const blind = spawnSync('tshark', ['-r', capture, '-Y', 'tcp'], { encoding: 'utf8' });
    expect(blind.stdout.trim()).toBe('');
    const got = Object.values(followTls(tsharkDecryptArgs({ capture, uat: run.uat }), 0, 'tcp')).sort((a, b) => a.length - b.length);
    expect(got[0].equals(Buffer.from(requestFor(s.workload, SERVER_NAME)))).toBe(true);
    expect(got[1].equals(Buffer.from(responseFor(s.workload)))).toBe(true);
  });
});

describe('tshark decrypts the DTLS captures with the written key log', () => {
  const out = mkdtempSync(join(tmpdir(), 'lab-dtls-'));
  maybe.each([['dtls12-x509-http'], ['dtls12-psk-http']])('%s: the application records are the request and the response', async (name) => {
    const s = findScenario(name)!;
    const { run, dir, result } = await runScenario(s, { out });
    expect(result.verified).toBe(true);
    const args = tsharkDecryptArgs({ capture: join(dir, 'capture.pcap'), keylog: join(dir, 'keylog.txt'), decodeAs: run.decodeAs });
    const r = spawnSync('tshark', [...args, '-Y', 'dtls.app_data', '-T', 'fields', '-e', 'udp.srcport', '-e', 'data.data'], { encoding: 'utf8' });
    const byPort = new Map<string, string>();
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const [port, hex] = line.split('\t');
      byPort.set(port, (byPort.get(port) ?? '') + hex.replace(/,/g, ''));
    }
    expect(Buffer.from(byPort.get('4433') ?? '', 'hex').equals(Buffer.from(responseFor(s.workload)))).toBe(true);
    const fromClient = [...byPort].filter(([port]) => port !== '4433').map(([, hex]) => hex);
    expect(fromClient.length).toBe(1);
    expect(Buffer.from(fromClient[0], 'hex').equals(Buffer.from(requestFor(s.workload, SERVER_NAME)))).toBe(true);
  });
});
