/**
 * Migration 11 on PostgreSQL: nothing to change. SQLite's schema 11 drops its index of
 * processing rows (src/dialect/sqlite/migrations-11-processing.ts) to save a WAL page per worker
 * round; PostgreSQL keeps `ix_task_processing_lease`, since without a skip scan (before 18) the
 * type-led index would not find processing rows cheaply. The version moves with SQLite's so a
 * database's schema version means the same on both engines.
 *
 * @internal
 * @module
 */
import type { Migration } from "../types.ts";

/** Migration 11: no statements on PostgreSQL. Never edited once released. */
export const MIGRATION_11_PROCESSING: Migration = Object.freeze({
  version: 11,
  statements: Object.freeze([]),
});
