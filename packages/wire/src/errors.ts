/**
 * A structure from the wire did not decode: names the field and the byte offset where decoding
 * stopped, so that a log line or an alert says exactly what was wrong.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    /** The field being read, in the protocol's own words (e.g. `ServerHello.cipher_suite`). */
    readonly field: string,
    /** Offset into the buffer being decoded. */
    readonly offset: number,
    /** What was wrong. */
    readonly reason: string,
  ) {
    super(`${field} at offset ${offset}: ${reason}`);
  }
}
