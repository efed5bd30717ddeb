/**
 * PGlite adapter: PostgreSQL compiled to WebAssembly (`@electric-sql/pglite`, an optional peer
 * dependency) as a queue driver, with the PostgreSQL dialect. The same SQL as the server
 * adapter runs in one process with no server, in Node, Deno, Bun and the browser: for tests,
 * demos and single-process apps that want PostgreSQL's SQL. PGlite is one connection, so calls
 * run one at a time; a batch is one transaction.
 *
 * @example
 * ```ts
 * import { PGlite } from "@electric-sql/pglite";
 * import { QueueDatabase } from "@prismq/queue";
 * import { fromPGlite, postgresDialect } from "@prismq/queue/pglite";
 * const db = await QueueDatabase.open(fromPGlite(new PGlite()), { dialect: postgresDialect });
 * ```
 *
 * @module
 */
import type { Driver, ExecResult, SqlValue, Statement } from "../../src/driver.ts";
import { isQueueError, QueueClosedError, QueueDatabaseError, QueueValidationError } from "../../src/errors.ts";
import { pgError } from "../../src/dialect/postgres/errors.ts";
import { postgresDialect } from "../../src/dialect/postgres/index.ts";
import { numberPlaceholders } from "../../src/dialect/postgres/placeholders.ts";
import { passText, PG_OID, pgBool, pgBoolParam, pgInt8, pgNumeric, pgTimeToText, toSqlValue } from "../../src/dialect/postgres/values.ts";

export { postgresDialect };

/** What a PGlite query answers (the part this adapter reads). */
export interface PGliteResults {
  /** Rows as objects. */
  readonly rows: Record<string, unknown>[];
  /** Rows changed (cumulative over a multi-statement text). */
  readonly affectedRows?: number | undefined;
  /** The statement's command tag word: `INSERT`, `UPDATE`, `SELECT`, … */
  readonly command?: string | undefined;
  /** Rows the command tag reports. */
  readonly rowCount?: number | undefined;
}

/** Per-query options this adapter passes (PGlite's `QueryOptions`). */
export interface PGliteQueryOptions {
  /** Parsers by type OID. */
  readonly parsers?: Record<number, (value: string, typeId: number) => unknown>;
  /** Serializers by type OID. */
  readonly serializers?: Record<number, (value: unknown) => string>;
}

/** The part of a PGlite transaction handle this adapter calls. */
export interface PGliteTransactionLike {
  /** Runs one statement. */
  query(query: string, params?: unknown[], options?: PGliteQueryOptions): Promise<PGliteResults>;
}

/** The part of a `PGlite` instance this adapter calls. */
export interface PGliteLike extends PGliteTransactionLike {
  /** Runs a text of statements without parameters. */
  exec(query: string, options?: PGliteQueryOptions): Promise<PGliteResults[]>;
  /** Runs `fn` inside one transaction (nothing else runs meanwhile). */
  transaction<T>(fn: (tx: PGliteTransactionLike) => Promise<T>): Promise<T>;
  /** LISTEN; resolves to an unsubscribe function. */
  listen(channel: string, callback: (payload: string) => void): Promise<(tx?: never) => Promise<void>>;
  /** Closes the instance. */
  close(): Promise<void>;
  /** True once closed. */
  readonly closed: boolean;
}

/** Options of {@link fromPGlite}. */
export interface PGliteOptions {
  /** Close the PGlite instance when the driver closes. @default true */
  readonly closeHandle?: boolean | undefined;
  /**
   * The schema the queue's tables live in, created if missing: several queues (or test cases)
   * can share one instance. The driver sets `search_path` whenever it is not the one in force.
   * @default the instance's (`public`)
   */
  readonly schema?: string | undefined;
  /** Whether other connections can reach the data (a PGlite in memory cannot). @default false */
  readonly sharedStorage?: boolean | undefined;
}

const QUERY_OPTIONS: PGliteQueryOptions = Object.freeze({
  parsers: {
    [PG_OID.timestamp]: pgTimeToText,
    [PG_OID.timestamptz]: pgTimeToText,
    [PG_OID.date]: (x: string) => x,
    [PG_OID.json]: (x: string) => x,
    [PG_OID.jsonb]: (x: string) => x,
    [PG_OID.int8]: pgInt8,
    [PG_OID.numeric]: pgNumeric,
    [PG_OID.bool]: pgBool,
  },
  serializers: {
    [PG_OID.timestamp]: passText,
    [PG_OID.timestamptz]: passText,
    [PG_OID.date]: passText,
    [PG_OID.json]: passText,
    [PG_OID.jsonb]: passText,
    [PG_OID.int8]: (x: unknown) => String(x),
    [PG_OID.numeric]: (x: unknown) => String(x),
    [PG_OID.bool]: pgBoolParam,
  },
});

const CHANGING = new Set(["INSERT", "UPDATE", "DELETE", "MERGE"]);

/** The schema whose `search_path` is in force on each instance (one session each). */
const pathInForce = new WeakMap<object, string>();

/**
 * One queue of calls per instance, shared by every driver on it: a call sets its schema's
 * `search_path` and runs before the next call of any driver starts, so drivers on different
 * schemas of one instance never run in each other's. (PGlite runs one statement at a time
 * anyway; this costs no concurrency.)
 */
const lanes = new WeakMap<object, Promise<unknown>>();
function inLane<T>(pg: object, fn: () => Promise<T>): Promise<T> {
  const prev = lanes.get(pg) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  lanes.set(pg, next.catch(() => {}));
  return next;
}

function toResult(r: PGliteResults): ExecResult {
  const rows: Record<string, SqlValue>[] = r.rows.map((row) => {
    const out: Record<string, SqlValue> = {};
    for (const k in row) out[k] = toSqlValue(row[k]);
    return out;
  });
  const command = (r.command ?? "").toUpperCase();
  const changes = CHANGING.has(command) ? Number(r.rowCount ?? r.affectedRows ?? 0) : 0;
  const first = command === "INSERT" && rows.length > 0 ? Object.values(rows[rows.length - 1]!)[0] : undefined;
  return { rows, changes, lastInsertRowid: typeof first === "number" || typeof first === "bigint" ? first : undefined };
}

function mapError(err: unknown): Error {
  if (isQueueError(err)) return err;
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : String(err);
  if (/^[0-9A-Z]{5}$/.test(code)) return pgError(err, code, message);
  if (/closed/i.test(message)) return new QueueClosedError(undefined, { cause: err });
  return new QueueDatabaseError(`PGlite: ${message}`, { kind: "unknown", cause: err });
}

/** Wraps an open `PGlite` instance as a queue {@link Driver}; pair it with {@link postgresDialect}. */
export function fromPGlite(pg: PGliteLike, options: PGliteOptions = {}): Driver {
  const schema = options.schema;
  if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new QueueValidationError("invalid PGlite options", ["schema: expected a plain identifier (letters, digits, _)"]);
  }
  const closeHandle = options.closeHandle ?? true;
  let closed = false;
  let schemaReady: Promise<void> | undefined;

  // Before each call: the schema exists, and its search_path is the one in force on the instance.
  const ready = async (): Promise<void> => {
    if (schema === undefined) return;
    schemaReady ??= pg.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"`).then(() => {});
    await schemaReady;
    if (pathInForce.get(pg) !== schema) {
      await pg.exec(`SET search_path TO "${schema}"`);
      pathInForce.set(pg, schema);
    }
  };
  const run = async (conn: PGliteTransactionLike, stmt: Statement): Promise<ExecResult> => {
    if (stmt.params.length > 0) return toResult(await conn.query(numberPlaceholders(stmt.sql), stmt.params as unknown[], QUERY_OPTIONS));
    // Without parameters: possibly several statements (the dialect's BEGIN); the last answers.
    if (conn === pg && stmt.sql.includes(";")) return toResult((await pg.exec(stmt.sql, QUERY_OPTIONS)).at(-1) ?? { rows: [] });
    return toResult(await conn.query(stmt.sql, [], QUERY_OPTIONS));
  };
  const open = (): void => {
    if (closed || pg.closed) throw new QueueClosedError();
  };

  return {
    name: "pglite",
    capabilities: Object.freeze({ sharedStorage: options.sharedStorage ?? false }),
    async execute(stmt) {
      open();
      try {
        return await inLane(pg, async () => {
          await ready();
          return run(pg, stmt);
        });
      } catch (err) {
        throw mapError(err);
      }
    },
    async batch(stmts) {
      open();
      if (stmts.length === 0) return [];
      try {
        return await inLane(pg, async () => {
          await ready();
          return pg.transaction(async (tx) => {
            const out: ExecResult[] = [];
            for (const s of stmts) out.push(await run(tx, s));
            return out;
          });
        });
      } catch (err) {
        throw mapError(err);
      }
    },
    async listen(channel, onNotify) {
      open();
      try {
        const unlisten = await pg.listen(channel, onNotify);
        return async () => {
          if (!pg.closed) await unlisten().catch(() => {});
        };
      } catch (err) {
        throw mapError(err);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (closeHandle && !pg.closed) await pg.close();
    },
  };
}
