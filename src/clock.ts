/**
 * Time, injected. The queue never asks SQLite for "now": every timestamp enters SQL as a
 * parameter from a {@link Clock}, so tests can move time and all processes agree on one format.
 *
 * @module
 */
import { QueueValidationError } from "./errors.ts";

/** A source of time and of waiting. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason if aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("aborted", "AbortError");
}

/** The wall clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = Object.freeze({
  now: (): number => Date.now(),
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortReason(signal!));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
});

interface Sleeper {
  readonly until: number;
  readonly resolve: () => void;
}

/**
 * A clock that moves only when told to. Sleepers wake, in deadline order, when
 * {@link FakeClock.advance} passes their deadline.
 */
export class FakeClock implements Clock {
  #now: number;
  #sleepers: Sleeper[] = [];

  /** Starts at `start` (epoch ms), by default 2026-01-01T00:00:00.000Z. */
  constructor(start: number = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  /** Current fake time in epoch ms. */
  now(): number {
    return this.#now;
  }

  /** Waits until the clock has been advanced by `ms`. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      if (ms <= 0) return resolve();
      const sleeper: Sleeper = {
        until: this.#now + ms,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(abortReason(signal!));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#sleepers.push(sleeper);
    });
  }

  /** Number of pending sleeps, so tests can wait until a loop is parked. */
  get pendingSleeps(): number {
    return this.#sleepers.length;
  }

  /**
   * Moves time forward by `ms`, waking due sleepers one deadline at a time and letting the
   * microtasks they start run before the next one wakes.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await flushMicrotasks();
      const due = this.#sleepers
        .filter((s) => s.until <= target)
        .sort((a, b) => a.until - b.until)[0];
      if (due === undefined) break;
      this.#now = Math.max(this.#now, due.until);
      this.#sleepers = this.#sleepers.filter((s) => s !== due);
      due.resolve();
    }
    this.#now = target;
    await flushMicrotasks();
  }

  /** Sets the time without waking anyone (for tests that only need `now()` to move). */
  set(epochMs: number): void {
    this.#now = epochMs;
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise<void>((r) => setTimeout(r, 0));
}

/** The earliest time a task may be scheduled for: 1970-01-01T00:00:00.000Z (epoch ms). */
export const MIN_TASK_TIME_MS = 0;
/**
 * The latest time the queue can store: 9999-12-31T23:59:59.999Z (epoch ms). Later years are
 * written `+010000-…`, which sorts before every four-digit year, so such a time would compare as
 * long past.
 */
export const MAX_TASK_TIME_MS: number = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * True if `epochMs` is a time a task may be scheduled for: a finite number from
 * {@link MIN_TASK_TIME_MS} to {@link MAX_TASK_TIME_MS}.
 */
export function isTaskTime(epochMs: number): boolean {
  return Number.isFinite(epochMs) && epochMs >= MIN_TASK_TIME_MS && epochMs <= MAX_TASK_TIME_MS;
}

/**
 * Formats epoch ms as the queue's stored timestamp: UTC `YYYY-MM-DD HH:MM:SS.SSS`. It sorts as
 * text, and SQLite's second-precision `datetime('now')` (`YYYY-MM-DD HH:MM:SS`) compares with it
 * correctly at second granularity: within the same second the longer text sorts later. See
 * {@link toSqlRunAfter} for the one column where that matters. A time after year 9999 (which
 * would sort as long past) or no time at all (NaN, ±Infinity, beyond the Date range) is a
 * {@link QueueValidationError}; a cut-off before year 0 still sorts first and is allowed.
 */
export function toSqlTime(epochMs: number): string {
  // A batch formats the same instant many times; one remembered value saves most of the work.
  if (epochMs === lastFormatted.ms) return lastFormatted.text;
  if (!(epochMs <= MAX_TASK_TIME_MS) || !(epochMs >= -8.64e15)) {
    throw new QueueValidationError(`time ${String(epochMs)} cannot be stored: the queue keeps times up to 9999-12-31 (UTC)`);
  }
  const iso = new Date(epochMs).toISOString(); // 2026-01-01T00:00:00.000Z
  const text = `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  lastFormatted = { ms: epochMs, text };
  return text;
}
let lastFormatted = { ms: Number.NaN, text: "" };

/**
 * Formats a task's `run_after_utc`. A time already reached is stored in SQLite's own
 * second-precision form `YYYY-MM-DD HH:MM:SS`, so the seeds' `run_after_utc <= datetime('now')`
 * finds a runnable task at once: any millisecond suffix, even `.000`, sorts after
 * `datetime('now')` for the rest of that second. The task is runnable either way, so nothing runs
 * early. A future time keeps its milliseconds, so a delay or backoff never ends early.
 */
export function toSqlRunAfter(runAfterMs: number, nowMs: number): string {
  const text = toSqlTime(runAfterMs);
  return runAfterMs <= nowMs ? text.slice(0, 19) : text;
}

/** Parses a stored timestamp (ours, or SQLite's second-precision form) back to epoch ms. */
export function fromSqlTime(text: string): number {
  // Rows of one batch share their timestamps; remembering the last few skips the regex.
  const hit = parsedTimes.get(text);
  if (hit !== undefined) return hit;
  const ms = parseSqlTime(text);
  if (parsedTimes.size >= 64) parsedTimes.clear();
  parsedTimes.set(text, ms);
  return ms;
}
const parsedTimes = new Map<string, number>();

function parseSqlTime(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?/.exec(text);
  if (m === null) return Number.NaN;
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, "0"));
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms);
}
