/**
 * The one place a status change's `task_logs` row is written. Every transition statement in this
 * folder asks {@link transitionLogPrefix} / {@link transitionLogWhere} (set-based: the rows a WHERE selects, written just before
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
import type { TaskLogRow } from "../types.ts";
export type { TaskLogRow };

const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** What a set-based transition row says: from which status, to which, and extra `details` keys. */
export interface TransitionLogShape {
  /** The status left: a fixed status, or `null` for "the row's status now" (cancel, retry). */
  readonly from: string | null;
  readonly to: string;
  /** Extra `details` keys as SQL expressions over the row as it is before the change. */
  readonly details?: Readonly<Record<string, string>>;
}

/**
 * The text of a set-based transition log up to its WHERE: `INSERT INTO task_logs … SELECT … FROM
 * task_queue WHERE `. Hot paths build it once at module load and append their WHERE; its
 * parameters are {@link transitionLogParams}.
 */
export function transitionLogPrefix(shape: TransitionLogShape): string {
  const extra = Object.entries(shape.details ?? {});
  const from = shape.from === null ? "status" : quote(shape.from);
  const message =
    shape.from === null ? `'Status transition: ' || status || ' → ${shape.to}'` : quote(transitionMessage(shape.from, shape.to));
  const details = [`'from_status', ${from}`, `'to_status', ${quote(shape.to)}`, ...extra.map(([k, v]) => `${quote(k)}, ${v}`)];
  return (
    `INSERT INTO task_logs (task_id, at_utc, level, message, details)` +
    ` SELECT id, ?, ${quote(transitionLevel(shape.to))}, ${message}, json_object(${details.join(", ")})` +
    ` FROM task_queue WHERE `
  );
}

/** Parameters of a statement built on {@link transitionLogPrefix}: time, details, then the WHERE's. */
export function transitionLogParams(now: string, detailsParams: readonly SqlValue[], whereParams: readonly SqlValue[]): SqlValue[] {
  return [now, ...detailsParams, ...whereParams];
}

/** A set-based transition log: its shape, which rows (a WHERE over `task_queue`), and when. */
export interface TransitionLogSpec extends TransitionLogShape {
  /** WHERE over `task_queue` selecting exactly the rows the following UPDATE changes. */
  readonly where: string;
  readonly whereParams: readonly SqlValue[];
  /** Parameters of the `details` expressions, in key order. */
  readonly detailsParams?: readonly SqlValue[];
  readonly now: string;
}

/**
 * `INSERT INTO task_logs … SELECT … FROM task_queue WHERE …`: one row per task the WHERE selects.
 * Run it just before the transition's UPDATE in one batch with the same WHERE, so the rows logged
 * are exactly the rows changed. (Builds the text each call: for rare operator transitions; hot
 * paths keep a prefix.)
 */
export function transitionLogWhere(s: TransitionLogSpec): Statement {
  return { sql: transitionLogPrefix(s) + s.where, params: transitionLogParams(s.now, s.detailsParams ?? [], s.whereParams) };
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
