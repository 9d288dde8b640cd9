/**
 * Known answers from a real peer: IKE exchanges between two strongSwan 5.9.8 charons, captured
 * by tcpdump, with the SK_* keys and AUTH values charon logged (test-vectors/ikev2/strongswan-*.json,
 * made by test-vectors/ikev2/capture-strongswan.sh). Every message decodes; every message
 * re-encodes byte for byte; every Encrypted payload verifies and decrypts with charon's keys, on
 * both providers, and re-encrypts to the captured octets given the same IV and Padding.
 */
import type { CryptoProvider } from '@layersec/crypto-primitives';
import { nobleProvider } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { loadVectors } from '@layersec/test-vectors';
import { fromHex, toHex, utf8 } from '@layersec/wire';
import { AuthMethod, DhId, EncrId, ExchangeType, IdType, IntegId, NotifyType, PrfId, ProtocolId, TransformType } from '../constants.js';
import { IkeIntegrityError } from '../errors.js';
import { createSkProtection, decodeEncryptedPayloads, encodeEncryptedMessage, type SkTransforms } from './encrypted.js';
import { decodeMessage, encodeMessage, notifiesOf, payloadOf } from './message.js';
import { classifyPort4500, withNonEspMarker } from './nat-t.js';
import { keyLengthOf, type Payload } from './payloads.js';

interface CapturedMessage {
  frame: number;
  from: string;
  to: string;
  exchange: string;
  sentBy: string;
  udpPayload: string;
}

interface Capture {
  source: string;
  name: string;
  config: { proposals: string };
  messages: CapturedMessage[];
  keys: Record<string, string>;
  auth: { initiator: { AUTH: string }; responder: { AUTH: string } };
}

const CAPTURES: ReadonlyArray<{ file: string; sk: SkTransforms; prf: number; dh: number }> = [
  { file: 'strongswan-gcm.json', sk: { encr: EncrId.ENCR_AES_GCM_16, keyLength: 128, integ: IntegId.NONE }, prf: PrfId.PRF_HMAC_SHA2_256, dh: DhId.CURVE25519 },
  { file: 'strongswan-cbc.json', sk: { encr: EncrId.ENCR_AES_CBC, keyLength: 256, integ: IntegId.AUTH_HMAC_SHA2_256_128 }, prf: PrfId.PRF_HMAC_SHA2_256, dh: DhId.MODP_2048 },
  { file: 'strongswan-chapoly.json', sk: { encr: EncrId.ENCR_CHACHA20_POLY1305, integ: IntegId.NONE }, prf: PrfId.PRF_HMAC_SHA2_256, dh: DhId.CURVE25519 },
];

const PROVIDERS: ReadonlyArray<[string, CryptoProvider]> = [
  ['noble', nobleProvider],
  ['node', nodeProvider],
];

/** The IKE message of a captured datagram: on port 4500 behind the non-ESP marker (RFC 3948 §2.2). */
function ikeBytes(m: CapturedMessage): Uint8Array {
  const udp = fromHex(m.udpPayload);
  if (!m.from.endsWith(':4500')) return udp;
  const d = classifyPort4500(udp);
  if (d.kind !== 'ike') throw new Error(`frame ${m.frame} is not an IKE message`);
  expect(withNonEspMarker(d.message)).toEqual(udp);
  return d.message;
}

const EXCHANGE: Record<string, number> = {
  IKE_SA_INIT: ExchangeType.IKE_SA_INIT,
  IKE_AUTH: ExchangeType.IKE_AUTH,
  INFORMATIONAL: ExchangeType.INFORMATIONAL,
};

describe.each(CAPTURES)('strongSwan capture $file', ({ file, sk, prf, dh }) => {
  const v = loadVectors<Capture>(`ikev2/${file}`);

  it('names its source', () => {
    expect(v.source).toMatch(/^strongSwan 5\.9\.8 charon, captured \d{4}-\d\d-\d\d$/);
  });

  it('decodes every message and re-encodes it byte for byte', () => {
    for (const m of v.messages) {
      const bytes = ikeBytes(m);
      const msg = decodeMessage(bytes);
      expect(msg.header.exchangeType).toBe(EXCHANGE[m.exchange]);
      expect(msg.header.initiator).toBe(m.sentBy.startsWith('A'));
      expect(toHex(encodeMessage(msg.header, msg.payloads))).toBe(toHex(bytes));
    }
  });

  it('reads IKE_SA_INIT as charon sent it (SA, KE, Nonce, NAT detection, RFC 7427 hashes)', () => {
    const [request, response] = v.messages.slice(0, 2).map((m) => decodeMessage(ikeBytes(m)));
    expect(request.header.responderSpi).toEqual(new Uint8Array(8));
    expect(request.header.messageId).toBe(0);
    expect(response.header.response).toBe(true);
    for (const msg of [request, response]) {
      const sa = payloadOf(msg.payloads, 'SA');
      expect(sa?.proposals).toHaveLength(1);
      const proposal = sa!.proposals[0];
      expect(proposal.protocolId).toBe(ProtocolId.IKE);
      const byType = (t: number) => proposal.transforms.filter((x) => x.transformType === t);
      expect(byType(TransformType.ENCR).map((t) => t.transformId)).toEqual([sk.encr]);
      expect(keyLengthOf(byType(TransformType.ENCR)[0])).toBe(sk.keyLength);
      expect(byType(TransformType.PRF).map((t) => t.transformId)).toEqual([prf]);
      expect(byType(TransformType.DH).map((t) => t.transformId)).toEqual([dh]);
      expect(byType(TransformType.INTEG).map((t) => t.transformId)).toEqual(sk.integ === IntegId.NONE ? [] : [sk.integ]);
      expect(payloadOf(msg.payloads, 'KE')?.dhGroup).toBe(dh);
      expect(payloadOf(msg.payloads, 'Nonce')?.nonceData.length).toBe(32);
      expect(notifiesOf(msg.payloads, NotifyType.NAT_DETECTION_SOURCE_IP)[0].notificationData.length).toBe(20);
      expect(notifiesOf(msg.payloads, NotifyType.NAT_DETECTION_DESTINATION_IP)[0].notificationData.length).toBe(20);
      // RFC 7427 §4: SHA2-256, SHA2-384, SHA2-512 and (RFC 8420) Identity.
      expect(toHex(notifiesOf(msg.payloads, NotifyType.SIGNATURE_HASH_ALGORITHMS)[0].notificationData)).toBe('0002000300040005');
    }
  });

  describe.each(PROVIDERS)('Encrypted payloads with charon\'s keys (%s)', (_name, provider) => {
    const protectionFor = (m: CapturedMessage) => {
      const byInitiator = m.sentBy.startsWith('A');
      const skE = fromHex(byInitiator ? v.keys.SK_ei : v.keys.SK_er);
      const skA = fromHex((byInitiator ? v.keys.SK_ai : v.keys.SK_ar) ?? '');
      return createSkProtection(provider, sk, skE, skA);
    };
    const encrypted = v.messages.filter((m) => m.exchange !== 'IKE_SA_INIT');

    it('verifies, decrypts and re-encrypts each to the captured octets', () => {
      expect(encrypted.length).toBeGreaterThanOrEqual(2);
      for (const m of encrypted) {
        const bytes = ikeBytes(m);
        const msg = decodeMessage(bytes);
        const protection = protectionFor(m);
        const contents = decodeEncryptedPayloads(protection, bytes, msg);
        const again = encodeEncryptedMessage(protection, msg.header, contents.payloads, {
          random: { randomBytes: () => { throw new Error('IV given') } },
          iv: contents.iv,
          padding: contents.padding,
        });
        expect(toHex(again)).toBe(toHex(bytes));
      }
    });

    it('finds the identities, AUTH values and Child SA of IKE_AUTH', () => {
      const [request, response] = encrypted.slice(0, 2).map((m) => {
        const bytes = ikeBytes(m);
        return decodeEncryptedPayloads(protectionFor(m), bytes, decodeMessage(bytes)).payloads;
      });
      const idi = payloadOf(request, 'IDi');
      expect(idi?.idType).toBe(IdType.ID_RFC822_ADDR);
      expect(idi?.identificationData).toEqual(utf8('a@test'));
      expect(payloadOf(request, 'IDr')?.identificationData).toEqual(utf8('b@test'));
      expect(payloadOf(response, 'IDr')?.identificationData).toEqual(utf8('b@test'));
      const authOf = (ps: Payload[]) => payloadOf(ps, 'AUTH');
      expect(authOf(request)?.authMethod).toBe(AuthMethod.SHARED_KEY_MESSAGE_INTEGRITY_CODE);
      expect(toHex(authOf(request)!.authenticationData)).toBe(v.auth.initiator.AUTH);
      expect(toHex(authOf(response)!.authenticationData)).toBe(v.auth.responder.AUTH);
      for (const ps of [request, response]) {
        const child = payloadOf(ps, 'SA')!.proposals[0];
        expect(child.protocolId).toBe(ProtocolId.ESP);
        expect(child.spi.length).toBe(4);
        const tsi = payloadOf(ps, 'TSi')!.trafficSelectors[0];
        const tsr = payloadOf(ps, 'TSr')!.trafficSelectors[0];
        expect('startingAddress' in tsi && toHex(tsi.startingAddress)).toBe('0a0a0101');
        expect('startingAddress' in tsr && toHex(tsr.endingAddress)).toBe('0a0a0201');
      }
    });

    it('refuses every single-bit change of a protected message before decrypting', () => {
      const m = encrypted[0];
      const bytes = ikeBytes(m);
      const protection = protectionFor(m);
      // Header, SK generic header, IV, ciphertext and ICV octets are all covered.
      for (const at of [0, 9, 19, 23, 29, 32, 32 + protection.ivLength, bytes.length - protection.icvLength - 1, bytes.length - 1]) {
        const bad = bytes.slice();
        bad[at] ^= 0x01;
        let err: unknown;
        try {
          decodeEncryptedPayloads(protection, bad, decodeMessage(bad));
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(IkeIntegrityError);
      }
    });
  });
});
