/**
 * Schedules (migration 8): add, list, remove, and firing a due occurrence. A firing is one batch:
 * a compare-and-set on `next_run_utc`, then the inserts, each guarded on the row the UPDATE
 * wrote, so of many processes that read the same due row, exactly one batch moves the row
 * forward and inserts its tasks; the others change nothing. The idempotency key `schedule:<name>:<occurrence>` holds
 * the same line on engines whose batches may overlap (PostgreSQL's read committed).
 *
 * @internal
 * @module
 */
import type { Statement } from "../../driver.ts";
import type { ScheduleFiring, ScheduleRecord, ScheduleStatements } from "../schedules.ts";

const COLUMNS =
  "name, type, payload, priority, max_attempts, compatibility, cron, time_zone, interval_ms, missed, catch_up_limit," +
  " next_run_utc, last_run_utc, enabled, created_at_utc, updated_at_utc";

const UPSERT_SQL =
  `INSERT INTO schedules (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)` +
  ` ON CONFLICT (name) DO UPDATE SET type = excluded.type, payload = excluded.payload, priority = excluded.priority,` +
  ` max_attempts = excluded.max_attempts, compatibility = excluded.compatibility, missed = excluded.missed,` +
  ` catch_up_limit = excluded.catch_up_limit, enabled = excluded.enabled, updated_at_utc = excluded.updated_at_utc,` +
  // Same timing: the stored next run stands (an occurrence already due is not skipped).
  ` next_run_utc = CASE WHEN schedules.cron IS excluded.cron AND schedules.time_zone IS excluded.time_zone` +
  ` AND schedules.interval_ms IS excluded.interval_ms THEN schedules.next_run_utc ELSE excluded.next_run_utc END,` +
  ` last_run_utc = CASE WHEN schedules.cron IS excluded.cron AND schedules.time_zone IS excluded.time_zone` +
  ` AND schedules.interval_ms IS excluded.interval_ms THEN schedules.last_run_utc ELSE NULL END,` +
  ` cron = excluded.cron, time_zone = excluded.time_zone, interval_ms = excluded.interval_ms`;

function upsertSchedule(s: ScheduleRecord): Statement {
  return {
    sql: UPSERT_SQL,
    params: [
      s.name, s.type, s.payload, s.priority, s.maxAttempts, s.compatibility, s.cron, s.timeZone, s.intervalMs,
      s.missed, s.catchUpLimit, s.nextRun, s.enabled ? 1 : 0, s.now, s.now,
    ],
  };
}

// The compare-and-set goes first; each insert then requires the row to be in exactly the state
// this batch's UPDATE wrote (next run, last run and write time), so a batch whose UPDATE lost
// inserts nothing, also where batches can overlap (PostgreSQL re-reads the row per statement).
const FIRE_SQL =
  `UPDATE schedules SET next_run_utc = ?, last_run_utc = ?, updated_at_utc = ?` +
  ` WHERE name = ? AND next_run_utc = ? AND enabled = 1`;
const GUARD = `EXISTS (SELECT 1 FROM schedules WHERE name = ? AND next_run_utc = ? AND last_run_utc = ? AND updated_at_utc = ?)`;
const INSERT_SCHEDULED_SQL =
  `INSERT INTO task_queue (type, priority, payload, compatibility, status, attempts, max_attempts,` +
  ` run_after_utc, idempotency_key, created_at_utc, updated_at_utc)` +
  ` SELECT ?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?, ? WHERE ${GUARD}` +
  ` ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`;

function fireSchedule(f: ScheduleFiring): Statement[] {
  return [
    { sql: FIRE_SQL, params: [f.nextRun, f.lastRun, f.now, f.name, f.expectedNextRun] },
    ...f.tasks.map((t) => ({
      sql: INSERT_SCHEDULED_SQL,
      params: [
        t.type, t.priority, t.payload, t.compatibility, t.maxAttempts, t.runAfter, t.idempotencyKey, f.now, f.now,
        f.name, f.nextRun, f.lastRun, f.now,
      ],
    })),
  ];
}

/** The SQLite {@link ScheduleStatements}. */
export const sqliteSchedules: ScheduleStatements = Object.freeze({
  upsertSchedule,
  selectSchedules: (): Statement => ({ sql: `SELECT * FROM schedules ORDER BY name`, params: [] }),
  selectSchedule: (name: string): Statement => ({ sql: `SELECT * FROM schedules WHERE name = ?`, params: [name] }),
  deleteSchedule: (name: string): Statement => ({ sql: `DELETE FROM schedules WHERE name = ?`, params: [name] }),
  setScheduleEnabled: (name: string, enabled: boolean, nextRun: string, now: string): Statement => ({
    // Enabling moves the next run to the first occurrence after now; disabling keeps it.
    sql: `UPDATE schedules SET enabled = ?, next_run_utc = CASE WHEN ? = 1 AND enabled = 0 THEN ? ELSE next_run_utc END,` +
      ` updated_at_utc = ? WHERE name = ?`,
    params: [enabled ? 1 : 0, enabled ? 1 : 0, nextRun, now, name],
  }),
  selectDueSchedules: (now: string, limit: number): Statement => ({
    sql: `SELECT * FROM schedules WHERE enabled = 1 AND next_run_utc <= ? ORDER BY next_run_utc, name LIMIT ?`,
    params: [now, limit],
  }),
  fireSchedule,
});
