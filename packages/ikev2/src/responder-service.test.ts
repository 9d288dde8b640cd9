/**
 * The responder service: several initiators at once, the retransmitted first request, cookies
 * once IKE SAs are half-open (RFC 7296 §2.6), and forgetting half-open SAs after a timeout.
 */
import { nobleProvider, seededRandom } from '@layersec/crypto-primitives';
import { utf8 } from '@layersec/wire';
import { NotifyType } from './constants.js';
import { parseProposals } from './config/proposals.js';
import { decodeMessage, notifiesOf } from './messages/message.js';
import { parseIpAddress, type Endpoint } from './sa/address.js';
import { identityFromString } from './sa/identity.js';
import { parseTrafficSelector } from './sa/traffic-selectors.js';
import { IkeResponderService, type ServiceEvent } from './responder-service.js';
import { IkeInitiatorSession, type IkeEvent } from './session.js';

class TestClock {
  t = 0;
  now(): number {
    return this.t;
  }
}

const ep = (ip: string, port: number): Endpoint => ({ address: parseIpAddress(ip)!, port });
const SERVER = ep('10.99.0.2', 500);
const proposals = parseProposals('aes128gcm16-prfsha256-x25519', 'ike');
const esp = parseProposals('aes128gcm16', 'esp');
const PSK = utf8('s3cretPSK');

function service(clock: TestClock, options: { cookieThreshold?: number; halfOpenTimeoutMs?: number; maxHalfOpen?: number } = {}) {
  return new IkeResponderService({
    ctx: { provider: nobleProvider, random: seededRandom('service'), clock },
    ike: { proposals },
    auth: { localId: identityFromString('gw@test'), sharedSecretFor: () => PSK, child: { espProposals: esp, localTs: [parseTrafficSelector('10.10.0.0/16')], remoteTs: [parseTrafficSelector('0.0.0.0/0')], mode: 'tunnel' } },
    local: SERVER,
    ...options,
  });
}

function client(clock: TestClock, ip: string, n: number) {
  return new IkeInitiatorSession(
    { ctx: { provider: nobleProvider, random: seededRandom(`client ${n}`), clock }, ike: { proposals }, local: ep(ip, 500), remote: SERVER },
    { localId: identityFromString(`c${n}@test`), sharedSecret: PSK, child: { espProposals: esp, localTs: [parseTrafficSelector(`${ip}/32`)], remoteTs: [parseTrafficSelector('10.10.0.0/16')], mode: 'tunnel' } },
  );
}

type Send = Extract<IkeEvent, { type: 'send' }>;

/** Delivers one round: each client's datagrams to the service, the service's back by address. */
function round(svc: IkeResponderService, clients: { c: IkeInitiatorSession; ip: string }[], hold: (c: IkeInitiatorSession) => boolean = () => false): { served: ServiceEvent[]; toClients: Send[] } {
  for (const { c } of clients) {
    if (hold(c)) continue;
    for (const e of c.poll()) if (e.type === 'send') svc.receive(e.datagram, e.to.port, e.from);
  }
  const served: ServiceEvent[] = [];
  const toClients: Send[] = [];
  for (const e of svc.poll()) {
    if (e.type === 'send') {
      toClients.push(e);
      const target = clients.find((x) => parseIpAddress(x.ip)!.every((b, i) => b === e.to.address[i]));
      target?.c.receive(e.datagram, e.to.port);
    } else served.push(e);
  }
  return { served, toClients };
}

describe('IkeResponderService', () => {
  it('serves several initiators, each in its own IKE SA', () => {
    const clock = new TestClock();
    const svc = service(clock);
    const clients = [1, 2, 3].map((n) => ({ c: client(clock, `192.0.2.${n}`, n), ip: `192.0.2.${n}` }));
    for (const { c } of clients) c.start();
    const served: ServiceEvent[] = [];
    for (let k = 0; k < 4; k++) served.push(...round(svc, clients).served);
    expect(served.filter((s) => s.event.type === 'established')).toHaveLength(3);
    expect(clients.every(({ c }) => c.state === 'established')).toBe(true);
    expect(svc.size).toBe(3);
    expect(svc.halfOpen).toBe(0);
    // One initiator deletes its IKE SA; the service forgets it.
    clients[0].c.close();
    for (let k = 0; k < 2; k++) round(svc, clients);
    expect(clients[0].c.state).toBe('deleted');
    expect(svc.size).toBe(2);
  });

  it('answers a retransmitted IKE_SA_INIT request from the SA it created, not with a new one', () => {
    const clock = new TestClock();
    const svc = service(clock);
    const c = client(clock, '192.0.2.1', 1);
    c.start();
    const [first] = c.poll() as Send[];
    svc.receive(first.datagram, 500, first.from);
    const a = svc.poll();
    svc.receive(first.datagram, 500, first.from);
    const b = svc.poll();
    expect(svc.size).toBe(1);
    expect((b.find((e) => e.type === 'send') as Send).datagram).toEqual((a.find((e) => e.type === 'send') as Send).datagram);
  });

  it('asks for cookies while IKE SAs are half-open (§2.6), and forgets those that time out', () => {
    const clock = new TestClock();
    const svc = service(clock, { cookieThreshold: 1, halfOpenTimeoutMs: 30000 });
    const stalled = client(clock, '192.0.2.1', 1);
    const other = client(clock, '192.0.2.2', 2);
    const clients = [
      { c: stalled, ip: '192.0.2.1' },
      { c: other, ip: '192.0.2.2' },
    ];
    stalled.start();
    round(svc, clients);
    expect(svc.halfOpen).toBe(1);
    // The stalled initiator's IKE_AUTH request is held back; the next initiator gets N(COOKIE).
    other.start();
    const r1 = round(svc, clients, (c) => c === stalled);
    expect(notifiesOf(decodeMessage(r1.toClients[0].datagram).payloads, NotifyType.COOKIE)).toHaveLength(1);
    expect(svc.size).toBe(1);
    for (let k = 0; k < 3; k++) round(svc, clients, (c) => c === stalled);
    expect(other.state).toBe('established');
    // 30 s later the half-open SA is gone; its IKE_AUTH request then finds nothing.
    expect(svc.nextDeadline).toBe(30000);
    clock.t = 30000;
    svc.tick(clock.t);
    expect(svc.size).toBe(1);
    round(svc, clients);
    expect(stalled.state).toBe('ike-auth');
  });

  it('drops new IKE_SA_INIT requests beyond maxHalfOpen half-open IKE SAs', () => {
    const clock = new TestClock();
    const svc = service(clock, { maxHalfOpen: 2 });
    for (let n = 1; n <= 4; n++) {
      const c = client(clock, `192.0.2.${n}`, n);
      c.start();
      const [req] = c.poll() as Send[];
      svc.receive(req.datagram, 500, req.from);
      const answered = svc.poll().filter((e) => e.type === 'send');
      expect(answered).toHaveLength(n <= 2 ? 1 : 0);
    }
    expect(svc.halfOpen).toBe(2);
  });
});
