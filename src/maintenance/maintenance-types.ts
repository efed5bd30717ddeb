/**
 * The options and result types of `QueueMaintenance` (`./maintenance.ts`).
 *
 * @module
 */
import type { CrashPolicy } from "../observability/heartbeat.ts";
import type { TaskStatus } from "../task.ts";
import type { BackupFileSystem } from "./backup-types.ts";

/**
 * Modes of `PRAGMA wal_checkpoint`: `PASSIVE` copies what it can without waiting; `FULL` waits
 * for writers and then copies everything; `RESTART` also waits for readers so the next writer
 * starts the WAL from the beginning; `TRUNCATE` does that and truncates the WAL file to 0 bytes.
 */
export const CHECKPOINT_MODES = ["PASSIVE", "FULL", "RESTART", "TRUNCATE"] as const;
/** One of {@link CHECKPOINT_MODES}. */
export type CheckpointMode = (typeof CHECKPOINT_MODES)[number];

/** Result of {@link QueueMaintenance.checkpoint}, the row of `PRAGMA wal_checkpoint`. */
export interface CheckpointResult {
  /** True if a FULL/RESTART/TRUNCATE checkpoint could not finish because of other connections. */
  readonly busy: boolean;
  /** Frames in the WAL; -1 when the database is not in WAL mode. */
  readonly logFrames: number;
  /** Frames copied into the database file; -1 when the database is not in WAL mode. */
  readonly checkpointedFrames: number;
}

/** Options of {@link QueueMaintenance}. */
export interface QueueMaintenanceOptions {
  /**
   * The PRAGMAs the database was opened with (as passed to `QueueDatabase`), over the seed 002
   * defaults; {@link QueueMaintenance.checkPragmas} compares against them.
   * @default DEFAULT_PRAGMAS
   */
  readonly pragmas?: Readonly<Record<string, string | number>> | undefined;
  /** Path of the database file; read from `PRAGMA database_list` when omitted. */
  readonly path?: string | undefined;
  /** Lets {@link QueueMaintenance.getDatabaseStats} measure the `-wal` file. */
  readonly fs?: Pick<BackupFileSystem, "size"> | undefined;
}

/** Options of {@link QueueMaintenance.cleanupStaleLeases}. */
export interface CleanupStaleLeasesOptions {
  /**
   * A worker whose last heartbeat is older than this is stale: its `processing` tasks are taken
   * back even if their lease has not run out. Tasks whose lease ran out are taken back anyway.
   */
  readonly timeoutMs: number;
  /** Crash policy by task type (see `CRASH_POLICIES`); types not listed are retried. @default {} */
  readonly policy?: Readonly<Record<string, CrashPolicy>> | undefined;
}

/** Options of {@link QueueMaintenance.purgeCompleted}. */
export interface PurgeCompletedOptions {
  /** Completed tasks that finished longer ago than this are deleted. */
  readonly olderThanMs: number;
}

/** Options of {@link QueueMaintenance.optimize}. */
export interface OptimizeOptions {
  /** Also VACUUM (slow, blocks writers for its whole length). @default false */
  readonly full?: boolean | undefined;
}

/** A step {@link QueueMaintenance.optimize} can take. */
export type OptimizeOperation = "analyze" | "optimize" | "vacuum";

/** What {@link QueueMaintenance.optimize} did and how long each step took (by the database's clock). */
export interface OptimizeResult {
  /** The steps run, in order. */
  readonly operations: readonly OptimizeOperation[];
  /** Milliseconds per step; `vacuum` is `null` when it did not run. */
  readonly durationsMs: {
    readonly analyze: number;
    readonly optimize: number;
    readonly vacuum: number | null;
  };
  /** Milliseconds for the whole call. */
  readonly totalMs: number;
}

/** Sizes and row counts of the queue database. */
export interface DatabaseStats {
  /** The database file, `null` for an in-memory database. */
  readonly path: string | null;
  /** `wal` expected on a file. */
  readonly journalMode: string;
  /** `PRAGMA user_version`. */
  readonly schemaVersion: number;
  /** Pages in the main file. */
  readonly pageCount: number;
  /** Bytes per page. */
  readonly pageSize: number;
  /** Unused pages; VACUUM gives them back to the file system. */
  readonly freelistCount: number;
  /** `pageCount × pageSize`: the main file without its WAL. */
  readonly totalSizeBytes: number;
  /** `totalSizeBytes` in MiB. */
  readonly totalSizeMb: number;
  /** Size of the `-wal` file (0 if absent); `null` when unknown (no `fs`, or in memory). */
  readonly walSizeBytes: number | null;
  /** `walSizeBytes` in MiB. */
  readonly walSizeMb: number | null;
  /** Tasks per status; every status of {@link TASK_STATUSES} is present, others as found. */
  readonly tasksByStatus: Readonly<Record<TaskStatus, number>> & Readonly<Record<string, number>>;
  /** Rows in `task_queue`. */
  readonly taskCount: number;
  /** Rows in `task_logs`. */
  readonly logCount: number;
  /** Rows in `workers`. */
  readonly workerCount: number;
}
