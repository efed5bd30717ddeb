/**
 * `bun:sqlite` adapter (Bun 1.1+): Bun's built-in SQLite, no package to install.
 *
 * The adapter never imports `bun:sqlite`; it takes the `Database` you opened and reads integers
 * through `safeIntegers`, so values beyond 2^53 come back exact as `bigint` (and every integer
 * that fits comes back as a `number`).
 *
 * @example
 * ```ts
 * import { Database } from "bun:sqlite";
 * import { QueueDatabase } from "@prismq/queue";
 * import { fromBunSqlite } from "@prismq/queue/bun-sqlite";
 * const db = await QueueDatabase.open(fromBunSqlite(new Database("queue.db", { create: true })));
 * ```
 *
 * @module
 */
import type { Driver, SqlValue } from "../../src/driver.ts";
import { sqliteError } from "../../src/internal/sqlite-errors.ts";
import { createSyncDriver, hasReturning, type SyncPrepared } from "../../src/internal/sync-driver.ts";

/** The part of a `bun:sqlite` `Statement` this adapter calls (typed here so we need no dependency). */
export interface BunSqliteStatementLike {
  /** Result column names; empty for a statement that yields no rows. */
  readonly columnNames: readonly string[];
  /** `sqlite3_stmt_readonly()`; recent Bun has it (1.4 does), older Bun may not. */
  readonly readonly?: boolean;
  /** Makes integers come back as bigint, so none beyond 2^53 is rounded. */
  safeIntegers(enabled: boolean): unknown;
  /** Runs a statement that returns rows. */
  all(...params: SqlValue[]): unknown[];
  /** Runs a statement that returns no rows. */
  run(...params: SqlValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  /** Frees the statement. */
  finalize(): void;
}

/** The part of a `bun:sqlite` `Database` this adapter calls. */
export interface BunSqliteLike {
  /** The path the database was opened with; `":memory:"` or `""` for a private in-memory one. */
  readonly filename: string;
  /** Compiles a statement. */
  prepare(sql: string): BunSqliteStatementLike;
  /** Closes the connection. */
  close(): void;
}

/** Options of {@link fromBunSqlite}. */
export interface BunSqliteOptions {
  /** Close the handle when the driver closes. @default true */
  readonly closeHandle?: boolean;
  /** Whether other connections can open the same file; read from `filename` when omitted. */
  readonly sharedStorage?: boolean;
}

/** Wraps an open `bun:sqlite` `Database` as a queue {@link Driver}. */
export function fromBunSqlite(db: BunSqliteLike, options: BunSqliteOptions = {}): Driver {
  const closeHandle = options.closeHandle ?? true;
  const filename = db.filename;
  return createSyncDriver(
    "bun-sqlite",
    {
      prepare(sql: string): SyncPrepared {
        const s = db.prepare(sql);
        s.safeIntegers(true); // exact beyond 2^53; the shared driver turns safe ones into numbers
        const returnsRows = s.columnNames.length > 0;
        return {
          returnsRows,
          // Recent Bun reports sqlite3_stmt_readonly(); without it, read the text as for
          // node:sqlite (only DML with RETURNING both yields rows and writes).
          writes: typeof s.readonly === "boolean" ? !s.readonly : returnsRows && hasReturning(sql),
          all: (params) => s.all(...params) as Record<string, SqlValue>[],
          run: (params) => s.run(...params),
          finalize: () => s.finalize(),
        };
      },
      close: () => {
        if (closeHandle) db.close();
      },
      // SQLiteError carries the extended name in `code` ("SQLITE_CONSTRAINT_UNIQUE") and the
      // number in `errno`; the name is the more precise engine code.
      mapError: (err) => {
        const e = err as { code?: unknown; errno?: unknown } | null;
        const code = typeof e?.code === "string" && e.code.startsWith("SQLITE_") ? e.code : undefined;
        return sqliteError(err, code ?? (typeof e?.errno === "number" ? e.errno : undefined));
      },
    },
    {
      sharedStorage: options.sharedStorage ?? (filename !== "" && filename !== ":memory:"),
    },
  );
}
