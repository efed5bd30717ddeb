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
  // `new Date(…).toISOString()` cost ~1.2 µs a call here, and a worker's round formats several
  // new instants (now, the lease's end, a backoff): 3% of a drain's CPU profile. Within one hour
  // only the minutes, seconds and milliseconds change, so the date and hour are formatted once
  // an hour and the rest by arithmetic (~0.1 µs). `Date` truncates a fractional time toward zero,
  // and so does this. Before year 0 the ISO form has a six-digit year: the old way, as before.
  const ms = Math.trunc(epochMs);
  if (ms < YEAR_0_MS) {
    const iso = new Date(epochMs).toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  }
  if (!(ms >= hourPrefix.start && ms < hourPrefix.start + HOUR_MS)) {
    const start = Math.floor(ms / HOUR_MS) * HOUR_MS;
    const iso = new Date(start).toISOString(); // 2026-01-01T00:00:00.000Z
    hourPrefix = { start, text: `${iso.slice(0, 10)} ${iso.slice(11, 14)}` };
  }
  const inHour = ms - hourPrefix.start;
  const min = Math.floor(inHour / 60_000);
  const sec = Math.floor((inHour % 60_000) / 1000);
  const milli = inHour % 1000;
  const text = `${hourPrefix.text}${min < 10 ? "0" : ""}${min}:${sec < 10 ? "0" : ""}${sec}.${milli < 10 ? "00" : milli < 100 ? "0" : ""}${milli}`;
  lastFormatted = { ms: epochMs, text };
  return text;
}
let lastFormatted = { ms: Number.NaN, text: "" };
const HOUR_MS = 3_600_000;
/** 0000-01-01T00:00:00Z: from here on ISO years have four digits. */
const YEAR_0_MS = -62_167_219_200_000;
/** The formatted `YYYY-MM-DD HH:` of the hour starting at `start` (epoch ms) last formatted. */
let hourPrefix = { start: Number.NaN, text: "" };

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
  return parseSqlTime(text);
}

function parseSqlTime(text: string): number {
  // Most stored times fall in an hour already seen: then only minutes, seconds and milliseconds
  // are read, by character codes (the regular expression below cost ~0.5 µs a call).
  const n = text.length;
  if ((n === 19 || (n >= 21 && n <= 23 && text.charCodeAt(19) === DOT)) && text.charCodeAt(16) === COLON && text.startsWith(parsedHour.text)) {
    const min = twoDigits(text, 14);
    const sec = twoDigits(text, 17);
    let milli = 0;
    for (let i = 20; i < 23; i++) {
      const d = i < n ? text.charCodeAt(i) - ZERO : 0;
      if (!(d >= 0 && d <= 9)) return slowParse(text);
      milli = milli * 10 + d;
    }
    if (min >= 0 && sec >= 0) return parsedHour.start + min * 60_000 + sec * 1000 + milli;
  }
  return slowParse(text);
}
const DOT = 46;
const COLON = 58;
const ZERO = 48;
/** The `YYYY-MM-DD HH:` of the last hour parsed the slow way, and when that hour starts. */
let parsedHour = { text: "\u0000", start: 0 };

/** Two decimal digits at `at`, or -1. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - ZERO;
  const b = text.charCodeAt(at + 1) - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function slowParse(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?/.exec(text);
  if (m === null) return Number.NaN;
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, "0"));
  const at = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms);
  // Remembered for the fast path above only where the hour is exactly what the prefix says.
  if (m[0].length === text.length && text.charCodeAt(13) === COLON && +m[2]! >= 1 && +m[2]! <= 12 && +m[4]! <= 23) {
    const start = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!);
    if (new Date(start).getUTCDate() === +m[3]! && +m[1]! >= 0) parsedHour = { text: text.slice(0, 14), start };
  }
  return at;
}
