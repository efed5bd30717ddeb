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
import { QueueValidationError } from "../errors.ts";
import { TASK_STATUSES, type TaskStatus } from "../task.ts";
import { resolveLivenessThresholds, workerState, type WorkerState } from "./liveness.ts";
import {
  DEFAULT_HEALTH_THRESHOLDS,
  type PrometheusOptions,
  type ProcessingTimeOptions,
  type ProcessingTimePercentiles,
  type QueueDepthByStatus,
  type QueueDepthOptions,
  type QueueHealthStatus,
  type QueueHealthSummary,
  type QueueHealthThresholds,
  type QueueMetricsOptions,
  type RetryMetrics,
  type SuccessFailureRates,
  type ThroughputMetrics,
  type WindowOptions,
  type WorkerActivity,
  type WorkerCounts,
} from "./metrics-types.ts";
import { nearestRank, num, parseCapabilities, ratio } from "./metrics-math.ts";
import { METRIC_NAME, renderPrometheus } from "./prometheus.ts";
import { readOldestWaitingAgeMs, readQueuedByType, readStatusCounts } from "./queue-figures.ts";

const HOUR_MS = 3_600_000;

export * from "./metrics-types.ts";
export { PROMETHEUS_CONTENT_TYPE } from "./prometheus.ts";

function positive(name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new QueueValidationError("invalid QueueMetrics argument", [`${name}: expected a finite number > 0`]);
  }
  return value;
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
    const r = await this.#db.run(this.#db.dialect.reads.countInStatus(status, options.type ?? null));
    return num(r.rows[0]?.["n"]);
  }

  /**
   * Task counts for every status in {@link TASK_STATUSES} (0 where none). A status outside that
   * list, written by hand, is included under its own name.
   */
  async getQueueDepthByStatus(): Promise<QueueDepthByStatus> {
    return (await readStatusCounts(this.#db)).byStatus;
  }

  /** Queued task counts by type, in type order; types with nothing queued are absent. */
  async getQueueDepthByType(): Promise<Readonly<Record<string, number>>> {
    return readQueuedByType(this.#db);
  }

  /**
   * How long, in ms, the longest-waiting runnable task has waited: `now − max(created_at_utc,
   * run_after_utc)` over `queued` tasks whose `run_after_utc` has been reached, or null when there
   * is none. A delayed task, or one backing off before a retry, is not waiting for a worker, so it
   * counts only from the moment it becomes runnable. Never negative (a row stamped ahead of this
   * clock by another process reads as 0).
   */
  async getOldestQueuedTaskAge(): Promise<number | null> {
    return readOldestWaitingAgeMs(this.#db);
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
    const r = await this.#db.run(this.#db.dialect.observability.workerActivitySince(hourAgo));
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
    const r = await this.#db.run(this.#db.dialect.observability.retryFiguresSince(since));
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
    const since = toSqlTime(this.#db.clock.now() - hours * HOUR_MS);
    const r = await this.#db.run(this.#db.dialect.observability.completedDurationsSince(since, options.type ?? null));
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

    return renderPrometheus({
      prefix,
      byStatus,
      byType,
      processing,
      workers,
      oldestMs: oldest,
      busyRetries: this.#db.busyRetryCount,
    });
  }

  #workerState(msSinceHeartbeat: number): WorkerState {
    return workerState(msSinceHeartbeat, { activeMs: this.#activeMs, staleMs: this.#staleMs });
  }

  async #workerCounts(): Promise<WorkerCounts> {
    const now = this.#db.clock.now();
    const r = await this.#db.run(this.#db.dialect.observability.workerHeartbeats());
    const counts = { total: 0, active: 0, late: 0, stale: 0 };
    for (const row of r.rows) {
      counts.total++;
      counts[this.#workerState(now - fromSqlTime(String(row["heartbeat_utc"])))]++;
    }
    return freeze(counts);
  }

  async #finishedCounts(hours: number): Promise<{ completed: number; failed: number; deadLetter: number }> {
    const since = toSqlTime(this.#db.clock.now() - hours * HOUR_MS);
    const r = await this.#db.run(this.#db.dialect.observability.countFinishedSince(since));
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
