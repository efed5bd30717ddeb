/**
 * The types, errors and file naming of `QueueBackup` (`./backup.ts`).
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { Driver } from "../driver.ts";
import { type DatabaseErrorKind, QueueDatabaseError, QueueValidationError } from "../errors.ts";

/** One file in a folder, as {@link BackupFileSystem.list} reports it. */
export interface BackupFileEntry {
  /** Base name, e.g. `queue-daily-20260101T000000.000Z.db`. */
  readonly name: string;
  /** Full path, usable with the other {@link BackupFileSystem} methods. */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** Last modification, epoch ms. */
  readonly mtimeMs: number;
}

/**
 * The file-system operations backups need, injected so the core needs no `node:fs`. Paths are
 * the runtime's own (`\` on Windows); the core only joins, compares and passes them through.
 */
export interface BackupFileSystem {
  /** Regular files directly inside `dir`; an empty list when `dir` does not exist. */
  list(dir: string): Promise<readonly BackupFileEntry[]>;
  /** Size in bytes, or `null` when there is no file at `path`. */
  size(path: string): Promise<number | null>;
  /** Deletes a file; no error when it is already gone. */
  remove(path: string): Promise<void>;
  /** Renames `from` to `to`, replacing `to` atomically if it exists (POSIX `rename`). */
  rename(from: string, to: string): Promise<void>;
  /** Creates `dir` and its parents; no error when it exists. */
  mkdir(dir: string): Promise<void>;
  /** True when something exists at `path`. */
  exists(path: string): Promise<boolean>;
  /**
   * Creates a new file holding `text` only if nothing exists at `path` (an atomic exclusive
   * create, `open(path, "wx")`): true if it was created, false if something was already there.
   * Restores lock their target with it.
   */
  createExclusive(path: string, text: string): Promise<boolean>;
  /** Joins a folder and a file name with the platform's separator. */
  join(dir: string, name: string): string;
  /** The folder part of `path`. */
  dirname(path: string): string;
  /** An absolute, normalised form of `path`, so two spellings of one file compare equal. */
  resolve(path: string): string;
}

/**
 * Opens a raw {@link Driver} on a database file (no PRAGMAs, no migrations), so a backup can be
 * read without being changed. It must not be used on a path that does not exist: most openers
 * create an empty database there.
 */
export type DriverOpener = (path: string) => Promise<Driver>;

/** Options of {@link QueueBackup}. */
export interface QueueBackupOptions {
  /** Folder the backups are written to and listed from; created on the first backup. */
  readonly dir: string;
  /** File access. */
  readonly fs: BackupFileSystem;
  /** Opens backup files for verification and restore. */
  readonly open: DriverOpener;
  /** Time for backup names. @default the database's clock */
  readonly clock?: Clock | undefined;
}

/** Options of {@link QueueBackup.createBackup}. */
export interface CreateBackupOptions {
  /**
   * Label in the file name: letters, digits, `_` and `-`, at most 64 characters.
   * @default "backup"
   */
  readonly name?: string | undefined;
}

/** A backup file of this library. */
export interface BackupInfo {
  /** Full path of the file. */
  readonly path: string;
  /** Base name: `queue-<label>-<UTC time>.db`. */
  readonly fileName: string;
  /** The `name` it was created with. */
  readonly label: string;
  /** Size in bytes. */
  readonly size: number;
  /** When it was taken (epoch ms, from the file name, so copying the file keeps it). */
  readonly createdAt: number;
}

/**
 * Why a backup failed verification: no file, the opener refused it, SQLite could not read it
 * (not a database, truncated), `integrity_check` found damage, its schema version is not one
 * this library reads, or it has no `task_queue` table.
 */
export const BACKUP_PROBLEMS = ["missing", "unopenable", "unreadable", "integrity", "schema", "no-table"] as const;
/** One of {@link BACKUP_PROBLEMS}. */
export type BackupProblem = (typeof BACKUP_PROBLEMS)[number];

/** What {@link QueueBackup.verifyBackup} found. */
export interface BackupVerification {
  /** True only if every check below passed. */
  readonly ok: boolean;
  /** Which check failed; `null` when `ok`. */
  readonly problem: BackupProblem | null;
  /** Lines of `PRAGMA integrity_check`; exactly `["ok"]` for a sound file, `[]` if it never ran. */
  readonly integrity: readonly string[];
  /** `PRAGMA user_version` of the file, `null` if it could not be read. */
  readonly schemaVersion: number | null;
  /** Rows in `task_queue`, `null` if it could not be counted. */
  readonly tasks: number | null;
  /** Why `ok` is false; `null` when it is true. */
  readonly reason: string | null;
}

/** Options of {@link QueueBackup.restoreBackup}. */
export interface RestoreBackupOptions {
  /** Database file to create or replace. */
  readonly targetPath: string;
  /**
   * Replace an existing database at `targetPath` (and delete its stale `-wal`, `-shm` and
   * `-journal` files). @default false
   */
  readonly force?: boolean | undefined;
}

/** What {@link QueueBackup.restoreBackup} did. */
export interface RestoreResult {
  /** The restored database file. */
  readonly path: string;
  /** True if a database (or its side files) was there before and has been replaced. */
  readonly replaced: boolean;
  /** Verification of the restored copy, taken before it was moved into place. */
  readonly verification: BackupVerification;
}

/**
 * A backup can't be used: unreadable, failing `PRAGMA integrity_check`, or not a queue database
 * this library can open. Nothing was written.
 */
export class InvalidBackupError extends QueueDatabaseError {
  /** The backup file. */
  readonly path: string;
  /** The failed verification. */
  readonly verification: BackupVerification;
  /** The message gives the verification's reason. */
  constructor(path: string, verification: BackupVerification) {
    super(`invalid backup ${path}: ${verification.reason ?? "verification failed"}`, {
      kind: PROBLEM_KIND[verification.problem ?? "integrity"],
    });
    this.path = path;
    this.verification = verification;
  }
}

/**
 * The file a backup or restore would write already exists. Its `issues` name the option that
 * changes this (`force` for a restore, `name` for a new backup); nothing was written.
 */
export class BackupTargetExistsError extends QueueValidationError {
  /** The existing file. */
  readonly path: string;
  /** The issue names the option that allows the write. */
  constructor(path: string, option: "force" | "name", message: string) {
    super(message, [
      option === "force"
        ? `force: ${path} exists; pass { force: true } to replace it`
        : `name: ${path} exists; choose another name or wait for the clock to move on`,
    ]);
    this.path = path;
  }
}

/**
 * Another restore of the same target holds its lock file (`<targetPath>.restore-lock`): this one
 * was refused and changed nothing. A lock left by a restore that crashed must be deleted by hand
 * once no restore is running.
 */
export class RestoreInProgressError extends QueueDatabaseError {
  /** The restore target. */
  readonly path: string;
  /** The lock file held by the other restore. */
  readonly lockPath: string;
  /** The message says how to clear a lock left by a crash. */
  constructor(path: string, lockPath: string) {
    super(
      `another restore of ${path} is in progress (lock file ${lockPath}); nothing was changed. ` +
        "If no restore is running (one crashed), delete the lock file and try again",
      { kind: "busy" },
    );
    this.path = path;
    this.lockPath = lockPath;
  }
}

const PROBLEM_KIND: Record<BackupProblem, DatabaseErrorKind> = {
  missing: "cantopen",
  unopenable: "cantopen",
  unreadable: "corrupt",
  integrity: "corrupt",
  schema: "unknown",
  "no-table": "unknown",
};

/** A backup label. */
export const NAME_RE: RegExp = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
// The label cannot contain `.`, so the time stamp is found unambiguously at the end.
const FILE_RE = /^queue-([A-Za-z0-9_][A-Za-z0-9_-]{0,63})-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z\.db$/;

/** Formats epoch ms as the UTC stamp in backup names: `20260101T000000.000Z` (sorts as text). */
export function fileStamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[-:]/g, "");
}

/**
 * Reads a backup file name of this library: `queue-<label>-<YYYYMMDDTHHMMSS.mmmZ>.db`. Returns
 * `null` for any other name (including `-wal`/`-shm` side files and restore temporaries).
 */
export function parseBackupFileName(fileName: string): { readonly label: string; readonly createdAt: number } | null {
  const m = FILE_RE.exec(fileName);
  if (m === null) return null;
  const createdAt = Date.UTC(+m[2]!, +m[3]! - 1, +m[4]!, +m[5]!, +m[6]!, +m[7]!, +m[8]!);
  // Reject stamps Date.UTC silently rolls over (month 13, second 61 …).
  if (Number.isNaN(createdAt) || fileStamp(createdAt) !== fileName.slice(m[1]!.length + 7, -3)) return null;
  return { label: m[1]!, createdAt };
}
