/**
 * `QueueMetrics`: read-only figures about a queue (depths, ages, rates, throughput, retries,
 * processing-time percentiles, worker activity), a dashboard summary with a health verdict, and
 * the Prometheus text exposition of the same.
 *
 * Every time window is measured from the database's injected clock (`db.clock.now()`), passed to
 * SQL as a parameter; nothing asks SQLite for "now". Durations and ages are computed in
 * JavaScript from the stored timestamps, so they are exact to the millisecond.
 *
 * @module
 */
import { fromSqlTime, toSqlTime } from "../clock.ts";
import type { QueueDatabase } from "../database.ts";
import type { SqlValue } from "../driver.ts";
import { QueueValidationError } from "../errors.ts";
import { TASK_STATUSES, type TaskStatus } from "../task.ts";
import { resolveLivenessThresholds, workerState, type WorkerState } from "./liveness.ts";

const HOUR_MS = 3_600_000;

/** Thresholds of {@link QueueMetrics.getQueueHealthSummary}; see there for how they are applied. */
export interface QueueHealthThresholds {
  /** Failure rate over the last 24 h above which the queue is `degraded`. @default 0.05 */
  readonly degradedFailureRate: number;
  /** Failure rate over the last 24 h above which the queue is `unhealthy`. @default 0.25 */
  readonly unhealthyFailureRate: number;
  /** Wait of the longest-waiting runnable task above which the queue is `degraded`. @default 300000 */
  readonly degradedOldestQueuedAgeMs: number;
  /** Wait of the longest-waiting runnable task above which the queue is `unhealthy`. @default 3600000 */
  readonly unhealthyOldestQueuedAgeMs: number;
}

/** The health thresholds used when {@link QueueMetricsOptions.healthThresholds} leaves one out. */
export const DEFAULT_HEALTH_THRESHOLDS: QueueHealthThresholds = Object.freeze({
  degradedFailureRate: 0.05,
  unhealthyFailureRate: 0.25,
  degradedOldestQueuedAgeMs: 5 * 60_000,
  unhealthyOldestQueuedAgeMs: HOUR_MS,
});

/** Options of {@link QueueMetrics}. */
export interface QueueMetricsOptions {
  /**
   * A worker whose last heartbeat is at most this old counts as active.
   * @default 60000
   */
  readonly activeWorkerThresholdMs?: number | undefined;
  /**
   * A worker whose last heartbeat is older than this counts as stale. Must be at least
   * `activeWorkerThresholdMs`; a worker in between is `late` (neither active nor stale).
   * @default 300000
   */
  readonly staleWorkerThresholdMs?: number | undefined;
  /** Overrides some of {@link DEFAULT_HEALTH_THRESHOLDS}. */
  readonly healthThresholds?: Partial<QueueHealthThresholds> | undefined;
}

/** Options of the windowed figures: the window reaches back this many hours from now. */
export interface WindowOptions {
  /** Window length in hours (fractions allowed); must be positive. */
  readonly hours?: number | undefined;
}

/** Options of {@link QueueMetrics.getProcessingTimePercentiles}. */
export interface ProcessingTimeOptions extends WindowOptions {
  /** Only tasks of this type. @default every type */
  readonly type?: string | undefined;
}

/** Options of {@link QueueMetrics.getQueueDepth}. */
export interface QueueDepthOptions {
  /** Only tasks of this type. @default every type */
  readonly type?: string | undefined;
  /** Only tasks in this status. @default "queued" */
  readonly status?: TaskStatus | undefined;
}

/** Options of {@link QueueMetrics.toPrometheus}. */
export interface PrometheusOptions {
  /** Prefix of every metric name; must itself be a valid metric name. @default "prismq_queue" */
  readonly prefix?: string | undefined;
}

/** Task counts by status: every {@link TASK_STATUSES} key, 0 when no task has it. */
export type QueueDepthByStatus = Readonly<Record<TaskStatus, number>>;

/** Outcomes of the tasks that finished in a window. */
export interface SuccessFailureRates {
  readonly windowHours: number;
  readonly completed: number;
  readonly failed: number;
  readonly deadLetter: number;
  /** `completed + failed + deadLetter` (cancelled tasks are not counted). */
  readonly total: number;
  /** `completed / total`, or null when nothing finished. */
  readonly successRate: number | null;
  /** `(failed + deadLetter) / total`, or null when nothing finished. */
  readonly failureRate: number | null;
}

/** How recently a worker sent a heartbeat, by the thresholds of {@link QueueMetricsOptions}. */
export type { WorkerState } from "./liveness.ts";

/** One row of {@link QueueMetrics.getWorkerActivity}. */
export interface WorkerActivity {
  readonly workerId: string;
  /** The registered capabilities (parsed JSON; `{}` if the stored text is not a JSON object). */
  readonly capabilities: Readonly<Record<string, unknown>>;
  /** Last heartbeat, epoch ms. */
  readonly heartbeatAt: number;
  readonly msSinceHeartbeat: number;
  readonly state: WorkerState;
  /** Tasks in `processing` whose lease this worker holds. */
  readonly processingTasks: number;
  /** Tasks this worker completed in the last hour. */
  readonly completedLastHour: number;
  /** Tasks this worker ended as `failed` or `dead_letter` in the last hour (retries not counted). */
  readonly failedLastHour: number;
}

/** Finished tasks per unit of time over a window. */
export interface ThroughputMetrics {
  readonly windowHours: number;
  readonly completed: number;
  /** Ended `failed` or `dead_letter`. */
  readonly failed: number;
  /** `completed + failed`. */
  readonly total: number;
  /** `total` per minute of the window. */
  readonly tasksPerMinute: number;
  /** `total` per second of the window. */
  readonly tasksPerSecond: number;
}

/** Retry figures over the tasks created in a window. */
export interface RetryMetrics {
  readonly windowHours: number;
  /** Tasks created in the window, any status. */
  readonly totalTasks: number;
  /** Tasks claimed more than once (`attempts > 1`). */
  readonly retriedTasks: number;
  /** `retriedTasks / totalTasks`, or null when no task was created. */
  readonly retryRate: number | null;
  /** Mean `attempts` over the tasks claimed at least once, or null when none was. */
  readonly averageAttempts: number | null;
  /** Retried tasks that ended `completed`. */
  readonly retriedThenCompleted: number;
  /** Tasks that ended `failed` with every attempt spent (`attempts >= max_attempts`). */
  readonly exhausted: number;
}

/** Processing-time distribution, in milliseconds; every figure null when `count` is 0. */
export interface ProcessingTimePercentiles {
  readonly windowHours: number;
  readonly count: number;
  readonly sumMs: number;
  readonly minMs: number | null;
  readonly maxMs: number | null;
  readonly meanMs: number | null;
  readonly p50Ms: number | null;
  readonly p90Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
}

/** Verdict of {@link QueueMetrics.getQueueHealthSummary}. */
export type QueueHealthStatus = "healthy" | "degraded" | "unhealthy";

/** Worker counts by heartbeat age. */
export interface WorkerCounts {
  readonly total: number;
  readonly active: number;
  readonly late: number;
  readonly stale: number;
}

/** The dashboard object of {@link QueueMetrics.getQueueHealthSummary}. */
export interface QueueHealthSummary {
  readonly status: QueueHealthStatus;
  /** One line per threshold crossed; empty when healthy. */
  readonly reasons: readonly string[];
  /** When the figures were taken (clock time, epoch ms). */
  readonly generatedAt: number;
  /** Tasks in `queued`. */
  readonly queueDepth: number;
  readonly depthByStatus: QueueDepthByStatus;
  readonly oldestQueuedTaskAgeMs: number | null;
  readonly successFailureRates24h: SuccessFailureRates;
  readonly throughput1h: ThroughputMetrics;
  readonly workers: WorkerCounts;
}

/** The `Content-Type` a `/metrics` endpoint serving {@link QueueMetrics.toPrometheus} should send. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** The quantiles of the Prometheus summary, as rank percentages and as label text. */
const QUANTILES: readonly (readonly [percent: number, label: string])[] = [
  [50, "0.5"],
  [90, "0.9"],
  [95, "0.95"],
  [99, "0.99"],
];

function num(v: SqlValue | undefined): number {
  return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : Number(v ?? 0);
}

function positive(name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new QueueValidationError("invalid QueueMetrics argument", [`${name}: expected a finite number > 0`]);
  }
  return value;
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

/**
 * The nearest-rank percentile of an ascending, non-empty array: the value at 1-based rank
 * `ceil(percent / 100 × n)`. `percent` is an integer, so `percent × n / 100` is exact whenever
 * it is a whole number and the ceiling never rounds the wrong way.
 */
function nearestRank(sorted: readonly number[], percent: number): number {
  const rank = Math.max(1, Math.ceil((percent * sorted.length) / 100));
  return sorted[rank - 1]!;
}

function parseCapabilities(text: SqlValue | undefined): Readonly<Record<string, unknown>> {
  try {
    const v: unknown = JSON.parse(String(text ?? "{}"));
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    // A hand-written, non-JSON capabilities value is reported as no capabilities, not refused.
    return {};
  }
}

/** Escapes a label value for the text format: backslash, double quote and line feed. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Escapes `# HELP` text: backslash and line feed (a quote needs no escape there). */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** Formats a sample value as Go's `ParseFloat` reads it (`NaN`, `+Inf`, `-Inf`, decimal or exponent). */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

function freeze<T extends object>(o: T): T {
  return Object.freeze(o);
}

/**
 * Read-only metrics over a queue database, as seed 002's `QueueMetrics` names them.
 *
 * Each method runs one or a few SELECTs; the figures of one call to
 * {@link QueueMetrics.getQueueHealthSummary} or {@link QueueMetrics.toPrometheus} come from
 * several statements and are not one snapshot (a read transaction would need `BEGIN IMMEDIATE`,
 * which would hold the write lock against the workers for the whole scrape).
 *
 * Windows (`hours`) reach back from `db.clock.now()` and include their start: a task finished
 * exactly `hours` ago is inside. Timestamps are compared as the stored UTC text, which orders
 * correctly for this library's millisecond form and, to the second, for SQLite's own
 * `datetime('now')` form that the seeds' SQL writes.
 *
 * @example
 * ```ts
 * import { QueueMetrics } from "@prismq/queue";
 * const metrics = new QueueMetrics(db);
 * const health = await metrics.getQueueHealthSummary();
 * console.log(health.status, health.queueDepth, health.successFailureRates24h.successRate);
 * // in an HTTP handler: respond with PROMETHEUS_CONTENT_TYPE and
 * const body = await metrics.toPrometheus();
 * ```
 */
export class QueueMetrics {
  readonly #db: QueueDatabase;
  readonly #activeMs: number;
  readonly #staleMs: number;
  readonly #health: QueueHealthThresholds;

  /** Reads from `db`; the options set the worker heartbeat thresholds and the health thresholds. */
  constructor(db: QueueDatabase, options: QueueMetricsOptions = {}) {
    this.#db = db;
    const t = resolveLivenessThresholds(options.activeWorkerThresholdMs, options.staleWorkerThresholdMs, {
      active: "activeWorkerThresholdMs",
      stale: "staleWorkerThresholdMs",
      what: "QueueMetrics options",
    });
    this.#activeMs = t.activeMs;
    this.#staleMs = t.staleMs;
    const h = { ...DEFAULT_HEALTH_THRESHOLDS };
    for (const [key, value] of Object.entries(options.healthThresholds ?? {})) {
      if (value === undefined) continue;
      if (!(key in DEFAULT_HEALTH_THRESHOLDS)) {
        throw new QueueValidationError("invalid QueueMetrics options", [`healthThresholds.${key}: unknown threshold`]);
      }
      (h as Record<string, number>)[key] = positive(`healthThresholds.${key}`, value);
    }
    if (h.unhealthyFailureRate < h.degradedFailureRate || h.unhealthyOldestQueuedAgeMs < h.degradedOldestQueuedAgeMs) {
      throw new QueueValidationError("invalid QueueMetrics options", [
        "healthThresholds: each unhealthy threshold must be >= its degraded one",
      ]);
    }
    this.#health = freeze(h);
  }

  /** Number of tasks in `status` (default `queued`), optionally of one `type`. */
  async getQueueDepth(options: QueueDepthOptions = {}): Promise<number> {
    const status = options.status ?? "queued";
    if (!(TASK_STATUSES as readonly string[]).includes(status)) {
      throw new QueueValidationError("invalid QueueMetrics argument", [
        `status: expected one of ${TASK_STATUSES.join(", ")}`,
      ]);
    }
    const params: SqlValue[] = [status];
    let where = "status = ?";
    if (options.type !== undefined) {
      where += " AND type = ?";
      params.push(options.type);
    }
    const r = await this.#db.execute(`SELECT COUNT(*) AS n FROM task_queue WHERE ${where}`, params);
    return num(r.rows[0]?.["n"]);
  }

  /**
   * Task counts for every status in {@link TASK_STATUSES} (0 where none). A status outside that
   * list, written by hand, is included under its own name.
   */
  async getQueueDepthByStatus(): Promise<QueueDepthByStatus> {
    const r = await this.#db.execute("SELECT status, COUNT(*) AS n FROM task_queue GROUP BY status");
    const out: Record<string, number> = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0]));
    for (const row of r.rows) out[String(row["status"])] = num(row["n"]);
    return freeze(out as Record<TaskStatus, number>);
  }

  /** Queued task counts by type, in type order; types with nothing queued are absent. */
  async getQueueDepthByType(): Promise<Readonly<Record<string, number>>> {
    const r = await this.#db.execute(
      "SELECT type, COUNT(*) AS n FROM task_queue WHERE status = 'queued' GROUP BY type ORDER BY type",
    );
    // fromEntries defines own properties, so a type named "__proto__" is a key like any other.
    return freeze(Object.fromEntries(r.rows.map((row) => [String(row["type"]), num(row["n"])])));
  }

  /**
   * How long, in ms, the longest-waiting runnable task has waited: `now − max(created_at_utc,
   * run_after_utc)` over `queued` tasks whose `run_after_utc` has been reached, or null when there
   * is none. A delayed task, or one backing off before a retry, is not waiting for a worker, so it
   * counts only from the moment it becomes runnable. Never negative (a row stamped ahead of this
   * clock by another process reads as 0).
   */
  async getOldestQueuedTaskAge(): Promise<number | null> {
    const now = this.#db.clock.now();
    const r = await this.#db.execute(
      "SELECT MIN(MAX(created_at_utc, run_after_utc)) AS since FROM task_queue WHERE status = 'queued' AND run_after_utc <= ?",
      [toSqlTime(now)],
    );
    const since = r.rows[0]?.["since"];
    if (since === null || since === undefined) return null;
    const at = fromSqlTime(String(since));
    return Number.isNaN(at) ? null : Math.max(0, now - at);
  }

  /**
   * Outcomes of the tasks whose `finished_at_utc` falls in the last `hours` (default 24):
   * completed, failed and dead-lettered counts and the success and failure rates (fractions of
   * their total, null when nothing finished). Cancelled tasks are left out.
   */
  async getSuccessFailureRates(options: WindowOptions = {}): Promise<SuccessFailureRates> {
    const hours = positive("hours", options.hours ?? 24);
    const c = await this.#finishedCounts(hours);
    const total = c.completed + c.failed + c.deadLetter;
    return freeze({
      windowHours: hours,
      completed: c.completed,
      failed: c.failed,
      deadLetter: c.deadLetter,
      total,
      successRate: ratio(c.completed, total),
      failureRate: ratio(c.failed + c.deadLetter, total),
    });
  }

  /**
   * Every worker in `workers`, most recent heartbeat first: its heartbeat age and
   * {@link WorkerState}, the `processing` tasks it holds, and the tasks it completed or ended as
   * failed in the last hour (a task's `locked_by` keeps its last holder after it finishes).
   */
  async getWorkerActivity(): Promise<readonly WorkerActivity[]> {
    const now = this.#db.clock.now();
    const hourAgo = toSqlTime(now - HOUR_MS);
    // One pass over task_queue grouped by holder, joined to the (small) workers table.
    const r = await this.#db.execute(
      `SELECT w.worker_id, w.capabilities, w.heartbeat_utc,
              COALESCE(t.processing, 0) AS processing,
              COALESCE(t.completed, 0) AS completed,
              COALESCE(t.failed, 0) AS failed
       FROM workers w
       LEFT JOIN (
         SELECT locked_by,
                SUM(status = 'processing') AS processing,
                SUM(status = 'completed' AND finished_at_utc >= ?) AS completed,
                SUM(status IN ('failed', 'dead_letter') AND finished_at_utc >= ?) AS failed
         FROM task_queue WHERE locked_by IS NOT NULL GROUP BY locked_by
       ) t ON t.locked_by = w.worker_id`,
      [hourAgo, hourAgo],
    );
    const out = r.rows.map((row): WorkerActivity => {
      const heartbeatAt = fromSqlTime(String(row["heartbeat_utc"]));
      const msSinceHeartbeat = now - heartbeatAt;
      return freeze({
        workerId: String(row["worker_id"]),
        capabilities: freeze(parseCapabilities(row["capabilities"])),
        heartbeatAt,
        msSinceHeartbeat,
        state: this.#workerState(msSinceHeartbeat),
        processingTasks: num(row["processing"]),
        completedLastHour: num(row["completed"]),
        failedLastHour: num(row["failed"]),
      });
    });
    out.sort((a, b) => b.heartbeatAt - a.heartbeatAt || (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0));
    return freeze(out);
  }

  /**
   * Tasks finished in the last `hours` (default 1), completed and failed (including
   * dead-lettered), and their sum per minute and per second of the window.
   */
  async getThroughputMetrics(options: WindowOptions = {}): Promise<ThroughputMetrics> {
    const hours = positive("hours", options.hours ?? 1);
    const c = await this.#finishedCounts(hours);
    const failed = c.failed + c.deadLetter;
    const total = c.completed + failed;
    return freeze({
      windowHours: hours,
      completed: c.completed,
      failed,
      total,
      tasksPerMinute: total / (hours * 60),
      tasksPerSecond: total / (hours * 3600),
    });
  }

  /**
   * Retry figures over the tasks created in the last `hours` (default 24): how many were claimed
   * more than once, the mean attempts of those claimed at least once, how many retried tasks
   * completed, and how many ended `failed` with every attempt spent.
   */
  async getRetryMetrics(options: WindowOptions = {}): Promise<RetryMetrics> {
    const hours = positive("hours", options.hours ?? 24);
    const since = toSqlTime(this.#db.clock.now() - hours * HOUR_MS);
    const r = await this.#db.execute(
      `SELECT COUNT(*) AS total,
              SUM(attempts > 1) AS retried,
              SUM(attempts >= 1) AS ran,
              SUM(CASE WHEN attempts >= 1 THEN attempts ELSE 0 END) AS attempts_sum,
              SUM(status = 'completed' AND attempts > 1) AS retried_completed,
              SUM(status = 'failed' AND attempts >= max_attempts) AS exhausted
       FROM task_queue WHERE created_at_utc >= ?`,
      [since],
    );
    const row = r.rows[0] ?? {};
    const total = num(row["total"]);
    const retried = num(row["retried"]);
    return freeze({
      windowHours: hours,
      totalTasks: total,
      retriedTasks: retried,
      retryRate: ratio(retried, total),
      averageAttempts: ratio(num(row["attempts_sum"]), num(row["ran"])),
      retriedThenCompleted: num(row["retried_completed"]),
      exhausted: num(row["exhausted"]),
    });
  }

  /**
   * Processing-time distribution of the tasks completed in the last `hours` (default 24),
   * optionally of one `type`. A task's processing time is `finished_at_utc −
   * processing_started_utc`, i.e. its last (successful) attempt; earlier failed attempts are not
   * included. A negative difference (timestamps from two processes whose clocks disagree) counts
   * as 0.
   *
   * Percentiles use the **nearest-rank** method: with the n durations sorted ascending, the p-th
   * percentile is the value at 1-based rank `ceil(p/100 × n)`. It is always one of the observed
   * durations (no interpolation), e.g. for 10 values p50 is the 5th and p90 the 9th.
   */
  async getProcessingTimePercentiles(options: ProcessingTimeOptions = {}): Promise<ProcessingTimePercentiles> {
    const hours = positive("hours", options.hours ?? 24);
    const params: SqlValue[] = [toSqlTime(this.#db.clock.now() - hours * HOUR_MS)];
    let typeFilter = "";
    if (options.type !== undefined) {
      typeFilter = " AND type = ?";
      params.push(options.type);
    }
    const r = await this.#db.execute(
      `SELECT processing_started_utc AS started, finished_at_utc AS finished FROM task_queue
       WHERE status = 'completed' AND finished_at_utc >= ? AND processing_started_utc IS NOT NULL${typeFilter}`,
      params,
    );
    const durations: number[] = [];
    for (const row of r.rows) {
      const d = fromSqlTime(String(row["finished"])) - fromSqlTime(String(row["started"]));
      if (!Number.isNaN(d)) durations.push(Math.max(0, d));
    }
    durations.sort((a, b) => a - b);
    const n = durations.length;
    const sumMs = durations.reduce((s, d) => s + d, 0);
    const pick = (percent: number): number | null => (n === 0 ? null : nearestRank(durations, percent));
    return freeze({
      windowHours: hours,
      count: n,
      sumMs,
      minMs: n === 0 ? null : durations[0]!,
      maxMs: n === 0 ? null : durations[n - 1]!,
      meanMs: n === 0 ? null : sumMs / n,
      p50Ms: pick(50),
      p90Ms: pick(90),
      p95Ms: pick(95),
      p99Ms: pick(99),
    });
  }

  /**
   * A dashboard object: depths, the oldest runnable task's wait, 24 h success/failure rates,
   * 1 h throughput, worker counts, and a verdict.
   *
   * The verdict is the worst that applies (thresholds from {@link DEFAULT_HEALTH_THRESHOLDS}
   * unless overridden):
   * - `unhealthy` when the 24 h failure rate is above 0.25, or the oldest runnable task has
   *   waited more than 1 h, or tasks are queued while workers are registered and none is active;
   * - `degraded` when the 24 h failure rate is above 0.05, or the oldest runnable task has waited
   *   more than 5 min, or any registered worker is stale;
   * - `healthy` otherwise. With no rows in `workers` (heartbeats not in use) the worker rules do
   *   not apply. Every comparison is strict: a value exactly at a threshold does not cross it.
   */
  async getQueueHealthSummary(): Promise<QueueHealthSummary> {
    const generatedAt = this.#db.clock.now();
    const depthByStatus = await this.getQueueDepthByStatus();
    const oldest = await this.getOldestQueuedTaskAge();
    const rates = await this.getSuccessFailureRates({ hours: 24 });
    const throughput = await this.getThroughputMetrics({ hours: 1 });
    const workers = await this.#workerCounts();
    const t = this.#health;

    const unhealthy: string[] = [];
    const degraded: string[] = [];
    const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
    if (rates.failureRate !== null && rates.failureRate > t.unhealthyFailureRate) {
      unhealthy.push(`24 h failure rate ${pct(rates.failureRate)} is above ${pct(t.unhealthyFailureRate)}`);
    } else if (rates.failureRate !== null && rates.failureRate > t.degradedFailureRate) {
      degraded.push(`24 h failure rate ${pct(rates.failureRate)} is above ${pct(t.degradedFailureRate)}`);
    }
    if (oldest !== null && oldest > t.unhealthyOldestQueuedAgeMs) {
      unhealthy.push(`oldest runnable task has waited ${oldest} ms, above ${t.unhealthyOldestQueuedAgeMs} ms`);
    } else if (oldest !== null && oldest > t.degradedOldestQueuedAgeMs) {
      degraded.push(`oldest runnable task has waited ${oldest} ms, above ${t.degradedOldestQueuedAgeMs} ms`);
    }
    if (depthByStatus.queued > 0 && workers.total > 0 && workers.active === 0) {
      unhealthy.push(`${depthByStatus.queued} tasks queued and none of ${workers.total} registered workers is active`);
    }
    if (workers.stale > 0) degraded.push(`${workers.stale} stale workers`);

    const status: QueueHealthStatus = unhealthy.length > 0 ? "unhealthy" : degraded.length > 0 ? "degraded" : "healthy";
    return freeze({
      status,
      reasons: freeze([...unhealthy, ...degraded]),
      generatedAt,
      queueDepth: depthByStatus.queued,
      depthByStatus,
      oldestQueuedTaskAgeMs: oldest,
      successFailureRates24h: rates,
      throughput1h: throughput,
      workers,
    });
  }

  /**
   * The metrics in the Prometheus text exposition format, version 0.0.4, ready to serve with
   * {@link PROMETHEUS_CONTENT_TYPE}. Families, with `prefix` (default `prismq_queue`):
   *
   * - `<prefix>_tasks{status}` gauge: tasks per status, every status listed;
   * - `<prefix>_queued_tasks{type}` gauge: queued tasks per type;
   * - `<prefix>_completed_total`, `_failed_total`, `_dead_letter_total` counters: tasks now in
   *   that status. They drop when old tasks are purged or a failed task is requeued; Prometheus
   *   reads a drop as a counter reset, so `rate()` over such a moment overstates;
   * - `<prefix>_processing_seconds` summary: quantiles 0.5/0.9/0.95/0.99 (nearest rank, `NaN`
   *   when empty), `_sum` and `_count` over the tasks completed in the last 24 h (a sliding
   *   window, not cumulative);
   * - `<prefix>_busy_retries_total` counter: {@link QueueDatabase.busyRetryCount} of this
   *   connection (resets with the process);
   * - `<prefix>_workers{state}` gauge: workers `active` and `stale` by heartbeat age;
   * - `<prefix>_oldest_queued_task_age_seconds` gauge: see
   *   {@link QueueMetrics.getOldestQueuedTaskAge}; 0 when nothing is waiting.
   *
   * Label values are escaped (backslash, double quote, line feed); times are in seconds.
   */
  async toPrometheus(options: PrometheusOptions = {}): Promise<string> {
    const prefix = options.prefix ?? "prismq_queue";
    if (typeof prefix !== "string" || !METRIC_NAME.test(prefix)) {
      throw new QueueValidationError("invalid QueueMetrics argument", [
        "prefix: expected a metric name matching [a-zA-Z_:][a-zA-Z0-9_:]*",
      ]);
    }
    const byStatus = await this.getQueueDepthByStatus();
    const byType = await this.getQueueDepthByType();
    const processing = await this.getProcessingTimePercentiles({ hours: 24 });
    const workers = await this.#workerCounts();
    const oldest = await this.getOldestQueuedTaskAge();

    const lines: string[] = [];
    const family = (name: string, type: "gauge" | "counter" | "summary", help: string): string => {
      const full = `${prefix}_${name}`;
      lines.push(`# HELP ${full} ${escapeHelp(help)}`, `# TYPE ${full} ${type}`);
      return full;
    };
    const sample = (name: string, labels: Readonly<Record<string, string>>, value: number): void => {
      const entries = Object.entries(labels);
      const text =
        entries.length === 0 ? "" : `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
      lines.push(`${name}${text} ${formatValue(value)}`);
    };

    const tasks = family("tasks", "gauge", "Tasks in the queue table by status.");
    for (const [status, n] of Object.entries(byStatus)) sample(tasks, { status }, n);

    const queued = family("queued_tasks", "gauge", "Queued tasks by type.");
    for (const [type, n] of Object.entries(byType)) sample(queued, { type }, n);

    for (const [status, name] of [
      ["completed", "completed_total"],
      ["failed", "failed_total"],
      ["dead_letter", "dead_letter_total"],
    ] as const) {
      const full = family(name, "counter", `Tasks in status ${status} (rows now in the table).`);
      sample(full, {}, byStatus[status]);
    }

    const proc = family(
      "processing_seconds",
      "summary",
      "Processing time of tasks completed in the last 24 hours (nearest-rank quantiles).",
    );
    const quantileMs = [processing.p50Ms, processing.p90Ms, processing.p95Ms, processing.p99Ms];
    QUANTILES.forEach(([, label], i) => {
      const ms = quantileMs[i];
      sample(proc, { quantile: label }, ms === null || ms === undefined ? Number.NaN : ms / 1000);
    });
    sample(`${proc}_sum`, {}, processing.sumMs / 1000);
    sample(`${proc}_count`, {}, processing.count);

    const busy = family("busy_retries_total", "counter", "Busy retries spent by this database connection.");
    sample(busy, {}, this.#db.busyRetryCount);

    const w = family("workers", "gauge", "Registered workers by heartbeat state.");
    sample(w, { state: "active" }, workers.active);
    sample(w, { state: "stale" }, workers.stale);

    const age = family(
      "oldest_queued_task_age_seconds",
      "gauge",
      "How long the longest-waiting runnable queued task has waited.",
    );
    sample(age, {}, (oldest ?? 0) / 1000);

    return `${lines.join("\n")}\n`;
  }

  #workerState(msSinceHeartbeat: number): WorkerState {
    return workerState(msSinceHeartbeat, { activeMs: this.#activeMs, staleMs: this.#staleMs });
  }

  async #workerCounts(): Promise<WorkerCounts> {
    const now = this.#db.clock.now();
    const r = await this.#db.execute("SELECT heartbeat_utc FROM workers");
    const counts = { total: 0, active: 0, late: 0, stale: 0 };
    for (const row of r.rows) {
      counts.total++;
      counts[this.#workerState(now - fromSqlTime(String(row["heartbeat_utc"])))]++;
    }
    return freeze(counts);
  }

  async #finishedCounts(hours: number): Promise<{ completed: number; failed: number; deadLetter: number }> {
    const since = toSqlTime(this.#db.clock.now() - hours * HOUR_MS);
    const r = await this.#db.execute(
      `SELECT status, COUNT(*) AS n FROM task_queue
       WHERE status IN ('completed', 'failed', 'dead_letter') AND finished_at_utc >= ? GROUP BY status`,
      [since],
    );
    const c = { completed: 0, failed: 0, deadLetter: 0 };
    for (const row of r.rows) {
      const s = String(row["status"]);
      if (s === "completed") c.completed = num(row["n"]);
      else if (s === "failed") c.failed = num(row["n"]);
      else c.deadLetter = num(row["n"]);
    }
    return c;
  }
}
