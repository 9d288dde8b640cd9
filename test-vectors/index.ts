/**
 * Loaders for known-answer vectors, used by every package's tests: the project's own files in
 * test-vectors/ (one JSON file per source, each with a `source` field), and Wycheproof vector files from the shared vectors folder beside the project
 * (`../shared/vectors/wycheproof`, where CI has them). When the folder is absent, `loadWycheproof`
 * returns null and the caller skips its cases with a message saying so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface WycheproofTest {
  tcId: number;
  comment: string;
  flags: string[];
  result: 'valid' | 'invalid' | 'acceptable';
  [field: string]: unknown;
}

export interface WycheproofGroup {
  type: string;
  tests: WycheproofTest[];
  [field: string]: unknown;
}

export interface WycheproofFile {
  algorithm: string;
  numberOfTests: number;
  testGroups: WycheproofGroup[];
}

/** Root of the repository (this file is test-vectors/index.ts). */
export const REPO_ROOT = resolve(__dirname, '..');
export const WYCHEPROOF_DIR = resolve(REPO_ROOT, '../shared/vectors/wycheproof');

export function loadWycheproof(fileName: string): WycheproofFile | null {
  const path = join(WYCHEPROOF_DIR, fileName);
  if (!existsSync(path)) {
    // eslint-disable-next-line no-console
    console.warn(`Wycheproof file ${fileName} not found at ${WYCHEPROOF_DIR}: its cases are skipped`);
    return null;
  }
  return JSON.parse(readFileSync(path, 'utf8')) as WycheproofFile;
}

/** `Wycheproof/<file>/<tcId>` — the name every case is reported under. */
export function caseName(fileName: string, t: WycheproofTest): string {
  return `Wycheproof/${fileName.replace(/_test\.json$/, '')}/${t.tcId}${t.comment ? ` (${t.comment})` : ''}`;
}

/** Loads a JSON vector file from the project's own test-vectors/ folder. */
export function loadVectors<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'test-vectors', relativePath), 'utf8')) as T;
}
