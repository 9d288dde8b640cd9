/**
 * The README's X.509 example is documentation: this test runs that very code block (the ts block
 * of the "X.509 certificates and key files" section of README.md), so it cannot drift from the API.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from '@swc/core';
import * as cryptoPrimitives from '../index.js';

function readmeX509Example(): string {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.split('\n## X.509 certificates and key files\n')[1];
  if (section === undefined) throw new Error('README.md has no "X.509 certificates and key files" section');
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('the X.509 section of README.md has no ts code block');
  return block[1];
}

it('README X.509 example runs and does what the README says', () => {
  const source = readmeX509Example().replace(/import \{[\s\S]*?\} from '@layersec\/crypto-primitives';/, '');
  const { code } = transformSync(`function example() {\n${source}\nreturn { root, intermediate, server, serverKey, path, refusal, sameKey };\n}`, {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    isModule: false,
  });
  const scope = { ...cryptoPrimitives, provider: cryptoPrimitives.nobleProvider };
  const run = new Function(...Object.keys(scope), `${code}\nreturn example();`) as (...args: unknown[]) => Record<string, unknown>;
  const r = run(...Object.values(scope)) as {
    root: cryptoPrimitives.CertificateAuthority;
    intermediate: cryptoPrimitives.CertificateAuthority;
    server: cryptoPrimitives.Certificate;
    serverKey: cryptoPrimitives.PrivateKey;
    path: cryptoPrimitives.VerifiedPath;
    refusal: string;
    sameKey: cryptoPrimitives.PrivateKey;
  };
  expect(r.path.chain.map((c) => c.subject.rfc4514)).toEqual([
    'CN=server.lab.test',
    'CN=Lab Intermediate,O=layersec lab',
    'CN=Lab Root,O=layersec lab',
  ]);
  expect(r.refusal).toBe('hostname-mismatch at depth 0');
  expect(r.sameKey).toEqual(r.serverKey);
});
