/**
 * Operator transitions on PostgreSQL: cancel (queued/processing → cancelled) and retry
 * (failed/dead_letter → queued). Each is one statement that locks the row, writes its transition
 * row from the status it had, and changes it (a data-modifying WITH), so the log matches the
 * change even with concurrent writers. The list has that one statement (the caller reads the last).
 *
 * @internal
 * @module
 */
import type { Statement } from "../../driver.ts";
import { transitionLogColumns } from "./log.ts";
import { TS } from "./time.ts";

const CANCEL_LOG = transitionLogColumns({
  from: null,
  to: "cancelled",
  details: { worker_id: "locked_by", attempt: "attempts", reason: "'cancelled'" },
});
const CANCEL_SQL =
  `WITH old AS (SELECT id, status, locked_by, attempts FROM task_queue WHERE id = ? AND status IN ('queued', 'processing') FOR UPDATE),` +
  ` logged AS (${CANCEL_LOG}old)` +
  ` UPDATE task_queue AS t SET status = 'cancelled', finished_at_utc = ${TS}, updated_at_utc = ${TS}, lease_until_utc = NULL` +
  ` FROM old WHERE t.id = old.id`;

/** Cancels a queued or processing task, logged: one statement. */
export function cancelTaskLogged(id: number, now: string): Statement[] {
  return [{ sql: CANCEL_SQL, params: [id, now, now, now] }];
}

const RETRY_LOG = transitionLogColumns({
  from: null,
  to: "queued",
  details: { attempt: "attempts", reason: "'retry'" },
});
const RETRY_SQL =
  `WITH old AS (SELECT id, status, attempts FROM task_queue WHERE id = ? AND status IN ('failed', 'dead_letter') FOR UPDATE),` +
  ` logged AS (${RETRY_LOG}old)` +
  ` UPDATE task_queue AS t SET status = 'queued', attempts = 0, run_after_utc = ${TS}, updated_at_utc = ${TS},` +
  ` locked_by = NULL, lease_until_utc = NULL, finished_at_utc = NULL, error_message = NULL FROM old WHERE t.id = old.id`;

/** Puts a failed or dead-lettered task back in the queue with a fresh attempt budget, logged. */
export function requeueTaskLogged(id: number, now: string, runAfter: string): Statement[] {
  return [{ sql: RETRY_SQL, params: [id, now, runAfter, now] }];
}
