/**
 * The log entries the task loggers write, composed and checked before they reach SQL: the seed's
 * levels, messages and `details` keys in one place, shared by task loggers and
 * the statement builders.
 *
 * @module
 */
import { toSqlTime } from "../clock.ts";
import { describeThrown, QueueValidationError } from "../errors.ts";
import { encodeJsonObject } from "../dialect/json.ts";
import { transitionLevel, transitionMessage } from "../dialect/transition.ts";
import { TASK_STATUSES, type TaskStatus } from "../task.ts";

/** Log levels of `task_logs.level`, least to most severe (the seed's names). */
export const LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Free-form, JSON-serialisable details of a log entry. */
export type LogDetails = Readonly<Record<string, unknown>>;

const MAX_TEXT = 8000;


export function checkTaskId(taskId: unknown): number {
  if (typeof taskId !== "number" || !Number.isSafeInteger(taskId) || taskId < 1) {
    throw new QueueValidationError("invalid task log", [`taskId: expected a positive integer, got ${String(taskId)}`]);
  }
  return taskId;
}

function checkLevel(level: unknown): LogLevel {
  if (!(LOG_LEVELS as readonly unknown[]).includes(level)) {
    throw new QueueValidationError("invalid task log", [`level: expected one of ${LOG_LEVELS.join(", ")}, got ${String(level)}`]);
  }
  return level as LogLevel;
}

function checkStatus(status: unknown, what: string): TaskStatus {
  if (!(TASK_STATUSES as readonly unknown[]).includes(status)) {
    throw new QueueValidationError("invalid task transition", [`${what}: expected one of ${TASK_STATUSES.join(", ")}, got ${String(status)}`]);
  }
  return status as TaskStatus;
}

function checkCount(value: unknown, what: string, min: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new QueueValidationError("invalid task retry", [`${what}: expected an integer >= ${min}, got ${String(value)}`]);
  }
  return value;
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

/** What one log row says, before it has a task and a time. */
export interface LogEntry {
  readonly level: LogLevel;
  readonly message: string;
  readonly details: LogDetails | null;
  /** `details` as stored. */
  readonly detailsText: string | null;
}

/** The caller's details, checked before they are merged into a composed entry's own. */
function checkDetails(details: unknown): LogDetails | null {
  if (details === undefined || details === null) return null;
  if (typeof details !== "object" || Array.isArray(details)) {
    throw new QueueValidationError("invalid task log", ["details: expected a JSON object"]);
  }
  return details as LogDetails;
}

export function eventEntry(level: unknown, message: unknown, details: unknown): LogEntry {
  const lvl = checkLevel(level);
  if (typeof message !== "string") throw new QueueValidationError("invalid task log", ["message: expected a string"]);
  const d = checkDetails(details);
  return { level: lvl, message, details: d, detailsText: d === null ? null : encodeJsonObject(d, "task log details") };
}

// The seed's levels: a transition into failed/dead_letter is an ERROR, into completed an INFO,
// anything else (claims, retries, cancels) DEBUG.
export function transitionEntry(fromStatus: unknown, toStatus: unknown, details: unknown): LogEntry {
  const extra = checkDetails(details);
  const from = checkStatus(fromStatus, "fromStatus");
  const to = checkStatus(toStatus, "toStatus");
  return eventEntry(transitionLevel(to), transitionMessage(from, to), { from_status: from, to_status: to, ...extra });
}

export function errorEntry(error: unknown, details: unknown): LogEntry {
  const extra = checkDetails(details);
  // Anything may be thrown, even a value that cannot be printed; describeThrown never throws.
  const d = describeThrown(error);
  const name = d.name;
  const message = clip(d.message);
  const stack = d.stack === null ? null : clip(d.stack);
  return eventEntry("ERROR", `Task error: ${name}: ${message}`, {
    error_type: name,
    error_message: message,
    stack,
    ...extra,
  });
}

export function retryEntry(attempt: unknown, maxAttempts: unknown, nextRunAfter: unknown, details: unknown): LogEntry {
  const extra = checkDetails(details);
  const a = checkCount(attempt, "attempt", 0);
  const max = checkCount(maxAttempts, "maxAttempts", 1);
  const at = nextRunAfter instanceof Date ? nextRunAfter.getTime() : nextRunAfter;
  if (typeof at !== "number" || !Number.isFinite(at)) {
    throw new QueueValidationError("invalid task retry", ["nextRunAfter: expected epoch ms or a valid Date"]);
  }
  return eventEntry("WARNING", `Retry scheduled: attempt ${a}/${max}`, {
    attempt: a,
    max_attempts: max,
    next_run_after: toSqlTime(at),
    ...extra,
  });
}
