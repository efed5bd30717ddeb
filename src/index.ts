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
export type { CallOptions, Driver, DriverCapabilities, ExecResult, Executor, SqlValue, Statement } from "./driver.ts";
export { sql } from "./driver.ts";
export * from "./errors.ts";
export { type Clock, FakeClock, fromSqlTime, systemClock, toSqlRunAfter, toSqlTime } from "./clock.ts";
export { type Backoff, backoffMs, DEFAULT_BACKOFF, nominalBackoffMs } from "./backoff.ts";
export { CLAIM_STRATEGIES, type ClaimStrategy, strategyWeight } from "./strategies.ts";
export { type Capabilities, rowToTask, type Task, TASK_STATUSES, type TaskStatus, TERMINAL_STATUSES } from "./task.ts";
export { defaultDbPath, QueueDatabase, type QueueDatabaseOptions, type QueueTransaction } from "./database.ts";
export { type EnqueueInput, QueueClient, type QueueClientOptions, type QueueStats, type WaitOptions } from "./client.ts";
export {
  type ErrorClass,
  QueueWorker,
  type QueueWorkerOptions,
  type TaskContext,
  type TaskHandler,
  type WorkerEvent,
  type WorkerStats,
} from "./worker.ts";
export type { BackoffOptions, EnqueueOptions, ListOptions } from "./options.ts";
export { DEFAULT_PRAGMAS, MIN_SQLITE_VERSION, SQLITE_SCHEMA_VERSION } from "./sql/migrations-sqlite.ts";
