/**
 * Statements of `QueueMaintenance` and `QueueBackup` on SQLite: checkpoints, ANALYZE, VACUUM,
 * integrity and storage figures, connection settings, the file's path, and `VACUUM INTO`.
 *
 * @internal
 * @module
 */
import type { Statement } from "../../driver.ts";
import type { StorageFigure, ConnectionSetting } from "../types.ts";
export type { StorageFigure, ConnectionSetting };

const s = (sql: string): Statement => ({ sql, params: [] });

/** Modes `walCheckpoint` accepts. */
export const CHECKPOINT_MODES = ["PASSIVE", "FULL", "RESTART", "TRUNCATE"] as const;

/**
 * `PRAGMA wal_checkpoint(mode)`: columns `busy`, `log`, `checkpointed`. `mode` must be one of
 * {@link CHECKPOINT_MODES} (checked here too, since it is spliced into the text).
 */
export function walCheckpoint(mode: string): Statement {
  if (!(CHECKPOINT_MODES as readonly string[]).includes(mode)) throw new RangeError(`unknown checkpoint mode ${mode}`);
  return s(`PRAGMA wal_checkpoint(${mode})`);
}

/** Refreshes the planner's statistics. */
export const analyze = (): Statement => s("ANALYZE");
/** Rebuilds the file without its free pages. */
export const vacuum = (): Statement => s("VACUUM");
/** The engine's cheap statistics upkeep (`PRAGMA optimize`). */
export const optimize = (): Statement => s("PRAGMA optimize");
/** Integrity check: one row per finding, exactly one `ok` row when sound (first column). */
export const integrityCheck = (): Statement => s("PRAGMA integrity_check");

/** The bounded check (`quick_check` skips index-content verification). */
export const quickCheck = (): Statement => s("PRAGMA quick_check");

/** One storage figure (first column of the only row). */
export function storageFigure(name: StorageFigure): Statement {
  return s(`PRAGMA ${name}`);
}

/** One connection setting (first column of the only row). */
export function connectionSetting(name: ConnectionSetting): Statement {
  return s(`PRAGMA ${name}`);
}

/** Rows in `task_logs` or `workers` (first column). */
export function countRows(table: "task_logs" | "workers" | "task_queue"): Statement {
  return s(`SELECT COUNT(*) FROM ${table}`);
}

/** Attached databases: rows with `name` and `file` (`main` is the queue's file, `""` in memory). */
export const databaseList = (): Statement => s("PRAGMA database_list");

/** An online copy of the last committed state into a new file at `path`. */
export function snapshotInto(path: string): Statement {
  return { sql: "VACUUM INTO ?", params: [path] };
}

/** 1 if the file has a `task_queue` table (column `n`). */
export const hasQueueTable = (): Statement =>
  s("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'task_queue'");
