/**
 * Opening a queue by path on Node, Bun or Deno: the default path of seed 002, the folder
 * created, and the best driver for the runtime: on Node better-sqlite3 if installed, else
 * `node:sqlite`; on Bun `bun:sqlite`; on Deno `node:sqlite`. A `postgres://` (or `postgresql://`)
 * URL in place of the path opens the queue on that PostgreSQL server instead (see `postgres.ts`).
 *
 * @example
 * ```ts
 * import { openQueueDatabase } from "@prismq/queue/node";
 * await using db = await openQueueDatabase(); // $PRISMQ_QUEUE_DB_PATH or /tmp/prismq/queue/queue.db
 * ```
 *
 * @module
 */
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { fromBetterSqlite3, type BetterSqlite3Like } from "../../adapters/better-sqlite3/index.ts";
import { fromBunSqlite, type BunSqliteLike } from "../../adapters/bun-sqlite/index.ts";
import { fromNodeSqlite, type NodeSqliteLike } from "../../adapters/node-sqlite/index.ts";
import { QueueDatabase, type QueueDatabaseOptions } from "../../src/database.ts";
import type { Driver } from "../../src/driver.ts";
import { QueueDatabaseError, QueueValidationError, isQueueError } from "../../src/errors.ts";
import { type DbPathHost, dbFolderOf, dbPathOrDefault, isPostgresUrl } from "./db-path.ts";
import { type CheckpointLibrary, withBackgroundCheckpoints } from "./checkpointer.ts";
import { openPostgres } from "./postgres.ts";

/**
 * Which driver to use. `auto` picks by runtime: on Node better-sqlite3, falling back to
 * `node:sqlite`; on Bun `bun:sqlite`; on Deno `node:sqlite`, falling back to better-sqlite3.
 */
export type NodeDriverName = "auto" | "better-sqlite3" | "node-sqlite" | "bun-sqlite";

/** Options of {@link openDriver}. */
export interface OpenDriverOptions {
  /**
   * Database file, or `":memory:"`; for {@link openQueueDatabase} also a PostgreSQL URL
   * (`postgres://user:password@host:5432/database`). @default defaultDbPath(process.env, process.platform)
   */
  readonly path?: string | undefined;
  /** The SQLite driver to open with. @default "auto" */
  readonly driver?: NodeDriverName | undefined;
  /**
   * Open an existing file for reading only: nothing is created (no folder, no file), and the
   * connection cannot write. A missing file is refused ({@link QueueDatabaseError}, kind
   * `cantopen`). Reading a WAL-mode file may still leave SQLite's own `-wal`/`-shm` side files
   * beside it, as any reader does. Not with `":memory:"`. @default false
   */
  readonly readOnly?: boolean | undefined;
  /**
   * PostgreSQL only: most connections in the pool (each process has its own pool; a worker
   * needs about its concurrency plus two). Ignored for a SQLite file. @default the adapter's default
   */
  readonly poolSize?: number | undefined;
  /**
   * On Node, run the WAL checkpoints of a writable file database on a worker thread once the
   * connection has written a while, so the writer's commits do not stop for them (see
   * `checkpointer.ts`; measured: the default worker's drain 143–167 → 109–115 µs per task). The
   * thread uses the writer's own library (better-sqlite3 or `node:sqlite`). On Deno and Bun, and
   * with `false`, SQLite checkpoints in the commit as usual. @default true
   */
  readonly backgroundCheckpoints?: boolean | undefined;
}

/**
 * The path {@link openDriver} uses: `path`, else `PRISMQ_QUEUE_DB_PATH`, else the platform default
 * (`host` decides the platform and environment; see `db-path.ts`).
 */
export function resolveDbPath(path?: string, host?: Pick<DbPathHost, "platform" | "env">): string {
  return dbPathOrDefault(path, host);
}

type BetterSqlite3Ctor = new (
  path: string,
  opts?: { timeout?: number; readonly?: boolean; fileMustExist?: boolean },
) => BetterSqlite3Like;
type NodeSqliteCtor = new (path: string, opts?: { readOnly?: boolean }) => NodeSqliteLike;
type BunSqliteCtor = new (path: string, opts?: { create?: boolean; readonly?: boolean }) => BunSqliteLike;

/** The JavaScript runtime this module runs in. */
type Runtime = "node" | "bun" | "deno";
function currentRuntime(): Runtime {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}

function runtimeLabel(runtime: Runtime): string {
  const g = globalThis as { Bun?: { version?: string }; Deno?: { version?: { deno?: string } } };
  if (runtime === "bun") return `Bun ${g.Bun?.version ?? "?"}`;
  if (runtime === "deno") return `Deno ${g.Deno?.version?.deno ?? "?"}`;
  return `Node ${process.versions.node}`;
}

async function loadBunSqlite(): Promise<BunSqliteCtor | undefined> {
  if (currentRuntime() !== "bun") return undefined;
  try {
    // A literal specifier, so `deno publish` can analyse the import (a variable one is warned
    // about as unanalysable). It only runs on Bun; the build keeps `bun:` imports external, and
    // Node and Deno load a dynamic import only when it runs. tsc has no Bun types here.
    // @ts-ignore TS2307 where bun-types are not installed
    const mod = (await import("bun:sqlite")) as { Database: BunSqliteCtor };
    return mod.Database;
  } catch {
    return undefined;
  }
}

async function loadBetterSqlite3(): Promise<BetterSqlite3Ctor | undefined> {
  try {
    const mod = (await import("better-sqlite3")) as { default?: BetterSqlite3Ctor };
    return mod.default ?? (mod as unknown as BetterSqlite3Ctor);
  } catch {
    return undefined;
  }
}

/**
 * The file `import("better-sqlite3")` above loads, for the checkpoint thread, which must load the
 * same copy of SQLite (see checkpointer.ts). The CommonJS build has `require.resolve`; the ESM
 * build `import.meta.resolve` (both resolve from this module, as the import does). Undefined if
 * neither can tell: then no thread is started.
 */
function betterSqlite3Path(): string | undefined {
  try {
    // `require` exists only in the CommonJS build (module-scoped there, never a global); the ESM
    // bundle may name a helper `require` that has no `resolve`.
    if (typeof require !== "undefined" && typeof require.resolve === "function") return require.resolve("better-sqlite3");
  } catch {
    // not resolvable this way: try the ESM way
  }
  try {
    const url = import.meta.resolve("better-sqlite3");
    return url.startsWith("file:") ? fileURLToPath(url) : undefined;
  } catch {
    return undefined;
  }
}

async function loadNodeSqlite(): Promise<NodeSqliteCtor | undefined> {
  try {
    const mod = (await import("node:sqlite")) as { DatabaseSync: NodeSqliteCtor };
    return mod.DatabaseSync;
  } catch {
    return undefined;
  }
}

/**
 * Opens (creating if needed) the database file, and its folder, with the best driver for the
 * runtime (see {@link NodeDriverName}); rejects naming what to install when none is available.
 * With `readOnly` it creates nothing and opens an existing file read-only.
 */
export async function openDriver(options: OpenDriverOptions = {}): Promise<Driver> {
  const path = resolveDbPath(options.path);
  if (isPostgresUrl(path)) {
    // A PostgreSQL driver needs its dialect beside it; openDriver's callers pair it with SQLite's.
    throw new QueueValidationError("openDriver opens SQLite files: open a PostgreSQL URL with openQueueDatabase", [
      "path: a postgres:// URL",
    ]);
  }
  const memory = path === ":memory:" || path === "";
  const runtime = currentRuntime();
  const want = options.driver ?? "auto";
  const readOnly = options.readOnly === true;
  if (readOnly) {
    if (memory) {
      throw new QueueDatabaseError("a read-only open needs a database file, not an in-memory database", { kind: "cantopen" });
    }
    // Every driver would create the file (and the engine then a schema-less database) otherwise.
    if (!existsSync(path)) throw new QueueDatabaseError(`no database at ${resolve(path)}`, { kind: "cantopen" });
  } else if (!memory) {
    try {
      mkdirSync(dbFolderOf(path), { recursive: true });
    } catch (err) {
      throw new QueueDatabaseError(`cannot create the folder of ${path}: ${(err as Error).message}`, {
        kind: "cantopen",
        cause: err,
      });
    }
  }
  // Deno and Bun keep SQLite's own checkpoints: the thread is measured and tested on Node only.
  const offloaded = (driver: Driver, library: CheckpointLibrary | undefined): Driver =>
    runtime === "node" && !memory && !readOnly && options.backgroundCheckpoints !== false && library !== undefined
      ? withBackgroundCheckpoints(driver, resolve(path), library)
      : driver;
  const open = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (isQueueError(err)) throw err;
      throw new QueueDatabaseError(`cannot open ${path} with ${what}: ${(err as Error).message}`, {
        kind: "cantopen",
        cause: err,
      });
    }
  };
  if (want === "bun-sqlite" || (want === "auto" && runtime === "bun")) {
    const Database = await loadBunSqlite();
    if (Database === undefined) {
      throw new QueueDatabaseError(
        runtime === "bun"
          ? `bun:sqlite could not be loaded on ${runtimeLabel(runtime)}`
          : `bun:sqlite exists only in Bun (this is ${runtimeLabel(runtime)}): use driver "auto"`,
        { kind: "cantopen" },
      );
    }
    const driver = fromBunSqlite(
      open("bun:sqlite", () => new Database(path, readOnly ? { readonly: true } : { create: true })),
    );
    // bun:sqlite has no timeout option; match better-sqlite3's 5 s wait on a locked file.
    try {
      await driver.execute({ sql: "PRAGMA busy_timeout = 5000", params: [] });
    } catch (err) {
      await driver.close().catch(() => {});
      throw err;
    }
    return driver;
  }
  // On Deno node:sqlite is built in and better-sqlite3 is the fallback; on Node the reverse.
  if (want === "auto" && runtime === "deno") {
    const DatabaseSync = await loadNodeSqlite();
    if (DatabaseSync !== undefined) {
      return fromNodeSqlite(open("node:sqlite", () => new DatabaseSync(path, readOnly ? { readOnly: true } : {})));
    }
  }
  if (want === "auto" || want === "better-sqlite3") {
    const BetterSqlite3 = await loadBetterSqlite3();
    if (BetterSqlite3 !== undefined) {
      let handle: BetterSqlite3Like | undefined;
      try {
        handle = new BetterSqlite3(path, readOnly ? { timeout: 5000, readonly: true, fileMustExist: true } : { timeout: 5000 });
      } catch (err) {
        // The package loads but its native binding may not (no prebuilt binary for this
        // platform or Node ABI): in auto mode that is a reason to fall back, a SQLite error is not.
        const code = (err as { code?: unknown }).code;
        const sqliteFailure = typeof code === "string" && code.startsWith("SQLITE_");
        if (want === "better-sqlite3" || sqliteFailure) open("better-sqlite3", () => { throw err; });
      }
      if (handle !== undefined) {
        const modulePath = betterSqlite3Path();
        return offloaded(fromBetterSqlite3(handle), modulePath === undefined ? undefined : { betterSqlite3: modulePath });
      }
    }
    if (want === "better-sqlite3") {
      throw new QueueDatabaseError("better-sqlite3 is not installed: run `npm install better-sqlite3`", {
        kind: "cantopen",
      });
    }
  }
  if (want === "auto" && runtime === "deno") {
    throw new QueueDatabaseError(
      `no SQLite driver available on ${runtimeLabel(runtime)}: use Deno 2.2+ for node:sqlite, or \`deno add npm:better-sqlite3\``,
      { kind: "cantopen" },
    );
  }
  const DatabaseSync = await loadNodeSqlite();
  if (DatabaseSync === undefined) {
    throw new QueueDatabaseError(
      want === "node-sqlite"
        ? `node:sqlite is not available on ${runtimeLabel(runtime)}: it needs Node 22.5+ or Deno 2.2+`
        : `no SQLite driver available on ${runtimeLabel(runtime)}: run \`npm install better-sqlite3\`, or use Node 22.5+ for node:sqlite`,
      { kind: "cantopen" },
    );
  }
  return offloaded(fromNodeSqlite(open("node:sqlite", () => new DatabaseSync(path, readOnly ? { readOnly: true } : {}))), "node:sqlite");
}

/**
 * Opens the database at `path` (default path if omitted) and brings its schema up to date; with
 * `readOnly`, opens an existing queue database for reading only and migrates nothing (see
 * {@link QueueDatabaseOptions.readOnly}). A `postgres://` URL opens the queue on that server
 * (pool of `poolSize` connections; `readOnly` makes every transaction read-only); SQLite's
 * `pragmas` do not apply there and are ignored.
 *
 * @example
 * ```ts
 * await using db = await openQueueDatabase({ path: "postgres://app@db.internal:5432/queue", poolSize: 10 });
 * ```
 */
export async function openQueueDatabase(
  options: OpenDriverOptions & QueueDatabaseOptions = {},
): Promise<QueueDatabase> {
  const path = resolveDbPath(options.path);
  if (isPostgresUrl(path)) {
    const { driver, dialect } = await openPostgres(path.trim(), { poolSize: options.poolSize, readOnly: options.readOnly });
    try {
      return await QueueDatabase.open(driver, { ...options, pragmas: undefined, dialect: options.dialect ?? dialect });
    } catch (err) {
      await driver.close().catch(() => {});
      throw err;
    }
  }
  return QueueDatabase.open(await openDriver(options), options);
}
