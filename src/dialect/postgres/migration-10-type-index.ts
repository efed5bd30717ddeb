/**
 * PostgreSQL migration 10, the same as SQLite's: the seeds' `ix_task_type_status` becomes
 * `(type)` only, under the same name, so a status change (claim, completion) no longer moves the
 * task's entry in it while `WHERE type = ?` still uses it. Lookups by status go through the
 * partial indexes (`ix_task_queued_prio`, `ix_task_processing_lease`, `ix_task_finished`).
 * Never edited once released.
 *
 * @internal
 * @module
 */
import type { Migration } from "../types.ts";

/** Migration 10: `ix_task_type_status` redefined as `(type)`. */
export const MIGRATION_10_TYPE_INDEX: Migration = Object.freeze({
  version: 10,
  statements: Object.freeze([
    `DROP INDEX IF EXISTS ix_task_type_status`,
    `CREATE INDEX IF NOT EXISTS ix_task_type_status ON task_queue (type)`,
  ]),
});
