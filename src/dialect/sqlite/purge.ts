/**
 * Purge: deleting finished tasks with their logs. Logs are deleted explicitly rather than left to
 * `ON DELETE CASCADE`, so this also works on a connection with `foreign_keys` off.
 *
 * @internal
 * @module
 */
import type { Statement } from "../../driver.ts";

/**
 * `completed` tasks finished before `before`, and their logs, as one batch: [logs, tasks]. The
 * second result's `changes` is the number of tasks deleted.
 */
export function purgeCompletedBefore(before: string): Statement[] {
  const which = `status = 'completed' AND finished_at_utc < ?`;
  return [
    { sql: `DELETE FROM task_logs WHERE task_id IN (SELECT id FROM task_queue WHERE ${which})`, params: [before] },
    { sql: `DELETE FROM task_queue WHERE ${which}`, params: [before] },
  ];
}
