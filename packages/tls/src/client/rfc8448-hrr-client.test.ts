/**
 * RFC 8448 §5 (HelloRetryRequest) from the client's side: with the trace's client random and its
 * X25519 and P-256 keys injected, our client sends the RFC's first ClientHello, answers the RFC's
 * HelloRetryRequest (with its cookie) with the RFC's second ClientHello (RFC 7685 padding
 * included), accepts the server's flight and sends the RFC's Finished and close_notify records.
 */
import { nobleProvider } from '@layersec/crypto-primitives';
import { concatBytes, toHex } from '@layersec/wire';
import { CipherSuite, ExtensionType, NamedGroup, PskKeyExchangeMode } from '../constants.js';
import type { TlsEvent } from '../connection.js';
import { decodeHandshake } from '../messages/index.js';
import { fixedRandom } from '../test-support/fixed-random.js';
import { RFC8448_HRR as H } from '../test-support/rfc8448.js';
import { pinnedRfcCertificate } from '../test-support/rfc8448-client.js';
import { ClientConnection } from './client-connection.js';

function transmitted(events: TlsEvent[]): string {
  return toHex(concatBytes(...events.flatMap((e) => (e.type === 'transmit' ? [e.data] : []))));
}

it('RFC 8448 §5: every client record of the HelloRetryRequest trace, byte for byte', () => {
  const clientRandom = decodeHandshake(H.client_hello_1_record.subarray(5)).body.subarray(2, 34);
  const c = new ClientConnection({
    provider: nobleProvider,
    random: fixedRandom(clientRandom),
    now: () => Date.UTC(2018, 0, 1),
    versions: ['TLSv1.3'],
    middleboxCompatibility: false,
    clientHelloPadding: true,
    serverName: 'server',
    cipherSuites: [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_CHACHA20_POLY1305_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384],
    supportedGroups: [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1],
    keyShareGroups: [NamedGroup.x25519],
    signatureAlgorithms: [0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202],
    pskKeyExchangeModes: [PskKeyExchangeMode.psk_dhe_ke],
    recordSizeLimit: 0x4001,
    ephemeralPrivateKeys: { x25519: H.client_x25519_private_key, secp256r1: H.client_p256_private_key },
    verifier: pinnedRfcCertificate,
    // The RFC client also sends renegotiation_info (RFC 5746), which this client sends only when offering TLS 1.2.
    customizeClientHello: (hello) => {
      const ext = [...hello.extensions];
      ext.splice(1, 0, { extension_type: ExtensionType.renegotiation_info, extension_data: Uint8Array.of(0) });
      return { ...hello, extensions: ext };
    },
  });
  c.start();
  expect(transmitted(c.takeEvents())).toBe(toHex(H.client_hello_1_record));
  c.receive(H.hello_retry_request_record);
  expect(c.error).toBeUndefined();
  expect(transmitted(c.takeEvents())).toBe(toHex(H.client_hello_2_record));
  c.receive(concatBytes(H.server_hello_record, H.server_handshake_record));
  const ev = c.takeEvents();
  expect(c.error).toBeUndefined();
  expect(transmitted(ev)).toBe(toHex(H.client_finished_record));
  const keys = Object.fromEntries(ev.flatMap((e) => (e.type === 'keylog' ? [[e.label, toHex(e.secret)]] : [])));
  expect(keys).toEqual({
    CLIENT_HANDSHAKE_TRAFFIC_SECRET: toHex(H.client_handshake_traffic_secret),
    SERVER_HANDSHAKE_TRAFFIC_SECRET: toHex(H.server_handshake_traffic_secret),
    CLIENT_TRAFFIC_SECRET_0: toHex(H.client_application_traffic_secret_0),
    SERVER_TRAFFIC_SECRET_0: toHex(H.server_application_traffic_secret_0),
    EXPORTER_SECRET: toHex(H.exporter_master_secret),
  });
  expect(c.session?.helloRetryRequest).toBe(true);
  expect(c.session?.groupName).toBe('secp256r1');
  c.close();
  expect(transmitted(c.takeEvents())).toBe(toHex(H.client_close_notify_record));
  c.receive(H.server_close_notify_record);
  expect(c.takeEvents()).toEqual([{ type: 'peerClosed' }]);
});
