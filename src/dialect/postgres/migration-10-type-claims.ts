/**
 * PostgreSQL migration 10: nothing changes. SQLite's migration 10 gives its claims type-led
 * indexes; the PostgreSQL claim keeps `ix_task_queued_prio`, and its planner chooses with table
 * statistics (a claim behind other types' backlog was not measured on PostgreSQL). The number is
 * kept so one schema version means the same features on both engines.
 *
 * @internal
 * @module
 */
import type { Migration } from "../types.ts";

/** Migration 10: empty on PostgreSQL. */
export const MIGRATION_10_TYPE_CLAIMS: Migration = Object.freeze({ version: 10, statements: Object.freeze([]) });
