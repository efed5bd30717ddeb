/**
 * The public shapes of schedules: what `QueueScheduler.add` takes and what `list` returns.
 *
 * @module
 */
import type { Duration } from "../durations.ts";

/**
 * What happens to occurrences that fell due while no process ticked (every worker stopped, a
 * long pause): `skip` enqueues only the latest one; `catch_up` enqueues each missed one, at most
 * `catchUpLimit` (the latest ones) per tick.
 */
export type MissedRunPolicy = "skip" | "catch_up";

/** A schedule to add: a cron expression (with time zone) or a fixed interval, and the task it enqueues. */
export interface ScheduleDefinition {
  /** Unique name; adding a name again replaces that schedule. 1–200 characters. */
  readonly name: string;
  /** Task type each occurrence enqueues. */
  readonly type: string;
  /** Payload of each task (JSON). @default {} */
  readonly payload?: unknown;
  /**
   * Cron expression, 5 fields (minute precision) or 6 (seconds first), as `croner` reads it:
   * `"0 3 * * *"` is 03:00 every day. Give this or `every`.
   */
  readonly cron?: string | undefined;
  /** IANA time zone the cron expression is read in (daylight saving included). @default "Etc/UTC" */
  readonly timeZone?: string | undefined;
  /** A fixed interval instead of cron: ms or text such as `"5m"`, `"1h"`. */
  readonly every?: Duration | undefined;
  /** First occurrence of an interval schedule (epoch ms or Date). @default now + every */
  readonly startAt?: number | Date | undefined;
  /** Missed occurrences policy. @default "skip" */
  readonly missed?: MissedRunPolicy | undefined;
  /** Most missed occurrences one tick enqueues under `catch_up`, 1–1000. @default 10 */
  readonly catchUpLimit?: number | undefined;
  /** Priority of each task. @default 100 */
  readonly priority?: number | undefined;
  /** Executions allowed per task. @default 5 */
  readonly maxAttempts?: number | undefined;
  /** Capabilities a worker needs to claim the tasks. @default {} */
  readonly compatibility?: Readonly<Record<string, string | number | boolean | null>> | undefined;
  /** A disabled schedule is kept but fires nothing. @default true */
  readonly enabled?: boolean | undefined;
}

/** A stored schedule. Times are epoch ms. */
export interface Schedule {
  /** Unique name. */
  readonly name: string;
  /** Task type it enqueues. */
  readonly type: string;
  /** Payload of each task. */
  readonly payload: unknown;
  /** Cron expression, or null for an interval schedule. */
  readonly cron: string | null;
  /** Time zone of the cron expression (null: UTC). */
  readonly timeZone: string | null;
  /** Interval in ms, or null for a cron schedule. */
  readonly intervalMs: number | null;
  /** Missed occurrences policy. */
  readonly missed: MissedRunPolicy;
  /** Bound of a catch-up. */
  readonly catchUpLimit: number;
  /** Task priority. */
  readonly priority: number;
  /** Executions allowed per task. */
  readonly maxAttempts: number;
  /** Worker capabilities required. */
  readonly compatibility: Readonly<Record<string, unknown>>;
  /** The next occurrence due. */
  readonly nextRunAt: number;
  /** The latest occurrence enqueued, or null. */
  readonly lastRunAt: number | null;
  /** False: kept but firing nothing. */
  readonly enabled: boolean;
  /** When it was first added. */
  readonly createdAt: number;
  /** When it was last changed or fired. */
  readonly updatedAt: number;
}

/** What one {@link QueueScheduler.tick} did. */
export interface ScheduleTickResult {
  /** Schedules this tick fired (another process may have fired others). */
  readonly fired: readonly string[];
  /** Tasks this tick enqueued. */
  readonly enqueued: number;
}
