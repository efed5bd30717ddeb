/**
 * Migration 9 (issue 17b): what progress, results, uniqueness windows, pauses and rate limits
 * store. On `task_queue`: `progress` and `result` (JSON text, NULL until written), and the lapse
 * of an idempotency key (`key_until_utc`: the key lapses at that time; `key_while_active`: it
 * lapses once the task leaves queued/processing; `lapsed_key`: a lapsed key, kept for reading).
 * A new `queue_controls` table holds one row per paused or rate-limited task type, and the row
 * `type = ''` for a pause of the whole queue (a task type is never empty). Rate limits are fixed
 * windows: `window_until_utc` ends the current one and `window_count` counts the starts in it;
 * `last_batch`/`last_batch_n` say how many a claim batch took, so the claims after it in the same
 * batch take that many fewer.
 *
 * @internal
 * @module
 */
import type { Migration } from "../types.ts";

/** Adds the columns and the controls table. Never edited once released. */
export const MIGRATION_9_FEATURES: Migration = {
  version: 9,
  statements: [
    `ALTER TABLE task_queue ADD COLUMN progress TEXT`,
    `ALTER TABLE task_queue ADD COLUMN result TEXT`,
    `ALTER TABLE task_queue ADD COLUMN key_until_utc DATETIME`,
    `ALTER TABLE task_queue ADD COLUMN key_while_active INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE task_queue ADD COLUMN lapsed_key TEXT`,
    `CREATE TABLE IF NOT EXISTS queue_controls (
      type             TEXT PRIMARY KEY,
      paused           INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
      rate_max         INTEGER CHECK (rate_max IS NULL OR rate_max >= 1),
      rate_interval_ms INTEGER CHECK (rate_interval_ms IS NULL OR rate_interval_ms >= 1),
      window_until_utc DATETIME,
      window_count     INTEGER NOT NULL DEFAULT 0,
      last_batch       TEXT,
      last_batch_n     INTEGER NOT NULL DEFAULT 0,
      updated_at_utc   DATETIME NOT NULL
    )`,
  ],
};
