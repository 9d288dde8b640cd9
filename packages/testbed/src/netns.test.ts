import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { pollUntil, startPeer } from './process.js';
import { liveResources } from './cleanup.js';
import { createTopology, netnsSupport, type Topology } from './netns.js';

const support = netnsSupport();
if (!support.ok) console.warn(`netns tests skipped: ${support.reason}`);
const describeNetns = support.ok ? describe : describe.skip;

function namespaces(): string {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
}

describeNetns('createTopology', () => {
  let topo: Topology | undefined;
  afterEach(async () => {
    await topo?.dispose();
    topo = undefined;
  });

  it('two hosts joined by veth ping each other, and dispose() removes the namespaces', async () => {
    topo = await createTopology({
      hosts: [{ name: 'A', loAddresses: ['10.10.1.1/32'] }, { name: 'B' }],
      links: [{ a: 'A', b: 'B', aAddr: '10.99.0.1/24', bAddr: '10.99.0.2/24' }],
    });
    const a = topo.host('A');
    expect(a.interfaces).toEqual([{ name: 'eth0', cidr: '10.99.0.1/24', address: '10.99.0.1', peer: 'B' }]);
    expect(a.netns).toContain(topo.runId);
    expect(namespaces()).toContain(a.netns);
    const ping = await topo.exec('B', 'ping', ['-c', '1', '-W', '5', '10.99.0.1']);
    expect(ping.stdout).toMatch(/1 received/);
    expect((await a.exec('ip', ['-4', 'addr', 'show', 'dev', 'lo'])).stdout).toContain('10.10.1.1/32');
    // The inner address is not routed from B: the ping fails.
    const unrouted = await topo.exec('B', 'ping', ['-c', '1', '-W', '1', '10.10.1.1'], { check: false });
    expect(unrouted.code).not.toBe(0);
    const names = [...topo.hosts.values()].map((h) => h.netns);
    await topo.dispose();
    topo = undefined;
    for (const n of names) expect(namespaces()).not.toContain(n);
    expect(liveResources().filter((r) => r.startsWith('netns'))).toEqual([]);
  });

  it('A - GW - B: traffic is routed through the gateway (TTL decremented once)', async () => {
    topo = await createTopology({
      hosts: [
        { name: 'A', routes: [{ to: '10.99.1.0/24', via: '10.99.0.2' }] },
        { name: 'GW', forwarding: true },
        { name: 'B', routes: [{ to: '10.99.0.0/24', via: '10.99.1.1' }] },
      ],
      links: [
        { a: 'A', b: 'GW', aAddr: '10.99.0.1/24', bAddr: '10.99.0.2/24' },
        { a: 'GW', b: 'B', aAddr: '10.99.1.1/24', bAddr: '10.99.1.2/24' },
      ],
    });
    expect(topo.host('GW').interfaces.map((i) => i.name)).toEqual(['eth0', 'eth1']);
    const ping = await topo.exec('A', 'ping', ['-c', '1', '-W', '5', '10.99.1.2']);
    expect(ping.stdout).toMatch(/ttl=63/);
    // A process started in a namespace sees only that namespace's interfaces.
    const peer = topo.spawnIn('B', 'ip', ['-o', 'link', 'show']);
    expect((await peer.exited).code).toBe(0);
    expect(peer.stdout()).toMatch(/eth0/);
    expect(peer.stdout()).not.toMatch(/eth1/);
  });

  it('refuses a link to an unknown host without leaving anything behind', async () => {
    await expect(createTopology({ hosts: [{ name: 'A' }], links: [{ a: 'A', b: 'X', aAddr: '10.99.0.1/24', bAddr: '10.99.0.2/24' }] }))
      .rejects.toThrow(/unknown host/);
    expect(liveResources().filter((r) => r.startsWith('netns'))).toEqual([]);
  });
});

describeNetns('reaper', () => {
  it('deletes the namespaces (and kills what runs in them) of a test process that died by SIGKILL', async () => {
    const fixture = new URL('./test-support/orphaned-topology.ts', `file://${__filename}`).pathname;
    const parent = startPeer(process.execPath, ['--import', 'tsx', fixture], { label: 'topology fixture' });
    try {
      const m = await parent.waitForOutput(/^netns (\S+) pid (\d+)$/, { timeoutMs: 20_000 });
      const [, ns, pid] = m.match;
      expect(namespaces()).toContain(ns);
      await parent.kill('SIGKILL');
      await pollUntil(`namespace ${ns} to be deleted by the reaper`, () => !namespaces().split('\n').some((l) => l.split(' ')[0] === ns), { timeoutMs: 5000 });
      await pollUntil(`process ${pid} in ${ns} to be killed`, () => !existsSync(`/proc/${pid}/cmdline`) || readState(Number(pid)) === 'Z', { timeoutMs: 5000 });
    } finally {
      await parent.dispose();
    }
  });
});

function readState(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return 'gone';
  }
}
