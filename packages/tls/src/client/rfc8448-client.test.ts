/**
 * RFC 8448 §3 from the client's side: with the trace's client random and X25519 key injected, our
 * ClientConnection sends the RFC's ClientHello record, accepts the RFC server's records, and
 * answers with the RFC's client Finished, application data and close_notify records byte for byte.
 */
import { nobleProvider, type PublicKey } from '@layersec/crypto-primitives';
import { bytesEqual, bytesToBigInt, concatBytes, toHex } from '@layersec/wire';
import type { CertificateVerifier } from '../config.js';
import { CipherSuite, ExtensionType, NamedGroup, PskKeyExchangeMode } from '../constants.js';
import type { TlsEvent } from '../connection.js';
import { fixedRandom } from '../test-support/fixed-random.js';
import { RFC8448 as V, RFC8448_RSA_KEY as K } from '../test-support/rfc8448.js';
import { ClientConnection } from './client-connection.js';
import { decodeCertificate, decodeHandshake } from '../messages/index.js';

/** Pins the RFC's certificate and gives the public key of RFC 8448 §2 (the trace's cert is self-signed "rsa"). */
const pinnedRfcCertificate: CertificateVerifier = {
  verify(chain): PublicKey {
    const rfcCert = decodeCertificate(decodeHandshake(V.certificate).body).certificate_list[0].cert_data;
    if (chain.length !== 1 || !bytesEqual(chain[0], rfcCert)) throw new Error('not the RFC 8448 certificate');
    return { type: 'rsa', n: bytesToBigInt(K.modulus), e: bytesToBigInt(K.public_exponent) };
  },
};

function transmitted(events: TlsEvent[]): string {
  return toHex(concatBytes(...events.flatMap((e) => (e.type === 'transmit' ? [e.data] : []))));
}

describe('RFC 8448 §3 simple 1-RTT handshake, client role', () => {
  const clientRandom = decodeHandshake(V.client_hello).body.subarray(2, 34);

  function client() {
    return new ClientConnection({
      provider: nobleProvider,
      random: fixedRandom(clientRandom),
      now: () => Date.UTC(2018, 0, 1),
      versions: ['TLSv1.3'],
      middleboxCompatibility: false,
      serverName: 'server',
      cipherSuites: [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_CHACHA20_POLY1305_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384],
      supportedGroups: [
        NamedGroup.x25519,
        NamedGroup.secp256r1,
        NamedGroup.secp384r1,
        NamedGroup.secp521r1,
        NamedGroup.ffdhe2048,
        NamedGroup.ffdhe3072,
        NamedGroup.ffdhe4096,
        NamedGroup.ffdhe6144,
        NamedGroup.ffdhe8192,
      ],
      keyShareGroups: [NamedGroup.x25519],
      // The RFC client's signature_algorithms list, in its order.
      signatureAlgorithms: [0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202],
      pskKeyExchangeModes: [PskKeyExchangeMode.psk_dhe_ke],
      recordSizeLimit: 0x4001,
      ephemeralPrivateKeys: { x25519: V.client_x25519_private_key },
      verifier: pinnedRfcCertificate,
      // The RFC client (NSS) also sends the TLS 1.2 extensions renegotiation_info (RFC 5746) and
      // session_ticket (RFC 5077), which this client sends only when it offers TLS 1.2.
      customizeClientHello: (hello) => {
        const ext = [...hello.extensions];
        ext.splice(1, 0, { extension_type: ExtensionType.renegotiation_info, extension_data: Uint8Array.of(0) });
        ext.splice(3, 0, { extension_type: ExtensionType.session_ticket, extension_data: new Uint8Array(0) });
        return { ...hello, extensions: ext };
      },
    });
  }

  it('reproduces every client record of the trace', () => {
    const c = client();
    c.start();
    let ev = c.takeEvents();
    expect(transmitted(ev)).toBe(toHex(V.client_hello_record));

    c.receive(V.server_hello_record);
    c.receive(V.server_handshake_record);
    ev = c.takeEvents();
    expect(c.error).toBeUndefined();
    expect(transmitted(ev)).toBe(toHex(V.client_finished_record));
    const done = ev.find((e) => e.type === 'handshakeComplete');
    expect(done && done.type === 'handshakeComplete' && done.session.cipherSuiteName).toBe('TLS_AES_128_GCM_SHA256');
    const keys = Object.fromEntries(ev.flatMap((e) => (e.type === 'keylog' ? [[e.label, toHex(e.secret)]] : [])));
    expect(keys).toEqual({
      CLIENT_HANDSHAKE_TRAFFIC_SECRET: toHex(V.client_handshake_traffic_secret),
      SERVER_HANDSHAKE_TRAFFIC_SECRET: toHex(V.server_handshake_traffic_secret),
      CLIENT_TRAFFIC_SECRET_0: toHex(V.client_application_traffic_secret_0),
      SERVER_TRAFFIC_SECRET_0: toHex(V.server_application_traffic_secret_0),
      EXPORTER_SECRET: toHex(V.exporter_master_secret),
    });

    c.receive(V.new_session_ticket_record);
    ev = c.takeEvents();
    const t = ev.find((e) => e.type === 'sessionTicket');
    expect(t && t.type === 'sessionTicket' && toHex(t.ticket.psk)).toBe(toHex(V.resumption_psk));

    c.send(V.application_data_payload);
    expect(transmitted(c.takeEvents())).toBe(toHex(V.client_application_data_record));

    c.receive(V.server_application_data_record);
    ev = c.takeEvents();
    expect(ev).toEqual([{ type: 'applicationData', data: V.application_data_payload }]);

    c.close();
    expect(transmitted(c.takeEvents())).toBe(toHex(V.client_close_notify_record));
    c.receive(V.server_close_notify_record);
    expect(c.takeEvents()).toEqual([{ type: 'peerClosed' }]);
    expect(c.isClosed).toBe(true);
  });

  it('answers a tampered server flight with bad_record_mac and sends the alert', () => {
    const c = client();
    c.start();
    c.receive(V.server_hello_record);
    const bad = V.server_handshake_record.slice();
    bad[bad.length - 1] ^= 0x80;
    c.receive(bad);
    expect(c.error?.alertName).toBe('bad_record_mac');
    const ev = c.takeEvents();
    expect(ev.some((e) => e.type === 'alertSent')).toBe(true);
  });

  it('refuses a server Finished replayed in place of EncryptedExtensions as unexpected_message', () => {
    const c = client();
    c.start();
    c.receive(V.server_hello_record);
    // A handshake record sent in the clear after the keys changed is refused.
    c.receive(concatBytes(Uint8Array.of(0x16, 3, 3, 0, V.server_finished.length), V.server_finished));
    expect(c.error?.alertName).toBe('unexpected_message');
  });
});
