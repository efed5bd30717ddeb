/**
 * `QueueDialect`: everything the core needs to know about a database engine's SQL, as one object
 * (in the manner of Kysely's `Dialect`). A `QueueDatabase` carries one (`db.dialect`, chosen when
 * it is opened); the client, the observability classes, maintenance and backup ask it for their
 * statements and never switch on an engine's name. A second engine (PostgreSQL next) is a new
 * dialect plus a driver, with no edit to those classes.
 *
 * Every builder is pure: it returns {@link Statement}s (text with positional `?` parameters, in
 * the order given), and time always arrives as a parameter in the stored text form
 * (`YYYY-MM-DD HH:MM:SS.SSS` UTC), never from the engine's clock. Where a builder returns a list,
 * the list is run as one `batch`, and the result the caller reads is named in its doc.
 *
 * Column names of the rows read back are part of the contract (`status`/`n`, `since`, …), so
 * the classes that decode them need no per-engine code.
 *
 * @module
 */
import type { Statement } from "../driver.ts";
import type { ClaimStrategy } from "../strategies.ts";
import type { ScheduleStatements } from "./schedules.ts";
import type { FeatureStatements } from "./features.ts";
import type {
  ClaimParams,
  ConnectionSetting,
  Fence,
  Held,
  InsertTask,
  ListFilter,
  Migration,
  Reclaim,
  ReclaimPolicy,
  StaleReclaim,
  StorageFigure,
  TaskLogFilter,
  TaskLogRow,
  WorkerFilter,
} from "./types.ts";

export type { ControlRow, FeatureStatements, KeyLapse, RetainedStatus } from "./features.ts";
export type { ScheduleFiring, ScheduleRecord, ScheduledTask, ScheduleStatements } from "./schedules.ts";
export type {
  ClaimParams,
  ConnectionSetting,
  Fence,
  Held,
  InsertTask,
  ListFilter,
  Migration,
  Reclaim,
  ReclaimPolicy,
  StaleReclaim,
  StorageFigure,
  TaskLogFilter,
  TaskLogRow,
  WorkerFilter,
};

/**
 * Every statement that changes a task's status, lease or attempts. Each one that changes a
 * status writes its `task_logs` row in the same batch (or, for reclaim, the same statement).
 */
export interface TransitionStatements {
  /** INSERT of a new queued task; its id is the result's `lastInsertRowid`. */
  insertTask(t: InsertTask): Statement;
  /**
   * Optional: several tasks without idempotency keys in ONE statement, rows `id` RETURNING (in
   * ascending id order = input order). An engine where a round trip costs more than a statement
   * (a server) provides it; the client uses it for up to 500 unkeyed tasks per statement.
   */
  readonly insertTasks?: ((ts: readonly InsertTask[]) => Statement) | undefined;
  /** The id (`id`) of the task holding an idempotency key. */
  selectIdByIdempotencyKey(key: string): Statement;
  /** Claim of up to `limit` tasks in `strategy` order; with `withLog`, [log, claim] (claim last, rows RETURNING *). */
  claimOrdered(strategy: Exclude<ClaimStrategy, "WEIGHTED_RANDOM">, p: ClaimParams, limit: number, withLog?: boolean): Statement[];
  /** Claim of one task drawn by weight with the caller's uniform `u`; same shape as `claimOrdered`. */
  claimWeightedRandom(p: ClaimParams, u: number, withLog?: boolean): Statement[];
  /** Lease extension, fenced. */
  renewLease(f: Fence, leaseUntil: string): Statement;
  /** processing → completed, fenced; the caller follows it with `insertTaskLogIfChanged`. */
  completeTask(f: Fence): Statement;
  /** processing → completed for many held tasks; with `workerId`, [log, update] (update RETURNING `id`). */
  completeMany(held: readonly Held[], now: string, workerId: string | null): Statement[];
  /** A claimed task that never started goes back to queued, its attempt taken back. */
  releaseTask(f: Fence): Statement;
  /** processing → queued after a failure, runnable at `runAfter`. */
  retryTask(f: Fence, runAfter: string, error: string): Statement;
  /** processing → failed or dead_letter. */
  finishFailed(f: Fence, status: "failed" | "dead_letter", error: string): Statement;
  /** The one reclaim rule (token bumped, crash policy, logged): `changes` = tasks taken back. */
  reclaimTasks(r: Reclaim): Statement;
  /** Lease-expiry reclaim as a claim's batch runs it first: a one-element list. */
  reclaimExpired(now: string, policy?: ReclaimPolicy): Statement[];
  /** Tasks held by stale workers taken back, by the same rule. */
  reclaimStaleWorkerTasks(r: StaleReclaim): Statement;
  /** queued/processing → cancelled, logged: [log, update]. */
  cancelTask(id: number, now: string): Statement[];
  /** failed/dead_letter → queued with a fresh attempt budget, logged: [log, update]. */
  retryFinishedTask(id: number, now: string, runAfter: string): Statement[];
  /** Deletes completed tasks finished before `before` with their logs: [logs, tasks]. */
  purgeCompletedBefore(before: string): Statement[];
}

/** Reads of `task_queue`; the one definition of counts by status and of the oldest wait. */
export interface ReadStatements {
  /** One task's row, or no row. */
  selectTask(id: number): Statement;
  /** Rows `name`: the stored (not generated) columns of `task_queue`, for export's completeness check. */
  taskColumns(): Statement;
  /** The rows of these tasks (any order; missing ids have no row). Callers pass at most 500 ids. */
  selectTasksByIds(ids: readonly number[]): Statement;
  /** A page of task rows. */
  listTasks(f: ListFilter): Statement;
  /** Rows `status`, `n`. */
  countByStatus(): Statement;
  /** Row `n`: tasks in `status`, optionally of one type. */
  countInStatus(status: string, type: string | null): Statement;
  /** Rows `type`, `n` of queued tasks, in type order. */
  countQueuedByType(): Statement;
  /** Row `n`: queued or processing. */
  countActive(): Statement;
  /** Row `active`: 1 if any task is queued or processing. */
  anyActive(): Statement;
  /** Rows `id` of queued or processing tasks. */
  selectActiveIds(): Statement;
  /** Row `since`: when the longest-waiting runnable task became runnable (NULL if none). */
  oldestWaitingSince(now: string): Statement;
}

/** `task_logs` rows and the `workers` table. */
export interface ObservabilityStatements {
  /** One log row, RETURNING `log_id`. */
  insertTaskLog(r: TaskLogRow): Statement;
  /** One log row, written only if the batch's previous statement changed exactly one row. */
  insertTaskLogIfChanged(r: TaskLogRow): Statement;
  /** Log rows, newest first. */
  selectTaskLogs(f: TaskLogFilter): Statement;
  /** Removes log rows written before `cutoff` (retention). */
  deleteTaskLogsBefore(cutoff: string): Statement;
  /** Registers a worker, or refreshes its capabilities and heartbeat. */
  upsertWorker(workerId: string, capabilities: string, at: string): Statement;
  /** Records a heartbeat. */
  touchWorker(workerId: string, at: string): Statement;
  /** Removes a worker's row when it stops. */
  deleteWorker(workerId: string): Statement;
  /** Worker rows, optionally bounded by heartbeat time. */
  selectWorkers(f?: WorkerFilter): Statement;
  /** Row `total`, `active`, `stale`. */
  countWorkers(activeSince: string, staleBefore: string): Statement;
  /** Removes workers whose heartbeat is before `staleBefore`; without `force`, only those holding no task. */
  deleteStaleWorkers(staleBefore: string, force: boolean): Statement;
  /** Per worker (or one), its heartbeat and the tasks it holds. */
  selectWorkerSummaries(workerId: string | null): Statement;
  /** Rows `heartbeat_utc` of every worker. */
  workerHeartbeats(): Statement;
  /** Rows `status`, `n` of tasks finished at or after `since`. */
  countFinishedSince(since: string): Statement;
  /** Row `total`, `retried`, `ran`, `attempts_sum`, `retried_completed`, `exhausted`. */
  retryFiguresSince(since: string): Statement;
  /** Rows `started`, `finished`. */
  completedDurationsSince(since: string, type: string | null): Statement;
  /** Rows `worker_id`, `capabilities`, `heartbeat_utc`, `processing`, `completed`, `failed`. */
  workerActivitySince(since: string): Statement;
}

/** Upkeep statements; each reads its value from the first column of the first row. */
export interface MaintenanceStatements {
  /** Checkpoint modes the engine accepts (the first is the default). */
  readonly checkpointModes: readonly string[];
  /** Row `busy`, `log`, `checkpointed`. */
  walCheckpoint(mode: string): Statement;
  /** Refreshes the query planner's statistics. */
  analyze(): Statement;
  /** Rebuilds the file to return free pages. */
  vacuum(): Statement;
  /** The engine's cheap periodic tuning. */
  optimize(): Statement;
  /** Rows of problems found, or one `ok` row. */
  integrityCheck(): Statement;
  /** The cheaper check a health probe may run: rows of problems, or one `ok` row. */
  quickCheck(): Statement;
  /** Row with one storage figure. */
  storageFigure(name: StorageFigure): Statement;
  /** Row with one connection setting's current value. */
  connectionSetting(name: ConnectionSetting): Statement;
  /** Row `n`: rows of one of the queue's tables. */
  countRows(table: "task_logs" | "workers" | "task_queue"): Statement;
  /** Rows `name`, `file`. */
  databaseList(): Statement;
  /** A consistent copy of the database into a new file. */
  snapshotInto(path: string): Statement;
}

/** Opening a database: engine check, connection settings, migrations, transactions. */
export interface SchemaSupport {
  /** Every migration, in version order. */
  readonly migrations: readonly Migration[];
  /** The schema version this library writes and reads. */
  readonly latestVersion: number;
  /** The oldest engine version the SQL works on. */
  readonly minEngineVersion: string;
  /** For messages: "SQLite". */
  readonly engineName: string;
  /** Settings applied at open unless the caller overrides them. */
  readonly defaultSettings: Readonly<Record<string, string | number>>;
  /** Settings stored in the file: never applied on a read-only open. */
  readonly fileSettings: ReadonlySet<string>;
  /** Row `v`: the engine's version. */
  engineVersion(): Statement;
  /** Row `user_version`: the schema version recorded. */
  readVersion(): Statement;
  /** Records the schema version after a migration. */
  writeVersion(version: number): Statement;
  /** Why a setting cannot be applied as given, or null. */
  settingProblem(key: string, value: unknown): string | null;
  /** Applies one connection setting. */
  applySetting(key: string, value: string | number): Statement;
  /** Row `n`: 1 if the queue's table exists. */
  hasQueueTable(): Statement;
  /** Starts a write transaction that takes the write lock at once. */
  readonly begin: Statement;
  /** Commits the transaction. */
  readonly commit: Statement;
  /** Rolls the transaction back. */
  readonly rollback: Statement;
}

/** A database engine's SQL, as the queue core asks for it. */
export interface QueueDialect {
  /** For messages only; the core never branches on it. */
  readonly name: string;
  /** Status changes of tasks. */
  readonly transitions: TransitionStatements;
  /** Reads of tasks. */
  readonly reads: ReadStatements;
  /** Logs and workers. */
  readonly observability: ObservabilityStatements;
  /** Upkeep and backups. */
  readonly maintenance: MaintenanceStatements;
  /** Opening, settings, migrations and transactions. */
  readonly schema: SchemaSupport;
  /** The `schedules` table: adding, listing and firing schedules (migration 8). */
  readonly schedules: ScheduleStatements;
  /** Progress, results, uniqueness windows, pauses, rate limits and retention (migration 9). */
  readonly features: FeatureStatements;
}
