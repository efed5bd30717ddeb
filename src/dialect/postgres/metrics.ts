/**
 * Read-only statements behind `QueueMetrics` on PostgreSQL, with the SQLite dialect's columns.
 *
 * @internal
 * @module
 */
import type { SqlValue, Statement } from "../../driver.ts";
import { TS } from "./time.ts";

/** Counts of completed, failed and dead-lettered tasks finished at or after `since` (`status`, `n`). */
export function countFinishedSince(since: string): Statement {
  return {
    sql:
      `SELECT status, COUNT(*) AS n FROM task_queue` +
      ` WHERE status IN ('completed', 'failed', 'dead_letter') AND finished_at_utc >= ${TS} GROUP BY status`,
    params: [since],
  };
}

/** Retry figures over tasks created at or after `since`. */
export function retryFiguresSince(since: string): Statement {
  return {
    sql:
      `SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE attempts > 1) AS retried, COUNT(*) FILTER (WHERE attempts >= 1) AS ran,` +
      ` COALESCE(SUM(attempts) FILTER (WHERE attempts >= 1), 0) AS attempts_sum,` +
      ` COUNT(*) FILTER (WHERE status = 'completed' AND attempts > 1) AS retried_completed,` +
      ` COUNT(*) FILTER (WHERE status = 'failed' AND attempts >= max_attempts) AS exhausted` +
      ` FROM task_queue WHERE created_at_utc >= ${TS}`,
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
      ` WHERE status = 'completed' AND finished_at_utc >= ${TS} AND processing_started_utc IS NOT NULL` +
      (type === null ? "" : ` AND type = ?`),
    params,
  };
}

/** Every worker with the tasks it holds and those it completed or ended failed at or after `since`. */
export function workerActivitySince(since: string): Statement {
  return {
    sql:
      `SELECT w.worker_id, w.capabilities, w.heartbeat_utc,` +
      ` COALESCE(t.processing, 0) AS processing, COALESCE(t.completed, 0) AS completed, COALESCE(t.failed, 0) AS failed` +
      ` FROM workers w LEFT JOIN (SELECT locked_by, COUNT(*) FILTER (WHERE status = 'processing') AS processing,` +
      ` COUNT(*) FILTER (WHERE status = 'completed' AND finished_at_utc >= ${TS}) AS completed,` +
      ` COUNT(*) FILTER (WHERE status IN ('failed', 'dead_letter') AND finished_at_utc >= ${TS}) AS failed` +
      ` FROM task_queue WHERE locked_by IS NOT NULL GROUP BY locked_by) t ON t.locked_by = w.worker_id`,
    params: [since, since],
  };
}

/** Every worker's heartbeat (`heartbeat_utc`). */
export function workerHeartbeats(): Statement {
  return { sql: `SELECT heartbeat_utc FROM workers`, params: [] };
}
