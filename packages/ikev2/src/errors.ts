/**
 * Typed errors of the IKEv2 package. Syntax errors of a message are `DecodeError`s from
 * @layersec/wire (the exchange answers them with INVALID_SYNTAX where RFC 7296 asks for it);
 * the errors here carry what the exchange must do instead.
 */
import { NotifyType, registryName } from './constants.js';

/**
 * A condition that RFC 7296 answers with a Notify payload (for a request: in the response; for a
 * response: by giving up the exchange). Carries the Notify Message Type and its Notification Data.
 */
export class IkeNotifyError extends Error {
  override readonly name = 'IkeNotifyError';
  constructor(
    /** Registry "IKEv2 Notify Message Types". */
    readonly notifyType: number,
    /** Notification Data to send with it (e.g. the payload type for UNSUPPORTED_CRITICAL_PAYLOAD). */
    readonly notificationData: Uint8Array,
    readonly reason: string,
  ) {
    super(`${registryName(NotifyType, notifyType)}: ${reason}`);
  }
}

/**
 * The Encrypted payload's integrity check failed (RFC 7296 §3.14, RFC 5282): the message is
 * dropped without a response, and nothing of its contents was released.
 */
export class IkeIntegrityError extends Error {
  override readonly name = 'IkeIntegrityError';
  constructor(readonly reason: string) {
    super(`Encrypted payload: ${reason}`);
  }
}
