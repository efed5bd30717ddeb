/**
 * Uniqueness windows: an idempotency key that lapses (after a time, or once its task is no longer
 * queued/processing), and replace mode. The key stays in the unique column only while it holds;
 * a lapse moves it to `lapsed_key`, so the next enqueue with it inserts a new task. Each enqueue
 * with a key runs `lapseKey` first in the same batch, so the check and the insert are one
 * transaction.
 *
 * @internal
 * @module
 */
import type { Statement } from "../../driver.ts";
import type { KeyLapse } from "../features.ts";
import type { InsertTask } from "../types.ts";

const LAPSED =
  `(key_until_utc IS NOT NULL AND key_until_utc <= ?)` +
  ` OR (key_while_active = 1 AND status NOT IN ('queued', 'processing'))`;

/** Takes a lapsed key off its task (and, with `takeOverRunning`, off a processing task). */
export function lapseKey(key: string, now: string, takeOverRunning: boolean): Statement {
  return {
    sql:
      `UPDATE task_queue SET lapsed_key = idempotency_key, idempotency_key = NULL` +
      ` WHERE idempotency_key = ? AND (${LAPSED} OR (? = 1 AND status = 'processing'))`,
    params: [key, now, takeOverRunning ? 1 : 0],
  };
}

/** Replace mode: the queued task holding the key takes the new values, keeping its id. */
export function replaceQueued(t: InsertTask, lapse: KeyLapse): Statement {
  return {
    sql:
      `UPDATE task_queue SET type = ?, priority = ?, payload = ?, compatibility = ?, max_attempts = ?, run_after_utc = ?,` +
      ` updated_at_utc = ?, key_until_utc = ?, key_while_active = ? WHERE idempotency_key = ? AND status = 'queued'`,
    params: [
      t.type,
      t.priority,
      t.payload,
      t.compatibility,
      t.maxAttempts,
      t.runAfter,
      t.now,
      lapse.until,
      lapse.whileActive ? 1 : 0,
      t.idempotencyKey,
    ],
  };
}

const INSERT_KEYED_SQL =
  `INSERT INTO task_queue (type, priority, payload, compatibility, status, attempts, max_attempts,` +
  ` run_after_utc, idempotency_key, created_at_utc, updated_at_utc, key_until_utc, key_while_active)` +
  ` VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?, ?, ?, ?)` +
  ` ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`;

/** INSERT of a task whose key lapses by `lapse`; a key still held inserts nothing. */
export function insertKeyedTask(t: InsertTask, lapse: KeyLapse): Statement {
  return {
    sql: INSERT_KEYED_SQL,
    params: [
      t.type,
      t.priority,
      t.payload,
      t.compatibility,
      t.maxAttempts,
      t.runAfter,
      t.idempotencyKey,
      t.now,
      t.now,
      lapse.until,
      lapse.whileActive ? 1 : 0,
    ],
  };
}
