/**
 * Outcomes a lease holder writes on PostgreSQL: complete (one or many), release, retry, and the
 * final `failed`/`dead_letter`, each fenced as on SQLite. The one-task forms are followed in the
 * caller's batch by `insertTaskLogIfChanged`; `completeMany` logs in its own statement.
 *
 * @internal
 * @module
 */
import type { SqlValue, Statement } from "../../driver.ts";
import type { Fence, Held } from "../types.ts";
import { FENCE, fenceParams } from "./fence.ts";
import { transitionLogColumns } from "./log.ts";
import { TS } from "./time.ts";

const COMPLETE_SQL =
  `UPDATE task_queue SET status = 'completed', finished_at_utc = ${TS}, updated_at_utc = ${TS}, lease_until_utc = NULL,` +
  ` error_message = NULL ${FENCE}`;
const RELEASE_SQL =
  `UPDATE task_queue SET status = 'queued', attempts = attempts - 1, updated_at_utc = ${TS}, locked_by = NULL,` +
  ` lease_until_utc = NULL ${FENCE}`;
const RETRY_SQL =
  `UPDATE task_queue SET status = 'queued', run_after_utc = ${TS}, error_message = ?, updated_at_utc = ${TS},` +
  ` locked_by = NULL, lease_until_utc = NULL ${FENCE}`;
const FINISH_FAILED_SQL =
  `UPDATE task_queue SET status = ?, error_message = ?, finished_at_utc = ${TS}, updated_at_utc = ${TS},` +
  ` lease_until_utc = NULL ${FENCE}`;

/** Marks a held task completed. */
export function completeTask(f: Fence): Statement {
  return { sql: COMPLETE_SQL, params: [f.now, f.now, ...fenceParams(f)] };
}

// Held tasks travel as one JSON array of [id, token] pairs.
const HELD_WHERE =
  `(id, lease_token) IN (SELECT CAST(e ->> 0 AS bigint), CAST(e ->> 1 AS bigint) FROM jsonb_array_elements(CAST(? AS jsonb)) AS e)` +
  ` AND status = 'processing' AND lease_until_utc > ${TS}`;
const heldParams = (held: readonly Held[], now: string): SqlValue[] => [JSON.stringify(held.map((h) => [h.id, h.leaseToken])), now];
const COMPLETE_MANY_SET =
  `UPDATE task_queue SET status = 'completed', finished_at_utc = ${TS}, updated_at_utc = ${TS}, lease_until_utc = NULL,` +
  ` error_message = NULL WHERE ${HELD_WHERE}`;
const COMPLETE_MANY_SQL = `${COMPLETE_MANY_SET} RETURNING id`;
const COMPLETE_MANY_LOGGED_SQL =
  `WITH done AS (${COMPLETE_MANY_SET} RETURNING id, attempts, lease_token) ` +
  transitionLogColumns({
    from: "processing",
    to: "completed",
    details: { worker_id: "CAST(? AS text)", attempt: "attempts", lease_token: "lease_token" },
  }) +
  `done RETURNING task_id AS id`;

/**
 * Marks many held tasks completed in one statement, each fenced by its own lease token; the
 * rows returned (`id`) are the tasks whose fence held. With `workerId` the same statement writes
 * their transition rows (a data-modifying WITH), so it is one statement either way.
 */
export function completeMany(held: readonly Held[], now: string, workerId: string | null): Statement[] {
  const base = [now, now, ...heldParams(held, now)];
  if (workerId === null) return [{ sql: COMPLETE_MANY_SQL, params: base }];
  return [{ sql: COMPLETE_MANY_LOGGED_SQL, params: [...base, now, workerId] }];
}

/** Hands a claimed task that never started back to the queue, its attempt taken back. */
export function releaseTask(f: Fence): Statement {
  return { sql: RELEASE_SQL, params: [f.now, ...fenceParams(f)] };
}

/** Puts a held task back in the queue after a failure, runnable again at `runAfter`. */
export function retryTask(f: Fence, runAfter: string, error: string): Statement {
  return { sql: RETRY_SQL, params: [runAfter, error, f.now, ...fenceParams(f)] };
}

/** Ends a held task as `failed` or `dead_letter`, keeping the error. */
export function finishFailed(f: Fence, status: "failed" | "dead_letter", error: string): Statement {
  return { sql: FINISH_FAILED_SQL, params: [status, error, f.now, f.now, ...fenceParams(f)] };
}
