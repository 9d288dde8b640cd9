/**
 * The README's usage example runs as written (extracted from README.md and compiled like the
 * sources), against the test PKI of test-vectors/tls/certs, so the documented API cannot drift.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from '@swc/core';
import * as cp from '@layersec/crypto-primitives';
import * as tls from './index.js';
import { CA_FILE, identity } from './test-support/pki.js';

it('README usage example runs and negotiates TLS 1.3', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no ts code block');
  const { code } = transformSync(`function example() {\n${block[1]}\nreturn { negotiated, received };\n}`, {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    isModule: false,
  });
  const id = identity('server-ecdsa-p256');
  const scope: Record<string, unknown> = {
    ...tls,
    TrustStore: cp.TrustStore,
    provider: cp.nobleProvider,
    caPem: readFileSync(CA_FILE, 'utf8'),
    serverCertDer: id.chain[0],
    serverKey: id.key,
  };
  const run = new Function(...Object.keys(scope), `${code}\nreturn example();`) as (...a: unknown[]) => {
    negotiated: tls.SessionInfo;
    received: string[];
  };
  const r = run(...Object.values(scope));
  expect(r.negotiated.protocol).toBe('TLSv1.3');
  expect(r.negotiated.cipherSuiteName).toBe('TLS_AES_128_GCM_SHA256');
  expect(r.received).toEqual(['hello over TLS 1.3']);
});
