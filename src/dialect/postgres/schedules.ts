/**
 * Schedules on PostgreSQL (migration 8): the same statements as the SQLite dialect's
 * (`src/dialect/sqlite/schedules.ts`). Batches of two processes may overlap here (read
 * committed): the compare-and-set UPDATE goes first and locks the row, so the second waits,
 * re-reads it and changes nothing; its inserts then find the row not as its UPDATE would have
 * written it and insert nothing, and the idempotency key `schedule:<name>:<occurrence>` stops
 * any same-occurrence insert that slips between.
 *
 * @internal
 * @module
 */
import type { Statement } from "../../driver.ts";
import type { ScheduleFiring, ScheduleRecord, ScheduleStatements } from "../schedules.ts";

/** A time parameter: the core's UTC text, read as UTC whatever the session's zone. */
const TS = `(CAST(? AS timestamp) AT TIME ZONE 'UTC')`;

const COLUMNS =
  "name, type, payload, priority, max_attempts, compatibility, cron, time_zone, interval_ms, missed, catch_up_limit," +
  " next_run_utc, last_run_utc, enabled, created_at_utc, updated_at_utc";
const SAME_TIMING =
  `schedules.cron IS NOT DISTINCT FROM excluded.cron AND schedules.time_zone IS NOT DISTINCT FROM excluded.time_zone` +
  ` AND schedules.interval_ms IS NOT DISTINCT FROM excluded.interval_ms`;
const UPSERT_SQL =
  `INSERT INTO schedules (${COLUMNS}) VALUES (?, ?, CAST(? AS jsonb), ?, ?, CAST(? AS jsonb), ?, ?, ?, ?, ?, ${TS}, NULL, ?, ${TS}, ${TS})` +
  ` ON CONFLICT (name) DO UPDATE SET type = excluded.type, payload = excluded.payload, priority = excluded.priority,` +
  ` max_attempts = excluded.max_attempts, compatibility = excluded.compatibility, missed = excluded.missed,` +
  ` catch_up_limit = excluded.catch_up_limit, enabled = excluded.enabled, updated_at_utc = excluded.updated_at_utc,` +
  ` next_run_utc = CASE WHEN ${SAME_TIMING} THEN schedules.next_run_utc ELSE excluded.next_run_utc END,` +
  ` last_run_utc = CASE WHEN ${SAME_TIMING} THEN schedules.last_run_utc ELSE NULL END,` +
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

const FIRE_SQL =
  `UPDATE schedules SET next_run_utc = ${TS}, last_run_utc = ${TS}, updated_at_utc = ${TS}` +
  ` WHERE name = ? AND next_run_utc = ${TS} AND enabled = 1`;
const GUARD =
  `EXISTS (SELECT 1 FROM schedules WHERE name = ? AND next_run_utc = ${TS} AND last_run_utc = ${TS} AND updated_at_utc = ${TS})`;
const INSERT_SCHEDULED_SQL =
  `INSERT INTO task_queue (type, priority, payload, compatibility, status, attempts, max_attempts,` +
  ` run_after_utc, idempotency_key, created_at_utc, updated_at_utc)` +
  ` SELECT ?, ?, CAST(? AS jsonb), CAST(? AS jsonb), 'queued', 0, ?, ${TS}, ?, ${TS}, ${TS} WHERE ${GUARD}` +
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

/** The PostgreSQL {@link ScheduleStatements}. */
export const postgresSchedules: ScheduleStatements = Object.freeze({
  upsertSchedule,
  selectSchedules: (): Statement => ({ sql: `SELECT * FROM schedules ORDER BY name`, params: [] }),
  selectSchedule: (name: string): Statement => ({ sql: `SELECT * FROM schedules WHERE name = ?`, params: [name] }),
  deleteSchedule: (name: string): Statement => ({ sql: `DELETE FROM schedules WHERE name = ?`, params: [name] }),
  setScheduleEnabled: (name: string, enabled: boolean, nextRun: string, now: string): Statement => ({
    sql: `UPDATE schedules SET enabled = ?, next_run_utc = CASE WHEN ? = 1 AND enabled = 0 THEN ${TS} ELSE next_run_utc END,` +
      ` updated_at_utc = ${TS} WHERE name = ?`,
    params: [enabled ? 1 : 0, enabled ? 1 : 0, nextRun, now, name],
  }),
  selectDueSchedules: (now: string, limit: number): Statement => ({
    sql: `SELECT * FROM schedules WHERE enabled = 1 AND next_run_utc <= ${TS} ORDER BY next_run_utc, name LIMIT ?`,
    params: [now, limit],
  }),
  fireSchedule,
});
