/**
 * Claim on PostgreSQL: one statement picks runnable tasks in the strategy's order with
 * `FOR UPDATE SKIP LOCKED` (concurrent claimers on other connections skip each other's rows
 * instead of waiting), leases them, and, when logging, writes their transition rows from the
 * same locked set (a data-modifying WITH). The claim is the only statement of the list it
 * returns, so its RETURNING rows are the last result, as the core reads them.
 *
 * @internal
 * @module
 */
import type { SqlValue, Statement } from "../../driver.ts";
import type { ClaimStrategy } from "../../strategies.ts";
import type { ClaimParams } from "../types.ts";
import { transitionLogColumns } from "./log.ts";
import { TS } from "./time.ts";

type Ordered = Exclude<ClaimStrategy, "WEIGHTED_RANDOM">;

const ORDER: Record<Ordered, string> = {
  FIFO: "run_after_utc ASC, id ASC",
  LIFO: "run_after_utc DESC, id DESC",
  PRIORITY: "priority ASC, run_after_utc ASC, id ASC",
};

/**
 * How many of the oldest runnable tasks of each priority a WEIGHTED_RANDOM draw considers. The
 * draw is exact (probability ∝ 1/max(priority, 1) over every runnable task) while no priority
 * has more runnable tasks than this; beyond it each priority's share is that of its oldest
 * {@link WEIGHTED_BAND_SIZE} tasks, so a claim never scans the whole backlog.
 */
export const WEIGHTED_BAND_SIZE = 128;

/** Filters shared by every claim: runnable, a handled type, requirements met. */
function eligible(types: readonly string[], capabilities: string): { where: string; params: SqlValue[] } {
  const typeFilter = types.length > 0 ? ` AND type IN (${types.map(() => "?").join(", ")})` : "";
  // Every key of the task's compatibility must equal the worker's capability of that key; a
  // compatibility that is not an object (written by hand) is never claimed.
  const compat =
    ` AND (compatibility = '{}'::jsonb OR CASE WHEN jsonb_typeof(compatibility) = 'object' THEN NOT EXISTS (` +
    `SELECT 1 FROM jsonb_each(task_queue.compatibility) AS c WHERE c.value IS DISTINCT FROM (CAST(? AS jsonb) -> c.key))` +
    ` ELSE false END)`;
  // Paused and rate-limited types are left out (rate-limited ones are claimed by features.ts).
  // Both checks are uncorrelated, so PostgreSQL runs each once per claim (an InitPlan), not once
  // per candidate row: a correlated NOT EXISTS probed queue_controls for every queued row and
  // made the claim O(backlog) (27 ms at 5,000 queued).
  const controls =
    ` AND NOT EXISTS (SELECT 1 FROM queue_controls WHERE type = '' AND (paused = 1 OR rate_max IS NOT NULL))` +
    ` AND (CASE WHEN task_queue.type = ANY (ARRAY(SELECT type FROM queue_controls WHERE paused = 1 OR rate_max IS NOT NULL))` +
    ` THEN NULL ELSE 1 END) IS NOT NULL`;
  return { where: `status = 'queued' AND run_after_utc <= ${TS}${typeFilter}${compat}${controls}`, params: [...types, capabilities] };
}

/**
 * The same filters for one type's walk, the type given as `typeSql` (a column of the type list):
 * parameters `[now, capabilities]`. Each type is walked on its own type-led index (migration 10),
 * so a worker never walks past the queued rows of types it does not handle.
 */
function oneTypeWhere(typeSql: string): string {
  return `type = ${typeSql} AND ${eligible([], "").where}`;
}

/** The worker's types as a one-column row list `ty(t)`: one parameter each. */
const typeRows = (types: number): string => `(VALUES ${Array.from({ length: types }, () => "(CAST(? AS text))").join(", ")}) AS ty(t)`;

// The distinct types of queued rows, one index probe each: an untyped FIFO or LIFO claim (a
// worker with no handlers) walks each type's rows as a typed one does.
const QUEUED_TYPES =
  `WITH RECURSIVE ty(t) AS (SELECT min(type) FROM task_queue WHERE status = 'queued'` +
  ` UNION ALL SELECT (SELECT min(type) FROM task_queue WHERE status = 'queued' AND type > ty.t) FROM ty WHERE ty.t IS NOT NULL) `;

/** `limit` less the tasks the rate-limited claims earlier in the batch took (ClaimParams.batchId). */
const afterEarlier = (limit: number): string =>
  `GREATEST(0, ${limit} - COALESCE((SELECT sum(last_batch_n) FROM queue_controls WHERE last_batch = ?), 0))`;

function checkedLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`claim limit must be a positive integer, got ${String(limit)}`);
  return limit;
}

const CLAIM_SET =
  `SET status = 'processing', locked_by = ?, lease_token = t.lease_token + 1, lease_until_utc = ${TS},` +
  ` reserved_at_utc = ${TS}, processing_started_utc = ${TS}, updated_at_utc = ${TS}, attempts = t.attempts + 1`;

const CLAIM_LOG = transitionLogColumns({
  from: "queued",
  to: "processing",
  details: { worker_id: "CAST(? AS text)", attempt: "attempts + 1", lease_token: "lease_token + 1" },
});

/**
 * The claim around a `picked` CTE (text and parameters) that locks the rows taken and returns
 * `id`, `attempts`, `lease_token` as locked.
 */
function claimAround(picked: { sql: string; params: readonly SqlValue[] }, p: ClaimParams, withLog: boolean): Statement[] {
  const log = withLog ? `, logged AS (${CLAIM_LOG}picked)` : "";
  return [
    {
      sql:
        `WITH picked AS (${picked.sql})${log}` +
        // `= ANY (ARRAY(...))` makes the planner fetch the picked rows by primary key; a join
        // with `picked` was planned as a hash join over a scan of the whole table.
        ` UPDATE task_queue AS t ${CLAIM_SET} WHERE t.id = ANY (ARRAY(SELECT id FROM picked)) AND t.status = 'queued' RETURNING t.*`,
      params: [
        ...picked.params,
        ...(withLog ? [p.now, p.workerId] : []),
        p.workerId,
        p.leaseUntil,
        p.now,
        p.now,
        p.now,
      ],
    },
  ];
}

/**
 * Claims up to `limit` tasks in one statement: the strategy's order over the queued rows of the
 * worker's types (each type walked on its own type-led index, migration 10; with no type, every
 * type's), the first `limit` not locked by another claimer, leased and returned. Same list shape
 * as the SQLite dialect's, with the log inside.
 */
export function claimOrdered(strategy: Ordered, p: ClaimParams, limit: number, withLog = false): Statement[] {
  const n = checkedLimit(limit);
  const outerLimit = p.batchId !== undefined ? afterEarlier(n) : String(n);
  const tail = p.batchId !== undefined ? [p.batchId] : [];
  if (p.types.length === 0 && strategy === "PRIORITY") {
    const e = eligible(p.types, p.capabilities);
    const picked = {
      sql: `SELECT id, attempts, lease_token FROM task_queue WHERE ${e.where} ORDER BY ${ORDER[strategy]} LIMIT ${outerLimit} FOR UPDATE SKIP LOCKED`,
      params: [p.now, ...e.params, ...tail],
    };
    return claimAround(picked, p, withLog);
  }
  // Each type's first `n` runnable rows, locked (SKIP LOCKED) in its own walk, then the first `n`
  // of those in the strategy's order. Rows locked but not taken stay locked only until the
  // claim's transaction ends, as a skipped row does.
  const from = p.types.length === 0 ? "ty" : typeRows(p.types.length);
  const outerOrder = ORDER[strategy].replace(/(\w+) (ASC|DESC)/g, "c.$1 $2");
  const picked = {
    sql:
      (p.types.length === 0 ? QUEUED_TYPES : "") +
      `SELECT c.id, c.attempts, c.lease_token FROM ${from} CROSS JOIN LATERAL (SELECT id, attempts, lease_token, priority, run_after_utc FROM task_queue` +
      ` WHERE ${oneTypeWhere("ty.t")} ORDER BY ${ORDER[strategy]} LIMIT ${n} FOR UPDATE SKIP LOCKED) AS c` +
      `${p.types.length === 0 ? " WHERE ty.t IS NOT NULL" : ""} ORDER BY ${outerOrder} LIMIT ${outerLimit}`,
    params: [...p.types, p.now, p.capabilities, ...tail],
  };
  return claimAround(picked, p, withLog);
}

/**
 * Claims one task drawn with probability proportional to `1 / max(priority, 1)` using the
 * caller's uniform `u`, among the oldest {@link WEIGHTED_BAND_SIZE} runnable tasks of each
 * priority: the priorities present are found by a skip scan (of each of the worker's types on
 * `ix_task_type_status`, or of the queued-priority index), each one contributes a bounded
 * candidate list, and the running sum picks the row as on SQLite. A
 * drawn row another claimer holds locked yields no task this time (the worker polls again).
 */
export function claimWeightedRandom(p: ClaimParams, u: number, withLog = false): Statement[] {
  const typed = p.types.length > 0;
  const e = eligible(p.types, p.capabilities);
  // Untyped: the priorities of all queued rows. Typed: each type's priorities on its type-led
  // index (migration 10), so a draw never walks other types' rows.
  const bands = typed
    ? `WITH RECURSIVE bands(ty, p) AS (` +
      `SELECT ty.t, (SELECT min(priority) FROM task_queue WHERE type = ty.t AND status = 'queued') FROM ${typeRows(p.types.length)}` +
      ` UNION ALL SELECT bands.ty, (SELECT min(priority) FROM task_queue WHERE type = bands.ty AND status = 'queued' AND priority > bands.p)` +
      ` FROM bands WHERE bands.p IS NOT NULL)`
    : `WITH RECURSIVE bands(p) AS (` +
      `(SELECT priority FROM task_queue WHERE status = 'queued' ORDER BY priority LIMIT 1)` +
      ` UNION ALL SELECT (SELECT priority FROM task_queue WHERE status = 'queued' AND priority > bands.p ORDER BY priority LIMIT 1)` +
      ` FROM bands WHERE bands.p IS NOT NULL)`;
  const walk = typed ? oneTypeWhere("bands.ty") : e.where;
  const perBand =
    `SELECT c.id, c.priority, c.run_after_utc FROM bands CROSS JOIN LATERAL (SELECT id, priority, run_after_utc FROM task_queue` +
    ` WHERE ${walk} AND priority = bands.p ORDER BY run_after_utc, id LIMIT ${WEIGHTED_BAND_SIZE}) AS c WHERE bands.p IS NOT NULL`;
  // Several types: the oldest WEIGHTED_BAND_SIZE of each band across them, as with one.
  const candidates =
    p.types.length > 1
      ? `SELECT id, priority, run_after_utc FROM (SELECT id, priority, run_after_utc,` +
        ` row_number() OVER (PARTITION BY priority ORDER BY run_after_utc, id) AS rn FROM (${perBand}) AS b) AS r WHERE rn <= ${WEIGHTED_BAND_SIZE}`
      : perBand;
  const weights =
    `SELECT id, SUM(1.0::float8 / GREATEST(priority, 1)) OVER (ORDER BY priority, run_after_utc, id ROWS UNBOUNDED PRECEDING) AS cum,` +
    ` SUM(1.0::float8 / GREATEST(priority, 1)) OVER () AS total FROM cand`;
  const draw =
    `${bands}, cand AS (${candidates}), w AS (${weights})` +
    ` SELECT id FROM w ORDER BY CASE WHEN cum > CAST(? AS float8) * total THEN 0 ELSE 1 END,` +
    ` CASE WHEN cum > CAST(? AS float8) * total THEN cum ELSE -cum END LIMIT 1`;
  const picked = {
    sql:
      `SELECT id, attempts, lease_token FROM task_queue WHERE id = (${draw}) AND status = 'queued'` +
      ` AND run_after_utc <= ${TS} FOR UPDATE SKIP LOCKED`,
    params: typed ? [...p.types, p.now, p.capabilities, u, u, p.now] : [p.now, ...e.params, u, u, p.now],
  };
  return claimAround(picked, p, withLog);
}
