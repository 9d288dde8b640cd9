/**
 * An established IKE session fed garbage (fast-check): random octets, mutated copies of the
 * messages it exchanged, on port 500 and 4500. It must neither throw nor change state, and must
 * answer nothing that it could not authenticate.
 */
import { nobleProvider, seededRandom } from '@layersec/crypto-primitives';
import { utf8 } from '@layersec/wire';
import fc from 'fast-check';
import { parseProposals } from './config/proposals.js';
import { parseIpAddress, type Endpoint } from './sa/address.js';
import { identityFromString } from './sa/identity.js';
import { parseTrafficSelector } from './sa/traffic-selectors.js';
import { IkeInitiatorSession, IkeResponderSession, type IkeEvent } from './session.js';

const ep = (ip: string, port: number): Endpoint => ({ address: parseIpAddress(ip)!, port });
const A = ep('10.99.0.1', 500);
const B = ep('10.99.0.2', 500);

describe('an established IKE session under fuzzing', () => {
  it('drops what it cannot authenticate, without throwing or changing state', () => {
    const clock = { now: () => 0 };
    const proposals = parseProposals('aes128gcm16-prfsha256-x25519', 'ike');
    const child = { espProposals: parseProposals('aes128gcm16', 'esp'), localTs: [parseTrafficSelector('10.10.1.1/32')], remoteTs: [parseTrafficSelector('10.10.2.1/32')], mode: 'tunnel' as const };
    const i = new IkeInitiatorSession(
      { ctx: { provider: nobleProvider, random: seededRandom('fi'), clock }, ike: { proposals, forceEncapsulation: true }, local: A, remote: B },
      { localId: identityFromString('a@test'), sharedSecret: utf8('k'), child },
    );
    const r = new IkeResponderSession(
      { ctx: { provider: nobleProvider, random: seededRandom('fr'), clock }, ike: { proposals }, local: B, remote: A },
      { localId: identityFromString('b@test'), sharedSecretFor: () => utf8('k'), child: { ...child, localTs: child.remoteTs, remoteTs: child.localTs } },
    );
    const seen: { datagram: Uint8Array; port: number }[] = [];
    i.start();
    for (let k = 0; k < 10; k++) {
      for (const e of i.poll()) if (e.type === 'send') (seen.push({ datagram: e.datagram, port: e.to.port }), r.receive(e.datagram, e.to.port, e.from));
      for (const e of r.poll()) if (e.type === 'send') (seen.push({ datagram: e.datagram, port: e.to.port }), i.receive(e.datagram, e.to.port));
    }
    expect([i.state, r.state]).toEqual(['established', 'established']);
    const input = fc.oneof(
      fc.record({ datagram: fc.uint8Array({ maxLength: 400 }), port: fc.constantFrom(500, 4500) }),
      fc
        .tuple(fc.integer({ min: 0, max: seen.length - 1 }), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean())
        .map(([n, at, xor, cut]) => {
          const d = seen[n].datagram.slice();
          const pos = at % d.length;
          d[pos] ^= xor;
          return { datagram: cut ? d.subarray(0, pos) : d, port: seen[n].port };
        }),
    );
    fc.assert(
      fc.property(input, ({ datagram, port }) => {
        for (const s of [i, r]) {
          s.receive(datagram, port, B);
          const out: IkeEvent[] = s.poll();
          expect(out).toEqual([]);
          expect(s.state).toBe('established');
        }
      }),
      { numRuns: 1500, seed: 7 },
    );
  });
});
