/**
 * The worker side of the queue-backed manager: a {@link QueueWorker} whose handlers are the
 * functions of a {@link WorkRegistry}, so any process with the same registry runs the work.
 *
 * @module
 */
import type { QueueDatabase } from "../database.ts";
import { QueueValidationError } from "../errors.ts";
import { QueueWorker, type QueueWorkerOptions, type TaskHandler } from "../worker.ts";
import { TASK_MANAGER_BACKOFF } from "./shared.ts";
import type { WorkFunction } from "./types.ts";
import type { WorkRegistry } from "./work-registry.ts";

/** Options of {@link createTaskWorker}: the queue worker's, less `handlers` (they come from the registry). */
export type TaskWorkerOptions = Omit<QueueWorkerOptions, "handlers">;

function handlerFor(fn: WorkFunction): TaskHandler {
  return (payload: unknown, ctx) => {
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      throw new QueueValidationError(`task ${ctx.task.id}: payload is not a parameters object`);
    }
    return fn(payload as Record<string, unknown>, {
      runId: String(ctx.task.id),
      attempt: ctx.task.attempts,
      signal: ctx.signal,
      progress: ctx.progress,
    });
  };
}

/**
 * A queue worker that runs the registry's functions: one handler per registered name, and names
 * registered later are claimed too. Start it with `worker.start()`, stop it with `await worker.stop()`.
 *
 * @example
 * ```ts
 * // worker.ts, run as many times as you want processes
 * const db = await openQueueDatabase({ path: process.env.QUEUE_DB_PATH });
 * const worker = createTaskWorker(db, registry, { concurrency: 4 });
 * worker.start();
 * ```
 */
export function createTaskWorker(db: QueueDatabase, registry: WorkRegistry, options: TaskWorkerOptions = {}): QueueWorker {
  const worker = new QueueWorker(db, { pollIntervalMs: 100, backoff: TASK_MANAGER_BACKOFF, ...options });
  for (const name of registry.names()) worker.register(name, handlerFor(registry.get(name)!));
  registry.onAdd((name, fn) => worker.register(name, handlerFor(fn)));
  return worker;
}
