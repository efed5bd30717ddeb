/**
 * `QueueScheduler`: schedules stored in the database (migration 8) and the tick that enqueues
 * their due occurrences. Any number of processes may tick the same database: each occurrence is
 * enqueued exactly once, because a firing is one batch guarded by a compare-and-set on the
 * schedule's `next_run_utc` (see `ScheduleStatements.fireSchedule`), and each task carries the
 * idempotency key `schedule:<name>:<occurrence ISO time>`. Time comes from the database's clock.
 *
 * @module
 */
import { fromSqlTime, isTaskTime, MAX_TASK_TIME_MS, toSqlRunAfter, toSqlTime } from "../clock.ts";
import type { QueueDatabase } from "../database.ts";
import type { SqlValue } from "../driver.ts";
import { decodeJson } from "../dialect/json.ts";
import type { ScheduleRecord } from "../dialect/schedules.ts";
import { parseDuration } from "../durations.ts";
import { QueueValidationError } from "../errors.ts";
import { checkTiming, dueOccurrences, MAX_CATCH_UP, nextOccurrence, type Timing } from "./timing.ts";
import type { MissedRunPolicy, Schedule, ScheduleDefinition, ScheduleTickResult } from "./types.ts";

export type { MissedRunPolicy, Schedule, ScheduleDefinition, ScheduleTickResult } from "./types.ts";

/** Options of {@link QueueScheduler}. */
export interface QueueSchedulerOptions {
  /** Most due schedules one tick fires. @default 100 */
  readonly batchSize?: number | undefined;
}

/** The idempotency key of one occurrence's task: a second insert of it stores nothing. */
export function occurrenceKey(name: string, occurrenceMs: number): string {
  return `schedule:${name}:${new Date(occurrenceMs).toISOString()}`;
}

const NEVER = toSqlTime(MAX_TASK_TIME_MS);
const MISSED: readonly MissedRunPolicy[] = ["skip", "catch_up"];

/**
 * Adds, lists and removes schedules, and enqueues their due occurrences on {@link tick}. Workers
 * tick on a timer (`scheduleIntervalMs`, default 1 s); a process without workers may call
 * {@link tick} itself.
 *
 * @example
 * ```ts
 * const scheduler = new QueueScheduler(db);
 * await scheduler.add({ name: "nightly-report", type: "report", cron: "0 3 * * *", timeZone: "Europe/Prague" });
 * await scheduler.add({ name: "sync", type: "sync", every: "5m", missed: "catch_up", catchUpLimit: 3 });
 * ```
 */
export class QueueScheduler {
  readonly #db: QueueDatabase;
  readonly #batchSize: number;

  /** A scheduler on an open {@link QueueDatabase}. */
  constructor(db: QueueDatabase, options: QueueSchedulerOptions = {}) {
    this.#db = db;
    const n = options.batchSize ?? 100;
    if (!Number.isSafeInteger(n) || n < 1 || n > 10_000) throw new QueueValidationError(`batchSize must be an integer in 1..10000, got ${String(n)}`);
    this.#batchSize = n;
  }

  /**
   * Adds a schedule, or replaces the one with the same name. A replace with the same timing
   * (cron, time zone, interval) keeps its next run, so adding your schedules at every start-up
   * neither skips nor repeats an occurrence. Returns the stored schedule.
   */
  async add(definition: ScheduleDefinition): Promise<Schedule> {
    const record = this.#record(definition);
    await this.#db.run(this.#db.dialect.schedules.upsertSchedule(record));
    return (await this.get(record.name))!;
  }

  /** Every schedule, by name. */
  async list(): Promise<Schedule[]> {
    const r = await this.#db.run(this.#db.dialect.schedules.selectSchedules());
    return r.rows.map(rowToSchedule);
  }

  /** The schedule with this name, or null. */
  async get(name: string): Promise<Schedule | null> {
    const r = await this.#db.run(this.#db.dialect.schedules.selectSchedule(checkName(name)));
    return r.rows[0] === undefined ? null : rowToSchedule(r.rows[0]);
  }

  /** Removes a schedule; tasks it already enqueued stay. False if there was none. */
  async remove(name: string): Promise<boolean> {
    const r = await this.#db.run(this.#db.dialect.schedules.deleteSchedule(checkName(name)));
    return r.changes > 0;
  }

  /**
   * Enables or disables a schedule. Re-enabling starts from the first occurrence after now
   * (nothing missed while disabled is enqueued). False if there is no such schedule.
   */
  async setEnabled(name: string, enabled: boolean): Promise<boolean> {
    const s = await this.get(name);
    if (s === null) return false;
    const now = this.#db.clock.now();
    const next = nextOccurrence(timingOf(s), now);
    const r = await this.#db.run(
      this.#db.dialect.schedules.setScheduleEnabled(s.name, enabled, next === null || !isTaskTime(next) ? NEVER : toSqlTime(next), toSqlTime(now)),
    );
    return r.changes > 0;
  }

  /**
   * Enqueues every due occurrence of every enabled schedule (up to `batchSize` schedules), by
   * each one's missed-run policy, and moves it to its next occurrence. Safe to call from many
   * processes at once: an occurrence another process fired is not enqueued again.
   */
  async tick(): Promise<ScheduleTickResult> {
    const now = this.#db.clock.now();
    const nowText = toSqlTime(now);
    const dialect = this.#db.dialect.schedules;
    const due = (await this.#db.run(dialect.selectDueSchedules(nowText, this.#batchSize))).rows.map(rowToSchedule);
    const fired: string[] = [];
    let enqueued = 0;
    for (const s of due) {
      const timing = timingOf(s);
      const { fire, next } = dueOccurrences(timing, s.nextRunAt, now, s.missed === "skip" ? 1 : s.catchUpLimit);
      const payload = JSON.stringify(s.payload ?? {});
      const compatibility = JSON.stringify(s.compatibility);
      const results = await this.#db.batch(
        dialect.fireSchedule({
          name: s.name,
          expectedNextRun: toSqlTime(s.nextRunAt),
          nextRun: next === null || !isTaskTime(next) ? NEVER : toSqlTime(next),
          lastRun: toSqlTime(fire[fire.length - 1]!),
          now: nowText,
          tasks: fire.map((at) => ({
            type: s.type,
            priority: s.priority,
            payload,
            compatibility,
            maxAttempts: s.maxAttempts,
            runAfter: toSqlRunAfter(at, now),
            idempotencyKey: occurrenceKey(s.name, at),
          })),
        }),
      );
      if ((results[0]?.changes ?? 0) === 0) continue; // another process fired it
      fired.push(s.name);
      for (let i = 1; i < results.length; i++) enqueued += results[i]!.changes > 0 ? 1 : 0;
    }
    return { fired, enqueued };
  }

  #record(d: ScheduleDefinition): ScheduleRecord {
    if (typeof d !== "object" || d === null) throw new QueueValidationError("a schedule must be an object");
    const name = checkName(d.name);
    const where = `schedule "${name}"`;
    if (typeof d.type !== "string" || d.type.length === 0 || d.type.length > 200) {
      throw new QueueValidationError(`${where}: type must be a non-empty string of at most 200 characters`);
    }
    if ((d.cron === undefined) === (d.every === undefined)) throw new QueueValidationError(`${where}: give cron or every, not both or neither`);
    if (d.cron !== undefined && d.startAt !== undefined) throw new QueueValidationError(`${where}: startAt is for interval schedules`);
    if (d.cron === undefined && d.timeZone !== undefined) throw new QueueValidationError(`${where}: timeZone is for cron schedules`);
    const timing: Timing =
      d.cron !== undefined
        ? { kind: "cron", cron: String(d.cron).trim(), timeZone: d.timeZone ?? null }
        : { kind: "interval", intervalMs: parseDuration(d.every, `${where}: every`, { min: 1 }) };
    checkTiming(timing);
    const missed = d.missed ?? "skip";
    if (!MISSED.includes(missed)) throw new QueueValidationError(`${where}: missed must be "skip" or "catch_up", got ${JSON.stringify(missed)}`);
    const catchUpLimit = intIn(d.catchUpLimit ?? 10, 1, MAX_CATCH_UP, `${where}: catchUpLimit`);
    const now = this.#db.clock.now();
    let first: number | null;
    if (timing.kind === "interval" && d.startAt !== undefined) {
      first = d.startAt instanceof Date ? d.startAt.getTime() : d.startAt;
      if (!isTaskTime(first)) throw new QueueValidationError(`${where}: startAt is not a time between 1970 and 9999`);
    } else first = nextOccurrence(timing, now);
    if (first === null) throw new QueueValidationError(`${where}: the cron expression never fires after now`);
    let payload: string | undefined;
    try {
      payload = JSON.stringify(d.payload ?? {});
    } catch (err) {
      throw new QueueValidationError(`${where}: payload is not JSON-serialisable`, [(err as Error).message], { cause: err });
    }
    if (payload === undefined) throw new QueueValidationError(`${where}: payload is not JSON-serialisable`);
    return {
      name,
      type: d.type,
      payload,
      priority: intIn(d.priority ?? 100, -2_147_483_648, 2_147_483_647, `${where}: priority`),
      maxAttempts: intIn(d.maxAttempts ?? 5, 1, 1_000_000, `${where}: maxAttempts`),
      compatibility: JSON.stringify(d.compatibility ?? {}),
      cron: timing.kind === "cron" ? timing.cron : null,
      timeZone: timing.kind === "cron" ? timing.timeZone : null,
      intervalMs: timing.kind === "interval" ? timing.intervalMs : null,
      missed,
      catchUpLimit,
      nextRun: toSqlTime(first),
      enabled: d.enabled ?? true,
      now: toSqlTime(now),
    };
  }
}

function checkName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0 || name.length > 200) {
    throw new QueueValidationError(`schedule name must be a non-empty string of at most 200 characters`);
  }
  return name;
}

function intIn(v: unknown, min: number, max: number, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new QueueValidationError(`${what} must be an integer in ${min}..${max}, got ${String(v)}`);
  }
  return v;
}

function timingOf(s: Schedule): Timing {
  return s.cron !== null ? { kind: "cron", cron: s.cron, timeZone: s.timeZone } : { kind: "interval", intervalMs: s.intervalMs ?? 1 };
}

const num = (v: SqlValue | undefined): number => Number(v ?? 0);
const time = (v: SqlValue | undefined): number | null => (v === null || v === undefined ? null : fromSqlTime(String(v)));

/** Maps a `schedules` row to a {@link Schedule}. */
export function rowToSchedule(row: Readonly<Record<string, SqlValue>>): Schedule {
  const compat = decodeJson(row["compatibility"]);
  return Object.freeze({
    name: String(row["name"]),
    type: String(row["type"]),
    payload: decodeJson(row["payload"]),
    cron: row["cron"] === null || row["cron"] === undefined ? null : String(row["cron"]),
    timeZone: row["time_zone"] === null || row["time_zone"] === undefined ? null : String(row["time_zone"]),
    intervalMs: row["interval_ms"] === null || row["interval_ms"] === undefined ? null : num(row["interval_ms"]),
    missed: String(row["missed"]) as MissedRunPolicy,
    catchUpLimit: num(row["catch_up_limit"]),
    priority: num(row["priority"]),
    maxAttempts: num(row["max_attempts"]),
    compatibility: (typeof compat === "object" && compat !== null ? compat : {}) as Record<string, unknown>,
    nextRunAt: time(row["next_run_utc"]) ?? 0,
    lastRunAt: time(row["last_run_utc"]),
    enabled: num(row["enabled"]) === 1,
    createdAt: time(row["created_at_utc"]) ?? 0,
    updatedAt: time(row["updated_at_utc"]) ?? 0,
  });
}
