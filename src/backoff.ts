/**
 * Retry delay after a failed attempt.
 *
 * @module
 */

/** Resolved backoff settings. */
export interface Backoff {
  /** Delay before the first retry. */
  readonly baseMs: number;
  /** Multiplier per further attempt. */
  readonly factor: number;
  /** Upper bound of the delay. */
  readonly maxMs: number;
  /** Fraction of the delay taken off at random, so retries spread out. */
  readonly jitter: number;
}

/** The seeds' shape: 1, 2, 4, 8 … minutes, capped at an hour, up to 10% taken off at random. */
export const DEFAULT_BACKOFF: Backoff = Object.freeze({ baseMs: 60_000, factor: 2, maxMs: 3_600_000, jitter: 0.1 });

/** The delay before a task runs again after failing its `attempt`-th execution (1-based). */
export function nominalBackoffMs(attempt: number, b: Backoff): number {
  return Math.min(b.maxMs, b.baseMs * b.factor ** Math.max(0, attempt - 1));
}

/**
 * The actual delay: the nominal delay less a random fraction of up to `jitter` of it, so it
 * lies in `[nominal × (1 - jitter), nominal]`, rounded to whole milliseconds (so within 0.5 ms
 * of those bounds when a fractional `factor` makes them fractional). Taking off rather than adding keeps the cap a cap.
 */
export function backoffMs(attempt: number, b: Backoff, random: () => number): number {
  const nominal = nominalBackoffMs(attempt, b);
  return Math.round(nominal * (1 - b.jitter * random()));
}
