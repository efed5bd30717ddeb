/**
 * PostgreSQL migration 9 (issue 17b), the same as SQLite's: `progress` and `result` (jsonb), the
 * lapse of an idempotency key (`key_until_utc`, `key_while_active`, `lapsed_key`) on
 * `task_queue`, and the `queue_controls` table of pauses (row `type = ''`: the whole queue) and
 * rate limits (fixed windows: `window_until_utc`, `window_count`). Never edited once released.
 *
 * @internal
 * @module
 */
import type { Migration } from "../types.ts";

/** Migration 9: progress, results, key lapse, controls. */
export const MIGRATION_9_FEATURES: Migration = {
  version: 9,
  statements: [
    `ALTER TABLE task_queue ADD COLUMN IF NOT EXISTS progress jsonb`,
    `ALTER TABLE task_queue ADD COLUMN IF NOT EXISTS result jsonb`,
    `ALTER TABLE task_queue ADD COLUMN IF NOT EXISTS key_until_utc timestamptz`,
    `ALTER TABLE task_queue ADD COLUMN IF NOT EXISTS key_while_active integer NOT NULL DEFAULT 0`,
    `ALTER TABLE task_queue ADD COLUMN IF NOT EXISTS lapsed_key text`,
    `CREATE TABLE IF NOT EXISTS queue_controls (
      type             text PRIMARY KEY,
      paused           integer NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
      rate_max         integer CHECK (rate_max IS NULL OR rate_max >= 1),
      rate_interval_ms bigint CHECK (rate_interval_ms IS NULL OR rate_interval_ms >= 1),
      window_until_utc timestamptz,
      window_count     integer NOT NULL DEFAULT 0,
      last_batch       text,
      last_batch_n     integer NOT NULL DEFAULT 0,
      updated_at_utc   timestamptz NOT NULL
    )`,
  ],
};
