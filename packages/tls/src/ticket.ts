/**
 * Self-contained TLS 1.3 session tickets (RFC 8446 §4.6.1 leaves the format to the server): the
 * resumption PSK and what it is bound to, sealed with AES-256-GCM under a server-wide ticket key.
 * A ticket that does not open is simply not accepted (the full handshake follows).
 */
import type { CryptoProvider, RandomSource } from '@layersec/crypto-primitives';
import { Reader, Writer } from '@layersec/wire';

export interface TicketState {
  readonly cipherSuite: number;
  readonly psk: Uint8Array;
  readonly issuedAt: number;
  readonly lifetimeSeconds: number;
  readonly ticketAgeAdd: number;
  readonly alpnProtocol: string | undefined;
  readonly serverName: string | undefined;
  /** A TLS 1.2 session (RFC 5077): `psk` is then the master secret. */
  readonly tls12?: { readonly extendedMasterSecret: boolean };
}

const TICKET_FORMAT = 1;
const TICKET_FORMAT_TLS12 = 2;

export function sealTicket(provider: CryptoProvider, random: RandomSource, ticketKey: Uint8Array, s: TicketState): Uint8Array {
  const w = new Writer(128).u8(s.tls12 ? TICKET_FORMAT_TLS12 : TICKET_FORMAT).u16(s.cipherSuite).vectorBytes(1, s.psk);
  w.u64(BigInt(Math.floor(s.issuedAt))).u32(s.lifetimeSeconds).u32(s.ticketAgeAdd);
  w.vectorBytes(1, new TextEncoder().encode(s.alpnProtocol ?? '')).vectorBytes(2, new TextEncoder().encode(s.serverName ?? ''));
  if (s.tls12) w.u8(s.tls12.extendedMasterSecret ? 1 : 0);
  const nonce = random.randomBytes(12);
  const ct = provider.aead('AES-256-GCM', ticketKey).seal(nonce, w.finish());
  const out = new Uint8Array(12 + ct.length);
  out.set(nonce);
  out.set(ct, 12);
  return out;
}

export function openTicket(provider: CryptoProvider, ticketKey: Uint8Array, ticket: Uint8Array): TicketState | undefined {
  if (ticket.length < 12 + 16 + 1) return undefined;
  const plain = provider.aead('AES-256-GCM', ticketKey).open(ticket.subarray(0, 12), ticket.subarray(12));
  if (!plain) return undefined;
  try {
    const r = new Reader(plain);
    const format = r.u8('ticket.format');
    if (format !== TICKET_FORMAT && format !== TICKET_FORMAT_TLS12) return undefined;
    const cipherSuite = r.u16('ticket.cipher_suite');
    const psk = r.vector(1, 'ticket.psk').slice();
    const issuedAt = Number(r.u64('ticket.issued_at'));
    const lifetimeSeconds = r.u32('ticket.lifetime');
    const ticketAgeAdd = r.u32('ticket.age_add');
    const alpn = new TextDecoder().decode(r.vector(1, 'ticket.alpn'));
    const sni = new TextDecoder().decode(r.vector(2, 'ticket.server_name'));
    const tls12 = format === TICKET_FORMAT_TLS12 ? { extendedMasterSecret: r.u8('ticket.ems') === 1 } : undefined;
    r.expectEnd('ticket');
    return { cipherSuite, psk, issuedAt, lifetimeSeconds, ticketAgeAdd, alpnProtocol: alpn || undefined, serverName: sni || undefined, tls12 };
  } catch {
    return undefined;
  }
}
