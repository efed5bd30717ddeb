/**
 * Small pure helpers of `QueueMetrics`: number decoding, ratios, the nearest-rank percentile and
 * the lenient capabilities parser.
 *
 * @internal
 * @module
 */
import type { SqlValue } from "../driver.ts";

/** A count column as a number (bigint and NULL included). */
export function num(v: SqlValue | undefined): number {
  return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : Number(v ?? 0);
}

/** `part / whole`, or null for an empty whole. */
export function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

/**
 * The nearest-rank percentile of an ascending, non-empty array: the value at 1-based rank
 * `ceil(percent / 100 × n)`. `percent` is an integer, so `percent × n / 100` is exact whenever
 * it is a whole number and the ceiling never rounds the wrong way.
 */
export function nearestRank(sorted: readonly number[], percent: number): number {
  const rank = Math.max(1, Math.ceil((percent * sorted.length) / 100));
  return sorted[rank - 1]!;
}

/** A capabilities column as an object; anything else is `{}`. */
export function parseCapabilities(text: SqlValue | undefined): Readonly<Record<string, unknown>> {
  try {
    const v: unknown = JSON.parse(String(text ?? "{}"));
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    // A hand-written, non-JSON capabilities value is reported as no capabilities, not refused.
    return {};
  }
}
