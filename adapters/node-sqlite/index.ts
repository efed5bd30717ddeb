/**
 * `node:sqlite` adapter (Node 22.5+, Deno 2.2+): no native module to install.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { QueueDatabase } from "@prismq/queue";
 * import { fromNodeSqlite } from "@prismq/queue/node-sqlite";
 * const db = await QueueDatabase.open(fromNodeSqlite(new DatabaseSync("queue.db")));
 * ```
 *
 * @module
 */
import type { Driver, SqlValue } from "../../src/driver.ts";
import { sqliteError } from "../../src/internal/sqlite-errors.ts";
import { createSyncDriver, hasReturning, type SyncPrepared } from "../../src/internal/sync-driver.ts";

/** The part of a `node:sqlite` `StatementSync` this adapter calls. */
export interface NodeSqliteStatementLike {
  /** Result columns, empty for a statement that returns no rows. */
  columns(): unknown[];
  /** Makes integers come back as bigint, so none beyond 2^53 is rounded. */
  setReadBigInts(enabled: boolean): void;
  /** Runs a statement that returns rows. */
  all(...params: SqlValue[]): unknown[];
  /** Runs a statement that returns no rows. */
  run(...params: SqlValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
}

/** The part of a `node:sqlite` `DatabaseSync` this adapter calls. */
export interface NodeSqliteLike {
  /** Compiles a statement. */
  prepare(sql: string): NodeSqliteStatementLike;
  /** Closes the connection. */
  close(): void;
  /** Path of the main database file; null or empty for an in-memory database. */
  location?(dbName?: string): string | null;
}

/** Options of {@link fromNodeSqlite}. */
export interface NodeSqliteOptions {
  /** Close the handle when the driver closes. @default true */
  readonly closeHandle?: boolean;
  /** Whether other connections can open the same file; read from `location()` when omitted. */
  readonly sharedStorage?: boolean;
}

/** Wraps an open `node:sqlite` `DatabaseSync` as a queue {@link Driver}. */
export function fromNodeSqlite(db: NodeSqliteLike, options: NodeSqliteOptions = {}): Driver {
  const closeHandle = options.closeHandle ?? true;
  const location = typeof db.location === "function" ? db.location() : null;
  return createSyncDriver(
    "node-sqlite",
    {
      prepare(sql: string): SyncPrepared {
        const s = db.prepare(sql);
        // node:sqlite has no `reader`/`readonly` flags: a statement with result columns yields
        // rows, and only DML with RETURNING both yields rows and writes.
        const returnsRows = s.columns().length > 0;
        s.setReadBigInts(true); // exact beyond 2^53; the shared driver turns safe ones into numbers
        return {
          returnsRows,
          writes: returnsRows && hasReturning(sql),
          all: (params) => s.all(...params) as Record<string, SqlValue>[],
          run: (params) => s.run(...params),
        };
      },
      close: () => {
        if (closeHandle) db.close();
      },
      mapError: (err) => sqliteError(err, (err as { errcode?: number } | null)?.errcode),
    },
    {
      sharedStorage: options.sharedStorage ?? (location !== null && location !== "" && location !== ":memory:"),
    },
  );
}
