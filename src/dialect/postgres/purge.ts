/**
 * Purge on PostgreSQL: completed tasks finished before a time, with their logs.
 *
 * @internal
 * @module
 */
import type { Statement } from "../../driver.ts";
import { TS } from "./time.ts";

/** `completed` tasks finished before `before`, and their logs, as one batch: [logs, tasks]. */
export function purgeCompletedBefore(before: string): Statement[] {
  const which = `status = 'completed' AND finished_at_utc < ${TS}`;
  return [
    { sql: `DELETE FROM task_logs WHERE task_id IN (SELECT id FROM task_queue WHERE ${which})`, params: [before] },
    { sql: `DELETE FROM task_queue WHERE ${which}`, params: [before] },
  ];
}
