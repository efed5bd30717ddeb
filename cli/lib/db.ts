/**
 * How commands find and open the queue database: the path rules (never empty or in-memory) and
 * the open modes (create, read-only, existing). A `postgres://` URL is taken wherever a path is;
 * the PostgreSQL client is loaded only then.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { type NodeDriverName, openQueueDatabase } from "../../runtime/node/index.ts";
import { absoluteDbPath, type DbPathHost, displayDbPath, isPostgresUrl, nodeDbPathHost } from "../../runtime/node/db-path.ts";
import { defaultDbPath, isQueueError, type QueueDatabase } from "../../src/index.ts";
import { driverOption, type ParsedValues, strOption, UsageError } from "./args.ts";

/**
 * Refuses a database path that would silently mean a throw-away in-memory database (an empty
 * one comes from an unset shell variable): tasks enqueued there would be lost at exit.
 */
export function checkFilePath(path: string, source: string): string {
  if (path.trim() === "") {
    throw new UsageError(`${source} is empty: name a database file (an empty path would open a throw-away in-memory database)`);
  }
  if (path === ":memory:") {
    throw new UsageError(`${source} is ':memory:': name a database file (an in-memory database is lost when the command ends)`);
  }
  return path;
}

/**
 * The absolute database path of a command: `--db`, else `$PRISMQ_QUEUE_DB_PATH` (when set, even
 * to nothing), else `fallback` (a worker config's database.path), else the platform default.
 * Never empty or in-memory (exit 2). `host` is this process unless a test injects another platform.
 */
export function dbPathOf(values: ParsedValues, fallback?: string, host: DbPathHost = nodeDbPathHost()): string {
  // Resolved by the host's path rules (path.win32 on Windows: drive letters, UNC, backslashes).
  const abs = (path: string): string => absoluteDbPath(path, host);
  const flag = strOption(values, "db");
  if (flag !== undefined) return abs(checkFilePath(flag, "--db"));
  const env = host.env["PRISMQ_QUEUE_DB_PATH"];
  if (env !== undefined) return abs(checkFilePath(env, "$PRISMQ_QUEUE_DB_PATH"));
  if (fallback !== undefined) return abs(checkFilePath(fallback, "database.path of the config"));
  return abs(defaultDbPath({}, host.platform));
}

/**
 * How a command opens its database: `create` creates or migrates it (init, enqueue, demo);
 * `read` opens an existing queue database read-only, creating and migrating nothing (list,
 * stats, metrics; `read-any-version` also takes an older schema: backup, integrity, stats, pragmas);
 * `existing` opens an existing queue database read-write (maintenance that writes), so a typo'd
 * path or another application's file is refused rather than turned into a queue.
 */
export type OpenMode = "create" | "read" | "read-any-version" | "existing";

/**
 * Opens an existing queue database read-only. A missing file, another application's SQLite file
 * or a schema this version cannot read is a usage error (exit 2): the wrong --db was given.
 */
export async function openReadOnly(path: string, driver: NodeDriverName, anyVersion: boolean): Promise<QueueDatabase> {
  // On PostgreSQL every transaction of the connection is read-only, so nothing can be created.
  const shown = displayDbPath(path);
  if (!isPostgresUrl(path) && !existsSync(path)) throw new UsageError(`no database at ${path} (create one with 'prismq init --db ${path}')`);
  let db: QueueDatabase;
  try {
    db = await openQueueDatabase({ path, driver, readOnly: true });
  } catch (e) {
    if (isQueueError(e, "SCHEMA_ERROR")) {
      // A PostgreSQL database without the queue's tables is the usual first run; a SQLite file
      // without them is another application's, never to be turned into a queue.
      const hint = isPostgresUrl(path) && /no queue schema/.test(e.message) ? ` (create it with 'prismq init --db ${shown}')` : "";
      throw new UsageError(`${shown}: ${e.message}${hint}`);
    }
    throw e;
  }
  const version = await db.schemaVersion();
  const latest = db.dialect.schema.latestVersion;
  if (!anyVersion && version < latest) {
    await db.close();
    throw new UsageError(
      `${shown} has queue schema version ${version}, older than this version's ${latest}: ` +
        `migrate it first with 'prismq init --db ${shown}' (stop its workers before)`,
    );
  }
  return db;
}

/**
 * Refuses a command that works on SQLite files only (backup, restore, checkpoint, …) when the
 * database is a PostgreSQL URL: exit 2 naming the server's own tool.
 */
export function refuseOnPostgres(path: string, what: string, instead: string): void {
  if (isPostgresUrl(path)) throw new UsageError(`${what} works on SQLite database files, not on PostgreSQL (${displayDbPath(path)}): ${instead}`);
}

/** Opens the database named by `--db`/`--driver` (or the defaults) as `mode` says. */
export async function openDb(values: ParsedValues, mode: OpenMode): Promise<{ db: QueueDatabase; path: string }> {
  const driver = driverOption(values);
  const path = dbPathOf(values);
  if (isPostgresUrl(path) && values["driver"] !== undefined) {
    throw new UsageError("--driver chooses a SQLite driver: it does not apply to a postgres:// URL");
  }
  if (mode === "read" || mode === "read-any-version") {
    return { db: await openReadOnly(path, driver, mode === "read-any-version"), path };
  }
  // Prove it is a queue database (of a version this one reads) before opening it for writing.
  if (mode === "existing") await (await openReadOnly(path, driver, true)).close();
  return { db: await openQueueDatabase({ path, driver }), path };
}

/**
 * The database of a command as shown in its output: the path, or a URL with its password
 * replaced by `***`.
 */
export function shownDbPath(path: string): string {
  return displayDbPath(path);
}

/** Runs `fn` on an open database and always closes it, so the process can exit promptly. */
export async function withDb<T>(
  values: ParsedValues,
  mode: OpenMode,
  fn: (db: QueueDatabase, path: string) => Promise<T>,
): Promise<T> {
  const { db, path } = await openDb(values, mode);
  try {
    return await fn(db, path);
  } finally {
    await db.close();
  }
}

/**
 * Runs `fn` on a scratch in-memory database, for backup operations that must not open the
 * queue's own file (listing backups, restoring over it): `QueueBackup` needs a database object,
 * but only its file-system and opener parts are used then.
 */
export async function withScratchDb<T>(values: ParsedValues, fn: (db: QueueDatabase) => Promise<T>): Promise<T> {
  const db = await openQueueDatabase({ path: ":memory:", driver: driverOption(values) });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
