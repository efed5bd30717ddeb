/**
 * `@journeyapps/wa-sqlite` adapter (the maintained wa-sqlite, 2.x) over its asynchronous API:
 * SQLite in WebAssembly with pluggable, possibly asynchronous VFSes (IndexedDB, OPFS).
 *
 * The API is asynchronous and the connection is single: two calls that overlap would interleave
 * their steps, and a plain statement could land inside someone else's `BEGIN … COMMIT`. So every
 * call (execute, batch, close) runs under one FIFO mutex, and a batch is `BEGIN IMMEDIATE … COMMIT`
 * (ROLLBACK on error) while holding it.
 *
 * Where the data lives is the VFS's business: in memory by default (the only choice in Node,
 * Deno and Bun); in a browser `IDBBatchAtomicVFS` (main thread or Worker) or `OPFSCoopSyncVFS`,
 * `AccessHandlePoolVFS`, `OPFSWriteAheadVFS` (Worker) persist. WebAssembly has no shared memory
 * for WAL: the queue's `journal_mode=WAL` PRAGMA is a no-op unless the VFS provides it.
 *
 * Known difference from the native drivers: wa-sqlite binds an empty `Uint8Array` as NULL (its
 * `bind_blob` allocates with `sqlite3_malloc(0)`, which returns NULL), so an empty blob reads back
 * as `null`.
 *
 * @example
 * ```ts
 * import SQLiteESMFactory from "@journeyapps/wa-sqlite/dist/wa-sqlite-async.mjs";
 * import * as SQLite from "@journeyapps/wa-sqlite";
 * import { QueueDatabase } from "@prismq/queue";
 * import { fromWaSqlite } from "@prismq/queue/wa-sqlite";
 * const sqlite3 = SQLite.Factory(await SQLiteESMFactory());
 * const db = await QueueDatabase.open(fromWaSqlite(sqlite3, await sqlite3.open_v2("queue.db")));
 * ```
 *
 * @module
 */
import type { Driver, ExecResult, SqlValue, Statement } from "../../src/driver.ts";
import { isQueueError, QueueClosedError, QueueDatabaseError } from "../../src/errors.ts";
import { Mutex } from "../../src/internal/mutex.ts";
import { sqliteError } from "../../src/internal/sqlite-errors.ts";
import { hasReturning } from "../../src/internal/sync-driver.ts";

/** The part of the wa-sqlite API object (`SQLite.Factory(module)`) this adapter calls. */
export interface WaSqliteApiLike {
  /** Compiles the SQL one statement at a time. */
  statements(db: number, sql: string, options?: { unscoped?: boolean }): AsyncIterable<number>;
  /** Binds the parameters in order. */
  bind_collection(stmt: number, bindings: SqlValue[]): number;
  /** Clears the parameters before a statement is reused. */
  clear_bindings(stmt: number): number;
  /** Steps the statement: SQLITE_ROW or SQLITE_DONE. */
  step(stmt: number): Promise<number>;
  /** The result's column names. */
  column_names(stmt: number): string[];
  /** The current row; blobs are copied out of the WASM heap, integers beyond 2^53 are bigint. */
  row(stmt: number): unknown[];
  /** Rows changed by the last write. */
  changes(db: number): number;
  /** Resets a statement for another run. */
  reset(stmt: number): Promise<number>;
  /** Frees a statement. */
  finalize(stmt: number): Promise<number>;
  /** Closes the connection. */
  close(db: number): Promise<number>;
}

/** Options of {@link fromWaSqlite}. */
export interface WaSqliteOptions {
  /** Close the database pointer when the driver closes. @default true */
  readonly closeHandle?: boolean;
  /**
   * Whether other connections can open the same database: true for a persistent VFS that
   * several tabs or workers can open (OPFS, IndexedDB). @default false
   */
  readonly sharedStorage?: boolean;
}

// Result codes of sqlite3_step(); part of SQLite's stable ABI, so no import of the constants.
const SQLITE_ROW = 100;
/** Prepared statements kept per connection; the queue uses a few dozen distinct texts. */
const CACHE_LIMIT = 128;

interface Prepared {
  readonly stmt: number;
  /** DML with RETURNING: yields rows, and they count as changes. */
  readonly writesRows: boolean;
  /** DML without result columns: `sqlite3_changes()` is about this statement. */
  readonly dml: boolean;
  /** INSERT or REPLACE without result columns: report the new rowid. */
  readonly inserts: boolean;
}

/** The first keyword of a statement, after whitespace and comments, in upper case. */
function leadingKeyword(sql: string): string {
  const m = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*([A-Za-z]+)/.exec(sql);
  return m?.[1]?.toUpperCase() ?? "";
}

/**
 * Leading keywords of statements that can change rows. A WITH without result columns must be
 * DML too (a WITH … SELECT has columns).
 */
const DML = new Set(["INSERT", "UPDATE", "DELETE", "REPLACE", "WITH"]);

/** Wraps a wa-sqlite API object and an open database pointer (`await sqlite3.open_v2(name)`). */
export function fromWaSqlite(sqlite3: WaSqliteApiLike, db: number, options: WaSqliteOptions = {}): Driver {
  const closeHandle = options.closeHandle ?? true;
  const mutex = new Mutex();
  const cache = new Map<string, Prepared>();
  let closed = false;
  let closing: Promise<void> | undefined;

  const finalizeQuietly = async (stmt: number): Promise<void> => {
    try {
      await sqlite3.finalize(stmt);
    } catch {
      // finalize reports the last step's error again; the statement is freed all the same.
    }
  };

  const prepare = async (sql: string): Promise<Prepared | undefined> => {
    const hit = cache.get(sql);
    if (hit !== undefined) {
      // Refresh its place: the cache evicts the least recently used text.
      cache.delete(sql);
      cache.set(sql, hit);
      return hit;
    }
    // `unscoped` keeps the statements alive after the iterator moves on, so one text can be
    // prepared once and stepped many times; we finalize them ourselves on eviction and close.
    const stmts: number[] = [];
    try {
      for await (const stmt of sqlite3.statements(db, sql, { unscoped: true })) stmts.push(stmt);
    } catch (err) {
      for (const stmt of stmts) await finalizeQuietly(stmt);
      throw err;
    }
    if (stmts.length === 0) return undefined; // only whitespace or comments
    if (stmts.length > 1) {
      for (const stmt of stmts) await finalizeQuietly(stmt);
      throw new QueueDatabaseError("one statement per call: the SQL text holds more than one", { kind: "sql" });
    }
    const stmt = stmts[0]!;
    const keyword = leadingKeyword(sql);
    const hasColumns = sqlite3.column_names(stmt).length > 0;
    const p: Prepared = {
      stmt,
      writesRows: hasColumns && DML.has(keyword) && hasReturning(sql),
      dml: !hasColumns && DML.has(keyword),
      inserts: !hasColumns && (keyword === "INSERT" || keyword === "REPLACE"),
    };
    if (cache.size >= CACHE_LIMIT) {
      const [oldest, evicted] = cache.entries().next().value as [string, Prepared];
      cache.delete(oldest);
      await finalizeQuietly(evicted.stmt);
    }
    cache.set(sql, p);
    return p;
  };

  /** Steps one prepared statement to the end; the caller holds the mutex. */
  const runOne = async (s: Statement): Promise<ExecResult> => {
    const p = await prepare(s.sql);
    if (p === undefined) return { rows: [], changes: 0 };
    const rows: Record<string, SqlValue>[] = [];
    try {
      if (s.params.length > 0) sqlite3.bind_collection(p.stmt, s.params as SqlValue[]);
      // Read per run, not per prepare: SQLite re-prepares a statement after a schema change,
      // and `SELECT *` may then have other columns.
      let columns: string[] | undefined;
      while ((await sqlite3.step(p.stmt)) === SQLITE_ROW) {
        columns ??= sqlite3.column_names(p.stmt);
        const values = sqlite3.row(p.stmt);
        const row: Record<string, SqlValue> = {};
        for (let i = 0; i < columns.length; i++) row[columns[i]!] = values[i] as SqlValue;
        rows.push(row);
      }
    } finally {
      // reset() re-throws a failed step's error, which is already on its way out.
      await sqlite3.reset(p.stmt).catch(() => {});
      sqlite3.clear_bindings(p.stmt);
    }
    // sqlite3_changes() keeps the count of the last DML statement, so only DML may report it.
    if (!p.dml) return { rows, changes: p.writesRows ? rows.length : 0 };
    const changes = sqlite3.changes(db);
    if (!p.inserts) return { rows, changes };
    // last_insert_id() comes back through a 32-bit return and loses the high half; ask SQL.
    const rowid = await runOne({ sql: "SELECT last_insert_rowid() AS id", params: [] });
    return { rows, changes, lastInsertRowid: rowid.rows[0]?.["id"] as number | bigint };
  };

  const mapped = (err: unknown): Error => {
    if (isQueueError(err)) return err;
    const code = (err as { code?: unknown } | null)?.code;
    return sqliteError(err, typeof code === "number" || typeof code === "string" ? code : undefined);
  };

  const guarded = <T>(fn: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new QueueClosedError());
    return mutex.run(fn).catch((err: unknown) => {
      throw mapped(err);
    });
  };

  return Object.freeze({
    name: "wa-sqlite",
    capabilities: Object.freeze({
      sharedStorage: options.sharedStorage ?? false,
    }),
    execute(stmt: Statement): Promise<ExecResult> {
      return guarded(() => runOne(stmt));
    },
    batch(stmts: readonly Statement[]): Promise<readonly ExecResult[]> {
      return guarded(async () => {
        await runOne({ sql: "BEGIN IMMEDIATE", params: [] });
        try {
          const results: ExecResult[] = [];
          for (const s of stmts) results.push(await runOne(s));
          await runOne({ sql: "COMMIT", params: [] });
          return results;
        } catch (err) {
          try {
            await runOne({ sql: "ROLLBACK", params: [] });
          } catch {
            // SQLite may already have rolled back (e.g. SQLITE_FULL); nothing is left to undo.
          }
          throw err;
        }
      });
    },
    close(): Promise<void> {
      // Calls made before close() finish first (they hold or queue for the mutex); later calls
      // reject at once. A second close() gets the first one's promise.
      if (closing !== undefined) return closing;
      closed = true;
      closing = mutex
        .run(async () => {
          for (const p of cache.values()) await finalizeQuietly(p.stmt);
          cache.clear();
          if (closeHandle) await sqlite3.close(db);
        })
        .catch((err: unknown) => {
          throw mapped(err);
        });
      return closing;
    },
  });
}
