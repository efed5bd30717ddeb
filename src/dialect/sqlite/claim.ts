/**
 * Claim: the one statement that leases queued tasks (`queued → processing`) in a strategy's order,
 * preceded, when logging, by its transition rows.
 *
 * @internal
 * @module
 */
import type { SqlValue, Statement } from "../../driver.ts";
import type { ClaimStrategy } from "../../strategies.ts";
import { transitionLogParams, transitionLogPrefix } from "./log.ts";
import { CONTROLS_FILTER, limitAfterEarlierClaims } from "./controls.ts";
import type { ClaimParams } from "../types.ts";
export type { ClaimParams };

const ORDER: Record<Exclude<ClaimStrategy, "WEIGHTED_RANDOM">, string> = {
  FIFO: "run_after_utc ASC, id ASC",
  LIFO: "run_after_utc DESC, id DESC",
  PRIORITY: "priority ASC, run_after_utc ASC, id ASC",
};

// Each ordered claim walks, for each of the worker's types, an index that holds that type's
// queued rows in the strategy's order, and stops at the first eligible rows: a worker of one type
// never walks past the backlog of others (measured before, PRIORITY on the type-blind
// ix_task_status_prio_time: 0.13 ms per claim with no other type queued, 5 ms behind 20,000
// queued tasks of another type). Several types: each type's first `limit` rows, merged in order.
// Left to itself the planner picks the run_after range for PRIORITY and sorts the whole backlog
// in a temp B-tree (measured: ~2 ms per claim at 10k queued, vs ~0.05 ms), so the index is named.
const INDEX: Record<Exclude<ClaimStrategy, "WEIGHTED_RANDOM">, string> = {
  FIFO: "ix_task_type_queued_time",
  LIFO: "ix_task_type_queued_time",
  PRIORITY: "ix_task_type_status",
};

/**
 * The FIFO/LIFO index, made by the first such claim (the default PRIORITY queue does not write
 * it on every enqueue and claim). Run first in the claim's transaction; once the index exists it
 * changes nothing.
 */
const QUEUED_TIME_INDEX: Statement = Object.freeze({
  sql: `CREATE INDEX IF NOT EXISTS ix_task_type_queued_time ON task_queue (type, run_after_utc, id) WHERE status = 'queued'`,
  params: Object.freeze([]),
});

// Every key of the task's compatibility must equal the worker's capability of that key.
// CASE keeps json_each away from a hand-written, invalid JSON value (such a task is skipped).
const COMPAT =
  ` AND (compatibility = '{}' OR CASE WHEN json_valid(compatibility) THEN NOT EXISTS (` +
  `SELECT 1 FROM json_each(task_queue.compatibility) AS c` +
  ` WHERE c.value IS NOT json_extract(?, '$."' || c.key || '"')) ELSE 0 END)`;

/** Filters shared by every claim: runnable, a handled type, requirements met. */
function eligible(types: readonly string[], capabilities: string): { where: string; params: SqlValue[] } {
  const typeFilter = types.length > 0 ? ` AND type IN (${types.map(() => "?").join(", ")})` : "";
  return {
    // Paused and rate-limited types are left out (rate-limited ones are claimed by controls.ts).
    where: `status = 'queued' AND run_after_utc <= ?${typeFilter}${COMPAT}${CONTROLS_FILTER}`,
    params: [...types, capabilities],
  };
}

/**
 * The same filters for one type's walk, parameters `[type, now, capabilities]`. `type IN (?)`,
 * not `type = ?`: measured on SQLite 3.54, a bound `type = ?` on a type-led index under an ORDER BY
 * re-prepared the statement at every run (callgrind: sqlite3Reprepare per call; ~6–9 µs), and
 * the one-value IN does not.
 */
const ONE_TYPE_WHERE = `type IN (?) AND status = 'queued' AND run_after_utc <= ?${COMPAT}${CONTROLS_FILTER}`;

// The distinct types of queued rows, one seek each on the type-led FIFO/LIFO index: an untyped
// FIFO or LIFO claim (a worker with no handlers) walks each type's rows as a typed one does.
const QUEUED_TYPES =
  `WITH RECURSIVE qt(t) AS (` +
  `SELECT (SELECT type FROM task_queue INDEXED BY ix_task_type_queued_time WHERE status = 'queued' ORDER BY type LIMIT 1)` +
  ` UNION ALL SELECT (SELECT type FROM task_queue INDEXED BY ix_task_type_queued_time` +
  ` WHERE status = 'queued' AND type > qt.t ORDER BY type LIMIT 1) FROM qt WHERE qt.t IS NOT NULL) `;

const CLAIM_SET =
  `SET status = 'processing', locked_by = ?, lease_token = lease_token + 1, lease_until_utc = ?,` +
  ` reserved_at_utc = ?, processing_started_utc = ?, updated_at_utc = ?, attempts = attempts + 1`;

/** The subquery that picks the ids a claim takes, and its parameters. */
interface Pick {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

function checkedLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`claim limit must be a positive integer, got ${String(limit)}`);
  return limit;
}

// The ordered pick's text depends only on the strategy, the limit, the number of types and
// whether rate-limited claims came first; built once per such shape instead of at every claim
// (measured: ~1.8 µs to build the ~900 characters and hash them in the statement cache).
const pickTexts = new Map<string, string>();
const PICK_TEXTS_LIMIT = 256;

function orderedPickText(strategy: Exclude<ClaimStrategy, "WEIGHTED_RANDOM">, types: number, limit: number, limited: boolean): string {
  // The limit is written into the text, not bound: measured, a bound `LIMIT ?` made the pick
  // several times slower. `limit` is a checked integer, and each value is one cached statement.
  // After rate-limited claims in the same batch (p.batchId), less what they took.
  const n = checkedLimit(limit);
  const outerLimit = limited ? limitAfterEarlierClaims(n) : String(n);
  const order = ORDER[strategy];
  const walk = (columns: string, typeSql: string, walkLimit: string): string =>
    `SELECT ${columns} FROM task_queue INDEXED BY ${INDEX[strategy]} WHERE ${ONE_TYPE_WHERE.replace("type IN (?)", typeSql)} ORDER BY ${order} LIMIT ${walkLimit}`;
  if (types === 1) return walk("id", "type IN (?)", outerLimit);
  if (types > 1) {
    const arms = Array.from({ length: types }, () => `SELECT * FROM (${walk("id, priority, run_after_utc", "type IN (?)", String(n))})`);
    return `SELECT id FROM (${arms.join(" UNION ALL ")}) ORDER BY ${order} LIMIT ${outerLimit}`;
  }
  if (strategy === "PRIORITY") {
    // Every type, in the order of the seeds' index (the queued rows of all types).
    return `SELECT id FROM task_queue INDEXED BY ix_task_status_prio_time WHERE ${eligible([], "").where} ORDER BY ${order} LIMIT ${outerLimit}`;
  }
  const outerOrder = order.replace(/(\w+) (ASC|DESC)/g, "q.$1 $2");
  return `${QUEUED_TYPES}SELECT q.id FROM qt JOIN task_queue AS q ON q.id IN (${walk("id", "type = qt.t", String(n))}) WHERE qt.t IS NOT NULL ORDER BY ${outerOrder} LIMIT ${outerLimit}`;
}

function orderedPick(strategy: Exclude<ClaimStrategy, "WEIGHTED_RANDOM">, p: ClaimParams, limit: number): Pick {
  const limited = p.batchId !== undefined;
  const key = `${strategy} ${limit} ${p.types.length} ${limited ? 1 : 0}`;
  let sql = pickTexts.get(key);
  if (sql === undefined) {
    sql = orderedPickText(strategy, p.types.length, limit, limited);
    if (pickTexts.size >= PICK_TEXTS_LIMIT) pickTexts.clear();
    pickTexts.set(key, sql);
  }
  const params: SqlValue[] = [];
  if (p.types.length === 0) params.push(p.now, p.capabilities);
  for (const type of p.types) params.push(type, p.now, p.capabilities);
  if (limited) params.push(p.batchId!);
  return { sql, params };
}

/**
 * How many runnable tasks of each priority a weighted draw considers: the oldest ones of each
 * band (in `run_after_utc, id` order). Measured at 10k queued, summing the weights of every
 * eligible row took ~65 ms per claim; with the candidates bounded a claim costs one index seek
 * per distinct priority plus at most this many rows of each (see README "Performance").
 */
export const WEIGHTED_CANDIDATES_PER_PRIORITY = 64;

// The distinct priorities of queued rows, walked on ix_task_status_prio_time one seek each.
const BANDS =
  `WITH RECURSIVE bands(p) AS (` +
  `SELECT (SELECT priority FROM task_queue INDEXED BY ix_task_status_prio_time WHERE status = 'queued' ORDER BY priority LIMIT 1)` +
  ` UNION ALL SELECT (SELECT priority FROM task_queue INDEXED BY ix_task_status_prio_time` +
  ` WHERE status = 'queued' AND priority > bands.p ORDER BY priority LIMIT 1) FROM bands WHERE bands.p IS NOT NULL)`;

// A typed draw's bands: the distinct priorities of each of the worker's types' queued rows, one
// seek each on the type-led ix_task_type_status (a draw never walks other types' rows).
function typedBands(types: number): string {
  const seeds = Array.from({ length: types }, () => "(?)").join(", ");
  return (
    `WITH RECURSIVE bands(ty, p) AS (` +
    `SELECT column1, (SELECT priority FROM task_queue INDEXED BY ix_task_type_status WHERE type = column1 AND status = 'queued' ORDER BY priority LIMIT 1) FROM (VALUES ${seeds})` +
    ` UNION ALL SELECT bands.ty, (SELECT priority FROM task_queue INDEXED BY ix_task_type_status` +
    ` WHERE type = bands.ty AND status = 'queued' AND priority > bands.p ORDER BY priority LIMIT 1) FROM bands WHERE bands.p IS NOT NULL)`
  );
}

// Candidates: the first WEIGHTED_CANDIDATES_PER_PRIORITY eligible rows of every band (with
// several types, the first of each type's rows in the band, then the first of those). Then a
// running sum of weights in (priority, run_after_utc, id) order; the first candidate whose running
// sum exceeds u × total is drawn. If rounding leaves no such row (u very near 1), the last one.
function weightedPick(p: ClaimParams, u: number): Pick {
  const draw = (candidates: string): string =>
    `SELECT id FROM (SELECT id,` +
    ` SUM(1.0 / max(priority, 1)) OVER (ORDER BY priority, run_after_utc, id ROWS UNBOUNDED PRECEDING) AS cum,` +
    ` SUM(1.0 / max(priority, 1)) OVER () AS total FROM (${candidates}))` +
    ` ORDER BY CASE WHEN cum > ? * total THEN 0 ELSE 1 END, CASE WHEN cum > ? * total THEN cum ELSE -cum END` +
    ` LIMIT 1`;
  if (p.types.length === 0) {
    const e = eligible([], p.capabilities);
    const candidates =
      `SELECT task_queue.id, task_queue.priority, task_queue.run_after_utc FROM bands JOIN task_queue ON task_queue.id IN (SELECT id FROM task_queue INDEXED BY ix_task_status_prio_time` +
      ` WHERE ${e.where} AND priority = bands.p ORDER BY run_after_utc, id LIMIT ${WEIGHTED_CANDIDATES_PER_PRIORITY})` +
      ` WHERE bands.p IS NOT NULL`;
    return { sql: `${BANDS} ${draw(candidates)}`, params: [p.now, ...e.params, u, u] };
  }
  const perType =
    `SELECT task_queue.id, task_queue.priority, task_queue.run_after_utc FROM bands JOIN task_queue ON task_queue.id IN (SELECT id FROM task_queue INDEXED BY ix_task_type_status` +
    ` WHERE ${ONE_TYPE_WHERE.replace("type IN (?)", "type = bands.ty")} AND priority = bands.p ORDER BY run_after_utc, id LIMIT ${WEIGHTED_CANDIDATES_PER_PRIORITY})` +
    ` WHERE bands.p IS NOT NULL`;
  const candidates =
    p.types.length === 1
      ? perType
      : `SELECT id, priority, run_after_utc FROM (SELECT id, priority, run_after_utc,` +
        ` ROW_NUMBER() OVER (PARTITION BY priority ORDER BY run_after_utc, id) AS rn FROM (${perType}))` +
        ` WHERE rn <= ${WEIGHTED_CANDIDATES_PER_PRIORITY}`;
  return { sql: `${typedBands(p.types.length)} ${draw(candidates)}`, params: [...p.types, p.now, p.capabilities, u, u] };
}

// Claim texts by pick text (the same string object for a cached ordered pick), for the same
// reason; one map for `id = (…)` and one for `id IN (…)`.
const claimTexts = { single: new Map<string, string>(), many: new Map<string, string>() };

function claimWith(pick: Pick, p: ClaimParams, single: boolean): Statement {
  const texts = single ? claimTexts.single : claimTexts.many;
  let sql = texts.get(pick.sql);
  if (sql === undefined) {
    // `+status` re-checks the status without letting the planner scan the status index: the ids
    // from the subquery are looked up by rowid. For one task `id = (…)` is used: measured at a
    // 30k backlog, 27 µs against 166 µs for `id IN (…)` with LIMIT 1.
    const match = single ? `id = (${pick.sql})` : `id IN (${pick.sql})`;
    sql = `UPDATE task_queue ${CLAIM_SET} WHERE ${match} AND +status = 'queued' RETURNING *`;
    if (texts.size >= PICK_TEXTS_LIMIT) texts.clear();
    texts.set(pick.sql, sql);
  }
  return { sql, params: [p.workerId, p.leaseUntil, p.now, p.now, p.now, ...pick.params] };
}

// The claim's log rows, written just before it in the same transaction with the same pick: the
// pick is deterministic (a total order, or the same u), so it selects exactly the rows the
// UPDATE then leases.
const CLAIM_LOG = transitionLogPrefix({
  from: "queued",
  to: "processing",
  details: { worker_id: "?", attempt: "attempts + 1", lease_token: "lease_token + 1" },
});

function claimLog(pick: Pick, p: ClaimParams): Statement {
  return { sql: `${CLAIM_LOG}id IN (${pick.sql})`, params: transitionLogParams(p.now, [p.workerId], pick.params) };
}

/**
 * Claims up to `limit` tasks in one statement: the subquery picks them in the strategy's order
 * and the UPDATE leases them. SQLite runs the whole statement under one write lock, so two
 * workers can never claim the same row. With `withLog`, the log INSERT comes first: the claim
 * is then the last statement of the returned list (FIFO and LIFO put the creation of their index,
 * a no-op once made, first).
 */
export function claimOrdered(
  strategy: Exclude<ClaimStrategy, "WEIGHTED_RANDOM">,
  p: ClaimParams,
  limit: number,
  withLog = false,
): Statement[] {
  const pick = orderedPick(strategy, p, limit);
  const claim = claimWith(pick, p, limit === 1);
  const index = strategy === "PRIORITY" ? [] : [QUEUED_TIME_INDEX];
  return withLog ? [...index, claimLog(pick, p), claim] : [...index, claim];
}

/**
 * Claims one task drawn with probability proportional to `1 / max(priority, 1)`, using the
 * caller's uniform `u` in [0, 1), among the oldest {@link WEIGHTED_CANDIDATES_PER_PRIORITY}
 * runnable tasks of each priority. Same shape as {@link claimOrdered}.
 */
export function claimWeightedRandom(p: ClaimParams, u: number, withLog = false): Statement[] {
  const pick = weightedPick(p, u);
  const claim = claimWith(pick, p, true);
  return withLog ? [claimLog(pick, p), claim] : [claim];
}
