/**
 * Shared support for layersec's benchmarks. A package's `bench/*.bench.ts` file creates a
 * `BenchReport`, measures through it (tinybench underneath), and calls `finish()`:
 *
 *     import { BenchReport } from '../../../scripts/bench-support.js';
 *     const report = new BenchReport('@layersec/esp');
 *     const node = await report.throughput('ESP AES-128-GCM 1400 B [node]', 1400, () => sa.seal(packet));
 *     const ours = await report.throughput('ESP AES-128-GCM 1400 B [ours]', 1400, () => ...);
 *     report.ratio('ESP AES-128-GCM 1400 B ours/node', ours.opsPerSecond / node.opsPerSecond, node.name);
 *     report.finish();
 *
 * Every figure becomes one entry `{ package, name, value, unit, anchor? }`; a ratio names in
 * `anchor` the entry (by its exact name, measured in the same run) it is relative to.
 * scripts/bench.mjs runs each bench file in its own process with LAYERSEC_BENCH_OUT set and
 * `finish()` writes the entries there as JSON; run on its own
 * (`node --conditions=layersec-source --import tsx packages/<pkg>/bench/<x>.bench.ts`) it prints them.
 *
 * Units: `ops/s` (operations per second), `MB/s` (10^6 bytes per second of input), `ratio`
 * (dimensionless, value = measured / anchor). LAYERSEC_BENCH_TIME_MS sets the measuring time
 * per figure (default 600 ms, after a 100 ms warm-up). A figure is measured in rounds
 * (default 3) and the fastest round is kept, the one least disturbed by other load on the
 * machine; `compare()` interleaves the rounds of the figures it compares, so that a ratio's two
 * sides see the same conditions.
 */
import { writeFileSync } from 'node:fs';
import { Bench } from 'tinybench';

export interface BenchEntry {
  /** Workspace package name, e.g. `@layersec/crypto-primitives`. */
  package: string;
  name: string;
  value: number;
  unit: 'ops/s' | 'MB/s' | 'ratio' | string;
  /** For a ratio: the name of the entry (same package, same run) it was measured against. */
  anchor?: string;
}

export interface Measurement {
  name: string;
  /** Operations per second: 1000 / mean time per operation in ms. */
  opsPerSecond: number;
  /** Mean time per operation in milliseconds. */
  meanMs: number;
  /** Relative margin of error of the mean latency, in percent. */
  rmePercent: number;
  /** Number of operations timed. */
  samples: number;
}

export interface MeasureOptions {
  /** Total measuring time in ms over all rounds (default LAYERSEC_BENCH_TIME_MS or 600). */
  timeMs?: number;
  /** Warm-up time in ms before the first round (default 100). */
  warmupMs?: number;
  /** Number of rounds; the fastest is kept (default 3). */
  rounds?: number;
}

function defaultTimeMs(): number {
  const fromEnv = Number(process.env.LAYERSEC_BENCH_TIME_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 600;
}

/** One tinybench run of `fn` (synchronous functions only). */
async function runOnce(name: string, fn: () => unknown, timeMs: number, warmupMs: number): Promise<Measurement> {
  const bench = new Bench({
    name,
    time: timeMs,
    iterations: 8,
    warmup: warmupMs > 0,
    warmupTime: warmupMs,
    warmupIterations: 8,
    throws: true,
  });
  bench.add(name, fn);
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed') {
    throw new Error(`benchmark "${name}" did not complete (${result.state})`);
  }
  return {
    name,
    opsPerSecond: result.period > 0 ? 1000 / result.period : Number.POSITIVE_INFINITY,
    meanMs: result.period,
    rmePercent: result.latency.rme,
    samples: result.latency.samplesCount,
  };
}

/**
 * Times each task in `rounds` interleaved rounds (task A, task B, ..., then again) and keeps
 * each task's fastest round.
 */
export async function measureInterleaved(
  tasks: ReadonlyArray<{ name: string; fn: () => unknown }>,
  options: MeasureOptions = {},
): Promise<Measurement[]> {
  const rounds = Math.max(1, options.rounds ?? 3);
  const perRound = (options.timeMs ?? defaultTimeMs()) / rounds;
  const best: Array<Measurement | undefined> = tasks.map(() => undefined);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < tasks.length; i++) {
      const m = await runOnce(tasks[i].name, tasks[i].fn, perRound, r === 0 ? (options.warmupMs ?? 100) : 0);
      const previous = best[i];
      if (previous === undefined || m.opsPerSecond > previous.opsPerSecond) best[i] = m;
    }
  }
  return best as Measurement[];
}

/** Times `fn` (see `measureInterleaved`) and returns the statistics of its fastest round. */
export async function measure(name: string, fn: () => unknown, options: MeasureOptions = {}): Promise<Measurement> {
  const [m] = await measureInterleaved([{ name, fn }], options);
  return m;
}

/** The figures of one bench file, for one workspace package. */
export class BenchReport {
  readonly entries: BenchEntry[] = [];

  constructor(readonly packageName: string) {}

  /** Records a figure measured by other means. */
  record(name: string, value: number, unit: BenchEntry['unit'], anchor?: string): BenchEntry {
    if (this.entries.some((e) => e.name === name)) throw new Error(`benchmark figure "${name}" recorded twice`);
    const entry: BenchEntry = { package: this.packageName, name, value, unit };
    if (anchor !== undefined) {
      if (!this.entries.some((e) => e.name === anchor)) {
        throw new Error(`ratio "${name}": its anchor "${anchor}" was not measured in this run`);
      }
      entry.anchor = anchor;
    }
    this.entries.push(entry);
    process.stderr.write(`  ${name}: ${formatValue(value)} ${unit}${anchor ? ` (vs ${anchor})` : ''}\n`);
    return entry;
  }

  /** Measures `fn` and records its operations per second. */
  async opsPerSecond(name: string, fn: () => unknown, options?: MeasureOptions): Promise<Measurement> {
    const m = await measure(name, fn, options);
    this.record(name, m.opsPerSecond, 'ops/s');
    return m;
  }

  /** Measures `fn`, which processes `bytesPerOp` bytes of input per call, and records MB/s. */
  async throughput(name: string, bytesPerOp: number, fn: () => unknown, options?: MeasureOptions): Promise<Measurement> {
    const m = await measure(name, fn, options);
    this.record(name, (m.opsPerSecond * bytesPerOp) / 1e6, 'MB/s');
    return m;
  }

  /**
   * Measures several tasks interleaved (see `measureInterleaved`) and records each: MB/s when it
   * gives `bytesPerOp`, else ops/s. Use it for the two sides of a ratio.
   */
  async compare(
    tasks: ReadonlyArray<{ name: string; fn: () => unknown; bytesPerOp?: number }>,
    options?: MeasureOptions,
  ): Promise<Measurement[]> {
    const results = await measureInterleaved(tasks, options);
    results.forEach((m, i) => {
      const bytes = tasks[i].bytesPerOp;
      if (bytes === undefined) this.record(m.name, m.opsPerSecond, 'ops/s');
      else this.record(m.name, (m.opsPerSecond * bytes) / 1e6, 'MB/s');
    });
    return results;
  }

  /** Records `value` (measured / anchor) as a ratio against the entry named `anchor`. */
  ratio(name: string, value: number, anchor: string): BenchEntry {
    return this.record(name, value, 'ratio', anchor);
  }

  /** Hands the entries to scripts/bench.mjs, or prints them when the file runs on its own. */
  finish(): void {
    const out = process.env.LAYERSEC_BENCH_OUT;
    if (out) {
      writeFileSync(out, JSON.stringify(this.entries, null, 2));
    } else {
      console.table(this.entries.map((e) => ({ ...e, value: formatValue(e.value) })));
    }
  }
}

/** Three significant digits, at least (`1234567` stays whole, `0.01234` keeps its digits). */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  return value.toPrecision(3);
}
