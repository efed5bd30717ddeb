/**
 * Pause/resume and rate limits, stored in `queue_controls` so every process obeys them: a worker
 * claims nothing of a paused type (or anything while the whole queue is paused), and at most
 * `max` tasks of a rate-limited type start per fixed window of `intervalMs` across all processes
 * (a window opens at the first start after the previous one ended). Both are enforced inside the
 * claim's own batch (src/dialect/sqlite/controls.ts), not by the workers' memory. A task already
 * running when its type is paused runs on; pausing stops new starts.
 *
 * @module
 */
import { fromSqlTime, toSqlTime } from "../clock.ts";
import type { QueueDatabase } from "../database.ts";
import { QueueValidationError } from "../errors.ts";

/** A rate limit: at most `max` starts per window of `intervalMs`. */
export interface RateLimit {
  /** Most starts in one window, at least 1. */
  readonly max: number;
  /** Window length in ms, at least 1. */
  readonly intervalMs: number;
}

/** One row of the controls: a paused or rate-limited task type, or the whole queue (`type: null`). */
export interface QueueControl {
  /** The task type, or null for the whole queue. */
  readonly type: string | null;
  /** New starts are held back. */
  readonly paused: boolean;
  /** The type's rate limit, if any. */
  readonly rateLimit: RateLimit | null;
  /** When the current rate window ends (epoch ms), or null. */
  readonly windowEndsAt: number | null;
  /** Starts counted in the current window. */
  readonly windowStarts: number;
}

function typeName(type: string | undefined | null, what: string): string {
  if (type === undefined || type === null) return "";
  if (typeof type !== "string" || type.length === 0 || type.length > 200) {
    throw new QueueValidationError(`${what}: type must be a non-empty string of at most 200 characters`);
  }
  return type;
}

/** Pauses (`paused` true) or resumes one task type, or the whole queue when `type` is absent. */
export async function setPaused(db: QueueDatabase, type: string | undefined, paused: boolean): Promise<void> {
  const t = typeName(type, paused ? "pause" : "resume");
  await db.batch(db.dialect.features.setPaused(t, paused, toSqlTime(db.clock.now())));
}

/** Sets (or changes) the rate limit of a task type; a window already open keeps its count. */
export async function setRateLimit(db: QueueDatabase, type: string, limit: RateLimit): Promise<void> {
  const t = typeName(type, "setRateLimit");
  if (t === "") throw new QueueValidationError("setRateLimit: a rate limit is per task type");
  const ok = (n: unknown, max: number): boolean => Number.isSafeInteger(n) && (n as number) >= 1 && (n as number) <= max;
  if (!ok(limit?.max, 1_000_000_000)) throw new QueueValidationError("setRateLimit: max must be an integer from 1");
  if (!ok(limit?.intervalMs, 100 * 366 * 86_400_000)) throw new QueueValidationError("setRateLimit: intervalMs must be an integer from 1");
  await db.batch(db.dialect.features.setRateLimit(t, limit.max, limit.intervalMs, toSqlTime(db.clock.now())));
}

/** Removes the rate limit of a task type (nothing if it had none). */
export async function clearRateLimit(db: QueueDatabase, type: string): Promise<void> {
  const t = typeName(type, "clearRateLimit");
  await db.batch(db.dialect.features.clearRateLimit(t, toSqlTime(db.clock.now())));
}

/** Every pause and rate limit in force, the whole queue first. */
export async function readControls(db: QueueDatabase): Promise<QueueControl[]> {
  const r = await db.run(db.dialect.features.selectControls());
  return r.rows.map((row) => {
    const type = String(row["type"]);
    const max = row["rate_max"];
    const until = row["window_until_utc"];
    return Object.freeze({
      type: type === "" ? null : type,
      paused: Number(row["paused"]) === 1,
      rateLimit: max === null || max === undefined ? null : Object.freeze({ max: Number(max), intervalMs: Number(row["rate_interval_ms"]) }),
      windowEndsAt: until === null || until === undefined ? null : fromSqlTime(String(until)),
      windowStarts: Number(row["window_count"] ?? 0),
    });
  });
}
