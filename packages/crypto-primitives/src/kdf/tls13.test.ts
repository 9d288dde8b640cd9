/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1, §7.3, §4.4.4) built from hkdfExtract, Derive-Secret and
 * HKDF-Expand-Label, on both providers, against:
 * - RFC 8448 §3 (Simple 1-RTT Handshake): every secret, key, IV and the server Finished from the
 *   trace's own handshake messages (test-vectors/rfc8448-simple-1rtt.json), starting from the
 *   X25519 shared secret the trace's key shares give;
 * - an ACVP TLS-v1.3-KDF-RFC8446 case with all eight secrets (test-vectors/acvp/tls-v1.3-kdf-rfc8446.json).
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { loadVectors } from '@layersec/test-vectors';
import { nobleKeyExchange } from '../noble/key-exchange.js';
import { PROVIDERS } from '../test-support/providers.js';
import type { CryptoProvider, HashName } from '../types.js';
import { deriveSecret, deriveSecretFromMessages, hashLength, hkdfExtract, tls13FinishedKey, tls13TrafficKeys } from './hkdf.js';

/** RFC 8448 prints bytes as spaced hex. */
const h = (spaced: string): Uint8Array => hexToBytes(spaced.replace(/\s+/g, ''));
const hex = (bytes: Uint8Array): string => bytesToHex(bytes);

const trace = loadVectors<Record<string, string>>('rfc8448-simple-1rtt.json');

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** The RFC 8446 §7.1 schedule, with transcript hashes supplied by the caller. */
function keySchedule(
  provider: CryptoProvider,
  hash: HashName,
  psk: Uint8Array | undefined,
  dhe: Uint8Array | undefined,
  transcript: { ch: Uint8Array; chSh: Uint8Array; chSf: Uint8Array; chCf: Uint8Array },
) {
  const zeros = new Uint8Array(hashLength(provider, hash));
  const earlySecret = hkdfExtract(provider, hash, undefined, psk ?? zeros);
  const derivedForHandshake = deriveSecretFromMessages(provider, hash, earlySecret, 'derived', new Uint8Array(0));
  const handshakeSecret = hkdfExtract(provider, hash, derivedForHandshake, dhe ?? zeros);
  const derivedForMaster = deriveSecretFromMessages(provider, hash, handshakeSecret, 'derived', new Uint8Array(0));
  const masterSecret = hkdfExtract(provider, hash, derivedForMaster, zeros);
  return {
    earlySecret,
    clientEarlyTrafficSecret: deriveSecret(provider, hash, earlySecret, 'c e traffic', transcript.ch),
    earlyExporterMasterSecret: deriveSecret(provider, hash, earlySecret, 'e exp master', transcript.ch),
    derivedForHandshake,
    handshakeSecret,
    clientHandshakeTrafficSecret: deriveSecret(provider, hash, handshakeSecret, 'c hs traffic', transcript.chSh),
    serverHandshakeTrafficSecret: deriveSecret(provider, hash, handshakeSecret, 's hs traffic', transcript.chSh),
    derivedForMaster,
    masterSecret,
    clientApplicationTrafficSecret: deriveSecret(provider, hash, masterSecret, 'c ap traffic', transcript.chSf),
    serverApplicationTrafficSecret: deriveSecret(provider, hash, masterSecret, 's ap traffic', transcript.chSf),
    exporterMasterSecret: deriveSecret(provider, hash, masterSecret, 'exp master', transcript.chSf),
    resumptionMasterSecret: deriveSecret(provider, hash, masterSecret, 'res master', transcript.chCf),
  };
}

describe.each(PROVIDERS)('TLS 1.3 key schedule on %s', (_name, provider) => {
  test('RFC 8448 §3 Simple 1-RTT Handshake (TLS_AES_128_GCM_SHA256, x25519)', () => {
    const sha256 = (data: Uint8Array): Uint8Array => provider.hash('SHA-256').digest(data);
    // {server}/{client} "create an ephemeral x25519 key pair" and "derive secret for handshake".
    const dhe = nobleKeyExchange('x25519').computeSharedSecret(h(trace.server_x25519_private_key), h(trace.client_x25519_public_key));
    expect(hex(dhe)).toBe(hex(h(trace.ecdhe_shared_secret)));

    const ch = h(trace.client_hello);
    const sh = h(trace.server_hello);
    const serverFlight = concat(h(trace.encrypted_extensions), h(trace.certificate), h(trace.certificate_verify));
    const serverFinished = h(trace.server_finished);
    const clientFinished = h(trace.client_finished);
    const s = keySchedule(provider, 'SHA-256', undefined, dhe, {
      ch: sha256(ch),
      chSh: sha256(concat(ch, sh)),
      chSf: sha256(concat(ch, sh, serverFlight, serverFinished)),
      chCf: sha256(concat(ch, sh, serverFlight, serverFinished, clientFinished)),
    });
    expect(hex(s.earlySecret)).toBe(hex(h(trace.early_secret)));
    expect(hex(s.derivedForHandshake)).toBe(hex(h(trace.derived_for_handshake)));
    expect(hex(s.handshakeSecret)).toBe(hex(h(trace.handshake_secret)));
    expect(hex(s.clientHandshakeTrafficSecret)).toBe(hex(h(trace.client_handshake_traffic_secret)));
    expect(hex(s.serverHandshakeTrafficSecret)).toBe(hex(h(trace.server_handshake_traffic_secret)));
    expect(hex(s.derivedForMaster)).toBe(hex(h(trace.derived_for_master)));
    expect(hex(s.masterSecret)).toBe(hex(h(trace.master_secret)));
    expect(hex(s.clientApplicationTrafficSecret)).toBe(hex(h(trace.client_application_traffic_secret_0)));
    expect(hex(s.serverApplicationTrafficSecret)).toBe(hex(h(trace.server_application_traffic_secret_0)));
    expect(hex(s.exporterMasterSecret)).toBe(hex(h(trace.exporter_master_secret)));
    expect(hex(s.resumptionMasterSecret)).toBe(hex(h(trace.resumption_master_secret)));

    // RFC 8446 §7.3 traffic keys (AES-128-GCM: 16-byte key, 12-byte IV).
    const serverHs = tls13TrafficKeys(provider, 'SHA-256', s.serverHandshakeTrafficSecret, 16, 12);
    expect(hex(serverHs.key)).toBe(hex(h(trace.server_handshake_key)));
    expect(hex(serverHs.iv)).toBe(hex(h(trace.server_handshake_iv)));
    const clientHs = tls13TrafficKeys(provider, 'SHA-256', s.clientHandshakeTrafficSecret, 16, 12);
    expect(hex(clientHs.key)).toBe(hex(h(trace.client_handshake_key)));
    expect(hex(clientHs.iv)).toBe(hex(h(trace.client_handshake_iv)));
    const serverAp = tls13TrafficKeys(provider, 'SHA-256', s.serverApplicationTrafficSecret, 16, 12);
    expect(hex(serverAp.key)).toBe(hex(h(trace.server_application_key)));
    expect(hex(serverAp.iv)).toBe(hex(h(trace.server_application_iv)));
    const clientAp = tls13TrafficKeys(provider, 'SHA-256', s.clientApplicationTrafficSecret, 16, 12);
    expect(hex(clientAp.key)).toBe(hex(h(trace.client_application_key)));
    expect(hex(clientAp.iv)).toBe(hex(h(trace.client_application_iv)));

    // RFC 8446 §4.4.4: finished_key, and verify_data = HMAC(finished_key, Transcript-Hash(... CertificateVerify)).
    const serverFinishedKey = tls13FinishedKey(provider, 'SHA-256', s.serverHandshakeTrafficSecret);
    expect(hex(serverFinishedKey)).toBe(hex(h(trace.server_finished_key)));
    const serverVerifyData = provider.hmac('SHA-256', serverFinishedKey).compute(sha256(concat(ch, sh, serverFlight)));
    expect(hex(serverVerifyData)).toBe(hex(serverFinished.subarray(4)));
    const clientFinishedKey = tls13FinishedKey(provider, 'SHA-256', s.clientHandshakeTrafficSecret);
    expect(hex(clientFinishedKey)).toBe(hex(h(trace.client_finished_key)));
    const clientVerifyData = provider.hmac('SHA-256', clientFinishedKey).compute(sha256(concat(ch, sh, serverFlight, serverFinished)));
    expect(hex(clientVerifyData)).toBe(hex(clientFinished.subarray(4)));
  });

  interface AcvpCase {
    hmacAlg: 'SHA1' | 'SHA2-256' | 'SHA2-384';
    runningMode: 'PSK' | 'DHE' | 'PSK-DHE';
    psk: string;
    dhe: string;
    helloClientRandom: string;
    helloServerRandom: string;
    finishedClientRandom: string;
    finishedServerRandom: string;
    [secret: string]: unknown;
  }
  const acvp = loadVectors<{ allSecrets: AcvpCase[] }>('acvp/tls-v1.3-kdf-rfc8446.json');
  const HASHES = { SHA1: 'SHA-1', 'SHA2-256': 'SHA-256', 'SHA2-384': 'SHA-384' } as const;

  function acvpSchedule(v: AcvpCase) {
    const hash = HASHES[v.hmacAlg];
    const digest = (...parts: string[]): Uint8Array => provider.hash(hash).digest(concat(...parts.map((p) => hexToBytes(p))));
    // ACVP hashes the four randoms in sequence in place of the handshake messages.
    return keySchedule(provider, hash, hexToBytes(v.psk), hexToBytes(v.dhe), {
      ch: digest(v.helloClientRandom),
      chSh: digest(v.helloClientRandom, v.helloServerRandom),
      chSf: digest(v.helloClientRandom, v.helloServerRandom, v.finishedServerRandom),
      chCf: digest(v.helloClientRandom, v.helloServerRandom, v.finishedServerRandom, v.finishedClientRandom),
    });
  }

  test.each(acvp.allSecrets.map((v) => [`ACVP TLS-v1.3 ${v.hmacAlg} ${v.runningMode}, every secret`, v] as const))('%s', (_n, v) => {
    const s = acvpSchedule(v) as unknown as Record<string, Uint8Array>;
    for (const name of [
      'clientEarlyTrafficSecret',
      'earlyExporterMasterSecret',
      'clientHandshakeTrafficSecret',
      'serverHandshakeTrafficSecret',
      'clientApplicationTrafficSecret',
      'serverApplicationTrafficSecret',
      'exporterMasterSecret',
      'resumptionMasterSecret',
    ]) {
      expect([name, hex(s[name])]).toEqual([name, (v[name] as string).toLowerCase()]);
    }
  });
});
