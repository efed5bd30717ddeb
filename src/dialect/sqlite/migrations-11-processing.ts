/**
 * Migration 11: no index of its own for `processing` rows. `ix_task_processing_lease` (migration
 * 4) took an entry at every claim and gave it up at every completion, one more B-tree page in
 * the WAL on every round of a worker. Measured on a 20,000-task drain by one default worker,
 * alternating: ~8% more tasks/s without it. Queries that need processing rows now find them
 * type by type on `ix_task_type_status` (src/dialect/sqlite/processing.ts), and the seeds' view
 * `v_worker_status` is redefined that way, with the same columns and rows (its text written out
 * here, so a later change to processing.ts cannot change what this migration made).
 *
 * @internal
 * @module
 */
import type { Migration } from "../types.ts";

/** Migration 11: processing rows through the type-led index. Never edited once released. */
export const MIGRATION_11_PROCESSING: Migration = Object.freeze({
  version: 11,
  statements: Object.freeze([
    `DROP INDEX IF EXISTS ix_task_processing_lease`,
    `DROP VIEW IF EXISTS v_worker_status`,
    `CREATE VIEW v_worker_status AS
        SELECT w.worker_id, w.capabilities, w.heartbeat_utc,
               COALESCE(held.n, 0) AS active_tasks,
               ROUND((JULIANDAY('now') - JULIANDAY(w.heartbeat_utc)) * 86400) AS seconds_since_heartbeat
        FROM workers w
        LEFT JOIN (SELECT locked_by, COUNT(*) AS n FROM (
          WITH RECURSIVE held_types(t) AS (
            SELECT (SELECT min(type) FROM task_queue INDEXED BY ix_task_type_status)
            UNION ALL SELECT (SELECT min(type) FROM task_queue INDEXED BY ix_task_type_status WHERE type > held_types.t)
            FROM held_types WHERE held_types.t IS NOT NULL)
          SELECT p.locked_by FROM held_types CROSS JOIN task_queue AS p INDEXED BY ix_task_type_status
          WHERE p.type = held_types.t AND p.status = 'processing' AND held_types.t IS NOT NULL) GROUP BY locked_by) held
          ON held.locked_by = w.worker_id
        ORDER BY w.worker_id`,
  ]),
});
