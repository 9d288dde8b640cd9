import { seededRandom } from '@layersec/crypto-primitives';
import { decodeIpv4Header } from '@layersec/esp';
import { EventLoop } from './event-loop.js';
import { MemoryNetwork, type Impairments, type TappedPacket } from './network.js';
import { tcp } from './tcp.js';
import { udp } from './udp.js';

function twoHosts(seed: string, impairments: Impairments = {}) {
  const net = new MemoryNetwork({ random: seededRandom(seed) });
  const a = net.addHost('a');
  const b = net.addHost('b');
  const link = net.connect(a, '10.0.0.1/24', b, '10.0.0.2/24', impairments);
  return { net, a, b, link };
}

function pattern(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >> 8)) & 0xff;
  return out;
}

describe('EventLoop', () => {
  it('runs events in time order, same-time events in scheduling order, and skips cancelled ones', () => {
    const loop = new EventLoop();
    const seen: string[] = [];
    loop.at(20, () => seen.push('b'));
    loop.at(10, () => seen.push('a'));
    loop.at(20, () => seen.push('c'));
    loop.after(15, () => seen.push('x')).cancel();
    loop.runUntilIdle();
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(loop.now()).toBe(20);
  });
});

describe('memory network', () => {
  it('carries UDP datagrams with the link delay and valid headers', () => {
    const { net, a, b } = twoHosts('udp', { delayMs: 7 });
    const got: Array<{ data: string; at: number; from: string }> = [];
    const server = udp(b).bind(4433);
    server.onMessage((d, from) => {
      got.push({ data: new TextDecoder().decode(d), at: net.loop.now(), from: `${from.address}:${from.port}` });
      server.send(d.slice().reverse(), from);
    });
    const client = udp(a).bind(0);
    const replies: string[] = [];
    client.onMessage((d) => replies.push(new TextDecoder().decode(d)));
    const taps: TappedPacket[] = [];
    net.tap((p) => taps.push(p));
    client.send(new TextEncoder().encode('hello'), { address: '10.0.0.2', port: 4433 });
    net.loop.runUntilIdle();
    expect(got).toEqual([{ data: 'hello', at: 7, from: '10.0.0.1:49152' }]);
    expect(replies).toEqual(['olleh']);
    expect(taps.map((t) => `${t.from}->${t.to}@${t.timeMs}`)).toEqual(['a->b@0', 'b->a@7']);
    const h = decodeIpv4Header(taps[0].packet);
    expect(h.protocol).toBe(17);
    expect(h.totalLength).toBe(20 + 8 + 5);
  });

  it('forwards through a gateway by longest-prefix routes', () => {
    const net = new MemoryNetwork({ random: seededRandom('gw') });
    const a = net.addHost('a');
    const gw = net.addHost('gw', { forwarding: true });
    const b = net.addHost('b');
    const l1 = net.connect(a, '10.1.0.2/24', gw, '10.1.0.1/24');
    net.connect(gw, '10.2.0.1/24', b, '10.2.0.2/24', { delayMs: 1 });
    a.addRoute('0.0.0.0/0', l1.a);
    const got: number[] = [];
    udp(b).bind(9).onMessage((_d, from) => got.push(from.port));
    udp(a).bind(7).send(new Uint8Array([1]), { address: '10.2.0.2', port: 9 });
    net.loop.runUntilIdle();
    expect(got).toEqual([7]);
  });

  it('is deterministic for a seed: the same losses and duplicates happen again', () => {
    const run = () => {
      const { net, a } = twoHosts('det', { loss: 0.3, duplicate: 0.2, jitterMs: 5 });
      const fates: string[] = [];
      net.tap((p) => fates.push(`${p.fate}@${p.timeMs}`));
      const s = udp(a).bind(1000);
      for (let i = 0; i < 50; i++) s.send(new Uint8Array([i]), { address: '10.0.0.2', port: 1 });
      net.loop.runUntilIdle();
      return fates;
    };
    const first = run();
    expect(run()).toEqual(first);
    expect(first.some((f) => f.startsWith('lost'))).toBe(true);
    expect(first.some((f) => f.startsWith('duplicated'))).toBe(true);
  });

  it('drops packets larger than the link MTU and counts them', () => {
    const { net, a, link } = twoHosts('mtu', { mtu: 576 });
    udp(a).bind(5).send(new Uint8Array(1000), { address: '10.0.0.2', port: 5 });
    net.loop.runUntilIdle();
    expect(link.counters.tooBig).toBe(1);
  });
});

describe('memory TCP', () => {
  function transfer(seed: string, impairments: Impairments, size: number) {
    const { net, a, b } = twoHosts(seed, impairments);
    const received: Uint8Array[] = [];
    let serverEnded = false;
    let clientClosed = false;
    tcp(b).listen(443, (c) => {
      c.onData((d) => received.push(d));
      c.onEnd(() => {
        serverEnded = true;
        c.end();
      });
    });
    const client = tcp(a).connect('10.0.0.2', 443);
    const data = pattern(size);
    client.onConnect(() => {
      client.write(data);
      client.end();
    });
    client.onClose((err) => {
      if (err) throw err;
      clientClosed = true;
    });
    const done = net.loop.runUntil(() => serverEnded && clientClosed, 600_000);
    const total = received.reduce((n, d) => n + d.length, 0);
    const got = new Uint8Array(total);
    let off = 0;
    for (const d of received) {
      got.set(d, off);
      off += d.length;
    }
    return { done, got, data, client, net };
  }

  it('transfers a stream intact over a clean link and closes both ways', () => {
    const r = transfer('clean', { delayMs: 10 }, 300_000);
    expect(r.done).toBe(true);
    expect(Buffer.from(r.got).equals(Buffer.from(r.data))).toBe(true);
    expect(r.client.stats.retransmissions).toBe(0);
  });

  it('recovers from 10% loss, reordering and duplication, delivering bytes in order', () => {
    const r = transfer('lossy', { delayMs: 10, loss: 0.1, reorder: 0.1, duplicate: 0.05, jitterMs: 3 }, 200_000);
    expect(r.done).toBe(true);
    expect(r.got.length).toBe(r.data.length);
    expect(Buffer.from(r.got).equals(Buffer.from(r.data))).toBe(true);
    expect(r.client.stats.retransmissions).toBeGreaterThan(0);
  });

  it('answers a connection to a closed port with a reset', () => {
    const { net, a, b } = twoHosts('closed');
    tcp(b);
    const c = tcp(a).connect('10.0.0.2', 81);
    let error: Error | undefined;
    c.onClose((e) => (error = e));
    net.loop.runUntilIdle(10 * 60_000);
    expect(tcp(b).drops.noListener).toBeGreaterThan(0);
    expect(error?.message).toMatch(/reset/);
  });
});
