/**
 * Read-only statements behind `QueueMetrics`: outcomes in a window, retry figures, processing
 * durations and per-worker activity. Times are compared as stored UTC text.
 *
 * @internal
 * @module
 */
import type { SqlValue, Statement } from "../../driver.ts";

/** Counts of completed, failed and dead-lettered tasks finished at or after `since` (`status`, `n`). */
export function countFinishedSince(since: string): Statement {
  return {
    sql:
      `SELECT status, COUNT(*) AS n FROM task_queue` +
      ` WHERE status IN ('completed', 'failed', 'dead_letter') AND finished_at_utc >= ? GROUP BY status`,
    params: [since],
  };
}

/**
 * Retry figures over tasks created at or after `since`: `total`, `retried`, `ran`,
 * `attempts_sum`, `retried_completed`, `exhausted`.
 */
export function retryFiguresSince(since: string): Statement {
  return {
    sql:
      `SELECT COUNT(*) AS total, SUM(attempts > 1) AS retried, SUM(attempts >= 1) AS ran,` +
      ` SUM(CASE WHEN attempts >= 1 THEN attempts ELSE 0 END) AS attempts_sum,` +
      ` SUM(status = 'completed' AND attempts > 1) AS retried_completed,` +
      ` SUM(status = 'failed' AND attempts >= max_attempts) AS exhausted` +
      ` FROM task_queue WHERE created_at_utc >= ?`,
    params: [since],
  };
}

/** `started` and `finished` of tasks completed at or after `since`, optionally of one type. */
export function completedDurationsSince(since: string, type: string | null): Statement {
  const params: SqlValue[] = [since];
  if (type !== null) params.push(type);
  return {
    sql:
      `SELECT processing_started_utc AS started, finished_at_utc AS finished FROM task_queue` +
      ` WHERE status = 'completed' AND finished_at_utc >= ? AND processing_started_utc IS NOT NULL` +
      (type === null ? "" : ` AND type = ?`),
    params,
  };
}

/**
 * Every worker with the `processing` tasks it holds and the tasks it completed or ended failed at
 * or after `since`: one pass over task_queue grouped by holder, joined to the small workers table.
 */
export function workerActivitySince(since: string): Statement {
  return {
    sql:
      `SELECT w.worker_id, w.capabilities, w.heartbeat_utc,` +
      ` COALESCE(t.processing, 0) AS processing, COALESCE(t.completed, 0) AS completed, COALESCE(t.failed, 0) AS failed` +
      ` FROM workers w LEFT JOIN (SELECT locked_by, SUM(status = 'processing') AS processing,` +
      ` SUM(status = 'completed' AND finished_at_utc >= ?) AS completed,` +
      ` SUM(status IN ('failed', 'dead_letter') AND finished_at_utc >= ?) AS failed` +
      ` FROM task_queue WHERE locked_by IS NOT NULL GROUP BY locked_by) t ON t.locked_by = w.worker_id`,
    params: [since, since],
  };
}

/** Every worker's heartbeat (`heartbeat_utc`), for counting them by liveness in JS. */
export function workerHeartbeats(): Statement {
  return { sql: `SELECT heartbeat_utc FROM workers`, params: [] };
}
