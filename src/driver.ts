/**
 * The one interface the queue core speaks to. Adapters in `adapters/` implement it over a
 * concrete SQLite (later Postgres) library; nothing under `src/` knows which one.
 *
 * Every method is async, and there is deliberately no `transaction(fn)` that stays open across
 * `await`: each atomic step of the queue is one statement or one {@link Driver.batch}, so a sync
 * engine can run a batch inside one native transaction and an async engine under one lock.
 *
 * A driver moves statements and results; it never chooses SQL. The SQL comes from the
 * `QueueDialect` the `QueueDatabase` is opened with (`src/dialect/`), so a driver for a second
 * engine is paired with that engine's dialect, not flagged with its name.
 *
 * @module
 */

/** A value that crosses the driver boundary. No boolean and no Date: SQLite has neither. */
export type SqlValue = string | number | bigint | Uint8Array | null;

/** One SQL statement with positional (`?`) parameters. */
export interface Statement {
  /** The SQL text, with `?` placeholders. */
  readonly sql: string;
  /** Values for the placeholders, in order. */
  readonly params: readonly SqlValue[];
}

/** What running one statement gave back. */
export interface ExecResult {
  /** Rows of a SELECT or of a statement with RETURNING; otherwise empty. */
  readonly rows: readonly Readonly<Record<string, SqlValue>>[];
  /** Rows inserted, updated or deleted (for a DML statement with RETURNING, the rows returned). */
  readonly changes: number;
  /** Rowid of the last insert when the engine reports it for this statement. */
  readonly lastInsertRowid?: number | bigint | undefined;
}

/** Anything that can run one statement: a {@link Driver}, or an open transaction's handle. */
export interface Executor {
  /** Runs one statement. Rejects with a {@link QueueDatabaseError} subclass, never a raw error. */
  execute(stmt: Statement): Promise<ExecResult>;
}

/**
 * What a driver can do; the core branches on these flags, never on driver names. Only flags
 * something reads are here: a pool (calls that overlap) or `SKIP LOCKED` belong to a dialect and
 * its driver when a second engine arrives, not to a flag nothing honours.
 */
export interface DriverCapabilities {
  /** Other connections or processes can open the same database (a file, OPFS, a server). */
  readonly sharedStorage: boolean;
}

/** A database connection as the queue core sees it. */
export interface Driver extends Executor {
  /** Short adapter name for messages and benchmarks: `"better-sqlite3"`, `"node-sqlite"`, … */
  readonly name: string;
  /** What the engine supports, so the core picks statements it can run. */
  readonly capabilities: DriverCapabilities;
  /**
   * Runs the statements in order, all or nothing, with no other call on this driver in between.
   * Results come back in input order. On SQLite this is `BEGIN IMMEDIATE … COMMIT`.
   */
  batch(stmts: readonly Statement[]): Promise<readonly ExecResult[]>;
  /** Closes the connection. Idempotent; calls after it reject with a closed error. */
  close(): Promise<void>;
  /**
   * Optional: subscribes to the server's notifications on `channel` (PostgreSQL `LISTEN`), so
   * an enqueue can wake idle workers at once instead of at their next poll. Resolves once
   * listening, to a function that unsubscribes. Drivers of engines without notifications leave
   * it out and the core keeps polling; it is a hint only, never needed for correctness.
   */
  listen?(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
}

/** Builds a {@link Statement}; a tiny helper so call sites read like SQL. */
export function sql(text: string, ...params: SqlValue[]): Statement {
  return { sql: text, params };
}
