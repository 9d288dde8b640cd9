/**
 * IKE_AUTH with a shared key and the first Child SA: our two tasks in one process (each step in
 * RFC 7296 notation), and each of our roles facing the messages a real charon sent
 * (test-vectors/ikev2/strongswan-*.json): the IKE SA state is rebuilt from the captured
 * IKE_SA_INIT and charon's logged g^ir, then our responder answers charon's IKE_AUTH request and
 * our initiator takes charon's IKE_AUTH response. AUTH values and ESP keys must be charon's.
 */
import { nobleProvider, seededRandom, type CryptoProvider } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { loadVectors } from '@layersec/test-vectors';
import { bytesEqual, fromHex, toHex, utf8 } from '@layersec/wire';
import { IdType, NotifyType, ProtocolId } from '../constants.js';
import { parseProposals } from '../config/proposals.js';
import { parseSwanctlConf } from '../config/swanctl.js';
import { IkeNotifyError } from '../errors.js';
import { decodeEncryptedPayloads } from '../messages/encrypted.js';
import { decodeMessage, payloadOf } from '../messages/message.js';
import { classifyPort4500 } from '../messages/nat-t.js';
import { parseIpAddress, type Endpoint } from '../sa/address.js';
import { identityFromString, type Identity } from '../sa/identity.js';
import { deriveIkeSaKeys, ikeSaProtections, type IkeSaTransforms } from '../sa/keys.js';
import { acceptSelectedProposal } from '../sa/proposal-selection.js';
import { parseTrafficSelector, type TsRange } from '../sa/traffic-selectors.js';
import { IkeAuthInitiator, IkeAuthResponder, type ChildConfigResolved, type IkeAuthResponderConfig } from './ike-auth.js';
import { IkeInitInitiator, IkeInitResponder, type IkeInitContext, type IkeSaInitResult } from './ike-init.js';

const ep = (ip: string, port: number): Endpoint => ({ address: parseIpAddress(ip)!, port });
const A = ep('10.99.0.1', 500);
const B = ep('10.99.0.2', 500);
const ts = (...s: string[]): TsRange[] => s.map((x) => parseTrafficSelector(x));
const ctx = (seed: string, provider: CryptoProvider = nobleProvider): IkeInitContext => ({ provider, random: seededRandom(seed), clock: { now: () => 0 } });
const ID_A = identityFromString('a@test');
const ID_B = identityFromString('b@test');
const PSK = utf8('s3cretPSK');

function sameId(a: Identity, b: Identity): boolean {
  return a.idType === b.idType && bytesEqual(a.identificationData, b.identificationData);
}

function responderConfig(child: ChildConfigResolved, secret = PSK): IkeAuthResponderConfig {
  return { localId: ID_B, sharedSecretFor: (remote) => (sameId(remote, ID_A) ? secret : undefined), child };
}

/** IKE_SA_INIT between our two tasks. */
function initPair(seed: string, provider: CryptoProvider = nobleProvider): { i: IkeSaInitResult; r: IkeSaInitResult; ci: IkeInitContext; cr: IkeInitContext } {
  const proposals = parseProposals('aes256-sha256-ecp256', 'ike');
  const ci = ctx(`${seed} i`, provider);
  const cr = ctx(`${seed} r`, provider);
  const init = new IkeInitInitiator(ci, { proposals }, { local: A, remote: B });
  const out = new IkeInitResponder(cr, { proposals }).processRequest(init.buildRequest(), { local: B, remote: A });
  if (out.kind !== 'established') throw new Error(out.kind);
  const done = init.processResponse(out.response);
  if (done.kind !== 'established') throw new Error(done.kind);
  return { i: done.sa, r: out.sa, ci, cr };
}

describe('IKE_AUTH (shared key), our initiator and our responder', () => {
  it.each<[string, CryptoProvider]>([
    ['noble', nobleProvider],
    ['node', nodeProvider],
  ])('authenticates both sides and agrees on the first Child SA, narrowing its selectors (%s)', (_n, provider) => {
    const { i, r, ci, cr } = initPair('ok', provider);
    const initiator = new IkeAuthInitiator(ci, i, {
      localId: ID_A,
      remoteId: ID_B,
      sharedSecret: PSK,
      initialContact: true,
      child: { espProposals: parseProposals('aes128gcm16-x25519, aes256-sha256', 'esp'), localTs: ts('10.10.1.0/24'), remoteTs: ts('0.0.0.0/0'), mode: 'tunnel' },
    });
    const responder = new IkeAuthResponder(
      cr,
      r,
      responderConfig({ espProposals: parseProposals('aes256-sha256-modp2048', 'esp'), localTs: ts('10.10.2.1/32'), remoteTs: ts('10.10.1.0/25'), mode: 'tunnel' }),
    );
    // HDR, SK {IDi, N(INITIAL_CONTACT), IDr, AUTH, SA, TSi, TSr} -->
    const out = responder.processRequest(initiator.buildRequest());
    if (out.kind !== 'established') throw new Error(out.kind);
    // <-- HDR, SK {IDr, AUTH, SA, TSi, TSr}
    const done = initiator.processResponse(out.response);
    if (done.kind !== 'established') throw new Error(done.kind);
    expect(done.result.peerId).toEqual(ID_B);
    expect(out.result.peerId).toEqual(ID_A);
    const ci2 = done.result.child;
    const cr2 = out.result.child;
    if (ci2.kind !== 'established' || cr2.kind !== 'established') throw new Error('child refused');
    expect(ci2.sa.transforms).toEqual(cr2.sa.transforms);
    expect(ci2.sa.transforms.encr.keyLength).toBe(256);
    expect(ci2.sa.outboundSpi).toEqual(cr2.sa.inboundSpi);
    expect(ci2.sa.inboundSpi).toEqual(cr2.sa.outboundSpi);
    expect(ci2.sa.outbound).toEqual(cr2.sa.inbound);
    expect(ci2.sa.inbound).toEqual(cr2.sa.outbound);
    expect(ci2.sa.outbound.encr.length).toBe(32);
    expect(ci2.sa.outbound.integ.length).toBe(32);
    // TSi narrowed to 10.10.1.0/25, TSr to 10.10.2.1/32 (§2.9).
    expect(ci2.sa.localTs).toEqual(ts('10.10.1.0/25'));
    expect(ci2.sa.remoteTs).toEqual(ts('10.10.2.1/32'));
    expect(cr2.sa.remoteTs).toEqual(ts('10.10.1.0/25'));
    expect(ci2.sa.mode).toBe('tunnel');
  });

  it('answers a wrong shared key with AUTHENTICATION_FAILED, which ends the initiator\'s attempt', () => {
    const { i, r, ci, cr } = initPair('bad psk');
    const child: ChildConfigResolved = { espProposals: parseProposals('aes128gcm16', 'esp'), localTs: ts('10.10.1.1/32'), remoteTs: ts('10.10.2.1/32'), mode: 'tunnel' };
    const initiator = new IkeAuthInitiator(ci, i, { localId: ID_A, sharedSecret: utf8('wrong'), child });
    const out = new IkeAuthResponder(cr, r, responderConfig({ ...child, localTs: child.remoteTs, remoteTs: child.localTs })).processRequest(initiator.buildRequest());
    expect(out.kind === 'refused' && out.notifyType).toBe(NotifyType.AUTHENTICATION_FAILED);
    if (out.kind !== 'refused') return;
    let err: unknown;
    try {
      initiator.processResponse(out.response);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IkeNotifyError);
    expect((err as IkeNotifyError).notifyType).toBe(NotifyType.AUTHENTICATION_FAILED);
  });

  it('keeps the IKE SA but refuses the Child SA with TS_UNACCEPTABLE when the selectors do not meet', () => {
    const { i, r, ci, cr } = initPair('ts');
    const initiator = new IkeAuthInitiator(ci, i, {
      localId: ID_A,
      sharedSecret: PSK,
      child: { espProposals: parseProposals('aes128gcm16', 'esp'), localTs: ts('10.10.1.1/32'), remoteTs: ts('10.10.2.1/32[tcp/443]'), mode: 'tunnel' },
    });
    const responder = new IkeAuthResponder(
      cr,
      r,
      responderConfig({ espProposals: parseProposals('aes128gcm16', 'esp'), localTs: ts('10.10.2.1/32[udp]'), remoteTs: ts('10.10.1.1/32'), mode: 'tunnel' }),
    );
    const out = responder.processRequest(initiator.buildRequest());
    if (out.kind !== 'established') throw new Error(out.kind);
    expect(out.result.child).toEqual({ kind: 'refused', notifyType: NotifyType.TS_UNACCEPTABLE });
    const done = initiator.processResponse(out.response);
    expect(done.kind === 'established' && done.result.child).toEqual({ kind: 'refused', notifyType: NotifyType.TS_UNACCEPTABLE });
  });

  it('drops a request whose ICV does not verify, without answering (§2.21.1)', () => {
    const { i, r, ci, cr } = initPair('icv');
    const child: ChildConfigResolved = { espProposals: parseProposals('aes128gcm16', 'esp'), localTs: ts('10.10.1.1/32'), remoteTs: ts('10.10.2.1/32'), mode: 'tunnel' };
    const request = new IkeAuthInitiator(ci, i, { localId: ID_A, sharedSecret: PSK, child }).buildRequest();
    request[request.length - 1] ^= 1;
    expect(new IkeAuthResponder(cr, r, responderConfig(child)).processRequest(request).kind).toBe('dropped');
  });
});

interface Capture {
  config: { swanctlConf: string; secret: string };
  messages: { udpPayload: string }[];
  keys: Record<string, string>;
  auth: { initiator: { AUTH: string }; responder: { AUTH: string } };
  child: Record<string, string | undefined>;
}

/** The IKE SA of a capture, as one side of it, from the captured IKE_SA_INIT and charon's g^ir. */
function captureState(v: Capture, role: 'initiator' | 'responder', provider: CryptoProvider): IkeSaInitResult {
  const m1 = fromHex(v.messages[0].udpPayload);
  const m2 = fromHex(v.messages[1].udpPayload);
  const d1 = decodeMessage(m1);
  const d2 = decodeMessage(m2);
  const chosen = acceptSelectedProposal(payloadOf(d1.payloads, 'SA')!.proposals, payloadOf(d2.payloads, 'SA')!.proposals, ProtocolId.IKE).transforms;
  const transforms: IkeSaTransforms = { encr: chosen.encr, integ: chosen.integ ?? 0, prf: chosen.prf!, dh: chosen.dh! };
  const ni = payloadOf(d1.payloads, 'Nonce')!.nonceData;
  const nr = payloadOf(d2.payloads, 'Nonce')!.nonceData;
  const sharedSecret = fromHex(v.keys.g_ir);
  const { skeyseed, keys } = deriveIkeSaKeys(provider, transforms, ni, nr, sharedSecret, d2.header.initiatorSpi, d2.header.responderSpi);
  return {
    role,
    initiatorSpi: d2.header.initiatorSpi,
    responderSpi: d2.header.responderSpi,
    transforms,
    ni,
    nr,
    sharedSecret,
    skeyseed,
    keys,
    protections: ikeSaProtections(provider, transforms, keys),
    nat: { supported: true, localBehindNat: false, remoteBehindNat: true },
    useNatT: true,
    peerSignatureHashAlgorithms: [],
    peerCertificateRequests: [],
    requestMessage: m1,
    responseMessage: m2,
  };
}

function ikeMessage(hex: string): Uint8Array {
  const d = classifyPort4500(fromHex(hex));
  if (d.kind !== 'ike') throw new Error(d.kind);
  return d.message;
}

describe.each(['strongswan-gcm.json', 'strongswan-cbc.json', 'strongswan-chapoly.json'])('IKE_AUTH against charon\'s messages in %s', (file) => {
  const v = loadVectors<Capture>(`ikev2/${file}`);
  const conn = parseSwanctlConf(v.config.swanctlConf).connections[0];
  const espProposals = conn.children[0].espProposals;
  const secret = utf8(v.config.secret);

  it('our responder verifies charon\'s AUTH, answers with the AUTH charon computed and derives charon\'s ESP keys', () => {
    const sa = captureState(v, 'responder', nobleProvider);
    const cr = ctx('responder');
    const responder = new IkeAuthResponder(cr, sa, {
      localId: ID_B,
      sharedSecretFor: (remote) => (sameId(remote, ID_A) ? secret : undefined),
      child: { espProposals, localTs: ts('10.10.2.1/32'), remoteTs: ts('10.10.1.1/32'), mode: 'tunnel' },
    });
    const out = responder.processRequest(ikeMessage(v.messages[2].udpPayload));
    if (out.kind !== 'established') throw new Error(`${out.kind}: ${'reason' in out ? out.reason : ''}`);
    expect(out.result.peerId).toEqual({ idType: IdType.ID_RFC822_ADDR, identificationData: utf8('a@test') });
    const child = out.result.child;
    if (child.kind !== 'established') throw new Error('child refused');
    expect(toHex(child.sa.inbound.encr)).toBe(v.child.encryption_initiator_key);
    expect(toHex(child.sa.outbound.encr)).toBe(v.child.encryption_responder_key);
    expect(toHex(child.sa.inbound.integ)).toBe(v.child.integrity_initiator_key ?? '');
    expect(child.sa.localTs).toEqual(ts('10.10.2.1/32'));
    expect(child.sa.remoteTs).toEqual(ts('10.10.1.1/32'));
    // Our response, opened with the responder's keys, carries the AUTH charon's responder sent.
    const response = decodeEncryptedPayloads(sa.protections.fromResponder, out.response, decodeMessage(out.response)).payloads;
    expect(toHex(payloadOf(response, 'AUTH')!.authenticationData)).toBe(v.auth.responder.AUTH);
  });

  it('our initiator sends the AUTH charon sent, verifies charon\'s response and derives charon\'s ESP keys', () => {
    const sa = captureState(v, 'initiator', nobleProvider);
    const initiator = new IkeAuthInitiator(ctx('initiator'), sa, {
      localId: ID_A,
      remoteId: ID_B,
      sharedSecret: secret,
      child: { espProposals, localTs: ts('10.10.1.1/32'), remoteTs: ts('10.10.2.1/32'), mode: 'tunnel' },
    });
    const request = initiator.buildRequest();
    const sent = decodeEncryptedPayloads(sa.protections.fromInitiator, request, decodeMessage(request)).payloads;
    expect(toHex(payloadOf(sent, 'AUTH')!.authenticationData)).toBe(v.auth.initiator.AUTH);
    const done = initiator.processResponse(ikeMessage(v.messages[3].udpPayload));
    if (done.kind !== 'established') throw new Error(done.kind);
    expect(done.result.peerId).toEqual(ID_B);
    const child = done.result.child;
    if (child.kind !== 'established') throw new Error('child refused');
    expect(toHex(child.sa.outbound.encr)).toBe(v.child.encryption_initiator_key);
    expect(toHex(child.sa.inbound.encr)).toBe(v.child.encryption_responder_key);
    expect(toHex(child.sa.outbound.integ)).toBe(v.child.integrity_initiator_key ?? '');
    expect(child.sa.mode).toBe('tunnel');
  });

  it('our initiator refuses charon\'s response under another shared key', () => {
    const sa = captureState(v, 'initiator', nobleProvider);
    const initiator = new IkeAuthInitiator(ctx('initiator'), sa, {
      localId: ID_A,
      sharedSecret: utf8('not the secret'),
      child: { espProposals, localTs: ts('10.10.1.1/32'), remoteTs: ts('10.10.2.1/32'), mode: 'tunnel' },
    });
    initiator.buildRequest();
    expect(() => initiator.processResponse(ikeMessage(v.messages[3].udpPayload))).toThrow(/AUTHENTICATION_FAILED/);
  });
});
