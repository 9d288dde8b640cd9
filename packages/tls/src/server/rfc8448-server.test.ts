/**
 * RFC 8448 §3 from the server's side: with the trace's server random, X25519 key and RSA key (§2)
 * injected, and the RSA-PSS salt the RFC's signature carries, our ServerConnection answers the RFC
 * ClientHello with the RFC's ServerHello and encrypted flight byte for byte, accepts the RFC
 * client's Finished, and sends the RFC's application data and close_notify records.
 */
import { nobleProvider, type PrivateKey } from '@layersec/crypto-primitives';
import { bytesToBigInt, concatBytes, toHex } from '@layersec/wire';
import { CipherSuite, NamedGroup } from '../constants.js';
import type { TlsEvent } from '../connection.js';
import { decodeCertificate, decodeCertificateVerify, decodeHandshake, decodeServerHello } from '../messages/index.js';
import { fixedRandom } from '../test-support/fixed-random.js';
import { RFC8448 as V, RFC8448_RSA_KEY as K } from '../test-support/rfc8448.js';
import { ServerConnection } from './server-connection.js';

const n = bytesToBigInt(K.modulus);
const e = bytesToBigInt(K.public_exponent);
const rsaKey: PrivateKey = {
  type: 'rsa',
  n,
  e,
  d: bytesToBigInt(K.private_exponent),
  p: bytesToBigInt(K.prime1),
  q: bytesToBigInt(K.prime2),
  dp: bytesToBigInt(K.exponent1),
  dq: bytesToBigInt(K.exponent2),
  qi: bytesToBigInt(K.coefficient),
};

function modPow(b: bigint, x: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  for (; x > 0n; x >>= 1n, b = (b * b) % m) if (x & 1n) r = (r * b) % m;
  return r;
}

/**
 * The salt inside the RFC's RSA-PSS signature (RFC 8017 §9.1.2 steps 7-10 run on the RFC's own
 * signature with the RFC's public key): EM = s^e mod n = maskedDB || H || 0xbc, DB = PS || 01 || salt.
 */
function saltOfRfcSignature(): Uint8Array {
  const sig = decodeCertificateVerify(decodeHandshake(V.certificate_verify).body).signature;
  const emLen = 128;
  let m = modPow(bytesToBigInt(sig), e, n);
  const em = new Uint8Array(emLen);
  for (let i = emLen - 1; i >= 0; i--, m >>= 8n) em[i] = Number(m & 0xffn);
  const hLen = 32;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const mask = new Uint8Array(maskedDb.length);
  for (let counter = 0, off = 0; off < mask.length; counter++, off += hLen) {
    const block = nobleProvider.hash('SHA-256').digest(concatBytes(h, Uint8Array.of(0, 0, 0, counter)));
    mask.set(block.subarray(0, Math.min(hLen, mask.length - off)), off);
  }
  const db = maskedDb.map((b, i) => b ^ mask[i]);
  db[0] &= 0x7f;
  const sep = db.indexOf(1);
  return db.slice(sep + 1);
}

function transmitted(events: TlsEvent[]): string {
  return toHex(concatBytes(...events.flatMap((ev) => (ev.type === 'transmit' ? [ev.data] : []))));
}

describe('RFC 8448 §3 simple 1-RTT handshake, server role', () => {
  it('reproduces every server record of the trace (the session ticket aside)', () => {
    const serverRandom = decodeServerHello(decodeHandshake(V.server_hello).body).random;
    const salt = saltOfRfcSignature();
    expect(salt.length).toBe(32);
    const s = new ServerConnection({
      provider: nobleProvider,
      random: fixedRandom(serverRandom, salt),
      now: () => Date.UTC(2018, 0, 1),
      versions: ['TLSv1.3'],
      cipherSuites: [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256],
      supportedGroups: [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1],
      // The RFC server (NSS) advertises every group it knows in EncryptedExtensions.
      advertisedGroups: [
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
      recordSizeLimit: 0x4001,
      certificateChain: decodeCertificate(decodeHandshake(V.certificate).body).certificate_list.map((c) => c.cert_data),
      privateKey: rsaKey,
      ephemeralPrivateKeys: { x25519: V.server_x25519_private_key },
      ticketKey: new Uint8Array(32).fill(7),
      sessionTickets: 1,
    });

    s.receive(V.client_hello_record);
    let ev = s.takeEvents();
    expect(s.error).toBeUndefined();
    expect(transmitted(ev)).toBe(toHex(concatBytes(V.server_hello_record, V.server_handshake_record)));

    s.receive(V.client_finished_record);
    ev = s.takeEvents();
    expect(s.error).toBeUndefined();
    expect(ev.some((x) => x.type === 'handshakeComplete')).toBe(true);
    // One NewSessionTicket record (our own ticket format, so not the RFC's bytes) uses sequence number 0.
    expect(ev.filter((x) => x.type === 'transmit')).toHaveLength(1);

    s.send(V.application_data_payload);
    expect(transmitted(s.takeEvents())).toBe(toHex(V.server_application_data_record));

    s.receive(V.client_application_data_record);
    expect(s.takeEvents()).toEqual([{ type: 'applicationData', data: V.application_data_payload }]);

    s.receive(V.client_close_notify_record);
    expect(s.takeEvents()).toEqual([{ type: 'peerClosed' }]);
    s.close();
    expect(transmitted(s.takeEvents())).toBe(toHex(V.server_close_notify_record));
  });
});
