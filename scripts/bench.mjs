#!/usr/bin/env node
/**
 * `pnpm bench`: runs the benchmarks of every workspace package and collects their figures.
 *
 * Convention: a workspace package (a folder matched by pnpm-workspace.yaml) takes part by having
 * `bench/*.bench.ts` files. Each file runs in a process of its own, from the repository root:
 *
 *     node --conditions=layersec-source --import tsx <package>/bench/<name>.bench.ts
 *
 * with LAYERSEC_BENCH_OUT set to a temporary file. The bench file measures through
 * scripts/bench-support.ts (`BenchReport`, on tinybench), whose `finish()` writes the file's
 * entries there as JSON: `{ package, name, value, unit, anchor? }`, where a ratio's `anchor` names
 * the entry of the same run it was measured against. This script prints every entry as a table
 * and writes them all, as one JSON array, to bench-results.json at the repository root.
 *
 * Usage: pnpm bench [-- [--time <ms>] [filter ...]]
 *   filter      run only bench files whose package name or path contains one of these strings
 *   --time ms   measuring time per figure (LAYERSEC_BENCH_TIME_MS; default 600)
 *
 * Benchmarks are not part of `pnpm test`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench-results.json');

function parseArgs(argv) {
  const filters = [];
  let timeMs;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') continue;
    if (arg === '--time') {
      timeMs = Number(argv[++i]);
      if (!Number.isFinite(timeMs) || timeMs <= 0) throw new Error(`--time needs a positive number of ms`);
    } else if (arg === '--help' || arg === '-h') {
      console.log('usage: pnpm bench [-- [--time <ms>] [filter ...]]');
      process.exit(0);
    } else {
      filters.push(arg);
    }
  }
  return { filters, timeMs };
}

/** The workspace's package folders, from the `packages:` globs of pnpm-workspace.yaml (`dir/*` or `dir`). */
function workspacePackages() {
  const yaml = readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [];
  let inPackages = false;
  for (const line of yaml.split('\n')) {
    if (/^packages:\s*$/.test(line)) {
      inPackages = true;
      continue;
    }
    if (inPackages) {
      const item = /^\s+-\s+['"]?([^'"#]+?)['"]?\s*$/.exec(line);
      if (item) globs.push(item[1]);
      else if (/^\S/.test(line)) inPackages = false;
    }
  }
  const dirs = [];
  for (const glob of globs) {
    if (glob.endsWith('/*')) {
      const parent = join(ROOT, glob.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const d of readdirSync(parent, { withFileTypes: true })) {
        if (d.isDirectory()) dirs.push(join(parent, d.name));
      }
    } else {
      dirs.push(join(ROOT, glob));
    }
  }
  return dirs
    .filter((d) => existsSync(join(d, 'package.json')))
    .map((dir) => ({ dir, name: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name ?? relative(ROOT, dir) }))
    .sort((a, b) => a.dir.localeCompare(b.dir));
}

function benchFiles(packages, filters) {
  const files = [];
  for (const pkg of packages) {
    const benchDir = join(pkg.dir, 'bench');
    if (!existsSync(benchDir)) continue;
    for (const f of readdirSync(benchDir).sort()) {
      if (!f.endsWith('.bench.ts')) continue;
      const path = join(benchDir, f);
      const rel = relative(ROOT, path);
      if (filters.length === 0 || filters.some((s) => pkg.name.includes(s) || rel.includes(s))) {
        files.push({ pkg: pkg.name, path, rel });
      }
    }
  }
  return files;
}

function formatValue(value) {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

function printTable(entries) {
  const rows = entries.map((e) => [e.package, e.name, formatValue(e.value), e.unit, e.anchor ?? '']);
  const header = ['package', 'figure', 'value', 'unit', 'anchor (same run)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    cells
      .map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

function isEntry(e) {
  return (
    e !== null &&
    typeof e === 'object' &&
    typeof e.package === 'string' &&
    typeof e.name === 'string' &&
    typeof e.value === 'number' &&
    typeof e.unit === 'string' &&
    (e.anchor === undefined || typeof e.anchor === 'string')
  );
}

function main() {
  const { filters, timeMs } = parseArgs(process.argv.slice(2));
  const files = benchFiles(workspacePackages(), filters);
  if (files.length === 0) {
    console.error(filters.length ? `no bench files match ${filters.join(', ')}` : 'no bench/*.bench.ts files in the workspace');
    process.exit(1);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'layersec-bench-'));
  const entries = [];
  const failures = [];
  try {
    files.forEach((file, index) => {
      console.error(`== ${file.rel}`);
      const out = join(tmp, `${index}.json`);
      const env = { ...process.env, LAYERSEC_BENCH_OUT: out };
      if (timeMs !== undefined) env.LAYERSEC_BENCH_TIME_MS = String(timeMs);
      const run = spawnSync(process.execPath, ['--conditions=layersec-source', '--import', 'tsx', file.path], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      if (run.status !== 0 || !existsSync(out)) {
        failures.push(`${file.rel} (exit ${run.status ?? run.signal})`);
        return;
      }
      const got = JSON.parse(readFileSync(out, 'utf8'));
      if (!Array.isArray(got) || !got.every(isEntry)) {
        failures.push(`${file.rel} (malformed entries)`);
        return;
      }
      entries.push(...got);
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log('');
  printTable(entries);
  writeFileSync(RESULTS, `${JSON.stringify(entries, null, 2)}\n`);
  console.log(`\n${entries.length} figures written to ${relative(process.cwd(), RESULTS) || RESULTS}`);
  if (failures.length) {
    console.error(`failed: ${failures.join('; ')}`);
    process.exit(1);
  }
}

main();
