/** Runs two sans-I/O connections against each other in memory until neither has bytes to send. */
import type { TlsEvent } from '../connection.js';

interface Endpoint {
  receive(bytes: Uint8Array): void;
  takeEvents(): TlsEvent[];
}

export interface PipeLog {
  readonly client: TlsEvent[];
  readonly server: TlsEvent[];
}

export function pipe(client: Endpoint, server: Endpoint, log: PipeLog = { client: [], server: [] }): PipeLog {
  for (let round = 0; round < 100; round++) {
    const ce = client.takeEvents();
    const se = server.takeEvents();
    log.client.push(...ce);
    log.server.push(...se);
    const toServer = ce.filter((e) => e.type === 'transmit');
    const toClient = se.filter((e) => e.type === 'transmit');
    if (toServer.length === 0 && toClient.length === 0) return log;
    for (const e of toServer) if (e.type === 'transmit') server.receive(e.data);
    for (const e of toClient) if (e.type === 'transmit') client.receive(e.data);
  }
  throw new Error('pipe: no quiescence after 100 rounds');
}

export function received(events: TlsEvent[]): string {
  return events
    .flatMap((e) => (e.type === 'applicationData' ? [new TextDecoder().decode(e.data)] : []))
    .join('');
}
