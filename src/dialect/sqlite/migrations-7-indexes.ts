/**
 * Migration 7 (issue 12, "fast by default"): the seeds' indexes keep their names and still serve
 * the seeds' queries, but each now holds only the rows those queries can match, so the hot
 * statements (enqueue, claim, complete) maintain fewer B-tree entries:
 *
 * - `ix_task_status_prio_time` holds queued rows only (`WHERE status = 'queued'`): the PRIORITY
 *   claim and the seeds' claim (`status = 'queued' … ORDER BY priority, run_after_utc`) read
 *   nothing else. A claim now deletes one entry instead of moving it, and a completion touches
 *   it not at all.
 * - `ix_task_region` and `ix_task_format` hold only rows that have the value
 *   (`WHERE … IS NOT NULL`, which every `region = ?` / `format = ?` lookup implies): most tasks
 *   have neither, so an INSERT adds no entry to them.
 *
 * - `ix_task_queued_time` (the library's own FIFO/LIFO index, migration 4) is dropped: the default
 *   PRIORITY claim never reads it, yet every enqueue and claim wrote it (one WAL page each,
 *   measured 5.5 → 4.4 pages per enqueue and 6.8 → 5.8 per claim + completion). A FIFO or LIFO
 *   claim creates it again (`CREATE INDEX IF NOT EXISTS` in its own transaction, a no-op once it
 *   exists), so only a database that uses those strategies pays for it.
 *
 * `ix_task_type_status` stays complete: it is the covering index of the counts by status and by
 * type (`v_queue_type_summary`, `stats()`, the dashboard), which read every row. The columns and
 * the AUTOINCREMENT of `task_queue` are unchanged (a table rebuild, and ids that could be reused
 * after a purge, were not worth the measured gain; see README "Performance").
 *
 * @internal
 * @module
 */
import type { Migration } from "../types.ts";

/** Migration 7: the seeds' indexes made partial where the hot statements do not need every row. */
export const MIGRATION_7_INDEXES: Migration = Object.freeze({
  version: 7,
  statements: Object.freeze([
    `DROP INDEX IF EXISTS ix_task_status_prio_time`,
    `CREATE INDEX IF NOT EXISTS ix_task_status_prio_time ON task_queue (status, priority, run_after_utc, id) WHERE status = 'queued'`,
    `DROP INDEX IF EXISTS ix_task_region`,
    `CREATE INDEX IF NOT EXISTS ix_task_region ON task_queue (region) WHERE region IS NOT NULL`,
    `DROP INDEX IF EXISTS ix_task_format`,
    `CREATE INDEX IF NOT EXISTS ix_task_format ON task_queue (format) WHERE format IS NOT NULL`,
    `DROP INDEX IF EXISTS ix_task_queued_time`,
  ]),
});
