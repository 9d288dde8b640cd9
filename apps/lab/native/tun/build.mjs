// Builds the TUN addon with node-gyp against the headers of the Node that runs this script
// (`<prefix>/include/node`, e.g. /usr/include/node from Debian's or NodeSource's nodejs), so that
// nothing is downloaded. Linux only: elsewhere it says so and builds nothing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (process.platform !== 'linux') {
  console.log('layersec TUN addon: Linux only, not built');
  process.exit(0);
}
const prefix = dirname(dirname(process.execPath));
const args = ['rebuild', `--directory=${here}`];
if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
// pnpm and npm put their own node-gyp on PATH for install scripts; npx finds it otherwise.
const onPath = spawnSync('sh', ['-c', 'command -v node-gyp'], { encoding: 'utf8' }).status === 0;
const r = onPath ? spawnSync('node-gyp', args, { stdio: 'inherit' }) : spawnSync('npx', ['-y', 'node-gyp', ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
