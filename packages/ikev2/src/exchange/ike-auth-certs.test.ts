/**
 * IKE_AUTH with RFC 7427 signatures and X.509 certificates between our two tasks: ECDSA P-256 and
 * Ed25519 end-entity certificates from a lab CA (crypto-primitives' builder), mixed with a shared
 * key on the other side; refusals for an unknown CA, an identity the certificate does not hold,
 * an expired certificate and a peer that does not accept the signature's hash (RFC 7427 §4).
 * The proof against a real peer is the live charon test (test/interop-charon.test.ts).
 */
import {
  createRootCertificate,
  issueClientCertificate,
  nobleProvider,
  publicKeyOf,
  seededRandom,
  type Certificate,
  type CertificateAuthority,
  type PrivateKey,
} from '@layersec/crypto-primitives';
import { utf8 } from '@layersec/wire';
import { AuthMethod, NotifyType } from '../constants.js';
import { parseProposals } from '../config/proposals.js';
import { decodeEncryptedPayloads } from '../messages/encrypted.js';
import { decodeMessage, payloadOf, payloadsOf } from '../messages/message.js';
import { parseIpAddress, type Endpoint } from '../sa/address.js';
import { identityFromString } from '../sa/identity.js';
import { parseTrafficSelector } from '../sa/traffic-selectors.js';
import { IkeAuthInitiator, IkeAuthResponder, type ChildConfigResolved, type IkeAuthInitiatorConfig, type IkeAuthResponderConfig } from './ike-auth.js';
import { IkeInitInitiator, IkeInitResponder, type IkeInitContext } from './ike-init.js';

const provider = nobleProvider;
const random = seededRandom('certs');
const NOT_BEFORE = new Date('2026-01-01T00:00:00Z');
const NOT_AFTER = new Date('2027-01-01T00:00:00Z');
const NOW = () => new Date('2026-06-01T00:00:00Z');
const ep = (ip: string): Endpoint => ({ address: parseIpAddress(ip)!, port: 500 });
const A = ep('10.99.0.1');
const B = ep('10.99.0.2');
const child: ChildConfigResolved = { espProposals: parseProposals('aes128gcm16', 'esp'), localTs: [parseTrafficSelector('10.10.1.1/32')], remoteTs: [parseTrafficSelector('10.10.2.1/32')], mode: 'tunnel' };
const mirrored: ChildConfigResolved = { ...child, localTs: child.remoteTs, remoteTs: child.localTs };

function ca(name: string): CertificateAuthority {
  const privateKey = provider.generateSigningKey({ type: 'ec', curve: 'P-256' }, random);
  return createRootCertificate({ subject: `CN=${name}`, privateKey, notBefore: NOT_BEFORE, notAfter: NOT_AFTER }, provider);
}

function endEntity(issuer: CertificateAuthority, email: string, type: 'ec' | 'ed25519' = 'ec', notAfter = NOT_AFTER): { privateKey: PrivateKey; cert: Certificate } {
  const privateKey = provider.generateSigningKey(type === 'ec' ? { type: 'ec', curve: 'P-256' } : { type: 'ed25519' }, random);
  const cert = issueClientCertificate({ publicKey: publicKeyOf(privateKey), emails: [email], notBefore: NOT_BEFORE, notAfter }, issuer, provider);
  return { privateKey, cert };
}

const CA = ca('lab CA');
const OTHER_CA = ca('other CA');

function exchange(i: Omit<IkeAuthInitiatorConfig, 'child'>, r: Omit<IkeAuthResponderConfig, 'child'>, hashes?: number[]) {
  const proposals = parseProposals('aes128gcm16-prfsha256-x25519', 'ike');
  const ci: IkeInitContext = { provider, random: seededRandom('i'), clock: { now: () => 0 } };
  const cr: IkeInitContext = { provider, random: seededRandom('r'), clock: { now: () => 0 } };
  const init = new IkeInitInitiator(ci, { proposals, ...(hashes !== undefined ? { signatureHashAlgorithms: hashes } : {}) }, { local: A, remote: B });
  const out = new IkeInitResponder(cr, { proposals, ...(hashes !== undefined ? { signatureHashAlgorithms: hashes } : {}) }).processRequest(init.buildRequest(), { local: B, remote: A });
  if (out.kind !== 'established') throw new Error(out.kind);
  const done = init.processResponse(out.response);
  if (done.kind !== 'established') throw new Error(done.kind);
  const initiator = new IkeAuthInitiator(ci, done.sa, { ...i, child });
  const responder = new IkeAuthResponder(cr, out.sa, { ...r, child: mirrored });
  const request = initiator.buildRequest();
  const answer = responder.processRequest(request);
  return { initiator, answer, request, sa: done.sa };
}

describe('IKE_AUTH with certificates (RFC 7427 Digital Signature)', () => {
  const alice = endEntity(CA, 'a@test');
  const bob = endEntity(CA, 'b@test');
  const trust = { trustAnchors: [CA.certificate], now: NOW };
  const ID_A = identityFromString('a@test');
  const ID_B = identityFromString('b@test');

  it('authenticates both sides by ECDSA P-256 signatures, CERT and CERTREQ on the wire', () => {
    const { initiator, answer, request, sa } = exchange(
      { localId: ID_A, remoteId: ID_B, signing: { privateKey: alice.privateKey, certificates: [alice.cert.der] }, trust },
      { localId: ID_B, sharedSecretFor: () => undefined, signing: { privateKey: bob.privateKey, certificates: [bob.cert.der] }, trust },
    );
    // HDR, SK {IDi, CERT, CERTREQ, IDr, AUTH(14), SA, TSi, TSr} -->
    const sent = decodeEncryptedPayloads(sa.protections.fromInitiator, request, decodeMessage(request)).payloads;
    expect(sent.map((p) => p.kind)).toEqual(['IDi', 'CERT', 'CERTREQ', 'IDr', 'AUTH', 'SA', 'TSi', 'TSr']);
    expect(payloadOf(sent, 'AUTH')?.authMethod).toBe(AuthMethod.DIGITAL_SIGNATURE);
    expect(payloadOf(sent, 'CERTREQ')?.certificationAuthority).toEqual(provider.hash('SHA-1').digest(CA.certificate.subjectPublicKeyInfo));
    if (answer.kind !== 'established') throw new Error(`${answer.kind}: ${'reason' in answer ? answer.reason : ''}`);
    // <-- HDR, SK {IDr, CERT, AUTH(14), SA, TSi, TSr}
    const reply = decodeEncryptedPayloads(sa.protections.fromResponder, answer.response, decodeMessage(answer.response)).payloads;
    expect(payloadsOf(reply, 'CERT').map((c) => c.certificateData)).toEqual([bob.cert.der]);
    const done = initiator.processResponse(answer.response);
    expect(done.kind === 'established' && done.result.peerId).toEqual(ID_B);
  });

  it('mixes an Ed25519 certificate on one side with a shared key on the other', () => {
    const edAlice = endEntity(CA, 'a@test', 'ed25519');
    const psk = utf8('s3cretPSK');
    const { initiator, answer } = exchange(
      { localId: ID_A, signing: { privateKey: edAlice.privateKey, certificates: [edAlice.cert.der] }, sharedSecret: psk },
      { localId: ID_B, sharedSecretFor: () => psk, trust },
    );
    if (answer.kind !== 'established') throw new Error(answer.kind);
    expect(initiator.processResponse(answer.response).kind).toBe('established');
  });

  it.each([
    ['a certificate from another CA', () => endEntity(OTHER_CA, 'a@test'), ID_A],
    ['an identity the certificate does not hold', () => endEntity(CA, 'a@test'), identityFromString('mallory@test')],
    ['an expired certificate', () => endEntity(CA, 'a@test', 'ec', new Date('2026-03-01T00:00:00Z')), ID_A],
  ])('refuses %s with AUTHENTICATION_FAILED', (_what, make, id) => {
    const who = make();
    const { answer } = exchange(
      { localId: id, signing: { privateKey: who.privateKey, certificates: [who.cert.der] } },
      { localId: ID_B, sharedSecretFor: () => undefined, signing: { privateKey: bob.privateKey, certificates: [bob.cert.der] }, trust },
    );
    expect(answer.kind === 'refused' && answer.notifyType).toBe(NotifyType.AUTHENTICATION_FAILED);
  });

  it('signs with ECDSA method 9 (RFC 4754) when the peer did not announce SHA2-256, and refuses Ed25519 then (RFC 7427 §4)', () => {
    const { initiator, answer, request, sa } = exchange(
      { localId: ID_A, signing: { privateKey: alice.privateKey, certificates: [alice.cert.der] }, trust },
      { localId: ID_B, sharedSecretFor: () => undefined, signing: { privateKey: bob.privateKey, certificates: [bob.cert.der] }, trust },
      [4],
    );
    const sent = decodeEncryptedPayloads(sa.protections.fromInitiator, request, decodeMessage(request)).payloads;
    expect(payloadOf(sent, 'AUTH')?.authMethod).toBe(AuthMethod.ECDSA_SHA256_P256);
    expect(payloadOf(sent, 'AUTH')?.authenticationData.length).toBe(64);
    if (answer.kind !== 'established') throw new Error(answer.kind);
    expect(initiator.processResponse(answer.response).kind).toBe('established');
    const ed = endEntity(CA, 'a@test', 'ed25519');
    expect(() => exchange({ localId: ID_A, signing: { privateKey: ed.privateKey, certificates: [ed.cert.der] } }, { localId: ID_B, sharedSecretFor: () => undefined, trust }, [4])).toThrow(
      /does not accept hash 5/,
    );
  });
});
