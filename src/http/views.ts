/**
 * The plain TypeScript shapes of the HTTP API's bodies. They live apart from the zod schemas in
 * `schemas.ts` so the typed client (and its declaration output) depends on interfaces only; each
 * schema there is checked against one of these, so they cannot drift apart.
 *
 * @module
 */
import type { QUEUE_ERROR_CODES } from "../errors.ts";
import type { LogLevel } from "../observability/task-logger.ts";
import type { TaskStatus } from "../task.ts";

/** Error codes of the HTTP layer, besides the library's own {@link QUEUE_ERROR_CODES}. */
export const HTTP_ERROR_CODES = ["UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "PAYLOAD_TOO_LARGE", "INTERNAL"] as const;

/** Every `error.code` the API can answer with. */
export type ApiErrorCode = (typeof QUEUE_ERROR_CODES)[number] | (typeof HTTP_ERROR_CODES)[number];

/** The one error body every failing route returns. */
export interface ApiErrorBody {
  /** What went wrong: a stable `code` to branch on, a message for people, and one line per invalid field. */
  readonly error: { readonly code: ApiErrorCode; readonly message: string; readonly details: readonly string[] };
}

/** Enqueue options as sent over HTTP (`runAfter` in epoch ms or an ISO 8601 string). */
export interface EnqueueOptionsBody {
  /** Lower runs first. @default 100 */
  readonly priority?: number | undefined;
  /** Not runnable before this time: epoch ms or an ISO 8601 string. */
  readonly runAfter?: number | string | undefined;
  /** Not runnable for this many ms from now (instead of `runAfter`). */
  readonly delayMs?: number | undefined;
  /** Executions allowed, the first included. @default 5 */
  readonly maxAttempts?: number | undefined;
  /** A second enqueue with the same key returns the first task instead of adding one. */
  readonly idempotencyKey?: string | undefined;
  /** Worker capabilities the task requires, matched against each worker's. */
  readonly compatibility?: Readonly<Record<string, string | number | boolean | null>> | undefined;
}

/** Body of `POST /api/v1/tasks`, and one element of a batch. */
export interface EnqueueBody {
  /** Task type, which selects the handler. */
  readonly type: string;
  /** JSON the handler receives. @default {} */
  readonly payload?: unknown;
  /** How and when the task runs. */
  readonly options?: EnqueueOptionsBody | undefined;
}

/** Body of `POST /api/v1/tasks/batch`. */
export interface EnqueueBatchBody {
  readonly tasks: readonly EnqueueBody[];
}

/** Answer of an enqueue: `created` is false when the idempotency key was already stored. */
export interface EnqueueResult {
  /** The task's id (the stored one when the key was seen before). */
  readonly id: number;
  /** False when the idempotency key was already stored and nothing was added. */
  readonly created: boolean;
}

/** Answer of a batch enqueue, in request order. */
export interface EnqueueBatchResult {
  /** Task ids, in request order. */
  readonly ids: readonly number[];
  /** Per task, whether it was added (false for an idempotency key already stored). */
  readonly created: readonly boolean[];
}

/** One row of `task_logs`, times in epoch ms. */
export interface TaskLogView {
  /** Row id, increasing in write order. */
  readonly logId: number;
  /** The task the entry belongs to. */
  readonly taskId: number;
  /** When it was written, epoch ms. */
  readonly at: number;
  /** Severity, as the worker's task logger wrote it. */
  readonly level: LogLevel;
  /** Human-readable text, if any. */
  readonly message: string | null;
  /** Structured data logged with the message (JSON). */
  readonly details: unknown;
}

/** A task as the API shows it, times in epoch ms. */
export interface TaskView {
  /** Task id, increasing in enqueue order. */
  readonly id: number;
  /** Task type, which selects the handler. */
  readonly type: string;
  /** Lower runs first. */
  readonly priority: number;
  /** JSON the handler receives. */
  readonly payload: unknown;
  /** Worker capabilities the task requires. */
  readonly compatibility: Readonly<Record<string, unknown>>;
  /** Where the task is in its lifecycle. */
  readonly status: TaskStatus;
  /** Executions started so far. */
  readonly attempts: number;
  /** Executions allowed, the first included. */
  readonly maxAttempts: number;
  /** Not runnable before this time, epoch ms. */
  readonly runAfter: number;
  /** When the running worker's lease ends, epoch ms; null when no one holds it. */
  readonly leaseUntil: number | null;
  /** When the current or last execution started, epoch ms. */
  readonly processingStartedAt: number | null;
  /** When it reached a final status, epoch ms. */
  readonly finishedAt: number | null;
  /** When it was enqueued, epoch ms. */
  readonly createdAt: number;
  /** When its row last changed, epoch ms. */
  readonly updatedAt: number;
  /** The worker holding or last holding the lease. */
  readonly lockedBy: string | null;
  /** The last failure's message, if any. */
  readonly errorMessage: string | null;
  /** The key it was enqueued with, if any. */
  readonly idempotencyKey: string | null;
}

/** `GET /api/v1/tasks/{id}`: the task and the last status transition logged for it. */
export interface TaskDetail extends TaskView {
  /** The newest transition in its log (how the last run ended, with its details), or null. */
  readonly lastRun: TaskLogView | null;
}

/** A page of `GET /api/v1/tasks`. */
export interface TaskPage {
  /** This page's tasks, in the requested order. */
  readonly tasks: readonly TaskView[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/** Answer of cancel and retry of one task. */
export interface ChangeResult {
  /** The task acted on. */
  readonly id: number;
  /** False when the task was in a status the action does not apply to. */
  readonly changed: boolean;
  /** The task's status after the action. */
  readonly status: TaskStatus;
}

/** Body of `POST /api/v1/tasks/retry`: requeue every task matching the filter. */
export interface RetryManyBody {
  /** Statuses to requeue. @default ["failed", "dead_letter"] */
  readonly status?: readonly ("failed" | "dead_letter")[] | undefined;
  /** Only tasks of this type, if given. */
  readonly type?: string | undefined;
}

/** Answer of `POST /api/v1/tasks/retry`. */
export interface RetryManyResult {
  /** How many tasks were requeued. */
  readonly retried: number;
}

/** `GET /api/v1/stats`. */
export interface StatsView {
  /** Tasks stored, every status. */
  readonly total: number;
  /** Tasks per status (every status, zero included). */
  readonly byStatus: Readonly<Record<TaskStatus, number>>;
  /** Counts by type, then by status (only statuses present). */
  readonly byType: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Tasks in `queued`, runnable now or later. */
  readonly depth: number;
  /** Age of the oldest runnable queued task, or null. */
  readonly oldestQueuedAgeMs: number | null;
  /** When the figures were read, epoch ms. */
  readonly generatedAt: number;
}

/** One bucket of `GET /api/v1/timeline`. */
export interface TimelineBucket {
  /** Bucket start, epoch ms. */
  readonly start: number;
  /** Tasks that completed in the bucket. */
  readonly completed: number;
  /** Ended `failed` or `dead_letter`. */
  readonly failed: number;
  /** Median processing time of the bucket's finished tasks, or null without any. */
  readonly p50Ms: number | null;
  /** 95th percentile processing time, or null without any. */
  readonly p95Ms: number | null;
}

/** `GET /api/v1/timeline`: finished tasks and processing times per bucket. */
export interface TimelineView {
  /** Width of each bucket. */
  readonly bucketMs: number;
  /** Oldest first. */
  readonly buckets: readonly TimelineBucket[];
}

/** One worker of `GET /api/v1/workers`. */
export interface WorkerView {
  /** The id the worker writes to `locked_by`. */
  readonly workerId: string;
  /** What the worker advertised it can run. */
  readonly capabilities: Readonly<Record<string, unknown>>;
  /** Its last heartbeat, epoch ms. */
  readonly heartbeatAt: number;
  /** Time since its last heartbeat. */
  readonly heartbeatAgeMs: number;
  /** From the heartbeat's age: late, then stale once past the liveness limits. */
  readonly state: "active" | "late" | "stale";
  /** Tasks it holds a lease on now. */
  readonly processingTasks: number;
  /** Tasks it completed in the last hour. */
  readonly completedLastHour: number;
  /** Tasks it failed in the last hour. */
  readonly failedLastHour: number;
}

/** `GET /api/v1/health`. */
export interface HealthView {
  /** True when the database is reachable and, if checked, intact. */
  readonly ok: boolean;
  /** Whether a query could run. */
  readonly database: "reachable" | "unreachable";
  /** The migrated schema version, or null when unreachable. */
  readonly schemaVersion: number | null;
  /** SQLite's journal mode (`wal` expected on a file). */
  readonly journalMode: string | null;
  /** Whether the database runs in WAL mode. */
  readonly wal: boolean;
  /** `PRAGMA quick_check` result when asked for with `?check=quick`, else null. */
  readonly integrity: string | null;
  /** Why the check failed, or null. */
  readonly error: string | null;
}

/** `GET /api/v1/whoami`: what the presented token may do. */
export interface AccessView {
  /** What the presented token may do: nothing, read, or read and write. */
  readonly access: "none" | "read" | "write";
  /** False when the server runs without tokens (loopback only). */
  readonly authRequired: boolean;
}

/** Sort fields `GET /api/v1/tasks` accepts: an allow-list, mapped to columns in the store. */
export const SORT_FIELDS = ["id", "createdAt", "updatedAt", "priority", "finishedAt"] as const;

/** Query of `GET /api/v1/tasks`. */
export interface ListQuery {
  /** Comma-separated statuses. */
  readonly status?: string | undefined;
  /** Only tasks of this type. */
  readonly type?: string | undefined;
  /** Page size. @default 50 */
  readonly limit?: number | undefined;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string | undefined;
  /** Sort field. @default "id" */
  readonly sort?: (typeof SORT_FIELDS)[number] | undefined;
  /** Sort direction. @default "asc" */
  readonly order?: "asc" | "desc" | undefined;
}
