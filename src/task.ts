/**
 * The task model: statuses, the typed view of a `task_queue` row, and the row mapper.
 *
 * @module
 */
import { fromSqlTime } from "./clock.ts";
import type { SqlValue } from "./driver.ts";
import { decodeJson as json } from "./dialect/json.ts";

/**
 * Every status a task can have. `queued` → `processing` → `completed`, or back to `queued` for a
 * retry, or on to `failed` (attempts spent), `dead_letter` (a non-retryable error) or
 * `cancelled`.
 */
export const TASK_STATUSES = [
  "queued",
  "processing",
  "completed",
  "failed",
  "cancelled",
  "dead_letter",
] as const;
/** One of {@link TASK_STATUSES}. */
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Statuses a task never leaves on its own. */
export const TERMINAL_STATUSES: readonly TaskStatus[] = ["completed", "failed", "cancelled", "dead_letter"];

/** A JSON object of scalar requirements or capabilities, e.g. `{ region: "eu", gpu: true }`. */
export type Capabilities = Readonly<Record<string, string | number | boolean | null>>;

/** A task as stored in `task_queue`, with times as epoch ms and JSON columns parsed. */
export interface Task<P = unknown> {
  /** Increasing in enqueue order. */
  readonly id: number;
  /** Selects the handler. */
  readonly type: string;
  /** Lower runs first; the seeds' default is 100. */
  readonly priority: number;
  /** What the handler receives, parsed from JSON. */
  readonly payload: P;
  /** Requirements a worker's capabilities must meet to claim the task. */
  readonly compatibility: Readonly<Record<string, unknown>>;
  /** Where the task is in its lifecycle. */
  readonly status: TaskStatus;
  /** Claims so far (each claim counts one attempt, including one whose lease ran out). */
  readonly attempts: number;
  /** Executions allowed, the first included. */
  readonly maxAttempts: number;
  /** Not claimable before this time. */
  readonly runAfter: number;
  /** When the holder's lease runs out, epoch ms; null when no one holds it. */
  readonly leaseUntil: number | null;
  /** When the current or last claim happened, epoch ms. */
  readonly reservedAt: number | null;
  /** When the current or last execution started, epoch ms. */
  readonly processingStartedAt: number | null;
  /** When it reached a final status, epoch ms. */
  readonly finishedAt: number | null;
  /** When it was enqueued, epoch ms. */
  readonly createdAt: number;
  /** When its row last changed, epoch ms. */
  readonly updatedAt: number;
  /** Worker that holds (or last held) the lease. */
  readonly lockedBy: string | null;
  /** Fencing token: bumped on every claim. */
  readonly leaseToken: number;
  /** The last failure's message, if any. */
  readonly errorMessage: string | null;
  /** The key it was enqueued with, if any. */
  readonly idempotencyKey: string | null;
  /** Generated from `compatibility.region`. */
  readonly region: string | null;
  /** Generated from `payload.format`. */
  readonly format: string | null;
  /** The last value its handler reported with `context.progress`, parsed; null if none. */
  readonly progress: unknown;
  /** Its handler's return value, stored at completion (see src/progress.ts); null if none. */
  readonly result: unknown;
}

function num(v: SqlValue | undefined): number {
  return typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : Number(v ?? 0);
}
function str(v: SqlValue | undefined): string | null {
  return v === null || v === undefined ? null : String(v);
}
function time(v: SqlValue | undefined): number | null {
  return v === null || v === undefined ? null : fromSqlTime(String(v));
}
/** Maps a `SELECT *` / `RETURNING *` row of `task_queue` to a {@link Task}. */
export function rowToTask<P = unknown>(row: Readonly<Record<string, SqlValue>>): Task<P> {
  const compat = json(row["compatibility"]);
  return Object.freeze({
    id: num(row["id"]),
    type: String(row["type"]),
    priority: num(row["priority"]),
    payload: json(row["payload"]) as P,
    compatibility: (typeof compat === "object" && compat !== null ? compat : {}) as Record<string, unknown>,
    status: String(row["status"]) as TaskStatus,
    attempts: num(row["attempts"]),
    maxAttempts: num(row["max_attempts"]),
    runAfter: time(row["run_after_utc"]) ?? 0,
    leaseUntil: time(row["lease_until_utc"]),
    reservedAt: time(row["reserved_at_utc"]),
    processingStartedAt: time(row["processing_started_utc"]),
    finishedAt: time(row["finished_at_utc"]),
    createdAt: time(row["created_at_utc"]) ?? 0,
    updatedAt: time(row["updated_at_utc"]) ?? 0,
    lockedBy: str(row["locked_by"]),
    leaseToken: num(row["lease_token"]),
    errorMessage: str(row["error_message"]),
    idempotencyKey: str(row["idempotency_key"]),
    region: str(row["region"]),
    format: str(row["format"]),
    progress: json(row["progress"]),
    result: json(row["result"]),
  });
}
