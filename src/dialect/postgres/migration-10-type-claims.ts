/**
 * PostgreSQL migration 10, as SQLite's: claims walk each of the worker's task types on an index
 * led by the type, so a worker never walks past the queued backlog of types it does not handle
 * (measured before, PRIORITY behind 20,000 queued tasks of another type: ~10 ms a claim against
 * ~2 ms with none ahead, on a loaded 2-core VM).
 *
 * - `ix_task_type_status` keeps its name and its `(type, status)` lead, so it still covers the
 *   counts by type and status, and grows the PRIORITY order `(priority, run_after_utc, id)`.
 * - `ix_task_queued_time (run_after_utc, id)` is replaced by `ix_task_type_queued_time (type,
 *   run_after_utc, id) WHERE status = 'queued'` for FIFO and LIFO (PostgreSQL makes its indexes
 *   here, not at the first such claim).
 *
 * @internal
 * @module
 */
import { TYPE_CLAIM_INDEXES } from "../type-claim-indexes.ts";
import type { Migration } from "../types.ts";

/** Migration 10: type-led claim indexes. */
export const MIGRATION_10_TYPE_CLAIMS: Migration = Object.freeze({
  version: 10,
  statements: Object.freeze([
    ...TYPE_CLAIM_INDEXES,
    `CREATE INDEX IF NOT EXISTS ix_task_type_queued_time ON task_queue (type, run_after_utc, id) WHERE status = 'queued'`,
  ]),
});
