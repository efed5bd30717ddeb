/**
 * Pauses and rate limits (`queue_controls`, migration 9), as the claim obeys them.
 *
 * - Every claim's filter ({@link CONTROLS_FILTER}, in `./claim.ts`) skips a task whose type is
 *   paused or rate-limited, and every task while the whole queue (row `type = ''`) is paused: a
 *   NOT EXISTS on the tiny `queue_controls` table, two primary-key probes per candidate row.
 * - A rate-limited type is claimed only by {@link claimLimited}: a claim whose LIMIT is the starts
 *   left in the type's current window, followed in the same batch by the UPDATE that counts what
 *   it took (`changes()`, the claim's row count). Windows are fixed: one opens at the first start
 *   after the previous one ended and lasts `rate_interval_ms`; at most `rate_max` starts fall in
 *   it, whatever number of processes claim, because each claim and its count run in one write
 *   transaction.
 *
 * @internal
 * @module
 */
import type { SqlValue, Statement } from "../../driver.ts";
import type { ClaimStrategy } from "../../strategies.ts";
import type { ClaimParams } from "../types.ts";
import { transitionLogParams, transitionLogPrefix } from "./log.ts";

/**
 * The claim filter: no pause of the whole queue or of the type, and no rate limit on the type.
 *
 * Two NOT EXISTS, not one over `qc.type IN ('', task_queue.type)`: an IN list that names a column
 * of the outer row is built into a temporary B-tree for every candidate row (EXPLAIN: an
 * OpenEphemeral and two inserts per row). Measured with callgrind inside `sqlite3_step`, that
 * form cost ~17,000 instructions more per one-task claim than this one, where the whole-queue
 * probe does not depend on the row and SQLite runs it once per statement, and the type's probe
 * is one primary-key seek.
 */
export const CONTROLS_FILTER: string =
  ` AND NOT EXISTS (SELECT 1 FROM queue_controls AS qc WHERE qc.type = '' AND (qc.paused = 1 OR qc.rate_max IS NOT NULL))` +
  ` AND NOT EXISTS (SELECT 1 FROM queue_controls AS qc WHERE qc.type = task_queue.type AND (qc.paused = 1 OR qc.rate_max IS NOT NULL))`;

/**
 * A LIMIT of `limit` minus the tasks the rate-limited claims earlier in the same batch took (each
 * records its count under the batch's token). Parameter: `[batchId]`.
 */
export function limitAfterEarlierClaims(limit: number): string {
  return `max(0, ${limit} - COALESCE((SELECT sum(last_batch_n) FROM queue_controls WHERE last_batch = ?), 0))`;
}

const ORDER: Record<ClaimStrategy, string> = {
  FIFO: "run_after_utc ASC, id ASC",
  LIFO: "run_after_utc DESC, id DESC",
  PRIORITY: "priority ASC, run_after_utc ASC, id ASC",
  WEIGHTED_RANDOM: "priority ASC, run_after_utc ASC, id ASC",
};

// The same requirement check as the ordinary claim: every key of the task's compatibility must
// equal the worker's capability of that key.
const COMPAT =
  ` AND (compatibility = '{}' OR CASE WHEN json_valid(compatibility) THEN NOT EXISTS (` +
  `SELECT 1 FROM json_each(task_queue.compatibility) AS c` +
  ` WHERE c.value IS NOT json_extract(?, '$."' || c.key || '"')) ELSE 0 END)`;

// Starts left in the type's window: 0 while it or the queue is paused, or its limit is gone.
const LEFT =
  `COALESCE((SELECT CASE WHEN qc.paused = 1 OR EXISTS (SELECT 1 FROM queue_controls WHERE type = '' AND paused = 1) THEN 0` +
  ` WHEN qc.window_until_utc IS NOT NULL AND qc.window_until_utc > ? THEN max(0, qc.rate_max - qc.window_count)` +
  ` ELSE qc.rate_max END FROM queue_controls AS qc WHERE qc.type = ? AND qc.rate_max IS NOT NULL), 0)`;

const CLAIM_SET =
  `SET status = 'processing', locked_by = ?, lease_token = lease_token + 1, lease_until_utc = ?,` +
  ` reserved_at_utc = ?, processing_started_utc = ?, updated_at_utc = ?, attempts = attempts + 1`;

const CLAIM_LOG = transitionLogPrefix({
  from: "queued",
  to: "processing",
  details: { worker_id: "?", attempt: "attempts + 1", lease_token: "lease_token + 1" },
});

// The window opens at the first start after the last one ended; SET reads the row as it was.
const COUNT_SQL =
  `UPDATE queue_controls SET` +
  ` window_count = CASE WHEN window_until_utc IS NOT NULL AND window_until_utc > ? THEN window_count ELSE 0 END + changes(),` +
  ` window_until_utc = CASE WHEN window_until_utc IS NOT NULL AND window_until_utc > ? THEN window_until_utc` +
  ` ELSE strftime('%Y-%m-%d %H:%M:%f', ?, (rate_interval_ms / 1000.0) || ' seconds') END,` +
  ` last_batch = ?, last_batch_n = changes()` +
  ` WHERE type = ? AND rate_max IS NOT NULL AND changes() > 0`;

/** A claim of one rate-limited type: [log?, claim (RETURNING *), count]. */
export function claimLimited(strategy: ClaimStrategy, p: ClaimParams, type: string, limit: number, withLog: boolean): Statement[] {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`claim limit must be a positive integer, got ${String(limit)}`);
  const pickSql =
    `SELECT id FROM task_queue WHERE status = 'queued' AND run_after_utc <= ? AND type = ?${COMPAT}` +
    ` ORDER BY ${ORDER[strategy]} LIMIT min(${LEFT}, ${limitAfterEarlierClaims(limit)})`;
  const batch = p.batchId ?? "";
  const pickParams: SqlValue[] = [p.now, type, p.capabilities, p.now, type, batch];
  const claim: Statement = {
    sql: `UPDATE task_queue ${CLAIM_SET} WHERE id IN (${pickSql}) AND +status = 'queued' RETURNING *`,
    params: [p.workerId, p.leaseUntil, p.now, p.now, p.now, ...pickParams],
  };
  const count: Statement = { sql: COUNT_SQL, params: [p.now, p.now, p.now, batch, type] };
  if (!withLog) return [claim, count];
  const log: Statement = { sql: `${CLAIM_LOG}id IN (${pickSql})`, params: transitionLogParams(p.now, [p.workerId], pickParams) };
  return [log, claim, count];
}

const UPSERT_PAUSE =
  `INSERT INTO queue_controls (type, paused, updated_at_utc) VALUES (?, ?, ?)` +
  ` ON CONFLICT (type) DO UPDATE SET paused = excluded.paused, updated_at_utc = excluded.updated_at_utc`;
const DROP_EMPTY = `DELETE FROM queue_controls WHERE type = ? AND paused = 0 AND rate_max IS NULL`;

/** Pauses or resumes a type (`''`: the whole queue); a row left with nothing in it is removed. */
export function setPaused(type: string, paused: boolean, now: string): Statement[] {
  return [
    { sql: UPSERT_PAUSE, params: [type, paused ? 1 : 0, now] },
    { sql: DROP_EMPTY, params: [type] },
  ];
}

/** Sets a type's rate limit; a window already open keeps its count. */
export function setRateLimit(type: string, max: number, intervalMs: number, now: string): Statement[] {
  return [
    {
      sql:
        `INSERT INTO queue_controls (type, rate_max, rate_interval_ms, updated_at_utc) VALUES (?, ?, ?, ?)` +
        ` ON CONFLICT (type) DO UPDATE SET rate_max = excluded.rate_max, rate_interval_ms = excluded.rate_interval_ms,` +
        ` updated_at_utc = excluded.updated_at_utc`,
      params: [type, max, intervalMs, now],
    },
  ];
}

/** Removes a type's rate limit. */
export function clearRateLimit(type: string, now: string): Statement[] {
  return [
    {
      sql:
        `UPDATE queue_controls SET rate_max = NULL, rate_interval_ms = NULL, window_until_utc = NULL, window_count = 0,` +
        ` updated_at_utc = ? WHERE type = ?`,
      params: [now, type],
    },
    { sql: DROP_EMPTY, params: [type] },
  ];
}

/** Every control row, by type. */
export function selectControls(): Statement {
  return {
    sql: `SELECT type, paused, rate_max, rate_interval_ms, window_until_utc, window_count FROM queue_controls ORDER BY type`,
    params: [],
  };
}

const LIMITED: Statement = Object.freeze({ sql: `SELECT type FROM queue_controls WHERE rate_max IS NOT NULL ORDER BY type`, params: [] });

/** The rate-limited types. */
export function selectLimitedTypes(): Statement {
  return LIMITED;
}
