/**
 * The one place a status change's `task_logs` row is written. Every transition statement in this
 * folder asks {@link transitionLogWhere} (set-based: the rows a WHERE selects, written just before
 * the UPDATE that changes them, in the same batch) or {@link insertTaskLogIfChanged} (one row,
 * written only if the statement just before it changed exactly one row). The row's message,
 * level and `details` keys come from `transitionMessage` and `transitionLevel` (`../transition.ts`),
 * which `QueueLogger.logTaskTransition` uses too. The reclaim row is written by the schema's
 * `trg_task_reclaim_log` trigger (migration 5, which may not be edited) with the same spelling.
 *
 * @internal
 * @module
 */
import type { SqlValue, Statement } from "../../driver.ts";
import { transitionLevel, transitionMessage } from "../transition.ts";

const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** A set-based transition log: which rows, from which status, and the extra `details` keys. */
export interface TransitionLogSpec {
  /** The status left: a fixed status, or `null` for "the row's status now" (cancel). */
  readonly from: string | null;
  readonly to: string;
  /** WHERE over `task_queue` selecting exactly the rows the following UPDATE changes. */
  readonly where: string;
  readonly whereParams: readonly SqlValue[];
  /** Extra `details` keys as SQL expressions over the row as it is before the change. */
  readonly details?: Readonly<Record<string, string>>;
  /** Parameters of the `details` expressions, in key order, bound before `whereParams`. */
  readonly detailsParams?: readonly SqlValue[];
  readonly now: string;
}

const textCache = new Map<string, string>();

/**
 * `INSERT INTO task_logs … SELECT … FROM task_queue WHERE …`: one row per task the WHERE selects.
 * Run it just before the transition's UPDATE in one batch with the same WHERE, so the rows logged
 * are exactly the rows changed.
 */
export function transitionLogWhere(s: TransitionLogSpec): Statement {
  const extra = Object.entries(s.details ?? {});
  const key = `${s.from}\u0000${s.to}\u0000${s.where}\u0000${extra.map(([k, v]) => `${k}=${v}`).join(",")}`;
  let sql = textCache.get(key);
  if (sql === undefined) {
    const from = s.from === null ? "status" : quote(s.from);
    const message = s.from === null ? `'Status transition: ' || status || ' → ${s.to}'` : quote(transitionMessage(s.from, s.to));
    const level = quote(transitionLevel(s.to));
    const details = [`'from_status', ${from}`, `'to_status', ${quote(s.to)}`, ...extra.map(([k, v]) => `${quote(k)}, ${v}`)];
    sql =
      `INSERT INTO task_logs (task_id, at_utc, level, message, details)` +
      ` SELECT id, ?, ${level}, ${message}, json_object(${details.join(", ")})` +
      ` FROM task_queue WHERE ${s.where}`;
    if (textCache.size < 256) textCache.set(key, sql);
  }
  return { sql, params: [s.now, ...(s.detailsParams ?? []), ...s.whereParams] };
}

/** Values of one `task_logs` row. */
export interface TaskLogRow {
  readonly taskId: number;
  readonly at: string;
  readonly level: string;
  readonly message: string;
  readonly details: string | null;
}

/** INSERT one log row and return its `log_id`. */
export function insertTaskLog(r: TaskLogRow): Statement {
  return {
    sql: `INSERT INTO task_logs (task_id, at_utc, level, message, details) VALUES (?, ?, ?, ?, ?) RETURNING log_id`,
    params: [r.taskId, r.at, r.level, r.message, r.details],
  };
}

/**
 * INSERT one log row only if the statement just before it in the same batch changed exactly one
 * row: a fenced status change and its log entry then stand or fall together, and a refused
 * change (lease lost) logs nothing.
 */
export function insertTaskLogIfChanged(r: TaskLogRow): Statement {
  return {
    sql: `INSERT INTO task_logs (task_id, at_utc, level, message, details) SELECT ?, ?, ?, ?, ? WHERE changes() = 1`,
    params: [r.taskId, r.at, r.level, r.message, r.details],
  };
}
