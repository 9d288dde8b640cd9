/**
 * The README's usage example runs as written (extracted from README.md and compiled like the
 * sources), so the documented API cannot drift.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from '@swc/core';
import { nodeProvider } from '@layersec/crypto-primitives/node';
import { secureRandom } from '@layersec/crypto-primitives';
import * as esp from './index.js';

it('README usage example runs: the packet goes through the tunnel once, the replay is dropped', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no ts code block');
  const { code } = transformSync(`function example() {\n${block[1]}\nreturn { inner, sealed, opened, replayed };\n}`, {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    isModule: false,
  });
  const scope: Record<string, unknown> = { ...esp, provider: nodeProvider, secureRandom };
  const run = new Function(...Object.keys(scope), `${code}\nreturn example();`) as (...a: unknown[]) => {
    inner: Uint8Array;
    sealed: esp.ProtectResult;
    opened: esp.UnprotectResult;
    replayed: esp.UnprotectResult;
  };
  const r = run(...Object.values(scope));
  if (!r.sealed.ok) throw new Error('not sealed');
  const outer = esp.decodeIpv4Header(r.sealed.packet);
  expect([esp.formatIpAddress(outer.source), esp.formatIpAddress(outer.destination), outer.protocol]).toEqual(['192.0.2.1', '192.0.2.2', esp.IpProtocol.ESP]);
  expect(r.opened).toMatchObject({ ok: true, packet: r.inner, spi: 0x1000, sequenceLow: 1, sequenceHigh: 0 });
  expect(r.replayed).toEqual({ ok: false, reason: 'replay', spi: 0x1000 });
});
