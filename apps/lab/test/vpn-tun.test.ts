/**
 * The TUN device from Node (apps/lab/native/tun): created here, moved into a network namespace of
 * this test, addressed and routed there; `ping` in that namespace sends an ICMP echo request into
 * the device, we read it, answer it through the same device, and ping reports the reply. Root
 * only; skipped, saying so, otherwise.
 */
import { spawn, spawnSync } from 'node:child_process';
import { TunDevice, ip, tunAvailable } from '../src/vpn/tun.js';

const canRun = process.getuid?.() === 0 && tunAvailable() && spawnSync('sh', ['-c', 'command -v ping']).status === 0;
if (!canRun) console.warn('TUN test skipped: needs root, /dev/net/tun, ping and the built addon (pnpm install builds apps/lab/native/tun)');
const describeRoot = canRun ? describe : describe.skip;

const tag = `${process.pid % 100000}`;
const NS = `lstun${tag}`;

/** RFC 1071 checksum over `bytes`. */
function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** The echo reply (RFC 792) to an IPv4 ICMP echo request, or undefined for anything else. */
function echoReply(request: Uint8Array): Uint8Array | undefined {
  if (request.length < 28 || request[0] >> 4 !== 4 || request[9] !== 1) return undefined;
  const ihl = (request[0] & 0x0f) * 4;
  if (request[ihl] !== 8) return undefined;
  const reply = request.slice();
  reply.set(request.subarray(16, 20), 12);
  reply.set(request.subarray(12, 16), 16);
  reply[8] = 64;
  reply[10] = reply[11] = 0;
  const h = checksum(reply.subarray(0, ihl));
  reply[10] = h >> 8;
  reply[11] = h & 0xff;
  reply[ihl] = 0;
  reply[ihl + 2] = reply[ihl + 3] = 0;
  const c = checksum(reply.subarray(ihl));
  reply[ihl + 2] = c >> 8;
  reply[ihl + 3] = c & 0xff;
  return reply;
}

function run(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args);
    let stdout = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    p.on('close', (status) => resolve({ status, stdout }));
  });
}

describeRoot('TUN device from Node', () => {
  let tun: TunDevice | undefined;

  beforeAll(() => {
    ip('netns', 'add', NS);
  });

  afterAll(() => {
    tun?.close();
    spawnSync('ip', ['netns', 'del', NS]);
  });

  it('carries a ping: the echo request arrives on our side, our reply reaches ping', async () => {
    tun = TunDevice.open(`lst${tag}`);
    const name = tun.name;
    ip('link', 'set', name, 'netns', NS);
    ip('-n', NS, 'link', 'set', 'lo', 'up');
    ip('-n', NS, 'addr', 'add', '10.10.9.1/32', 'dev', name);
    ip('-n', NS, 'link', 'set', name, 'up');
    ip('-n', NS, 'route', 'add', '10.10.9.2/32', 'dev', name);

    const pinging = run('ip', ['netns', 'exec', NS, 'ping', '-c', '3', '-W', '2', '-i', '0.2', '10.10.9.2']);
    const requests: Uint8Array[] = [];
    for await (const packet of tun) {
      const reply = echoReply(packet);
      if (reply === undefined) continue; // e.g. IPv6 router solicitations are not ours to answer
      requests.push(packet);
      await tun.write(reply);
      if (requests.length === 3) break;
    }
    const result = await pinging;
    // The requests came from the namespace's address to the routed one.
    expect([...requests[0].subarray(12, 20)]).toEqual([10, 10, 9, 1, 10, 10, 9, 2]);
    expect(result.stdout).toMatch(/3 packets transmitted, 3 received/);
    expect(result.status).toBe(0);
    expect(tun.counters.rxPackets).toBeGreaterThanOrEqual(3);
    expect(tun.counters.txPackets).toBe(3);

    // Closing removes the device from the namespace it was moved to.
    tun.close();
    expect(spawnSync('ip', ['-n', NS, 'link', 'show', name]).status).not.toBe(0);
    expect(await tun.read()).toBeUndefined();
  }, 20000);

  it('stops reading when its queue is full and resumes as it is read', async () => {
    const dev = TunDevice.open(`lsq${tag}`, { highWaterMark: 4 });
    try {
      ip('link', 'set', dev.name, 'netns', NS);
      ip('-n', NS, 'addr', 'add', '10.10.9.3/32', 'dev', dev.name);
      ip('-n', NS, 'link', 'set', dev.name, 'up');
      ip('-n', NS, 'route', 'add', '10.10.9.4/32', 'dev', dev.name);
      // 12 echo requests in a burst, none answered. Past 4 queued packets the device is not read,
      // so the rest wait in the kernel until we read, after the burst is over, all 12 in order.
      await run('ip', ['netns', 'exec', NS, 'ping', '-c', '12', '-i', '0.002', '-W', '1', '10.10.9.4']);
      const seqs: number[] = [];
      while (seqs.length < 12) {
        const p = await dev.read();
        if (p === undefined) throw new Error('device closed');
        const ihl = (p[0] & 0x0f) * 4;
        if (p[0] >> 4 === 4 && p[9] === 1 && p[ihl] === 8) seqs.push((p[ihl + 6] << 8) | p[ihl + 7]);
      }
      expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    } finally {
      dev.close();
    }
  }, 20000);
});
