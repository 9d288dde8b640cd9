/**
 * `lab vpn up|status|down|rekey`: an IPsec gateway keyed by @layersec/ikev2, carrying the
 * traffic of unmodified programs through a TUN device (Linux, root). `up` runs in the
 * foreground like `charon-cmd` until SIGINT/SIGTERM or `vpn down`, which delete the SAs
 * (INFORMATIONAL Delete) and the routes; `status` prints the SAs like `swanctl --list-sas`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { gatewayConfigFromText } from '../vpn/config.js';
import { DEFAULT_RUNTIME_DIR, controlSocketPath, formatStatus, request, serveControl } from '../vpn/control.js';
import { VpnGateway } from '../vpn/gateway.js';
import type { RegisterCommand } from './index.js';

interface UpOptions {
  config: string;
  conn?: string;
  child?: string;
  tun?: string;
  encap?: boolean;
  runtimeDir: string;
  socket?: string;
  espSa?: string;
}

interface ClientOptions {
  runtimeDir: string;
  socket?: string;
  json?: boolean;
}

function stamp(line: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`);
}

async function up(o: UpOptions): Promise<void> {
  const config = gatewayConfigFromText(readFileSync(o.config, 'utf8'), { ...(o.conn ? { conn: o.conn } : {}), ...(o.child ? { child: o.child } : {}) });
  const socketPath = o.socket ?? controlSocketPath(o.runtimeDir);
  const gateway = await VpnGateway.start({ config, ...(o.tun ? { tunName: o.tun } : {}), encapsulate: o.encap === true, log: stamp });
  let stopping: Promise<void> | undefined;
  let control: { close(): void } | undefined;
  const writeEspSa = () => {
    if (o.espSa !== undefined) writeFileSync(o.espSa, `${gateway.espSaRows().join('\n')}\n`);
  };
  const stop = (why: string): Promise<void> => {
    stopping ??= (async () => {
      stamp(`${why}: deleting the SAs`);
      writeEspSa();
      await gateway.stop();
      control?.close();
    })();
    return stopping;
  };
  try {
    control = await serveControl(socketPath, {
      status: () => gateway.status(),
      down: () => stop('vpn down'),
      rekey: () => gateway.rekeyChild(),
    });
  } catch (e) {
    await gateway.stop();
    throw e;
  }
  stamp(`control socket ${socketPath}`);
  // Keep the esp_sa rows current (rekeys add SAs) for a capture decrypted while the gateway runs.
  const onEvent = setInterval(writeEspSa, 1000);
  await new Promise<void>((resolve) => {
    const done = () => {
      clearInterval(onEvent);
      resolve();
    };
    process.once('SIGINT', () => void stop('SIGINT').then(done));
    process.once('SIGTERM', () => void stop('SIGTERM').then(done));
    const poll = setInterval(() => {
      if (stopping !== undefined) {
        clearInterval(poll);
        void stopping.then(done);
      }
    }, 100);
  });
}

async function client(o: ClientOptions, command: 'status' | 'down' | 'rekey'): Promise<void> {
  const path = o.socket ?? controlSocketPath(o.runtimeDir);
  const answer = await request(path, { command });
  if (!answer.ok) throw new Error(answer.error);
  if (command === 'status' && answer.status !== undefined) {
    process.stdout.write(o.json ? `${JSON.stringify(answer.status, null, 2)}\n` : formatStatus(answer.status));
  } else if (command === 'rekey') {
    process.stdout.write(answer.rekeying ? 'rekeying the Child SA\n' : 'no Child SA to rekey\n');
  } else {
    process.stdout.write('gateway stopped: SAs deleted, routes removed\n');
  }
}

export const registerVpn: RegisterCommand = (program: Command) => {
  const vpn = program.command('vpn').description('IPsec gateway over a TUN device, keyed by our IKEv2 (Linux, root)');
  const socketOptions = (c: Command) =>
    c
      .option('--runtime-dir <dir>', 'where the control socket lives', DEFAULT_RUNTIME_DIR)
      .option('--socket <path>', 'control socket (default: <runtime-dir>/<netns>.sock)');
  socketOptions(
    vpn
      .command('up')
      .description('bring the gateway up and run until SIGINT/SIGTERM or `vpn down`')
      .requiredOption('--config <file>', 'swanctl.conf-style file (connections, secrets)')
      .option('--conn <name>', 'connection to run (default: the only one)')
      .option('--child <name>', 'child of the connection (default: the first)')
      .option('--tun <name>', 'TUN interface name (default: vpn-<conn>)')
      .option('--encap', 'always UDP-encapsulate ESP on port 4500 (like strongSwan encap = yes)')
      .option('--esp-sa <file>', "write the Child SAs' Wireshark esp_sa rows here (kept current)"),
  ).action((o: UpOptions) => up(o));
  socketOptions(vpn.command('status').description('SAs, counters and drops of the running gateway (like swanctl --list-sas)').option('--json', 'as JSON')).action(
    (o: ClientOptions) => client(o, 'status'),
  );
  socketOptions(vpn.command('down').description('delete the SAs (INFORMATIONAL Delete), remove the routes, stop the gateway')).action((o: ClientOptions) =>
    client(o, 'down'),
  );
  socketOptions(vpn.command('rekey').description('rekey the Child SA now (CREATE_CHILD_SA), as its lifetime would')).action((o: ClientOptions) =>
    client(o, 'rekey'),
  );
};
