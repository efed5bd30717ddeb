/**
 * The option and result types of `QueueMetrics`, and its default health thresholds.
 *
 * @module
 */
import type { TaskStatus } from "../task.ts";
import type { WorkerState } from "./liveness.ts";

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
  unhealthyOldestQueuedAgeMs: 3_600_000,
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
  /** Hours back from now the figures cover. */
  readonly windowHours: number;
  /** Tasks that ended `completed`. */
  readonly completed: number;
  /** Tasks that ended `failed`. */
  readonly failed: number;
  /** Tasks that ended `dead_letter`. */
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
  /** The id the worker writes to `locked_by`. */
  readonly workerId: string;
  /** The registered capabilities (parsed JSON; `{}` if the stored text is not a JSON object). */
  readonly capabilities: Readonly<Record<string, unknown>>;
  /** Last heartbeat, epoch ms. */
  readonly heartbeatAt: number;
  /** Time since the last heartbeat. */
  readonly msSinceHeartbeat: number;
  /** Active, late or stale, by the heartbeat's age. */
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
  /** Hours back from now the figures cover. */
  readonly windowHours: number;
  /** Tasks that ended `completed`. */
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
  /** Hours back from now the figures cover. */
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
  /** Hours back from now the figures cover. */
  readonly windowHours: number;
  /** Completed tasks measured. */
  readonly count: number;
  /** Total processing time of those tasks. */
  readonly sumMs: number;
  /** Shortest processing time. */
  readonly minMs: number | null;
  /** Longest processing time. */
  readonly maxMs: number | null;
  /** Mean processing time. */
  readonly meanMs: number | null;
  /** Median processing time. */
  readonly p50Ms: number | null;
  /** 90th percentile processing time. */
  readonly p90Ms: number | null;
  /** 95th percentile processing time. */
  readonly p95Ms: number | null;
  /** 99th percentile processing time. */
  readonly p99Ms: number | null;
}

/** Verdict of {@link QueueMetrics.getQueueHealthSummary}. */
export type QueueHealthStatus = "healthy" | "degraded" | "unhealthy";

/** Worker counts by heartbeat age. */
export interface WorkerCounts {
  /** Registered workers. */
  readonly total: number;
  /** Workers whose heartbeat is recent. */
  readonly active: number;
  /** Workers whose heartbeat is overdue but not yet stale. */
  readonly late: number;
  /** Workers past the stale limit: their tasks may be reclaimed. */
  readonly stale: number;
}

/** The dashboard object of {@link QueueMetrics.getQueueHealthSummary}. */
export interface QueueHealthSummary {
  /** Healthy, degraded or unhealthy, from the thresholds crossed. */
  readonly status: QueueHealthStatus;
  /** One line per threshold crossed; empty when healthy. */
  readonly reasons: readonly string[];
  /** When the figures were taken (clock time, epoch ms). */
  readonly generatedAt: number;
  /** Tasks in `queued`. */
  readonly queueDepth: number;
  /** Task counts per status. */
  readonly depthByStatus: QueueDepthByStatus;
  /** How long the oldest runnable queued task has waited, or null when none waits. */
  readonly oldestQueuedTaskAgeMs: number | null;
  /** Outcomes over the last 24 hours. */
  readonly successFailureRates24h: SuccessFailureRates;
  /** Finished tasks over the last hour. */
  readonly throughput1h: ThroughputMetrics;
  /** Workers by heartbeat age. */
  readonly workers: WorkerCounts;
}
