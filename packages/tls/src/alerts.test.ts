/**
 * Bad input becomes the alert RFC 8446 names for it (§5, §6), sent to the peer, and reported on
 * both sides; nothing from a record that fails its check is released.
 */
import { nobleProvider } from '@layersec/crypto-primitives';
import { concatBytes, utf8 } from '@layersec/wire';
import { x509Verifier } from './certificates.js';
import { ClientConnection } from './client/client-connection.js';
import { AlertDescription, AlertLevel, ContentType } from './constants.js';
import { encodeAlert } from './messages/alert.js';
import { encodeRecord } from './record/record.js';
import { ServerConnection } from './server/server-connection.js';
import { identity, testTrustStore } from './test-support/pki.js';
import { pipe } from './test-support/pipe.js';
import { RFC8448 as V } from './test-support/rfc8448.js';

const provider = nobleProvider;

function established() {
  const id = identity('server-ecdsa-p256');
  const s = new ServerConnection({ provider, certificateChain: id.chain, privateKey: id.key });
  const c = new ClientConnection({ provider, serverName: 'localhost', verifier: x509Verifier({ trustAnchors: testTrustStore(), provider }) });
  c.start();
  pipe(c, s);
  expect(c.isHandshakeComplete && s.isHandshakeComplete).toBe(true);
  return { c, s };
}

function serverWith(bytes: Uint8Array) {
  const s = new ServerConnection({ provider, versions: ['TLSv1.3'] });
  s.receive(bytes);
  return s;
}

describe('record layer refusals', () => {
  it('unknown content type → unexpected_message', () => {
    expect(serverWith(Uint8Array.of(99, 3, 3, 0, 1, 0)).error?.alertName).toBe('unexpected_message');
  });
  it('record longer than 2^14 + 2048 → record_overflow, before it is buffered', () => {
    expect(serverWith(Uint8Array.of(22, 3, 3, 0x48, 0x01)).error?.alertName).toBe('record_overflow');
  });
  it('plaintext record longer than 2^14 → record_overflow', () => {
    expect(serverWith(encodeRecord(22, 0x0303, new Uint8Array((1 << 14) + 1))).error?.alertName).toBe('record_overflow');
  });
  it('empty handshake record → unexpected_message', () => {
    expect(serverWith(encodeRecord(22, 0x0303, new Uint8Array(0))).error?.alertName).toBe('unexpected_message');
  });
  it('application data before the handshake → unexpected_message', () => {
    expect(serverWith(encodeRecord(23, 0x0303, utf8('early'))).error?.alertName).toBe('unexpected_message');
  });
  it('a first message other than ClientHello → unexpected_message', () => {
    expect(serverWith(encodeRecord(22, 0x0303, V.server_hello)).error?.alertName).toBe('unexpected_message');
  });
  it('a record version whose major is not 3 → protocol_version', () => {
    expect(serverWith(Uint8Array.of(22, 2, 0, 0, 1, 1)).error?.alertName).toBe('protocol_version');
  });
  it('a truncated ClientHello inside a well-formed record → decode_error', () => {
    expect(serverWith(encodeRecord(22, 0x0301, concatBytes(Uint8Array.of(1, 0, 0, 10), new Uint8Array(10)))).error?.alertName).toBe('decode_error');
  });
});

describe('after the handshake', () => {
  it('a tampered application record → bad_record_mac, no data released, alert sent protected', () => {
    const { c, s } = established();
    c.send(utf8('secret'));
    const [rec] = c.takeEvents().flatMap((e) => (e.type === 'transmit' ? [e.data] : []));
    rec[rec.length - 1] ^= 1;
    s.receive(rec);
    const ev = s.takeEvents();
    expect(ev.some((e) => e.type === 'applicationData')).toBe(false);
    expect(s.error?.alertName).toBe('bad_record_mac');
    // The alert reaches the client under the server's traffic keys.
    for (const e of ev) if (e.type === 'transmit') c.receive(e.data);
    expect(c.error?.alertName).toBe('bad_record_mac');
    expect(c.error?.sent).toBe(false);
  });

  it('a change_cipher_spec after the handshake (TLS 1.3) → unexpected_message', () => {
    const { c } = established();
    c.receive(encodeRecord(ContentType.change_cipher_spec, 0x0303, Uint8Array.of(1)));
    expect(c.error?.alertName).toBe('unexpected_message');
  });

  it('a warning alert other than close_notify ends a TLS 1.3 connection (§6)', () => {
    const { c, s } = established();
    // user_canceled at warning level, protected under the server's traffic keys like any record
    s.writeRecords(ContentType.alert, encodeAlert({ level: AlertLevel.warning, description: AlertDescription.user_canceled }));
    for (const e of s.takeEvents()) if (e.type === 'transmit') c.receive(e.data);
    expect(c.error?.alertName).toBe('user_canceled');
    expect(() => c.send(utf8('x'))).toThrow(/user_canceled/);
  });

  it('an unprotected ClientHello on an established TLS 1.3 connection → unexpected_message', () => {
    const { s } = established();
    s.receive(encodeRecord(22, 0x0303, V.client_hello));
    expect(s.error?.alertName).toBe('unexpected_message');
  });

  it('a protected ClientHello on an established TLS 1.3 connection → unexpected_message (the shared check)', () => {
    const { c, s } = established();
    c.writeRecords(ContentType.handshake, V.client_hello);
    c.takeEvents().forEach((e) => e.type === 'transmit' && s.receive(e.data));
    expect(s.error?.alertName).toBe('unexpected_message');
    expect(s.error?.message).toMatch(/client_hello while in ExpectTraffic/);
  });

  it('after close() sending is refused and the peer sees close_notify', () => {
    const { c, s } = established();
    c.close();
    c.takeEvents().forEach((e) => e.type === 'transmit' && s.receive(e.data));
    expect(s.takeEvents().some((e) => e.type === 'peerClosed')).toBe(true);
    expect(() => c.send(utf8('late'))).toThrow(/closed for writing/);
  });
});
