/**
 * SQLite statements of the observability layer (task logs, worker heartbeats, monitoring), one
 * builder per operation, plus the codecs for the JSON text columns they read and write.
 *
 * Time arrives as a parameter, never from SQLite's clock. Stored times are compared through
 * {@link SQL_MS_TIME}, so a row written by the seeds' own SQL (`datetime('now')`, second
 * precision) compares exactly with our millisecond cut-offs.
 *
 * @internal
 * @module
 */
import type { SqlValue, Statement } from "../driver.ts";
import { QueueValidationError } from "../errors.ts";
import { type ReclaimPolicy, reclaimTasks } from "./reclaim-sqlite.ts";

/**
 * A stored time as `YYYY-MM-DD HH:MM:SS.SSS` text. The seeds write `YYYY-MM-DD HH:MM:SS`, which
 * sorts before `.000` of the same second, so comparing raw text against a millisecond cut-off
 * would call such a row older than it is by up to a second. `workers` is small and the logs'
 * cut-off scan reads every row anyway, so no index is lost by normalising.
 */
const SQL_MS_TIME = (column: string): string => `strftime('%Y-%m-%d %H:%M:%f', ${column})`;

/**
 * JSON text of a plain object (the `details` and `capabilities` columns). Anything else, or an
 * object `JSON.stringify` cannot encode (cycles, bigint), is a {@link QueueValidationError}.
 */
export function encodeJsonObject(value: unknown, what: string): string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new QueueValidationError(`${what} must be a JSON object`);
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new QueueValidationError(`${what} is not JSON-serialisable`, [(err as Error).message], { cause: err });
  }
  if (text === undefined) throw new QueueValidationError(`${what} is not JSON-serialisable`);
  return text;
}

/** Parses a JSON text column; NULL is null, and text that is not JSON comes back as it is. */
export function decodeJson(value: SqlValue | undefined): unknown {
  if (value === null || value === undefined) return null;
  const text = String(value);
  try {
    return JSON.parse(text);
  } catch {
    // Rows written by hand or by other tools are returned, not refused.
    return text;
  }
}

// ---------------------------------------------------------------------------------- task_logs

/** Values of one `task_logs` row. */
export interface TaskLogRow {
  readonly taskId: number;
  readonly at: string;
  readonly level: string;
  readonly message: string;
  readonly details: string | null;
}

/** INSERT one log row and return its `log_id`. */
export function insertTaskLog(r: TaskLogRow): Statement {
  return {
    sql: `INSERT INTO task_logs (task_id, at_utc, level, message, details) VALUES (?, ?, ?, ?, ?) RETURNING log_id`,
    params: [r.taskId, r.at, r.level, r.message, r.details],
  };
}

/**
 * INSERT one log row only if the statement just before it in the same batch changed exactly one
 * row: a fenced status change and its log entry then stand or fall together, and a refused
 * change (lease lost) logs nothing.
 */
export function insertTaskLogIfChanged(r: TaskLogRow): Statement {
  return {
    sql: `INSERT INTO task_logs (task_id, at_utc, level, message, details) SELECT ?, ?, ?, ?, ? WHERE changes() = 1`,
    params: [r.taskId, r.at, r.level, r.message, r.details],
  };
}

/** Removes a worker's row when it stops. */
export function deleteWorker(workerId: string): Statement {
  return { sql: `DELETE FROM workers WHERE worker_id = ?`, params: [workerId] };
}

/** Filter of {@link selectTaskLogs}: one task's logs or everyone's, optionally one level. */
export interface TaskLogFilter {
  readonly taskId: number | null;
  readonly level: string | null;
  readonly limit: number;
}

/** Log rows, newest first (`log_id` breaks ties within one millisecond). */
export function selectTaskLogs(f: TaskLogFilter): Statement {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (f.taskId !== null) {
    where.push("task_id = ?");
    params.push(f.taskId);
  }
  if (f.level !== null) {
    where.push("level = ?");
    params.push(f.level);
  }
  const w = where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "";
  return {
    sql: `SELECT log_id, task_id, at_utc, level, message, details FROM task_logs${w} ORDER BY at_utc DESC, log_id DESC LIMIT ?`,
    params: [...params, f.limit],
  };
}

/** DELETE log rows written before `cutoff`. */
export function deleteTaskLogsBefore(cutoff: string): Statement {
  return { sql: `DELETE FROM task_logs WHERE ${SQL_MS_TIME("at_utc")} < ?`, params: [cutoff] };
}

// ------------------------------------------------------------------------------------ workers

const HEARTBEAT = SQL_MS_TIME("heartbeat_utc");

/** Registers a worker or refreshes its heartbeat and capabilities (UPSERT). */
export function upsertWorker(workerId: string, capabilities: string, at: string): Statement {
  return {
    sql:
      `INSERT INTO workers (worker_id, capabilities, heartbeat_utc) VALUES (?, ?, ?)` +
      ` ON CONFLICT (worker_id) DO UPDATE SET capabilities = excluded.capabilities, heartbeat_utc = excluded.heartbeat_utc`,
    params: [workerId, capabilities, at],
  };
}

/** Moves a registered worker's heartbeat to `at`, keeping its capabilities; changes 0 rows if unknown. */
export function touchWorker(workerId: string, at: string): Statement {
  return { sql: `UPDATE workers SET heartbeat_utc = ? WHERE worker_id = ?`, params: [at, workerId] };
}

/** Heartbeat bounds of {@link selectWorkers}; either may be left out. */
export interface WorkerFilter {
  /** Only workers whose heartbeat is at or after this time. */
  readonly since?: string | undefined;
  /** Only workers whose heartbeat is before this time. */
  readonly before?: string | undefined;
}

/** Workers, most recent heartbeat first. */
export function selectWorkers(f: WorkerFilter = {}): Statement {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (f.since !== undefined) {
    where.push(`${HEARTBEAT} >= ?`);
    params.push(f.since);
  }
  if (f.before !== undefined) {
    where.push(`${HEARTBEAT} < ?`);
    params.push(f.before);
  }
  const w = where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "";
  return {
    sql: `SELECT worker_id, capabilities, heartbeat_utc FROM workers${w} ORDER BY ${HEARTBEAT} DESC, worker_id ASC`,
    params,
  };
}

/** Number of workers: all, active (heartbeat at or after `activeSince`), stale (before `staleBefore`). */
export function countWorkers(activeSince: string, staleBefore: string): Statement {
  return {
    sql:
      `SELECT COUNT(*) AS total, COALESCE(SUM(${HEARTBEAT} >= ?), 0) AS active,` +
      ` COALESCE(SUM(${HEARTBEAT} < ?), 0) AS stale FROM workers`,
    params: [activeSince, staleBefore],
  };
}

/**
 * DELETE workers whose heartbeat is before `staleBefore`. Unless `force`, a worker still named in
 * `locked_by` of a processing task is kept, so its tasks stay attributable until reclaimed.
 */
export function deleteStaleWorkers(staleBefore: string, force: boolean): Statement {
  const holding = force
    ? ""
    : ` AND NOT EXISTS (SELECT 1 FROM task_queue t WHERE t.locked_by = workers.worker_id AND t.status = 'processing')`;
  return { sql: `DELETE FROM workers WHERE ${HEARTBEAT} < ?${holding}`, params: [staleBefore] };
}

/**
 * Workers (one, or all when `workerId` is null) with the tasks attributed to them by `locked_by`:
 * processing, completed, failed and dead-lettered. Retries clear `locked_by`, so only a task's
 * last holder counts it. `task_queue` is aggregated once and then joined, rather than joined per
 * worker, since nothing indexes `locked_by`.
 */
export function selectWorkerSummaries(workerId: string | null): Statement {
  const one = workerId === null ? "" : " AND locked_by = ?";
  const oneWorker = workerId === null ? "" : " WHERE w.worker_id = ?";
  return {
    sql:
      `SELECT w.worker_id, w.capabilities, w.heartbeat_utc,` +
      ` COALESCE(c.processing, 0) AS processing, COALESCE(c.completed, 0) AS completed,` +
      ` COALESCE(c.failed, 0) AS failed, COALESCE(c.dead_letter, 0) AS dead_letter` +
      ` FROM workers w LEFT JOIN (SELECT locked_by, SUM(status = 'processing') AS processing,` +
      ` SUM(status = 'completed') AS completed, SUM(status = 'failed') AS failed,` +
      ` SUM(status = 'dead_letter') AS dead_letter` +
      ` FROM task_queue WHERE locked_by IS NOT NULL${one} GROUP BY locked_by) c ON c.locked_by = w.worker_id` +
      `${oneWorker} ORDER BY ${SQL_MS_TIME("w.heartbeat_utc")} DESC, w.worker_id ASC`,
    params: workerId === null ? [] : [workerId, workerId],
  };
}

/** Parameters of {@link reclaimStaleWorkerTasks}. */
export interface StaleReclaim {
  readonly now: string;
  /** Workers whose heartbeat is before this time are stale. */
  readonly staleBefore: string;
  /** Crash policy by task type; types not listed are retried. */
  readonly policy: ReclaimPolicy;
}

/**
 * The statement that releases every processing task held by a stale worker, by the reclaim rule
 * every reclaim path shares (`./reclaim-sqlite.ts`): fencing token bumped, outcome by the type's
 * crash policy and attempts, a `task_logs` row per task. One UPDATE, so all or nothing; its
 * `changes` counts the tasks released.
 */
export function reclaimStaleWorkerTasks(r: StaleReclaim): Statement {
  return reclaimTasks({ now: r.now, scope: { kind: "stale", staleBefore: r.staleBefore }, policy: r.policy });
}

// --------------------------------------------------------------------------------- monitoring

/**
 * Queued task counts by type. The seed's `get_queue_depth_by_type` counts every status; depth here
 * means waiting work, as in `QueueMetrics.getQueueDepthByType`.
 */
export function countQueuedByType(): Statement {
  return { sql: `SELECT type, COUNT(*) AS n FROM task_queue WHERE status = 'queued' GROUP BY type`, params: [] };
}

/** Creation time of the oldest queued task (NULL when none is queued). */
export function oldestQueuedCreatedAt(): Statement {
  return { sql: `SELECT MIN(${SQL_MS_TIME("created_at_utc")}) AS oldest FROM task_queue WHERE status = 'queued'`, params: [] };
}
