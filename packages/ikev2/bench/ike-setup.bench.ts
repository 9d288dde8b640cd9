/**
 * IKE SA + first Child SA setups per second (IKE_SA_INIT + IKE_AUTH, PSK, X25519, AES-GCM-16)
 * between two sessions of this package in one process, with each crypto provider. Run from the
 * package folder: `npx tsx --conditions=layersec-source bench/ike-setup.bench.ts`.
 */
import { Bench } from 'tinybench';
import { nobleProvider, secureRandom, type CryptoProvider } from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import {
  IkeInitiatorSession,
  IkeResponderSession,
  identityFromString,
  parseIpAddress,
  parseProposals,
  parseTrafficSelector,
} from '@layersec/ikev2';

const A = { address: parseIpAddress('10.99.0.1')!, port: 500 };
const B = { address: parseIpAddress('10.99.0.2')!, port: 500 };
const proposals = parseProposals('aes128gcm16-prfsha256-x25519', 'ike');
const child = { espProposals: parseProposals('aes128gcm16', 'esp'), localTs: [parseTrafficSelector('10.10.1.1/32')], remoteTs: [parseTrafficSelector('10.10.2.1/32')], mode: 'tunnel' as const };
const psk = new TextEncoder().encode('s3cretPSK');
const clock = { now: () => 0 };

function setup(provider: CryptoProvider): void {
  const i = new IkeInitiatorSession(
    { ctx: { provider, random: secureRandom, clock }, ike: { proposals }, local: A, remote: B },
    { localId: identityFromString('a@test'), sharedSecret: psk, child },
  );
  const r = new IkeResponderSession(
    { ctx: { provider, random: secureRandom, clock }, ike: { proposals }, local: B, remote: A },
    { localId: identityFromString('b@test'), sharedSecretFor: () => psk, child: { ...child, localTs: child.remoteTs, remoteTs: child.localTs } },
  );
  i.start();
  for (let k = 0; k < 4 && i.state !== 'established'; k++) {
    for (const e of i.poll()) if (e.type === 'send') r.receive(e.datagram, e.to.port, e.from);
    for (const e of r.poll()) if (e.type === 'send') i.receive(e.datagram, e.to.port);
  }
  if (i.state !== 'established' || r.state !== 'established') throw new Error('setup did not complete');
}

const bench = new Bench({ time: 2000 });
bench.add('IKE_SA_INIT+IKE_AUTH, PSK/X25519/AES-GCM (node provider)', () => setup(nodeProvider));
bench.add('IKE_SA_INIT+IKE_AUTH, PSK/X25519/AES-GCM (noble provider)', () => setup(nobleProvider));
await bench.run();
const rows = bench.tasks.map((t) => {
  const r = t.result;
  const perSecond = r !== undefined && 'throughput' in r ? r.throughput.mean : 0;
  return { task: t.name, 'setups/s': Math.round(perSecond) };
});
console.table(rows);
const [node, noble] = rows.map((r) => r['setups/s']);
if (node > 0) console.log(`noble / node: ${(noble / node).toFixed(2)}`);
