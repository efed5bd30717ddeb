/**
 * The `workers` table on PostgreSQL: heartbeats, liveness queries, per-worker task summaries,
 * and the release of a stale worker's tasks (by the one reclaim rule, `./reclaim.ts`).
 *
 * @internal
 * @module
 */
import type { SqlValue, Statement } from "../../driver.ts";
import type { StaleReclaim, WorkerFilter } from "../types.ts";
import { reclaimTasks } from "./reclaim.ts";
import { TS } from "./time.ts";

/** Removes a worker's row when it stops. */
export function deleteWorker(workerId: string): Statement {
  return { sql: `DELETE FROM workers WHERE worker_id = ?`, params: [workerId] };
}

/** Registers a worker or refreshes its heartbeat and capabilities (UPSERT). */
export function upsertWorker(workerId: string, capabilities: string, at: string): Statement {
  return {
    sql:
      `INSERT INTO workers (worker_id, capabilities, heartbeat_utc) VALUES (?, CAST(? AS jsonb), ${TS})` +
      ` ON CONFLICT (worker_id) DO UPDATE SET capabilities = excluded.capabilities, heartbeat_utc = excluded.heartbeat_utc`,
    params: [workerId, capabilities, at],
  };
}

/** Moves a registered worker's heartbeat to `at`; changes 0 rows if unknown. */
export function touchWorker(workerId: string, at: string): Statement {
  return { sql: `UPDATE workers SET heartbeat_utc = ${TS} WHERE worker_id = ?`, params: [at, workerId] };
}

/** Workers, most recent heartbeat first. */
export function selectWorkers(f: WorkerFilter = {}): Statement {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (f.since !== undefined) {
    where.push(`heartbeat_utc >= ${TS}`);
    params.push(f.since);
  }
  if (f.before !== undefined) {
    where.push(`heartbeat_utc < ${TS}`);
    params.push(f.before);
  }
  const w = where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "";
  return {
    sql: `SELECT worker_id, capabilities, heartbeat_utc FROM workers${w} ORDER BY heartbeat_utc DESC, worker_id COLLATE "C" ASC`,
    params,
  };
}

/** Number of workers: all, active (heartbeat at or after `activeSince`), stale (before `staleBefore`). */
export function countWorkers(activeSince: string, staleBefore: string): Statement {
  return {
    sql:
      `SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE heartbeat_utc >= ${TS}) AS active,` +
      ` COUNT(*) FILTER (WHERE heartbeat_utc < ${TS}) AS stale FROM workers`,
    params: [activeSince, staleBefore],
  };
}

/** DELETE workers whose heartbeat is before `staleBefore`; unless `force`, only those holding no task. */
export function deleteStaleWorkers(staleBefore: string, force: boolean): Statement {
  const holding = force
    ? ""
    : ` AND NOT EXISTS (SELECT 1 FROM task_queue t WHERE t.locked_by = workers.worker_id AND t.status = 'processing')`;
  return { sql: `DELETE FROM workers WHERE heartbeat_utc < ${TS}${holding}`, params: [staleBefore] };
}

/** Workers (one, or all) with the tasks attributed to them by `locked_by`. */
export function selectWorkerSummaries(workerId: string | null): Statement {
  const one = workerId === null ? "" : " AND locked_by = ?";
  const oneWorker = workerId === null ? "" : " WHERE w.worker_id = ?";
  return {
    sql:
      `SELECT w.worker_id, w.capabilities, w.heartbeat_utc,` +
      ` COALESCE(c.processing, 0) AS processing, COALESCE(c.completed, 0) AS completed,` +
      ` COALESCE(c.failed, 0) AS failed, COALESCE(c.dead_letter, 0) AS dead_letter` +
      ` FROM workers w LEFT JOIN (SELECT locked_by, COUNT(*) FILTER (WHERE status = 'processing') AS processing,` +
      ` COUNT(*) FILTER (WHERE status = 'completed') AS completed, COUNT(*) FILTER (WHERE status = 'failed') AS failed,` +
      ` COUNT(*) FILTER (WHERE status = 'dead_letter') AS dead_letter` +
      ` FROM task_queue WHERE locked_by IS NOT NULL${one} GROUP BY locked_by) c ON c.locked_by = w.worker_id` +
      `${oneWorker} ORDER BY w.heartbeat_utc DESC, w.worker_id COLLATE "C" ASC`,
    params: workerId === null ? [] : [workerId, workerId],
  };
}

/** Releases every processing task held by a stale worker, by the one reclaim rule. */
export function reclaimStaleWorkerTasks(r: StaleReclaim): Statement {
  return reclaimTasks({ now: r.now, scope: { kind: "stale", staleBefore: r.staleBefore }, policy: r.policy });
}
