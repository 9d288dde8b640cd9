/**
 * tcpdump captures and tshark as an independent dissector and decryptor (shared/INTEROP.md): the
 * `-o` preference strings for ESP SAs, the IKEv2 decryption table and TLS key logs, and field
 * extraction into rows.
 */
import type { NetnsHost } from './netns.js';
import { readFileSync } from 'node:fs';
import { pollUntil, runCommand, startPeer, type ExitStatus, type Peer } from './process.js';
import { CommandFailedError, TestbedError } from './errors.js';

export interface TsharkFieldsOptions {
  /** Values for `-o` (e.g. from {@link espSaPref}, {@link tlsKeylogPref}). */
  prefs?: string[];
  /** Values for `-d` (e.g. `tcp.port==4433,tls`). */
  decodeAs?: string[];
  /** Display filter (`-Y`). */
  filter?: string;
  /** Fields (`-e`), e.g. `frame.number`, `esp.spi`, `data.text`. */
  fields: string[];
  /** Default 30 000 ms. */
  timeoutMs?: number;
}

/** One packet's fields; a field absent from a packet is ''. Repeated occurrences are joined by ','. */
export type TsharkRow = Record<string, string>;

/** Reads `pcap` with tshark and returns the requested fields of every packet that passes `filter`. */
export async function tsharkFields(pcap: string, options: TsharkFieldsOptions): Promise<TsharkRow[]> {
  const args = ['-n', '-r', pcap];
  for (const p of options.prefs ?? []) args.push('-o', p);
  for (const d of options.decodeAs ?? []) args.push('-d', d);
  if (options.filter) args.push('-Y', options.filter);
  args.push('-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'quote=n');
  for (const f of options.fields) args.push('-e', f);
  const r = await runCommand('tshark', args, { timeoutMs: options.timeoutMs ?? 30_000, check: false });
  if (r.code !== 0) throw new CommandFailedError(`tshark ${args.join(' ')}`, { code: r.code, signal: r.signal }, r.stdout, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const values = line.split('\t');
      const row: TsharkRow = {};
      options.fields.forEach((f, i) => (row[f] = values[i] ?? ''));
      return row;
    });
}

/** ESP encryption algorithm names as Wireshark 4.0's esp_sa table spells them (it has no ChaCha20-Poly1305). */
export type EspEncryption =
  | 'NULL'
  | 'AES-CBC [RFC3602]'
  | 'AES-CTR [RFC3686]'
  | 'AES-GCM with 8 octet ICV [RFC4106]'
  | 'AES-GCM with 12 octet ICV [RFC4106]'
  | 'AES-GCM with 16 octet ICV [RFC4106]'
  | 'TripleDES-CBC [RFC2451]';

/** ESP authentication algorithm names of the esp_sa table (NULL for AEADs). */
export type EspAuthentication =
  | 'NULL'
  | 'HMAC-SHA-1-96 [RFC2404]'
  | 'HMAC-SHA-256-128 [RFC4868]'
  | 'HMAC-SHA-384-192 [RFC4868]'
  | 'HMAC-SHA-512-256 [RFC4868]';

export interface EspSa {
  /** Default IPv4. */
  protocol?: 'IPv4' | 'IPv6';
  src: string;
  dst: string;
  /** SPI as hex, with or without 0x. */
  spi: string;
  encryption: EspEncryption;
  /** Encryption key as hex (for GCM and ChaCha20 including the 4-byte salt), with or without 0x. */
  encryptionKey: string;
  /** Default NULL. */
  authentication?: EspAuthentication;
  authenticationKey?: string;
}

function hex0x(h: string): string {
  return h.startsWith('0x') || h.startsWith('0X') ? h : `0x${h}`;
}

function bareHex(h: string): string {
  return h.replace(/^0x/i, '');
}

/** `uat:esp_sa:"IPv4","SRC","DST","0xSPI","ALG","0xKEY","AUTH","0xAUTHKEY"` — one `-o` per SA. */
export function espSaPref(sa: EspSa): string {
  const fields = [
    sa.protocol ?? 'IPv4',
    sa.src,
    sa.dst,
    hex0x(sa.spi),
    sa.encryption,
    hex0x(sa.encryptionKey),
    sa.authentication ?? 'NULL',
    sa.authenticationKey ? hex0x(sa.authenticationKey) : '',
  ];
  return `uat:esp_sa:${fields.map((f) => `"${f}"`).join(',')}`;
}

/** The two switches that make tshark decrypt ESP and check its ICV, to go before the esp_sa entries. */
export const ESP_DECRYPTION_PREFS = ['esp.enable_encryption_decode:TRUE', 'esp.enable_authentication_check:TRUE'];

/** IKEv2 encryption algorithm names of Wireshark's ikev2_decryption_table. */
export type Ikev2Encryption =
  | 'NULL [RFC2410]'
  | 'AES-CBC-128 [RFC3602]'
  | 'AES-CBC-192 [RFC3602]'
  | 'AES-CBC-256 [RFC3602]'
  | 'AES-GCM-128 with 8 octet ICV [RFC5282]'
  | 'AES-GCM-192 with 8 octet ICV [RFC5282]'
  | 'AES-GCM-256 with 8 octet ICV [RFC5282]'
  | 'AES-GCM-128 with 16 octet ICV [RFC5282]'
  | 'AES-GCM-192 with 16 octet ICV [RFC5282]'
  | 'AES-GCM-256 with 16 octet ICV [RFC5282]';

/** IKEv2 integrity algorithm names of the ikev2_decryption_table. */
export type Ikev2Integrity =
  | 'NONE [RFC4306]'
  | 'HMAC_SHA1_96 [RFC2404]'
  | 'HMAC_SHA2_256_128 [RFC4868]'
  | 'HMAC_SHA2_384_192 [RFC4868]'
  | 'HMAC_SHA2_512_256 [RFC4868]';

export interface Ikev2DecryptionEntry {
  /** IKE SA SPIs (8 bytes each) as hex. */
  spiI: string;
  spiR: string;
  /** SK_ei / SK_er as hex (for AEADs including the salt). */
  skEi: string;
  skEr: string;
  encryption: Ikev2Encryption;
  /** SK_ai / SK_ar as hex; empty for AEADs. */
  skAi?: string;
  skAr?: string;
  /** Default `NONE [RFC4306]` (AEAD). */
  integrity?: Ikev2Integrity;
}

/** `uat:ikev2_decryption_table:SPII,SPIR,SK_EI,SK_ER,"ALG",SK_AI,SK_AR,"INTEG"` — hex bare, names quoted. */
export function ikev2DecryptionPref(e: Ikev2DecryptionEntry): string {
  return `uat:ikev2_decryption_table:${[
    bareHex(e.spiI),
    bareHex(e.spiR),
    bareHex(e.skEi),
    bareHex(e.skEr),
    `"${e.encryption}"`,
    bareHex(e.skAi ?? ''),
    bareHex(e.skAr ?? ''),
    `"${e.integrity ?? 'NONE [RFC4306]'}"`,
  ].join(',')}`;
}

/** `tls.keylog_file:FILE` (TLS and DTLS both read it). */
export function tlsKeylogPref(file: string): string {
  return `tls.keylog_file:${file}`;
}

/** A running tcpdump writing a pcap. */
export interface Capture {
  readonly file: string;
  readonly peer: Peer;
  /** Complete packet records in the pcap file so far (tcpdump -U writes each packet as it arrives). */
  packetCount(): number;
  /**
   * Polls the file until it holds at least `count` packets. Call it before `stop()` when the last
   * packets matter: packets still queued in the kernel when tcpdump gets SIGTERM are not written.
   */
  waitForPackets(count: number, options?: { timeoutMs?: number }): Promise<void>;
  /**
   * Stops tcpdump and waits for its exit. Before the SIGTERM it lets the file settle: it polls the
   * packet count until it has not changed for `settleMs` (default 100; at most 2 s in all), so the
   * packets the kernel already queued for tcpdump are written.
   */
  stop(options?: { settleMs?: number }): Promise<ExitStatus>;
  dispose(): Promise<void>;
}

/**
 * Starts `tcpdump -U --immediate-mode -i IFACE -w FILE [filter]` on the host (in its namespace) or,
 * with `host` undefined, in the current namespace (e.g. `lo`); resolves once tcpdump says it is
 * listening, so no packet sent afterwards is missed.
 */
export async function capture(host: NetnsHost | undefined, iface: string, file: string, filter?: string, options: { timeoutMs?: number } = {}): Promise<Capture> {
  const args = ['-U', '--immediate-mode', '-n', '-i', iface, '-w', file, ...(filter ? filter.split(/\s+/) : [])];
  const label = `tcpdump on ${iface}${host ? ` in ${host.name}` : ''}`;
  const peer = host ? host.spawn('tcpdump', args, { label }) : startPeer('tcpdump', args, { label });
  try {
    await peer.waitForOutput(/listening on /, { timeoutMs: options.timeoutMs ?? 10_000, stream: 'stderr' });
  } catch (e) {
    await peer.dispose();
    throw e;
  }
  const packetCount = (): number => countPcapRecords(file);
  const stop = async (opts: { settleMs?: number } = {}): Promise<ExitStatus> => {
    if (!peer.exitStatus()) {
      const settleMs = opts.settleMs ?? 100;
      const deadline = Date.now() + 2000;
      let last = packetCount();
      let since = Date.now();
      while (Date.now() - since < settleMs && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        const now = packetCount();
        if (now !== last) {
          last = now;
          since = Date.now();
        }
      }
    }
    return peer.kill('SIGTERM', 5000);
  };
  return {
    file,
    peer,
    packetCount,
    waitForPackets: (count, opts = {}) =>
      pollUntil(`${count} packets in ${file} (tcpdump on ${iface})`, () => packetCount() >= count, { timeoutMs: opts.timeoutMs ?? 10_000, peer }),
    stop,
    dispose: async () => void (await stop({ settleMs: 0 })),
  };
}

/** Number of complete records in a classic pcap file (0 if it is missing or has no header yet). */
export function countPcapRecords(file: string): number {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return 0;
  }
  if (bytes.length < 24) return 0;
  const magic = bytes.readUInt32LE(0);
  const littleEndian = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const bigEndian = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  if (!littleEndian && !bigEndian) throw new TestbedError(`${file} is not a classic pcap file (magic 0x${magic.toString(16)})`);
  let count = 0;
  let offset = 24;
  while (offset + 16 <= bytes.length) {
    const inclLen = littleEndian ? bytes.readUInt32LE(offset + 8) : bytes.readUInt32BE(offset + 8);
    if (offset + 16 + inclLen > bytes.length) break;
    offset += 16 + inclLen;
    count++;
  }
  return count;
}
