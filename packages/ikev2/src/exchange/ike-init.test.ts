/**
 * IKE_SA_INIT between this package's initiator and responder in one process (seeded random
 * sources, a test clock), each step annotated in RFC 7296 notation, then asserting both sides'
 * state; and our responder answering the IKE_SA_INIT request a real charon sent
 * (test-vectors/ikev2/strongswan-gcm.json).
 */
import { nobleProvider, seededRandom, type CryptoProvider } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { loadVectors } from '@layersec/test-vectors';
import { fromHex, toHex } from '@layersec/wire';
import { DhId, EncrId, ExchangeType, NotifyType, PrfId } from '../constants.js';
import { parseProposals } from '../config/proposals.js';
import { IkeNotifyError } from '../errors.js';
import { decodeEncryptedPayloads, encodeEncryptedMessage } from '../messages/encrypted.js';
import { decodeMessage, encodeMessage, notifiesOf, payloadOf } from '../messages/message.js';
import { parseIpAddress, type Endpoint } from '../sa/address.js';
import { IkeInitInitiator, IkeInitResponder, type IkeInitContext, type InitiatorOutcome, type Path, type ResponderOutcome } from './ike-init.js';

class TestClock {
  t = 0;
  now(): number {
    return this.t;
  }
}

const ep = (ip: string, port: number): Endpoint => ({ address: parseIpAddress(ip)!, port });
const A = ep('10.99.0.1', 500);
const B = ep('10.99.0.2', 500);
const NO_NAT: { i: Path; r: Path } = { i: { local: A, remote: B }, r: { local: B, remote: A } };

function ctx(seed: string, provider: CryptoProvider = nobleProvider, clock = new TestClock()): IkeInitContext {
  return { provider, random: seededRandom(seed), clock };
}

function established(o: InitiatorOutcome) {
  if (o.kind !== 'established') throw new Error(`initiator: ${o.kind}`);
  return o.sa;
}

function answered(o: ResponderOutcome) {
  if (o.kind === 'dropped') throw new Error(`responder dropped: ${o.reason}`);
  return o.response;
}

function notifyTypes(bytes: Uint8Array): number[] {
  return decodeMessage(bytes).payloads.flatMap((p) => (p.kind === 'N' ? [p.notifyType] : []));
}

describe('IKE_SA_INIT, our initiator and our responder', () => {
  it.each<[string, CryptoProvider]>([
    ['noble', nobleProvider],
    ['node', nodeProvider],
  ])('agrees on transforms, SPIs, nonces, g^ir and every SK_* (%s)', (_n, provider) => {
    const proposals = parseProposals('aes128gcm16-prfsha256-x25519', 'ike');
    const i = new IkeInitInitiator(ctx('initiator', provider), { proposals }, NO_NAT.i);
    const r = new IkeInitResponder(ctx('responder', provider), { proposals });

    // HDR, SA, KEi, Ni, N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP), N(SIGNATURE_HASH_ALGORITHMS) -->
    const request = i.buildRequest();
    expect(notifyTypes(request)).toEqual([NotifyType.NAT_DETECTION_SOURCE_IP, NotifyType.NAT_DETECTION_DESTINATION_IP, NotifyType.SIGNATURE_HASH_ALGORITHMS]);
    const out = r.processRequest(request, NO_NAT.r);
    if (out.kind !== 'established') throw new Error(out.kind);
    // <-- HDR, SA, KEr, Nr, N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP), N(SIGNATURE_HASH_ALGORITHMS)
    const sa = established(i.processResponse(out.response));

    for (const k of ['initiatorSpi', 'responderSpi', 'ni', 'nr', 'sharedSecret', 'skeyseed', 'requestMessage', 'responseMessage'] as const) {
      expect(toHex(sa[k])).toBe(toHex(out.sa[k]));
    }
    expect(sa.keys).toEqual(out.sa.keys);
    expect(sa.transforms).toEqual({ encr: { id: EncrId.ENCR_AES_GCM_16, keyLength: 128 }, integ: 0, prf: PrfId.PRF_HMAC_SHA2_256, dh: DhId.CURVE25519 });
    expect(out.sa.transforms).toEqual(sa.transforms);
    expect(sa.nat).toEqual({ supported: true, localBehindNat: false, remoteBehindNat: false });
    expect(out.sa.nat).toEqual(sa.nat);
    expect(sa.useNatT).toBe(false);
    expect(sa.peerSignatureHashAlgorithms).toEqual([2, 3, 4, 5]);
    expect(sa.skeyseed.length).toBe(32);

    // What one side protects with SK_ei, the other opens with the SK_ei it derived.
    const header = { ...decodeMessage(request).header, responderSpi: sa.responderSpi, exchangeType: ExchangeType.IKE_AUTH, messageId: 1 };
    const protectedMsg = encodeEncryptedMessage(sa.protections.fromInitiator, header, [{ kind: 'Nonce', nonceData: new Uint8Array(16) }], { random: seededRandom('iv') });
    expect(decodeEncryptedPayloads(out.sa.protections.fromInitiator, protectedMsg, decodeMessage(protectedMsg)).payloads).toEqual([{ kind: 'Nonce', nonceData: new Uint8Array(16) }]);
  });

  it('takes the responder\'s preferred proposal, then retries after INVALID_KE_PAYLOAD (§1.2, §2.7)', () => {
    const i = new IkeInitInitiator(ctx('i'), { proposals: parseProposals('aes256-sha256-modp2048, aes128gcm16-prfsha256-x25519', 'ike') }, NO_NAT.i);
    const r = new IkeInitResponder(ctx('r'), { proposals: parseProposals('aes128gcm16-prfsha256-x25519, aes256-sha256-modp2048', 'ike') });
    // HDR, SA{modp2048 proposal, x25519 proposal}, KEi(MODP_2048), Ni, N(NAT_D)* -->
    expect(i.dhGroup).toBe(DhId.MODP_2048);
    const first = r.processRequest(i.buildRequest(), NO_NAT.r);
    // <-- HDR(SPIi, 0), N(INVALID_KE_PAYLOAD: CURVE25519)
    expect(first.kind).toBe('refused');
    const refusal = decodeMessage(answered(first));
    expect(refusal.header.responderSpi).toEqual(new Uint8Array(8));
    expect(toHex(notifiesOf(refusal.payloads, NotifyType.INVALID_KE_PAYLOAD)[0].notificationData)).toBe('001f');
    // HDR, SA, KEi(CURVE25519), Ni, N(NAT_D)* -->
    const retry = i.processResponse(answered(first));
    if (retry.kind !== 'retry') throw new Error(retry.kind);
    expect(retry.reason).toBe('INVALID_KE_PAYLOAD');
    expect(payloadOf(decodeMessage(retry.request).payloads, 'KE')?.dhGroup).toBe(DhId.CURVE25519);
    const second = r.processRequest(retry.request, NO_NAT.r);
    // <-- HDR, SA{ENCR_AES_GCM_16}, KEr, Nr, N(NAT_D)*
    const sa = established(i.processResponse(answered(second)));
    expect(sa.transforms.encr.id).toBe(EncrId.ENCR_AES_GCM_16);
    expect(sa.requestMessage).toEqual(retry.request);
  });

  it('takes the initiator\'s KE group when the chosen proposal allows it, sparing the round trip', () => {
    const i = new IkeInitInitiator(ctx('i'), { proposals: parseProposals('aes128-sha256-ecp256-x25519', 'ike') }, NO_NAT.i);
    const r = new IkeInitResponder(ctx('r'), { proposals: parseProposals('aes128-sha256-x25519-ecp256', 'ike') });
    const out = r.processRequest(i.buildRequest(), NO_NAT.r);
    expect(out.kind).toBe('established');
    expect(established(i.processResponse(answered(out))).transforms.dh).toBe(DhId.ECP_256);
  });

  it('answers NO_PROPOSAL_CHOSEN when nothing matches, and the initiator gives up with it', () => {
    const i = new IkeInitInitiator(ctx('i'), { proposals: parseProposals('aes128-sha1-modp2048', 'ike') }, NO_NAT.i);
    const r = new IkeInitResponder(ctx('r'), { proposals: parseProposals('aes256gcm16-prfsha384-ecp384', 'ike') });
    const out = r.processRequest(i.buildRequest(), NO_NAT.r);
    expect(out.kind === 'refused' && out.notifyType).toBe(NotifyType.NO_PROPOSAL_CHOSEN);
    expect(() => i.processResponse(answered(out))).toThrow(IkeNotifyError);
  });

  it('asks for a cookie under load and keeps no state until it returns (§2.6)', () => {
    const clock = new TestClock();
    const proposals = parseProposals('aes128gcm16-prfsha256-x25519', 'ike');
    const i = new IkeInitInitiator(ctx('i'), { proposals }, NO_NAT.i);
    const r = new IkeInitResponder(ctx('r', nobleProvider, clock), { proposals }, { cookieThreshold: 10, cookieRotationMs: 1000 });
    const request = i.buildRequest();
    // Below the threshold: no cookie asked.
    expect(r.processRequest(request, NO_NAT.r, 9).kind).toBe('established');
    // HDR, SA, KEi, Ni -->   <-- HDR(SPIi, 0), N(COOKIE)
    const first = r.processRequest(request, NO_NAT.r, 10);
    expect(first.kind === 'refused' && first.notifyType).toBe(NotifyType.COOKIE);
    const cookieReply = decodeMessage(answered(first));
    expect(cookieReply.payloads).toHaveLength(1);
    // HDR, N(COOKIE), SA, KEi, Ni -->
    const retry = i.processResponse(answered(first));
    if (retry.kind !== 'retry') throw new Error(retry.kind);
    const retried = decodeMessage(retry.request).payloads;
    expect(retried[0].kind === 'N' && retried[0].notifyType).toBe(NotifyType.COOKIE);
    // The cookie is bound to Ni, IPi and SPIi: from another address it is asked for again.
    expect(r.processRequest(retry.request, { local: B, remote: ep('10.99.0.9', 500) }, 10).kind).toBe('refused');
    // <-- HDR, SA, KEr, Nr
    const second = r.processRequest(retry.request, NO_NAT.r, 10);
    expect(second.kind).toBe('established');
    expect(established(i.processResponse(answered(second))).requestMessage).toEqual(retry.request);
    // After two rotations of the secret the cookie is stale.
    clock.t += 1000;
    expect(r.processRequest(retry.request, NO_NAT.r, 10).kind).toBe('established');
    clock.t += 1000;
    const stale = r.processRequest(retry.request, NO_NAT.r, 10);
    expect(stale.kind === 'refused' && stale.notifyType).toBe(NotifyType.COOKIE);
  });

  it('detects a NAT between the peers and moves to port 4500 (§2.23)', () => {
    const proposals = parseProposals('aes128gcm16-prfsha256-x25519', 'ike');
    // The initiator sits behind a NAT: it sends from 192.168.1.2:500, the responder sees 203.0.113.7:33000.
    const i = new IkeInitInitiator(ctx('i'), { proposals }, { local: ep('192.168.1.2', 500), remote: B });
    const r = new IkeInitResponder(ctx('r'), { proposals });
    const out = r.processRequest(i.buildRequest(), { local: B, remote: ep('203.0.113.7', 33000) });
    if (out.kind !== 'established') throw new Error(out.kind);
    expect(out.sa.nat).toEqual({ supported: true, localBehindNat: false, remoteBehindNat: true });
    const sa = established(i.processResponse(out.response));
    expect(sa.nat).toEqual({ supported: true, localBehindNat: true, remoteBehindNat: false });
    expect(sa.useNatT && out.sa.useNatT).toBe(true);
  });

  it('can ask for UDP encapsulation without a NAT, as charon with kernel-libipsec does', () => {
    const proposals = parseProposals('aes128gcm16-prfsha256-x25519', 'ike');
    const i = new IkeInitInitiator(ctx('i'), { proposals, forceEncapsulation: true }, NO_NAT.i);
    const r = new IkeInitResponder(ctx('r'), { proposals });
    const out = r.processRequest(i.buildRequest(), NO_NAT.r);
    if (out.kind !== 'established') throw new Error(out.kind);
    expect(out.sa.nat.remoteBehindNat).toBe(true);
    expect(out.sa.useNatT).toBe(true);
    expect(established(i.processResponse(out.response)).useNatT).toBe(true);
  });

  it('refuses a response choosing what was not offered, and ignores answers to other SPIs', () => {
    const proposals = parseProposals('aes128gcm16-prfsha256-x25519', 'ike');
    const i = new IkeInitInitiator(ctx('i'), { proposals }, NO_NAT.i);
    const r = new IkeInitResponder(ctx('r'), { proposals });
    const out = r.processRequest(i.buildRequest(), NO_NAT.r);
    const resp = decodeMessage(answered(out));
    const sa = payloadOf(resp.payloads, 'SA')!;
    sa.proposals[0].transforms[0].attributes = [{ attributeType: 14, format: 'TV', value: 256 }];
    expect(() => i.processResponse(encodeMessage(resp.header, resp.payloads))).toThrow(/was not offered/);
    const other = encodeMessage({ ...resp.header, initiatorSpi: new Uint8Array(8).fill(9) }, resp.payloads);
    expect(i.processResponse(other).kind).toBe('ignored');
  });
});

describe('our responder and the IKE_SA_INIT request of a real charon', () => {
  const v = loadVectors<{ messages: { udpPayload: string }[] }>('ikev2/strongswan-gcm.json');
  const charonRequest = fromHex(v.messages[0].udpPayload);
  const path: Path = { local: B, remote: A };

  it('answers with charon\'s own proposal, a Curve25519 KE and NAT detection that shows its forced encapsulation', () => {
    const r = new IkeInitResponder(ctx('r'), { proposals: parseProposals('aes256-sha256-modp2048, aes128gcm16-prfsha256-x25519', 'ike') });
    const out = r.processRequest(charonRequest, path);
    if (out.kind !== 'established') throw new Error(out.kind);
    expect(out.sa.transforms).toEqual({ encr: { id: EncrId.ENCR_AES_GCM_16, keyLength: 128 }, integ: 0, prf: PrfId.PRF_HMAC_SHA2_256, dh: DhId.CURVE25519 });
    expect(out.sa.nat).toEqual({ supported: true, localBehindNat: false, remoteBehindNat: true });
    expect(out.sa.useNatT).toBe(true);
    const resp = decodeMessage(out.response);
    expect(payloadOf(resp.payloads, 'KE')?.keyExchangeData.length).toBe(32);
    expect(out.sa.peerSignatureHashAlgorithms).toEqual([2, 3, 4, 5]);
  });

  it('answers charon\'s request with the critical bit on an unknown payload by UNSUPPORTED_CRITICAL_PAYLOAD', () => {
    const req = decodeMessage(charonRequest);
    const bad = encodeMessage(req.header, [...req.payloads, { kind: 'unknown', payloadType: 220, data: new Uint8Array(2), critical: true }]);
    const out = new IkeInitResponder(ctx('r'), { proposals: parseProposals('aes128gcm16-prfsha256-x25519', 'ike') }).processRequest(bad, path);
    expect(out.kind === 'refused' && out.notifyType).toBe(NotifyType.UNSUPPORTED_CRITICAL_PAYLOAD);
    expect(toHex(notifiesOf(decodeMessage(answered(out)).payloads, NotifyType.UNSUPPORTED_CRITICAL_PAYLOAD)[0].notificationData)).toBe('dc');
  });

  it('answers a major version 3 with INVALID_MAJOR_VERSION in a 2.0 header (§2.5), and drops garbage', () => {
    const r = new IkeInitResponder(ctx('r'), { proposals: parseProposals('aes128gcm16-prfsha256-x25519', 'ike') });
    const v3 = charonRequest.slice();
    v3[17] = 0x30;
    const out = r.processRequest(v3, path);
    expect(out.kind === 'refused' && out.notifyType).toBe(NotifyType.INVALID_MAJOR_VERSION);
    expect(decodeMessage(answered(out)).header.majorVersion).toBe(2);
    expect(r.processRequest(charonRequest.subarray(0, 40), path).kind).toBe('dropped');
    expect(r.processRequest(new Uint8Array(3), path).kind).toBe('dropped');
  });
});
