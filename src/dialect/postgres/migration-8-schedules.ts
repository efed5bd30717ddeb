/**
 * PostgreSQL migration 8 (issue 17): the `schedules` table, as SQLite's migration 8 (see
 * `src/dialect/sqlite/migrations-8-schedules.ts`), with `timestamptz` times and `jsonb` JSON.
 * Never edit once released.
 *
 * @internal
 * @module
 */
import type { Migration } from "../types.ts";

/** Creates `schedules` and the index the due-schedule scan walks. */
export const MIGRATION_8_SCHEDULES: Migration = {
  version: 8,
  statements: [
    `CREATE TABLE IF NOT EXISTS schedules (
      name            text PRIMARY KEY,
      type            text NOT NULL,
      payload         jsonb NOT NULL DEFAULT '{}',
      priority        integer NOT NULL DEFAULT 100,
      max_attempts    integer NOT NULL DEFAULT 5,
      compatibility   jsonb NOT NULL DEFAULT '{}',
      cron            text,
      time_zone       text,
      interval_ms     bigint,
      missed          text NOT NULL DEFAULT 'skip' CHECK (missed IN ('skip', 'catch_up')),
      catch_up_limit  integer NOT NULL DEFAULT 10 CHECK (catch_up_limit >= 1),
      next_run_utc    timestamptz NOT NULL,
      last_run_utc    timestamptz,
      enabled         integer NOT NULL DEFAULT 1,
      created_at_utc  timestamptz NOT NULL,
      updated_at_utc  timestamptz NOT NULL,
      CHECK ((cron IS NULL) <> (interval_ms IS NULL))
    )`,
    `CREATE INDEX IF NOT EXISTS ix_schedules_due ON schedules (next_run_utc) WHERE enabled = 1`,
  ],
};
