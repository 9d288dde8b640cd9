/**
 * `pnpm lab` — the layersec lab's command line. Each command family lives in src/commands/ and
 * registers itself on the program; with no command, the standard comparison runs.
 */
import { Command } from 'commander';
import { COMMANDS } from './commands/index.js';

// `pnpm lab` runs from the repository root; resolve the user's relative paths against the
// directory they typed the command in.
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

const program = new Command('lab')
  .description('layersec lab: network-layer and transport-layer security side by side')
  .showHelpAfterError();
for (const register of COMMANDS) register(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`lab: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = process.exitCode || 1;
});
