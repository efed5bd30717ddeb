/**
 * The one place a status change's `task_logs` row is written on PostgreSQL. Transitions that
 * change a set of rows log them in the same statement (a data-modifying `WITH`, see
 * {@link transitionLogColumns}), so the rows logged are exactly the rows changed even under
 * concurrent writers; {@link insertTaskLogIfChanged} logs a one-task change written just before it
 * in the same batch. Messages, levels and `details` keys are the SQLite dialect's
 * (`../transition.ts`); the reclaim row is written by the schema's trigger.
 *
 * @internal
 * @module
 */
import type { Statement } from "../../driver.ts";
import { transitionLevel, transitionMessage } from "../transition.ts";
import type { TaskLogRow } from "../types.ts";
import { TS } from "./time.ts";

const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** What a transition row says: from which status, to which, and extra `details` keys. */
export interface TransitionLogShape {
  /** The status left: a fixed status, or `null` for "the row's `status` column" (cancel, retry). */
  readonly from: string | null;
  readonly to: string;
  /** Extra `details` keys as SQL expressions over the source rows (parameters typed, e.g. `CAST(? AS text)`). */
  readonly details?: Readonly<Record<string, string>>;
}

/**
 * `INSERT INTO task_logs (…) SELECT <id>, <at>, level, message, details FROM ` for the rows of a
 * source (a CTE or table) with columns `id` and those the details name. Parameters: the time,
 * then the details' own, in key order; the caller appends the source's name.
 */
export function transitionLogColumns(shape: TransitionLogShape): string {
  const extra = Object.entries(shape.details ?? {});
  const from = shape.from === null ? "status" : quote(shape.from);
  const message =
    shape.from === null ? `'Status transition: ' || status || ' → ${shape.to}'` : quote(transitionMessage(shape.from, shape.to));
  const details = [`'from_status', ${from}`, `'to_status', ${quote(shape.to)}`, ...extra.map(([k, v]) => `${quote(k)}, ${v}`)];
  return (
    `INSERT INTO task_logs (task_id, at_utc, level, message, details)` +
    ` SELECT id, ${TS}, ${quote(transitionLevel(shape.to))}, ${message}, jsonb_build_object(${details.join(", ")})` +
    ` FROM `
  );
}

const INSERT_LOG_SQL =
  `INSERT INTO task_logs (task_id, at_utc, level, message, details) VALUES (?, ${TS}, ?, ?, CAST(? AS jsonb)) RETURNING log_id`;

/** INSERT one log row and return its `log_id`. */
export function insertTaskLog(r: TaskLogRow): Statement {
  return { sql: INSERT_LOG_SQL, params: [r.taskId, r.at, r.level, r.message, r.details] };
}

// PostgreSQL has no changes(): the row is logged if the task's current row version was written by
// this transaction (its xmin is this transaction's id). In a batch the fenced UPDATE just before
// writes it only when the fence held, so a refused change logs nothing, as on SQLite. (A task
// written earlier in the same transaction would also pass; no batch of the core does that.)
const INSERT_LOG_IF_CHANGED_SQL =
  `INSERT INTO task_logs (task_id, at_utc, level, message, details)` +
  ` SELECT CAST(? AS bigint), ${TS}, CAST(? AS text), CAST(? AS text), CAST(? AS jsonb)` +
  ` WHERE EXISTS (SELECT 1 FROM task_queue WHERE id = ? AND xmin = CAST(pg_current_xact_id_if_assigned() AS xid))`;

/**
 * INSERT one log row only if the fenced change just before it in the same batch was written: a
 * status change and its log entry stand or fall together.
 */
export function insertTaskLogIfChanged(r: TaskLogRow): Statement {
  return { sql: INSERT_LOG_IF_CHANGED_SQL, params: [r.taskId, r.at, r.level, r.message, r.details, r.taskId] };
}
