/**
 * The statements behind progress, results, uniqueness windows, pauses, rate limits and retention
 * (`QueueDialect.features`, migration 9), and their parameter shapes. Times are stored text
 * (`YYYY-MM-DD HH:MM:SS.SSS` UTC) from the injected clock; JSON columns are text.
 *
 * @module
 */
import type { Statement } from "../driver.ts";
import type { ClaimStrategy } from "../strategies.ts";
import type { ClaimParams, Fence, InsertTask } from "./types.ts";

/** When a stored idempotency key stops holding (besides never). */
export interface KeyLapse {
  /** The key lapses at this time (a uniqueness window), or never by time (null). */
  readonly until: string | null;
  /** The key lapses once its task leaves `queued`/`processing`. */
  readonly whileActive: boolean;
}

/** The finished statuses retention purges. */
export type RetainedStatus = "completed" | "failed" | "dead_letter" | "cancelled";

/** A row of `queue_controls` as read back. */
export interface ControlRow {
  /** The task type, or `""` for the whole queue. */
  readonly type: string;
  /** Claims of it are held back. */
  readonly paused: boolean;
  /** Most starts per window, or null for no rate limit. */
  readonly rateMax: number | null;
  /** Window length in ms, or null. */
  readonly rateIntervalMs: number | null;
  /** When the current window ends, or null if none has opened. */
  readonly windowUntil: string | null;
  /** Starts counted in the current window. */
  readonly windowCount: number;
}

/** Progress, results, uniqueness windows, pauses, rate limits and retention. */
export interface FeatureStatements {
  /** Stores a handler's progress (JSON text), fenced: 0 changes means the lease is gone. */
  setProgress(f: Fence, progress: string): Statement;
  /** Stores a handler's result (JSON text), fenced; written just before its completion. */
  setResult(f: Fence, result: string): Statement;
  /**
   * Takes an idempotency key off the task holding it if the key has lapsed (its window passed,
   * or its task finished with `whileActive`); with `takeOverRunning`, also off a processing task
   * (replace mode). The key is kept in `lapsed_key`.
   */
  lapseKey(key: string, now: string, takeOverRunning: boolean): Statement;
  /** Replace mode: the queued task holding `t.idempotencyKey` takes the new values in place. */
  replaceQueued(t: InsertTask, lapse: KeyLapse): Statement;
  /** INSERT of a queued task whose key lapses by `lapse` (duplicate key: 0 changes). */
  insertKeyedTask(t: InsertTask, lapse: KeyLapse): Statement;
  /** Pauses or resumes a task type (`""`: the whole queue). */
  setPaused(type: string, paused: boolean, now: string): Statement[];
  /** Sets a type's rate limit: at most `max` starts per `intervalMs` window. */
  setRateLimit(type: string, max: number, intervalMs: number, now: string): Statement[];
  /** Removes a type's rate limit (its row goes if nothing else is left in it). */
  clearRateLimit(type: string, now: string): Statement[];
  /** Rows of `queue_controls` (see {@link ControlRow} for the column names read: `type`, `paused`, `rate_max`, `rate_interval_ms`, `window_until_utc`, `window_count`). */
  selectControls(): Statement;
  /** Rows `type` of the rate-limited types. */
  selectLimitedTypes(): Statement;
  /**
   * A claim of tasks of one rate-limited `type` in `strategy` order (PRIORITY's for
   * WEIGHTED_RANDOM), at most `limit` less what the claims before it in the batch took (recorded
   * under `p.batchId`), and at most the starts left in the type's window: [log?, claim
   * (RETURNING *), count]. The claim is the second-to-last statement.
   */
  claimLimited(strategy: ClaimStrategy, p: ClaimParams, type: string, limit: number, withLog: boolean): Statement[];
  /** Finished tasks of `status` finished at or before `before`, at most `limit`, with their logs: [logs, tasks]. */
  purgeFinished(status: RetainedStatus, before: string, limit: number): Statement[];
  /** Log rows written before `before`, at most `limit`. */
  purgeLogs(before: string, limit: number): Statement;
  /** Tasks of `statuses` (and `type` if given) back to queued with fresh attempts, logged: [log, update]. */
  redrive(statuses: readonly ("failed" | "dead_letter")[], type: string | null, now: string, runAfter: string, limit: number): Statement[];
}
