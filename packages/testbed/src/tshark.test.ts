import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gnutlsServer } from './gnutls.js';
import { opensslClient, opensslServer } from './openssl.js';
import { makeTestPki, type TestPki } from './pki.js';
import { gnutlsClient } from './gnutls.js';
import { capture, espSaPref, ikev2DecryptionPref, tlsKeylogPref, tsharkFields } from './tshark.js';

describe('tshark preference strings', () => {
  it('format esp_sa entries as INTEROP.md shows them (AEAD and CBC+HMAC)', () => {
    expect(espSaPref({ src: '10.99.0.1', dst: '10.99.0.2', spi: 'c4882d9d', encryption: 'AES-GCM with 16 octet ICV [RFC4106]', encryptionKey: '00112233445566778899aabbccddeeff01020304' }))
      .toBe('uat:esp_sa:"IPv4","10.99.0.1","10.99.0.2","0xc4882d9d","AES-GCM with 16 octet ICV [RFC4106]","0x00112233445566778899aabbccddeeff01020304","NULL",""');
    expect(espSaPref({ src: '10.99.0.2', dst: '10.99.0.1', spi: '0x01', encryption: 'AES-CBC [RFC3602]', encryptionKey: 'aa', authentication: 'HMAC-SHA-256-128 [RFC4868]', authenticationKey: 'bb' }))
      .toBe('uat:esp_sa:"IPv4","10.99.0.2","10.99.0.1","0x01","AES-CBC [RFC3602]","0xaa","HMAC-SHA-256-128 [RFC4868]","0xbb"');
  });

  it('format ikev2_decryption_table entries with bare hex and quoted names', () => {
    expect(ikev2DecryptionPref({ spiI: '0x6ac6612e9d1cbfc7', spiR: '1184ba30cfa87203', skEi: 'aa', skEr: 'bb', encryption: 'AES-GCM-128 with 16 octet ICV [RFC5282]' }))
      .toBe('uat:ikev2_decryption_table:6ac6612e9d1cbfc7,1184ba30cfa87203,aa,bb,"AES-GCM-128 with 16 octet ICV [RFC5282]",,,"NONE [RFC4306]"');
    expect(tlsKeylogPref('/tmp/k.log')).toBe('tls.keylog_file:/tmp/k.log');
  });
});

describe('capture and tsharkFields on loopback', () => {
  let dir: string;
  let pki: TestPki;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'layersec-testbed-tshark-'));
    pki = await makeTestPki(join(dir, 'pki'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decrypts a captured TLS 1.3 session (openssl s_client to gnutls-serv) with the client key log', async () => {
    const server = await gnutlsServer({ cert: pki.serverEcdsa.cert, key: pki.serverEcdsa.key });
    const pcap = join(dir, 'tls13.pcap');
    const keylog = join(dir, 'tls13.keylog');
    const cap = await capture(undefined, 'lo', pcap, `tcp port ${server.port}`);
    try {
      const r = await opensslClient({ port: server.port, caFile: pki.caCert, keylogFile: keylog, input: 'secret words\n', until: /^secret words$/ });
      expect(r.exit.code).toBe(0);
      // At least the two TCP handshake segments, ClientHello, ServerHello flight, two data records and FINs.
      await cap.waitForPackets(10);
    } finally {
      await cap.stop();
      await server.dispose();
    }
    const query = { decodeAs: [`tcp.port==${server.port},tls`], filter: 'tls.app_data', fields: ['data.text'] };
    const rows = await tsharkFields(pcap, { ...query, prefs: [tlsKeylogPref(keylog), 'data.show_as_text:TRUE'] });
    // Sent by the client and echoed by the server.
    expect(rows.filter((row) => row['data.text'] === 'secret words\\n').length).toBe(2);
    const without = await tsharkFields(pcap, { ...query, prefs: ['data.show_as_text:TRUE'] });
    expect(without.some((row) => row['data.text']?.includes('secret'))).toBe(false);
  });

  it('decrypts a captured DTLS 1.2 session (gnutls-cli to openssl s_server) with the server key log', async () => {
    const keylog = join(dir, 'dtls.keylog');
    const server = await opensslServer({ tls: 'dtls1.2', cert: pki.serverEcdsa.cert, key: pki.serverEcdsa.key, keylogFile: keylog });
    const pcap = join(dir, 'dtls.pcap');
    const cap = await capture(undefined, 'lo', pcap, `udp port ${server.port}`);
    try {
      const run = gnutlsClient({ port: server.port, tls: 'dtls1.2', caFile: pki.caCert, servername: 'localhost', input: 'over udp\n', until: /^ack$/ });
      await server.waitForOutput(/^over udp$/);
      await server.write('ack\n');
      expect((await run).exit.code).toBe(0);
      await cap.waitForPackets(6);
    } finally {
      await cap.stop();
      await server.dispose();
    }
    const rows = await tsharkFields(pcap, {
      prefs: [tlsKeylogPref(keylog), 'data.show_as_text:TRUE'], decodeAs: [`udp.port==${server.port},dtls`], filter: 'dtls.app_data', fields: ['data.text'],
    });
    expect(rows.map((row) => row['data.text'])).toEqual(['over udp\\n', 'ack\\n']);
  });
});
