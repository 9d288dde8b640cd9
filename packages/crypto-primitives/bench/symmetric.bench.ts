/**
 * Bulk symmetric throughput of the two providers, through the CryptoProvider interface: AEAD seal
 * (AES-128-GCM, ChaCha20-Poly1305) and HMAC-SHA-256 over ESP-sized (1400 B) and TLS-record-sized
 * (16 KiB) inputs, in MB/s, and each noble figure as a ratio of the node:crypto (OpenSSL) figure
 * measured in the same run.
 */
import { versions } from 'node:process';
import { BenchReport } from '../../../scripts/bench-support.js';
import { nobleProvider } from '../src/noble/index.js';
import { nodeProvider } from '../src/node/index.js';
import type { AeadName, CryptoProvider } from '../src/types.js';

const report = new BenchReport('@layersec/crypto-primitives');
const PROVIDERS: ReadonlyArray<[string, CryptoProvider]> = [
  ['node', nodeProvider],
  ['noble', nobleProvider],
];
const SIZES: ReadonlyArray<[string, number]> = [
  ['1400 B', 1400],
  ['16 KiB', 16384],
];

function filled(length: number, seed: number): Uint8Array {
  return new Uint8Array(length).map((_, i) => (i * 131 + seed) & 0xff);
}

process.stderr.write(`crypto-primitives symmetric (node ${versions.node}, OpenSSL ${versions.openssl})\n`);

const AEADS: ReadonlyArray<[AeadName, number]> = [
  ['AES-128-GCM', 16],
  ['CHACHA20-POLY1305', 32],
];
for (const [label, size] of SIZES) {
  const plaintext = filled(size, 1);
  const aad = filled(8, 2);
  const nonce = filled(12, 3);
  for (const [aeadName, keyLength] of AEADS) {
    const [node, noble] = await report.compare(
      PROVIDERS.map(([providerName, provider]) => {
        const aead = provider.aead(aeadName, filled(keyLength, 4));
        return { name: `${aeadName} seal ${label} [${providerName}]`, bytesPerOp: size, fn: () => aead.seal(nonce, plaintext, aad) };
      }),
    );
    report.ratio(`${aeadName} seal ${label} noble/node`, noble.opsPerSecond / node.opsPerSecond, node.name);
  }

  const [node, noble] = await report.compare(
    PROVIDERS.map(([providerName, provider]) => {
      const mac = provider.hmac('SHA-256', filled(32, 5));
      return { name: `HMAC-SHA-256 ${label} [${providerName}]`, bytesPerOp: size, fn: () => mac.compute(plaintext) };
    }),
  );
  report.ratio(`HMAC-SHA-256 ${label} noble/node`, noble.opsPerSecond / node.opsPerSecond, node.name);
}

report.finish();
