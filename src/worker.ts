/**
 * `QueueWorker`: claims tasks under a lease, runs their handlers, renews the lease while they
 * run, and records the outcome (completed, retried with backoff, failed, dead-lettered).
 *
 * The worker is the claim loop and the handler registry. Its parts live in `src/worker/`: the
 * database calls (`operations.ts`), the outcome writer with group commit (`outcomes.ts`), the
 * prefetch buffer (`prefetch.ts`), one task's run under lease renewal and timeout
 * (`task-runner.ts`), and its counters, events and log lines (`reporter.ts`).
 *
 * @module
 */
import { DEFAULT_BACKOFF } from "./backoff.ts";
import type { QueueDatabase } from "./database.ts";
import { LeaseLostError, QueueValidationError } from "./errors.ts";
import { checkWorkerOptionRules, parseOptions, type QueueWorkerOptions, WorkerOptionsSchema } from "./options.ts";
import * as z from "zod/mini";
import type { Task } from "./task.ts";
import { WorkerHeartbeat } from "./observability/heartbeat.ts";
import { workerLivenessThresholds } from "./observability/liveness.ts";
import { silentLogger } from "./observability/task-logger.ts";
import { type OperationsFactory, dialectWorkerOperations, type WorkerOperations } from "./worker/operations.ts";
import { OutcomeWriter } from "./worker/outcomes.ts";
import { type Buffered, PrefetchBuffer } from "./worker/prefetch.ts";
import { WorkerReporter } from "./worker/reporter.ts";
import { TaskRunner } from "./worker/task-runner.ts";
import { type HeartbeatLoop, runHeartbeatLoop } from "./worker/heartbeat-loop.ts";
import { LoopPacer } from "./worker/pacer.ts";
import { writeProgress } from "./progress.ts";
import { runRetentionLoop } from "./retention/loop.ts";
import type { RetentionPolicy } from "./retention/index.ts";
import { QueueScheduler } from "./schedules/scheduler.ts";
import { runScheduleTicks } from "./schedules/ticker.ts";
import type { TaskMap, TaskOutput, TaskSchemas, TypedTaskType, UntypedTaskType } from "./tasks.ts";
import { listenForWork, type WorkWakeups } from "./internal/work-wake.ts";
import type { RegisterOptions, TaskHandler, WorkerRunStats } from "./worker/types.ts";

export type { QueueWorkerOptions } from "./options.ts";
export type {
  ErrorClass,
  RegisterOptions,
  TaskContext,
  TaskHandler,
  WorkerEvent,
  WorkerRunStats,
} from "./worker/types.ts";

/** The typed task map a worker may be given (only its types matter at run time: none). */
export interface WorkerTasks<S extends TaskSchemas> {
  /** From `defineTasks`: types `register`'s type and handler payload at compile time. */
  readonly tasks?: TaskMap<S> | undefined;
}

// Waking the loop with a reason of our own: a bare abort() builds a DOMException each time.

const RegisterOptionsSchema = z.strictObject({ timeoutMs: z.optional(z.number().check(z.gte(0), z.lte(2 ** 31 - 1))) });

/**
 * Runs handlers for claimed tasks.
 *
 * @example
 * ```ts
 * const worker = new QueueWorker(db, { concurrency: 4, strategy: "PRIORITY" });
 * worker.register("video_processing", async (payload, { signal }) => { await render(payload, signal); });
 * worker.start();
 * // … later
 * await worker.stop(); // claims nothing new, waits for running handlers
 * ```
 */
export class QueueWorker<S extends TaskSchemas = TaskSchemas> {
  readonly #db: QueueDatabase;
  readonly #handlers = new Map<string, TaskHandler>();
  readonly #id: string;
  readonly #concurrency: number;
  readonly #batchSize: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #heartbeatMs: number;
  readonly #heartbeat: WorkerHeartbeat;
  readonly #beats: HeartbeatLoop;
  /** Schedule ticks while started (`scheduleIntervalMs`, 0: none). */
  readonly #scheduleMs: number;
  readonly #scheduler: QueueScheduler;
  /** Retention passes while started (`retention`), if any. */
  readonly #retention: RetentionPolicy | undefined;
  /** Handler timeout for types without their own; 0 for none. */
  readonly #timeoutMs: number;
  /** Handler timeouts by type (from `taskTimeouts` and `register`). */
  readonly #typeTimeouts = new Map<string, number>();
  /** Longest an outcome waits for company when prefetching. */
  readonly #flushMs: number;
  readonly #ops: WorkerOperations;
  readonly #report: WorkerReporter;
  readonly #outcomes: OutcomeWriter;
  readonly #runner: TaskRunner;
  /** Prefetched tasks, claimed and leased, waiting for a free slot. */
  readonly #buffer = new PrefetchBuffer();
  readonly #inFlight = new Set<Promise<void>>();
  #loop: Promise<void> | null = null;
  #stop = new AbortController();
  readonly #pacer: LoopPacer;
  /** Set by {@link notifyWork}: the next round claims even inside the poll interval. */
  #hinted = false;
  /** LISTEN/NOTIFY wake-ups while started, on a driver that has them (src/internal/work-wake.ts). */
  #wakeups: WorkWakeups | null = null;
  /** Registered task types, as the claim filters on them. */
  #types: readonly string[] = [];

  /**
   * A worker on an open {@link QueueDatabase}; nothing runs until {@link start} or {@link processOnce}.
   * `operations` is for the conformance suite's deliberately broken variants only.
   */
  constructor(db: QueueDatabase, options: QueueWorkerOptions & WorkerTasks<S> = {}, /** @internal */ operations?: OperationsFactory) {
    const { handlers, nonRetryableErrors, random = Math.random, onEvent, logger, tasks: _tasks, ...rest } = options;
    const o = parseOptions(WorkerOptionsSchema, rest, "QueueWorker options");
    checkWorkerOptionRules(o, (key) => key, (issues) => new QueueValidationError("invalid QueueWorker options", issues), "QueueWorker options");
    this.#db = db;
    this.#pacer = new LoopPacer(db.clock);
    this.#id = o.workerId ?? `worker-${globalThis.crypto.randomUUID().slice(0, 8)}`;
    this.#concurrency = o.concurrency;
    this.#batchSize = o.batchSize ?? o.concurrency;
    this.#leaseMs = o.leaseMs;
    const renewMs = o.renewIntervalMs ?? Math.max(1, Math.floor(o.leaseMs / 3));
    this.#pollMs = o.pollIntervalMs;
    this.#flushMs = Math.max(1, Math.min(50, Math.floor(renewMs / 2)));
    this.#heartbeatMs = o.heartbeatIntervalMs;
    const liveness = workerLivenessThresholds(o.heartbeatIntervalMs, o.staleAfterMs, {
      heartbeat: "heartbeatIntervalMs",
      stale: "staleAfterMs",
      what: "QueueWorker options",
    });
    this.#heartbeat = new WorkerHeartbeat(db, { staleThresholdMs: liveness.staleMs, activeThresholdMs: liveness.activeMs });
    this.#timeoutMs = o.timeoutMs ?? 0;
    for (const [type, ms] of Object.entries(o.taskTimeouts ?? {})) this.#typeTimeouts.set(type, ms);
    this.#scheduleMs = o.scheduleIntervalMs;
    this.#retention = o.retention;
    this.#scheduler = new QueueScheduler(db);
    this.#report = new WorkerReporter(this.#id, logger ?? silentLogger, onEvent ?? (() => {}));
    this.#beats = {
      heartbeat: this.#heartbeat,
      workerId: this.#id,
      capabilities: o.capabilities,
      intervalMs: o.heartbeatIntervalMs,
      reclaimStale: o.reclaimStaleWorkers,
      crashPolicy: o.crashPolicy,
      clock: db.clock,
      report: this.#report,
    };
    const ctx = { db, workerId: this.#id, settings: o, random, types: () => this.#types };
    this.#ops = (operations ?? dialectWorkerOperations)(ctx);
    this.#outcomes = new OutcomeWriter({
      db,
      ops: this.#ops,
      reporter: this.#report,
      backoff: { ...DEFAULT_BACKOFF, ...o.backoff },
      random,
      nonRetryable: nonRetryableErrors ?? [],
      wake: () => this.#pacer.wake(),
    });
    this.#runner = new TaskRunner({
      clock: db.clock,
      workerId: this.#id,
      renewMs,
      ops: this.#ops,
      outcomes: this.#outcomes,
      reporter: this.#report,
      renew: (task) => this.renewLease(task),
      handler: (type) => this.#handlers.get(type),
      timeoutOf: (type) => this.#typeTimeouts.get(type) ?? this.#timeoutMs,
      progress: (task, value) => writeProgress(db, task, value),
    });
    for (const [type, handler] of Object.entries(handlers ?? {})) (this as unknown as QueueWorker).register(type, handler);
  }

  /** This worker's id, as written to `locked_by`. */
  get workerId(): string {
    return this.#id;
  }

  /** True between {@link start} and the end of {@link stop}. */
  get running(): boolean {
    return this.#loop !== null;
  }

  /** Handlers running right now. */
  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  /** Counts since the worker was made. */
  get stats(): WorkerRunStats {
    return { ...this.#report.stats };
  }

  /**
   * Adds (or replaces) the handler for a task type. Only registered types are claimed.
   * `options.timeoutMs`, when given, sets this type's handler timeout (0: none).
   */
  register<K extends TypedTaskType<S>>(type: K, handler: TaskHandler<TaskOutput<S, K>>, options?: RegisterOptions): this;
  /** Untyped worker (no `tasks`): any type, the payload typed by `P` (default `unknown`). */
  register<P = unknown>(type: UntypedTaskType<S>, handler: TaskHandler<P>, options?: RegisterOptions): this;
  register(type: string, handler: TaskHandler, options?: RegisterOptions): this {
    if (typeof type !== "string" || type.length === 0) throw new QueueValidationError("task type must be a non-empty string");
    if (typeof handler !== "function") throw new QueueValidationError(`handler for "${type}" must be a function`);
    const timeoutMs = parseOptions(RegisterOptionsSchema, options, `register options of "${type}"`).timeoutMs;
    if (timeoutMs !== undefined) this.#typeTimeouts.set(type, timeoutMs);
    this.#handlers.set(type, handler as TaskHandler);
    this.#types = [...this.#handlers.keys()];
    return this;
  }

  /**
   * Claims up to `limit` tasks in one all-or-nothing batch: first expired leases are reclaimed
   * (requeued, or failed if their attempts are spent; in the first claim, in every claim after one
   * that came back short, else at most once a second), then one claim statement leases the tasks
   * that come first in the strategy's order. Only registered types are claimed (any type if none
   * is registered). Returned in the strategy's order.
   */
  async claimTasks(limit = 1): Promise<Task[]> {
    checkLimit(limit);
    const tasks = await this.#ops.claim(limit, this.#db.clock.now());
    this.#report.claimed(tasks);
    return tasks;
  }

  /** Extends the lease on a task this worker holds; returns the new expiry (epoch ms). */
  async renewLease(task: Task): Promise<number> {
    const now = this.#db.clock.now();
    const until = now + this.#leaseMs;
    if (!(await this.#ops.renew(task, now, until))) throw new LeaseLostError(task.id);
    return until;
  }

  /** Marks a held task completed; {@link LeaseLostError} if the lease is no longer held. */
  async completeTask(task: Task): Promise<void> {
    await this.#outcomes.writeNow(task, { ok: true });
  }

  /**
   * Records a failed run of a held task: `dead_letter` for a non-retryable error, a retry after
   * the backoff while attempts remain, else `failed`. Returns the status written;
   * {@link LeaseLostError} if the lease is no longer held.
   */
  async failTask(task: Task, error: unknown): Promise<"queued" | "failed" | "dead_letter"> {
    const status = await this.#outcomes.writeNow(task, { ok: false, error });
    return status as "queued" | "failed" | "dead_letter";
  }

  /**
   * Claims up to `limit` tasks in one claim, runs their handlers concurrently to the end, and
   * returns how many it claimed. For scripts and tests that drive the worker step by step.
   */
  async processOnce(limit: number = this.#concurrency): Promise<number> {
    const tasks = await this.claimTasks(limit);
    await Promise.all(tasks.map((t) => this.#runner.run(t, false)));
    return tasks.length;
  }

  /** Starts the claim loop in the background. Calling it while running does nothing. */
  start(): void {
    if (this.#loop !== null) return;
    if (this.#handlers.size === 0) throw new QueueValidationError("register at least one handler before start()");
    this.#stop = new AbortController();
    this.#wakeups = listenForWork(this.#db.driver, () => this.#types, () => this.notifyWork(), (err) => this.#report.error(err, "listen"));
    this.#loop = this.#run();
  }

  /**
   * Tells the worker a task may have arrived (PostgreSQL's NOTIFY of an enqueue calls it): an
   * idle worker claims at once instead of waiting out `pollIntervalMs`, which stays the fallback.
   */
  notifyWork(): void {
    this.#hinted = true;
    this.#pacer.wake();
  }

  /**
   * Graceful stop: claims nothing new, waits for running handlers to finish and record their
   * outcome, then resolves.
   */
  async stop(): Promise<void> {
    const loop = this.#loop;
    if (loop === null) return;
    this.#stop.abort();
    this.#pacer.wake();
    await loop;
    await this.#wakeups?.close();
    this.#wakeups = null;
    this.#loop = null;
  }

  /** Lets `await using worker = …` stop the worker. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * The claim loop. Outcomes of finished handlers are not written one by one: they queue up and
   * go out in the loop's next transaction, together with the claim that refills the freed slots
   * (group commit). Under load that is one transaction per round instead of one per task and
   * one per claim; every write keeps its own fence, so a refused result is still refused alone.
   */
  async #run(): Promise<void> {
    const stop = this.#stop.signal;
    // Without batch operations (a broken conformance variant) every outcome is written on its own.
    const batch = this.#ops.batch;
    const grouped = batch !== undefined;
    let errorsInARow = 0;
    let idleUntil = -Infinity; // no claim before this time unless a write goes out anyway
    // Prefetch: a claim takes a whole batch even when fewer slots are free; the rest wait here.
    const prefetch = grouped && this.#batchSize > this.#concurrency;
    const beating = this.#heartbeatMs > 0 ? runHeartbeatLoop(this.#beats, stop) : Promise.resolve();
    const scheduling = this.#scheduleMs > 0
      ? runScheduleTicks(this.#scheduler, this.#db.clock, this.#scheduleMs, stop, () => this.#pacer.wake(), (err) => this.#report.error(err, "schedule"))
      : Promise.resolve();
    const retention = this.#retention;
    const retaining = retention !== undefined ? runRetentionLoop(this.#db, retention, stop, (err) => this.#report.error(err, "retention")) : Promise.resolve();
    for (;;) {
      await this.#pacer.yieldIfDue(); // a loop whose awaits never wait would starve every timer
      const stopping = stop.aborted;
      while (!stopping && this.#buffer.size > 0 && this.#runner.running < this.#concurrency) this.#launch(this.#buffer.take()!, grouped);
      const free = stopping ? 0 : this.#concurrency - this.#runner.running;
      const now = this.#db.clock.now();
      if (this.#hinted) {
        this.#hinted = false;
        idleUntil = -Infinity; // notified of new work: claim now, not at the next poll
      }
      const needClaim = free > 0 && this.#buffer.size === 0;
      // Without prefetch each round writes whatever has finished. With it, outcomes wait for
      // the next claim, a full batch, or flushMs, so a batch costs one transaction, not one per task.
      const pending = this.#outcomes.pendingCount;
      const flushDue =
        pending > 0 && (!prefetch || needClaim || stopping || pending >= this.#batchSize || now - this.#outcomes.pendingSince >= this.#flushMs);
      const want = needClaim && (flushDue || now >= idleUntil) ? (prefetch ? this.#batchSize : Math.min(free, this.#batchSize)) : 0;
      const release = stopping ? this.#buffer.drain() : [];
      if (!flushDue && want === 0 && release.length === 0) {
        if (stopping && this.#runner.running === 0 && pending === 0) break;
        let wait: number | null = needClaim && !stopping ? idleUntil - now : null;
        if (pending > 0 && !stopping) {
          const flushIn = this.#outcomes.pendingSince + this.#flushMs - now;
          wait = wait === null ? flushIn : Math.min(wait, flushIn);
        }
        await this.#pacer.waitForWork(wait);
        continue;
      }
      let tasks: Task[];
      try {
        tasks = grouped ? await this.#outcomes.round(batch, flushDue, { want, now, release }) : await this.claimTasks(want);
        errorsInARow = 0;
      } catch (err) {
        this.#report.error(err, "claim");
        errorsInARow++;
        // Back off on repeated failures (e.g. a locked or missing file) instead of spinning.
        idleUntil = this.#db.clock.now() + Math.min(30_000, Math.max(this.#pollMs, 50) * 2 ** Math.min(errorsInARow, 10));
        continue;
      }
      const claimedAt = this.#db.clock.now();
      for (const task of tasks) {
        // Claimed while stop() was called: buffered, and released back to the queue next round.
        if (grouped && (stop.aborted || this.#runner.running >= this.#concurrency)) this.#buffer.push(task, claimedAt);
        else this.#launch({ task, claimedAt }, grouped);
      }
      // Fewer than asked means the queue has nothing more runnable right now.
      if (want > 0) idleUntil = tasks.length < want ? this.#db.clock.now() + this.#pollMs : -Infinity;
    }
    await Promise.allSettled([...this.#inFlight]);
    await beating;
    await scheduling;
    await retaining;
    if (this.#heartbeatMs > 0) {
      await this.#heartbeat.deregister(this.#id).catch((err: unknown) => this.#report.error(err, "deregister"));
    }
  }

  #launch(entry: Buffered, grouped: boolean): void {
    const p: Promise<void> = this.#runner.run(entry.task, grouped, entry.claimedAt).finally(() => {
      this.#inFlight.delete(p);
      this.#pacer.wake(); // a slot is free (the grouped path has woken the loop already with its outcome)
    });
    this.#inFlight.add(p);
  }
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new QueueValidationError(`claim limit must be an integer >= 1`);
}
