/**
 * Retention and bulk redrive: bounded deletes of old finished tasks and old log rows, and the
 * requeue of many failed/dead-lettered tasks at once. Every statement takes at most `limit` rows,
 * so one pass has a bounded cost whatever the backlog.
 *
 * @internal
 * @module
 */
import type { SqlValue, Statement } from "../../driver.ts";
import type { RetainedStatus } from "../features.ts";
import { transitionLogWhere } from "./log.ts";

const checked = (limit: number): number => {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${String(limit)}`);
  return limit;
};

/**
 * The oldest `limit` tasks of `status` finished before `before` (a range on the finished-time
 * index), with their logs: [logs, tasks]. Both statements pick the same rows.
 */
export function purgeFinished(status: RetainedStatus, before: string, limit: number): Statement[] {
  const pick = `SELECT id FROM task_queue WHERE status = ? AND finished_at_utc <= ? ORDER BY finished_at_utc, id LIMIT ${checked(limit)}`;
  return [
    { sql: `DELETE FROM task_logs WHERE task_id IN (${pick})`, params: [status, before] },
    { sql: `DELETE FROM task_queue WHERE id IN (${pick})`, params: [status, before] },
  ];
}

/**
 * Log rows written before `before` among the `limit` oldest rows by id: the pass looks at no more
 * than `limit` rows even when nothing is old enough (log ids grow with time).
 */
export function purgeLogs(before: string, limit: number): Statement {
  return {
    sql: `DELETE FROM task_logs WHERE log_id IN (SELECT log_id FROM task_logs ORDER BY log_id LIMIT ${checked(limit)}) AND at_utc < ?`,
    params: [before],
  };
}

/** Up to `limit` failed/dead-lettered tasks (of `type`, if given) back to queued, logged: [log, update]. */
export function redrive(
  statuses: readonly ("failed" | "dead_letter")[],
  type: string | null,
  now: string,
  runAfter: string,
  limit: number,
): Statement[] {
  if (statuses.length === 0) throw new RangeError("redrive needs at least one status");
  const params: SqlValue[] = [...statuses];
  let filter = `status IN (${statuses.map(() => "?").join(", ")})`;
  if (type !== null) {
    filter += ` AND type = ?`;
    params.push(type);
  }
  const where = `id IN (SELECT id FROM task_queue WHERE ${filter} ORDER BY id LIMIT ${checked(limit)})`;
  const log = transitionLogWhere({
    from: null,
    to: "queued",
    where,
    whereParams: params,
    details: { attempt: "attempts", reason: "'redrive'" },
    now,
  });
  const update: Statement = {
    sql:
      `UPDATE task_queue SET status = 'queued', attempts = 0, run_after_utc = ?, updated_at_utc = ?,` +
      ` locked_by = NULL, lease_until_utc = NULL, finished_at_utc = NULL, error_message = NULL, progress = NULL, result = NULL` +
      ` WHERE ${where}`,
    params: [runAfter, now, ...params],
  };
  return [log, update];
}
