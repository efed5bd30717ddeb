/**
 * `@sqlite.org/sqlite-wasm` adapter over its synchronous oo1 API (`sqlite3.oo1.DB`): the
 * official SQLite WebAssembly build, for browsers, and for Node, Deno and Bun where no native
 * driver fits.
 *
 * Where the data lives depends on the runtime and on how the `DB` was opened:
 * - **Node, Deno, Bun**: in memory only. The build has no file-system VFS there (a path given to
 *   `new oo1.DB(path)` lands in Emscripten's in-memory file system and is gone at exit).
 * - **Browser**: in memory on the main thread; persistent in a dedicated Worker with an OPFS VFS:
 *   `opfs-sahpool` (`(await sqlite3.installOpfsSAHPoolVfs()).OpfsSAHPoolDb`, no special headers,
 *   one connection per pool) or `opfs` (`new sqlite3.oo1.OpfsDb(path)`, needs COOP/COEP headers).
 *
 * WebAssembly has no shared memory for WAL, so the journal stays in `delete` mode (or `memory`)
 * unless you also set `PRAGMA locking_mode=EXCLUSIVE`; the queue's `journal_mode=WAL` PRAGMA is
 * then a harmless no-op.
 *
 * Pass the `sqlite3` namespace as the second argument when you have it: `lastInsertRowid` and
 * the read-only check then come from the C API instead of an extra statement or the SQL text,
 * and error codes carry their extended names (`SQLITE_CONSTRAINT_UNIQUE`).
 *
 * @example
 * ```ts
 * import sqlite3InitModule from "@sqlite.org/sqlite-wasm";
 * import { QueueDatabase } from "@prismq/queue";
 * import { fromSqliteWasm } from "@prismq/queue/sqlite-wasm";
 * const sqlite3 = await sqlite3InitModule();
 * const db = await QueueDatabase.open(fromSqliteWasm(new sqlite3.oo1.DB(":memory:"), sqlite3));
 * ```
 *
 * @module
 */
import type { Driver, SqlValue } from "../../src/driver.ts";
import { sqliteError } from "../../src/internal/sqlite-errors.ts";
import { createSyncDriver, hasReturning, type SyncPrepared } from "../../src/internal/sync-driver.ts";

/** The part of an oo1 `Stmt` (`PreparedStatement`) this adapter calls. */
export interface SqliteWasmStmtLike {
  /** Number of result columns; 0 for a statement that yields no rows. */
  readonly columnCount: number;
  /** The `sqlite3_stmt*`; `undefined` once finalized. */
  readonly pointer?: unknown;
  /** Binds the parameters in order. */
  bind(values: readonly SqlValue[]): unknown;
  /** Steps once: true while there is a row. */
  step(): boolean;
  /** The current row as an object; blobs come back as Uint8Array. */
  get(target: Record<string, unknown>): Record<string, unknown>;
  /** Resets the statement for another run. */
  reset(alsoClearBinds?: boolean): unknown;
  /** SQLite 3.54+: reset without throwing the previous step's error. */
  resetNoThrow?(alsoClearBinds?: boolean): number;
  /** Frees the statement. */
  finalize(): unknown;
}

/** The part of an oo1 `DB` this adapter calls. */
export interface SqliteWasmDbLike {
  /** The `sqlite3*`; `undefined` once closed. */
  readonly pointer?: unknown;
  /** The name it was opened with; `":memory:"` or `""` for an in-memory database. */
  readonly filename: string;
  /** Compiles a statement. */
  prepare(sql: string): SqliteWasmStmtLike;
  /** `sqlite3_changes64()` / `sqlite3_total_changes64()` as a bigint. */
  changes(total: boolean, sixtyFour: true): bigint;
  /** Name of the VFS of the main database (`"opfs"`, `"opfs-sahpool"`, `"unix-none"`, …). */
  dbVfsName?(): string | undefined;
  /** Closes the connection. */
  close(): void;
}

/** The part of the `sqlite3` namespace (what `sqlite3InitModule()` resolves to) this adapter uses. */
export interface SqliteWasmLike {
  /** The C API calls the oo1 classes do not wrap. */
  readonly capi: {
    sqlite3_last_insert_rowid(db: unknown): number | bigint;
    sqlite3_stmt_readonly(stmt: unknown): number;
    sqlite3_js_rc_str(rc: number): string | undefined;
  };
}

/** Options of {@link fromSqliteWasm}. */
export interface SqliteWasmOptions {
  /** Close the handle when the driver closes. @default true */
  readonly closeHandle?: boolean;
  /**
   * Whether other connections can open the same database. Read from the VFS when omitted: true
   * for an OPFS VFS (a name containing `opfs`), false for memory and Emscripten's in-memory files.
   */
  readonly sharedStorage?: boolean;
}

/** A `SQLite3Error` carries the (extended) result code in `resultCode`. */
const resultCodeOf = (err: unknown): number | undefined => {
  const rc = (err as { resultCode?: unknown } | null)?.resultCode;
  return typeof rc === "number" ? rc : undefined;
};

/** Wraps an open sqlite-wasm oo1 `DB` as a queue {@link Driver}. */
export function fromSqliteWasm(
  db: SqliteWasmDbLike,
  sqlite3?: SqliteWasmLike,
  options: SqliteWasmOptions = {},
): Driver {
  const closeHandle = options.closeHandle ?? true;
  const capi = sqlite3?.capi;
  const vfs = db.dbVfsName?.() ?? "";
  const memory = db.filename === "" || db.filename === ":memory:";
  // Without the C API, `SELECT last_insert_rowid()` on a statement of our own gives the rowid.
  // It is only read after a statement changed rows; otherwise the previous value stands, as
  // sqlite3_last_insert_rowid() itself would report it.
  let rowidStmt: SqliteWasmStmtLike | undefined;
  let lastRowid: number | bigint = 0;

  const reset = (s: SqliteWasmStmtLike): void => {
    // After a failed step, reset() re-throws that step's error (3.42.1+); the error is already
    // on its way out, so only make the statement reusable.
    if (typeof s.resetNoThrow === "function") {
      s.resetNoThrow(true);
      return;
    }
    try {
      s.reset(true);
    } catch {
      // See above: the error was thrown by step() already.
    }
  };

  const lastInsertRowid = (): number | bigint => {
    if (capi !== undefined) return capi.sqlite3_last_insert_rowid(db.pointer);
    rowidStmt ??= db.prepare("SELECT last_insert_rowid() AS id");
    try {
      rowidStmt.step();
      return rowidStmt.get({})["id"] as number | bigint;
    } finally {
      reset(rowidStmt);
    }
  };

  return createSyncDriver(
    "sqlite-wasm",
    {
      prepare(sql: string): SyncPrepared {
        const s = db.prepare(sql);
        const returnsRows = s.columnCount > 0;
        const run = (params: readonly SqlValue[]): void => {
          // oo1 refuses bind() on a statement without parameters, even with an empty list.
          if (params.length > 0) s.bind(params);
        };
        return {
          returnsRows,
          writes: capi !== undefined ? capi.sqlite3_stmt_readonly(s.pointer) === 0 : returnsRows && hasReturning(sql),
          all: (params) => {
            try {
              run(params);
              const rows: Record<string, SqlValue>[] = [];
              // get({}) copies blobs out of the WASM heap and returns integers beyond 2^53 as
              // bigint (the build has BigInt support), the rest as numbers.
              while (s.step()) rows.push(s.get({}) as Record<string, SqlValue>);
              return rows;
            } finally {
              reset(s);
            }
          },
          run: (params) => {
            // sqlite3_changes() keeps the count of the last DML statement, so a DDL or
            // transaction-control statement would report it again; count only if the total moved.
            const before = db.changes(true, true);
            try {
              run(params);
              s.step();
            } finally {
              reset(s);
            }
            const changed = db.changes(true, true) !== before;
            if (changed || capi !== undefined) lastRowid = lastInsertRowid();
            return { changes: changed ? db.changes(false, true) : 0, lastInsertRowid: lastRowid };
          },
          finalize: () => {
            s.finalize();
          },
        };
      },
      close: () => {
        rowidStmt?.finalize();
        rowidStmt = undefined;
        if (closeHandle) db.close();
      },
      mapError: (err) => {
        const rc = resultCodeOf(err);
        return sqliteError(err, rc !== undefined && capi !== undefined ? (capi.sqlite3_js_rc_str(rc) ?? rc) : rc);
      },
    },
    {
      sharedStorage: options.sharedStorage ?? (!memory && vfs.includes("opfs")),
    },
  );
}
