/**
 * The scenario commands as a user types them (`lab list`, `lab run <name>` with its flags), run as
 * a child process the way `pnpm lab` runs cli.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const appDir = join(__dirname, '..', '..');

function lab(...args: string[]) {
  const r = spawnSync(process.execPath, ['--conditions=layersec-source', '--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: appDir,
    encoding: 'utf8',
    env: { ...process.env, INIT_CWD: '', NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('lab scenario commands', () => {
  const out = mkdtempSync(join(tmpdir(), 'lab-cli-'));

  it('list --json prints the catalogue', () => {
    const r = lab('list', '--json');
    expect(r.code).toBe(0);
    const names = (JSON.parse(r.stdout) as Array<{ name: string }>).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['tls13-x509-http', 'tls12-x509-http', 'tcp-plain-http']));
  });

  it('run <name> --json writes the capture, result and report and prints the result', () => {
    const r = lab('run', 'tcp-plain-http', '--json', '--out', out);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as { results: Array<{ scenario: string; verified: boolean; files: Record<string, string> }> };
    expect(parsed.results[0]).toMatchObject({ scenario: 'tcp-plain-http', verified: true });
    for (const f of ['capture.pcap', 'result.json']) expect(existsSync(join(out, 'tcp-plain-http', f))).toBe(true);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });

  it('run --explain prints the key schedule with the secrets of the written key log, and the tshark line', () => {
    const r = lab('run', 'tls13-psk-http', '--explain', '--out', out);
    expect(r.code).toBe(0);
    const keylog = readFileSync(join(out, 'tls13-psk-http', 'keylog.txt'), 'utf8');
    const secret = /^CLIENT_TRAFFIC_SECRET_0 \S+ (\S+)$/m.exec(keylog)![1];
    expect(r.stdout).toMatch(new RegExp(`CLIENT_TRAFFIC_SECRET_0\\s+${secret}`));
    expect(r.stdout).toContain(`tls.keylog_file:${join(out, 'tls13-psk-http', 'keylog.txt')}`);
  });

  it('an unknown scenario is an error naming the known ones', () => {
    const r = lab('run', 'no-such-scenario', '--out', out);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no scenario "no-such-scenario" \(known: .*tls13-x509-http/);
  });

  it('a substrate the scenario does not run on is reported as skipped, and the run fails', () => {
    const r = lab('run', 'tls13-x509-http', '--substrate', 'netns', '--out', out);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/skipped: tls13-x509-http runs on memory, loopback; not on netns/);
  });
});
