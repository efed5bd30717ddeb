/**
 * The parameter shapes of {@link QueueDialect}'s builders, shared by every dialect: what a
 * statement needs to know, in the stored forms (times as `YYYY-MM-DD HH:MM:SS.SSS` UTC text,
 * JSON columns as text).
 *
 * @module
 */

/** Values for a new row. */
export interface InsertTask {
  /** Task type, which selects the handler. */
  readonly type: string;
  /** Lower runs first. */
  readonly priority: number;
  /** The payload as JSON text. */
  readonly payload: string;
  /** Required worker capabilities as JSON text. */
  readonly compatibility: string;
  /** Executions allowed, the first included. */
  readonly maxAttempts: number;
  /** Not runnable before this time. */
  readonly runAfter: string;
  /** Makes a second insert with the same key a no-op, if given. */
  readonly idempotencyKey: string | null;
  /** The enqueue time, stored as `created_at`/`updated_at`. */
  readonly now: string;
}

/** Parameters of a claim. */
export interface ClaimParams {
  /** Written to `locked_by`. */
  readonly workerId: string;
  /** The claim time: tasks with `run_after` up to it are runnable. */
  readonly now: string;
  /** When the lease the claim takes runs out. */
  readonly leaseUntil: string;
  /** Task types the worker has handlers for. */
  readonly types: readonly string[];
  /** JSON object of the worker's capabilities. */
  readonly capabilities: string;
  /**
   * Set when claims of rate-limited types run in the same batch: a token unique to the batch,
   * under which each of them records how many it took, so the claims after them take at most
   * their limit less those.
   */
  readonly batchId?: string | undefined;
}

/** The fence every lease holder's write carries. */
export interface Fence {
  /** The task written to. */
  readonly id: number;
  /** The token the claim returned; a reclaimed and re-claimed task has a newer one, so a stale holder's write changes nothing. */
  readonly leaseToken: number;
  /** The time of the write. */
  readonly now: string;
}

/** A held task as a set-based write names it: its id and the lease token it holds. */
export interface Held {
  /** The task. */
  readonly id: number;
  /** The token its holder's claim returned. */
  readonly leaseToken: number;
}

/** Filters for listing tasks. */
export interface ListFilter {
  /** Only these statuses; empty for every status. */
  readonly statuses: readonly string[];
  /** Only this task type, or null for every type. */
  readonly type: string | null;
  /** At most this many rows. */
  readonly limit: number;
  /** Rows skipped first (paging). */
  readonly offset: number;
  /** Newest first when true. */
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
  /** Which processing tasks are taken. */
  readonly scope: ReclaimScope;
  /** Crash policy by task type. @default {} (every type: retry) */
  readonly policy?: ReclaimPolicy | undefined;
}

/** Filter of {@link selectTaskLogs}: one task's logs or everyone's, optionally one level. */
export interface TaskLogFilter {
  /** One task's logs, or null for every task. */
  readonly taskId: number | null;
  /** Only this level, or null for every level. */
  readonly level: string | null;
  /** At most this many rows, newest first. */
  readonly limit: number;
}

/** Values of one `task_logs` row. */
export interface TaskLogRow {
  /** The task the entry belongs to. */
  readonly taskId: number;
  /** When it was written. */
  readonly at: string;
  /** Severity. */
  readonly level: string;
  /** Human-readable text. */
  readonly message: string;
  /** Structured data as JSON text, or null. */
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
  /** The time of the reclaim. */
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
  /** The schema version this migration leads to. */
  readonly version: number;
  /** Run in order in one transaction. */
  readonly statements: readonly string[];
}
