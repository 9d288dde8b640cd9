/**
 * IP codecs against published values: the IPv4 headers printed in RFC 3602 §4 (valid checksums),
 * RFC 1071 §3's checksum example, and RFC 5952 §4's canonical IPv6 text forms.
 */
import { fromHex, toHex } from '@layersec/wire';
import { loadVectors } from '@layersec/test-vectors';
import { decodeIpv4Header, encodeIpv4Header, formatIpAddress, internetChecksum, ipv4HeaderChecksumValid, onesComplementSum, parseIpAddress } from './ip.js';

const rfc3602 = loadVectors<{ cases: { outerIpHeader: string; originalIpHeader?: string }[] }>('esp/rfc3602.json').cases;

it('RFC 1071 §3: the one\'s-complement sum of 00 01 f2 03 f4 f5 f6 f7 is ddf2', () => {
  const b = fromHex('0001f203f4f5f6f7');
  expect(onesComplementSum(b, 0, b.length)).toBe(0xddf2);
  expect(internetChecksum(b)).toBe(0x220d);
});

it.each(rfc3602.flatMap((c) => [c.outerIpHeader, c.originalIpHeader].filter((h): h is string => !!h)))('RFC 3602 §4 IPv4 header %s: checksum valid, re-encoded identically', (hex) => {
  const h = fromHex(hex);
  expect(ipv4HeaderChecksumValid(h)).toBe(true);
  // The RFC prints headers only; decode needs the whole packet, so pad it to Total Length.
  const packet = new Uint8Array((h[2] << 8) | h[3]);
  packet.set(h);
  const d = decodeIpv4Header(packet);
  expect(toHex(encodeIpv4Header(d))).toBe(hex);
});

it.each([
  ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
  ['2001:0db8::0001', '2001:db8::1'],
  ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: one 16-bit 0 field is not shortened
  ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3: the longest run
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3: the first of equal runs
  ['2001:DB8::AAAA', '2001:db8::aaaa'], // §4.3: lower case
  ['::ffff:c000:0201', '::ffff:192.0.2.1'], // §5: IPv4-mapped in mixed notation
  ['::', '::'],
])('RFC 5952: %s → %s', (text, canonical) => {
  expect(formatIpAddress(parseIpAddress(text))).toBe(canonical);
});

it.each(['1.2.3', '256.1.1.1', '1::2::3', '2001:db8:1:2:3:4:5:6:7', 'g::1'])('refuses %s', (t) => {
  expect(() => parseIpAddress(t)).toThrow(TypeError);
});
