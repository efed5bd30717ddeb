/**
 * PostgreSQL migration 7 (issue 12, "fast by default"): indexes that hold only the rows the hot
 * statements read. As on SQLite, `ix_task_region` / `ix_task_format` keep only rows that have
 * the value. The seeds' `ix_task_status_prio_time (status, priority, run_after_utc, id)` is
 * replaced by `ix_task_queued_prio (priority, run_after_utc, id) WHERE status = 'queued'`: in a
 * partial index on `status = 'queued'` PostgreSQL drops the implied `status` condition, and a
 * B-tree whose first column is then unconstrained cannot seek on `priority` (no skip scan before
 * PostgreSQL 18). Measured at 50 000 queued tasks: the WEIGHTED_RANDOM skip scan over priorities
 * went from a walk of each band's predecessors to one probe per band.
 *
 * @internal
 * @module
 */
import type { Migration } from "../types.ts";

/** Migration 7: partial indexes for the claims, the region and the format. */
export const MIGRATION_7_INDEXES: Migration = Object.freeze({
  version: 7,
  statements: Object.freeze([
    `DROP INDEX IF EXISTS ix_task_status_prio_time`,
    `CREATE INDEX IF NOT EXISTS ix_task_queued_prio ON task_queue (priority, run_after_utc, id) WHERE status = 'queued'`,
    `DROP INDEX IF EXISTS ix_task_region`,
    `CREATE INDEX IF NOT EXISTS ix_task_region ON task_queue (region) WHERE region IS NOT NULL`,
    `DROP INDEX IF EXISTS ix_task_format`,
    `CREATE INDEX IF NOT EXISTS ix_task_format ON task_queue (format) WHERE format IS NOT NULL`,
  ]),
});
