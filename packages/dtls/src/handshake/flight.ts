/**
 * Flights and the timeout and retransmission state machine of RFC 6347 §4.2.4 (Figure 1):
 *
 *   PREPARING ── build the flight ──► SENDING ── sent; last flight? ──► FINISHED
 *                                        │ no
 *                                        ▼
 *   (peer's next flight) ◄──────────  WAITING ── timer expires / peer retransmits ──► SENDING
 *
 * Everything runs on an injected clock: `handleTimeout(nowMs)` and the `nextTimeout` deadline.
 * §4.2.4.1: the timer starts at 1 s (configurable), doubles at each retransmission up to a cap,
 * and the handshake is abandoned after a bounded number of retransmissions.
 */

/** One item of a flight, re-sealed with fresh record sequence numbers at each (re)transmission. */
export type FlightItem =
  | { readonly kind: 'handshake'; readonly msg_type: number; readonly message_seq: number; readonly body: Uint8Array; readonly epoch: number }
  | { readonly kind: 'change_cipher_spec'; readonly epoch: number };

export type FlightState = 'PREPARING' | 'SENDING' | 'WAITING' | 'FINISHED';

export interface RetransmitOptions {
  /** Initial retransmission timer (RFC 6347 §4.2.4.1: 1 s; shorter allowed). Default 1000 ms. */
  initialTimeoutMs?: number;
  /** Cap of the doubling back-off (RFC 6347 §4.2.4.1: 60 s). Default 60 000 ms. */
  maxTimeoutMs?: number;
  /** Retransmissions of one flight before the handshake is abandoned. Default 10. */
  maxRetransmissions?: number;
}

export type FlightEvent =
  | { readonly type: 'flight'; readonly flight: readonly FlightItem[] }
  | { readonly type: 'timer_expired' }
  | { readonly type: 'peer_retransmitted' }
  | { readonly type: 'peer_flight_received' };

/** Drives one side's flights. `transmit` seals and sends a flight (fresh sequence numbers each time). */
export class FlightMachine {
  private stateValue: FlightState = 'PREPARING';
  private flight: readonly FlightItem[] = [];
  private lastFlight = false;
  private timeoutMs: number;
  private deadline: number | undefined;
  private tries = 0;
  /** Retransmissions of all flights so far (reported by the loss tests). */
  retransmissions = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly maxTries: number;

  constructor(
    private readonly transmit: (flight: readonly FlightItem[]) => void,
    options: RetransmitOptions = {},
  ) {
    this.initialMs = options.initialTimeoutMs ?? 1000;
    this.maxMs = options.maxTimeoutMs ?? 60_000;
    this.maxTries = options.maxRetransmissions ?? 10;
    this.timeoutMs = this.initialMs;
  }

  get state(): FlightState {
    return this.stateValue;
  }

  /** When handleTimeout must next be called (undefined: no timer running). */
  get nextTimeout(): number | undefined {
    return this.deadline;
  }

  /** Sends a new flight; `last` marks the final flight of the handshake (§4.2.4: no timer after it). */
  send(flight: readonly FlightItem[], last: boolean, now: number): void {
    this.flight = flight;
    this.lastFlight = last;
    this.tries = 0;
    this.timeoutMs = this.initialMs;
    this.step({ type: 'flight', flight }, now);
  }

  /** The peer's next flight has begun to arrive: our flight is acknowledged, the timer stops. */
  peerFlightReceived(now: number): void {
    this.step({ type: 'peer_flight_received' }, now);
  }

  /** The peer retransmitted its previous flight: ours was lost, send it again (§4.2.4). */
  peerRetransmitted(now: number): void {
    this.step({ type: 'peer_retransmitted' }, now);
  }

  /** Returns false when the handshake must be abandoned (too many retransmissions). */
  handleTimeout(now: number): boolean {
    if (this.deadline === undefined || now < this.deadline) return true;
    if (this.tries >= this.maxTries) {
      this.deadline = undefined;
      return false;
    }
    this.step({ type: 'timer_expired' }, now);
    return true;
  }

  /** The state machine of RFC 6347 §4.2.4, in one place. */
  private step(event: FlightEvent, now: number): void {
    switch (this.stateValue) {
      case 'PREPARING':
        if (event.type === 'flight') {
          this.stateValue = 'SENDING';
          this.sendCurrent(now);
        }
        return;
      case 'WAITING':
        if (event.type === 'timer_expired') {
          // §4.2.4.1: double the timer value, up to the cap.
          this.timeoutMs = Math.min(this.timeoutMs * 2, this.maxMs);
          this.retransmit(now);
        } else if (event.type === 'peer_retransmitted') {
          this.retransmit(now);
        } else if (event.type === 'peer_flight_received') {
          this.deadline = undefined;
          this.stateValue = 'PREPARING';
        } else {
          // A new flight while waiting: the peer's flight completed and we answer it.
          this.stateValue = 'SENDING';
          this.sendCurrent(now);
        }
        return;
      case 'FINISHED':
        // §4.2.4: in FINISHED, a retransmission of the peer's last flight means ours was lost.
        if (event.type === 'peer_retransmitted') this.transmit(this.flight), this.retransmissions++;
        else if (event.type === 'flight') {
          this.stateValue = 'SENDING';
          this.sendCurrent(now);
        }
        return;
      case 'SENDING':
        // Transient: sendCurrent leaves SENDING before returning.
        return;
    }
  }

  private retransmit(now: number): void {
    this.tries++;
    this.retransmissions++;
    this.stateValue = 'SENDING';
    this.sendCurrent(now);
  }

  private sendCurrent(now: number): void {
    this.transmit(this.flight);
    if (this.lastFlight) {
      this.stateValue = 'FINISHED';
      this.deadline = undefined;
    } else {
      this.stateValue = 'WAITING';
      this.deadline = now + this.timeoutMs;
    }
  }
}
