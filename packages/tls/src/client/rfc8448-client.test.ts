/**
 * RFC 8448 §3 from the client's side: with the trace's client random and X25519 key injected, our
 * ClientConnection sends the RFC's ClientHello record, accepts the RFC server's records, and
 * answers with the RFC's client Finished, application data and close_notify records byte for byte.
 */
import { concatBytes, toHex } from '@layersec/wire';
import type { TlsEvent } from '../connection.js';
import { RFC8448 as V } from '../test-support/rfc8448.js';
import { rfc8448Client } from '../test-support/rfc8448-client.js';

function transmitted(events: TlsEvent[]): string {
  return toHex(concatBytes(...events.flatMap((e) => (e.type === 'transmit' ? [e.data] : []))));
}

describe('RFC 8448 §3 simple 1-RTT handshake, client role', () => {
  it('reproduces every client record of the trace', () => {
    const c = rfc8448Client();
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
    const c = rfc8448Client();
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
    const c = rfc8448Client();
    c.start();
    c.receive(V.server_hello_record);
    // A handshake record sent in the clear after the keys changed is refused.
    c.receive(concatBytes(Uint8Array.of(0x16, 3, 3, 0, V.server_finished.length), V.server_finished));
    expect(c.error?.alertName).toBe('unexpected_message');
  });
});
