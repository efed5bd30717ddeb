/**
 * `QueuedTaskManager`: the {@link TaskManager} interface on the persistent queue (seed 001's
 * adapter). Runs are queue tasks; their status flows back by polling (seed 001's solution 1).
 *
 * @module
 */
import { QueueClient } from "../client.ts";
import type { QueueDatabase } from "../database.ts";
import { isQueueError, QueueValidationError } from "../errors.ts";
import { type AppLogger, silentLogger } from "../observability/task-logger.ts";
import { rowToTask } from "../task.ts";
import type { QueueWorker } from "../worker.ts";
import { taskIdOf, taskToRun } from "./mapping.ts";
import { RunRegistry } from "./run-registry.ts";
import { checkMaxAttempts, countByModule, DEFAULT_RUN_MAX_ATTEMPTS, errorText, selectTasksByIds } from "./shared.ts";
import { createTaskWorker, type TaskWorkerOptions } from "./task-worker.ts";
import {
  type DrainOptions,
  type DrainReport,
  type Run,
  type RunOptions,
  type RunStatusListener,
  type TaskManager,
  TaskManagerClosedError,
  type WorkRef,
} from "./types.ts";
import { workParams, type WorkRegistry } from "./work-registry.ts";

/** Options of {@link QueuedTaskManager}. */
export interface QueuedTaskManagerOptions {
  /** The open queue database. */
  readonly db: QueueDatabase;
  /** Where work names are resolved (and what the in-process worker runs). */
  readonly registry: WorkRegistry;
  /** Shared run registry (the canary router passes one to both managers). @default a new one */
  readonly runs?: RunRegistry | undefined;
  /** How often the statuses of this manager's unfinished runs are read back. @default 250 */
  readonly pollIntervalMs?: number | undefined;
  /**
   * Options of the worker run inside this process, or `false` when separate worker processes
   * ({@link createTaskWorker}) run the work. Its retry backoff applies to runs it executes.
   * @default {} (an in-process worker, concurrency 1)
   */
  readonly worker?: TaskWorkerOptions | false | undefined;
  /** Executions per run unless the run says otherwise. @default 3 */
  readonly defaultMaxAttempts?: number | undefined;
  /** Close the database in {@link QueuedTaskManager.close} (the factory opened it). @default false */
  readonly closeDatabase?: boolean | undefined;
  /** Where run lifecycle events are logged. @default silentLogger */
  readonly logger?: AppLogger | undefined;
}

/**
 * Runs become `task_queue` rows (type = work name, payload = parameters), executed by any
 * worker process with the same registry, surviving crashes and restarts.
 *
 * @example
 * ```ts
 * const db = await openQueueDatabase({ path: "queue.db" });
 * const manager = new QueuedTaskManager({ db, registry });
 * const runId = await manager.startTask({}, { module: "Sources.youtube", method: "search", params: { q: "x" } });
 * ```
 */
export class QueuedTaskManager implements TaskManager {
  /** Tells reports these runs are durable queue tasks. */
  readonly backend = "queue" as const;
  readonly #db: QueueDatabase;
  readonly #client: QueueClient;
  readonly #registry: WorkRegistry;
  readonly #runs: RunRegistry;
  readonly #pollMs: number;
  readonly #maxAttempts: number;
  readonly #worker: QueueWorker | null;
  readonly #closeDb: boolean;
  readonly #log: AppLogger;
  readonly #stop = new AbortController();
  #poller: Promise<void> | null = null;
  #closed = false;

  /** Refuses options without a database or a work registry. */
  constructor(options: QueuedTaskManagerOptions) {
    if (options?.db === undefined || options.registry === undefined) {
      throw new QueueValidationError("QueuedTaskManager needs a db and a registry");
    }
    this.#db = options.db;
    this.#client = new QueueClient(options.db);
    this.#registry = options.registry;
    this.#log = options.logger ?? silentLogger;
    this.#runs = options.runs ?? new RunRegistry({ onListenerError: (e) => this.#log.error("run listener failed", { error: errorText(e) }) });
    this.#pollMs = options.pollIntervalMs ?? 250;
    if (!(this.#pollMs >= 1 && this.#pollMs <= 2 ** 31 - 1)) {
      throw new QueueValidationError("invalid QueuedTaskManager options", ["pollIntervalMs: must be from 1 to 2^31-1"]);
    }
    this.#maxAttempts = checkMaxAttempts(options.defaultMaxAttempts, DEFAULT_RUN_MAX_ATTEMPTS);
    this.#closeDb = options.closeDatabase ?? false;
    this.#worker = options.worker === false ? null : createTaskWorker(this.#db, this.#registry, { logger: this.#log, ...options.worker });
    if (this.#worker !== null) {
      // A worker cannot start with no handler: with an empty registry it starts at the first registration.
      if (this.#registry.names().length > 0) this.#worker.start();
      else {
        const off = this.#registry.onAdd(() => {
          off();
          if (!this.#closed) this.#worker?.start();
        });
      }
    }
  }

  /** The in-process worker, or null when separate processes run the work. */
  get worker(): QueueWorker | null {
    return this.#worker;
  }

  /** Enqueues the work as a task; the run id is the task id. */
  async startTask(run: RunOptions, work: WorkRef): Promise<string> {
    if (this.#closed) throw new TaskManagerClosedError();
    const { name } = this.#registry.resolve(work);
    const parameters = workParams(work);
    const maxAttempts = checkMaxAttempts(run?.maxAttempts, this.#maxAttempts);
    const key = run?.idempotencyKey;
    const now = this.#db.clock.now();
    const id = await this.#client.enqueue(name, parameters, { maxAttempts, priority: run?.priority, idempotencyKey: key });
    const runId = String(id);
    if (key !== undefined) {
      // The key may name an earlier run: report that one as it is stored.
      const task = await this.#client.getTask(id);
      if (task !== null) this.#runs.update(taskToRun(task));
    } else {
      this.#runs.update({
        runId,
        moduleId: name,
        parameters,
        status: "QUEUED",
        createdAt: now,
        startedAt: null,
        completedAt: null,
        errorMessage: null,
        attempts: 0,
        maxAttempts,
        idempotencyKey: null,
        backend: "queue",
        queueStatus: "queued",
        progress: null,
        result: null,
      });
    }
    this.#ensurePolling();
    return runId;
  }

  /** Cancels the task; false if it had already ended. */
  async cancelTask(runId: string): Promise<boolean> {
    const id = taskIdOf(runId);
    if (id === null) return false;
    let cancelled: boolean;
    try {
      cancelled = await this.#client.cancel(id);
    } catch (err) {
      if (isQueueError(err, "TASK_NOT_FOUND")) return false;
      throw err;
    }
    await this.getRun(runId);
    return cancelled;
  }

  /** Waits until no task in the queue is queued or processing (seed 001: `wait_until_empty`). */
  async waitAll(): Promise<void> {
    await this.#client.waitUntilEmpty({ pollIntervalMs: Math.min(this.#pollMs, 100) });
    await this.#refresh();
  }

  /** Runs of this manager not yet ended. */
  async getActiveTaskCount(): Promise<number> {
    return this.#client.getActiveCount();
  }

  /** Ids of the runs not yet ended. */
  async getActiveTaskIds(): Promise<string[]> {
    return (await this.#client.getActiveTaskIds()).map(String);
  }

  /** Whether the task is still queued or processing. */
  async isTaskActive(runId: string): Promise<boolean> {
    const id = taskIdOf(runId);
    return id !== null && (await this.#client.isTaskActive(id));
  }

  /** Reads the run from the queue (any task id, also one started before a restart). */
  async getRun(runId: string): Promise<Run | null> {
    const id = taskIdOf(runId);
    if (id === null) return null;
    const task = await this.#client.getTask(id);
    return task === null ? null : this.#runs.update(taskToRun(task));
  }

  /** Subscribes to status changes; returns the unsubscribe function. */
  onRunStatusChange(listener: RunStatusListener): () => void {
    return this.#runs.subscribe(listener);
  }

  /**
   * Takes no new runs, stops the in-process worker (claims nothing new, waits for running
   * handlers), and reports what the queue still holds. Queued work stays in the database: another
   * worker can run it, or `prismq export` can carry it elsewhere.
   */
  async drain(options: DrainOptions = {}): Promise<DrainReport> {
    this.#closed = true;
    let settled = true;
    if (this.#worker !== null) {
      const stopped = this.#worker.stop();
      if (options.timeoutMs !== undefined) {
        const timeout = new AbortController();
        settled = await Promise.race([
          stopped.then(() => true),
          this.#db.clock.sleep(options.timeoutMs, timeout.signal).then(() => false, () => false),
        ]);
        timeout.abort();
      } else {
        await stopped;
      }
    }
    await this.#refresh();
    const r = await this.#db.execute("SELECT id, type, status FROM task_queue WHERE status IN ('queued', 'processing') ORDER BY id");
    const rows = r.rows.map((row) => ({ runId: String(row["id"]), moduleId: String(row["type"]), status: String(row["status"]) }));
    const queued = rows.filter((x) => x.status === "queued");
    return {
      backend: this.backend,
      settled,
      stillRunning: rows.filter((x) => x.status === "processing").map((x) => x.runId),
      stillQueued: queued.map((x) => x.runId),
      queuedByModule: countByModule(queued),
    };
  }

  /** Stops the in-process worker (gracefully) and the poller; closes the database if it owns it. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#worker?.stop();
    this.#stop.abort();
    await this.#poller;
    if (this.#closeDb) await this.#db.close();
  }

  #ensurePolling(): void {
    if (this.#poller !== null || this.#stop.signal.aborted) return;
    this.#poller = this.#poll().finally(() => {
      this.#poller = null;
      // A run started while the loop was ending: keep watching.
      if (this.#tracked().length > 0) this.#ensurePolling();
    });
  }

  async #poll(): Promise<void> {
    const stop = this.#stop.signal;
    while (!stop.aborted && this.#tracked().length > 0) {
      try {
        await this.#db.clock.sleep(this.#pollMs, stop);
      } catch {
        return;
      }
      try {
        await this.#refresh();
      } catch (err) {
        if (isQueueError(err, "CLOSED")) return;
        this.#log.warn("run status poll failed", { error: errorText(err) });
      }
    }
  }

  #tracked(): string[] {
    return this.#runs.active().filter((r) => r.backend === "queue").map((r) => r.runId);
  }

  /** One read of every unfinished run this manager tracks; listeners hear what changed. */
  async #refresh(): Promise<void> {
    const ids = this.#tracked();
    if (ids.length === 0) return;
    const rows = await selectTasksByIds(this.#db, ids.map(Number));
    const seen = new Set<string>();
    for (const row of rows) seen.add(this.#runs.update(taskToRun(rowToTask(row))).runId);
    // A row deleted behind our back (a manual DELETE, a restore) is no longer watched.
    for (const id of ids) if (!seen.has(id)) this.#runs.forget(id);
  }
}
