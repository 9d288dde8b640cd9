/**
 * Fuzzing (fast-check): every record and handshake decoder, and both connection roles fed
 * arbitrary or mutated bytes, only ever fail with DecodeError or TlsAlertError — never another
 * exception, hang or unbounded buffering — and a connection turns bad input into a sent alert.
 */
import fc from 'fast-check';
import { nobleProvider } from '@layersec/crypto-primitives';
import { DecodeError, concatBytes } from '@layersec/wire';
import { ClientConnection } from './client/client-connection.js';
import { TlsAlertError } from './errors.js';
import * as m from './messages/index.js';
import { RecordDeframer } from './record/record.js';
import { ServerConnection } from './server/server-connection.js';
import { RFC8448 as V } from './test-support/rfc8448.js';
import { rfc8448Client } from './test-support/rfc8448-client.js';
import { identity } from './test-support/pki.js';

const DECODERS: Array<[string, (b: Uint8Array) => unknown]> = [
  ['ClientHello', m.decodeClientHello],
  ['ServerHello', m.decodeServerHello],
  ['EncryptedExtensions', m.decodeEncryptedExtensions],
  ['Certificate', m.decodeCertificate],
  ['CertificateRequest', m.decodeCertificateRequest],
  ['CertificateVerify', m.decodeCertificateVerify],
  ['NewSessionTicket', m.decodeNewSessionTicket],
  ['KeyUpdate', m.decodeKeyUpdate],
  ['Finished', (b) => m.decodeFinished(b, 32)],
  ['Alert', m.decodeAlert],
  ['Handshake', m.decodeHandshake],
  ['server_name', m.decodeServerName],
  ['supported_groups', m.decodeSupportedGroups],
  ['signature_algorithms', m.decodeSignatureAlgorithms],
  ['supported_versions (CH)', m.decodeSupportedVersionsClient],
  ['supported_versions (SH)', m.decodeSupportedVersionsServer],
  ['key_share (CH)', m.decodeKeyShareClientHello],
  ['key_share (SH)', m.decodeKeyShareServerHello],
  ['key_share (HRR)', m.decodeKeyShareHelloRetryRequest],
  ['ALPN', m.decodeAlpn],
  ['psk_key_exchange_modes', m.decodePskKeyExchangeModes],
  ['pre_shared_key (CH)', m.decodeOfferedPsks],
  ['pre_shared_key (SH)', m.decodeSelectedIdentity],
  ['cookie', m.decodeCookie],
  ['record_size_limit', m.decodeRecordSizeLimit],
  ['renegotiation_info', m.decodeRenegotiationInfo],
  ['ec_point_formats', m.decodeEcPointFormats],
  ['Certificate (TLS 1.2)', m.decodeCertificate12],
  ['ServerKeyExchange (ECDHE)', m.decodeServerKeyExchangeEcdhe],
  ['ServerKeyExchange (PSK)', (b) => m.decodeServerKeyExchangePsk(b, false)],
  ['ServerKeyExchange (ECDHE_PSK)', (b) => m.decodeServerKeyExchangePsk(b, true)],
  ['CertificateRequest (TLS 1.2)', m.decodeCertificateRequest12],
  ['ServerHelloDone', m.decodeServerHelloDone],
  ['ClientKeyExchange (ECDHE)', m.decodeClientKeyExchangeEcdhe],
  ['ClientKeyExchange (PSK)', (b) => m.decodeClientKeyExchangePsk(b, true)],
  ['NewSessionTicket (TLS 1.2)', m.decodeNewSessionTicket12],
];

const typed = (e: unknown) => e instanceof DecodeError || e instanceof TlsAlertError;

/** Bytes near valid ones: a real message with a few bytes changed, cut or extended. */
function mutated(base: Uint8Array) {
  return fc
    .tuple(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(base.length), fc.uint8Array({ maxLength: 8 }))
    .map(([edits, cut, tail]) => {
      const b = base.slice();
      for (const [i, v] of edits) b[i] = v;
      return concatBytes(b.subarray(0, cut), tail);
    });
}

describe('decoders throw only typed errors', () => {
  it.each(DECODERS)('%s on arbitrary bytes', (_name, decode) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          decode(b);
        } catch (e) {
          if (!typed(e)) throw e;
        }
      }),
      { numRuns: 400 },
    );
  });

  it.each([
    ['ClientHello', m.decodeClientHello, V.client_hello.subarray(4)],
    ['ServerHello', m.decodeServerHello, V.server_hello.subarray(4)],
    ['Certificate', m.decodeCertificate, V.certificate.subarray(4)],
    ['NewSessionTicket', m.decodeNewSessionTicket, V.new_session_ticket.subarray(4)],
  ] as const)('%s on mutations of the RFC 8448 message', (_name, decode, base) => {
    fc.assert(
      fc.property(mutated(base), (b) => {
        try {
          decode(b);
        } catch (e) {
          if (!typed(e)) throw e;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('the record deframer refuses or waits, and never buffers beyond one record', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 10 }), (chunks) => {
        const d = new RecordDeframer();
        try {
          for (const c of chunks) {
            d.push(c);
            while (d.next());
          }
          expect(d.bufferedBytes).toBeLessThanOrEqual(5 + (1 << 14) + 2048);
        } catch (e) {
          if (!typed(e)) throw e;
        }
      }),
    );
  });
});

describe('connections turn garbage into alerts', () => {
  it('a server fed mutated RFC 8448 ClientHello records ends with a typed alert or a ServerHello', () => {
    fc.assert(
      fc.property(mutated(V.client_hello_record), (b) => {
        const s = new ServerConnection({ provider: nobleProvider, versions: ['TLSv1.3'] });
        s.receive(b);
        // internal_error is what an untyped exception would have become.
        for (const e of s.takeEvents()) if (e.type === 'alertSent') expect(e.error.alertName).not.toBe('internal_error');
      }),
      { numRuns: 300 },
    );
  });

  it('a client fed mutated RFC 8448 server flights ends with a typed alert', () => {
    fc.assert(
      fc.property(mutated(concatBytes(V.server_hello_record, V.server_handshake_record)), (b) => {
        const c = rfc8448Client();
        c.start();
        c.takeEvents();
        c.receive(b);
        for (const e of c.takeEvents()) if (e.type === 'alertSent') expect(e.error.alertName).not.toBe('internal_error');
      }),
      { numRuns: 300 },
    );
  });

  it('a ServerHello answering a ClientHello we never sent (truncated and downgraded handshakes) is refused', () => {
    const c = new ClientConnection({ provider: nobleProvider });
    c.start();
    c.takeEvents();
    // A TLS 1.2 ServerHello whose random carries the TLS 1.3 downgrade sentinel (RFC 8446 §4.1.3).
    const random = concatBytes(new Uint8Array(24).fill(1), new TextEncoder().encode('DOWNGRD'), Uint8Array.of(1));
    const sh = m.encodeServerHello({
      legacy_version: 0x0303,
      random,
      legacy_session_id_echo: new Uint8Array(32),
      cipher_suite: 0xc02b,
      legacy_compression_method: 0,
      extensions: [],
    });
    c.receive(concatBytes(Uint8Array.of(22, 3, 3, sh.length >> 8, sh.length & 0xff), sh));
    expect(c.error?.alertName).toBe('illegal_parameter');
  });

  it('a TLS 1.2 server fed mutated ClientHellos and garbage after them ends with a typed alert', () => {
    const id = identity('server-ecdsa-p256');
    const hello = (() => {
      const c = new ClientConnection({ provider: nobleProvider, versions: ['TLSv1.2'], serverName: 'localhost' });
      c.start();
      const t = c.takeEvents().find((e) => e.type === 'transmit');
      return t && t.type === 'transmit' ? t.data : new Uint8Array(0);
    })();
    fc.assert(
      fc.property(mutated(hello), fc.uint8Array({ maxLength: 200 }), (b, tail) => {
        const s = new ServerConnection({ provider: nobleProvider, certificateChain: id.chain, privateKey: id.key, ticketKey: new Uint8Array(32) });
        s.receive(b);
        s.receive(tail);
        for (const e of s.takeEvents()) if (e.type === 'alertSent') expect(e.error.alertName).not.toBe('internal_error');
      }),
      { numRuns: 200 },
    );
  });
});
