/**
 * The one reclaim statement on PostgreSQL, by the same rule as SQLite's (`../sqlite/reclaim.ts`):
 * the fencing token is bumped, the outcome follows the type's crash policy and the attempts
 * left, and the schema's `trg_task_reclaim_log` trigger writes the `task_logs` row in the same
 * statement. Rows another transaction holds locked (a claim in flight) are skipped, not waited
 * for: the next reclaim takes them.
 *
 * @internal
 * @module
 */
import type { SqlValue, Statement } from "../../driver.ts";
import type { Reclaim, ReclaimPolicy, ReclaimScope } from "../types.ts";
import { TIME_TEXT, TS } from "./time.ts";

const STALE_HOLDER = `locked_by IN (SELECT worker_id FROM workers WHERE heartbeat_utc < ${TS})`;
const EXPIRED_REASON = `'lease expired (held by ' || COALESCE(t.locked_by, '?') || ')'`;
const STALE_REASON =
  `'worker ' || COALESCE(t.locked_by, '?') || ' went stale (last heartbeat ' ||` +
  ` COALESCE((SELECT ${TIME_TEXT("w.heartbeat_utc")} FROM workers w WHERE w.worker_id = t.locked_by), '?') || ')'`;

const marks = (n: number): string => Array.from({ length: n }, () => "?").join(", ");

interface PolicySql {
  readonly status: string;
  readonly spent: string;
  readonly params: readonly SqlValue[];
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
  const notSpecial = special.length > 0 ? `t.type NOT IN (${marks(special.length)}) AND ` : "";
  const built: PolicySql = {
    status:
      `(CASE` +
      (fail.length > 0 ? ` WHEN t.type IN (${marks(fail.length)}) THEN 'failed'` : "") +
      (dead.length > 0 ? ` WHEN t.type IN (${marks(dead.length)}) THEN 'dead_letter'` : "") +
      ` WHEN t.attempts >= t.max_attempts THEN 'failed' ELSE 'queued' END)`,
    spent: `(${notSpecial}t.attempts >= t.max_attempts)`,
    params: special,
    texts: new Map(),
  };
  policyCache.set(policy, built);
  return built;
}

function scopeSql(scope: ReclaimScope, now: string): { where: string; whereParams: SqlValue[]; reason: string; reasonParams: SqlValue[] } {
  switch (scope.kind) {
    case "expired":
      return { where: `status = 'processing' AND lease_until_utc <= ${TS}`, whereParams: [now], reason: EXPIRED_REASON, reasonParams: [] };
    case "stale":
      return { where: `status = 'processing' AND ${STALE_HOLDER}`, whereParams: [scope.staleBefore], reason: STALE_REASON, reasonParams: [] };
    case "expired_or_stale":
      return {
        where: `status = 'processing' AND (lease_until_utc <= ${TS} OR ${STALE_HOLDER})`,
        whereParams: [now, scope.staleBefore],
        reason: `(CASE WHEN t.lease_until_utc <= ${TS} THEN ${EXPIRED_REASON} ELSE ${STALE_REASON} END)`,
        reasonParams: [now],
      };
  }
}

/**
 * The reclaim UPDATE for one scope: one statement whose `changes` is the number of tasks taken
 * back. SET expressions read the row as it was, so the reason still names the old holder.
 */
export function reclaimTasks(r: Reclaim): Statement {
  const p = policySql(r.policy ?? NO_POLICY);
  const { where, whereParams, reason, reasonParams } = scopeSql(r.scope, r.now);
  let sql = p.texts.get(r.scope.kind);
  if (sql === undefined) {
    const queued = `${p.status} = 'queued'`;
    sql =
      `WITH gone AS (SELECT id FROM task_queue WHERE ${where} FOR UPDATE SKIP LOCKED)` +
      ` UPDATE task_queue AS t SET status = ${p.status},` +
      ` finished_at_utc = CASE WHEN ${queued} THEN t.finished_at_utc ELSE ${TS} END, updated_at_utc = ${TS},` +
      ` lease_until_utc = NULL, locked_by = CASE WHEN ${queued} THEN NULL ELSE t.locked_by END,` +
      ` lease_token = t.lease_token + 1,` +
      ` error_message = ${reason} || CASE WHEN ${p.spent} THEN ' and no attempts left' ELSE '' END` +
      ` FROM gone WHERE t.id = gone.id`;
    p.texts.set(r.scope.kind, sql);
  }
  return {
    sql,
    params: [...whereParams, ...p.params, ...p.params, r.now, r.now, ...p.params, ...reasonParams, ...p.params],
  };
}

/** Lease reclaim as the claim runs it, first in its batch: a one-element list. */
export function reclaimExpired(now: string, policy: ReclaimPolicy = NO_POLICY): Statement[] {
  return [reclaimTasks({ now, scope: { kind: "expired" }, policy })];
}
