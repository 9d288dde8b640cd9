/**
 * The message codec's rules (RFC 7296 §3): symmetric encode/decode of every payload, the Critical
 * bit (§3.2), length and count checks, the Encrypted payload's place (§3.14), the major version
 * (§2.5). Captured messages from a real peer are in strongswan-capture.test.ts.
 */
import { DecodeError, fromHex, toHex } from '@layersec/wire';
import { CertEncoding, DhId, EncrId, ExchangeType, IdType, NotifyType, PayloadType, PrfId, ProtocolId, TransformAttribute, TransformType, TsType } from '../constants.js';
import { IkeNotifyError } from '../errors.js';
import type { IkeHeader } from './header.js';
import { MAX_PAYLOADS_PER_CHAIN, decodeMessage, encodeMessage, type IkeHeaderFields } from './message.js';
import type { Payload } from './payloads.js';

const HEADER: IkeHeaderFields = {
  initiatorSpi: fromHex('0102030405060708'),
  responderSpi: fromHex('1112131415161718'),
  majorVersion: 2,
  minorVersion: 0,
  exchangeType: ExchangeType.IKE_AUTH,
  initiator: true,
  version: false,
  response: false,
  messageId: 1,
};

const EVERY_PAYLOAD: Payload[] = [
  {
    kind: 'SA',
    proposals: [
      {
        proposalNum: 1,
        protocolId: ProtocolId.IKE,
        spi: new Uint8Array(0),
        transforms: [
          { transformType: TransformType.ENCR, transformId: EncrId.ENCR_AES_GCM_16, attributes: [{ attributeType: TransformAttribute.KEY_LENGTH, format: 'TV', value: 256 }] },
          { transformType: TransformType.PRF, transformId: PrfId.PRF_HMAC_SHA2_384, attributes: [] },
          { transformType: TransformType.DH, transformId: DhId.ECP_384, attributes: [{ attributeType: 99, format: 'TLV', value: fromHex('abcdef') }] },
        ],
      },
      { proposalNum: 2, protocolId: ProtocolId.ESP, spi: fromHex('c0ffee01'), transforms: [{ transformType: TransformType.ESN, transformId: 0, attributes: [] }] },
    ],
  },
  { kind: 'KE', dhGroup: DhId.CURVE25519, keyExchangeData: new Uint8Array(32).fill(9) },
  { kind: 'IDi', idType: IdType.ID_FQDN, identificationData: new TextEncoder().encode('moon.example') },
  { kind: 'IDr', idType: IdType.ID_IPV4_ADDR, identificationData: fromHex('0a000001') },
  { kind: 'CERT', certEncoding: CertEncoding.X509_CERTIFICATE_SIGNATURE, certificateData: fromHex('3082') },
  { kind: 'CERTREQ', certEncoding: CertEncoding.X509_CERTIFICATE_SIGNATURE, certificationAuthority: new Uint8Array(20).fill(7) },
  { kind: 'AUTH', authMethod: 2, authenticationData: new Uint8Array(32).fill(1) },
  { kind: 'Nonce', nonceData: new Uint8Array(16).fill(2) },
  { kind: 'N', protocolId: ProtocolId.ESP, spi: fromHex('01020304'), notifyType: NotifyType.REKEY_SA, notificationData: new Uint8Array(0) },
  { kind: 'D', protocolId: ProtocolId.ESP, spiSize: 4, spis: [fromHex('01020304'), fromHex('05060708')] },
  { kind: 'V', vendorId: fromHex('882fe56d6fd20dbc2251613b2ebe5beb') },
  {
    kind: 'TSi',
    trafficSelectors: [
      { tsType: TsType.TS_IPV4_ADDR_RANGE, ipProtocolId: 0, startPort: 0, endPort: 65535, startingAddress: fromHex('0a0a0101'), endingAddress: fromHex('0a0a01ff') },
      { tsType: TsType.TS_IPV6_ADDR_RANGE, ipProtocolId: 6, startPort: 443, endPort: 443, startingAddress: new Uint8Array(16), endingAddress: new Uint8Array(16).fill(255) },
    ],
  },
  { kind: 'TSr', trafficSelectors: [{ tsType: TsType.TS_SECLABEL, data: fromHex('00' + '73797374656d5f753a') }] },
  { kind: 'CP', cfgType: 1, attributes: [{ attributeType: 1, value: new Uint8Array(0) }, { attributeType: 3, value: fromHex('08080808') }] },
  { kind: 'EAP', eapMessage: fromHex('0101000501') },
  { kind: 'unknown', payloadType: 200, data: fromHex('deadbeef') },
];

function decodeError(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('no DecodeError');
}

describe('IKE message codec (RFC 7296 §3)', () => {
  it('encodes and decodes every payload type symmetrically', () => {
    const bytes = encodeMessage(HEADER, EVERY_PAYLOAD);
    const msg = decodeMessage(bytes);
    const expected: IkeHeader = { ...HEADER, nextPayload: PayloadType.SA, length: bytes.length };
    expect(msg.header).toEqual(expected);
    expect(msg.payloads).toEqual(EVERY_PAYLOAD);
    expect(toHex(encodeMessage(msg.header, msg.payloads))).toBe(toHex(bytes));
  });

  it('writes the generic payload headers and SA substructures as §3.2-§3.3 lay them out', () => {
    const bytes = encodeMessage(HEADER, [EVERY_PAYLOAD[0], { kind: 'Nonce', nonceData: new Uint8Array(16) }]);
    // IKE header: SPIs, Next Payload SA (33), version 2.0, IKE_AUTH (35), flags I, Message ID 1.
    expect(toHex(bytes.subarray(16, 24))).toBe('2120230800000001');
    // SA generic header: next Nonce (40), not critical; proposal 1 is followed by another (2).
    // Its length: 4 + proposal 1 (8 + 12 + 8 + 15) + proposal 2 (8 + 4 + 8) = 67.
    expect(toHex(bytes.subarray(28, 32))).toBe('28000043');
    expect(toHex(bytes.subarray(32, 40))).toBe('0200002b01010003');
    // First transform: more follow (3), ENCR AES-GCM-16 with TV Key Length 256.
    expect(toHex(bytes.subarray(40, 52))).toBe('0300000c0100001480' + '0e0100');
  });

  it('keeps an unknown non-critical payload as octets (§3.2)', () => {
    const bytes = encodeMessage(HEADER, [{ kind: 'unknown', payloadType: 250, data: fromHex('0102') }, { kind: 'V', vendorId: fromHex('aa') }]);
    expect(decodeMessage(bytes).payloads).toEqual([
      { kind: 'unknown', payloadType: 250, data: fromHex('0102') },
      { kind: 'V', vendorId: fromHex('aa') },
    ]);
  });

  it('rejects an unknown critical payload with UNSUPPORTED_CRITICAL_PAYLOAD carrying its type (§3.2)', () => {
    const bytes = encodeMessage(HEADER, [{ kind: 'V', vendorId: fromHex('aa') }, { kind: 'unknown', payloadType: 250, data: fromHex('0102'), critical: true }]);
    let err: unknown;
    try {
      decodeMessage(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IkeNotifyError);
    expect((err as IkeNotifyError).notifyType).toBe(NotifyType.UNSUPPORTED_CRITICAL_PAYLOAD);
    expect((err as IkeNotifyError).notificationData).toEqual(Uint8Array.of(250));
  });

  it('accepts the Critical bit on a known payload type (§3.2: the receiver knows it anyway)', () => {
    const bytes = encodeMessage(HEADER, [{ kind: 'V', vendorId: fromHex('aa'), critical: true }]);
    expect(decodeMessage(bytes).payloads).toEqual([{ kind: 'V', vendorId: fromHex('aa'), critical: true }]);
  });

  it('refuses a major version other than 2 with INVALID_MAJOR_VERSION (§2.5)', () => {
    const bytes = encodeMessage({ ...HEADER, majorVersion: 3 }, []);
    expect(() => decodeMessage(bytes)).toThrow(IkeNotifyError);
    try {
      decodeMessage(bytes);
    } catch (e) {
      expect((e as IkeNotifyError).notifyType).toBe(NotifyType.INVALID_MAJOR_VERSION);
    }
  });

  it('names the field and offset of length errors', () => {
    const bytes = encodeMessage(HEADER, [{ kind: 'V', vendorId: fromHex('aabbcc') }]);
    expect(decodeError(() => decodeMessage(bytes.subarray(0, 20))).field).toBe('IKE header.Message ID');
    expect(decodeError(() => decodeMessage(bytes.subarray(0, bytes.length - 1))).field).toBe('IKE header.Length');
    const longer = bytes.slice();
    longer[31] += 1; // Payload Length one past the end
    const e = decodeError(() => decodeMessage(longer));
    expect(e.field).toBe('Generic Payload Header.Payload Length');
    expect(e.offset).toBe(30);
    const short = bytes.slice();
    short[31] = 3; // shorter than the generic header
    expect(decodeError(() => decodeMessage(short)).field).toBe('Generic Payload Header.Payload Length');
  });

  it('refuses octets after the last payload and a chain that runs past the message', () => {
    const bytes = encodeMessage(HEADER, [{ kind: 'V', vendorId: fromHex('aa') }]);
    const trailing = new Uint8Array(bytes.length + 2);
    trailing.set(bytes);
    trailing[27] += 2; // IKE header Length covers the extra octets
    expect(decodeError(() => decodeMessage(trailing)).field).toBe('payload chain');
    const runs = bytes.slice();
    runs[28] = PayloadType.V; // says another Vendor ID follows
    expect(decodeError(() => decodeMessage(runs)).field).toBe('Generic Payload Header.Next Payload');
  });

  it('requires the Encrypted payload to be last (§3.14)', () => {
    const bytes = encodeMessage(HEADER, [{ kind: 'V', vendorId: fromHex('aa') }, { kind: 'V', vendorId: fromHex('bb') }]);
    const sk = bytes.slice();
    sk[16] = PayloadType.SK; // first payload now reads as SK, but another follows
    expect(decodeError(() => decodeMessage(sk)).field).toBe('Encrypted payload');
  });

  it('checks SA substructure lengths, Last Substruc and Num Transforms (§3.3)', () => {
    const bytes = encodeMessage(HEADER, [EVERY_PAYLOAD[0]]);
    const lastWrong = bytes.slice();
    lastWrong[32] = 0; // first proposal claims to be the last
    expect(decodeError(() => decodeMessage(lastWrong)).field).toBe('SA.Proposals');
    const numWrong = bytes.slice();
    numWrong[39] = 4; // Num Transforms 4 where 3 are present
    expect(decodeError(() => decodeMessage(numWrong)).field).toMatch(/^Transform|Proposal/);
    const tooLong = bytes.slice();
    tooLong[35] = 0xff; // Proposal Length beyond the SA payload
    expect(decodeError(() => decodeMessage(tooLong)).field).toBe('Proposal.Proposal Length');
  });

  it('checks Nonce, Delete and traffic selector sizes (§3.9, §3.11, §3.13.1)', () => {
    expect(decodeError(() => decodeMessage(encodeMessage(HEADER, [{ kind: 'Nonce', nonceData: new Uint8Array(15) }]))).field).toBe('Nonce.Nonce Data');
    expect(decodeError(() => decodeMessage(encodeMessage(HEADER, [{ kind: 'Nonce', nonceData: new Uint8Array(257) }]))).field).toBe('Nonce.Nonce Data');
    const del = encodeMessage(HEADER, [{ kind: 'D', protocolId: ProtocolId.ESP, spiSize: 4, spis: [fromHex('01020304')] }]);
    const delBad = del.slice();
    delBad[35] = 2; // Num of SPIs 2, one present
    expect(decodeError(() => decodeMessage(delBad)).field).toBe('D.Num of SPIs');
    const ts = encodeMessage(HEADER, [EVERY_PAYLOAD[11]]);
    const tsBad = ts.slice();
    tsBad[39] = 17; // Selector Length of an IPv4 range must be 16
    expect(decodeError(() => decodeMessage(tsBad)).field).toBe('TSi.Selector Length');
  });

  it(`bounds the number of payloads in a chain at ${MAX_PAYLOADS_PER_CHAIN}`, () => {
    const many: Payload[] = Array.from({ length: MAX_PAYLOADS_PER_CHAIN + 1 }, () => ({ kind: 'V', vendorId: new Uint8Array(0) }));
    expect(decodeError(() => decodeMessage(encodeMessage(HEADER, many))).field).toBe('Generic Payload Header');
  });
});
