/**
 * Operator transitions: cancel (queued/processing → cancelled) and retry (failed/dead_letter →
 * queued). Each returns its log INSERT then its UPDATE, for one batch: the same WHERE, so exactly
 * the rows changed are logged.
 *
 * @internal
 * @module
 */
import type { Statement } from "../../driver.ts";
import { transitionLogWhere } from "./log.ts";

/** Cancels a queued or processing task; a running handler learns of it at its next renewal. */
export function cancelTask(id: number, now: string): Statement {
  return {
    sql:
      `UPDATE task_queue SET status = 'cancelled', finished_at_utc = ?, updated_at_utc = ?, lease_until_utc = NULL` +
      ` WHERE id = ? AND status IN ('queued', 'processing')`,
    params: [now, now, id],
  };
}

/** Puts a failed or dead-lettered task back in the queue with a fresh attempt budget. */
export function requeueTask(id: number, now: string, runAfter: string): Statement {
  return {
    sql:
      `UPDATE task_queue SET status = 'queued', attempts = 0, run_after_utc = ?, updated_at_utc = ?,` +
      ` locked_by = NULL, lease_until_utc = NULL, finished_at_utc = NULL, error_message = NULL` +
      ` WHERE id = ? AND status IN ('failed', 'dead_letter')`,
    params: [runAfter, now, id],
  };
}

/** {@link cancelTask} with its transition row (from the row's own status), for one batch: [log, update]. */
export function cancelTaskLogged(id: number, now: string): Statement[] {
  const log = transitionLogWhere({
    from: null,
    to: "cancelled",
    where: `id = ? AND status IN ('queued', 'processing')`,
    whereParams: [id],
    details: { worker_id: "locked_by", attempt: "attempts", reason: "'cancelled'" },
    now,
  });
  return [log, cancelTask(id, now)];
}

/** {@link requeueTask} with its transition row, for one batch: [log, update]. */
export function requeueTaskLogged(id: number, now: string, runAfter: string): Statement[] {
  const log = transitionLogWhere({
    from: null,
    to: "queued",
    where: `id = ? AND status IN ('failed', 'dead_letter')`,
    whereParams: [id],
    details: { attempt: "attempts", reason: "'retry'" },
    now,
  });
  return [log, requeueTask(id, now, runAfter)];
}
