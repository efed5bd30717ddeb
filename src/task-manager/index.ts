/**
 * The drop-in task manager of seed 001: {@link BackgroundTaskManager} (in memory) and
 * {@link QueuedTaskManager} (persistent queue) behind one {@link TaskManager} interface, the
 * {@link createTaskManager} feature flag with fallback and canary, and the export / import /
 * drain tools for migration and rollback.
 *
 * @module
 */
export * from "./types.ts";
export { type AddListener, WorkRegistry, workName, workParams } from "./work-registry.ts";
export { isFinished, RunRegistry, type RunRegistryOptions } from "./run-registry.ts";
export { runStatusOf, taskIdOf, taskToRun } from "./mapping.ts";
export { DEFAULT_RUN_MAX_ATTEMPTS, TASK_MANAGER_BACKOFF } from "./shared.ts";
export { BackgroundTaskManager, type BackgroundTaskManagerOptions } from "./in-memory.ts";
export { QueuedTaskManager, type QueuedTaskManagerOptions } from "./queued.ts";
export { createTaskWorker, type TaskWorkerOptions } from "./task-worker.ts";
export { CanaryTaskManager, type CanaryTaskManagerOptions } from "./canary.ts";
export {
  createTaskManager,
  type CreateTaskManagerOptions,
  resolveTaskManagerConfig,
  type ResolvedTaskManagerConfig,
  TASK_BACKENDS,
  type TaskManagerConfig,
} from "./factory.ts";
export { EXPORTED_COLUMNS, type ExportedTask, type ExportLine, parseExportLine, TASK_EXPORT_FORMAT, TASK_EXPORT_VERSION } from "./jsonl-format.ts";
export { exportTasks, type ExportTasksOptions, IMPORTED_LOG_MESSAGE, importTasks, type ImportLines, type ImportReport } from "./migrate.ts";
export { drainQueue, type DrainQueueOptions, type PendingTask, type QueueDrainReport } from "./drain.ts";
