/**
 * Outcomes a lease holder writes: complete (one or many), release, retry, and the final
 * `failed`/`dead_letter` (renewal is `./renew.ts`). Each is fenced by id, lease token, `processing` and an unexpired lease,
 * so a stale holder's write changes zero rows. The one-task forms are followed in the caller's
 * batch by `insertTaskLogIfChanged` (`./log.ts`); `completeMany` builds its own set-based rows.
 *
 * @internal
 * @module
 */
import type { SqlValue, Statement } from "../../driver.ts";
import { FENCE, fenceParams } from "./fence.ts";
import { transitionLogParams, transitionLogPrefix } from "./log.ts";
import type { Fence, Held } from "../types.ts";
export type { Fence, Held };

// Statement texts are built once: the driver's statement cache then hashes the same string
// object every time instead of a freshly concatenated one.
const COMPLETE_SQL =
  `UPDATE task_queue SET status = 'completed', finished_at_utc = ?, updated_at_utc = ?, lease_until_utc = NULL,` +
  ` error_message = NULL ${FENCE}`;
const RELEASE_SQL =
  `UPDATE task_queue SET status = 'queued', attempts = attempts - 1, updated_at_utc = ?, locked_by = NULL,` +
  ` lease_until_utc = NULL ${FENCE}`;
const RETRY_SQL =
  `UPDATE task_queue SET status = 'queued', run_after_utc = ?, error_message = ?, updated_at_utc = ?,` +
  ` locked_by = NULL, lease_until_utc = NULL ${FENCE}`;
const FINISH_FAILED_SQL =
  `UPDATE task_queue SET status = ?, error_message = ?, finished_at_utc = ?, updated_at_utc = ?,` +
  ` lease_until_utc = NULL ${FENCE}`;

/** Marks a held task completed. */
export function completeTask(f: Fence): Statement {
  return {
    sql: COMPLETE_SQL,
    params: [f.now, f.now, ...fenceParams(f)],
  };
}

// Held tasks travel as two JSON arrays: ids (for rowid lookups) and "id:token" keys (the fence).
const HELD_WHERE =
  `id IN (SELECT value FROM json_each(?)) AND (id || ':' || lease_token) IN (SELECT value FROM json_each(?))` +
  ` AND status = 'processing' AND lease_until_utc > ?`;
const heldParams = (held: readonly Held[], now: string): SqlValue[] => [
  JSON.stringify(held.map((h) => h.id)),
  JSON.stringify(held.map((h) => `${h.id}:${h.leaseToken}`)),
  now,
];
const COMPLETE_MANY_SQL =
  `UPDATE task_queue SET status = 'completed', finished_at_utc = ?, updated_at_utc = ?, lease_until_utc = NULL,` +
  ` error_message = NULL WHERE ${HELD_WHERE} RETURNING id`;
const COMPLETE_MANY_LOG_SQL =
  transitionLogPrefix({
    from: "processing",
    to: "completed",
    details: { worker_id: "?", attempt: "attempts", lease_token: "lease_token" },
  }) + HELD_WHERE;

/**
 * Marks many held tasks completed in one statement, each fenced by its own lease token;
 * RETURNING gives the ids whose fence held. With `workerId`, the statement is preceded by the
 * INSERT of their `task_logs` transition rows (same WHERE, so exactly the rows it then changes),
 * the same rows the one-task path writes. Measured: one statement instead of two per task.
 */
export function completeMany(held: readonly Held[], now: string, workerId: string | null): Statement[] {
  const update: Statement = { sql: COMPLETE_MANY_SQL, params: [now, now, ...heldParams(held, now)] };
  if (workerId === null) return [update];
  return [{ sql: COMPLETE_MANY_LOG_SQL, params: transitionLogParams(now, [workerId], heldParams(held, now)) }, update];
}

/**
 * Hands a claimed task that never started back to the queue: the claim's attempt is taken back
 * and its run_after is unchanged, so it is next in line again.
 */
export function releaseTask(f: Fence): Statement {
  return {
    sql: RELEASE_SQL,
    params: [f.now, ...fenceParams(f)],
  };
}

/** Puts a held task back in the queue after a failure, runnable again at `runAfter`. */
export function retryTask(f: Fence, runAfter: string, error: string): Statement {
  return {
    sql: RETRY_SQL,
    params: [runAfter, error, f.now, ...fenceParams(f)],
  };
}

/** Ends a held task as `failed` or `dead_letter`, keeping the error. */
export function finishFailed(f: Fence, status: "failed" | "dead_letter", error: string): Statement {
  return {
    sql: FINISH_FAILED_SQL,
    params: [status, error, f.now, f.now, ...fenceParams(f)],
  };
}
