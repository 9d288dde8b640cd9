/**
 * The TLS 1.2 PRF (RFC 5246 §5) and the secrets built on it, on both providers, against the
 * TLS 1.2 PRF vector published on the IETF TLS list, openssl's TLS1-PRF (a real peer,
 * test-vectors/tls12-prf/make.sh), and ACVP TLS-v1.2-KDF-RFC7627 cases (extended master secret
 * and key_block).
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { loadVectors } from '@layersec/test-vectors';
import { CryptoError } from '../errors.js';
import { PROVIDERS } from '../test-support/providers.js';
import {
  TLS12_PRF_MAX_OUTPUT,
  pHash,
  tls12ConnectionKeys,
  tls12ExtendedMasterSecret,
  tls12KeyBlock,
  tls12MasterSecret,
  tls12Prf,
  tls12VerifyData,
  type Tls12PrfHash,
} from './tls12-prf.js';

interface PrfVector {
  name?: string;
  hash: Tls12PrfHash;
  secret: string;
  label: string;
  seed: string;
  output: string;
}
const ietf = loadVectors<{ vectors: PrfVector[] }>('tls12-prf/ietf-tls-list.json');
const openssl = loadVectors<{ vectors: PrfVector[] }>('tls12-prf/openssl-tls1-prf.json');

interface AcvpTls12 {
  tgId: number;
  tcId: number;
  hashAlg: 'SHA2-256' | 'SHA2-384';
  keyBlockLength: number;
  preMasterSecret: string;
  sessionHash: string;
  clientRandom: string;
  serverRandom: string;
  masterSecret: string;
  keyBlock: string;
}
const acvp = loadVectors<{ vectors: AcvpTls12[] }>('acvp/tls-v1.2-kdf-rfc7627.json');
const ACVP_HASH = { 'SHA2-256': 'SHA-256', 'SHA2-384': 'SHA-384' } as const;

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe.each(PROVIDERS)('TLS 1.2 PRF on %s', (_name, provider) => {
  test.each([...ietf.vectors, ...openssl.vectors].map((v, i) => [`${i < ietf.vectors.length ? 'IETF TLS list' : 'openssl TLS1-PRF'}: ${v.hash} "${v.label}" ${v.output.length / 2} bytes`, v] as const))(
    '%s',
    (_n, v) => {
      const out = tls12Prf(provider, v.hash, hexToBytes(v.secret), v.label, hexToBytes(v.seed), v.output.length / 2);
      expect(bytesToHex(out)).toBe(v.output);
      // PRF(secret, label, seed) = P_<hash>(secret, label + seed) (RFC 5246 §5).
      const seed = new Uint8Array([...utf8(v.label), ...hexToBytes(v.seed)]);
      expect(bytesToHex(pHash(provider, v.hash, hexToBytes(v.secret), seed, v.output.length / 2))).toBe(v.output);
    },
  );

  test('the master secret, key_block and verify_data helpers use the RFC 5246 labels and seeds (openssl outputs)', () => {
    const bySeedLabel = (label: string): PrfVector => openssl.vectors.find((v) => v.label === label)!;
    const ms = bySeedLabel('master secret');
    // RFC 5246 §8.1: seed = ClientHello.random + ServerHello.random.
    const seed = hexToBytes(ms.seed);
    expect(bytesToHex(tls12MasterSecret(provider, ms.hash, hexToBytes(ms.secret), seed.subarray(0, 32), seed.subarray(32)))).toBe(ms.output);
    // RFC 5246 §6.3: seed = server_random + client_random.
    const kb = bySeedLabel('key expansion');
    const kbSeed = hexToBytes(kb.seed);
    const keyBlock = tls12KeyBlock(provider, kb.hash, hexToBytes(kb.secret), kbSeed.subarray(0, 32), kbSeed.subarray(32), kb.output.length / 2);
    expect(bytesToHex(keyBlock)).toBe(kb.output);
    // RFC 5246 §6.3 partition: client MAC, server MAC, client key, server key, client IV, server IV.
    const keys = tls12ConnectionKeys(provider, kb.hash, hexToBytes(kb.secret), kbSeed.subarray(0, 32), kbSeed.subarray(32), {
      macKeyLength: 48,
      encKeyLength: 32,
      fixedIvLength: 4,
    });
    expect(bytesToHex(keys.client_write_MAC_key)).toBe(kb.output.slice(0, 96));
    expect(bytesToHex(keys.server_write_MAC_key)).toBe(kb.output.slice(96, 192));
    expect(bytesToHex(keys.client_write_key)).toBe(kb.output.slice(192, 256));
    expect(bytesToHex(keys.server_write_key)).toBe(kb.output.slice(256, 320));
    expect(bytesToHex(keys.client_write_IV)).toBe(kb.output.slice(320, 328));
    expect(bytesToHex(keys.server_write_IV)).toBe(kb.output.slice(328, 336));
    // RFC 5246 §7.4.9: verify_data is 12 bytes of PRF(master_secret, finished_label, Hash(handshake_messages)).
    const fin = bySeedLabel('client finished');
    expect(bytesToHex(tls12VerifyData(provider, fin.hash, hexToBytes(fin.secret), 'client finished', hexToBytes(fin.seed)))).toBe(fin.output);
  });

  test.each(acvp.vectors.map((v) => [`ACVP TLS-v1.2 RFC7627 tgId ${v.tgId} tcId ${v.tcId} (${v.hashAlg})`, v] as const))('%s', (_n, v) => {
    const hash = ACVP_HASH[v.hashAlg];
    // RFC 7627 §4: master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47].
    const ms = tls12ExtendedMasterSecret(provider, hash, hexToBytes(v.preMasterSecret), hexToBytes(v.sessionHash));
    expect(bytesToHex(ms)).toBe(v.masterSecret.toLowerCase());
    const keyBlock = tls12KeyBlock(provider, hash, ms, hexToBytes(v.serverRandom), hexToBytes(v.clientRandom), v.keyBlockLength / 8);
    expect(bytesToHex(keyBlock)).toBe(v.keyBlock.toLowerCase());
  });

  test('output length is bounded', () => {
    expect(pHash(provider, 'SHA-256', Uint8Array.of(1), Uint8Array.of(2), 0)).toHaveLength(0);
    for (const bad of [-1, 1.5, TLS12_PRF_MAX_OUTPUT + 1]) {
      let thrown: unknown;
      try {
        pHash(provider, 'SHA-256', Uint8Array.of(1), Uint8Array.of(2), bad);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(CryptoError);
      expect((thrown as CryptoError).code).toBe('output-too-long');
    }
  });
});
