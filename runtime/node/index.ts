/**
 * `@prismq/queue/node`: opening a queue by path on Node, Bun or Deno (the default path of seed
 * 002, the folder created, the best driver for the runtime), backups and maintenance with
 * Node's file system, and the worker-process runtime behind `prismq worker`.
 *
 * @example
 * ```ts
 * import { openQueueDatabase } from "@prismq/queue/node";
 * await using db = await openQueueDatabase(); // $PRISMQ_QUEUE_DB_PATH or /tmp/prismq/queue/queue.db
 * ```
 *
 * @module
 */
export {
  type NodeDriverName,
  openDriver,
  type OpenDriverOptions,
  openQueueDatabase,
  resolveDbPath,
} from "./open.ts";
export type { DbPathHost } from "./db-path.ts";
export { backgroundCheckpointStatus, type BackgroundCheckpointStatus } from "./checkpointer.ts";
export {
  createQueueBackup,
  createQueueMaintenance,
  nodeBackupFileSystem,
  nodeDriverOpener,
  type NodeQueueBackupOptions,
} from "./backup.ts";
export {
  DEFAULT_HANDLERS_LOAD_TIMEOUT_MS,
  loadHandlersModule,
  runWorkerProcess,
  type WorkerProcessOptions,
  type WorkerProcessResult,
} from "./worker-process.ts";
