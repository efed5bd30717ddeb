/** Small statistics helpers and the row type every scenario reports. */

/** One line of the results table. Throughputs are tasks (or operations) per second. */
export interface ResultRow {
  readonly scenario: string;
  readonly driver: string;
  /** Median over the runs. */
  readonly opsPerSec: number | null;
  /** Slowest and fastest run, when there was more than one. */
  readonly spread: readonly [number, number] | null;
  readonly runs: number;
  /** Latency percentiles in microseconds, where the scenario measures single operations. */
  readonly p50Us?: number | undefined;
  readonly p95Us?: number | undefined;
  readonly p99Us?: number | undefined;
  readonly note?: string | undefined;
}

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The q-quantile (0..1) of sorted samples, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A throughput row from per-run rates. */
export function rateRow(scenario: string, driver: string, rates: readonly number[], note?: string): ResultRow {
  return {
    scenario,
    driver,
    opsPerSec: median(rates),
    spread: rates.length > 1 ? [Math.min(...rates), Math.max(...rates)] : null,
    runs: rates.length,
    note,
  };
}

/** Prints a progress line to stderr, so stdout keeps only the tables. */
export function progress(message: string): void {
  const t = ((performance.now() - START) / 1000).toFixed(1).padStart(6);
  console.error(`[${t}s] ${message}`);
}
const START = performance.now();
