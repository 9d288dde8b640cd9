/**
 * Host name and IP address matching: the examples of RFC 6125 §6.4.3 (wildcards) and the
 * address text forms of RFC 4291 §2.2 (IPv6) — expected values from the RFC text. The same rules
 * are checked against `openssl verify -verify_hostname/-verify_ip` by the matrix in
 * verify.test.ts.
 */
import { dnsNameMatches, parseIpAddress } from './index.js';

const hex = (b: Uint8Array | null): string | null => (b ? Buffer.from(b).toString('hex') : null);

describe('RFC 6125 §6.4.3 wildcard examples', () => {
  it('*.example.com matches foo.example.com', () => expect(dnsNameMatches('*.example.com', 'foo.example.com')).toBe(true));
  it('*.example.com does not match bar.foo.example.com', () => expect(dnsNameMatches('*.example.com', 'bar.foo.example.com')).toBe(false));
  it('*.example.com does not match example.com', () => expect(dnsNameMatches('*.example.com', 'example.com')).toBe(false));
  it('bar.*.example.net (wildcard not in the left-most label) matches nothing', () => {
    expect(dnsNameMatches('bar.*.example.net', 'bar.foo.example.net')).toBe(false);
  });
  it('partial-label wildcards (baz*.example.net, *baz.example.net, b*z.example.net), a MAY of §6.4.3, are not honoured', () => {
    expect(dnsNameMatches('baz*.example.net', 'baz1.example.net')).toBe(false);
    expect(dnsNameMatches('*baz.example.net', 'foobaz.example.net')).toBe(false);
    expect(dnsNameMatches('b*z.example.net', 'buzz.example.net')).toBe(false);
  });
  it('§6.4.1: comparison is case-insensitive; a trailing dot is the same name', () => {
    expect(dnsNameMatches('WWW.Example.COM', 'www.example.com')).toBe(true);
    expect(dnsNameMatches('www.example.com.', 'www.example.com')).toBe(true);
    expect(dnsNameMatches('*.example.com', 'FOO.EXAMPLE.COM.')).toBe(true);
  });
  it('a reference identifier is never a pattern', () => expect(dnsNameMatches('foo.example.com', '*.example.com')).toBe(false));
});

describe('RFC 4291 §2.2 IPv6 text forms, and dotted quads', () => {
  const cases: Array<[string, string]> = [
    ['2001:DB8:0:0:8:800:200C:417A', '20010db80000000000080800200c417a'],
    ['2001:DB8::8:800:200C:417A', '20010db80000000000080800200c417a'],
    ['FF01::101', 'ff010000000000000000000000000101'],
    ['::1', '00000000000000000000000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['0:0:0:0:0:0:13.1.68.3', '0000000000000000000000000d014403'],
    ['::13.1.68.3', '0000000000000000000000000d014403'],
    ['0:0:0:0:0:FFFF:129.144.52.38', '00000000000000000000ffff81903426'],
    ['::FFFF:129.144.52.38', '00000000000000000000ffff81903426'],
    ['127.0.0.1', '7f000001'],
    ['255.255.255.255', 'ffffffff'],
  ];
  for (const [text, bytes] of cases) it(text, () => expect(hex(parseIpAddress(text))).toBe(bytes));

  it('not addresses', () => {
    for (const text of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', 'example.com', '1:2:3:4:5:6:7:8:9', ':::', '1::2::3', '12345::', '::1.2.3']) {
      expect([text, parseIpAddress(text)]).toEqual([text, null]);
    }
  });
});
