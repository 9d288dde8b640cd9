/**
 * The README's usage example is this package's documentation: this test runs that very code block
 * (extracted from README.md and compiled like the sources), so the documented API cannot drift.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from '@swc/core';
import * as cryptoPrimitives from './index.js';

function readmeExample(): string {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no ts code block');
  return block[1];
}

it('README usage example runs and does what the README says', () => {
  const source = readmeExample().replace(/import \{[\s\S]*?\} from '@layersec\/crypto-primitives';/, '');
  const { code } = transformSync(`function example() {\n${source}\nreturn { alice, bob, shared, opened, tampered, valid, x25519 };\n}`, {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    isModule: false,
  });
  const scope = { ...cryptoPrimitives, provider: cryptoPrimitives.nobleProvider };
  const run = new Function(...Object.keys(scope), `${code}\nreturn example();`) as (...args: unknown[]) => Record<string, unknown>;
  const r = run(...Object.values(scope)) as {
    alice: { privateKey: Uint8Array; publicKey: Uint8Array };
    bob: { privateKey: Uint8Array };
    shared: Uint8Array;
    opened: Uint8Array;
    tampered: Uint8Array | null;
    valid: boolean;
    x25519: cryptoPrimitives.KeyExchange;
  };
  expect(Buffer.from(r.x25519.computeSharedSecret(r.bob.privateKey, r.alice.publicKey))).toEqual(Buffer.from(r.shared));
  expect(new TextDecoder().decode(r.opened)).toBe('hello');
  expect(r.tampered).toBeNull();
  expect(r.valid).toBe(true);
});
