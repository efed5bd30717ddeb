/**
 * `QueueDialect.features` on PostgreSQL (migration 9): progress, results, uniqueness windows,
 * pauses, rate limits, retention and bulk redrive, with the same results as the SQLite dialect's
 * (`src/dialect/sqlite/{progress,uniqueness,controls,retention}.ts`). Differences: there is no
 * `changes()`, so a rate-limited claim is one statement whose CTEs lock the type's controls row
 * (`FOR UPDATE`: concurrent claimers of that type queue on it), pick, lease, log and count; the
 * list keeps the SQLite shape with a no-op last statement.
 *
 * @internal
 * @module
 */
import type { SqlValue, Statement } from "../../driver.ts";
import type { ClaimStrategy } from "../../strategies.ts";
import type { FeatureStatements, KeyLapse, RetainedStatus } from "../features.ts";
import type { ClaimParams, Fence, InsertTask } from "../types.ts";
import { FENCE, fenceParams } from "./fence.ts";
import { transitionLogColumns } from "./log.ts";
import { TS } from "./time.ts";

const checked = (limit: number): number => {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${String(limit)}`);
  return limit;
};

// ---------------------------------------------------------------- progress and results

const setProgress = (f: Fence, progress: string): Statement => ({
  sql: `UPDATE task_queue SET progress = CAST(? AS jsonb), updated_at_utc = ${TS} ${FENCE}`,
  params: [progress, f.now, ...fenceParams(f)],
});
const setResult = (f: Fence, result: string): Statement => ({
  sql: `UPDATE task_queue SET result = CAST(? AS jsonb) ${FENCE}`,
  params: [result, ...fenceParams(f)],
});

// ---------------------------------------------------------------- uniqueness windows

const lapseKey = (key: string, now: string, takeOverRunning: boolean): Statement => ({
  sql:
    `UPDATE task_queue SET lapsed_key = idempotency_key, idempotency_key = NULL WHERE idempotency_key = ? AND (` +
    `(key_until_utc IS NOT NULL AND key_until_utc <= ${TS}) OR (key_while_active = 1 AND status NOT IN ('queued', 'processing'))` +
    ` OR (CAST(? AS integer) = 1 AND status = 'processing'))`,
  params: [key, now, takeOverRunning ? 1 : 0],
});

const replaceQueued = (t: InsertTask, lapse: KeyLapse): Statement => ({
  sql:
    `UPDATE task_queue SET type = ?, priority = ?, payload = CAST(? AS jsonb), compatibility = CAST(? AS jsonb),` +
    ` max_attempts = ?, run_after_utc = ${TS}, updated_at_utc = ${TS}, key_until_utc = ${TS}, key_while_active = ?` +
    ` WHERE idempotency_key = ? AND status = 'queued'`,
  params: [t.type, t.priority, t.payload, t.compatibility, t.maxAttempts, t.runAfter, t.now, lapse.until, lapse.whileActive ? 1 : 0, t.idempotencyKey],
});

const insertKeyedTask = (t: InsertTask, lapse: KeyLapse): Statement => ({
  sql:
    `INSERT INTO task_queue (type, priority, payload, compatibility, status, attempts, max_attempts, run_after_utc,` +
    ` idempotency_key, created_at_utc, updated_at_utc, key_until_utc, key_while_active)` +
    ` VALUES (?, ?, CAST(? AS jsonb), CAST(? AS jsonb), 'queued', 0, ?, ${TS}, ?, ${TS}, ${TS}, ${TS}, ?)` +
    ` ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id`,
  params: [
    t.type,
    t.priority,
    t.payload,
    t.compatibility,
    t.maxAttempts,
    t.runAfter,
    t.idempotencyKey,
    t.now,
    t.now,
    lapse.until,
    lapse.whileActive ? 1 : 0,
  ],
});

// ---------------------------------------------------------------- pauses and rate limits

const DROP_EMPTY = `DELETE FROM queue_controls WHERE type = ? AND paused = 0 AND rate_max IS NULL`;

const setPaused = (type: string, paused: boolean, now: string): Statement[] => [
  {
    sql:
      `INSERT INTO queue_controls (type, paused, updated_at_utc) VALUES (?, ?, ${TS})` +
      ` ON CONFLICT (type) DO UPDATE SET paused = excluded.paused, updated_at_utc = excluded.updated_at_utc`,
    params: [type, paused ? 1 : 0, now],
  },
  { sql: DROP_EMPTY, params: [type] },
];

const setRateLimit = (type: string, max: number, intervalMs: number, now: string): Statement[] => [
  {
    sql:
      `INSERT INTO queue_controls (type, rate_max, rate_interval_ms, updated_at_utc) VALUES (?, ?, ?, ${TS})` +
      ` ON CONFLICT (type) DO UPDATE SET rate_max = excluded.rate_max, rate_interval_ms = excluded.rate_interval_ms,` +
      ` updated_at_utc = excluded.updated_at_utc`,
    params: [type, max, intervalMs, now],
  },
];

const clearRateLimit = (type: string, now: string): Statement[] => [
  {
    sql:
      `UPDATE queue_controls SET rate_max = NULL, rate_interval_ms = NULL, window_until_utc = NULL, window_count = 0,` +
      ` updated_at_utc = ${TS} WHERE type = ?`,
    params: [now, type],
  },
  { sql: DROP_EMPTY, params: [type] },
];

const selectControls = (): Statement => ({
  sql: `SELECT type, paused, rate_max, rate_interval_ms, window_until_utc, window_count FROM queue_controls ORDER BY type`,
  params: [],
});
const selectLimitedTypes = (): Statement => ({ sql: `SELECT type FROM queue_controls WHERE rate_max IS NOT NULL ORDER BY type`, params: [] });

const ORDER: Record<ClaimStrategy, string> = {
  FIFO: "run_after_utc ASC, id ASC",
  LIFO: "run_after_utc DESC, id DESC",
  PRIORITY: "priority ASC, run_after_utc ASC, id ASC",
  WEIGHTED_RANDOM: "priority ASC, run_after_utc ASC, id ASC",
};

const COMPAT =
  ` AND (compatibility = '{}'::jsonb OR CASE WHEN jsonb_typeof(compatibility) = 'object' THEN NOT EXISTS (` +
  `SELECT 1 FROM jsonb_each(task_queue.compatibility) AS c WHERE c.value IS DISTINCT FROM (CAST(? AS jsonb) -> c.key))` +
  ` ELSE false END)`;

const CLAIM_LOG = transitionLogColumns({
  from: "queued",
  to: "processing",
  details: { worker_id: "CAST(? AS text)", attempt: "attempts + 1", lease_token: "lease_token + 1" },
});

/** Rate-limited claim of one type: one statement (see the module doc), then a no-op. */
const claimLimited = (strategy: ClaimStrategy, p: ClaimParams, type: string, limit: number, withLog: boolean): Statement[] => {
  const open = `ctl.window_until_utc IS NOT NULL AND ctl.window_until_utc > ${TS}`;
  const sql =
    `WITH ctl AS (SELECT type, paused, rate_max, rate_interval_ms, window_until_utc, window_count FROM queue_controls` +
    ` WHERE type = ? AND rate_max IS NOT NULL FOR UPDATE),` +
    ` lim AS (SELECT CASE WHEN ctl.paused = 1 OR EXISTS (SELECT 1 FROM queue_controls WHERE type = '' AND paused = 1) THEN 0` +
    ` WHEN ${open} THEN GREATEST(0, ctl.rate_max - ctl.window_count) ELSE ctl.rate_max END AS n FROM ctl),` +
    ` picked AS (SELECT id, attempts, lease_token FROM task_queue WHERE status = 'queued' AND run_after_utc <= ${TS} AND type = ?${COMPAT}` +
    ` ORDER BY ${ORDER[strategy]} LIMIT LEAST(COALESCE((SELECT n FROM lim), 0), GREATEST(0, ${checked(limit)} - COALESCE((SELECT sum(last_batch_n)` +
    ` FROM queue_controls WHERE last_batch = ?), 0))) FOR UPDATE SKIP LOCKED)` +
    (withLog ? `, logged AS (${CLAIM_LOG}picked)` : "") +
    `, claimed AS (UPDATE task_queue AS t SET status = 'processing', locked_by = ?, lease_token = t.lease_token + 1,` +
    ` lease_until_utc = ${TS}, reserved_at_utc = ${TS}, processing_started_utc = ${TS}, updated_at_utc = ${TS}, attempts = t.attempts + 1` +
    ` FROM picked WHERE t.id = picked.id AND t.status = 'queued' RETURNING t.*),` +
    ` counted AS (UPDATE queue_controls AS q SET` +
    ` window_count = CASE WHEN q.window_until_utc IS NOT NULL AND q.window_until_utc > ${TS} THEN q.window_count ELSE 0 END + (SELECT count(*) FROM claimed),` +
    ` window_until_utc = CASE WHEN q.window_until_utc IS NOT NULL AND q.window_until_utc > ${TS} THEN q.window_until_utc` +
    ` ELSE ${TS} + q.rate_interval_ms * interval '1 millisecond' END,` +
    ` last_batch = ?, last_batch_n = (SELECT count(*) FROM claimed)` +
    ` WHERE q.type = ? AND q.rate_max IS NOT NULL AND (SELECT count(*) FROM claimed) > 0)` +
    ` SELECT * FROM claimed`;
  const params: SqlValue[] = [
    type,
    p.now,
    p.now,
    type,
    p.capabilities,
    p.batchId ?? "",
    ...(withLog ? [p.now, p.workerId] : []),
    p.workerId,
    p.leaseUntil,
    p.now,
    p.now,
    p.now,
    p.now,
    p.now,
    p.now,
    p.batchId ?? "",
    type,
  ];
  return [{ sql, params }, { sql: `SELECT 1 AS done WHERE false`, params: [] }];
};

// ---------------------------------------------------------------- retention and redrive

const purgeFinished = (status: RetainedStatus, before: string, limit: number): Statement[] => {
  const pick = `SELECT id FROM task_queue WHERE status = ? AND finished_at_utc <= ${TS} ORDER BY finished_at_utc, id LIMIT ${checked(limit)}`;
  return [
    { sql: `DELETE FROM task_logs WHERE task_id IN (${pick})`, params: [status, before] },
    { sql: `DELETE FROM task_queue WHERE id IN (${pick})`, params: [status, before] },
  ];
};

const purgeLogs = (before: string, limit: number): Statement => ({
  sql: `DELETE FROM task_logs WHERE log_id IN (SELECT log_id FROM task_logs ORDER BY log_id LIMIT ${checked(limit)}) AND at_utc < ${TS}`,
  params: [before],
});

const REDRIVE_LOG = transitionLogColumns({ from: null, to: "queued", details: { attempt: "attempts", reason: "'redrive'" } });

const redrive = (
  statuses: readonly ("failed" | "dead_letter")[],
  type: string | null,
  now: string,
  runAfter: string,
  limit: number,
): Statement[] => {
  if (statuses.length === 0) throw new RangeError("redrive needs at least one status");
  const params: SqlValue[] = [...statuses];
  let filter = `status IN (${statuses.map(() => "?").join(", ")})`;
  if (type !== null) {
    filter += ` AND type = ?`;
    params.push(type);
  }
  return [
    {
      sql:
        `WITH old AS (SELECT id, status, attempts FROM task_queue WHERE ${filter} ORDER BY id LIMIT ${checked(limit)} FOR UPDATE SKIP LOCKED),` +
        ` logged AS (${REDRIVE_LOG}old)` +
        ` UPDATE task_queue AS t SET status = 'queued', attempts = 0, run_after_utc = ${TS}, updated_at_utc = ${TS}, locked_by = NULL,` +
        ` lease_until_utc = NULL, finished_at_utc = NULL, error_message = NULL, progress = NULL, result = NULL FROM old WHERE t.id = old.id`,
      params: [...params, now, runAfter, now],
    },
  ];
};

/** The PostgreSQL {@link FeatureStatements}. */
export const postgresFeatures: FeatureStatements = Object.freeze({
  setProgress,
  setResult,
  lapseKey,
  replaceQueued,
  insertKeyedTask,
  setPaused,
  setRateLimit,
  clearRateLimit,
  selectControls,
  selectLimitedTypes,
  claimLimited,
  purgeFinished,
  purgeLogs,
  redrive,
});
