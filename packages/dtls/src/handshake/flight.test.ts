/**
 * The retransmission state machine of RFC 6347 §4.2.4 on an injected clock: timer doubling to a
 * cap (§4.2.4.1), retransmission when the peer retransmits, FINISHED without a timer, giving up.
 */
import { FlightMachine, type FlightItem } from './flight.js';

const flight: FlightItem[] = [{ kind: 'change_cipher_spec', epoch: 0 }];

describe('FlightMachine', () => {
  it('doubles the timer at each retransmission up to the cap, then gives up after the bound', () => {
    const sent: number[] = [];
    let now = 0;
    const m = new FlightMachine(() => sent.push(now), { initialTimeoutMs: 1000, maxTimeoutMs: 4000, maxRetransmissions: 4 });
    m.send(flight, false, now);
    expect(m.state).toBe('WAITING');
    const deadlines: number[] = [];
    for (let i = 0; i < 4; i++) {
      deadlines.push(m.nextTimeout!);
      now = m.nextTimeout!;
      expect(m.handleTimeout(now)).toBe(true);
    }
    // 1 s, then 2 s, then 4 s (the cap), then 4 s.
    expect(deadlines).toEqual([1000, 3000, 7000, 11000]);
    expect(sent).toEqual([0, 1000, 3000, 7000, 11000]);
    now = m.nextTimeout!;
    expect(now).toBe(15000);
    expect(m.handleTimeout(now)).toBe(false);
    expect(m.retransmissions).toBe(4);
  });

  it('does nothing before the deadline', () => {
    let n = 0;
    const m = new FlightMachine(() => n++);
    m.send(flight, false, 0);
    expect(m.handleTimeout(999)).toBe(true);
    expect(n).toBe(1);
  });

  it('stops the timer when the peer flight arrives and resets it for the next flight', () => {
    const m = new FlightMachine(() => undefined, { initialTimeoutMs: 500 });
    m.send(flight, false, 0);
    m.handleTimeout(500);
    expect(m.nextTimeout).toBe(1500);
    m.peerFlightReceived(600);
    expect(m.state).toBe('PREPARING');
    expect(m.nextTimeout).toBeUndefined();
    m.send(flight, false, 700);
    expect(m.nextTimeout).toBe(1200);
  });

  it('retransmits when the peer retransmits, in WAITING and in FINISHED; the last flight has no timer', () => {
    let n = 0;
    const m = new FlightMachine(() => n++);
    m.send(flight, false, 0);
    m.peerRetransmitted(10);
    expect(n).toBe(2);
    m.send(flight, true, 20);
    expect(m.state).toBe('FINISHED');
    expect(m.nextTimeout).toBeUndefined();
    m.peerRetransmitted(30);
    expect(n).toBe(4);
    expect(m.state).toBe('FINISHED');
  });
});
