/**
 * The SQLite schema as numbered migrations, compiled in as strings so the browser and Deno need
 * no file access. A migration is never edited once released; `PRAGMA user_version` records the
 * last one applied.
 *
 * Migration 1 is the seeds' schema (tables, indexes and `v_*` views under the seeds' names), with
 * `IF NOT EXISTS` everywhere so a file made by the Python PrismQ queue (user_version 0) is adopted
 * as it is. Migration 2 adds what this library needs on top: the fencing token and the indexes
 * the FIFO/LIFO claims and lease reclaim walk. Migration 5 makes every reclaim write its
 * `task_logs` row; migration 6 rewrites what a Python-made file stores in forms this library
 * cannot compare (isoformat times, the `leased` status).
 *
 * @module
 */
import type { Migration } from "../types.ts";
import { MIGRATION_7_INDEXES } from "./migrations-7-indexes.ts";
import { MIGRATION_8_SCHEDULES } from "./migrations-8-schedules.ts";
import { MIGRATION_9_FEATURES } from "./migrations-9-features.ts";
import { MIGRATION_10_TYPE_CLAIMS } from "./migrations-10-type-claims.ts";
import { MIGRATION_11_PROCESSING } from "./migrations-11-processing.ts";
export type { Migration };

/**
 * Default for timestamp columns that the seeds' own SQL leaves out of INSERTs: now, UTC,
 * millisecond text. `run_after_utc` defaults to second precision instead, like the seeds', so
 * their `run_after_utc <= datetime('now')` claims a row inserted this second (see toSqlRunAfter).
 * Task logs go with their task (ON DELETE CASCADE), so the seeds' purge of old completed tasks
 * works with foreign keys on.
 */
const NOW_MS = "(strftime('%Y-%m-%d %H:%M:%f', 'now'))";

/** A stored time in the library's form: `YYYY-MM-DD HH:MM:SS.SSS` (GLOB pattern). */
const MS_TEXT = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]";
/** SQLite's own `datetime()` form `YYYY-MM-DD HH:MM:SS`, which the library also writes and reads. */
const SECOND_TEXT = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]";

/**
 * True for a stored time that is text SQLite can read as a time but is not in one of the two
 * forms the library compares as text: Python's `isoformat()` (`T`, `+00:00`, `Z`, other offsets,
 * microseconds) and the like. Numbers are left alone (SQLite would read them as Julian days).
 */
const foreignTime = (c: string): string =>
  `(typeof(${c}) = 'text' AND ${c} NOT GLOB '${MS_TEXT}' AND ${c} NOT GLOB '${SECOND_TEXT}'` +
  ` AND strftime('%Y-%m-%d %H:%M:%f', ${c}) IS NOT NULL)`;

/**
 * One UPDATE per table (one pass over it) rewriting each foreign time in `columns` to UTC
 * `YYYY-MM-DD HH:MM:SS.SSS`: an offset is applied, a time without one is taken as UTC, digits
 * below the millisecond are dropped. Used only by migration 6, whose text must never change.
 */
const normaliseTimes = (table: string, columns: readonly string[]): string =>
  `UPDATE ${table} SET ` +
  columns
    .map((c) => `${c} = CASE WHEN ${foreignTime(c)} THEN strftime('%Y-%m-%d %H:%M:%f', ${c}) ELSE ${c} END`)
    .join(", ") +
  ` WHERE ${columns.map(foreignTime).join(" OR ")}`;

/** An already expired lease: a task adopted in `processing` is reclaimed by the next claim. */
const EXPIRED_LEASE = "'1970-01-01 00:00:00.000'";

/** All migrations in order. */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE IF NOT EXISTS task_queue (
        id                     INTEGER PRIMARY KEY AUTOINCREMENT,
        type                   TEXT NOT NULL,
        priority               INTEGER NOT NULL DEFAULT 100,
        payload                TEXT NOT NULL DEFAULT '{}',
        compatibility          TEXT NOT NULL DEFAULT '{}',
        status                 TEXT NOT NULL DEFAULT 'queued',
        attempts               INTEGER NOT NULL DEFAULT 0,
        max_attempts           INTEGER NOT NULL DEFAULT 5,
        run_after_utc          DATETIME NOT NULL DEFAULT (datetime('now')),
        lease_until_utc        DATETIME,
        reserved_at_utc        DATETIME,
        processing_started_utc DATETIME,
        finished_at_utc        DATETIME,
        locked_by              TEXT,
        error_message          TEXT,
        idempotency_key        TEXT,
        created_at_utc         DATETIME NOT NULL DEFAULT ${NOW_MS},
        updated_at_utc         DATETIME NOT NULL DEFAULT ${NOW_MS},
        region                 TEXT GENERATED ALWAYS AS (json_extract(compatibility, '$.region')) VIRTUAL,
        format                 TEXT GENERATED ALWAYS AS (json_extract(payload, '$.format')) VIRTUAL
      )`,
      `CREATE TABLE IF NOT EXISTS workers (
        worker_id     TEXT PRIMARY KEY,
        capabilities  TEXT NOT NULL DEFAULT '{}',
        heartbeat_utc DATETIME NOT NULL DEFAULT ${NOW_MS}
      )`,
      `CREATE TABLE IF NOT EXISTS task_logs (
        log_id  INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id INTEGER NOT NULL REFERENCES task_queue(id) ON DELETE CASCADE,
        at_utc  DATETIME NOT NULL DEFAULT ${NOW_MS},
        level   TEXT NOT NULL,
        message TEXT,
        details TEXT
      )`,
      `CREATE INDEX IF NOT EXISTS ix_task_status_prio_time ON task_queue (status, priority, run_after_utc, id)`,
      `CREATE INDEX IF NOT EXISTS ix_task_type_status ON task_queue (type, status)`,
      `CREATE INDEX IF NOT EXISTS ix_task_region ON task_queue (region)`,
      `CREATE INDEX IF NOT EXISTS ix_task_format ON task_queue (format)`,
      `CREATE UNIQUE INDEX IF NOT EXISTS uq_task_idempotency ON task_queue (idempotency_key) WHERE idempotency_key IS NOT NULL`,
      `CREATE INDEX IF NOT EXISTS ix_logs_task ON task_logs (task_id, at_utc)`,
      `CREATE VIEW IF NOT EXISTS v_queue_status_summary AS
        SELECT status,
               COUNT(*) AS task_count,
               ROUND(AVG(attempts), 2) AS avg_attempts,
               MIN(created_at_utc) AS oldest_task,
               MAX(created_at_utc) AS newest_task
        FROM task_queue GROUP BY status`,
      `CREATE VIEW IF NOT EXISTS v_queue_type_summary AS
        SELECT type, status,
               COUNT(*) AS task_count,
               ROUND(AVG(priority), 2) AS avg_priority
        FROM task_queue GROUP BY type, status`,
      `CREATE VIEW IF NOT EXISTS v_worker_status AS
        SELECT w.worker_id, w.capabilities, w.heartbeat_utc,
               COUNT(t.id) AS active_tasks,
               ROUND((JULIANDAY('now') - JULIANDAY(w.heartbeat_utc)) * 86400) AS seconds_since_heartbeat
        FROM workers w
        LEFT JOIN task_queue t ON t.locked_by = w.worker_id AND t.status = 'processing'
        GROUP BY w.worker_id, w.capabilities, w.heartbeat_utc`,
      `CREATE VIEW IF NOT EXISTS v_task_performance AS
        SELECT type, status,
               COUNT(*) AS task_count,
               ROUND(AVG(JULIANDAY(finished_at_utc) - JULIANDAY(processing_started_utc)) * 86400, 2) AS avg_processing_seconds,
               ROUND(AVG(attempts), 2) AS avg_attempts
        FROM task_queue WHERE finished_at_utc IS NOT NULL GROUP BY type, status`,
      `CREATE VIEW IF NOT EXISTS v_recent_failures AS
        SELECT id, type, status, attempts, error_message, finished_at_utc
        FROM task_queue WHERE status IN ('failed', 'dead_letter')
        ORDER BY finished_at_utc DESC LIMIT 100`,
    ],
  },
  {
    version: 2,
    statements: [
      // The fencing token: bumped by every claim and required by renew/complete/fail, so a worker
      // whose lease was taken over cannot write the task any more.
      `ALTER TABLE task_queue ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0`,
      // FIFO/LIFO walk (status, run_after_utc, id) in order and stop at the first eligible row.
      `CREATE INDEX IF NOT EXISTS ix_task_status_time ON task_queue (status, run_after_utc, id)`,
      // Lease reclaim looks only at processing rows whose lease has run out.
      `CREATE INDEX IF NOT EXISTS ix_task_status_lease ON task_queue (status, lease_until_utc)`,
    ],
  },
  {
    version: 3,
    statements: [
      // Metrics and purges look at tasks finished in a time window: a range on this index
      // instead of every finished row in history.
      `CREATE INDEX IF NOT EXISTS ix_task_status_finished ON task_queue (status, finished_at_utc)`,
    ],
  },
  {
    version: 4,
    statements: [
      // The library's own indexes become partial: each holds only the rows its queries can
      // match, so a status change no longer rewrites an entry in every one of them. Measured
      // per task (claim + complete) this removes four of the B-tree updates the v2/v3 indexes
      // cost. The seeds' own indexes are left exactly as the seeds define them.
      `DROP INDEX IF EXISTS ix_task_status_time`,
      // FIFO/LIFO walk the queued rows in (run_after_utc, id) order.
      `CREATE INDEX IF NOT EXISTS ix_task_queued_time ON task_queue (run_after_utc, id) WHERE status = 'queued'`,
      `DROP INDEX IF EXISTS ix_task_status_lease`,
      // Lease reclaim looks only at processing rows whose lease has run out.
      `CREATE INDEX IF NOT EXISTS ix_task_processing_lease ON task_queue (lease_until_utc) WHERE status = 'processing'`,
      `DROP INDEX IF EXISTS ix_task_status_finished`,
      // Metrics and purges: finished rows by status and time (a comparison on finished_at_utc
      // implies NOT NULL, so SQLite uses this index for them).
      `CREATE INDEX IF NOT EXISTS ix_task_finished ON task_queue (status, finished_at_utc) WHERE finished_at_utc IS NOT NULL`,
    ],
  },
  {
    version: 5,
    statements: [
      // Every reclaim (lease expiry in the claim, stale-worker release, maintenance cleanup) is
      // one UPDATE built by src/dialect/sqlite/reclaim.ts that takes a processing row out of
      // processing and bumps its fencing token; nothing else does both. This trigger writes its
      // task_logs row in that same statement, so no reclaim goes unlogged and a claim's batch
      // pays no extra statement for it. Time is the reclaim's own `updated_at_utc` (a parameter);
      // the reason is read from the first words of the error_message the builder writes.
      `CREATE TRIGGER IF NOT EXISTS trg_task_reclaim_log AFTER UPDATE OF lease_token ON task_queue
        WHEN OLD.status = 'processing' AND NEW.status <> 'processing' AND NEW.lease_token > OLD.lease_token
        BEGIN
          INSERT INTO task_logs (task_id, at_utc, level, message, details) VALUES (
            NEW.id,
            NEW.updated_at_utc,
            CASE NEW.status WHEN 'queued' THEN 'WARNING' ELSE 'ERROR' END,
            'Status transition: processing → ' || NEW.status || ': ' || COALESCE(NEW.error_message, 'reclaimed'),
            json_object('from_status', 'processing', 'to_status', NEW.status, 'worker_id', OLD.locked_by,
              'reason', CASE WHEN NEW.error_message LIKE 'lease expired%' THEN 'lease_expired'
                             WHEN NEW.error_message LIKE 'worker % went stale%' THEN 'stale_worker'
                             ELSE 'reclaimed' END,
              'attempt', OLD.attempts, 'lease_token', NEW.lease_token));
        END`,
    ],
  },
  {
    version: 6,
    statements: [
      // A file made by the Python PrismQ queue stores times from isoformat()
      // (2026-01-01T10:00:00+00:00): 'T' sorts after ' ', so such a run_after_utc compares as
      // later than every time of its day and the task would wait for the next UTC date. Every
      // time column of the three tables is rewritten to the library's form.
      normaliseTimes("task_queue", [
        "run_after_utc",
        "lease_until_utc",
        "reserved_at_utc",
        "processing_started_utc",
        "finished_at_utc",
        "created_at_utc",
        "updated_at_utc",
      ]),
      normaliseTimes("workers", ["heartbeat_utc"]),
      normaliseTimes("task_logs", ["at_utc"]),
      // The Python engine's `leased` (claimed, running) becomes `processing`, keeping its holder,
      // attempts and lease: a Python worker still inside its lease keeps it, and once the lease
      // has run out the next claim reclaims the task by the one reclaim rule (fencing token
      // bumped, logged, requeued or failed by its attempts). The adoption itself is logged first.
      `INSERT INTO task_logs (task_id, level, message, details)
        SELECT id, 'INFO', 'Status adopted: leased → processing (a lease of the Python PrismQ queue)',
          json_object('from_status', 'leased', 'to_status', 'processing', 'worker_id', locked_by, 'reason', 'adopted')
        FROM task_queue WHERE status = 'leased'`,
      `UPDATE task_queue SET status = 'processing' WHERE status = 'leased'`,
      // A processing row with no lease, or one no time comparison can read, would never be
      // reclaimed: its lease is made one that has already run out.
      `UPDATE task_queue SET lease_until_utc = ${EXPIRED_LEASE}
        WHERE status = 'processing' AND (lease_until_utc IS NULL
          OR (lease_until_utc NOT GLOB '${MS_TEXT}' AND lease_until_utc NOT GLOB '${SECOND_TEXT}'))`,
    ],
  },
  MIGRATION_7_INDEXES,
  MIGRATION_8_SCHEDULES,
  MIGRATION_9_FEATURES,
  MIGRATION_10_TYPE_CLAIMS,
  MIGRATION_11_PROCESSING,
];

/** The schema version this library writes and understands. */
export const SQLITE_SCHEMA_VERSION: number = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]!.version;

/** Oldest SQLite the queue SQL runs on: `UPDATE … RETURNING` arrived in 3.35.0. */
export const MIN_SQLITE_VERSION = "3.35.0";

/**
 * PRAGMAs applied to file databases, as seed 002 lists them (Windows-SSD tuned), except
 * `mmap_size`. `page_size` takes effect only on a new file (an existing file keeps the size it
 * was made with), so it is applied before `journal_mode`.
 *
 * `page_size` stays the seeds' 4,096, though smaller pages were measured (README "Page size: a
 * trade-off"). Every page a transaction touches is written whole to the WAL and synced again
 * by a checkpoint, so with 1 KB pages one-row transactions write a quarter of the bytes:
 * enqueue one at a time +12% to +38% in five of six alternating pairs, four worker processes
 * median +19%. But a transaction of many rows then writes four times the frames: `enqueueMany`
 * of 100 -2% to -39% and the prefetching worker (concurrency 8, batchSize 100) -5% to -19% in
 * three pairs each, and rows and keys past a page's share spill into overflow pages. Set
 * `page_size: 1024` in `pragmas` for a file that mostly sees one-row transactions.
 *
 * `mmap_size` is 0 where the seeds say 128 MB: when a connection finds that another one
 * committed, SQLite drops its page cache and, with memory mapping on, also unmaps the whole
 * file and faults every page it then touches back in (pager.c, `pagerBeginReadTransaction`).
 * On a queue file something else commits all the time (other worker processes, the
 * application that enqueues), so the mapping is rebuilt at nearly every round. Measured with
 * two worker processes taking strict turns (bench/handover.bench.ts, better-sqlite3): a claim
 * and completion after the other's commit cost ~445 µs at 128 MB against ~270–290 µs at 0,
 * while one process alone cost the same either way (~180 µs). What mapping buys is reads of a
 * large file nobody writes: `stats()` over 300,000 rows took ~40 ms mapped, ~50 ms not.
 * Set `mmap_size` in `pragmas` to have the seeds' value back.
 */
export const DEFAULT_PRAGMAS: Readonly<Record<string, string | number>> = Object.freeze({
  page_size: 4096,
  journal_mode: "WAL",
  synchronous: "NORMAL",
  busy_timeout: 5000,
  wal_autocheckpoint: 1000,
  foreign_keys: "ON",
  temp_store: "MEMORY",
  mmap_size: 0,
  cache_size: -20000,
});
