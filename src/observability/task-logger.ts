/**
 * Task-level logging: {@link TaskLogger} keeps a task's history in `task_logs`, and
 * {@link QueueLogger} writes the same events to the table and to the application's own logger.
 * The statement builders ({@link taskLogInsert} and friends) let a caller put a log row in the
 * same all-or-nothing batch as the status change it describes.
 *
 * Stored `details` use the Python PrismQ queue's keys (`from_status`, `error_type`,
 * `next_run_after`, …) so both libraries read each other's rows.
 *
 * @example
 * ```ts
 * const logger = new QueueLogger(db, { appLogger: consoleLogger });
 * await logger.logTaskTransition(id, "processing", "completed", { duration_ms: 120 });
 * const history = await new TaskLogger(db).getTaskLogs(id);
 * ```
 *
 * @module
 */
import { fromSqlTime, toSqlTime } from "../clock.ts";
import type { QueueDatabase } from "../database.ts";
import type { SqlValue, Statement } from "../driver.ts";
import { describeThrown, isQueueError, QueueValidationError } from "../errors.ts";
import * as z from "zod/mini";
import { parseOptions } from "../options.ts";
import { decodeJson } from "../dialect/json.ts";
import type { QueueDialect } from "../dialect/dialect.ts";
import { sqliteDialect } from "../dialect/sqlite/index.ts";
import type { TaskStatus } from "../task.ts";
import { type AppLogger, consoleLogger, silentLogger } from "./app-logger.ts";

export { type AppLogger, consoleLogger, silentLogger };

import { LOG_LEVELS, checkTaskId, eventEntry, transitionEntry, errorEntry, retryEntry, type LogEntry, type LogLevel, type LogDetails } from "./log-entries.ts";
export { LOG_LEVELS, type LogDetails, type LogLevel } from "./log-entries.ts";

/** One row of `task_logs`, decoded. */
export interface TaskLog {
  /** Row id, increasing in write order. */
  readonly logId: number;
  /** The task the entry belongs to. */
  readonly taskId: number;
  /** When it was written (epoch ms). */
  readonly at: number;
  /** Severity. */
  readonly level: LogLevel;
  /** Null only in rows written by other tools (the column allows NULL). */
  readonly message: string | null;
  /** Parsed JSON (an object for rows this library writes), null when none. */
  readonly details: unknown;
}

/** Options of {@link TaskLogger.getTaskLogs} and {@link TaskLogger.getRecentLogs}. */
export interface TaskLogQuery {
  /** Only this level. */
  readonly level?: LogLevel | undefined;
  /** Most rows returned. @default 100 */
  readonly limit?: number | undefined;
}

const DAY_MS = 86_400_000;

const TaskLogQuerySchema = z.strictObject({
  level: z.optional(z.enum(LOG_LEVELS)),
  limit: z.optional(z.int().check(z.gte(1), z.lte(100_000))),
});

/** Options of the statement builders below. */
export interface LogInsertOptions {
  /**
   * Insert only if the previous statement in the batch changed exactly one row (see
   * `insertTaskLogIfChanged`); the statement then has no RETURNING.
   */
  readonly ifPreviousChanged?: boolean;
  /** The dialect to build for (`db.dialect`). @default sqliteDialect */
  readonly dialect?: QueueDialect | undefined;
}

function entryInsert(taskId: unknown, entry: LogEntry, atMs: number, options?: LogInsertOptions): Statement {
  if (!Number.isFinite(atMs)) throw new QueueValidationError("invalid task log", ["atMs: expected epoch ms"]);
  const row = {
    taskId: checkTaskId(taskId),
    at: toSqlTime(atMs),
    level: entry.level,
    message: entry.message,
    details: entry.detailsText,
  };
  const sql = (options?.dialect ?? sqliteDialect).observability;
  return options?.ifPreviousChanged === true ? sql.insertTaskLogIfChanged(row) : sql.insertTaskLog(row);
}

/**
 * The INSERT of one `task_logs` row (RETURNING `log_id`), validated like {@link TaskLogger.log}.
 * Pure, so a caller can run it in the same `db.batch` as the change it records.
 */
export function taskLogInsert(
  taskId: number,
  level: LogLevel,
  message: string,
  details: LogDetails | null | undefined,
  atMs: number,
): Statement {
  return entryInsert(taskId, eventEntry(level, message, details), atMs);
}

/** The INSERT that {@link QueueLogger.logTaskTransition} writes, for the batch of the status change. */
export function taskTransitionLogInsert(
  taskId: number,
  fromStatus: TaskStatus,
  toStatus: TaskStatus,
  details: LogDetails | null | undefined,
  atMs: number,
  options?: LogInsertOptions,
): Statement {
  return entryInsert(taskId, transitionEntry(fromStatus, toStatus, details), atMs, options);
}

/** The INSERT that {@link QueueLogger.logTaskError} writes, for the batch of the failure. */
export function taskErrorLogInsert(
  taskId: number,
  error: unknown,
  details: LogDetails | null | undefined,
  atMs: number,
  options?: LogInsertOptions,
): Statement {
  return entryInsert(taskId, errorEntry(error, details), atMs, options);
}

/** The INSERT that {@link QueueLogger.logTaskRetry} writes, for the batch of the retry. */
export function taskRetryLogInsert(
  taskId: number,
  attempt: number,
  maxAttempts: number,
  nextRunAfter: number | Date,
  details: LogDetails | null | undefined,
  atMs: number,
  options?: LogInsertOptions,
): Statement {
  return entryInsert(taskId, retryEntry(attempt, maxAttempts, nextRunAfter, details), atMs, options);
}

function rowToTaskLog(row: Readonly<Record<string, SqlValue>>): TaskLog {
  const message = row["message"];
  return Object.freeze({
    logId: Number(row["log_id"]),
    taskId: Number(row["task_id"]),
    at: fromSqlTime(String(row["at_utc"])),
    level: String(row["level"]) as LogLevel,
    message: message === null || message === undefined ? null : String(message),
    details: decodeJson(row["details"]),
  });
}

/**
 * Persistent, per-task log in `task_logs`. Rows go with their task (the foreign key cascades), so
 * logging for a task that does not exist is refused with a constraint error.
 */
export class TaskLogger {
  readonly #db: QueueDatabase;

  /** A logger on an open {@link QueueDatabase}. */
  constructor(db: QueueDatabase) {
    this.#db = db;
  }

  /**
   * Records one event of a task, timestamped by the database's clock, so a task's history can be
   * read back after the fact. Returns the new `log_id`.
   */
  async log(taskId: number, level: LogLevel, message: string, details?: LogDetails | null): Promise<number> {
    const entry = eventEntry(level, message, details);
    const stmt = entryInsert(taskId, entry, this.#db.clock.now(), { dialect: this.#db.dialect });
    const r = await this.#db.run(stmt);
    return Number(r.rows[0]?.["log_id"]);
  }

  /** A task's history, newest first, to see what happened to it. */
  async getTaskLogs(taskId: number, query: TaskLogQuery = {}): Promise<TaskLog[]> {
    const q = parseOptions(TaskLogQuerySchema, query, "getTaskLogs options");
    const r = await this.#db.run(this.#db.dialect.observability.selectTaskLogs({ taskId: checkTaskId(taskId), level: q.level ?? null, limit: q.limit ?? 100 }));
    return r.rows.map(rowToTaskLog);
  }

  /** The latest log rows across all tasks, newest first, for a live view of the queue. */
  async getRecentLogs(query: TaskLogQuery = {}): Promise<TaskLog[]> {
    const q = parseOptions(TaskLogQuerySchema, query, "getRecentLogs options");
    const r = await this.#db.run(this.#db.dialect.observability.selectTaskLogs({ taskId: null, level: q.level ?? null, limit: q.limit ?? 100 }));
    return r.rows.map(rowToTaskLog);
  }

  /**
   * Deletes rows written more than `days` before the clock's now (log rotation, so the table
   * does not grow without bound). A row exactly `days` old is kept. Returns how many went.
   */
  async deleteOldLogs(days: number = 30): Promise<number> {
    if (typeof days !== "number" || !Number.isFinite(days) || days < 0) {
      throw new QueueValidationError("invalid deleteOldLogs", [`days: expected a number >= 0, got ${String(days)}`]);
    }
    const cutoff = this.#db.clock.now() - days * DAY_MS;
    const r = await this.#db.run(this.#db.dialect.observability.deleteTaskLogsBefore(toSqlTime(cutoff)));
    return r.changes;
  }
}

const APP_METHOD: Record<LogLevel, keyof AppLogger> = {
  DEBUG: "debug",
  INFO: "info",
  WARNING: "warn",
  ERROR: "error",
  CRITICAL: "error",
};

/** Options of {@link QueueLogger}. */
export interface QueueLoggerOptions {
  /** Where each event also goes. @default consoleLogger */
  readonly appLogger?: AppLogger | undefined;
  /** Writes the rows. @default a new TaskLogger on the same database */
  readonly taskLogger?: TaskLogger | undefined;
}

/**
 * Writes each task event twice: a `task_logs` row and a call to the application logger at the
 * matching level (`WARNING` → `warn`, `ERROR` and `CRITICAL` → `error`).
 *
 * Logging must not break the work it describes: if the row cannot be written (database down,
 * task deleted), the failure goes to the app logger's `error`, the event is still sent to the app
 * logger, and the method returns null instead of a `log_id`. A throwing app logger is ignored.
 * Bad input is still a {@link QueueValidationError}, thrown before anything is logged.
 */
export class QueueLogger {
  readonly #app: AppLogger;
  readonly #tasks: TaskLogger;

  /** A logger on an open {@link QueueDatabase}. */
  constructor(db: QueueDatabase, options: QueueLoggerOptions = {}) {
    const app = options.appLogger ?? consoleLogger;
    for (const m of ["debug", "info", "warn", "error"] as const) {
      if (typeof app?.[m] !== "function") {
        throw new QueueValidationError("invalid QueueLogger options", [`appLogger.${m}: expected a function`]);
      }
    }
    this.#app = app;
    this.#tasks = options.taskLogger ?? new TaskLogger(db);
  }

  /** Records any event of a task in both logs. Returns the `log_id`, or null if the row failed. */
  async logTaskEvent(taskId: number, level: LogLevel, message: string, details?: LogDetails | null): Promise<number | null> {
    return this.#write(taskId, eventEntry(level, message, details));
  }

  /** Records a status change, at the level its destination deserves (failures are errors). */
  async logTaskTransition(
    taskId: number,
    fromStatus: TaskStatus,
    toStatus: TaskStatus,
    details?: LogDetails | null,
  ): Promise<number | null> {
    return this.#write(taskId, transitionEntry(fromStatus, toStatus, details));
  }

  /** Records a handler's error with its name, message and stack, so a failure can be diagnosed later. */
  async logTaskError(taskId: number, error: unknown, details?: LogDetails | null): Promise<number | null> {
    return this.#write(taskId, errorEntry(error, details));
  }

  /** Records that a task will run again, and when, so retry storms show up in the logs. */
  async logTaskRetry(
    taskId: number,
    attempt: number,
    maxAttempts: number,
    nextRunAfter: number | Date,
    details?: LogDetails | null,
  ): Promise<number | null> {
    return this.#write(taskId, retryEntry(attempt, maxAttempts, nextRunAfter, details));
  }

  async #write(taskId: number, entry: LogEntry): Promise<number | null> {
    checkTaskId(taskId);
    let logId: number | null = null;
    try {
      logId = await this.#tasks.log(taskId, entry.level, entry.message, entry.details);
    } catch (err) {
      if (isQueueError(err, "VALIDATION")) throw err;
      this.#emit("error", `Task ${taskId}: failed to write task log: ${describeThrown(err).message}`, {
        taskId,
        error: err,
      });
    }
    this.#emit(APP_METHOD[entry.level], `Task ${taskId}: ${entry.message}`, { taskId, logId, details: entry.details });
    return logId;
  }

  #emit(method: keyof AppLogger, message: string, fields: Record<string, unknown>): void {
    try {
      this.#app[method](message, fields);
    } catch {
      // A faulty app logger must not break the task it is logging.
    }
  }
}
