/**
 * Schema 10's index changes that both engines make (their migration 10 files list them): claims
 * walk each of the worker's types on an index led by the type. `ix_task_type_status` keeps its
 * name and `(type, status)` lead, so it still covers every count by type and status, and grows
 * the PRIORITY order; the type-blind FIFO/LIFO index goes (its type-led successor,
 * `ix_task_type_queued_time`, is made by each engine in its own way).
 *
 * @internal
 * @module
 */

/** The statements of schema 10 shared by SQLite and PostgreSQL. */
export const TYPE_CLAIM_INDEXES: readonly string[] = Object.freeze([
  `DROP INDEX IF EXISTS ix_task_type_status`,
  `CREATE INDEX IF NOT EXISTS ix_task_type_status ON task_queue (type, status, priority, run_after_utc, id)`,
  `DROP INDEX IF EXISTS ix_task_queued_time`,
]);
