/**
 * Our SSLKEYLOGFILE lines and our record layout checked by an independent dissector: a DTLS 1.2
 * session between our client and our server on loopback is captured with tcpdump and tshark
 * decrypts its application data with the key log our client wrote.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { capture, tlsKeylogPref, tsharkFields } from '@layersec/testbed';
import { CipherSuite, x509Verifier } from '@layersec/tls';
import { connect, createServer, type DtlsSocket } from '../src/index.js';
import { identity, testTrustStore } from '../src/test-support/pki.js';

const provider = nodeProvider;

describe('tshark decrypts our DTLS 1.2 sessions with our key log', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'layersec-dtls-tshark-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['AES-128-GCM', CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
    // SHA-384 PRF and key block. (tshark 4.0 decrypts no DTLS ChaCha20-Poly1305 session, not even
    // one between openssl s_client and s_server with their own key log, so that suite is proven by
    // interop only.)
    ['AES-256-GCM', CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384],
  ])('%s', async (name, suite) => {
    const id = identity('server-ecdsa-p256');
    const server = createServer({ provider, certificateChain: id.chain, privateKey: id.key, cipherSuites: [suite] });
    const port = await server.listen(0);
    server.on('secureConnection', (sock: DtlsSocket) => sock.on('message', (m: Uint8Array) => sock.send(new TextEncoder().encode(`ack ${new TextDecoder().decode(m)}`))));
    const keylog = join(dir, `${name}.keylog`);
    const pcap = join(dir, `${name}.pcap`);
    const cap = await capture(undefined, 'lo', pcap, `udp port ${port}`);
    try {
      const sock = connect({ host: '127.0.0.1', port, provider, serverName: 'localhost', verifier: x509Verifier({ trustAnchors: testTrustStore(), provider }) });
      sock.on('keylog', (line: string) => appendFileSync(keylog, `${line}\n`));
      await new Promise((resolve) => sock.once('secureConnect', resolve));
      const reply = new Promise<Uint8Array>((resolve) => sock.once('message', resolve));
      sock.send('secret over udp');
      expect(new TextDecoder().decode(await reply)).toBe('ack secret over udp');
      // HelloVerifyRequest exchange, both flights, two data records.
      await cap.waitForPackets(8);
      sock.close();
    } finally {
      await cap.stop();
      server.close();
    }
    const rows = await tsharkFields(pcap, {
      prefs: [tlsKeylogPref(keylog), 'data.show_as_text:TRUE'],
      decodeAs: [`udp.port==${port},dtls`],
      filter: 'dtls.app_data',
      fields: ['data.text'],
    });
    expect(rows.map((r) => r['data.text'])).toEqual(['secret over udp', 'ack secret over udp']);
  });
});
