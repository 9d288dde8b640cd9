/**
 * Runs scenarios and writes what each produced under the output folder:
 * `<out>/<scenario>/capture.pcap`, `keylog.txt` (TLS/DTLS), `esp_sa` and `ikev2_decryption_table`
 * (IPsec), `result.json`, plus the scenario's own extras (the lab CA's certificate, the PSK).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioResult } from './result.js';
import type { ScenarioRun } from './run.js';
import type { Scenario, SubstrateName } from './scenario.js';
import { loopbackUnavailable } from '../substrates/loopback/loopback.js';
import { runDtlsOverUdp } from './dtls-over-udp.js';
import { runIkev2 } from './ikev2.js';
import { runInterception } from './interception.js';
import { runTlsOverLoopback, runTlsOverTcp } from './tls-over-tcp.js';
import { keylogFile, shellQuote, tsharkDecryptArgs, uatFile } from './wireshark.js';

export class ScenarioUnavailableError extends Error {}

export interface RunOptions {
  out: string;
  substrate?: SubstrateName;
}

export interface CompletedRun {
  scenario: Scenario;
  run: ScenarioRun;
  result: ScenarioResult;
  /** The scenario's output folder. */
  dir: string;
}

async function drive(s: Scenario, substrate: SubstrateName): Promise<ScenarioRun> {
  if (!s.substrates.includes(substrate)) {
    throw new ScenarioUnavailableError(`${s.name} runs on ${s.substrates.join(', ')}; not on ${substrate} yet`);
  }
  if (substrate === 'loopback') {
    const why = loopbackUnavailable();
    if (why) throw new ScenarioUnavailableError(`${s.name} on loopback: ${why}`);
    const i = s.impairments;
    if (i.loss || i.reorder || i.duplicate || i.jitterMs) {
      throw new ScenarioUnavailableError(`${s.name} impairs its link (loss, reordering, duplication or jitter), which loopback cannot do here; run it on memory`);
    }
  }
  switch (s.protocol) {
    case 'tls1.3':
    case 'tls1.2':
    case 'tcp':
    case 'esp':
      if (s.interception) return runInterception(s);
      return substrate === 'loopback' ? runTlsOverLoopback(s) : runTlsOverTcp(s);
    case 'ikev2':
      return runIkev2(s);
    case 'dtls1.2':
      return runDtlsOverUdp(s);
    default:
      throw new ScenarioUnavailableError(`${s.name}: no driver for ${s.protocol} yet`);
  }
}

export async function runScenario(s: Scenario, options: RunOptions): Promise<CompletedRun> {
  const substrate = options.substrate ?? s.substrates[0];
  const run = await drive(s, substrate);
  const dir = join(options.out, s.name);
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = { capture: 'capture.pcap', result: 'result.json' };
  writeFileSync(join(dir, 'capture.pcap'), run.capture.pcap());
  if (run.keylogLines.length > 0) {
    writeFileSync(join(dir, 'keylog.txt'), keylogFile(run.keylogLines));
    files.keylog = 'keylog.txt';
  }
  for (const table of ['esp_sa', 'ikev2_decryption_table'] as const) {
    if (run.uat[table].length === 0) continue;
    writeFileSync(join(dir, table), uatFile(run.uat[table]));
    files[table] = table;
  }
  for (const [name, text] of Object.entries(run.extraFiles)) {
    writeFileSync(join(dir, name), text);
    files[name] = name;
  }
  const tshark: string[] = [];
  if (files.keylog || files.esp_sa || files.ikev2_decryption_table) {
    const args = tsharkDecryptArgs({
      capture: join(dir, 'capture.pcap'),
      keylog: files.keylog ? join(dir, 'keylog.txt') : undefined,
      uat: run.uat,
      decodeAs: run.decodeAs,
    });
    // tshark 4.0 follows TLS streams, not DTLS ones: for DTLS it prints each application record.
    const dtls = run.decodeAs.some((d) => d.endsWith(',dtls'));
    if (files.keylog && dtls) tshark.push(['tshark', ...args, '-Y', 'dtls.app_data', '-T', 'fields', '-e', 'data.text', '-o', 'data.show_as_text:TRUE'].map(shellQuote).join(' '));
    else if (files.keylog) tshark.push(['tshark', ...args, '-q', '-z', 'follow,tls,ascii,0'].map(shellQuote).join(' '));
    else if (files.ikev2_decryption_table) tshark.push(['tshark', ...args, '-Y', 'isakmp', '-O', 'isakmp'].map(shellQuote).join(' '));
    else tshark.push(['tshark', ...args, '-q', '-z', 'follow,tcp,ascii,0'].map(shellQuote).join(' '));
  } else {
    tshark.push(['tshark', '-r', join(dir, 'capture.pcap'), '-q', '-z', 'follow,tcp,ascii,0'].map(shellQuote).join(' '));
  }
  const result: ScenarioResult = { ...run.result, files, tshark };
  writeFileSync(join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  return { scenario: s, run, result, dir };
}
