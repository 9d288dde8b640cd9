/**
 * The scenario commands: `lab` (no command: the standard comparison), `lab list`, `lab run <name>`,
 * with `--out DIR`, `--json`, `--explain` and `--substrate memory|loopback|netns`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { explainText } from '../report/explain.js';
import { renderReport } from '../report/html.js';
import { catalogueTable, comparisonTable, scenarioTable } from '../report/table.js';
import { CATALOGUE, findScenario } from '../scenarios/catalogue.js';
import type { CompletedRun } from '../scenarios/runner.js';
import { SUBSTRATES, type Scenario, type SubstrateName } from '../scenarios/scenario.js';
import type { RegisterCommand } from './index.js';

interface RunFlags {
  out: string;
  json?: boolean;
  explain?: boolean;
  substrate: SubstrateName;
}

function withRunFlags(cmd: Command): Command {
  return cmd
    .option('--out <dir>', 'folder for captures, key logs, results and report.html', 'lab-out')
    .option('--json', 'print the results as JSON (for machines) instead of tables')
    .option('--explain', 'narrate each handshake step by step with the real values')
    .addOption(new Option('--substrate <name>', 'where the scenarios run').choices([...SUBSTRATES]).default('memory'));
}

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Runs the scenarios, writes report.html, prints tables or JSON. Returns whether all verified. */
async function runAll(scenarios: readonly Scenario[], flags: RunFlags, title: string): Promise<boolean> {
  // Loaded on use, so that registering these commands loads no substrate (the other command
  // families keep working whatever the substrates need).
  const { ScenarioUnavailableError, runScenario } = await import('../scenarios/runner.js');
  const out = resolve(flags.out);
  mkdirSync(out, { recursive: true });
  const done: CompletedRun[] = [];
  const skipped: string[] = [];
  for (const [i, s] of scenarios.entries()) {
    const started = Date.now();
    if (!flags.json) process.stderr.write(`[${i + 1}/${scenarios.length}] ${s.name} … `);
    try {
      const c = await runScenario(s, { out, substrate: flags.substrate });
      done.push(c);
      if (!flags.json) say(`${c.result.verified ? 'done' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (e) {
      if (!(e instanceof ScenarioUnavailableError)) throw e;
      skipped.push(e.message);
      if (!flags.json) say(`skipped: ${e.message}`);
    }
  }
  const report = join(out, 'report.html');
  writeFileSync(
    report,
    renderReport(done, { title, generated: `${done.length} scenario(s) on ${flags.substrate}, written to ${out}`, skipped }),
  );
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ results: done.map((c) => c.result), skipped, report }, null, 2)}\n`);
  } else {
    if (done.length === 1) process.stdout.write(`${scenarioTable(done[0].result)}\n`);
    else if (done.length > 1) process.stdout.write(`${comparisonTable(done.map((c) => c.result))}\n`);
    for (const c of done) {
      if (flags.explain) {
        process.stdout.write(`\n== ${c.result.scenario}: step by step ==\n\n${explainText(c.run.explain, c.run.layouts)}\n`);
      }
    }
    process.stdout.write('\nDecrypt a capture with tshark:\n');
    for (const c of done) for (const t of c.result.tshark) process.stdout.write(`  # ${c.result.scenario}\n  ${t}\n`);
    process.stdout.write(`\nReport: ${report}\n`);
  }
  if (done.length === 0) {
    say(`no scenario could run on ${flags.substrate}`);
    return false;
  }
  return done.every((c) => c.result.verified);
}

export const registerScenarios: RegisterCommand = (program) => {
  withRunFlags(
    program
      .command('compare', { isDefault: true })
      .description('run the standard comparison (what `lab` with no command does) and write the report'),
  ).action(async (flags: RunFlags) => {
    if (!(await runAll(CATALOGUE.filter((s) => s.standard), flags, 'layersec lab: the standard comparison'))) process.exitCode = 1;
  });

  program
    .command('list')
    .description('list the scenario catalogue')
    .option('--json', 'print the catalogue as JSON')
    .action((flags: { json?: boolean }) => {
      if (flags.json) process.stdout.write(`${JSON.stringify(CATALOGUE, null, 2)}\n`);
      else process.stdout.write(`${catalogueTable(CATALOGUE)}\n`);
    });

  withRunFlags(program.command('run').description('run one scenario of the catalogue').argument('<name>', 'scenario name (see `lab list`)')).action(
    async (name: string, flags: RunFlags) => {
      const s = findScenario(name);
      if (!s) throw new Error(`no scenario "${name}" (known: ${CATALOGUE.map((x) => x.name).join(', ')})`);
      if (!(await runAll([s], flags, `layersec lab: ${s.name}`))) process.exitCode = 1;
    },
  );
};
