/**
 * Runs the usage example of README.md, and checks that the README shows exactly this code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nobleProvider, secureRandom } from '@layersec/crypto-primitives';
import { IkeInitInitiator, IkeInitResponder, parseIpAddress, parseSwanctlConf } from '@layersec/ikev2';

describe('README usage example', () => {
  it('is the code below, and it runs', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const self = readFileSync(__filename, 'utf8');
    const example = /\/\/ README example start\n([\s\S]*?)    \/\/ README example end/.exec(self)?.[1] ?? 'missing';
    const body = block.split('\n').filter((l) => !l.startsWith('import ')).join('\n').trim();
    const unindented = example
      .split('\n')
      .map((l) => l.replace(/^ {4}/, ''))
      .join('\n')
      .trim();
    expect(unindented).toBe(body);

    // README example start
    const conf = parseSwanctlConf(`
      connections { t { proposals = aes128gcm16-prfsha256-x25519
                        local { auth = psk }  remote { auth = psk } } }`);
    const proposals = conf.connections[0].proposals;
    const ctx = { provider: nobleProvider, random: secureRandom, clock: { now: () => 0 } };
    const a = { address: parseIpAddress('10.99.0.1')!, port: 500 };
    const b = { address: parseIpAddress('10.99.0.2')!, port: 500 };

    const initiator = new IkeInitInitiator(ctx, { proposals }, { local: a, remote: b });
    const responder = new IkeInitResponder(ctx, { proposals }, { cookieThreshold: 100 });

    // HDR, SA, KEi, Ni, N(NAT_DETECTION_*) -->   (UDP from a:500 to b:500)
    const answer = responder.processRequest(initiator.buildRequest(), { local: b, remote: a });
    if (answer.kind !== 'established') throw new Error(`responder: ${answer.kind}`);
    // <-- HDR, SA, KEr, Nr, N(NAT_DETECTION_*)
    const done = initiator.processResponse(answer.response);
    if (done.kind !== 'established') throw new Error(`initiator: ${done.kind}`);

    console.log(done.sa.transforms, done.sa.useNatT ? 'continue on port 4500' : 'stay on port 500');
    expect(done.sa.keys).toEqual(answer.sa.keys); // SK_d, SK_ai ... SK_pr agree
    // README example end
  });
});
