/**
 * Reads of `task_queue` the client and observability share: one task, a page, counts by status
 * (the one definition), active tasks, and the oldest runnable task's wait.
 *
 * @internal
 * @module
 */
import { processingRows } from "./processing.ts";
import type { SqlValue, Statement } from "../../driver.ts";
import type { ListFilter } from "../types.ts";
export type { ListFilter };

/** One task by id. */
export function selectTask(id: number): Statement {
  return { sql: `SELECT * FROM task_queue WHERE id = ?`, params: [id] };
}

/** Stored columns of `task_queue` (`hidden = 0` leaves out generated ones). */
export function taskColumns(): Statement {
  return { sql: `SELECT name FROM pragma_table_xinfo('task_queue') WHERE hidden = 0`, params: [] };
}

/** Several tasks by id, in one read (placeholders, so the statement is the same on every engine). */
export function selectTasksByIds(ids: readonly number[]): Statement {
  if (ids.length === 0) return { sql: `SELECT * FROM task_queue WHERE 0 = 1`, params: [] };
  return { sql: `SELECT * FROM task_queue WHERE id IN (${ids.map(() => "?").join(", ")})`, params: [...ids] };
}

/** A page of tasks, by id. */
export function listTasks(f: ListFilter): Statement {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (f.statuses.length > 0) {
    where.push(`status IN (${f.statuses.map(() => "?").join(", ")})`);
    params.push(...f.statuses);
  }
  if (f.type !== null) {
    where.push("type = ?");
    params.push(f.type);
  }
  const w = where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "";
  return {
    sql: `SELECT * FROM task_queue${w} ORDER BY id ${f.descending ? "DESC" : "ASC"} LIMIT ? OFFSET ?`,
    params: [...params, f.limit, f.offset],
  };
}

/** Task counts by status. */
export function countByStatus(): Statement {
  return { sql: `SELECT status, COUNT(*) AS n FROM task_queue GROUP BY status`, params: [] };
}

/** Number of queued or processing tasks. */
export function countActive(): Statement {
  return { sql: `SELECT COUNT(*) AS n FROM task_queue WHERE status IN ('queued', 'processing')`, params: [] };
}

/** 1 if any task is queued or processing, else 0: an index seek, where a COUNT walks them all. */
export function anyActive(): Statement {
  return {
    sql: `SELECT EXISTS (SELECT 1 FROM task_queue WHERE status = 'queued') OR EXISTS (${processingRows("1")}) AS active`,
    params: [],
  };
}

/** Ids of queued or processing tasks. */
export function selectActiveIds(): Statement {
  return { sql: `SELECT id FROM task_queue WHERE status IN ('queued', 'processing') ORDER BY id`, params: [] };
}

/** Tasks in one status, optionally of one type. */
export function countInStatus(status: string, type: string | null): Statement {
  return type === null
    ? { sql: `SELECT COUNT(*) AS n FROM task_queue WHERE status = ?`, params: [status] }
    : { sql: `SELECT COUNT(*) AS n FROM task_queue WHERE status = ? AND type = ?`, params: [status, type] };
}

/**
 * Queued task counts by type, in type order. Depth means waiting work: the seed's
 * `get_queue_depth_by_type` counted every status.
 */
export function countQueuedByType(): Statement {
  return { sql: `SELECT type, COUNT(*) AS n FROM task_queue WHERE status = 'queued' GROUP BY type ORDER BY type`, params: [] };
}

/**
 * Since when the longest-waiting runnable task has waited (column `since`, NULL when none): the
 * later of its creation and its `run_after`, over queued tasks runnable at `now`. A delayed task
 * or one backing off waits for a worker only from the moment it becomes runnable.
 */
export function oldestWaitingSince(now: string): Statement {
  return {
    sql: `SELECT MIN(MAX(created_at_utc, run_after_utc)) AS since FROM task_queue WHERE status = 'queued' AND run_after_utc <= ?`,
    params: [now],
  };
}
