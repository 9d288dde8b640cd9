/**
 * The IKEv2 key derivation (RFC 7296 §2.13-§2.18) on both providers, against:
 * - NIST CAVP IKEv2 KDF vectors (SP 800-135) for HMAC-SHA1/SHA2-256/SHA2-384: SKEYSEED,
 *   SKEYSEED(Rekey) and prf+ (test-vectors/ikev2-kdf/cavp-ikev2-kdf.json);
 * - AES-XCBC-PRF-128: RFC 4434's test vectors and RFC 3566 §4.6's full 128-bit AES-XCBC-MAC values;
 * - a real peer: SKEYSEED, SK_* and the first CHILD_SA's keys that strongSwan 5.9.8 logged for the
 *   exchanges in test-vectors/ikev2/strongswan-*.json (nonces and SPIs read from the captured
 *   IKE_SA_INIT messages).
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { loadVectors } from '@layersec/test-vectors';
import { CryptoError } from '../errors.js';
import { PROVIDERS } from '../test-support/providers.js';
import {
  IKE_PRF_TRANSFORM_IDS,
  childSaKeymat,
  childSaKeys,
  ikePrf,
  ikePrfFromTransformId,
  ikePrfKeyLength,
  ikePrfPlus,
  ikeRekeySkeyseed,
  ikeSaKeys,
  ikeSkeyseed,
  type IkePrf,
} from './ikev2.js';

const hex = bytesToHex;

interface CavpFile {
  prf: Record<string, IkePrf>;
  vectors: Record<
    string,
    {
      skeyseed: { nssId: number; gir: string; ni: string; nr: string; skeyseed: string }[];
      rekey: { nssId: number; skdOld: string; girNew: string; ni: string; nr: string; skeyseedRekey: string }[];
      prfPlus: { nssId: number; key: string; ni: string; nr: string; spii: string; spir: string; dkm: string }[];
    }
  >;
}
const cavp = loadVectors<CavpFile>('ikev2-kdf/cavp-ikev2-kdf.json');
const rfc4434 = loadVectors<{ vectors: { name: string; key: string; message: string; output: string }[] }>('ikev2-kdf/rfc4434-aes-xcbc-prf-128.json');
const rfc3566 = loadVectors<{ vectors: { name: string; key: string; message: string; aesXcbcMac: string }[] }>('rfc3566-aes-xcbc-mac-96.json');

interface StrongswanCapture {
  name: string;
  config: { proposals: string; esp_proposals: string };
  messages: { exchange: string; sentBy: string; udpPayload: string }[];
  keys: Record<string, string>;
  child: Record<string, string>;
}
const captures = ['strongswan-gcm.json', 'strongswan-cbc.json', 'strongswan-chapoly.json'].map((f) => loadVectors<StrongswanCapture>(`ikev2/${f}`));

/** The Nonce payload (type 40, RFC 7296 §3.9) of an IKE_SA_INIT message, walking the payload chain. */
function nonceOf(message: Uint8Array): Uint8Array {
  let next = message[16];
  let offset = 28;
  while (next !== 0 && offset + 4 <= message.length) {
    const length = (message[offset + 2] << 8) | message[offset + 3];
    if (next === 40) return message.slice(offset + 4, offset + length);
    next = message[offset];
    offset += length;
  }
  throw new Error('no Nonce payload');
}

/**
 * Key lengths (bytes) of each capture's IKE and ESP transforms (the same in both): the encryption
 * key includes the salt of AEAD transforms; all three use PRF_HMAC_SHA2_256 ("prfsha256", or the
 * PRF strongSwan pairs with "sha256" integrity).
 */
const TRANSFORM_LENGTHS: Record<string, { proposal: string; encrKeyLength: number; integKeyLength: number }> = {
  gcm: { proposal: 'aes128gcm16-prfsha256-x25519', encrKeyLength: 16 + 4, integKeyLength: 0 }, // RFC 5282 §7.1, RFC 4106 §8.1
  chapoly: { proposal: 'chacha20poly1305-prfsha256-x25519', encrKeyLength: 32 + 4, integKeyLength: 0 }, // RFC 7634 §2
  cbc: { proposal: 'aes256-sha256-modp2048', encrKeyLength: 32, integKeyLength: 32 }, // AUTH_HMAC_SHA2_256_128 key, RFC 4868 §2.1.1
};

function expectCryptoError(fn: () => unknown, code: CryptoError['code']): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(CryptoError);
  expect((thrown as CryptoError).code).toBe(code);
}

describe.each(PROVIDERS)('IKEv2 KDF on %s', (_name, provider) => {
  describe.each(Object.entries(cavp.vectors))('NIST CAVP IKEv2 %s', (hash, v) => {
    const prf = cavp.prf[hash];
    test.each(v.skeyseed.map((t) => [`SKEYSEED (NSS id ${t.nssId})`, t] as const))('%s', (_n, t) => {
      expect(hex(ikeSkeyseed(provider, prf, hexToBytes(t.ni), hexToBytes(t.nr), hexToBytes(t.gir)))).toBe(t.skeyseed);
    });
    test.each(v.rekey.map((t) => [`SKEYSEED(Rekey) (NSS id ${t.nssId})`, t] as const))('%s', (_n, t) => {
      const got = ikeRekeySkeyseed(provider, prf, hexToBytes(t.skdOld), hexToBytes(t.girNew), hexToBytes(t.ni), hexToBytes(t.nr));
      expect(hex(got)).toBe(t.skeyseedRekey);
    });
    test.each(v.prfPlus.map((t) => [`prf+ ${t.dkm.length / 2} bytes (NSS id ${t.nssId})`, t] as const))('%s', (_n, t) => {
      const seed = hexToBytes(t.ni + t.nr + t.spii + t.spir);
      expect(hex(ikePrfPlus(provider, prf, hexToBytes(t.key), seed, t.dkm.length / 2))).toBe(t.dkm);
      if (t.dkm.length / 2 >= 3 * ikePrfKeyLength(prf)) {
        // The same stream split by ikeSaKeys: SK_d comes first, SK_pi and SK_pr last.
        const keys = ikeSaKeys(provider, prf, hexToBytes(t.key), hexToBytes(t.ni), hexToBytes(t.nr), hexToBytes(t.spii), hexToBytes(t.spir), {
          encrKeyLength: 0,
          integKeyLength: 0,
        });
        const n = ikePrfKeyLength(prf) * 2;
        expect(hex(keys.SK_d)).toBe(t.dkm.slice(0, n));
        expect(hex(keys.SK_pi)).toBe(t.dkm.slice(n, 2 * n));
        expect(hex(keys.SK_pr)).toBe(t.dkm.slice(2 * n, 3 * n));
      }
    });
  });

  describe('AES-XCBC-PRF-128', () => {
    test.each(rfc4434.vectors.map((t) => [`RFC 4434 ${t.name}`, t] as const))('%s', (_n, t) => {
      expect(hex(ikePrf(provider, 'PRF_AES128_XCBC', hexToBytes(t.key), hexToBytes(t.message)))).toBe(t.output);
    });
    test.each(rfc3566.vectors.map((t) => [`RFC 3566 §4.6 ${t.name}: full 128-bit MAC`, t] as const))('%s', (_n, t) => {
      expect(hex(ikePrf(provider, 'PRF_AES128_XCBC', hexToBytes(t.key), hexToBytes(t.message)))).toBe(t.aesXcbcMac);
    });
  });

  describe.each(captures.map((c) => [c.name, c] as const))('strongSwan 5.9.8 logged keys: %s', (_n, capture) => {
    const init = capture.messages.filter((m) => m.exchange === 'IKE_SA_INIT').map((m) => hexToBytes(m.udpPayload));
    const ni = nonceOf(init[0]);
    const nr = nonceOf(init[1]);
    const spiI = init[1].slice(0, 8);
    const spiR = init[1].slice(8, 16);
    const lengths = TRANSFORM_LENGTHS[capture.name];
    const prf: IkePrf = 'PRF_HMAC_SHA2_256';

    test('the capture negotiated the transforms assumed here', () => {
      expect(capture.config.proposals).toBe(lengths.proposal);
    });

    test('nonces read from IKE_SA_INIT are the ones charon used for the CHILD_SA', () => {
      expect(hex(ni) + hex(nr)).toBe(capture.child.seed_Ni_Nr);
    });

    test('SKEYSEED and SK_* (RFC 7296 §2.14)', () => {
      const skeyseed = ikeSkeyseed(provider, prf, ni, nr, hexToBytes(capture.keys.g_ir));
      expect(hex(skeyseed)).toBe(capture.keys.SKEYSEED);
      const keys = ikeSaKeys(provider, prf, skeyseed, ni, nr, spiI, spiR, lengths);
      for (const name of ['SK_d', 'SK_ai', 'SK_ar', 'SK_ei', 'SK_er', 'SK_pi', 'SK_pr'] as const) {
        if (capture.keys[name] !== undefined) expect([name, hex(keys[name])]).toEqual([name, capture.keys[name]]);
        else expect([name, keys[name].length]).toEqual([name, 0]);
      }
    });

    test('first CHILD_SA keys (RFC 7296 §2.17)', () => {
      const child = childSaKeys(provider, prf, hexToBytes(capture.keys.SK_d), ni, nr, lengths);
      expect(hex(child.initiatorToResponder.encr)).toBe(capture.child.encryption_initiator_key);
      expect(hex(child.responderToInitiator.encr)).toBe(capture.child.encryption_responder_key);
      expect(hex(child.initiatorToResponder.integ)).toBe(capture.child.integrity_initiator_key ?? '');
      expect(hex(child.responderToInitiator.integ)).toBe(capture.child.integrity_responder_key ?? '');
    });
  });

  test('prf+ refuses more than 255 iterations (RFC 7296 §2.13)', () => {
    const key = new Uint8Array(32).fill(3);
    expect(ikePrfPlus(provider, 'PRF_HMAC_SHA2_256', key, Uint8Array.of(1), 255 * 32)).toHaveLength(255 * 32);
    expectCryptoError(() => ikePrfPlus(provider, 'PRF_HMAC_SHA2_256', key, Uint8Array.of(1), 255 * 32 + 1), 'output-too-long');
    expectCryptoError(() => ikePrfPlus(provider, 'PRF_AES128_XCBC', key.subarray(0, 16), Uint8Array.of(1), 255 * 16 + 1), 'output-too-long');
    expectCryptoError(() => childSaKeymat(provider, 'PRF_HMAC_SHA1', key, key, key, 255 * 20 + 1), 'output-too-long');
  });

  test('IKE SA SPIs must be 8 bytes; unknown PRFs are refused', () => {
    const k = new Uint8Array(32);
    expectCryptoError(() => ikeSaKeys(provider, 'PRF_HMAC_SHA2_256', k, k, k, k.subarray(0, 7), k.subarray(0, 8), { encrKeyLength: 16, integKeyLength: 0 }), 'bad-length');
    expectCryptoError(() => ikePrf(provider, 'PRF_HMAC_MD5' as IkePrf, k, k), 'unsupported');
  });
});

test('PRF transform IDs (IANA "Transform Type 2 - Pseudorandom Function Transform IDs")', () => {
  expect(IKE_PRF_TRANSFORM_IDS).toEqual({ PRF_HMAC_SHA1: 2, PRF_AES128_XCBC: 4, PRF_HMAC_SHA2_256: 5, PRF_HMAC_SHA2_384: 6, PRF_HMAC_SHA2_512: 7 });
  expect(ikePrfFromTransformId(5)).toBe('PRF_HMAC_SHA2_256');
  expect(ikePrfFromTransformId(1)).toBeUndefined();
  expect(ikePrfFromTransformId(8)).toBeUndefined();
});
