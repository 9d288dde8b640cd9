/** Traffic selector text (swanctl.conf forms) and §2.9 narrowing. */
import { TsType } from '../constants.js';
import { parseIpAddress } from './address.js';
import { TrafficSelectorError, intersectSelectors, narrowSelectors, parseTrafficSelector, selectorWithin } from './traffic-selectors.js';

const ip = (s: string) => parseIpAddress(s)!;

describe('traffic selectors', () => {
  it('reads prefixes, ranges, dynamic and [protocol/port]', () => {
    expect(parseTrafficSelector('10.10.1.0/24')).toEqual({
      tsType: TsType.TS_IPV4_ADDR_RANGE, ipProtocolId: 0, startPort: 0, endPort: 65535, startingAddress: ip('10.10.1.0'), endingAddress: ip('10.10.1.255'),
    });
    expect(parseTrafficSelector('10.10.1.77/20').startingAddress).toEqual(ip('10.10.0.0'));
    expect(parseTrafficSelector('10.10.1.77/20').endingAddress).toEqual(ip('10.10.15.255'));
    expect(parseTrafficSelector('0.0.0.0/0').endingAddress).toEqual(ip('255.255.255.255'));
    expect(parseTrafficSelector('10.0.0.5-10.0.0.9').endingAddress).toEqual(ip('10.0.0.9'));
    expect(parseTrafficSelector('dynamic', ip('10.99.0.1')).startingAddress).toEqual(ip('10.99.0.1'));
    const v6 = parseTrafficSelector('2001:db8::/32[udp/53]');
    expect(v6).toMatchObject({ tsType: TsType.TS_IPV6_ADDR_RANGE, ipProtocolId: 17, startPort: 53, endPort: 53 });
    expect(v6.endingAddress).toEqual(ip('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'));
    expect(parseTrafficSelector('10.0.0.1[tcp/1024-65535]')).toMatchObject({ ipProtocolId: 6, startPort: 1024, endPort: 65535 });
    expect(parseTrafficSelector('10.0.0.1[/53]')).toMatchObject({ ipProtocolId: 0, startPort: 53, endPort: 53 });
    for (const bad of ['10.0.0.0/33', 'dynamic', 'x/8', '10.0.0.9-10.0.0.1', '10.0.0.1[gre]', '10.0.0.1[tcp/99999]']) {
      expect(() => parseTrafficSelector(bad)).toThrow(TrafficSelectorError);
    }
  });

  it('narrows to the intersection (§2.9) and checks containment', () => {
    const wide = parseTrafficSelector('10.0.0.0/8');
    const tcp = parseTrafficSelector('10.1.0.0/16[tcp/80]');
    expect(intersectSelectors(wide, tcp)).toEqual(tcp);
    expect(intersectSelectors(tcp, parseTrafficSelector('10.1.0.0/16[udp]'))).toBeUndefined();
    expect(intersectSelectors(wide, parseTrafficSelector('192.168.0.0/16'))).toBeUndefined();
    expect(intersectSelectors(wide, parseTrafficSelector('::/0'))).toBeUndefined();
    expect(narrowSelectors([wide], [parseTrafficSelector('10.2.0.0/16'), parseTrafficSelector('10.3.0.0/16')])).toHaveLength(2);
    expect(selectorWithin(tcp, wide)).toBe(true);
    expect(selectorWithin(wide, tcp)).toBe(false);
  });
});
