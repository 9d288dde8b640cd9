/**
 * The README's usage example runs as written (extracted from README.md and compiled like the
 * sources), so the documented API cannot drift.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from '@swc/core';
import { nobleProvider } from '@layersec/crypto-primitives';
import { utf8 } from '@layersec/wire';
import * as dtls from './index.js';

it('README usage example runs and negotiates DTLS 1.2 with a PSK', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no ts code block');
  const { code } = transformSync(`function example() {\n${block[1]}\nreturn negotiated;\n}`, {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    isModule: false,
  });
  const scope: Record<string, unknown> = { ...dtls, provider: nobleProvider, utf8, psk: new Uint8Array(16).fill(3) };
  const run = new Function(...Object.keys(scope), `${code}\nreturn example();`) as (...a: unknown[]) => dtls.DtlsSessionInfo | undefined;
  const negotiated = run(...Object.values(scope));
  expect(negotiated?.protocol).toBe('DTLSv1.2');
  expect(negotiated?.cipherSuiteName).toMatch(/PSK/);
});
