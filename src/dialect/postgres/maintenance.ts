/**
 * `QueueMaintenance` and `QueueBackup` statements on PostgreSQL. ANALYZE and VACUUM run on the
 * queue's three tables; the server checkpoints its own WAL, so `walCheckpoint` is a documented
 * no-op (frame counts -1, as SQLite reports outside WAL mode); `integrityCheck` answers `ok`
 * (PostgreSQL checks pages itself; `amcheck` is the deep check). There is no file to copy:
 * `snapshotInto` throws, since a backup of a PostgreSQL queue is `pg_dump`'s job.
 *
 * @internal
 * @module
 */
import type { Statement } from "../../driver.ts";
import { QueueDatabaseError } from "../../errors.ts";
import type { ConnectionSetting, StorageFigure } from "../types.ts";

const s = (sql: string): Statement => ({ sql, params: [] });

/** Modes `walCheckpoint` accepts (the same names as SQLite's; every one is a no-op here). */
export const CHECKPOINT_MODES = ["PASSIVE", "FULL", "RESTART", "TRUNCATE"] as const;

/** No-op: the server checkpoints its WAL itself. Row `busy` 0, `log` -1, `checkpointed` -1. */
export function walCheckpoint(mode: string): Statement {
  if (!(CHECKPOINT_MODES as readonly string[]).includes(mode)) throw new RangeError(`unknown checkpoint mode ${mode}`);
  return s("SELECT 0 AS busy, -1 AS log, -1 AS checkpointed");
}

/** Refreshes the planner's statistics of the queue's tables. */
export const analyze = (): Statement => s("ANALYZE task_queue, task_logs, workers");
/** Reclaims dead rows of the queue's tables (plain VACUUM: no exclusive lock) and refreshes statistics. */
export const vacuum = (): Statement => s("VACUUM (ANALYZE) task_queue, task_logs, workers");
/** The cheap periodic upkeep: statistics of the busiest table. */
export const optimize = (): Statement => s("ANALYZE task_queue");
/** One `ok` row: PostgreSQL checksums and checks its pages itself (deep checks: the `amcheck` extension). */
export const integrityCheck = (): Statement => s("SELECT 'ok' AS integrity_check");

/** As {@link integrityCheck}: the server checks its own pages, so there is nothing cheaper to ask. */
export const quickCheck = (): Statement => s("SELECT 'ok' AS quick_check");

/** One storage figure, in SQLite's terms: pages of the queue's tables and the page size. */
export function storageFigure(name: StorageFigure): Statement {
  switch (name) {
    case "page_count":
      return s(
        `SELECT CAST((pg_total_relation_size('task_queue') + pg_total_relation_size('task_logs') + pg_total_relation_size('workers'))` +
          ` / CAST(current_setting('block_size') AS bigint) AS bigint) AS page_count`,
      );
    case "page_size":
      return s(`SELECT CAST(current_setting('block_size') AS integer) AS page_size`);
    case "freelist_count":
      return s(`SELECT 0 AS freelist_count`);
    case "journal_mode":
      return s(`SELECT 'wal' AS journal_mode`);
    case "user_version":
      return s(`SELECT COALESCE(MAX(version), 0) AS user_version FROM prismq_schema_version`);
  }
}

/** The nearest PostgreSQL value of one SQLite connection setting. */
export function connectionSetting(name: ConnectionSetting): Statement {
  switch (name) {
    case "journal_mode":
      return s(`SELECT 'wal' AS journal_mode`);
    case "busy_timeout":
      return s(`SELECT CAST(EXTRACT(EPOCH FROM CAST(current_setting('lock_timeout') AS interval)) * 1000 AS bigint) AS busy_timeout`);
    case "synchronous":
      return s(`SELECT CASE current_setting('synchronous_commit') WHEN 'off' THEN 0 ELSE 2 END AS synchronous`);
    case "foreign_keys":
      return s(`SELECT 1 AS foreign_keys`);
  }
}

/** Rows of one of the queue's tables (first column). */
export function countRows(table: "task_logs" | "workers" | "task_queue"): Statement {
  return s(`SELECT COUNT(*) AS n FROM ${table}`);
}

/** One row `main` with no file: the database lives on the server. */
export const databaseList = (): Statement => s(`SELECT 'main' AS name, '' AS file`);

/** Refused: a PostgreSQL queue is backed up with `pg_dump` (or the server's own backups). */
export function snapshotInto(_path: string): Statement {
  throw new QueueDatabaseError(
    "a PostgreSQL queue cannot be snapshotted into a file: back it up with pg_dump (or the server's own backups)",
    { kind: "sql", engineCode: "0A000" },
  );
}
