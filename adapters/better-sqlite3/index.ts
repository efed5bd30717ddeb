/**
 * better-sqlite3 adapter: the Node production driver.
 *
 * @example
 * ```ts
 * import Database from "better-sqlite3";
 * import { QueueDatabase } from "@prismq/queue";
 * import { fromBetterSqlite3 } from "@prismq/queue/better-sqlite3";
 * const db = await QueueDatabase.open(fromBetterSqlite3(new Database("queue.db")));
 * ```
 *
 * @module
 */
import type { Driver, SqlValue } from "../../src/driver.ts";
import { sqliteError } from "../../src/internal/sqlite-errors.ts";
import { createSyncDriver, type SyncPrepared } from "../../src/internal/sync-driver.ts";

/** The part of a better-sqlite3 statement this adapter calls (typed here so we need no dependency). */
export interface BetterSqlite3StatementLike {
  /** True for a statement that returns rows, so the adapter calls `all` rather than `run`. */
  readonly reader: boolean;
  /** True for a statement that does not write. */
  readonly readonly: boolean;
  /** Makes integers come back as bigint, so none beyond 2^53 is rounded. */
  safeIntegers(enabled?: boolean): unknown;
  /** Runs a statement that returns rows. */
  all(...params: unknown[]): unknown[];
  /** Runs a statement that returns no rows. */
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
}

/** The part of a better-sqlite3 `Database` this adapter calls. */
export interface BetterSqlite3Like {
  /** True for an in-memory database. */
  readonly memory: boolean;
  /** The file it was opened with. */
  readonly name: string;
  /** Compiles a statement. */
  prepare(sql: string): BetterSqlite3StatementLike;
  /** Closes the connection. */
  close(): unknown;
}

/** Options of {@link fromBetterSqlite3}. */
export interface BetterSqlite3Options {
  /** Close the handle when the driver closes. @default true */
  readonly closeHandle?: boolean;
}

// better-sqlite3 binds Buffers, not plain Uint8Arrays, as blobs.
const toBindable = (params: readonly SqlValue[]): unknown[] =>
  params.map((v) => (v instanceof Uint8Array && !(v instanceof Buffer) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v));

/** Wraps an open better-sqlite3 database as a queue {@link Driver}. */
export function fromBetterSqlite3(db: BetterSqlite3Like, options: BetterSqlite3Options = {}): Driver {
  const closeHandle = options.closeHandle ?? true;
  return createSyncDriver(
    "better-sqlite3",
    {
      prepare(sql: string): SyncPrepared {
        const s = db.prepare(sql);
        if (s.reader) s.safeIntegers(true); // exact beyond 2^53; the shared driver turns safe ones into numbers
        return {
          returnsRows: s.reader,
          writes: !s.readonly,
          all: (params) => s.all(...toBindable(params)) as Record<string, SqlValue>[],
          run: (params) => s.run(...toBindable(params)),
        };
      },
      close: () => {
        if (closeHandle) db.close();
      },
      mapError: (err) => sqliteError(err, (err as { code?: string } | null)?.code),
    },
    { sharedStorage: !db.memory },
  );
}
