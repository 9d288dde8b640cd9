/**
 * IKE_AUTH's shared-key AUTH (RFC 7296 §2.15) and the first Child SA's KEYMAT (§2.17) against a
 * real peer: the signed octets, prf(secret, "Key Pad for IKEv2"), the AUTH values and the ESP
 * keys that charon logged for the captured exchanges (test-vectors/ikev2/strongswan-*.json).
 */
import { childSaKeys, ikePrf, nobleProvider, type CryptoProvider } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { loadVectors } from '@layersec/test-vectors';
import { fromHex, toHex, utf8 } from '@layersec/wire';
import { IdType, IntegId, ProtocolId } from '../constants.js';
import { parseSwanctlConf } from '../config/swanctl.js';
import { createSkProtection, decodeEncryptedPayloads, skKeyLengths } from '../messages/encrypted.js';
import { decodeMessage, payloadOf } from '../messages/message.js';
import type { IdPayload } from '../messages/payloads.js';
import { KEY_PAD_FOR_IKEV2, restOfIdPayload, sharedKeyAuth, signedOctets, verifySharedKeyAuth } from './auth.js';
import { identityFromString } from './identity.js';
import { ikePrfOf, skTransformsOf, type IkeSaTransforms } from './keys.js';
import { acceptSelectedProposal } from './proposal-selection.js';

interface PskAuthLog {
  IDx_prime: string;
  SK_p: string;
  octets: string;
  prf_secret_keypad: string;
  AUTH: string;
}

interface Capture {
  config: { secret: string; swanctlConf: string };
  messages: { udpPayload: string }[];
  keys: Record<string, string>;
  auth: { initiator: PskAuthLog; responder: PskAuthLog };
  child: Record<string, string | undefined>;
}

const PROVIDERS: ReadonlyArray<[string, CryptoProvider]> = [
  ['noble', nobleProvider],
  ['node', nodeProvider],
];

describe.each(['strongswan-gcm.json', 'strongswan-cbc.json', 'strongswan-chapoly.json'])('%s', (file) => {
  const v = loadVectors<Capture>(`ikev2/${file}`);
  const m1 = fromHex(v.messages[0].udpPayload);
  const m2 = fromHex(v.messages[1].udpPayload);
  const init1 = decodeMessage(m1);
  const init2 = decodeMessage(m2);
  const chosen = acceptSelectedProposal(payloadOf(init1.payloads, 'SA')!.proposals, payloadOf(init2.payloads, 'SA')!.proposals, ProtocolId.IKE).transforms;
  const t: IkeSaTransforms = { encr: chosen.encr, integ: chosen.integ ?? 0, prf: chosen.prf!, dh: chosen.dh! };
  const ni = payloadOf(init1.payloads, 'Nonce')!.nonceData;
  const nr = payloadOf(init2.payloads, 'Nonce')!.nonceData;
  const inner = (index: number, skE: string, skA: string | undefined) => {
    const bytes = fromHex(v.messages[index].udpPayload).subarray(4);
    return decodeEncryptedPayloads(createSkProtection(nobleProvider, skTransformsOf(t), fromHex(skE), fromHex(skA ?? '')), bytes, decodeMessage(bytes)).payloads;
  };
  const authRequest = inner(2, v.keys.SK_ei, v.keys.SK_ai);
  const authResponse = inner(3, v.keys.SK_er, v.keys.SK_ar);
  const idi = payloadOf(authRequest, 'IDi') as IdPayload;
  const idr = payloadOf(authResponse, 'IDr') as IdPayload;
  const secret = utf8(v.config.secret);

  it.each(PROVIDERS)('computes the initiator\'s and responder\'s signed octets and AUTH as charon did (%s)', (_n, provider) => {
    expect(toHex(restOfIdPayload(idi))).toBe(v.auth.initiator.IDx_prime);
    expect(toHex(restOfIdPayload(idr))).toBe(v.auth.responder.IDx_prime);
    expect(toHex(ikePrf(provider, ikePrfOf(t.prf), secret, KEY_PAD_FOR_IKEV2))).toBe(v.auth.initiator.prf_secret_keypad);

    const octetsI = signedOctets(provider, t.prf, m1, nr, fromHex(v.keys.SK_pi), idi);
    expect(toHex(octetsI)).toBe(v.auth.initiator.octets);
    expect(toHex(sharedKeyAuth(provider, t.prf, secret, octetsI))).toBe(v.auth.initiator.AUTH);
    expect(toHex(payloadOf(authRequest, 'AUTH')!.authenticationData)).toBe(v.auth.initiator.AUTH);

    const octetsR = signedOctets(provider, t.prf, m2, ni, fromHex(v.keys.SK_pr), idr);
    expect(toHex(octetsR)).toBe(v.auth.responder.octets);
    const authR = payloadOf(authResponse, 'AUTH')!.authenticationData;
    expect(verifySharedKeyAuth(provider, t.prf, secret, octetsR, authR)).toBe(true);
    expect(verifySharedKeyAuth(provider, t.prf, utf8('s3cretPSk'), octetsR, authR)).toBe(false);
  });

  it('writes the identities of the config as charon did (ID_RFC822_ADDR)', () => {
    const conn = parseSwanctlConf(v.config.swanctlConf).connections[0];
    expect(identityFromString(conn.local.id!)).toEqual({ idType: IdType.ID_RFC822_ADDR, identificationData: idi.identificationData });
    expect(identityFromString(conn.remote.id!)).toEqual({ idType: idr.idType, identificationData: idr.identificationData });
  });

  it.each(PROVIDERS)('derives the ESP keys charon logged for the first Child SA: KEYMAT = prf+(SK_d, Ni | Nr) (%s)', (_n, provider) => {
    expect(toHex(ni) + toHex(nr)).toBe(v.child.seed_Ni_Nr);
    const esp = acceptSelectedProposal(
      payloadOf(authRequest, 'SA')!.proposals,
      payloadOf(authResponse, 'SA')!.proposals,
      ProtocolId.ESP,
      { ignoreDh: true },
    ).transforms;
    const lengths = skKeyLengths({ encr: esp.encr.id, ...(esp.encr.keyLength !== undefined ? { keyLength: esp.encr.keyLength } : {}), integ: esp.integ ?? IntegId.NONE });
    const keys = childSaKeys(provider, ikePrfOf(t.prf), fromHex(v.keys.SK_d), ni, nr, lengths);
    expect(toHex(keys.initiatorToResponder.encr)).toBe(v.child.encryption_initiator_key);
    expect(toHex(keys.responderToInitiator.encr)).toBe(v.child.encryption_responder_key);
    expect(toHex(keys.initiatorToResponder.integ)).toBe(v.child.integrity_initiator_key ?? '');
    expect(toHex(keys.responderToInitiator.integ)).toBe(v.child.integrity_responder_key ?? '');
  });
});

describe('identityFromString', () => {
  it('maps swanctl identities to ID types as strongSwan does', () => {
    expect(identityFromString('10.0.0.1')).toEqual({ idType: IdType.ID_IPV4_ADDR, identificationData: Uint8Array.of(10, 0, 0, 1) });
    expect(identityFromString('2001:db8::1').idType).toBe(IdType.ID_IPV6_ADDR);
    expect(identityFromString('moon.example')).toEqual({ idType: IdType.ID_FQDN, identificationData: utf8('moon.example') });
    expect(identityFromString('@moon')).toEqual({ idType: IdType.ID_FQDN, identificationData: utf8('moon') });
    expect(identityFromString('@#0a0b')).toEqual({ idType: IdType.ID_KEY_ID, identificationData: Uint8Array.of(10, 11) });
    expect(() => identityFromString('C=CH, O=strongSwan, CN=moon')).toThrow(/distinguished names/);
    expect(() => identityFromString('@#xyz')).toThrow(/not hex/);
  });
});
