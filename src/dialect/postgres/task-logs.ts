/**
 * Reading and pruning `task_logs` on PostgreSQL.
 *
 * @internal
 * @module
 */
import type { SqlValue, Statement } from "../../driver.ts";
import type { TaskLogFilter } from "../types.ts";
import { TS } from "./time.ts";

/** Log rows, newest first (`log_id` breaks ties within one millisecond). */
export function selectTaskLogs(f: TaskLogFilter): Statement {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (f.taskId !== null) {
    where.push("task_id = ?");
    params.push(f.taskId);
  }
  if (f.level !== null) {
    where.push("level = ?");
    params.push(f.level);
  }
  const w = where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "";
  return {
    sql: `SELECT log_id, task_id, at_utc, level, message, details FROM task_logs${w} ORDER BY at_utc DESC, log_id DESC LIMIT ?`,
    params: [...params, f.limit],
  };
}

/** DELETE log rows written before `cutoff`. */
export function deleteTaskLogsBefore(cutoff: string): Statement {
  return { sql: `DELETE FROM task_logs WHERE at_utc < ${TS}`, params: [cutoff] };
}
