import { AlertDescription, AlertLevel, nameOf } from './constants.js';

/**
 * A TLS failure expressed as the alert that ends the connection (RFC 8446 §6). `sent` is true
 * when we detected the problem and send this alert to the peer, false when the peer sent it.
 */
export class TlsAlertError extends Error {
  override readonly name = 'TlsAlertError';
  readonly level: AlertLevel;
  constructor(
    readonly description: number,
    readonly detail: string,
    readonly sent = true,
    level: AlertLevel = AlertLevel.fatal,
  ) {
    super(`${sent ? '' : 'peer sent '}${alertName(description)}: ${detail}`);
    this.level = level;
  }
  get alertName(): string {
    return alertName(this.description);
  }
}

export function alertName(description: number): string {
  return nameOf(AlertDescription, description);
}

/** Shorthand for throwing the alert a check failed with. */
export function fail(description: AlertDescription, detail: string): never {
  throw new TlsAlertError(description, detail);
}
