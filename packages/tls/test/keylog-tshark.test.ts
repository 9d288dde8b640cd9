/**
 * SSLKEYLOGFILE output checked by a real peer: tshark decrypts a tcpdump capture of our client
 * talking to our server on loopback with the keylog lines our client emitted, and shows the
 * application data. Skipped (with a message) where tcpdump cannot capture (no root).
 */
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { x509Verifier } from '../src/certificates.js';
import { connect, createServer } from '../src/node/index.js';
import { identity, testTrustStore } from '../src/test-support/pki.js';
import { freePort, startPeer } from '../src/test-support/peer.js';
import { createSocket } from 'node:dgram';

const provider = nodeProvider;
const canCapture = process.getuid?.() === 0;
const maybe = canCapture ? it : it.skip;
if (!canCapture) console.warn('keylog-tshark: not root, tcpdump cannot capture; skipped');

describe('SSLKEYLOGFILE lines decrypt a capture in tshark', () => {
  maybe.each([['TLS_AES_128_GCM_SHA256'], ['TLS_CHACHA20_POLY1305_SHA256']])('%s', async (suiteName) => {
    const dir = mkdtempSync('/tmp/layersec-keylog-');
    const pcap = join(dir, 'tls.pcap');
    const keylog = join(dir, 'keys.log');
    const id = identity('server-ecdsa-p256');
    const { suiteByName } = await import('../src/cipher-suites.js');
    const suite = suiteByName(suiteName)!.id;
    const server = createServer({ provider, certificateChain: id.chain, privateKey: id.key, cipherSuites: [suite] }, (s) => {
      s.on('data', (d: Buffer) => s.end(`echo:${d.toString()}`));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    // tcpdump prints "listening on" before its capture is live here; poll with UDP probes until it
    // prints one (--print shows packets while -w writes them).
    const probePort = await freePort();
    const dump = startPeer('tcpdump', ['-U', '-n', '-l', '--print', '-i', 'any', '-w', pcap, `tcp port ${port} or udp port ${probePort}`]);
    await dump.waitFor(/listening on/);
    const probe = createSocket('udp4');
    for (let i = 0; i < 100 && !/UDP/.test(dump.output()); i++) {
      probe.send('probe', probePort, '127.0.0.1');
      await dump.waitFor(/UDP/, 100).catch(() => undefined);
    }
    probe.close();
    expect(dump.output()).toMatch(/UDP/);

    const lines: string[] = [];
    const sock = connect({ provider, host: '127.0.0.1', port, serverName: 'localhost', verifier: x509Verifier({ trustAnchors: testTrustStore(), provider }) });
    sock.on('keylog', (line: Buffer) => lines.push(line.toString()));
    await once(sock, 'secureConnect');
    sock.write('secret-message-from-client');
    let reply = '';
    for await (const d of sock) reply += (d as Buffer).toString();
    expect(reply).toBe('echo:secret-message-from-client');
    server.close();
    writeFileSync(keylog, lines.join(''));
    expect(lines.map((l) => l.split(' ')[0])).toEqual([
      'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
      'SERVER_HANDSHAKE_TRAFFIC_SECRET',
      'CLIENT_TRAFFIC_SECRET_0',
      'SERVER_TRAFFIC_SECRET_0',
      'EXPORTER_SECRET',
    ]);
    // Stop tcpdump once it has printed both FINs, so that the whole conversation is in the file.
    await dump.waitFor(/Flags \[F[^]*Flags \[F/);
    dump.stop();
    await dump.exited();

    const shark = startPeer('tshark', [
      '-r', pcap,
      '-o', `tls.keylog_file:${keylog}`,
      '-d', `tcp.port==${port},tls`,
      '-Y', 'tls.app_data',
      '-T', 'fields', '-e', 'data.text',
      '-o', 'data.show_as_text:TRUE',
    ]);
    expect(await shark.exited()).toBe(0);
    expect(shark.output()).toContain('secret-message-from-client');
    expect(shark.output()).toContain('echo:secret-message-from-client');
  });
});
