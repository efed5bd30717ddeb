/**
 * Opening a queue by path on Node: the default path of seed 002, the folder created, and the
 * best driver installed (better-sqlite3 if present, else `node:sqlite`).
 *
 * @example
 * ```ts
 * import { openQueueDatabase } from "@prismq/queue/node";
 * await using db = await openQueueDatabase(); // $PRISMQ_QUEUE_DB_PATH or /tmp/prismq/queue/queue.db
 * ```
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fromBetterSqlite3, type BetterSqlite3Like } from "../better-sqlite3/index.ts";
import { fromNodeSqlite, type NodeSqliteLike } from "../node-sqlite/index.ts";
import { QueueDatabase, type QueueDatabaseOptions, defaultDbPath } from "../../src/database.ts";
import type { Driver } from "../../src/driver.ts";
import { QueueDatabaseError, isQueueError } from "../../src/errors.ts";

/** Which Node driver to use; `auto` prefers better-sqlite3 and falls back to `node:sqlite`. */
export type NodeDriverName = "auto" | "better-sqlite3" | "node-sqlite";

/** Options of {@link openDriver}. */
export interface OpenDriverOptions {
  /** Database file, or `":memory:"`. @default defaultDbPath(process.env, process.platform) */
  readonly path?: string | undefined;
  /** @default "auto" */
  readonly driver?: NodeDriverName | undefined;
}

/** The path {@link openDriver} uses when none is given. */
export function resolveDbPath(path?: string): string {
  return path ?? defaultDbPath(process.env, process.platform);
}

type BetterSqlite3Ctor = new (path: string, opts?: { timeout?: number }) => BetterSqlite3Like;
type NodeSqliteCtor = new (path: string) => NodeSqliteLike;

async function loadBetterSqlite3(): Promise<BetterSqlite3Ctor | undefined> {
  try {
    const mod = (await import("better-sqlite3")) as { default?: BetterSqlite3Ctor };
    return mod.default ?? (mod as unknown as BetterSqlite3Ctor);
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

/** Opens (creating if needed) the database file, and its folder, with the best driver available. */
export async function openDriver(options: OpenDriverOptions = {}): Promise<Driver> {
  const path = resolveDbPath(options.path);
  const memory = path === ":memory:" || path === "";
  const want = options.driver ?? "auto";
  if (!memory) {
    try {
      mkdirSync(dirname(resolve(path)), { recursive: true });
    } catch (err) {
      throw new QueueDatabaseError(`cannot create the folder of ${path}: ${(err as Error).message}`, {
        kind: "cantopen",
        cause: err,
      });
    }
  }
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
  if (want === "auto" || want === "better-sqlite3") {
    const BetterSqlite3 = await loadBetterSqlite3();
    if (BetterSqlite3 !== undefined) {
      let handle: BetterSqlite3Like | undefined;
      try {
        handle = new BetterSqlite3(path, { timeout: 5000 });
      } catch (err) {
        // The package loads but its native binding may not (no prebuilt binary for this
        // platform or Node ABI): in auto mode that is a reason to fall back, a SQLite error is not.
        const code = (err as { code?: unknown }).code;
        const sqliteFailure = typeof code === "string" && code.startsWith("SQLITE_");
        if (want === "better-sqlite3" || sqliteFailure) open("better-sqlite3", () => { throw err; });
      }
      if (handle !== undefined) return fromBetterSqlite3(handle);
    }
    if (want === "better-sqlite3") {
      throw new QueueDatabaseError("better-sqlite3 is not installed: run `npm install better-sqlite3`", {
        kind: "cantopen",
      });
    }
  }
  const DatabaseSync = await loadNodeSqlite();
  if (DatabaseSync === undefined) {
    throw new QueueDatabaseError(
      `no SQLite driver available on Node ${process.versions.node}: run \`npm install better-sqlite3\`, or use Node 22.5+ for node:sqlite`,
      { kind: "cantopen" },
    );
  }
  return fromNodeSqlite(open("node:sqlite", () => new DatabaseSync(path)));
}

/** Opens the database at `path` (default path if omitted) and brings its schema up to date. */
export async function openQueueDatabase(
  options: OpenDriverOptions & QueueDatabaseOptions = {},
): Promise<QueueDatabase> {
  return QueueDatabase.open(await openDriver(options), options);
}

export {
  createQueueBackup,
  createQueueMaintenance,
  nodeBackupFileSystem,
  nodeDriverOpener,
  type NodeQueueBackupOptions,
} from "./backup.ts";
