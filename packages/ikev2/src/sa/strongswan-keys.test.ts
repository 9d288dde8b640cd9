/**
 * IKE SA key derivation and NAT detection against a real peer: charon's logged g^ir, SKEYSEED,
 * SK_d ... SK_pr and natd chunks/hashes (test-vectors/ikev2/strongswan-*.json) must come out of
 * crypto-primitives' KDF driven by this package with the transforms, nonces and SPIs of the
 * captured IKE_SA_INIT; RFC 5903 §8's ECP data checks the KE payload encoding of ECP groups.
 */
import type { CryptoProvider } from '@layersec/crypto-primitives';
import { nobleProvider } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { loadVectors } from '@layersec/test-vectors';
import { fromHex, toHex } from '@layersec/wire';
import { DhId, NotifyType, ProtocolId } from '../constants.js';
import { decodeMessage, notifiesOf, payloadOf } from '../messages/message.js';
import { parseIpAddress } from './address.js';
import { createKeyExchange } from './key-exchange.js';
import { deriveIkeSaKeys, type IkeSaTransforms } from './keys.js';
import { natDetectionHash } from './nat-detection.js';
import { acceptSelectedProposal } from './proposal-selection.js';

interface Capture {
  messages: { udpPayload: string }[];
  keys: Record<string, string>;
  natd: { natd_chunk: string; natd_hash: string }[];
}

const PROVIDERS: ReadonlyArray<[string, CryptoProvider]> = [
  ['noble', nobleProvider],
  ['node', nodeProvider],
];

describe.each(['strongswan-gcm.json', 'strongswan-cbc.json', 'strongswan-chapoly.json'])('%s', (file) => {
  const v = loadVectors<Capture>(`ikev2/${file}`);
  const request = decodeMessage(fromHex(v.messages[0].udpPayload));
  const response = decodeMessage(fromHex(v.messages[1].udpPayload));
  const spiI = response.header.initiatorSpi;
  const spiR = response.header.responderSpi;

  it.each(PROVIDERS)('derives charon\'s SKEYSEED and SK_* from the captured exchange (%s)', (_n, provider) => {
    const offered = payloadOf(request.payloads, 'SA')!.proposals;
    const chosen = acceptSelectedProposal(offered, payloadOf(response.payloads, 'SA')!.proposals, ProtocolId.IKE).transforms;
    const t: IkeSaTransforms = { encr: chosen.encr, integ: chosen.integ ?? 0, prf: chosen.prf!, dh: chosen.dh! };
    const ni = payloadOf(request.payloads, 'Nonce')!.nonceData;
    const nr = payloadOf(response.payloads, 'Nonce')!.nonceData;
    const { skeyseed, keys } = deriveIkeSaKeys(provider, t, ni, nr, fromHex(v.keys.g_ir), spiI, spiR);
    expect(toHex(skeyseed)).toBe(v.keys.SKEYSEED);
    for (const k of ['SK_d', 'SK_ei', 'SK_er', 'SK_pi', 'SK_pr'] as const) expect(toHex(keys[k])).toBe(v.keys[k]);
    expect(toHex(keys.SK_ai)).toBe(v.keys.SK_ai ?? '');
    expect(toHex(keys.SK_ar)).toBe(v.keys.SK_ar ?? '');
  });

  it('computes the NAT detection hashes charon logged (RFC 7296 §2.23)', () => {
    expect(v.natd.length).toBeGreaterThanOrEqual(4);
    for (const { natd_chunk, natd_hash } of v.natd) {
      const chunk = fromHex(natd_chunk);
      const endpoint = { address: chunk.subarray(16, 20), port: (chunk[20] << 8) | chunk[21] };
      expect(toHex(natDetectionHash(nobleProvider, chunk.subarray(0, 8), chunk.subarray(8, 16), endpoint))).toBe(natd_hash);
    }
  });

  it('finds the initiator\'s real endpoint hashes in the captured request (A = 10.99.0.1:500 → B = 10.99.0.2:500)', () => {
    const zero = new Uint8Array(8);
    const a = { address: parseIpAddress('10.99.0.1')!, port: 500 };
    const b = { address: parseIpAddress('10.99.0.2')!, port: 500 };
    // charon with kernel-libipsec fakes its source hash to force UDP encapsulation (INTEROP.md);
    // the destination hash is the true one.
    const dst = notifiesOf(request.payloads, NotifyType.NAT_DETECTION_DESTINATION_IP)[0].notificationData;
    expect(toHex(dst)).toBe(toHex(natDetectionHash(nobleProvider, request.header.initiatorSpi, zero, b)));
    const src = notifiesOf(request.payloads, NotifyType.NAT_DETECTION_SOURCE_IP)[0].notificationData;
    expect(toHex(src)).not.toBe(toHex(natDetectionHash(nobleProvider, request.header.initiatorSpi, zero, a)));
    const respDst = notifiesOf(response.payloads, NotifyType.NAT_DETECTION_DESTINATION_IP)[0].notificationData;
    expect(toHex(respDst)).toBe(toHex(natDetectionHash(nobleProvider, spiI, spiR, a)));
  });
});

describe('ECP Key Exchange Data is x | y (RFC 5903 §7), g^ir its x-coordinate, on RFC 5903 §8 data', () => {
  const v = loadVectors<{ source: string; vectors: { name: string; group: string; i: string; gix: string; giy: string; r: string; grx: string; gry: string; girx: string }[] }>('rfc5903-ecp.json');
  const DH: Record<string, number> = { secp256r1: DhId.ECP_256, secp384r1: DhId.ECP_384, secp521r1: DhId.ECP_521 };
  it.each(PROVIDERS)('%s', (_n, provider) => {
    for (const t of v.vectors) {
      const never = { randomBytes: (): Uint8Array => { throw new Error('no randomness needed') } };
      const i = createKeyExchange(provider, DH[t.group], never, fromHex(t.i));
      const r = createKeyExchange(provider, DH[t.group], never, fromHex(t.r));
      expect(toHex(i.keyExchangeData)).toBe(t.gix + t.giy);
      expect(toHex(r.keyExchangeData)).toBe(t.grx + t.gry);
      expect(toHex(i.sharedSecret(r.keyExchangeData))).toBe(t.girx);
      expect(toHex(r.sharedSecret(i.keyExchangeData))).toBe(t.girx);
      expect(() => i.sharedSecret(r.keyExchangeData.subarray(1))).toThrow(/invalid-public-key/);
    }
  });
});
