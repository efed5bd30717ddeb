/**
 * `QueueWorker`: claims tasks under a lease, runs their handlers, renews the lease while they
 * run, and records the outcome (completed, retried with backoff, failed, dead-lettered).
 *
 * @module
 */
import { type Backoff, backoffMs, DEFAULT_BACKOFF } from "./backoff.ts";
import { toSqlTime } from "./clock.ts";
import type { QueueDatabase } from "./database.ts";
import type { ExecResult, SqlValue, Statement } from "./driver.ts";
import {
  describeError,
  isQueueError,
  LeaseLostError,
  NonRetryableError,
  QueueValidationError,
  TaskCancelledError,
  TaskTimeoutError,
} from "./errors.ts";
import { parseOptions, WorkerOptionsSchema, type BackoffOptions } from "./options.ts";
import * as q from "./sql/sqlite.ts";
import * as z from "zod/mini";
import type { ClaimStrategy } from "./strategies.ts";
import { type Capabilities, rowToTask, type Task } from "./task.ts";
import { type CrashPolicy, WorkerHeartbeat } from "./observability/heartbeat.ts";
import {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_STALE_THRESHOLD_MS,
  workerLivenessThresholds,
} from "./observability/liveness.ts";
import {
  type AppLogger,
  silentLogger,
  taskErrorLogInsert,
  taskRetryLogInsert,
  taskTransitionLogInsert,
} from "./observability/task-logger.ts";

/** What a handler receives besides the payload. */
export interface TaskContext<P = unknown> {
  /** The task as claimed (its `attempts` already counts this run). */
  readonly task: Task<P>;
  /**
   * Aborted when the task is cancelled (reason {@link TaskCancelledError}), the lease is lost
   * (reason {@link LeaseLostError}) or the handler's timeout passed (reason
   * {@link TaskTimeoutError}); the handler should stop, as its result will be refused or ignored.
   */
  readonly signal: AbortSignal;
  readonly workerId: string;
}

/** Runs one task. Resolving completes it; throwing retries it or fails it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TaskHandler<P = any> = (payload: P, context: TaskContext<P>) => unknown;

/** An error class that should dead-letter a task instead of retrying it. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * What a worker reports as it goes (for progress output and application logs). `error` is the
 * value as thrown (it may be anything, even unprintable); `errorMessage` is its safe description
 * by {@link describeError}, as written to `error_message`.
 */
export type WorkerEvent =
  | { readonly type: "claimed"; readonly task: Task }
  | { readonly type: "completed"; readonly task: Task; readonly durationMs: number }
  | {
      readonly type: "retried";
      readonly task: Task;
      readonly error: unknown;
      readonly errorMessage: string;
      readonly runAfter: number;
    }
  | { readonly type: "failed"; readonly task: Task; readonly error: unknown; readonly errorMessage: string }
  | { readonly type: "dead_letter"; readonly task: Task; readonly error: unknown; readonly errorMessage: string }
  | { readonly type: "lease_lost"; readonly task: Task; readonly cancelled: boolean }
  | {
      readonly type: "error";
      readonly error: unknown;
      readonly errorMessage: string;
      readonly phase: string;
      readonly taskId?: number;
    };

/** Options of {@link QueueWorker.register}. */
export interface RegisterOptions {
  /**
   * Handler timeout for this type, overriding the worker's `taskTimeouts` and `timeoutMs`;
   * 0 means none.
   */
  readonly timeoutMs?: number | undefined;
}

/** Options of {@link QueueWorker}. */
export interface QueueWorkerOptions {
  /** Written to `locked_by`. @default "worker-" + 8 random hex digits */
  readonly workerId?: string;
  /** Claim order, see {@link ClaimStrategy}. @default "PRIORITY" */
  readonly strategy?: ClaimStrategy;
  /** Handlers running at once. @default 1 */
  readonly concurrency?: number;
  /**
   * Most tasks one claim statement takes. Up to `concurrency` it never takes more than the free
   * slots. Above it the worker prefetches: each claim takes a whole batch, the tasks beyond the
   * free slots wait in the worker under lease (renewed before they start if they waited longer
   * than `renewIntervalMs`), outcomes are written in groups (at the next claim, after
   * `batchSize` outcomes, or after at most 50 ms), and stop() hands unstarted tasks back to the
   * queue with their attempt not counted. Faster for many short tasks; a crash can then re-run
   * up to a batch of finished-but-unrecorded tasks. @default concurrency
   */
  readonly batchSize?: number;
  /** Lease length; a task whose lease runs out is claimable again. @default 30000 */
  readonly leaseMs?: number;
  /** Lease renewal period while a handler runs; also how soon a cancel reaches it. @default leaseMs / 3 */
  readonly renewIntervalMs?: number;
  /** Wait after a claim found nothing. @default 1000 */
  readonly pollIntervalMs?: number;
  /** Matched against each task's `compatibility`. @default {} */
  readonly capabilities?: Capabilities;
  /** Retry delays. @default {@link DEFAULT_BACKOFF} */
  readonly backoff?: BackoffOptions;
  /** Handlers by task type (more can be added with {@link QueueWorker.register}). */
  readonly handlers?: Readonly<Record<string, TaskHandler>>;
  /** Errors of these classes (and {@link NonRetryableError}) dead-letter the task at once. */
  readonly nonRetryableErrors?: readonly ErrorClass[];
  /** Random source in [0, 1) for WEIGHTED_RANDOM and backoff jitter. @default Math.random */
  readonly random?: () => number;
  /** Called for every event; must not throw. */
  readonly onEvent?: (event: WorkerEvent) => void;
  /**
   * Write every status change of a task to `task_logs`, in the same transaction as the change.
   * @default true
   */
  readonly taskLogs?: boolean;
  /** Application logger that also hears every transition. @default silentLogger */
  readonly logger?: AppLogger;
  /**
   * While {@link QueueWorker.start} runs: how often the worker's `workers` row is refreshed
   * (it is registered at start and removed at stop); 0 turns heartbeats off. @default 10000
   */
  readonly heartbeatIntervalMs?: number;
  /**
   * A worker whose heartbeat is older than this is stale, and its tasks are released. Must be at
   * least 3 × `heartbeatIntervalMs` (see `MIN_STALE_HEARTBEATS`) when heartbeats are on, so a
   * live worker a beat or two late keeps its tasks; give every worker of one database the same
   * pair. @default 300000
   */
  readonly staleAfterMs?: number;
  /**
   * At each heartbeat, release the tasks held by stale workers, by their type's crash policy.
   * @default true
   */
  readonly reclaimStaleWorkers?: boolean;
  /**
   * Crash policy by task type for tasks taken back from their holder (its lease ran out, or its
   * worker went stale); `retry` when not listed.
   */
  readonly crashPolicy?: Readonly<Record<string, CrashPolicy>>;
  /**
   * Longest a handler may run, in ms; 0 or absent for no limit. When it passes, the handler's
   * signal aborts with a {@link TaskTimeoutError}, the attempt is recorded as failed with that
   * error (retried with backoff while attempts remain, else failed), and its slot is freed;
   * whatever the handler does later is ignored (JavaScript cannot stop it: it should honour its
   * signal). Checked by the lease-renewal timer the handler has anyway, so it costs no extra
   * timer or SQL, and fires within a few ms of the deadline.
   */
  readonly timeoutMs?: number;
  /** Handler timeout by task type, overriding `timeoutMs` (0: no limit for that type). */
  readonly taskTimeouts?: Readonly<Record<string, number>>;
}

/** Counts since the worker was made. */
export interface WorkerRunStats {
  readonly claimed: number;
  readonly completed: number;
  readonly retried: number;
  readonly failed: number;
  readonly deadLettered: number;
  readonly leaseLost: number;
  /** Prefetched tasks handed back to the queue unstarted at stop(). */
  readonly released: number;
  readonly errors: number;
}

type Outcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown };
const OK: Outcome = Object.freeze({ ok: true });
type OutcomeStatus = "completed" | "queued" | "failed" | "dead_letter";

/** A task outcome's fenced write and its log rows, and what to do with the rows it changed. */
interface OutcomeWrite {
  readonly stmts: Statement[];
  /** Throws {@link LeaseLostError} when `changes` is 0; otherwise logs and counts the outcome. */
  finish(changes: number): OutcomeStatus;
}

/** A claimed task not started yet, and when it was claimed. */
interface Buffered {
  readonly task: Task;
  readonly claimedAt: number;
}

/** An outcome waiting for the claim loop's next transaction. */
interface PendingOutcome {
  readonly task: Task;
  readonly outcome: Outcome;
  resolve(status: OutcomeStatus): void;
  reject(err: unknown): void;
}

// Aborting with a reason of our own: a bare abort() builds a DOMException each time, which
// measured ~9% of a no-op task's CPU time.
const WOKEN = Symbol("woken");
const HANDLER_DONE = Symbol("handler done");

const IF_CHANGED = { ifPreviousChanged: true } as const;

/** When a running handler times out, and the promise that then rejects. */
interface Deadline {
  readonly at: number;
  readonly ms: number;
  readonly timedOut: Promise<never>;
  readonly onTimeout: (err: TaskTimeoutError) => void;
}

function withDeadline(at: number, ms: number): Deadline {
  let onTimeout: (err: TaskTimeoutError) => void = () => {};
  const timedOut = new Promise<never>((_, reject) => {
    onTimeout = reject;
  });
  return { at, ms, timedOut, onTimeout };
}

const RegisterOptionsSchema = z.strictObject({ timeoutMs: z.optional(z.number().check(z.gte(0), z.lte(2 ** 31 - 1))) });

type Row = Readonly<Record<string, SqlValue>>;

// Claimed rows are put in the strategy's order exactly as the SQL orders them: by the stored
// run_after_utc TEXT, where a run-now time ("…:01", second precision) sorts before a delayed
// time at the same instant ("…:01.000"); comparing parsed milliseconds would call those equal.
function compareRowsFor(strategy: ClaimStrategy): (a: Row, b: Row) => number {
  const text = (r: Row): string => String(r["run_after_utc"]);
  const num = (r: Row, k: string): number => Number(r[k]);
  const byTime = (a: Row, b: Row): number => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0);
  switch (strategy) {
    case "FIFO":
      return (a, b) => byTime(a, b) || num(a, "id") - num(b, "id");
    case "LIFO":
      return (a, b) => byTime(b, a) || num(b, "id") - num(a, "id");
    default:
      return (a, b) => num(a, "priority") - num(b, "priority") || byTime(a, b) || num(a, "id") - num(b, "id");
  }
}

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
export class QueueWorker {
  readonly #db: QueueDatabase;
  readonly #handlers = new Map<string, TaskHandler>();
  readonly #id: string;
  readonly #strategy: ClaimStrategy;
  readonly #concurrency: number;
  readonly #batchSize: number;
  readonly #leaseMs: number;
  readonly #renewMs: number;
  readonly #pollMs: number;
  readonly #capabilities: string;
  readonly #backoff: Backoff;
  readonly #nonRetryable: readonly ErrorClass[];
  readonly #random: () => number;
  readonly #onEvent: (event: WorkerEvent) => void;
  readonly #taskLogs: boolean;
  readonly #log: AppLogger;
  readonly #capabilityMap: Capabilities;
  readonly #heartbeatMs: number;
  readonly #heartbeat: WorkerHeartbeat;
  readonly #reclaimStale: boolean;
  readonly #crashPolicy: Readonly<Record<string, CrashPolicy>>;
  /** Handler timeout for types without their own; 0 for none. */
  readonly #timeoutMs: number;
  /** Handler timeouts by type (from `taskTimeouts` and `register`). */
  readonly #typeTimeouts = new Map<string, number>();
  readonly #inFlight = new Set<Promise<void>>();
  #loop: Promise<void> | null = null;
  #stop = new AbortController();
  #wake: (() => void) | null = null;
  /** Handlers running right now (their slots are taken). */
  #running = 0;
  /** Outcomes waiting for the claim loop's next transaction. */
  readonly #pending: PendingOutcome[] = [];
  /** When the oldest waiting outcome arrived. */
  #pendingSince = 0;
  /** Prefetched tasks, claimed and leased, waiting for a free slot. */
  readonly #buffer: Buffered[] = [];
  /** Longest an outcome waits for company when prefetching. */
  readonly #flushMs: number;
  /**
   * True unless a subclass overrides claimTasks, completeTask or failTask: the loop then calls
   * those overrides one task at a time instead of grouping writes into its own transactions.
   */
  readonly #grouped: boolean;
  /** Registered task types, as the claim filters on them. */
  #types: readonly string[] = [];
  #stats = { claimed: 0, completed: 0, retried: 0, failed: 0, deadLettered: 0, leaseLost: 0, released: 0, errors: 0 };

  /** A worker on an open {@link QueueDatabase}; nothing runs until {@link start} or {@link processOnce}. */
  constructor(db: QueueDatabase, options: QueueWorkerOptions = {}) {
    const { handlers, nonRetryableErrors, random, onEvent, logger, ...rest } = options;
    const o = parseOptions(WorkerOptionsSchema, rest, "QueueWorker options");
    this.#db = db;
    this.#id = o.workerId ?? `worker-${globalThis.crypto.randomUUID().slice(0, 8)}`;
    this.#strategy = o.strategy ?? "PRIORITY";
    this.#concurrency = o.concurrency ?? 1;
    this.#batchSize = o.batchSize ?? this.#concurrency;
    this.#leaseMs = o.leaseMs ?? 30_000;
    this.#renewMs = o.renewIntervalMs ?? Math.max(1, Math.floor(this.#leaseMs / 3));
    if (this.#renewMs >= this.#leaseMs) {
      throw new QueueValidationError("invalid QueueWorker options", [
        `renewIntervalMs: must be shorter than leaseMs (${this.#leaseMs})`,
      ]);
    }
    this.#pollMs = o.pollIntervalMs ?? 1000;
    this.#flushMs = Math.max(1, Math.min(50, Math.floor(this.#renewMs / 2)));
    this.#capabilityMap = o.capabilities ?? {};
    this.#capabilities = JSON.stringify(this.#capabilityMap);
    this.#taskLogs = o.taskLogs ?? true;
    this.#log = logger ?? silentLogger;
    this.#heartbeatMs = o.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    const liveness = workerLivenessThresholds(this.#heartbeatMs, o.staleAfterMs ?? DEFAULT_STALE_THRESHOLD_MS, {
      heartbeat: "heartbeatIntervalMs",
      stale: "staleAfterMs",
      what: "QueueWorker options",
    });
    this.#heartbeat = new WorkerHeartbeat(db, { staleThresholdMs: liveness.staleMs, activeThresholdMs: liveness.activeMs });
    this.#timeoutMs = o.timeoutMs ?? 0;
    for (const [type, ms] of Object.entries(o.taskTimeouts ?? {})) this.#typeTimeouts.set(type, ms);
    this.#reclaimStale = o.reclaimStaleWorkers ?? true;
    this.#crashPolicy = o.crashPolicy ?? {};
    this.#backoff = { ...DEFAULT_BACKOFF, ...o.backoff };
    if (this.#backoff.maxMs < this.#backoff.baseMs) {
      throw new QueueValidationError("invalid QueueWorker options", ["backoff.maxMs: must be >= backoff.baseMs"]);
    }
    this.#nonRetryable = nonRetryableErrors ?? [];
    this.#random = random ?? Math.random;
    this.#onEvent = onEvent ?? (() => {});
    for (const [type, handler] of Object.entries(handlers ?? {})) this.register(type, handler);
    const base = QueueWorker.prototype;
    this.#grouped = this.claimTasks === base.claimTasks && this.completeTask === base.completeTask && this.failTask === base.failTask;
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
    return { ...this.#stats };
  }

  /**
   * Adds (or replaces) the handler for a task type. Only registered types are claimed.
   * `options.timeoutMs`, when given, sets this type's handler timeout (0: none).
   */
  register<P = unknown>(type: string, handler: TaskHandler<P>, options?: RegisterOptions): this {
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
   * (requeued, or failed if their attempts are spent), then one claim statement leases the tasks
   * that come first in the strategy's order. Only registered types are claimed (any type if none
   * is registered). Returned in the strategy's order.
   */
  async claimTasks(limit = 1): Promise<Task[]> {
    const claim = this.#claimPlan(limit, this.#db.clock.now());
    return claim.finish(await this.#db.batch(claim.stmts));
  }

  /** The statements of one claim, and how to read its tasks out of their results. */
  #claimPlan(limit: number, now: number): { stmts: Statement[]; finish(results: readonly ExecResult[]): Task[] } {
    if (!Number.isInteger(limit) || limit < 1) throw new QueueValidationError(`claim limit must be an integer >= 1`);
    const nowText = toSqlTime(now);
    const params: q.ClaimParams = {
      workerId: this.#id,
      now: nowText,
      leaseUntil: toSqlTime(now + this.#leaseMs),
      types: this.#types,
      capabilities: this.#capabilities,
    };
    const stmts: Statement[] = q.reclaimExpired(nowText, this.#crashPolicy);
    const claimAt: number[] = [];
    const add = (claim: Statement[]): void => {
      stmts.push(...claim);
      claimAt.push(stmts.length - 1); // the claim is the last of its statements
    };
    if (this.#strategy === "WEIGHTED_RANDOM") {
      for (let i = 0; i < limit; i++) add(q.claimWeightedRandom(params, this.#random(), this.#taskLogs));
    } else {
      add(q.claimOrdered(this.#strategy, params, limit, this.#taskLogs));
    }
    return {
      stmts,
      finish: (results) => {
        const rows = claimAt.flatMap((i) => [...results[i]!.rows]);
        // RETURNING gives rows in no promised order; weighted draws keep the order they were drawn in.
        if (this.#strategy !== "WEIGHTED_RANDOM") rows.sort(compareRowsFor(this.#strategy));
        const tasks = rows.map((row) => rowToTask(row));
        this.#stats.claimed += tasks.length;
        for (const task of tasks) {
          this.#emit({ type: "claimed", task });
          this.#log.debug("task claimed", { taskId: task.id, type: task.type, attempt: task.attempts, workerId: this.#id });
        }
        return tasks;
      },
    };
  }

  /** Extends the lease on a task this worker holds; returns the new expiry (epoch ms). */
  async renewLease(task: Task): Promise<number> {
    const now = this.#db.clock.now();
    const until = now + this.#leaseMs;
    const r = await this.#db.run(q.renewLease(this.#fence(task, now), toSqlTime(until)));
    if (r.changes === 0) throw new LeaseLostError(task.id);
    return until;
  }

  /** Marks a held task completed; {@link LeaseLostError} if the lease is no longer held. */
  async completeTask(task: Task): Promise<void> {
    await this.#writeOutcome(task, OK);
  }

  /**
   * Records a failed run of a held task: `dead_letter` for a non-retryable error, a retry after
   * the backoff while attempts remain, else `failed`. Returns the status written;
   * {@link LeaseLostError} if the lease is no longer held.
   */
  async failTask(task: Task, error: unknown): Promise<"queued" | "failed" | "dead_letter"> {
    const status = await this.#writeOutcome(task, { ok: false, error });
    return status as "queued" | "failed" | "dead_letter";
  }

  /** Writes one outcome on its own: one statement, or one batch with its log rows. */
  async #writeOutcome(task: Task, outcome: Outcome): Promise<OutcomeStatus> {
    const w = this.#outcomeWrite(task, outcome, this.#db.clock.now());
    const [r] = w.stmts.length === 1 ? [await this.#db.run(w.stmts[0]!)] : await this.#db.batch(w.stmts);
    return w.finish(r!.changes);
  }

  /**
   * The fenced write of a task's outcome with its `task_logs` rows, and what to do once it ran:
   * `finish` gets the rows the fenced UPDATE changed, throws {@link LeaseLostError} if none, and
   * otherwise logs and counts the outcome. Built at write time, so the fence checks the lease
   * against the moment of the write, not of the handler's end.
   */
  #outcomeWrite(task: Task, outcome: Outcome, now: number): OutcomeWrite {
    const fence = this.#fence(task, now);
    const logs = this.#taskLogs;
    if (outcome.ok) {
      return {
        stmts: logs
          ? [q.completeTask(fence), taskTransitionLogInsert(task.id, "processing", "completed", this.#details(task), now, IF_CHANGED)]
          : [q.completeTask(fence)],
        finish: (changes) => {
          if (changes === 0) throw new LeaseLostError(task.id);
          this.#log.info("task completed", { taskId: task.id, type: task.type, attempt: task.attempts, workerId: this.#id });
          return "completed";
        },
      };
    }
    const error = outcome.error;
    const text = describeError(error);
    let status: "queued" | "failed" | "dead_letter";
    let stmt: Statement;
    let runAfter = 0;
    if (this.#isNonRetryable(error)) {
      status = "dead_letter";
      stmt = q.finishFailed(fence, status, text);
    } else if (task.attempts < task.maxAttempts) {
      status = "queued";
      runAfter = now + backoffMs(task.attempts, this.#backoff, this.#random);
      stmt = q.retryTask(fence, toSqlTime(runAfter), text);
    } else {
      status = "failed";
      stmt = q.finishFailed(fence, status, text);
    }
    const stmts = logs
      ? [
          stmt,
          taskErrorLogInsert(task.id, error, this.#details(task), now, IF_CHANGED),
          status === "queued"
            ? taskRetryLogInsert(task.id, task.attempts, task.maxAttempts, runAfter, this.#details(task), now, IF_CHANGED)
            : taskTransitionLogInsert(task.id, "processing", status, this.#details(task), now, IF_CHANGED),
        ]
      : [stmt];
    return {
      stmts,
      finish: (changes) => {
        if (changes === 0) throw new LeaseLostError(task.id);
        const fields = { taskId: task.id, type: task.type, attempt: task.attempts, workerId: this.#id, error: text };
        if (status === "queued") this.#log.warn("task failed, retry scheduled", { ...fields, runAfter });
        else this.#log.error(status === "failed" ? "task failed, no attempts left" : "task dead-lettered", fields);
        if (status === "queued") {
          this.#stats.retried++;
          this.#emit({ type: "retried", task, error, errorMessage: text, runAfter });
        } else if (status === "failed") {
          this.#stats.failed++;
          this.#emit({ type: "failed", task, error, errorMessage: text });
        } else {
          this.#stats.deadLettered++;
          this.#emit({ type: "dead_letter", task, error, errorMessage: text });
        }
        return status;
      },
    };
  }

  /**
   * Claims up to `limit` tasks in one claim, runs their handlers concurrently to the end, and
   * returns how many it claimed. For scripts and tests that drive the worker step by step.
   */
  async processOnce(limit: number = this.#concurrency): Promise<number> {
    const tasks = await this.claimTasks(limit);
    await Promise.all(tasks.map((t) => this.#execute(t, false)));
    return tasks.length;
  }

  /** Starts the claim loop in the background. Calling it while running does nothing. */
  start(): void {
    if (this.#loop !== null) return;
    if (this.#handlers.size === 0) throw new QueueValidationError("register at least one handler before start()");
    this.#stop = new AbortController();
    this.#loop = this.#run();
  }

  /**
   * Graceful stop: claims nothing new, waits for running handlers to finish and record their
   * outcome, then resolves.
   */
  async stop(): Promise<void> {
    const loop = this.#loop;
    if (loop === null) return;
    this.#stop.abort();
    this.#wake?.();
    await loop;
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
    let errorsInARow = 0;
    let idleUntil = -Infinity; // no claim before this time unless a write goes out anyway
    // Prefetch: a claim takes a whole batch even when fewer slots are free; the rest wait here.
    const prefetch = this.#grouped && this.#batchSize > this.#concurrency;
    const beating = this.#heartbeatMs > 0 ? this.#beat(stop) : Promise.resolve();
    for (;;) {
      const stopping = stop.aborted;
      while (!stopping && this.#buffer.length > 0 && this.#running < this.#concurrency) this.#launch(this.#buffer.shift()!);
      const free = stopping ? 0 : this.#concurrency - this.#running;
      const now = this.#db.clock.now();
      const needClaim = free > 0 && this.#buffer.length === 0;
      // Without prefetch each round writes whatever has finished. With it, outcomes wait for
      // the next claim, a full batch, or flushMs, so a batch costs one transaction, not one per task.
      const pending = this.#pending.length;
      const flushDue =
        pending > 0 && (!prefetch || needClaim || stopping || pending >= this.#batchSize || now - this.#pendingSince >= this.#flushMs);
      const want = needClaim && (flushDue || now >= idleUntil) ? (prefetch ? this.#batchSize : Math.min(free, this.#batchSize)) : 0;
      const release = stopping ? this.#buffer.splice(0) : [];
      if (!flushDue && want === 0 && release.length === 0) {
        if (stopping && this.#running === 0 && pending === 0) break;
        let wait: number | null = needClaim && !stopping ? idleUntil - now : null;
        if (pending > 0 && !stopping) {
          const flushIn = this.#pendingSince + this.#flushMs - now;
          wait = wait === null ? flushIn : Math.min(wait, flushIn);
        }
        await this.#waitForWork(wait);
        continue;
      }
      const outcomes = flushDue ? this.#pending.splice(0) : [];
      let tasks: Task[];
      try {
        tasks = this.#grouped ? await this.#round(outcomes, want, now, release) : await this.claimTasks(want);
        errorsInARow = 0;
      } catch (err) {
        this.#error(err, "claim");
        errorsInARow++;
        // Back off on repeated failures (e.g. a locked or missing file) instead of spinning.
        idleUntil = this.#db.clock.now() + Math.min(30_000, Math.max(this.#pollMs, 50) * 2 ** Math.min(errorsInARow, 10));
        continue;
      }
      const claimedAt = this.#db.clock.now();
      for (const task of tasks) {
        // Claimed while stop() was called: buffered, and released back to the queue next round.
        if (this.#grouped && (stop.aborted || this.#running >= this.#concurrency)) this.#buffer.push({ task, claimedAt });
        else this.#launch({ task, claimedAt });
      }
      // Fewer than asked means the queue has nothing more runnable right now.
      if (want > 0) idleUntil = tasks.length < want ? this.#db.clock.now() + this.#pollMs : -Infinity;
    }
    await Promise.allSettled([...this.#inFlight]);
    await beating;
    if (this.#heartbeatMs > 0) {
      await this.#heartbeat.deregister(this.#id).catch((err: unknown) => this.#error(err, "deregister"));
    }
  }

  #launch(entry: Buffered): void {
    const p: Promise<void> = this.#execute(entry.task, this.#grouped, entry.claimedAt).finally(() => {
      this.#inFlight.delete(p);
      this.#wake?.(); // a slot is free (the grouped path has woken the loop already with its outcome)
    });
    this.#inFlight.add(p);
  }

  /**
   * One transaction: the queued outcome writes, then (if `want` > 0) a claim. If the
   * transaction fails, each outcome is retried on its own, so one bad write cannot hold the
   * others back, and the claim's error is thrown to the loop.
   */
  async #round(outcomes: PendingOutcome[], want: number, now: number, release: readonly Buffered[] = []): Promise<Task[]> {
    // Completions share one set-based write; failures keep their own statements (each needs its
    // error text and backoff), as does a lone completion.
    const oks = outcomes.filter((o) => o.outcome.ok);
    const many = oks.length > 1 ? this.#completeManyWrite(oks) : null;
    const singles = many === null ? outcomes : outcomes.filter((o) => !o.outcome.ok);
    const writes: OutcomeWrite[] = [];
    const live: PendingOutcome[] = [];
    for (const o of singles) {
      try {
        writes.push(this.#outcomeWrite(o.task, o.outcome, now));
        live.push(o);
      } catch (err) {
        o.reject(err);
      }
    }
    const manyStmts = many?.stmts(now) ?? [];
    const releases = release.flatMap(({ task }) => this.#releaseStatements(task, now));
    const claim = want > 0 ? this.#claimPlan(want, now) : null;
    const stmts = [...manyStmts, ...writes.flatMap((w) => w.stmts), ...releases, ...(claim?.stmts ?? [])];
    if (stmts.length === 0) return [];
    let results: readonly ExecResult[];
    try {
      results = stmts.length === 1 ? [await this.#db.run(stmts[0]!)] : await this.#db.batch(stmts);
    } catch (err) {
      for (const o of [...(many === null ? [] : oks), ...live]) this.#writeOutcome(o.task, o.outcome).then(o.resolve, o.reject);
      // Unreleased tasks stay leased to this worker and are reclaimed when the lease runs out.
      if (release.length > 0) this.#error(err, "release");
      if (claim === null) return [];
      throw err;
    }
    let at = 0;
    if (many !== null) {
      at += manyStmts.length;
      many.finish(results[at - 1]!);
    }
    for (const [i, w] of writes.entries()) {
      const o = live[i]!;
      try {
        o.resolve(w.finish(results[at]!.changes));
      } catch (err) {
        o.reject(err);
      }
      at += w.stmts.length;
    }
    if (release.length > 0) {
      this.#stats.released += release.length;
      this.#log.info("released claimed tasks that never started", { count: release.length, workerId: this.#id });
    }
    at += releases.length;
    return claim === null ? [] : claim.finish(results.slice(at));
  }

  /**
   * One write completing several held tasks, and how to settle each waiting outcome from the
   * ids its UPDATE returned: those it did not return had lost their lease.
   */
  #completeManyWrite(oks: readonly PendingOutcome[]): { stmts(now: number): Statement[]; finish(r: ExecResult): void } {
    return {
      stmts: (now) => q.completeMany(oks.map((o) => o.task), toSqlTime(now), this.#taskLogs ? this.#id : null),
      finish: (r) => {
        const done = new Set(r.rows.map((row) => Number(row["id"])));
        for (const o of oks) {
          if (done.has(o.task.id)) {
            this.#log.info("task completed", { taskId: o.task.id, type: o.task.type, attempt: o.task.attempts, workerId: this.#id });
            o.resolve("completed");
          } else {
            o.reject(new LeaseLostError(o.task.id));
          }
        }
      },
    };
  }

  /** Puts a claimed task that never started back in the queue, its attempt not counted. */
  #releaseStatements(task: Task, now: number): Statement[] {
    const stmt = q.releaseTask(this.#fence(task, now));
    if (!this.#taskLogs) return [stmt];
    const details = { ...this.#details(task), reason: "released_unstarted" };
    return [stmt, taskTransitionLogInsert(task.id, "processing", "queued", details, now, IF_CHANGED)];
  }

  /** Waits until a handler finishes, stop() is called, or `ms` pass (null: no timer). */
  async #waitForWork(ms: number | null): Promise<void> {
    const wake = new AbortController();
    this.#wake = () => wake.abort(WOKEN);
    try {
      if (ms === null) {
        await new Promise<void>((resolve) => wake.signal.addEventListener("abort", () => resolve(), { once: true }));
      } else {
        await this.#db.clock.sleep(Math.max(0, ms), wake.signal);
      }
    } catch {
      // woken before the time ran out
    } finally {
      this.#wake = null;
    }
  }

  /**
   * Registers this worker, refreshes its heartbeat until stopped, and at each beat releases the
   * tasks of workers that went stale (crashed or hung) by their type's crash policy.
   */
  async #beat(stop: AbortSignal): Promise<void> {
    for (;;) {
      try {
        await this.#heartbeat.updateHeartbeat(this.#id, this.#capabilityMap);
        if (this.#reclaimStale) {
          const n = await this.#heartbeat.reclaimStaleWorkerTasks({ policy: this.#crashPolicy });
          if (n > 0) this.#log.warn("released tasks of stale workers", { count: n, workerId: this.#id });
        }
      } catch (err) {
        this.#error(err, "heartbeat");
      }
      try {
        await this.#db.clock.sleep(this.#heartbeatMs, stop);
      } catch {
        return;
      }
    }
  }

  /**
   * Runs one claimed task's handler under lease renewal, then records its outcome: `grouped`
   * hands the write to the claim loop's next transaction, otherwise it is written at once.
   */
  async #execute(task: Task, grouped: boolean, claimedAt?: number): Promise<void> {
    // A prefetched task may have waited in the buffer: renew its lease before the handler starts.
    if (claimedAt !== undefined && this.#db.clock.now() - claimedAt >= this.#renewMs) {
      this.#running++;
      try {
        await this.renewLease(task);
      } catch (err) {
        if (err instanceof LeaseLostError) {
          this.#stats.leaseLost++;
          this.#emit({ type: "lease_lost", task, cancelled: await this.#isCancelled(task) });
        } else {
          this.#error(err, "renew", task.id);
        }
        return;
      } finally {
        this.#running--;
      }
    }
    this.#running++;
    const handler = this.#handlers.get(task.type);
    const abort = new AbortController();
    const stopRenewal = new AbortController();
    const timeoutMs = this.#typeTimeouts.get(task.type) ?? this.#timeoutMs;
    const started = this.#db.clock.now();
    // With a timeout, the renewal loop also watches the deadline and rejects `timedOut`.
    const deadline = timeoutMs > 0 ? withDeadline(started + timeoutMs, timeoutMs) : null;
    const timedOut = deadline?.timedOut ?? null;
    const renewal = this.#renewWhileRunning(task, abort, stopRenewal.signal, deadline);
    let outcome: { ok: true } | { ok: false; error: unknown };
    try {
      if (handler === undefined) throw new NonRetryableError(`no handler registered for task type "${task.type}"`);
      const result = handler(task.payload, { task, signal: abort.signal, workerId: this.#id });
      // The race subscribes to the handler's promise, so its late rejection is not unhandled.
      await (timedOut === null ? result : Promise.race([result, timedOut]));
      outcome = { ok: true };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      stopRenewal.abort(HANDLER_DONE);
      await renewal;
      this.#running--;
    }
    try {
      const status = grouped
        ? await this.#queueOutcome(task, outcome)
        : outcome.ok
          ? (await this.completeTask(task), "completed")
          : await this.failTask(task, outcome.error);
      if (status === "completed") {
        this.#stats.completed++;
        this.#emit({ type: "completed", task, durationMs: this.#db.clock.now() - started });
      }
    } catch (err) {
      if (err instanceof LeaseLostError) {
        this.#stats.leaseLost++;
        this.#log.warn("task result refused: lease no longer held", { taskId: task.id, type: task.type, workerId: this.#id });
        this.#emit({ type: "lease_lost", task, cancelled: abort.signal.reason instanceof TaskCancelledError || (await this.#isCancelled(task)) });
      } else {
        // The outcome could not be written (database down): the lease will run out and the
        // task will be claimed again, so nothing is lost.
        this.#error(err, "record-outcome", task.id);
      }
    }
  }

  /** Queues an outcome for the claim loop's next transaction and wakes the loop. */
  #queueOutcome(task: Task, outcome: Outcome): Promise<OutcomeStatus> {
    return new Promise<OutcomeStatus>((resolve, reject) => {
      if (this.#pending.length === 0) this.#pendingSince = this.#db.clock.now();
      this.#pending.push({ task, outcome, resolve, reject });
      this.#wake?.();
    });
  }

  /**
   * Renews the lease every `renewMs` while the handler runs, and aborts the handler's signal
   * when the lease is lost. With a `deadline`, the same timer also wakes at the deadline, aborts
   * the signal with a {@link TaskTimeoutError} and calls `onTimeout` (after a lost lease it
   * keeps waiting for the deadline, so a handler that ignores its signal still frees its slot).
   */
  async #renewWhileRunning(task: Task, abort: AbortController, stop: AbortSignal, deadline: Deadline | null): Promise<void> {
    const clock = this.#db.clock;
    let renewAt = clock.now() + this.#renewMs;
    let holding = true;
    for (;;) {
      const wakeAt = deadline === null ? renewAt : holding ? Math.min(renewAt, deadline.at) : deadline.at;
      try {
        await clock.sleep(wakeAt - clock.now(), stop);
      } catch {
        return;
      }
      if (deadline !== null && clock.now() >= deadline.at) {
        const err = new TaskTimeoutError(task.id, deadline.ms);
        abort.abort(err);
        deadline.onTimeout(err);
        return;
      }
      if (!holding || clock.now() < renewAt) continue;
      try {
        await this.renewLease(task);
      } catch (err) {
        if (err instanceof LeaseLostError) {
          abort.abort((await this.#isCancelled(task)) ? new TaskCancelledError(task.id) : err);
          if (deadline === null) return;
          holding = false;
          continue;
        }
        // A transient failure: keep trying while the lease may still be valid.
        this.#error(err, "renew", task.id);
      }
      renewAt = clock.now() + this.#renewMs;
    }
  }

  async #isCancelled(task: Task): Promise<boolean> {
    try {
      const r = await this.#db.run(q.selectTask(task.id));
      return r.rows[0]?.["status"] === "cancelled";
    } catch {
      return false;
    }
  }

  #isNonRetryable(error: unknown): boolean {
    if (isQueueError(error, "NON_RETRYABLE")) return true;
    return this.#nonRetryable.some((cls) => {
      try {
        return error instanceof cls;
      } catch {
        return false; // e.g. a revoked Proxy thrown by a handler
      }
    });
  }

  #details(task: Task): Record<string, unknown> {
    return { worker_id: this.#id, attempt: task.attempts, lease_token: task.leaseToken };
  }

  #fence(task: Task, now: number): q.Fence {
    return { id: task.id, leaseToken: task.leaseToken, now: toSqlTime(now) };
  }

  #error(error: unknown, phase: string, taskId?: number): void {
    this.#stats.errors++;
    const errorMessage = describeError(error);
    this.#log.error(`worker error during ${phase}`, { workerId: this.#id, taskId, error: errorMessage });
    this.#emit(taskId === undefined ? { type: "error", error, errorMessage, phase } : { type: "error", error, errorMessage, phase, taskId });
  }

  #emit(event: WorkerEvent): void {
    try {
      this.#onEvent(event);
    } catch {
      // A faulty listener must not break the worker.
    }
  }
}
