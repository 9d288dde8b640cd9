/**
 * The SA JSON of issue 3 (the shape packages/ikev2 produces): parse → serialize is the identity on
 * that shape, 64-bit sequence numbers survive as strings, and each inconsistency names its member.
 * Key and ICV lengths are RFC 4106 §8.1, RFC 7634 §4, RFC 4543 §8 and RFC 4868 §2's.
 */
import { parseSa, saFromJson, saToJson, serializeSa, SaConfigError } from './sa.js';

const issueShape = {
  protocol: 'esp',
  spi: '0x00001000',
  mode: 'tunnel',
  encryption: 'ENCR_AES_GCM_16',
  encryptionKey: '000102030405060708090a0b0c0d0e0f10111213',
  icvLength: 16,
  integrity: null,
  integrityKey: null,
  esn: false,
  sequence: 1,
  tunnel: { source: '192.0.2.1', destination: '192.0.2.2' },
};

it('round-trips the issue\'s SA JSON exactly, member order included', () => {
  expect(JSON.stringify(serializeSa(parseSa(issueShape)))).toBe(JSON.stringify(issueShape));
  expect(JSON.parse(saToJson(saFromJson(JSON.stringify(issueShape))))).toEqual(issueShape);
});

it('keeps 64-bit ESN sequence numbers beyond 2^53 as decimal strings', () => {
  const sa = parseSa({ ...issueShape, esn: true, sequence: '18446744073709551615' });
  expect(sa.sequence).toBe(0xffff_ffff_ffff_ffffn);
  expect(serializeSa(sa).sequence).toBe('18446744073709551615');
  expect(parseSa({ ...issueShape, esn: true, sequence: '0x100000001' }).sequence).toBe(0x1_0000_0001n);
});

it('CBC + HMAC and integrity-only ESP take their ICV from the integrity algorithm (RFC 4868 §2)', () => {
  const cbc = parseSa({ ...issueShape, encryption: 'ENCR_AES_CBC', encryptionKey: '00'.repeat(32), icvLength: 24, integrity: 'AUTH_HMAC_SHA2_384_192', integrityKey: '11'.repeat(48) });
  expect(cbc.icvLength).toBe(24);
  const nul = parseSa({ ...issueShape, mode: 'transport', tunnel: null, encryption: 'ENCR_NULL', encryptionKey: null, icvLength: 32, integrity: 'AUTH_HMAC_SHA2_512_256', integrityKey: '22'.repeat(64) });
  expect(nul.icvLength).toBe(32);
});

it.each([
  ['spi', { spi: '0x000000ff' }],
  ['encryptionKey', { encryptionKey: '0001' }],
  ['encryptionKey', { encryption: 'ENCR_CHACHA20_POLY1305' }], // 20 bytes; ChaCha20-Poly1305 takes 32 + 4
  ['integrity', { integrity: 'AUTH_HMAC_SHA2_256_128', integrityKey: '00'.repeat(32) }], // AEAD with integrity
  ['icvLength', { icvLength: 12 }],
  ['sequence', { sequence: 4294967296 }], // beyond 32 bits without ESN
  ['tunnel', { tunnel: null }],
  ['tunnel', { tunnel: { source: '192.0.2.1', destination: '2001:db8::1' } }],
  ['integrity', { encryption: 'ENCR_NULL', encryptionKey: null, icvLength: null }],
] as const)('refuses a bad %s', (field, change) => {
  const err = (() => {
    try {
      parseSa({ ...issueShape, ...change });
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  expect(err).toBeInstanceOf(SaConfigError);
  expect((err as SaConfigError).field).toBe(field);
});
