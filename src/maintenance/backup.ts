/**
 * `QueueBackup`: online backups of a queue database (`VACUUM INTO`), their verification, rotation
 * and an atomic restore. The file system and the way a backup file is opened are injected
 * ({@link BackupFileSystem}, {@link DriverOpener}), so this module stays runtime-neutral;
 * `@prismq/queue/node` supplies both for Node.
 *
 * @example
 * ```ts
 * import { createQueueBackup } from "@prismq/queue/node";
 * const backup = createQueueBackup(db, { dir: "/var/backups/prismq" });
 * const { path } = await backup.createBackup({ name: "daily" }); // workers keep running
 * const check = await backup.verifyBackup(path);                 // { ok: true, integrity: ["ok"], … }
 * await backup.cleanupOldBackups(10);
 * ```
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { QueueDatabase } from "../database.ts";
import type { Driver, Statement } from "../driver.ts";
import { describeThrown, QueueDatabaseError, QueueValidationError, isQueueError, toQueueError } from "../errors.ts";
import {
  type BackupFileSystem,
  type BackupInfo,
  BackupTargetExistsError,
  type BackupVerification,
  type BackupProblem,
  type CreateBackupOptions,
  type DriverOpener,
  fileStamp,
  InvalidBackupError,
  NAME_RE,
  parseBackupFileName,
  type QueueBackupOptions,
  type RestoreBackupOptions,
  RestoreInProgressError,
  type RestoreResult,
} from "./backup-types.ts";

export {
  BACKUP_PROBLEMS,
  type BackupFileEntry,
  type BackupFileSystem,
  type BackupInfo,
  type BackupProblem,
  BackupTargetExistsError,
  type BackupVerification,
  type CreateBackupOptions,
  type DriverOpener,
  InvalidBackupError,
  parseBackupFileName,
  type QueueBackupOptions,
  type RestoreBackupOptions,
  RestoreInProgressError,
  type RestoreResult,
} from "./backup-types.ts";

const messageOf = (err: unknown): string => describeThrown(err).message;

/**
 * Codes of a rename or delete refused because another process still holds the file: on Windows
 * an antivirus scanner, the search indexer or a reader that is just closing it keeps it open for a
 * moment (POSIX never refuses for that reason, so there these only cost a short wait before the
 * same error).
 */
const TRANSIENT_FS_CODES: ReadonlySet<string> = new Set(["EBUSY", "EPERM", "EACCES"]);
/** Waits between attempts of a refused rename or delete: five retries, under a second in all. */
const FS_RETRY_DELAYS_MS: readonly number[] = [20, 50, 100, 200, 400];

/** Runs a rename or delete again while it fails with a {@link TRANSIENT_FS_CODES} code. */
async function retryTransient<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      const delay = FS_RETRY_DELAYS_MS[attempt];
      if (delay === undefined || typeof code !== "string" || !TRANSIENT_FS_CODES.has(code)) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/**
 * Backups of one queue database. A backup is a single, self-contained SQLite file written by
 * `VACUUM INTO`: a consistent snapshot of the last committed state, taken while workers go on
 * claiming and completing tasks (in WAL mode a reader blocks no writer).
 *
 * @example
 * ```ts
 * const backup = new QueueBackup(db, { dir: "backups", fs: nodeBackupFileSystem, open });
 * const b = await backup.createBackup({ name: "nightly" });
 * await db.close();                                   // restoring needs the target closed
 * await backup.restoreBackup(b.path, { targetPath: "queue.db", force: true });
 * ```
 */
export class QueueBackup {
  readonly #db: QueueDatabase;
  readonly #dir: string;
  readonly #fs: BackupFileSystem;
  readonly #open: DriverOpener;
  readonly #clock: Clock;

  /** Backups of `db`, kept in `options.dir`. */
  constructor(db: QueueDatabase, options: QueueBackupOptions) {
    const issues: string[] = [];
    if (typeof db !== "object" || db === null) issues.push("db: expected a QueueDatabase");
    if (typeof options !== "object" || options === null) {
      throw new QueueValidationError("invalid QueueBackup options", ["options: expected { dir, fs, open }"]);
    }
    if (typeof options.dir !== "string" || options.dir === "") issues.push("dir: expected a non-empty path");
    if (typeof options.fs !== "object" || options.fs === null) issues.push("fs: expected a BackupFileSystem");
    if (typeof options.open !== "function") issues.push("open: expected a function (path) => Promise<Driver>");
    if (issues.length > 0) throw new QueueValidationError("invalid QueueBackup options", issues);
    this.#db = db;
    this.#dir = options.dir;
    this.#fs = options.fs;
    this.#open = options.open;
    this.#clock = options.clock ?? db.clock;
  }

  /** The folder backups are written to. */
  get dir(): string {
    return this.#dir;
  }

  /**
   * Writes a consistent snapshot of the database to `dir` as `queue-<name>-<UTC time>.db`, without
   * stopping workers: `VACUUM INTO` reads one snapshot and writes a compact copy in rollback
   * journal mode, so the backup is one file with no `-wal` to carry along. An existing file of
   * that name is never overwritten ({@link BackupTargetExistsError}).
   *
   * SQLite writes the copy with this connection's `synchronous` setting, and a crash mid-copy can
   * leave a partial file: call {@link verifyBackup} before relying on a backup.
   */
  async createBackup(options: CreateBackupOptions = {}): Promise<BackupInfo> {
    const label = options.name ?? "backup";
    if (typeof label !== "string" || !NAME_RE.test(label)) {
      throw new QueueValidationError("invalid backup name", [
        `name: expected 1-64 letters, digits, "_" or "-" (not starting with "-"), got ${JSON.stringify(label)}`,
      ]);
    }
    const createdAt = this.#clock.now();
    const fileName = `queue-${label}-${fileStamp(createdAt)}.db`;
    const path = this.#fs.join(this.#dir, fileName);
    await this.#fsCall(`create backup folder ${this.#dir}`, () => this.#fs.mkdir(this.#dir));
    if (await this.#fsCall(`check ${path}`, () => this.#fs.exists(path))) {
      throw new BackupTargetExistsError(path, "name", "backup file already exists");
    }
    try {
      await this.#db.run(this.#db.dialect.maintenance.snapshotInto(path));
    } catch (err) {
      // A failed VACUUM INTO (disk full, I/O error) can leave a partial file behind; it was not
      // there before (checked above), so it is ours to delete.
      await this.#fs.remove(path).catch(() => {});
      throw isQueueError(err) ? err : toQueueError(err, `backup to ${path} failed`);
    }
    const size = await this.#fsCall(`read size of ${path}`, () => this.#fs.size(path));
    if (size === null) throw new QueueDatabaseError(`backup ${path} is missing right after VACUUM INTO`, { kind: "cantopen" });
    return Object.freeze({ path, fileName, label, size, createdAt });
  }

  /**
   * Checks that a file is a usable backup: it opens, `PRAGMA integrity_check` says exactly `ok`,
   * its schema version is between 1 and this library's, and it has a `task_queue` table. Never
   * throws for a bad or missing file (the result says why); the connection it opens is closed.
   */
  async verifyBackup(path: string): Promise<BackupVerification> {
    if (typeof path !== "string" || path === "") throw new QueueValidationError("invalid backup path", ["path: expected a non-empty string"]);
    let integrity: readonly string[] = [];
    let schemaVersion: number | null = null;
    let tasks: number | null = null;
    const result = (problem: BackupProblem | null, reason: string | null = null): BackupVerification =>
      Object.freeze({ ok: problem === null, problem, integrity: Object.freeze([...integrity]), schemaVersion, tasks, reason });

    // Openers create an empty database where there is none, so look before opening.
    try {
      if (!(await this.#fs.exists(path))) return result("missing", "file does not exist");
    } catch (err) {
      return result("missing", `cannot read: ${messageOf(err)}`);
    }
    let driver: Driver;
    try {
      driver = await this.#open(path);
    } catch (err) {
      return result("unopenable", `cannot open: ${messageOf(err)}`);
    }
    try {
      const { maintenance: sql, schema } = this.#db.dialect;
      const first = async (stmt: Statement): Promise<unknown> => {
        const row = (await driver.execute(stmt)).rows[0];
        return row === undefined ? undefined : Object.values(row)[0];
      };
      integrity = (await driver.execute(sql.integrityCheck())).rows.map((r) => String(Object.values(r)[0]));
      if (integrity.length !== 1 || integrity[0] !== "ok") {
        return result("integrity", `integrity check failed: ${integrity.slice(0, 3).join("; ") || "no result"}`);
      }
      schemaVersion = Number(await first(schema.readVersion()));
      if (!(schemaVersion >= 1 && schemaVersion <= schema.latestVersion)) {
        return result(
          "schema",
          schemaVersion === 0
            ? "not a queue database (schema version 0)"
            : `schema version ${schemaVersion} is outside 1..${schema.latestVersion} (this library's)`,
        );
      }
      const hasTable = Number(await first(schema.hasQueueTable()));
      if (hasTable !== 1) return result("no-table", "no task_queue table");
      tasks = Number(await first(sql.countRows("task_queue")));
      return result(null);
    } catch (err) {
      // SQLITE_NOTADB / SQLITE_CORRUPT surface here, on the first read, not at open.
      return result("unreadable", `unreadable: ${messageOf(err)}`);
    } finally {
      await driver.close().catch(() => {});
    }
  }

  /** This library's backup files in `dir`, newest first; other files in the folder are ignored. */
  async listBackups(): Promise<BackupInfo[]> {
    const entries = await this.#fsCall(`list ${this.#dir}`, () => this.#fs.list(this.#dir));
    const found: (BackupInfo & { mtimeMs: number })[] = [];
    for (const e of entries) {
      const parsed = parseBackupFileName(e.name);
      if (parsed !== null) found.push({ path: e.path, fileName: e.name, label: parsed.label, size: e.size, createdAt: parsed.createdAt, mtimeMs: e.mtimeMs });
    }
    // The name's stamp orders backups; mtime and name only break ties, so the order is total.
    found.sort((a, b) => b.createdAt - a.createdAt || b.mtimeMs - a.mtimeMs || (a.fileName < b.fileName ? 1 : a.fileName > b.fileName ? -1 : 0));
    return found.map(({ mtimeMs: _, ...info }) => Object.freeze(info));
  }

  /**
   * Deletes all but the newest `keepCount` backups (by the time in their names) and returns the
   * paths it deleted, newest first. Files that are not this library's backups are never touched.
   */
  async cleanupOldBackups(keepCount: number): Promise<string[]> {
    if (typeof keepCount !== "number" || !Number.isInteger(keepCount) || keepCount < 0) {
      throw new QueueValidationError("invalid keepCount", [`keepCount: expected an integer >= 0, got ${String(keepCount)}`]);
    }
    const removed: string[] = [];
    for (const b of (await this.listBackups()).slice(keepCount)) {
      await this.#fsCall(`remove ${b.path}`, () => this.#fs.remove(b.path));
      removed.push(b.path);
    }
    return removed;
  }

  /**
   * Restores a backup to `targetPath`, all or nothing. The backup is verified first
   * ({@link InvalidBackupError} if it fails); an existing database at the target is kept unless
   * `force` ({@link BackupTargetExistsError}).
   *
   * One restore at a time per target: the lock file `<targetPath>.restore-lock` is created
   * exclusively, and a second restore meanwhile is refused ({@link RestoreInProgressError}).
   * The backup is copied by `VACUUM INTO` to a temporary file of a unique name next to the
   * target (`<targetPath>.restore-tmp-<id>`) and verified. Only then is the old database moved
   * aside with its `-wal`, `-shm` and `-journal` files (renamed together, never deleted), the new
   * file renamed into place, and the old set deleted. If any step fails, the old files are renamed
   * back: the target is left exactly as it was.
   *
   * Works where an open file cannot be renamed or deleted (Windows): every handle this restore
   * opened (the backup, the copy) is closed before the first rename, nothing is renamed over an
   * existing file, and a rename or delete refused with EBUSY, EPERM or EACCES (a scanner or
   * indexer holding the file for a moment) is retried a few times with a short backoff.
   *
   * Every connection to the target, in this process and any other, must be closed first
   * (`await db.close()`, workers stopped): a connection still open would keep writing to the
   * replaced file. This object's own database is checked and refused while open.
   */
  async restoreBackup(backupPath: string, options: RestoreBackupOptions): Promise<RestoreResult> {
    const issues: string[] = [];
    if (typeof backupPath !== "string" || backupPath === "") issues.push("backupPath: expected a non-empty string");
    if (typeof options !== "object" || options === null || typeof options.targetPath !== "string" || options.targetPath === "") {
      issues.push("targetPath: expected a non-empty path");
    } else if (options.force !== undefined && typeof options.force !== "boolean") {
      issues.push("force: expected a boolean");
    }
    if (issues.length > 0) throw new QueueValidationError("invalid restoreBackup arguments", issues);
    const fs = this.#fs;
    const target = options.targetPath;
    const force = options.force ?? false;
    if (fs.resolve(backupPath) === fs.resolve(target)) {
      throw new QueueValidationError("invalid restoreBackup arguments", ["targetPath: is the backup file itself"]);
    }
    if (typeof fs.createExclusive !== "function") {
      throw new QueueValidationError("invalid QueueBackup options", ["fs: createExclusive is needed to lock a restore"]);
    }

    const check = await this.verifyBackup(backupPath);
    if (!check.ok) throw new InvalidBackupError(backupPath, check);

    if (!this.#db.closed) {
      const live = await this.#databaseFile();
      if (live !== null && fs.resolve(live) === fs.resolve(target)) {
        throw new QueueValidationError("cannot restore over an open database", [
          `targetPath: ${target} is open in this QueueBackup's database; stop its workers and close it first (force does not override this)`,
        ]);
      }
    }

    const id = globalThis.crypto.randomUUID().slice(0, 8);
    const lock = `${target}.restore-lock`;
    await this.#fsCall(`create the folder of ${target}`, () => fs.mkdir(fs.dirname(target)));
    const lockText = JSON.stringify({ restore: id, backup: backupPath, startedAt: new Date(this.#clock.now()).toISOString() });
    const locked = await this.#fsCall(`create ${lock}`, () => fs.createExclusive(lock, `${lockText}\n`));
    if (!locked) throw new RestoreInProgressError(target, lock);
    try {
      return await this.#restoreLocked(backupPath, target, force, id);
    } finally {
      await retryTransient(() => fs.remove(lock)).catch(() => {});
    }
  }

  /** The body of {@link restoreBackup}, run while holding the target's lock file. */
  async #restoreLocked(backupPath: string, target: string, force: boolean, id: string): Promise<RestoreResult> {
    const fs = this.#fs;
    // A leftover -wal or -journal next to the new file would be replayed into it by the next
    // opener and corrupt it, so those count as "a database is there" too. They move as a set.
    const suffixes = ["", "-wal", "-shm", "-journal"] as const;
    const present = await this.#fsCall(`check ${target}`, () => Promise.all(suffixes.map((x) => fs.exists(`${target}${x}`))));
    const replaced = present.some(Boolean);
    if (replaced && !force) {
      throw new BackupTargetExistsError(target, "force", "restore target already exists");
    }

    const tmp = `${target}.restore-tmp-${id}`;
    const aside = `${target}.restore-old-${id}`;
    const moved: (typeof suffixes)[number][] = [];
    try {
      const source = await this.#open(backupPath);
      try {
        await source.execute(this.#db.dialect.maintenance.snapshotInto(tmp));
      } finally {
        await source.close().catch(() => {});
      }
      const copied = await this.verifyBackup(tmp);
      if (!copied.ok) throw new InvalidBackupError(tmp, copied);
      // Side files first, the main file last: until the main file moves, an opener of the target
      // finds it with its WAL still beside it (a renamed-away -wal is put back on any failure).
      for (const [i, x] of suffixes.entries()) {
        if (i === 0 || !present[i]) continue;
        await retryTransient(() => fs.rename(`${target}${x}`, `${aside}${x}`));
        moved.push(x);
      }
      if (present[0]) {
        await retryTransient(() => fs.rename(target, aside));
        moved.push("");
      }
      await retryTransient(() => fs.rename(tmp, target));
      moved.length = 0; // committed: the old set is no longer needed
      for (const x of suffixes) await retryTransient(() => fs.remove(`${aside}${x}`)).catch(() => {});
      return Object.freeze({ path: target, replaced, verification: copied });
    } catch (err) {
      // Put the old database back exactly as it was: main file first, then its side files.
      const stuck: string[] = [];
      for (const x of moved.reverse()) {
        await retryTransient(() => fs.rename(`${aside}${x}`, `${target}${x}`)).catch(() => stuck.push(`${aside}${x}`));
      }
      await retryTransient(() => fs.remove(tmp)).catch(() => {});
      await retryTransient(() => fs.remove(`${tmp}-journal`)).catch(() => {});
      if (stuck.length > 0) {
        throw new QueueDatabaseError(
          `restore of ${backupPath} to ${target} failed (${messageOf(err)}) and the old database could not be put back: ` +
            `rename ${stuck.join(", ")} back to ${target} (same suffix)`,
          { kind: "cantopen", cause: err },
        );
      }
      throw isQueueError(err) ? err : toQueueError(err, `restore of ${backupPath} to ${target} failed`);
    }
  }

  async #databaseFile(): Promise<string | null> {
    const rows = (await this.#db.run(this.#db.dialect.maintenance.databaseList())).rows;
    const file = rows.find((r) => r["name"] === "main")?.["file"];
    return typeof file === "string" && file !== "" ? file : null;
  }

  async #fsCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isQueueError(err)) throw err;
      throw new QueueDatabaseError(`cannot ${what}: ${messageOf(err)}`, { kind: "cantopen", cause: err });
    }
  }
}
