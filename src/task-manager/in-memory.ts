/**
 * `BackgroundTaskManager`: seed 001's in-memory manager. Runs start at once in this process and
 * are lost if it exits; the queue-backed {@link QueuedTaskManager} has the same interface.
 *
 * @module
 */
import { type Backoff, backoffMs } from "../backoff.ts";
import { type Clock, systemClock } from "../clock.ts";
import { isQueueError, QueueValidationError } from "../errors.ts";
import type { BackoffOptions } from "../options.ts";
import { type AppLogger, silentLogger } from "../observability/task-logger.ts";
import { isFinished, RunRegistry } from "./run-registry.ts";
import { checkMaxAttempts, countByModule, DEFAULT_RUN_MAX_ATTEMPTS, errorText, resolveBackoff } from "./shared.ts";
import {
  type DrainOptions,
  type DrainReport,
  type Run,
  type RunOptions,
  type RunStatusListener,
  type TaskManager,
  TaskManagerClosedError,
  type WorkFunction,
  type WorkRef,
} from "./types.ts";
import { workParams, type WorkRegistry } from "./work-registry.ts";

/** Options of {@link BackgroundTaskManager}. */
export interface BackgroundTaskManagerOptions {
  /** Where work names are resolved. */
  readonly registry: WorkRegistry;
  /** Shared run registry (the canary router passes one to both managers). @default a new one */
  readonly runs?: RunRegistry | undefined;
  /** Executions per run unless the run says otherwise. @default 3 */
  readonly defaultMaxAttempts?: number | undefined;
  /** Retry delays. @default {@link TASK_MANAGER_BACKOFF} */
  readonly backoff?: BackoffOptions | undefined;
  /** Time source for run timestamps; tests pass a fake one. @default systemClock */
  readonly clock?: Clock | undefined;
  /** Random source for backoff jitter. @default Math.random */
  readonly random?: (() => number) | undefined;
  /** Hears failures and retries. @default silentLogger */
  readonly logger?: AppLogger | undefined;
}

/**
 * Fire-and-forget work tracked in memory: QUEUED → RUNNING → COMPLETED / FAILED / CANCELLED,
 * cancellation through each run's `AbortSignal`, retries with backoff, graceful {@link waitAll}.
 *
 * @example
 * ```ts
 * const manager = new BackgroundTaskManager({ registry });
 * const runId = await manager.startTask({}, { handler: "send-email", params: { to: "a@b.c" } });
 * ```
 */
export class BackgroundTaskManager implements TaskManager {
  /** Tells reports these runs live in process memory and are lost on exit. */
  readonly backend = "in-memory" as const;
  readonly #registry: WorkRegistry;
  readonly #runs: RunRegistry;
  readonly #maxAttempts: number;
  readonly #backoff: Backoff;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #log: AppLogger;
  readonly #tasks = new Map<string, Promise<void>>();
  readonly #aborts = new Map<string, AbortController>();
  readonly #byKey = new Map<string, string>();
  #closed = false;

  /** Takes the registry shared with any other manager. */
  constructor(options: BackgroundTaskManagerOptions) {
    if (options?.registry === undefined) throw new QueueValidationError("BackgroundTaskManager needs a registry");
    this.#registry = options.registry;
    this.#runs = options.runs ?? new RunRegistry({ onListenerError: (e) => this.#log.error("run listener failed", { error: errorText(e) }) });
    this.#maxAttempts = checkMaxAttempts(options.defaultMaxAttempts, DEFAULT_RUN_MAX_ATTEMPTS);
    this.#backoff = resolveBackoff(options.backoff);
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#log = options.logger ?? silentLogger;
  }

  /** Runs the work in this process, in the background; resolves with the run id at once. */
  async startTask(run: RunOptions, work: WorkRef): Promise<string> {
    if (this.#closed) throw new TaskManagerClosedError();
    const { name, fn } = this.#registry.resolve(work);
    const parameters = workParams(work);
    const maxAttempts = checkMaxAttempts(run?.maxAttempts, this.#maxAttempts);
    const key = run?.idempotencyKey ?? null;
    if (key !== null) {
      if (typeof key !== "string" || key.length === 0 || key.length > 512) {
        throw new QueueValidationError("invalid run options", ["idempotencyKey: 1-512 characters"]);
      }
      const existing = this.#byKey.get(key);
      if (existing !== undefined) return existing;
    }
    const runId = `mem-${globalThis.crypto.randomUUID()}`;
    if (key !== null) this.#byKey.set(key, runId);
    this.#runs.update({
      runId,
      moduleId: name,
      parameters,
      status: "QUEUED",
      createdAt: this.#clock.now(),
      startedAt: null,
      completedAt: null,
      errorMessage: null,
      attempts: 0,
      maxAttempts,
      idempotencyKey: key,
      backend: "in-memory",
      queueStatus: null,
      progress: null,
      result: null,
    });
    const abort = new AbortController();
    this.#aborts.set(runId, abort);
    const task = this.#execute(runId, fn, parameters, abort.signal).finally(() => {
      this.#tasks.delete(runId);
      this.#aborts.delete(runId);
    });
    this.#tasks.set(runId, task);
    return runId;
  }

  /** Aborts the run's signal; false if it had already ended. */
  async cancelTask(runId: string): Promise<boolean> {
    const run = this.#runs.get(runId);
    const abort = this.#aborts.get(runId);
    if (run === undefined || abort === undefined || isFinished(run.status)) return false;
    this.#set(runId, { status: "CANCELLED", completedAt: this.#clock.now() });
    abort.abort(new DOMException(`run ${runId} was cancelled`, "AbortError"));
    return true;
  }

  /** Waits until every run started so far has ended. */
  async waitAll(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks.values()]);
  }

  /** Runs not yet ended. */
  async getActiveTaskCount(): Promise<number> {
    return this.#tasks.size;
  }

  /** Ids of the runs not yet ended. */
  async getActiveTaskIds(): Promise<string[]> {
    return [...this.#tasks.keys()];
  }

  /** Whether the run is still pending or running. */
  async isTaskActive(runId: string): Promise<boolean> {
    return this.#tasks.has(runId);
  }

  /** The run as recorded, or null if unknown or forgotten. */
  async getRun(runId: string): Promise<Run | null> {
    const run = this.#runs.get(runId);
    return run !== undefined && run.backend === "in-memory" ? run : null;
  }

  /** Subscribes to status changes; returns the unsubscribe function. */
  onRunStatusChange(listener: RunStatusListener): () => void {
    return this.#runs.subscribe(listener);
  }

  /** Takes no new runs, waits for the running ones (and their retries) up to `timeoutMs`. */
  async drain(options: DrainOptions = {}): Promise<DrainReport> {
    this.#closed = true;
    const all = this.waitAll();
    let settled = true;
    if (options.timeoutMs !== undefined) {
      const timeout = new AbortController();
      settled = await Promise.race([
        all.then(() => true),
        this.#clock.sleep(options.timeoutMs, timeout.signal).then(() => false, () => false),
      ]);
      timeout.abort();
    } else {
      await all;
    }
    const left = [...this.#tasks.keys()].map((id) => this.#runs.get(id)!).filter((r) => r !== undefined);
    const queued = left.filter((r) => r.status === "QUEUED");
    return {
      backend: this.backend,
      settled,
      stillRunning: left.filter((r) => r.status === "RUNNING").map((r) => r.runId),
      stillQueued: queued.map((r) => r.runId),
      queuedByModule: countByModule(queued),
    };
  }

  /** Takes no new runs; those already running finish on their own. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  async #execute(runId: string, fn: WorkFunction, params: Readonly<Record<string, unknown>>, signal: AbortSignal): Promise<void> {
    // Start after startTask has returned, as a queued task starts after its enqueue.
    await Promise.resolve();
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return;
      this.#set(runId, { status: "RUNNING", startedAt: this.#clock.now(), attempts: attempt });
      try {
        // Progress and result are kept as JSON, as the queue stores them, so a switch of backend
        // shows the same values.
        const progress = async (value: unknown): Promise<void> => {
          if (!signal.aborted) this.#set(runId, { progress: asJson(value) });
        };
        const result = await fn(params, { runId, attempt, signal, progress });
        if (signal.aborted) return;
        this.#set(runId, { status: "COMPLETED", completedAt: this.#clock.now(), errorMessage: null, result: asJson(result) });
        return;
      } catch (err) {
        if (signal.aborted) return;
        const text = errorText(err);
        const run = this.#runs.get(runId)!;
        if (attempt >= run.maxAttempts || isQueueError(err, "NON_RETRYABLE")) {
          this.#log.error("run failed", { runId, moduleId: run.moduleId, attempt, error: text });
          this.#set(runId, { status: "FAILED", completedAt: this.#clock.now(), errorMessage: text });
          return;
        }
        const delay = backoffMs(attempt, this.#backoff, this.#random);
        this.#log.warn("run failed, retry scheduled", { runId, moduleId: run.moduleId, attempt, error: text, delayMs: delay });
        this.#set(runId, { status: "QUEUED", errorMessage: text });
        try {
          await this.#clock.sleep(delay, signal);
        } catch {
          return; // cancelled while waiting
        }
      }
    }
  }

  #set(runId: string, patch: Partial<Run>): void {
    const run = this.#runs.get(runId);
    if (run !== undefined) this.#runs.update({ ...run, ...patch });
  }
}

/** A value as it reads back after a JSON round trip (null for undefined or what JSON cannot hold). */
function asJson(value: unknown): unknown {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? null : JSON.parse(text);
  } catch {
    return null;
  }
}
