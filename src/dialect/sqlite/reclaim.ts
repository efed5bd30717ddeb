/**
 * The one reclaim statement: how a `processing` task is taken back from a holder that lost it.
 * Every reclaim path builds its UPDATE here: lease expiry (run inside each claim's batch), the
 * release of stale workers' tasks (heartbeat) and `QueueMaintenance.cleanupStaleLeases`. They
 * differ only in which rows they take ({@link ReclaimScope}); the rule for what happens to a
 * taken row is the same everywhere:
 *
 * - the fencing token `lease_token` is bumped, so the old holder's fenced writes are refused
 *   even if the task is back in `processing` under someone else when it wakes;
 * - the outcome follows the task type's crash policy: `fail` ends it `failed`, `dead_letter` ends
 *   it `dead_letter`, `retry` (and any type not listed) puts it back in `queued` with its attempt
 *   counted, or ends it `failed` when it has no attempts left;
 * - a `task_logs` row records the transition. The schema writes it (the `trg_task_reclaim_log`
 *   trigger of migration 5, fired by exactly this kind of UPDATE: a processing row leaving
 *   processing with its token bumped), so a reclaim logs in the same statement, whatever the
 *   worker's `taskLogs` setting, and the claim's batch pays no extra statement for it.
 *
 * The trigger reads the reason from `error_message`, whose opening words are fixed here:
 * `lease expired …` → `lease_expired`, `worker … went stale …` → `stale_worker`.
 *
 * @internal
 * @module
 */
import type { SqlValue, Statement } from "../../driver.ts";
import type { ReclaimPolicy, ReclaimScope, Reclaim } from "../types.ts";
import { processingRows } from "./processing.ts";
export type { ReclaimPolicy, ReclaimScope, Reclaim };

/** Heartbeats are compared as millisecond text (rows the seeds' own SQL wrote lack the `.SSS`). */
const STALE_HOLDER =
  `p.locked_by IN (SELECT worker_id FROM workers WHERE strftime('%Y-%m-%d %H:%M:%f', heartbeat_utc) < ?)`;

// The rows a scope takes: processing rows found type by type (./processing.ts), so a sweep with
// nothing expired costs a seek per task type, whatever the table holds.
const taken = (where: string): string => `id IN (${processingRows("p.id", where)}) AND status = 'processing'`;
const EXPIRED_REASON = `'lease expired (held by ' || COALESCE(locked_by, '?') || ')'`;
const STALE_REASON =
  `'worker ' || COALESCE(locked_by, '?') || ' went stale (last heartbeat ' ||` +
  ` COALESCE((SELECT w.heartbeat_utc FROM workers w WHERE w.worker_id = task_queue.locked_by), '?') || ')'`;

const marks = (n: number): string => Array.from({ length: n }, () => "?").join(", ");

/** The SQL text and type lists of one policy, built once per policy object. */
interface PolicySql {
  /** The status a reclaimed row ends in; its parameters are {@link PolicySql.params}. */
  readonly status: string;
  /** True for a row that ends `failed` only because its attempts are spent (`retry` policy). */
  readonly spent: string;
  readonly params: readonly SqlValue[];
  /** Parameters of {@link PolicySql.spent}. */
  readonly spentParams: readonly SqlValue[];
  /** Statement texts by scope kind: the claim's reclaim is then the same string object each time. */
  readonly texts: Map<ReclaimScope["kind"], string>;
}

const policyCache = new WeakMap<object, PolicySql>();
const NO_POLICY: ReclaimPolicy = Object.freeze({});

function policySql(policy: ReclaimPolicy): PolicySql {
  const hit = policyCache.get(policy);
  if (hit !== undefined) return hit;
  const entries = Object.entries(policy);
  const fail = entries.filter(([, p]) => p === "fail").map(([t]) => t);
  const dead = entries.filter(([, p]) => p === "dead_letter").map(([t]) => t);
  const special = [...fail, ...dead];
  const notSpecial = special.length > 0 ? `type NOT IN (${marks(special.length)}) AND ` : "";
  const built: PolicySql = {
    status:
      `(CASE` +
      (fail.length > 0 ? ` WHEN type IN (${marks(fail.length)}) THEN 'failed'` : "") +
      (dead.length > 0 ? ` WHEN type IN (${marks(dead.length)}) THEN 'dead_letter'` : "") +
      ` WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END)`,
    spent: `(${notSpecial}attempts >= max_attempts)`,
    params: special,
    spentParams: special,
    texts: new Map(),
  };
  policyCache.set(policy, built);
  return built;
}

/**
 * The reclaim UPDATE for one scope: one statement, whose `changes` is the number of tasks taken
 * back. SET expressions read the row as it was, so the reason still names the old holder.
 */
export function reclaimTasks(r: Reclaim): Statement {
  const p = policySql(r.policy ?? NO_POLICY);
  const { where, whereParams, reason, reasonParams } = scopeSql(r.scope, r.now);
  let sql = p.texts.get(r.scope.kind);
  if (sql === undefined) {
    const queued = `${p.status} = 'queued'`;
    sql =
      `UPDATE task_queue SET status = ${p.status},` +
      ` finished_at_utc = CASE WHEN ${queued} THEN finished_at_utc ELSE ? END, updated_at_utc = ?,` +
      ` lease_until_utc = NULL, locked_by = CASE WHEN ${queued} THEN NULL ELSE locked_by END,` +
      ` lease_token = lease_token + 1,` +
      ` error_message = ${reason} || CASE WHEN ${p.spent} THEN ' and no attempts left' ELSE '' END` +
      ` WHERE ${where}`;
    p.texts.set(r.scope.kind, sql);
  }
  return {
    sql,
    params: [
      ...p.params,
      ...p.params,
      r.now,
      r.now,
      ...p.params,
      ...reasonParams,
      ...p.spentParams,
      ...whereParams,
    ],
  };
}

function scopeSql(
  scope: ReclaimScope,
  now: string,
): { where: string; whereParams: SqlValue[]; reason: string; reasonParams: SqlValue[] } {
  switch (scope.kind) {
    case "expired":
      return { where: taken(`p.lease_until_utc <= ?`), whereParams: [now], reason: EXPIRED_REASON, reasonParams: [] };
    case "stale":
      return {
        where: taken(STALE_HOLDER),
        whereParams: [scope.staleBefore],
        reason: STALE_REASON,
        reasonParams: [],
      };
    case "expired_or_stale":
      return {
        where: taken(`p.lease_until_utc <= ? OR ${STALE_HOLDER}`),
        whereParams: [now, scope.staleBefore],
        // A row whose lease ran out is named for that, even if its worker is stale too.
        reason: `(CASE WHEN lease_until_utc <= ? THEN ${EXPIRED_REASON} ELSE ${STALE_REASON} END)`,
        reasonParams: [now],
      };
  }
}

/**
 * Lease reclaim as the claim runs it, first in its batch: every processing task whose lease ran
 * out at `now`, under `policy`. A one-element list, so it can be spread into a batch.
 */
export function reclaimExpired(now: string, policy: ReclaimPolicy = NO_POLICY): Statement[] {
  return [reclaimTasks({ now, scope: { kind: "expired" }, policy })];
}
