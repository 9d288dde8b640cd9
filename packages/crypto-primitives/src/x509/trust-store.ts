/**
 * Trust anchors (RFC 5280 §6.1.1 (d)): certificates whose name and key are trusted as given. A
 * store is built from certificates or PEM text, or loaded from a PEM file or a CA directory in
 * the layout of /etc/ssl/certs (openssl's `<hash>.N` links beside `*.pem` / `*.crt` files: every
 * file is read, and duplicates are dropped).
 */
import type { Certificate } from './certificate.js';
import { parseCertificates } from './certificate.js';
import { X509Error } from './errors.js';
import { type DistinguishedName, nameKey } from './name.js';

const hexOf = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

export class TrustStore {
  readonly certificates: readonly Certificate[];
  /** Files or blocks that could not be read when loading from disk, with the reason. */
  readonly skipped: ReadonlyArray<{ readonly source: string; readonly reason: string }>;
  private readonly bySubject = new Map<string, Certificate[]>();
  private readonly byDer = new Set<string>();

  constructor(certificates: readonly Certificate[], skipped: ReadonlyArray<{ source: string; reason: string }> = []) {
    const unique: Certificate[] = [];
    for (const c of certificates) {
      const key = hexOf(c.der);
      if (this.byDer.has(key)) continue;
      this.byDer.add(key);
      unique.push(c);
      const k = nameKey(c.subject);
      const list = this.bySubject.get(k) ?? [];
      list.push(c);
      this.bySubject.set(k, list);
    }
    this.certificates = unique;
    this.skipped = skipped;
  }

  /** A store of every CERTIFICATE block in PEM text (a malformed block is an X509Error). */
  static fromPem(text: string): TrustStore {
    return new TrustStore(parseCertificates(text));
  }

  /** Anchors whose subject is `name`. */
  withSubject(name: DistinguishedName): readonly Certificate[] {
    return this.bySubject.get(nameKey(name)) ?? [];
  }

  /** Whether this exact certificate is an anchor. */
  contains(cert: Certificate): boolean {
    return this.byDer.has(hexOf(cert.der));
  }
}

/** openssl's hashed-directory link names (`c_rehash`, `openssl rehash`) and common PEM file names. */
const CA_FILE = /^([0-9a-f]{8}\.\d+|.*\.(pem|crt|cer))$/i;

/**
 * Loads trust anchors from a PEM file, or from every certificate file of a directory such as
 * /etc/ssl/certs. In a directory, files that cannot be parsed are listed in `skipped` rather than
 * failing the whole store; a single file that cannot be parsed is an X509Error.
 */
export async function loadTrustStore(path: string): Promise<TrustStore> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  const info = await fs.stat(path);
  if (!info.isDirectory()) {
    const certs = parseCertificates(await fs.readFile(path, 'utf8'));
    if (certs.length === 0) throw new X509Error('bad-encoding', `${path} holds no CERTIFICATE block`);
    return new TrustStore(certs);
  }
  const certs: Certificate[] = [];
  const skipped: Array<{ source: string; reason: string }> = [];
  for (const name of (await fs.readdir(path)).sort()) {
    if (!CA_FILE.test(name)) continue;
    const file = join(path, name);
    try {
      const st = await fs.stat(file);
      if (!st.isFile()) continue;
      certs.push(...parseCertificates(await fs.readFile(file, 'utf8')));
    } catch (e) {
      skipped.push({ source: file, reason: (e as Error).message });
    }
  }
  return new TrustStore(certs, skipped);
}
