/** Time, injected: the protocol core never reads a global clock (DESIGN.md, sans-I/O). */
export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
}
