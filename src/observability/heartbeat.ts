/**
 * Worker liveness: {@link WorkerHeartbeat} keeps the `workers` table (heartbeats, capabilities),
 * finds active and stale workers, and releases the tasks a stale worker still holds.
 * {@link QueueMonitoring} is the seed's dashboard facade over it plus a few queue metrics.
 *
 * A worker is *active* while its last heartbeat is at most `activeThresholdMs` old, and *stale*
 * once it is more than `staleThresholdMs` old; in between it is neither (late, not yet given up).
 * The rule is the shared one of `./liveness.ts`; a stale threshold below the active one is refused.
 *
 * @example
 * ```ts
 * const heartbeat = new WorkerHeartbeat(db, { staleThresholdMs: 120_000 });
 * await heartbeat.updateHeartbeat("worker-1", { gpu: true });
 * // on a supervisor, every minute:
 * await heartbeat.reclaimStaleWorkerTasks({ policy: { payment: "dead_letter" } });
 * ```
 *
 * @module
 */
import { fromSqlTime, toSqlTime } from "../clock.ts";
import type { QueueDatabase } from "../database.ts";
import type { SqlValue } from "../driver.ts";
import { QueueValidationError } from "../errors.ts";
import {
  checkStaleNotBelowActive,
  livenessCutoffs,
  type LivenessThresholds,
  resolveLivenessThresholds,
  workerState,
} from "./liveness.ts";
import * as z from "zod/mini";
import { parseOptions } from "../options.ts";
import { decodeJson, encodeJsonObject } from "../dialect/json.ts";
import type { TaskStatus } from "../task.ts";
import { readOldestWaitingAgeMs, readQueuedByType, readStatusCounts } from "./queue-figures.ts";

/** A registered worker, from `workers`. */
export interface Worker {
  /** The id the worker writes to `locked_by`. */
  readonly workerId: string;
  /** Parsed JSON object; `{}` for a row whose text is not a JSON object. */
  readonly capabilities: Readonly<Record<string, unknown>>;
  /** Last heartbeat (epoch ms). */
  readonly heartbeatAt: number;
}

/** A worker with its liveness as of the clock's now. */
export interface WorkerLiveness extends Worker {
  /** Time since its last heartbeat. */
  readonly msSinceHeartbeat: number;
  /** Heartbeat at most `activeThresholdMs` old. */
  readonly isActive: boolean;
  /** Heartbeat more than `staleThresholdMs` old. */
  readonly isStale: boolean;
}

/** A worker with the tasks attributed to it (by `locked_by`, so only the last holder counts a task). */
export interface WorkerStats extends WorkerLiveness {
  /** Tasks it holds right now. */
  readonly processingTasks: number;
  /** Tasks it completed. */
  readonly completedTasks: number;
  /** Tasks it left `failed`. */
  readonly failedTasks: number;
  /** Tasks it left `dead_letter`. */
  readonly deadLetterTasks: number;
  /** completed / (completed + failed + dead_letter), or null before any task ended. */
  readonly successRate: number | null;
}

/** Number of workers in `workers`, and how many are active or stale. */
export interface WorkerTotals {
  /** Registered workers. */
  readonly total: number;
  /** Workers with a recent heartbeat. */
  readonly active: number;
  /** Workers past the stale limit. */
  readonly stale: number;
}

/**
 * Options of {@link WorkerHeartbeat} and {@link QueueMonitoring}. `staleThresholdMs` below
 * `activeThresholdMs` is refused; when only one is given the other's default is bounded by it.
 */
export interface WorkerHeartbeatOptions {
  /** Heartbeat age up to which a worker is active. @default min(60000, staleThresholdMs) */
  readonly activeThresholdMs?: number | undefined;
  /** Heartbeat age beyond which a worker is stale. @default max(300000, activeThresholdMs) */
  readonly staleThresholdMs?: number | undefined;
}

/**
 * What happens to a task whose worker went stale: `retry` puts it back in the queue (or fails it
 * if its attempts are spent), `fail` ends it `failed`, `dead_letter` ends it `dead_letter`.
 */
export const CRASH_POLICIES = ["retry", "fail", "dead_letter"] as const;
/** One of {@link CRASH_POLICIES}. */
export type CrashPolicy = (typeof CRASH_POLICIES)[number];

/** Options of {@link WorkerHeartbeat.reclaimStaleWorkerTasks}. */
export interface ReclaimOptions {
  /** Policy by task type; types not listed are retried. @default {} */
  readonly policy?: Readonly<Record<string, CrashPolicy>> | undefined;
}

/** Options of {@link WorkerHeartbeat.cleanupStaleWorkers}. */
export interface CleanupOptions {
  /** Also delete stale workers that still hold processing tasks. @default false */
  readonly force?: boolean | undefined;
}

const thresholdMs = () => z.number().check(z.gt(0), z.lte(Number.MAX_SAFE_INTEGER));
const HeartbeatOptionsSchema = z.strictObject({
  activeThresholdMs: z.optional(thresholdMs()),
  staleThresholdMs: z.optional(thresholdMs()),
});
const ReclaimOptionsSchema = z.strictObject({
  policy: z.optional(z.record(z.string().check(z.minLength(1)), z.enum(CRASH_POLICIES))),
});
const CleanupOptionsSchema = z.strictObject({ force: z.optional(z.boolean()) });

function checkWorkerId(workerId: unknown): string {
  if (typeof workerId !== "string" || workerId.length === 0 || workerId.length > 200) {
    throw new QueueValidationError("invalid worker", ["workerId: expected a string of 1 to 200 characters"]);
  }
  return workerId;
}

const THRESHOLD_KEYS = { active: "activeThresholdMs", stale: "staleThresholdMs", what: "threshold" } as const;

function checkThreshold(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new QueueValidationError("invalid threshold", [`${what}: expected a number > 0, got ${String(value)}`]);
  }
  return value;
}

function rowToWorker(row: Readonly<Record<string, SqlValue>>): Worker {
  const caps = decodeJson(row["capabilities"]);
  return {
    workerId: String(row["worker_id"]),
    capabilities: (typeof caps === "object" && caps !== null && !Array.isArray(caps) ? caps : {}) as Record<string, unknown>,
    heartbeatAt: fromSqlTime(String(row["heartbeat_utc"])),
  };
}

/**
 * Heartbeats and health of workers, and recovery from the ones that died holding tasks.
 *
 * A worker calls {@link updateHeartbeat} on a period well under `activeThresholdMs`; a
 * supervisor calls {@link reclaimStaleWorkerTasks} so a crashed worker's tasks are released
 * without waiting for their leases to run out.
 */
export class WorkerHeartbeat {
  readonly #db: QueueDatabase;
  readonly #activeMs: number;
  readonly #staleMs: number;

  /** Heartbeat tracking on an open {@link QueueDatabase}. */
  constructor(db: QueueDatabase, options: WorkerHeartbeatOptions = {}) {
    const opts = parseOptions(HeartbeatOptionsSchema, options, "WorkerHeartbeat options");
    const t = resolveLivenessThresholds(opts.activeThresholdMs, opts.staleThresholdMs, {
      active: "activeThresholdMs",
      stale: "staleThresholdMs",
      what: "WorkerHeartbeat options",
    });
    this.#db = db;
    this.#activeMs = t.activeMs;
    this.#staleMs = t.staleMs;
  }

  /** Heartbeat age up to which a worker counts as active. */
  get activeThresholdMs(): number {
    return this.#activeMs;
  }

  /** Heartbeat age beyond which a worker counts as stale. */
  get staleThresholdMs(): number {
    return this.#staleMs;
  }

  /**
   * Says "alive" for a worker, registering it if new (UPSERT) and replacing its capabilities,
   * so a worker needs no separate registration step.
   */
  async updateHeartbeat(workerId: string, capabilities: Readonly<Record<string, unknown>> = {}): Promise<void> {
    const caps = encodeJsonObject(capabilities, "capabilities");
    await this.#db.run(this.#db.dialect.observability.upsertWorker(checkWorkerId(workerId), caps, this.#nowText()));
  }

  /** Removes a worker's row when it stops, so it is neither active nor reported stale. */
  async deregister(workerId: string): Promise<boolean> {
    const r = await this.#db.run(this.#db.dialect.observability.deleteWorker(checkWorkerId(workerId)));
    return r.changes > 0;
  }

  /**
   * Refreshes only the heartbeat of a registered worker, keeping its capabilities. Returns false
   * (and registers nothing) if the worker is unknown, e.g. because cleanup removed it.
   */
  async touch(workerId: string): Promise<boolean> {
    const r = await this.#db.run(this.#db.dialect.observability.touchWorker(checkWorkerId(workerId), this.#nowText()));
    return r.changes > 0;
  }

  /**
   * Workers whose heartbeat is at most the active threshold old, most recent first: who can take
   * work. A per-call threshold above the stale threshold is refused.
   */
  async getActiveWorkers(activeThresholdMs: number = this.#activeMs): Promise<Worker[]> {
    const active = checkThreshold(activeThresholdMs, "activeThresholdMs");
    checkStaleNotBelowActive(active, this.#staleMs, THRESHOLD_KEYS);
    const r = await this.#db.run(this.#db.dialect.observability.selectWorkers({ since: this.#cutoff(active) }));
    return r.rows.map(rowToWorker);
  }

  /**
   * Workers whose heartbeat is more than the stale threshold old, most recent first: presumed
   * dead. A per-call threshold below the active threshold is refused.
   */
  async getStaleWorkers(staleThresholdMs: number = this.#staleMs): Promise<Worker[]> {
    const stale = checkThreshold(staleThresholdMs, "staleThresholdMs");
    checkStaleNotBelowActive(this.#activeMs, stale, THRESHOLD_KEYS);
    const r = await this.#db.run(this.#db.dialect.observability.selectWorkers({ before: this.#cutoff(stale) }));
    return r.rows.map(rowToWorker);
  }

  /** Every registered worker with its liveness, most recent heartbeat first, for a dashboard. */
  async getAllWorkers(): Promise<WorkerLiveness[]> {
    const r = await this.#db.run(this.#db.dialect.observability.selectWorkers());
    const now = this.#db.clock.now();
    return r.rows.map((row) => this.#activity(rowToWorker(row), now));
  }

  /** How many workers there are and how many are active or stale, without listing them. */
  async countWorkers(): Promise<WorkerTotals> {
    const c = livenessCutoffs(this.#db.clock.now(), this.#thresholds());
    const r = await this.#db.run(this.#db.dialect.observability.countWorkers(toSqlTime(c.activeSince), toSqlTime(c.staleBefore)));
    const row = r.rows[0];
    return { total: Number(row?.["total"] ?? 0), active: Number(row?.["active"] ?? 0), stale: Number(row?.["stale"] ?? 0) };
  }

  /**
   * Removes stale workers from the registry so it does not fill with dead ids. A stale worker
   * that still holds a processing task is kept (its tasks stay attributable until
   * {@link reclaimStaleWorkerTasks} releases them) unless `force`. Returns how many were removed.
   */
  async cleanupStaleWorkers(options: CleanupOptions = {}): Promise<number> {
    const opts = parseOptions(CleanupOptionsSchema, options, "cleanupStaleWorkers options");
    const r = await this.#db.run(this.#db.dialect.observability.deleteStaleWorkers(this.#cutoff(this.#staleMs), opts.force ?? false));
    return r.changes;
  }

  /** One worker's liveness and task counts, to judge its health; null if it is not registered. */
  async getWorkerStats(workerId: string): Promise<WorkerStats | null> {
    const r = await this.#db.run(this.#db.dialect.observability.selectWorkerSummaries(checkWorkerId(workerId)));
    const row = r.rows[0];
    return row === undefined ? null : this.#stats(row, this.#db.clock.now());
  }

  /** Every worker's liveness and task counts, most recent heartbeat first. */
  async getAllWorkersSummary(): Promise<WorkerStats[]> {
    const r = await this.#db.run(this.#db.dialect.observability.selectWorkerSummaries(null));
    const now = this.#db.clock.now();
    return r.rows.map((row) => this.#stats(row, now));
  }

  /**
   * Releases every processing task held by a stale worker, whatever its lease says, so a
   * crashed worker's tasks do not wait out a long lease. Per task type, `policy` says what
   * happens (see {@link CRASH_POLICIES}; unlisted types are retried: back to `queued` runnable at
   * once, attempts kept, or `failed` if no attempts are left). Each released task gets an
   * `error_message` naming the stale worker, a bumped fencing token (so the worker's late
   * complete or fail is refused even if it wakes up) and a `task_logs` row for the transition.
   * All in one transaction. Returns how many tasks were released.
   */
  async reclaimStaleWorkerTasks(options: ReclaimOptions = {}): Promise<number> {
    const opts = parseOptions(ReclaimOptionsSchema, options, "reclaimStaleWorkerTasks options");
    const stmt = this.#db.dialect.transitions.reclaimStaleWorkerTasks({
      now: this.#nowText(),
      staleBefore: this.#cutoff(this.#staleMs),
      policy: opts.policy ?? {},
    });
    return (await this.#db.run(stmt)).changes;
  }

  /** Liveness of `worker` at `now`, by this tracker's thresholds. */
  #activity(worker: Worker, now: number): WorkerLiveness {
    const age = now - worker.heartbeatAt;
    const state = workerState(age, this.#thresholds());
    return { ...worker, msSinceHeartbeat: age, isActive: state === "active", isStale: state === "stale" };
  }

  #thresholds(): LivenessThresholds {
    return { activeMs: this.#activeMs, staleMs: this.#staleMs };
  }

  #stats(row: Readonly<Record<string, SqlValue>>, now: number): WorkerStats {
    const completed = Number(row["completed"]);
    const failed = Number(row["failed"]);
    const deadLetter = Number(row["dead_letter"]);
    const ended = completed + failed + deadLetter;
    return {
      ...this.#activity(rowToWorker(row), now),
      processingTasks: Number(row["processing"]),
      completedTasks: completed,
      failedTasks: failed,
      deadLetterTasks: deadLetter,
      successRate: ended === 0 ? null : completed / ended,
    };
  }

  #nowText(): string {
    return toSqlTime(this.#db.clock.now());
  }

  #cutoff(ageMs: number): string {
    return toSqlTime(this.#db.clock.now() - ageMs);
  }
}

/** What {@link QueueMonitoring.getQueueMetrics} reports. */
export interface MonitoringMetrics {
  /** Every status, zero when none. */
  readonly queueDepthByStatus: Readonly<Record<TaskStatus, number>>;
  /** Queued tasks by type (types with none queued are absent), as `QueueMetrics` counts depth. */
  readonly queueDepthByType: Readonly<Record<string, number>>;
  /** completed / (completed + failed + dead_letter) over all tasks, or null before any ended. */
  readonly successRate: number | null;
  /** How long the longest-waiting runnable task has waited (`readOldestWaitingAgeMs`), or null when none is waiting. */
  readonly oldestQueuedTaskAgeMs: number | null;
  /** Registered workers, active and stale. */
  readonly workers: WorkerTotals;
}

/**
 * The seed's monitoring facade: worker registration and heartbeats, active and stale workers,
 * and a dashboard snapshot of the queue. Built on {@link WorkerHeartbeat}.
 */
export class QueueMonitoring {
  readonly #db: QueueDatabase;
  readonly #heartbeat: WorkerHeartbeat;

  /** Monitoring on an open {@link QueueDatabase}; the thresholds are as for {@link WorkerHeartbeat}. */
  constructor(db: QueueDatabase, options: WorkerHeartbeatOptions = {}) {
    this.#db = db;
    this.#heartbeat = new WorkerHeartbeat(db, options);
  }

  /** The heartbeat tracker underneath, for cleanup and reclaim. */
  get heartbeat(): WorkerHeartbeat {
    return this.#heartbeat;
  }

  /** Registers a worker with its capabilities (or re-registers it), with a heartbeat as of now. */
  registerWorker(workerId: string, capabilities: Readonly<Record<string, unknown>> = {}): Promise<void> {
    return this.#heartbeat.updateHeartbeat(workerId, capabilities);
  }

  /** Marks a registered worker alive; false if it is not registered, so it knows to register again. */
  updateHeartbeat(workerId: string): Promise<boolean> {
    return this.#heartbeat.touch(workerId);
  }

  /** Workers heard from within `activeThresholdMs` (default: the constructor's), most recent first. */
  getActiveWorkers(activeThresholdMs?: number): Promise<Worker[]> {
    return this.#heartbeat.getActiveWorkers(activeThresholdMs);
  }

  /** Workers silent for more than `staleThresholdMs` (default: the constructor's), most recent first. */
  getStaleWorkers(staleThresholdMs?: number): Promise<Worker[]> {
    return this.#heartbeat.getStaleWorkers(staleThresholdMs);
  }

  /** A snapshot of queue depth, outcomes, backlog age and workers, for a dashboard or an alert. */
  async getQueueMetrics(): Promise<MonitoringMetrics> {
    const counts = await readStatusCounts(this.#db);
    const types = await readQueuedByType(this.#db);
    const oldest = await readOldestWaitingAgeMs(this.#db);
    const workers = await this.#heartbeat.countWorkers();
    const depth = counts.byStatus;
    const ended = depth.completed + depth.failed + depth.dead_letter;
    return {
      queueDepthByStatus: { ...depth },
      queueDepthByType: { ...types },
      successRate: ended === 0 ? null : depth.completed / ended,
      oldestQueuedTaskAgeMs: oldest,
      workers,
    };
  }

  /** Every worker with its time since heartbeat and liveness, most recent first. */
  getWorkerActivity(): Promise<WorkerLiveness[]> {
    return this.#heartbeat.getAllWorkers();
  }
}
