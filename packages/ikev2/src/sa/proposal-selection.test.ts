/**
 * Proposal selection (RFC 7296 §2.7, §3.3.6; RFC 5282 §8 for AEADs) and the initiator's check of
 * the answer.
 */
import { DhId, EncrId, EsnId, IntegId, NotifyType, PrfId, ProtocolId, TransformType } from '../constants.js';
import { parseProposals, proposalToWire } from '../config/proposals.js';
import { IkeNotifyError } from '../errors.js';
import type { Proposal } from '../messages/payloads.js';
import { parseIpAddress, formatIpAddress } from './address.js';
import { acceptSelectedProposal, selectProposal, selectedToWire } from './proposal-selection.js';

const EMPTY = new Uint8Array(0);
const offer = (text: string, protocol: 'ike' | 'esp' = 'ike'): Proposal[] =>
  parseProposals(text, protocol).map((p, i) => proposalToWire(p, i + 1, protocol === 'ike' ? ProtocolId.IKE : ProtocolId.ESP, protocol === 'ike' ? EMPTY : Uint8Array.of(1, 2, 3, 4)));

describe('selectProposal (responder)', () => {
  it("follows the responder's order of proposals and of algorithms within them", () => {
    const offered = offer('aes128-aes256-sha256-sha512-modp2048-ecp256, aes128gcm16-prfsha256-x25519');
    const s = selectProposal(offered, parseProposals('aes256-sha512-ecp256-modp2048, aes128gcm16-prfsha256-x25519', 'ike'), ProtocolId.IKE);
    expect(s).toEqual({
      proposalNum: 1,
      peerSpi: EMPTY,
      transforms: { encr: { id: EncrId.ENCR_AES_CBC, keyLength: 256 }, integ: IntegId.AUTH_HMAC_SHA2_512_256, prf: PrfId.PRF_HMAC_SHA2_512, dh: DhId.ECP_256 },
    });
    const gcmFirst = selectProposal(offered, parseProposals('aes128gcm16-prfsha256-x25519, aes256-sha512-ecp256', 'ike'), ProtocolId.IKE);
    expect(gcmFirst?.proposalNum).toBe(2);
  });

  it('matches the Key Length attribute, not only the Transform ID', () => {
    expect(selectProposal(offer('aes128-sha256-modp2048'), parseProposals('aes256-sha256-modp2048', 'ike'), ProtocolId.IKE)).toBeUndefined();
  });

  it('takes the preferred DH group when both allow it, and skips unsupported groups', () => {
    const offered = offer('aes128-sha256-ecp256-x25519');
    const conf = parseProposals('aes128-sha256-x25519-ecp256', 'ike');
    expect(selectProposal(offered, conf, ProtocolId.IKE)?.transforms.dh).toBe(DhId.CURVE25519);
    expect(selectProposal(offered, conf, ProtocolId.IKE, { preferDh: DhId.ECP_256 })?.transforms.dh).toBe(DhId.ECP_256);
    expect(selectProposal(offered, conf, ProtocolId.IKE, { isSupportedDh: (g) => g !== DhId.CURVE25519 })?.transforms.dh).toBe(DhId.ECP_256);
  });

  it('refuses a proposal with a Transform Type or attribute it does not understand (§3.3.6)', () => {
    const conf = parseProposals('aes128-sha256-modp2048', 'ike');
    const unknownType = offer('aes128-sha256-modp2048');
    unknownType[0].transforms.push({ transformType: TransformType.ADDKE1, transformId: 36, attributes: [] });
    expect(selectProposal(unknownType, conf, ProtocolId.IKE)).toBeUndefined();
    const unknownAttr = offer('aes128-sha256-modp2048');
    unknownAttr[0].transforms[1].attributes.push({ attributeType: 77, format: 'TV', value: 1 });
    expect(selectProposal(unknownAttr, conf, ProtocolId.IKE)).toBeUndefined();
  });

  it('refuses an AEAD offered with an integrity transform other than NONE (RFC 5282 §8)', () => {
    const conf = parseProposals('aes128gcm16-prfsha256-x25519', 'ike');
    const withNone = offer('aes128gcm16-prfsha256-x25519');
    withNone[0].transforms.push({ transformType: TransformType.INTEG, transformId: IntegId.NONE, attributes: [] });
    expect(selectProposal(withNone, conf, ProtocolId.IKE)).toBeDefined();
    const withSha = offer('aes128gcm16-prfsha256-x25519');
    withSha[0].transforms.push({ transformType: TransformType.INTEG, transformId: IntegId.AUTH_HMAC_SHA2_256_128, attributes: [] });
    expect(selectProposal(withSha, conf, ProtocolId.IKE)).toBeUndefined();
  });

  it('negotiates ESP with ESN, without DH for the first Child SA, and keeps the peer SPI', () => {
    const offered = offer('aes128gcm16-x25519-esn-noesn', 'esp');
    const conf = parseProposals('aes128gcm16-x25519-noesn', 'esp');
    const first = selectProposal(offered, conf, ProtocolId.ESP, { ignoreDh: true });
    expect(first).toEqual({ proposalNum: 1, peerSpi: Uint8Array.of(1, 2, 3, 4), transforms: { encr: { id: EncrId.ENCR_AES_GCM_16, keyLength: 128 }, esn: EsnId.NO_ESN } });
    expect(selectProposal(offered, conf, ProtocolId.ESP)?.transforms.dh).toBe(DhId.CURVE25519);
    // A proposal of another protocol is never taken.
    expect(selectProposal(offered, conf, ProtocolId.AH)).toBeUndefined();
  });
});

describe('acceptSelectedProposal (initiator)', () => {
  const offered = offer('aes256-sha256-modp2048, aes128gcm16-prfsha256-x25519');
  const answer = (p: Proposal) => acceptSelectedProposal(offered, [p], ProtocolId.IKE);

  it('accepts one offered transform of each type under an offered Proposal Num', () => {
    const chosen = selectProposal(offered, parseProposals('aes128gcm16-prfsha256-x25519', 'ike'), ProtocolId.IKE)!;
    expect(answer(selectedToWire(chosen, ProtocolId.IKE, EMPTY)).transforms).toEqual(chosen.transforms);
  });

  function refusal(f: () => unknown): string {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(IkeNotifyError);
      expect((e as IkeNotifyError).notifyType).toBe(NotifyType.NO_PROPOSAL_CHOSEN);
      return (e as IkeNotifyError).reason;
    }
    throw new Error('accepted');
  }

  it('refuses answers that do not follow §2.7', () => {
    const good = selectedToWire(selectProposal(offered, parseProposals('aes256-sha256-modp2048', 'ike'), ProtocolId.IKE)!, ProtocolId.IKE, EMPTY);
    expect(refusal(() => acceptSelectedProposal(offered, [good, good], ProtocolId.IKE))).toMatch(/2 proposals/);
    expect(refusal(() => answer({ ...good, proposalNum: 2 }))).toMatch(/was not offered/);
    expect(refusal(() => answer({ ...good, proposalNum: 7 }))).toMatch(/Proposal Num 7/);
    expect(refusal(() => answer({ ...good, transforms: good.transforms.filter((t) => t.transformType !== TransformType.DH) }))).toMatch(/no DH/);
    expect(refusal(() => answer({ ...good, transforms: [...good.transforms, good.transforms[3]] }))).toMatch(/2 transforms of type 4/);
    expect(refusal(() => answer({ ...good, protocolId: ProtocolId.ESP }))).toMatch(/Protocol ID/);
  });
});

describe('IP address text', () => {
  it('parses IPv4 and RFC 4291 §2.2 IPv6 forms', () => {
    expect(parseIpAddress('10.99.0.1')).toEqual(Uint8Array.of(10, 99, 0, 1));
    expect(parseIpAddress('2001:db8::1')).toEqual(Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
    expect(parseIpAddress('::')).toEqual(new Uint8Array(16));
    expect(parseIpAddress('::ffff:192.0.2.1')?.subarray(10)).toEqual(Uint8Array.of(0xff, 0xff, 192, 0, 2, 1));
    expect(formatIpAddress(parseIpAddress('fe80::1:2')!)).toBe('fe80:0:0:0:0:0:1:2');
    for (const bad of ['256.1.1.1', '1.2.3', '1::2::3', '1:2:3:4:5:6:7:8:9', 'a@test', '12345::', '']) expect(parseIpAddress(bad)).toBeUndefined();
  });
});
