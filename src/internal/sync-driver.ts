/**
 * One {@link Driver} implementation for every synchronous SQLite binding (better-sqlite3,
 * node:sqlite, later bun:sqlite and sqlite-wasm's oo1 API). An adapter only describes how to
 * prepare and run a statement on its library; caching, batching and error mapping live here.
 *
 * Nothing can interleave inside a synchronous call, so a batch is one synchronous
 * `BEGIN IMMEDIATE … COMMIT` and needs no mutex; the only per-call cost over the raw binding is
 * a cache lookup and one resolved promise.
 *
 * @internal
 * @module
 */
import type { Driver, DriverCapabilities, ExecResult, SqlValue, Statement } from "../driver.ts";
import { isQueueError, QueueClosedError, type QueueDatabaseError } from "../errors.ts";

/** A prepared statement as the shared driver needs it. */
export interface SyncPrepared {
  /** True if the statement yields rows (SELECT, PRAGMA, or DML with RETURNING). */
  readonly returnsRows: boolean;
  /** True if running it can change rows (so RETURNING rows count as changes). */
  readonly writes: boolean;
  all(params: readonly SqlValue[]): Record<string, SqlValue>[];
  run(params: readonly SqlValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  /**
   * Frees the statement when it leaves the cache or the driver closes. Needed where statements
   * live outside the JS heap and are never garbage-collected (sqlite-wasm's oo1 `Stmt`).
   */
  finalize?(): void;
}

/** A synchronous connection, described by its adapter. */
export interface SyncConnection {
  prepare(sql: string): SyncPrepared;
  close(): void;
  /** Turns the library's exception into a typed queue error. */
  mapError(err: unknown): QueueDatabaseError;
}

/** Statements kept prepared per connection; the queue uses a few dozen distinct texts. */
const CACHE_LIMIT = 256;

/** Builds a {@link Driver} over a synchronous connection. */
export function createSyncDriver(
  name: string,
  conn: SyncConnection,
  capabilities: DriverCapabilities,
): Driver {
  const cache = new Map<string, SyncPrepared>();
  let closed = false;

  const prepare = (sql: string): SyncPrepared => {
    let p = cache.get(sql);
    if (p === undefined) {
      p = conn.prepare(sql);
      if (cache.size >= CACHE_LIMIT) {
        const oldest = cache.keys().next().value as string;
        cache.get(oldest)?.finalize?.();
        cache.delete(oldest);
      }
      cache.set(sql, p);
    }
    return p;
  };

  const runOne = (stmt: Statement): ExecResult => {
    const p = prepare(stmt.sql);
    if (p.returnsRows) {
      const rows = p.all(stmt.params);
      for (const row of rows) normaliseIntegers(row);
      return { rows, changes: p.writes ? rows.length : 0 };
    }
    const r = p.run(stmt.params);
    return { rows: [], changes: Number(r.changes), lastInsertRowid: r.lastInsertRowid };
  };

  const mapped = (err: unknown): Error => (isQueueError(err) ? err : conn.mapError(err));

  return Object.freeze({
    name,
    capabilities: Object.freeze({ ...capabilities }),
    execute(stmt: Statement): Promise<ExecResult> {
      if (closed) return Promise.reject(new QueueClosedError());
      try {
        return Promise.resolve(runOne(stmt));
      } catch (err) {
        return Promise.reject(mapped(err));
      }
    },
    batch(stmts: readonly Statement[]): Promise<readonly ExecResult[]> {
      if (closed) return Promise.reject(new QueueClosedError());
      let begun = false;
      try {
        prepare("BEGIN IMMEDIATE").run([]);
        begun = true;
        const results = stmts.map(runOne);
        prepare("COMMIT").run([]);
        return Promise.resolve(results);
      } catch (err) {
        if (begun) {
          try {
            prepare("ROLLBACK").run([]);
          } catch {
            // SQLite may already have rolled back (e.g. SQLITE_FULL); nothing is left to undo.
          }
        }
        return Promise.reject(mapped(err));
      }
    },
    close(): Promise<void> {
      if (closed) return Promise.resolve();
      closed = true;
      for (const p of cache.values()) {
        try {
          p.finalize?.();
        } catch {
          // Closing the connection frees whatever a failed finalize left behind.
        }
      }
      cache.clear();
      try {
        conn.close();
        return Promise.resolve();
      } catch (err) {
        return Promise.reject(mapped(err));
      }
    },
  });
}

/**
 * Adapters read integers as BigInt so that values beyond 2^53 come back exact (node:sqlite would
 * throw, better-sqlite3 would round). Every integer that fits is turned back into a number here,
 * so callers see numbers except where only a BigInt is exact.
 */
function normaliseIntegers(row: Record<string, SqlValue>): void {
  for (const key in row) {
    const v = row[key];
    if (typeof v === "bigint" && v >= MIN_SAFE && v <= MAX_SAFE) row[key] = Number(v);
  }
}
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** True for statement text that can only change rows through RETURNING-bearing DML. */
export function hasReturning(sql: string): boolean {
  return /\bRETURNING\b/i.test(sql);
}
