/**
 * The parameter shapes of {@link QueueDialect}'s builders, shared by every dialect: what a
 * statement needs to know, in the stored forms (times as `YYYY-MM-DD HH:MM:SS.SSS` UTC text,
 * JSON columns as text).
 *
 * @module
 */

/** Values for a new row. */
export interface InsertTask {
  readonly type: string;
  readonly priority: number;
  readonly payload: string;
  readonly compatibility: string;
  readonly maxAttempts: number;
  readonly runAfter: string;
  readonly idempotencyKey: string | null;
  readonly now: string;
}

/** Parameters of a claim. */
export interface ClaimParams {
  readonly workerId: string;
  readonly now: string;
  readonly leaseUntil: string;
  readonly types: readonly string[];
  /** JSON object of the worker's capabilities. */
  readonly capabilities: string;
}

/** The fence every lease holder's write carries. */
export interface Fence {
  readonly id: number;
  readonly leaseToken: number;
  readonly now: string;
}

/** A held task as a set-based write names it: its id and the lease token it holds. */
export interface Held {
  readonly id: number;
  readonly leaseToken: number;
}

/** Filters for listing tasks. */
export interface ListFilter {
  readonly statuses: readonly string[];
  readonly type: string | null;
  readonly limit: number;
  readonly offset: number;
  readonly descending: boolean;
}

/** What happens to a reclaimed task of a type (see `CRASH_POLICIES`); unlisted types: `retry`. */
export type ReclaimPolicy = Readonly<Record<string, "retry" | "fail" | "dead_letter">>;

/**
 * Which processing tasks a reclaim takes: those whose lease ran out (`expired`), those held by a
 * worker whose heartbeat is before `staleBefore` (`stale`), or both (`expired_or_stale`).
 */
export type ReclaimScope =
  | { readonly kind: "expired" }
  | { readonly kind: "stale"; readonly staleBefore: string }
  | { readonly kind: "expired_or_stale"; readonly staleBefore: string };

/** Parameters of {@link reclaimTasks}. */
export interface Reclaim {
  /** The time of the reclaim, `YYYY-MM-DD HH:MM:SS.SSS`. */
  readonly now: string;
  readonly scope: ReclaimScope;
  /** Crash policy by task type. @default {} (every type: retry) */
  readonly policy?: ReclaimPolicy | undefined;
}

/** Filter of {@link selectTaskLogs}: one task's logs or everyone's, optionally one level. */
export interface TaskLogFilter {
  readonly taskId: number | null;
  readonly level: string | null;
  readonly limit: number;
}

/** Values of one `task_logs` row. */
export interface TaskLogRow {
  readonly taskId: number;
  readonly at: string;
  readonly level: string;
  readonly message: string;
  readonly details: string | null;
}

/** Heartbeat bounds of {@link selectWorkers}; either may be left out. */
export interface WorkerFilter {
  /** Only workers whose heartbeat is at or after this time. */
  readonly since?: string | undefined;
  /** Only workers whose heartbeat is before this time. */
  readonly before?: string | undefined;
}

/** Parameters of {@link reclaimStaleWorkerTasks}. */
export interface StaleReclaim {
  readonly now: string;
  /** Workers whose heartbeat is before this time are stale. */
  readonly staleBefore: string;
  /** Crash policy by task type; types not listed are retried. */
  readonly policy: ReclaimPolicy;
}

/** Storage figures `QueueMaintenance.stats` reads, each one statement whose first column is the value. */
export type StorageFigure = "page_count" | "page_size" | "freelist_count" | "journal_mode" | "user_version";

/** Connection settings `QueueMaintenance.checkPragmas` reads. */
export type ConnectionSetting = "journal_mode" | "busy_timeout" | "synchronous" | "foreign_keys";

/** One migration: its number and the statements that take the schema from `version - 1` to it. */
export interface Migration {
  readonly version: number;
  readonly statements: readonly string[];
}
