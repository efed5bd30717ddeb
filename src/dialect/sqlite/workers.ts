/**
 * The `workers` table: heartbeats, liveness queries, per-worker task summaries, and the release
 * of a stale worker's tasks (by the one reclaim rule, `./reclaim.ts`).
 *
 * @internal
 * @module
 */
import { processingRows } from "./processing.ts";
import type { SqlValue, Statement } from "../../driver.ts";
import { type ReclaimPolicy, reclaimTasks } from "./reclaim.ts";
import { SQL_MS_TIME } from "./time.ts";
import type { WorkerFilter, StaleReclaim } from "../types.ts";
export type { WorkerFilter, StaleReclaim };

/** Removes a worker's row when it stops. */
export function deleteWorker(workerId: string): Statement {
  return { sql: `DELETE FROM workers WHERE worker_id = ?`, params: [workerId] };
}

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
    : ` AND worker_id NOT IN (SELECT locked_by FROM (${processingRows("p.locked_by", "p.locked_by IS NOT NULL")}))`;
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

/**
 * The statement that releases every processing task held by a stale worker, by the reclaim rule
 * every reclaim path shares (`./reclaim-sqlite.ts`): fencing token bumped, outcome by the type's
 * crash policy and attempts, a `task_logs` row per task. One UPDATE, so all or nothing; its
 * `changes` counts the tasks released.
 */
export function reclaimStaleWorkerTasks(r: StaleReclaim): Statement {
  return reclaimTasks({ now: r.now, scope: { kind: "stale", staleBefore: r.staleBefore }, policy: r.policy });
}
