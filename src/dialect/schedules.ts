/**
 * The statements behind schedules (`QueueDialect.schedules`) and their parameter shapes. Times
 * are stored text (`YYYY-MM-DD HH:MM:SS.SSS` UTC) from the injected clock, JSON columns are text.
 *
 * @module
 */
import type { Statement } from "../driver.ts";

/** A schedule row as written by an add (insert or replace). */
export interface ScheduleRecord {
  /** Unique name. */
  readonly name: string;
  /** Task type of each occurrence's task. */
  readonly type: string;
  /** Payload of each occurrence's task, JSON text. */
  readonly payload: string;
  /** Priority of each task. */
  readonly priority: number;
  /** Executions allowed per task. */
  readonly maxAttempts: number;
  /** Required worker capabilities, JSON text. */
  readonly compatibility: string;
  /** Cron expression, or null for an interval schedule. */
  readonly cron: string | null;
  /** IANA time zone the cron expression is read in (null: UTC). */
  readonly timeZone: string | null;
  /** Fixed interval in ms, or null for a cron schedule. */
  readonly intervalMs: number | null;
  /** What happens to occurrences missed while no process ticked. */
  readonly missed: "skip" | "catch_up";
  /** Most missed occurrences one tick enqueues under `catch_up`. */
  readonly catchUpLimit: number;
  /** The first occurrence due. */
  readonly nextRun: string;
  /** 1 to run, 0 to keep the row without firing. */
  readonly enabled: boolean;
  /** The time of the write. */
  readonly now: string;
}

/** One task an occurrence enqueues. */
export interface ScheduledTask {
  /** Task type. */
  readonly type: string;
  /** Priority. */
  readonly priority: number;
  /** JSON text. */
  readonly payload: string;
  /** JSON text. */
  readonly compatibility: string;
  /** Executions allowed. */
  readonly maxAttempts: number;
  /** Runnable from this time (the occurrence, stored by `toSqlRunAfter`). */
  readonly runAfter: string;
  /** `schedule:<name>:<occurrence ISO time>`: a second insert of one occurrence is a no-op. */
  readonly idempotencyKey: string;
}

/** A firing: the compare-and-set of `next_run_utc` with the tasks it enqueues. */
export interface ScheduleFiring {
  /** The schedule. */
  readonly name: string;
  /** `next_run_utc` as this process read it: the batch changes nothing unless it still is. */
  readonly expectedNextRun: string;
  /** The next occurrence after now. */
  readonly nextRun: string;
  /** The latest occurrence fired (stored as `last_run_utc`). */
  readonly lastRun: string;
  /** Tasks of the occurrences fired, oldest first (may be empty). */
  readonly tasks: readonly ScheduledTask[];
  /** The time of the write. */
  readonly now: string;
}

/** Statements of the `schedules` table (migration 8). */
export interface ScheduleStatements {
  /**
   * Insert a schedule, or replace the one with its name. A replace keeps the stored
   * `next_run_utc` (and `last_run_utc`) when cron, time zone and interval are unchanged, so
   * re-adding a schedule at every start-up never skips an occurrence already due.
   */
  upsertSchedule(s: ScheduleRecord): Statement;
  /** Every schedule row, by name. */
  selectSchedules(): Statement;
  /** One schedule row, or no row. */
  selectSchedule(name: string): Statement;
  /** Deletes a schedule (`changes` = 1 if it existed); tasks already enqueued stay. */
  deleteSchedule(name: string): Statement;
  /** Enables or disables a schedule; enabling sets `next_run_utc` to `nextRun` (no burst of old runs). */
  setScheduleEnabled(name: string, enabled: boolean, nextRun: string, now: string): Statement;
  /** Enabled schedule rows with `next_run_utc` at or before `now`, earliest first, at most `limit`. */
  selectDueSchedules(now: string, limit: number): Statement;
  /**
   * One all-or-nothing batch: first the compare-and-set UPDATE (`next_run_utc` from
   * `expectedNextRun` to `nextRun`), then each task's INSERT, guarded so it inserts only if the
   * row is as that UPDATE wrote it. The first result's `changes` is 1 when this batch fired the
   * occurrences, 0 when another process did; each later one is 1 per task stored.
   */
  fireSchedule(f: ScheduleFiring): Statement[];
}
