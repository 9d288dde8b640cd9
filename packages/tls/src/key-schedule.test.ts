/**
 * The TLS 1.3 key schedule and record protection reproduce RFC 8448 §3 value for value, with both
 * crypto providers.
 */
import { nobleProvider } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { concatBytes, toHex } from '@layersec/wire';
import { ContentType } from './constants.js';
import { Tls13KeySchedule } from './key-schedule.js';
import { RecordDeframer } from './record/record.js';
import { Tls13RecordProtection } from './record/protection.js';
import { RFC8448 as V } from './test-support/rfc8448.js';

describe.each([
  ['noble', nobleProvider],
  ['node', nodeProvider],
])('RFC 8448 §3 key schedule (%s)', (_name, provider) => {
  const sha256 = (...m: Uint8Array[]) => provider.hash('SHA-256').digest(concatBytes(...m));

  it('derives every secret, key and IV of the trace', () => {
    const ks = new Tls13KeySchedule(provider, 'SHA-256');
    expect(toHex(ks.earlySecret)).toBe(toHex(V.early_secret));
    const shared = provider.keyExchange('x25519').computeSharedSecret(V.server_x25519_private_key, V.client_x25519_public_key);
    expect(toHex(shared)).toBe(toHex(V.ecdhe_shared_secret));
    expect(toHex(ks.deriveHandshakeSecret(shared))).toBe(toHex(V.handshake_secret));
    const hs = ks.handshakeTrafficSecrets(sha256(V.client_hello, V.server_hello));
    expect(toHex(hs.client)).toBe(toHex(V.client_handshake_traffic_secret));
    expect(toHex(hs.server)).toBe(toHex(V.server_handshake_traffic_secret));
    const sk = ks.trafficKeys(hs.server, 16);
    expect(toHex(sk.key)).toBe(toHex(V.server_handshake_key));
    expect(toHex(sk.iv)).toBe(toHex(V.server_handshake_iv));
    expect(toHex(ks.deriveMasterSecret())).toBe(toHex(V.master_secret));

    const toCv = [V.client_hello, V.server_hello, V.encrypted_extensions, V.certificate, V.certificate_verify];
    expect(toHex(ks.finishedVerifyData(hs.server, sha256(...toCv)))).toBe(toHex(V.server_finished.subarray(4)));
    expect(ks.verifyFinished(hs.server, sha256(...toCv), V.server_finished.subarray(4))).toBe(true);
    const toSf = [...toCv, V.server_finished];
    const ap = ks.applicationTrafficSecrets(sha256(...toSf));
    expect(toHex(ap.client)).toBe(toHex(V.client_application_traffic_secret_0));
    expect(toHex(ap.server)).toBe(toHex(V.server_application_traffic_secret_0));
    expect(toHex(ap.exporter)).toBe(toHex(V.exporter_master_secret));
    expect(toHex(ks.finishedVerifyData(hs.client, sha256(...toSf)))).toBe(toHex(V.client_finished.subarray(4)));
    expect(toHex(ks.resumptionMasterSecret(sha256(...toSf, V.client_finished)))).toBe(toHex(V.resumption_master_secret));
  });

  it('seals the client Finished and application data records byte for byte, and opens the server ones', () => {
    const cw = new Tls13RecordProtection(provider.aead('AES-128-GCM', V.client_handshake_key), V.client_handshake_iv);
    expect(toHex(cw.seal(ContentType.handshake, V.client_finished))).toBe(toHex(V.client_finished_record));
    const capp = new Tls13RecordProtection(provider.aead('AES-128-GCM', V.client_application_key), V.client_application_iv);
    expect(toHex(capp.seal(ContentType.application_data, V.application_data_payload))).toBe(toHex(V.client_application_data_record));

    const d = new RecordDeframer();
    d.push(V.server_handshake_record);
    const sr = new Tls13RecordProtection(provider.aead('AES-128-GCM', V.server_handshake_key), V.server_handshake_iv);
    const flight = sr.open(d.next()!);
    expect(flight.type).toBe(ContentType.handshake);
    expect(toHex(flight.content)).toBe(
      toHex(concatBytes(V.encrypted_extensions, V.certificate, V.certificate_verify, V.server_finished)),
    );

    const sapp = new Tls13RecordProtection(provider.aead('AES-128-GCM', V.server_application_key), V.server_application_iv);
    d.push(concatBytes(V.new_session_ticket_record, V.server_application_data_record, V.server_close_notify_record));
    expect(toHex(sapp.open(d.next()!).content)).toBe(toHex(V.new_session_ticket));
    const app = sapp.open(d.next()!);
    expect(app.type).toBe(ContentType.application_data);
    expect(toHex(app.content)).toBe(toHex(V.application_data_payload));
    const alert = sapp.open(d.next()!);
    expect(alert.type).toBe(ContentType.alert);
    expect(toHex(alert.content)).toBe('0100');
  });

  it('refuses a record whose tag does not verify, releasing nothing', () => {
    const sr = new Tls13RecordProtection(provider.aead('AES-128-GCM', V.server_handshake_key), V.server_handshake_iv);
    const bad = V.server_handshake_record.slice();
    bad[100] ^= 1;
    const d = new RecordDeframer();
    d.push(bad);
    expect(() => sr.open(d.next()!)).toThrow(/bad_record_mac/);
  });
});
