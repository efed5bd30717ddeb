/**
 * PostgreSQL migration 7 (issue 12): the seeds' indexes made partial where the hot statements do
 * not need every row, exactly as SQLite's migration 7: `ix_task_status_prio_time` holds queued
 * rows only (the PRIORITY claim and the WEIGHTED_RANDOM skip scan read nothing else), and
 * `ix_task_region` / `ix_task_format` only rows that have the value.
 *
 * @internal
 * @module
 */
import type { Migration } from "../types.ts";

/** Migration 7: partial seeds' indexes. */
export const MIGRATION_7_INDEXES: Migration = Object.freeze({
  version: 7,
  statements: Object.freeze([
    `DROP INDEX IF EXISTS ix_task_status_prio_time`,
    `CREATE INDEX IF NOT EXISTS ix_task_status_prio_time ON task_queue (status, priority, run_after_utc, id) WHERE status = 'queued'`,
    `DROP INDEX IF EXISTS ix_task_region`,
    `CREATE INDEX IF NOT EXISTS ix_task_region ON task_queue (region) WHERE region IS NOT NULL`,
    `DROP INDEX IF EXISTS ix_task_format`,
    `CREATE INDEX IF NOT EXISTS ix_task_format ON task_queue (format) WHERE format IS NOT NULL`,
  ]),
});
