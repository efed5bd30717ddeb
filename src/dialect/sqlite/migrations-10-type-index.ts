/**
 * Migration 10: the seeds' `ix_task_type_status` becomes `(type)` only, under the same name.
 *
 * As `(type, status)` every status change (a claim, a completion) moved the task's entry within
 * the index, which cost about 2 WAL pages per claim + completion transaction. Keyed on `type`
 * alone, no status change touches it, and it still serves what the seeds describe it for ("Index
 * for filtering by task type", `WHERE type = ?`). Measured on better-sqlite3 with 20,000 tasks and
 * the default worker: COMMIT time per task 82 → 72 µs, drain 174 → 158 µs per task.
 *
 * In that measurement the count by status (`stats()`) was planned as `SCAN task_queue` with a
 * temporary B-tree before and after, 73.5 ms before and 60.2 ms after at 200,000 rows. Lookups by
 * status are served by the partial indexes (`ix_task_status_prio_time` for queued rows,
 * `ix_task_processing_lease` for processing rows, `ix_task_finished` for finished ones).
 *
 * The price is on reads that filter or group on both columns, which the old index answered
 * without touching the table and which now read the rows of the type (or of the table).
 * Measured on a 200,000-row in-memory table (4 types, 5% queued): the dashboard's count by type
 * and status 10 → 136 ms, `v_queue_type_summary` 90 → 135 ms, one type's count in one status
 * 0.03–2.7 → 10–20 ms, a redrive of one type's failed tasks 0.03 → 3 ms. A claim of one
 * rate-limited type now walks the queued rows of every type (`ix_task_status_prio_time`) until it
 * finds that type's, so it is slow only when few of that type wait behind many of others.
 *
 * @internal
 * @module
 */
import type { Migration } from "../types.ts";

/** Migration 10: `ix_task_type_status` redefined as `(type)`. Never edited once released. */
export const MIGRATION_10_TYPE_INDEX: Migration = Object.freeze({
  version: 10,
  statements: Object.freeze([
    `DROP INDEX IF EXISTS ix_task_type_status`,
    `CREATE INDEX IF NOT EXISTS ix_task_type_status ON task_queue (type)`,
  ]),
});
