/**
 * @prismq/queue: a durable SQLite-backed task queue. The core is runtime-neutral and speaks
 * only to a {@link Driver}; pick an adapter (`@prismq/queue/better-sqlite3`,
 * `@prismq/queue/node-sqlite`) or let `@prismq/queue/node` open a file for you.
 *
 * @example
 * ```ts
 * import { QueueClient, QueueWorker } from "@prismq/queue";
 * import { openQueueDatabase } from "@prismq/queue/node";
 *
 * const db = await openQueueDatabase({ path: "queue.db" });
 * const client = new QueueClient(db);
 * await client.enqueue("email", { to: "a@example.com" }, { priority: 10, maxAttempts: 3 });
 *
 * const worker = new QueueWorker(db, { concurrency: 4 });
 * worker.register("email", async (payload, { signal }) => { await send(payload, signal); });
 * worker.start();
 * ```
 *
 * @module
 */
export type { Driver, DriverCapabilities, ExecResult, Executor, SqlValue, Statement } from "./driver.ts";
export { sql } from "./driver.ts";
export * from "./errors.ts";
export { type Clock, FakeClock, fromSqlTime, systemClock, toSqlRunAfter, toSqlTime } from "./clock.ts";
export { type Backoff, backoffMs, DEFAULT_BACKOFF, nominalBackoffMs } from "./backoff.ts";
export { CLAIM_STRATEGIES, type ClaimStrategy, strategyWeight } from "./strategies.ts";
export { type Capabilities, rowToTask, type Task, TASK_STATUSES, type TaskStatus, TERMINAL_STATUSES } from "./task.ts";
export { defaultDbPath, QueueDatabase, type QueueDatabaseOptions, type QueueTransaction } from "./database.ts";
export { type EnqueueInput, QueueClient, type QueueClientOptions, type QueueStats, type WaitOptions } from "./client.ts";
export { jsonLogLine } from "./log-format.ts";
export type { WatchOptions } from "./watch.ts";
export {
  type ClientEnqueueInput,
  defineTasks,
  type EnqueueArgs,
  type TaskInput,
  type TaskMap,
  type TaskOutput,
  type TaskSchemas,
  type TypedEnqueueInput,
  type TypedTaskType,
  type Untyped,
  type UntypedTaskType,
} from "./tasks.ts";
export {
  type MissedRunPolicy,
  occurrenceKey,
  QueueScheduler,
  type QueueSchedulerOptions,
  type Schedule,
  type ScheduleDefinition,
  type ScheduleTickResult,
} from "./schedules/scheduler.ts";
export { type Duration, durationKeysToMs, isDuration, MAX_TIMER_MS, parseDuration, type ParseDurationOptions } from "./durations.ts";
export {
  type ErrorClass,
  QueueWorker,
  type QueueWorkerOptions,
  type RegisterOptions,
  type TaskContext,
  type TaskHandler,
  type WorkerEvent,
  type WorkerRunStats,
  type WorkerTasks,
} from "./worker.ts";
export type { BackoffOptions, EnqueueOptions, ListOptions, WorkerHooks } from "./options.ts";
export { encodeProgress, encodeResult, PROGRESS_MAX_BYTES, RESULT_MAX_BYTES, writeProgress } from "./progress.ts";
export { type QueueControl, type RateLimit, readControls } from "./controls/index.ts";
export { KEY_MODES, type KeyMode } from "./controls/uniqueness.ts";
export {
  DEFAULT_RETENTION_BATCH,
  DEFAULT_RETENTION_INTERVAL_MS,
  type PurgeOptions,
  type RedriveOptions,
  RETAINED_STATUSES,
  type RetainedStatus,
  type RetentionPassResult,
  type RetentionPolicy,
  runRetentionPass,
} from "./retention/index.ts";
export { DEFAULT_PRAGMAS, MIN_SQLITE_VERSION, SQLITE_SCHEMA_VERSION } from "./dialect/sqlite/migrations.ts";
export type {
  MaintenanceStatements,
  ObservabilityStatements,
  QueueDialect,
  ReadStatements,
  SchemaSupport,
  ScheduleFiring,
  ScheduleRecord,
  ScheduledTask,
  ScheduleStatements,
  TransitionStatements,
  ControlRow,
  FeatureStatements,
  KeyLapse,
} from "./dialect/dialect.ts";
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
  ReclaimScope,
  StaleReclaim,
  StorageFigure,
  TaskLogFilter,
  TaskLogRow,
  WorkerFilter,
} from "./dialect/types.ts";
export { sqliteDialect } from "./dialect/sqlite/index.ts";
export {
  DEFAULT_HEALTH_THRESHOLDS,
  PROMETHEUS_CONTENT_TYPE,
  type ProcessingTimeOptions,
  type ProcessingTimePercentiles,
  type PrometheusOptions,
  type QueueDepthByStatus,
  type QueueDepthOptions,
  type QueueHealthStatus,
  type QueueHealthSummary,
  type QueueHealthThresholds,
  QueueMetrics,
  type QueueMetricsOptions,
  type RetryMetrics,
  type SuccessFailureRates,
  type ThroughputMetrics,
  type WindowOptions,
  type WorkerActivity,
  type WorkerCounts,
  type WorkerState,
} from "./observability/metrics.ts";
export {
  type AppLogger,
  consoleLogger,
  LOG_LEVELS,
  type LogDetails,
  type LogInsertOptions,
  type LogLevel,
  QueueLogger,
  type QueueLoggerOptions,
  silentLogger,
  type TaskLog,
  TaskLogger,
  taskErrorLogInsert,
  taskLogInsert,
  type TaskLogQuery,
  taskRetryLogInsert,
  taskTransitionLogInsert,
} from "./observability/task-logger.ts";
export {
  type CleanupOptions,
  CRASH_POLICIES,
  type CrashPolicy,
  type MonitoringMetrics,
  QueueMonitoring,
  type ReclaimOptions,
  type Worker,
  WorkerHeartbeat,
  type WorkerHeartbeatOptions,
  type WorkerLiveness,
  type WorkerStats,
  type WorkerTotals,
} from "./observability/heartbeat.ts";
export {
  checkStaleAfterHeartbeat,
  DEFAULT_ACTIVE_THRESHOLD_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_STALE_THRESHOLD_MS,
  type LivenessThresholds,
  MIN_STALE_HEARTBEATS,
  workerState,
} from "./observability/liveness.ts";
export {
  BACKUP_PROBLEMS,
  type BackupFileEntry,
  type BackupFileSystem,
  type BackupInfo,
  type BackupProblem,
  BackupTargetExistsError,
  type BackupVerification,
  type CreateBackupOptions,
  type DriverOpener,
  InvalidBackupError,
  parseBackupFileName,
  QueueBackup,
  type QueueBackupOptions,
  type RestoreBackupOptions,
  RestoreInProgressError,
  type RestoreResult,
} from "./maintenance/backup.ts";
export {
  CHECKPOINT_MODES,
  type CheckpointMode,
  type CheckpointResult,
  type CleanupStaleLeasesOptions,
  type DatabaseStats,
  type OptimizeOperation,
  type OptimizeOptions,
  type OptimizeResult,
  type PurgeCompletedOptions,
  QueueMaintenance,
  type QueueMaintenanceOptions,
} from "./maintenance/maintenance.ts";
// The drop-in task manager (seed 001): in-memory and queue-backed managers, factory, migration.
export * from "./task-manager/index.ts";
