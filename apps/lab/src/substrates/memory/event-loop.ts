/**
 * A discrete-event scheduler on a virtual clock: the in-memory substrate's notion of time.
 * Nothing here reads the wall clock, so a scenario with a seeded random source replays exactly.
 */

interface Scheduled {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export interface Timer {
  cancel(): void;
}

export class EventLoop {
  private time: number;
  private seq = 0;
  /** A binary min-heap ordered by (at, seq): events at the same instant run in scheduling order. */
  private readonly heap: Scheduled[] = [];

  constructor(startMs = 0) {
    this.time = startMs;
  }

  /** Current virtual time in milliseconds. */
  now(): number {
    return this.time;
  }

  get pending(): number {
    return this.heap.length;
  }

  at(timeMs: number, fn: () => void): Timer {
    const ev: Scheduled = { at: Math.max(timeMs, this.time), seq: this.seq++, fn, cancelled: false };
    this.push(ev);
    return { cancel: () => void (ev.cancelled = true) };
  }

  after(delayMs: number, fn: () => void): Timer {
    return this.at(this.time + Math.max(0, delayMs), fn);
  }

  /** Runs one event; false when none is left. */
  step(): boolean {
    for (;;) {
      const ev = this.pop();
      if (!ev) return false;
      if (ev.cancelled) continue;
      this.time = ev.at;
      ev.fn();
      return true;
    }
  }

  /**
   * Runs events until `done()` holds, no event is left, or virtual time would pass `limitMs`.
   * Returns whether `done()` held. `maxEvents` bounds the work so a livelocked scenario ends.
   */
  runUntil(done: () => boolean, limitMs = Number.POSITIVE_INFINITY, maxEvents = 50_000_000): boolean {
    let n = 0;
    while (!done()) {
      const next = this.peek();
      if (!next || next.at > limitMs || n++ >= maxEvents) return done();
      this.step();
    }
    return true;
  }

  /** Runs until no event is left (or the limits are reached). */
  runUntilIdle(limitMs = Number.POSITIVE_INFINITY, maxEvents = 50_000_000): void {
    this.runUntil(() => false, limitMs, maxEvents);
  }

  private peek(): Scheduled | undefined {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.pop();
    return this.heap[0];
  }

  private less(a: Scheduled, b: Scheduled): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(ev: Scheduled): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): Scheduled | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
