/**
 * Two IKE sessions of this package joined by an in-memory network with a programmable loss, on a
 * test clock: establishment, the move to port 4500, retransmission with back-off and answers
 * from the response cache (RFC 7296 §2.1), giving up, and Delete in both directions (§1.4.1).
 */
import { nobleProvider, seededRandom } from '@layersec/crypto-primitives';
import { utf8 } from '@layersec/wire';
import { ExchangeType, NotifyType } from './constants.js';
import { parseProposals } from './config/proposals.js';
import { decodeEncryptedPayloads, encodeEncryptedMessage } from './messages/encrypted.js';
import { decodeMessage } from './messages/message.js';
import { parseIpAddress, type Endpoint } from './sa/address.js';
import { identityFromString } from './sa/identity.js';
import { parseTrafficSelector } from './sa/traffic-selectors.js';
import { IkeInitiatorSession, IkeResponderSession, type IkeEvent } from './session.js';

class TestClock {
  t = 0;
  now(): number {
    return this.t;
  }
}

const ep = (ip: string, port: number): Endpoint => ({ address: parseIpAddress(ip)!, port });
const A = ep('10.99.0.1', 500);
const B = ep('10.99.0.2', 500);
const ID_A = identityFromString('a@test');
const ID_B = identityFromString('b@test');
const PSK = utf8('s3cretPSK');
const proposals = parseProposals('aes128gcm16-prfsha256-x25519', 'ike');
const esp = parseProposals('aes128gcm16', 'esp');
const tsA = [parseTrafficSelector('10.10.1.1/32')];
const tsB = [parseTrafficSelector('10.10.2.1/32')];

function pair(forceEncapsulation = false, initiatorProposals = proposals) {
  const clock = new TestClock();
  const i = new IkeInitiatorSession(
    { ctx: { provider: nobleProvider, random: seededRandom('i'), clock }, ike: { proposals: initiatorProposals, forceEncapsulation }, local: A, remote: B },
    { localId: ID_A, remoteId: ID_B, sharedSecret: PSK, child: { espProposals: esp, localTs: tsA, remoteTs: tsB, mode: 'tunnel' } },
  );
  const r = new IkeResponderSession(
    { ctx: { provider: nobleProvider, random: seededRandom('r'), clock }, ike: { proposals }, local: B, remote: A },
    { localId: ID_B, sharedSecretFor: () => PSK, child: { espProposals: esp, localTs: tsB, remoteTs: tsA, mode: 'tunnel' } },
  );
  return { clock, i, r };
}

type Sent = Extract<IkeEvent, { type: 'send' }>;

/** Moves every datagram between the two sessions until both are quiet; `drop` decides losses. */
function run(i: IkeInitiatorSession, r: IkeResponderSession, log: { from: 'i' | 'r'; ev: Sent }[], drop: (from: 'i' | 'r', n: number) => boolean = () => false) {
  const others: IkeEvent[] = [];
  let n = 0;
  for (let guard = 0; guard < 100; guard++) {
    const fromI = i.poll();
    const fromR = r.poll();
    if (fromI.length === 0 && fromR.length === 0) return others;
    for (const ev of fromI) {
      if (ev.type !== 'send') others.push(ev);
      else {
        log.push({ from: 'i', ev });
        if (!drop('i', n++)) r.receive(ev.datagram, ev.to.port, ev.from);
      }
    }
    for (const ev of fromR) {
      if (ev.type !== 'send') others.push(ev);
      else {
        log.push({ from: 'r', ev });
        if (!drop('r', n++)) i.receive(ev.datagram, ev.to.port);
      }
    }
  }
  throw new Error('no quiet');
}

const exchangeOf = (d: Uint8Array) => (d[0] === 0 && d[1] === 0 && d[2] === 0 && d[3] === 0 ? d[4 + 18] : d[18]);

describe('IKE sessions over an in-memory network', () => {
  it('establish the IKE SA and Child SA, then delete them (initiator closes)', () => {
    const { i, r } = pair();
    const log: { from: 'i' | 'r'; ev: Sent }[] = [];
    i.start();
    const events = run(i, r, log);
    expect(events.map((e) => e.type)).toEqual(['ike-sa-init-done', 'ike-sa-init-done', 'established', 'established']);
    expect(i.state).toBe('established');
    expect(r.state).toBe('established');
    expect(log.map((l) => `${l.from}:${exchangeOf(l.ev.datagram)}:${l.ev.to.port}`)).toEqual([
      `i:${ExchangeType.IKE_SA_INIT}:500`,
      `r:${ExchangeType.IKE_SA_INIT}:500`,
      `i:${ExchangeType.IKE_AUTH}:500`,
      `r:${ExchangeType.IKE_AUTH}:500`,
    ]);
    // INFORMATIONAL { D(IKE) } -->   <-- INFORMATIONAL {}
    i.close();
    const closing = run(i, r, log);
    expect(closing).toEqual([
      { type: 'deleted', by: 'peer' },
      { type: 'deleted', by: 'local' },
    ]);
  });

  it('moves to port 4500 with the non-ESP marker after IKE_SA_INIT when encapsulation is asked for (§2.23)', () => {
    const { i, r } = pair(true);
    const log: { from: 'i' | 'r'; ev: Sent }[] = [];
    i.start();
    run(i, r, log);
    expect(i.state).toBe('established');
    expect(log.map((l) => l.ev.to.port)).toEqual([500, 500, 4500, 4500]);
    for (const l of log.slice(2)) expect(Array.from(l.ev.datagram.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    // The responder deletes this time: <-- INFORMATIONAL { D(IKE) }
    r.close();
    expect(run(i, r, log)).toEqual([
      { type: 'deleted', by: 'peer' },
      { type: 'deleted', by: 'local' },
    ]);
    expect(log.slice(4).every((l) => l.ev.to.port === 4500)).toBe(true);
  });

  it('retransmits with exponential back-off and answers a repeated request from its cache (§2.1)', () => {
    const { clock, i, r } = pair();
    const log: { from: 'i' | 'r'; ev: Sent }[] = [];
    i.start();
    // Lose the first IKE_AUTH response (datagram 3: i, r, i, [r]).
    run(i, r, log, (_from, n) => n === 3);
    expect(i.state).toBe('ike-auth');
    expect(i.nextDeadline).toBe(1000);
    clock.t = 999;
    i.tick(clock.t);
    expect(i.poll()).toEqual([]);
    clock.t = 1000;
    i.tick(clock.t);
    const events = run(i, r, log);
    expect(events.map((e) => e.type)).toEqual(['established']);
    // The retransmitted request is byte for byte the first; so is the cached response.
    const sent = log.map((l) => l.ev.datagram);
    expect(sent[4]).toEqual(sent[2]);
    expect(sent[5]).toEqual(sent[3]);
    expect(r.state).toBe('established');
  });

  it('gives up after the last retransmission, waiting 1, 2, 4, 8 s in between', () => {
    const { clock, i } = pair();
    i.start();
    const deadlines: number[] = [];
    let sends = i.poll().filter((e) => e.type === 'send').length;
    while (i.state !== 'failed') {
      deadlines.push(i.nextDeadline!);
      clock.t = i.nextDeadline!;
      i.tick(clock.t);
      sends += i.poll().filter((e) => e.type === 'send').length;
    }
    expect(deadlines).toEqual([1000, 3000, 7000, 15000, 31000]);
    expect(sends).toBe(5);
  });

  it('ignores garbage and forged responses, and refuses a malformed CREATE_CHILD_SA', () => {
    const { i, r } = pair();
    const log: { from: 'i' | 'r'; ev: Sent }[] = [];
    i.start();
    const up = run(i, r, log).find((e) => e.type === 'established' && e.sa.role === 'initiator');
    if (up?.type !== 'established') throw new Error('not established');
    i.receive(new Uint8Array(0));
    i.receive(new Uint8Array(300).fill(0x41));
    const forged = log[3].ev.datagram.slice();
    forged[forged.length - 1] ^= 1;
    r.receive(forged, 500);
    i.receive(forged, 500);
    expect([i.state, r.state]).toEqual(['established', 'established']);
    expect(i.poll()).toEqual([]);
    expect(r.poll()).toEqual([]);
    // HDR(mid 2), SK {Ni} --> (CREATE_CHILD_SA without SA, TSi, TSr)   <-- HDR, SK {N(INVALID_SYNTAX)}
    const sa = up.sa;
    const header = { initiatorSpi: sa.initiatorSpi, responderSpi: sa.responderSpi, majorVersion: 2, minorVersion: 0, exchangeType: ExchangeType.CREATE_CHILD_SA, initiator: true, version: false, response: false, messageId: 2 };
    const request = encodeEncryptedMessage(sa.protections.fromInitiator, header, [{ kind: 'Nonce', nonceData: new Uint8Array(32) }], { random: seededRandom('x') });
    r.receive(request, 500);
    const answer = r.poll();
    expect(answer).toHaveLength(1);
    const datagram = (answer[0] as Sent).datagram;
    const inner = decodeEncryptedPayloads(sa.protections.fromResponder, datagram, decodeMessage(datagram)).payloads;
    expect(inner).toEqual([{ kind: 'N', protocolId: 0, spi: new Uint8Array(0), notifyType: NotifyType.INVALID_SYNTAX, notificationData: new Uint8Array(0) }]);
    expect(r.state).toBe('established');
    expect(r.childSas).toHaveLength(1);
  });

  it('retries IKE_SA_INIT with the group INVALID_KE_PAYLOAD asks for, again as Message ID 0 (§1.2)', () => {
    const { i, r } = pair(false, parseProposals('aes128gcm16-prfsha256-ecp256-x25519', 'ike'));
    const log: { from: 'i' | 'r'; ev: Sent }[] = [];
    i.start();
    const events = run(i, r, log);
    expect(events.filter((e) => e.type === 'established')).toHaveLength(2);
    // HDR(mid 0) KE(ECP_256) -->  <-- N(INVALID_KE_PAYLOAD)  HDR(mid 0) KE(CURVE25519) -->  <-- ...
    expect(log.map((l) => `${l.from}:${exchangeOf(l.ev.datagram)}:${l.ev.datagram[20 + 3]}`)).toEqual(['i:34:0', 'r:34:0', 'i:34:0', 'r:34:0', 'i:35:1', 'r:35:1']);
  });

  it('checks liveness with an empty INFORMATIONAL, and fails when the peer is gone (§1.4, §2.4)', () => {
    const { clock, i, r } = pair();
    const log: { from: 'i' | 'r'; ev: Sent }[] = [];
    i.start();
    run(i, r, log);
    i.checkLiveness();
    expect(run(i, r, log)).toEqual([{ type: 'alive' }]);
    r.checkLiveness();
    expect(run(i, r, log)).toEqual([{ type: 'alive' }]);
    // The responder goes silent: the check is retransmitted, then the IKE SA fails.
    i.checkLiveness();
    i.poll();
    while (i.state !== 'failed') {
      clock.t = i.nextDeadline!;
      i.tick(clock.t);
      i.poll();
    }
    expect(i.state).toBe('failed');
  });

  it.each(['initiator', 'responder'] as const)('rekeys the Child SA from the %s with PFS, then deletes the old one (§1.3.3, §1.4.1)', (who) => {
    const pfs = parseProposals('aes128gcm16-x25519', 'esp');
    const clock = new TestClock();
    const i = new IkeInitiatorSession(
      { ctx: { provider: nobleProvider, random: seededRandom('ri'), clock }, ike: { proposals }, local: A, remote: B },
      { localId: ID_A, sharedSecret: PSK, child: { espProposals: pfs, localTs: tsA, remoteTs: tsB, mode: 'tunnel' } },
    );
    const r = new IkeResponderSession(
      { ctx: { provider: nobleProvider, random: seededRandom('rr'), clock }, ike: { proposals }, local: B, remote: A },
      { localId: ID_B, sharedSecretFor: () => PSK, child: { espProposals: pfs, localTs: tsB, remoteTs: tsA, mode: 'tunnel' } },
    );
    const log: { from: 'i' | 'r'; ev: Sent }[] = [];
    i.start();
    run(i, r, log);
    const [oldI] = i.childSas;
    const [oldR] = r.childSas;
    const rekeying = who === 'initiator' ? i : r;
    // HDR, SK {N(REKEY_SA), SA, Ni, KEi, TSi, TSr} -->   <-- HDR, SK {SA, Nr, KEr, TSi, TSr}
    // HDR, SK {D(ESP, old SPI)} -->                       <-- HDR, SK {D(ESP, paired old SPI)}
    rekeying.rekeyChild(rekeying === i ? oldI : oldR);
    const events = run(i, r, log);
    expect(events.map((e) => e.type).sort()).toEqual(['child-created', 'child-created', 'child-deleted', 'child-deleted']);
    expect(log.slice(4).map((l) => exchangeOf(l.ev.datagram))).toEqual([36, 36, 37, 37]);
    expect(i.childSas).toHaveLength(1);
    expect(r.childSas).toHaveLength(1);
    const [newI] = i.childSas;
    const [newR] = r.childSas;
    expect(newI).not.toBe(oldI);
    expect(newI.outboundSpi).toEqual(newR.inboundSpi);
    expect(newI.inboundSpi).toEqual(newR.outboundSpi);
    expect(newI.outbound).toEqual(newR.inbound);
    expect(newI.inbound).toEqual(newR.outbound);
    expect(newI.outbound.encr).not.toEqual(oldI.outbound.encr);
    expect(newI.transforms.dh).toBe(31);
    const created = events.find((e) => e.type === 'child-created' && (e.rekeys === oldI || e.rekeys === oldR));
    expect(created).toBeDefined();
  });

  it('creates a second Child SA and deletes it, the window holding one request at a time (§2.3)', () => {
    const { i, r } = pair();
    const log: { from: 'i' | 'r'; ev: Sent }[] = [];
    i.start();
    run(i, r, log);
    i.createChild();
    i.createChild(); // waits for the window
    const sent = i.poll();
    // Only the first CREATE_CHILD_SA request goes out; the second follows its response.
    expect(sent.map((e) => e.type)).toEqual(['send']);
    const request = sent[0] as Sent;
    expect(exchangeOf(request.datagram)).toBe(ExchangeType.CREATE_CHILD_SA);
    r.receive(request.datagram, request.to.port, request.from);
    const events = run(i, r, log);
    expect(events.map((e) => e.type)).toEqual(['child-created', 'child-created', 'child-created', 'child-created']);
    // <-- CREATE_CHILD_SA response, then the second request --> and its response <--
    expect(log.slice(4).map((l) => `${l.from}:${exchangeOf(l.ev.datagram)}`)).toEqual(['r:36', 'i:36', 'r:36']);
    expect(i.childSas).toHaveLength(3);
    i.deleteChild(i.childSas[1]);
    expect(run(i, r, log).map((e) => e.type)).toEqual(['child-deleted', 'child-deleted']);
    expect(i.childSas).toHaveLength(2);
    expect(r.childSas.map((c) => c.outboundSpi)).toEqual(i.childSas.map((c) => c.inboundSpi));
  });

  it.each(['initiator', 'responder'] as const)('rekeys the IKE SA from the %s, keeps the Child SAs, and goes on with Message ID 0 (§2.18)', (who) => {
    const { i, r } = pair();
    const log: { from: 'i' | 'r'; ev: Sent }[] = [];
    i.start();
    const up = run(i, r, log).find((e) => e.type === 'established');
    if (up?.type !== 'established') throw new Error('not established');
    const old = up.sa;
    const childI = i.childSas[0];
    (who === 'initiator' ? i : r).rekeyIkeSa();
    // HDR(old), SK {SA(IKE, SPI), Ni, KEi} -->  <-- HDR(old), SK {SA(IKE, SPI), Nr, KEr}
    // HDR(old), SK {D(IKE)} -->                 <-- HDR(old), SK {}
    const events = run(i, r, log);
    const rekeyed = events.filter((e) => e.type === 'ike-rekeyed');
    expect(rekeyed).toHaveLength(2);
    expect(events.some((e) => e.type === 'deleted')).toBe(false);
    const [a, b] = rekeyed.map((e) => (e.type === 'ike-rekeyed' ? e.sa : undefined)!);
    expect(a.initiatorSpi).toEqual(b.initiatorSpi);
    expect(a.responderSpi).toEqual(b.responderSpi);
    expect(a.initiatorSpi).not.toEqual(old.initiatorSpi);
    expect(a.keys).toEqual(b.keys);
    expect(a.keys.SK_d).not.toEqual(old.keys.SK_d);
    // The rekeying side is the new IKE SA's initiator.
    const rekeyer = who === 'initiator' ? i : r;
    expect(rekeyer.ikeSa?.role).toBe('initiator');
    expect((who === 'initiator' ? r : i).ikeSa?.role).toBe('responder');
    expect(i.childSas).toEqual([childI]);
    // The new IKE SA works: a liveness check with Message ID 0, then the Delete.
    i.checkLiveness();
    const before = log.length;
    expect(run(i, r, log)).toEqual([{ type: 'alive' }]);
    expect(log[before].ev.datagram.subarray(0, 8)).toEqual(a.initiatorSpi);
    expect(log[before].ev.datagram[23]).toBe(0);
    i.close();
    expect(run(i, r, log).map((e) => e.type).sort()).toEqual(['deleted', 'deleted']);
  });

  it.each(['rekey seed one', 'rekey seed two', 'rekey seed three'])('resolves simultaneous Child SA rekeys: the SA with the lowest nonce goes, one pair survives (§2.8.1) [%s]', (seed) => {
    const clock = new TestClock();
    const i = new IkeInitiatorSession(
      { ctx: { provider: nobleProvider, random: seededRandom(`${seed} i`), clock }, ike: { proposals }, local: A, remote: B },
      { localId: ID_A, sharedSecret: PSK, child: { espProposals: esp, localTs: tsA, remoteTs: tsB, mode: 'tunnel' } },
    );
    const r = new IkeResponderSession(
      { ctx: { provider: nobleProvider, random: seededRandom(`${seed} r`), clock }, ike: { proposals }, local: B, remote: A },
      { localId: ID_B, sharedSecretFor: () => PSK, child: { espProposals: esp, localTs: tsB, remoteTs: tsA, mode: 'tunnel' } },
    );
    const log: { from: 'i' | 'r'; ev: Sent }[] = [];
    i.start();
    const up = run(i, r, log).find((e) => e.type === 'established');
    if (up?.type !== 'established') throw new Error('not established');
    const [oldI] = i.childSas;
    const [oldR] = r.childSas;
    const start = log.length;
    // CREATE_CHILD_SA {N(REKEY_SA)...} --> and <-- CREATE_CHILD_SA {N(REKEY_SA)...} cross on the wire.
    i.rekeyChild(oldI);
    r.rekeyChild(oldR);
    const events = run(i, r, log);
    expect(events.filter((e) => e.type === 'child-created')).toHaveLength(4);
    expect(events.filter((e) => e.type === 'child-deleted')).toHaveLength(4);
    expect(i.childSas).toHaveLength(1);
    expect(r.childSas).toHaveLength(1);
    const [ci] = i.childSas;
    const [cr] = r.childSas;
    expect(ci).not.toBe(oldI);
    expect(ci.outboundSpi).toEqual(cr.inboundSpi);
    expect(ci.inboundSpi).toEqual(cr.outboundSpi);
    expect(ci.outbound).toEqual(cr.inbound);
    expect(ci.inbound).toEqual(cr.outbound);
    expect([i.state, r.state]).toEqual(['established', 'established']);

    // Which pair should survive, read from the wire: open the four CREATE_CHILD_SA messages.
    const opened = log.slice(start).flatMap((l) => {
      if (exchangeOf(l.ev.datagram) !== ExchangeType.CREATE_CHILD_SA) return [];
      const protection = l.from === 'i' ? up.sa.protections.fromInitiator : up.sa.protections.fromResponder;
      const m = decodeMessage(l.ev.datagram);
      const payloads = decodeEncryptedPayloads(protection, l.ev.datagram, m).payloads;
      const nonce = payloads.find((p) => p.kind === 'Nonce');
      const sa = payloads.find((p) => p.kind === 'SA');
      if (nonce?.kind !== 'Nonce' || sa?.kind !== 'SA') throw new Error('CREATE_CHILD_SA without Nonce/SA');
      return [{ from: l.from, response: m.header.response, nonce: nonce.nonceData, spi: sa.proposals[0].spi }];
    });
    const exchange = (requester: 'i' | 'r') => {
      const req = opened.find((o) => o.from === requester && !o.response)!;
      const resp = opened.find((o) => o.from !== requester && o.response)!;
      const low = [req.nonce, resp.nonce].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))[0];
      // i's inbound SPI of the pair this exchange made.
      return { low, iInbound: requester === 'i' ? req.spi : resp.spi };
    };
    const byI = exchange('i');
    const byR = exchange('r');
    const survivor = Buffer.compare(Buffer.from(byI.low), Buffer.from(byR.low)) < 0 ? byR : byI;
    expect(ci.inboundSpi).toEqual(survivor.iInbound);
    outcomes.add(survivor === byI ? 'initiator-made pair survives' : 'responder-made pair survives');
  });

  afterAll(() => {
    // The seeds above exercise both outcomes of the nonce comparison.
    expect([...outcomes].sort()).toEqual(['initiator-made pair survives', 'responder-made pair survives']);
  });
});

describe('IKE session lifetimes', () => {
  it('rekeys the Child SA and the IKE SA when their rekey times come (swanctl rekey_time)', () => {
    const clock = new TestClock();
    const i = new IkeInitiatorSession(
      { ctx: { provider: nobleProvider, random: seededRandom('li'), clock }, ike: { proposals }, local: A, remote: B, lifetimes: { ikeRekeyMs: 10000, childRekeyMs: 4000 } },
      { localId: ID_A, sharedSecret: PSK, child: { espProposals: esp, localTs: tsA, remoteTs: tsB, mode: 'tunnel' } },
    );
    const r = new IkeResponderSession(
      { ctx: { provider: nobleProvider, random: seededRandom('lr'), clock }, ike: { proposals }, local: B, remote: A },
      { localId: ID_B, sharedSecretFor: () => PSK, child: { espProposals: esp, localTs: tsB, remoteTs: tsA, mode: 'tunnel' } },
    );
    const log: { from: 'i' | 'r'; ev: Sent }[] = [];
    i.start();
    run(i, r, log);
    expect(i.nextDeadline).toBe(4000);
    expect(r.nextDeadline).toBeUndefined();
    const kinds: string[] = [];
    for (const t of [4000, 8000, 10000]) {
      clock.t = t;
      expect(i.nextDeadline).toBe(t);
      i.tick(t);
      kinds.push(...run(i, r, log).map((e) => `${t}:${e.type}`));
    }
    expect(kinds.filter((k) => k.startsWith('4000:')).sort()).toEqual(['4000:child-created', '4000:child-created', '4000:child-deleted', '4000:child-deleted']);
    expect(kinds.filter((k) => k.startsWith('8000:')).sort()).toEqual(['8000:child-created', '8000:child-created', '8000:child-deleted', '8000:child-deleted']);
    expect(kinds.filter((k) => k.startsWith('10000:'))).toEqual(['10000:ike-rekeyed', '10000:ike-rekeyed']);
    expect(i.nextDeadline).toBe(12000);
    expect(i.childSas).toHaveLength(1);
  });
});

describe('IKE session liveness on a timer', () => {
  it('checks liveness after dpd_delay of silence, and not while the peer talks', () => {
    const clock = new TestClock();
    const i = new IkeInitiatorSession(
      { ctx: { provider: nobleProvider, random: seededRandom('di'), clock }, ike: { proposals }, local: A, remote: B, lifetimes: { dpdDelayMs: 30000 } },
      { localId: ID_A, sharedSecret: PSK, child: { espProposals: esp, localTs: tsA, remoteTs: tsB, mode: 'tunnel' } },
    );
    const r = new IkeResponderSession(
      { ctx: { provider: nobleProvider, random: seededRandom('dr'), clock }, ike: { proposals }, local: B, remote: A },
      { localId: ID_B, sharedSecretFor: () => PSK, child: { espProposals: esp, localTs: tsB, remoteTs: tsA, mode: 'tunnel' } },
    );
    const log: { from: 'i' | 'r'; ev: Sent }[] = [];
    i.start();
    run(i, r, log);
    expect(i.nextDeadline).toBe(30000);
    // The peer checks on us at 20 s: that counts as hearing from it.
    clock.t = 20000;
    r.checkLiveness();
    expect(run(i, r, log)).toEqual([{ type: 'alive' }]);
    expect(i.nextDeadline).toBe(50000);
    clock.t = 50000;
    i.tick(clock.t);
    expect(run(i, r, log)).toEqual([{ type: 'alive' }]);
    expect(i.nextDeadline).toBe(80000);
  });
});

const outcomes = new Set<string>();
