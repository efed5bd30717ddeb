/**
 * Migration 8 (issue 17): the `schedules` table. One row per named schedule (cron expression with
 * a time zone, or a fixed interval), with the next occurrence due. Workers enqueue a due
 * occurrence by moving `next_run_utc` forward with a compare-and-set in the same batch as the
 * task inserts (src/dialect/sqlite/schedules.ts), so each occurrence is enqueued once however
 * many processes tick.
 *
 * @internal
 * @module
 */
import type { Migration } from "../types.ts";

/** Creates `schedules` and the index the due-schedule scan walks. Never edited once released. */
export const MIGRATION_8_SCHEDULES: Migration = {
  version: 8,
  statements: [
    `CREATE TABLE IF NOT EXISTS schedules (
      name            TEXT PRIMARY KEY,
      type            TEXT NOT NULL,
      payload         TEXT NOT NULL DEFAULT '{}',
      priority        INTEGER NOT NULL DEFAULT 100,
      max_attempts    INTEGER NOT NULL DEFAULT 5,
      compatibility   TEXT NOT NULL DEFAULT '{}',
      cron            TEXT,
      time_zone       TEXT,
      interval_ms     INTEGER,
      missed          TEXT NOT NULL DEFAULT 'skip' CHECK (missed IN ('skip', 'catch_up')),
      catch_up_limit  INTEGER NOT NULL DEFAULT 10 CHECK (catch_up_limit >= 1),
      next_run_utc    DATETIME NOT NULL,
      last_run_utc    DATETIME,
      enabled         INTEGER NOT NULL DEFAULT 1,
      created_at_utc  DATETIME NOT NULL,
      updated_at_utc  DATETIME NOT NULL,
      CHECK ((cron IS NULL) <> (interval_ms IS NULL))
    )`,
    `CREATE INDEX IF NOT EXISTS ix_schedules_due ON schedules (next_run_utc) WHERE enabled = 1`,
  ],
};
