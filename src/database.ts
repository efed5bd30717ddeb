/**
 * `QueueDatabase`: one connection to the queue's database, its schema, and a user's own SQL.
 *
 * @module
 */
import { type Clock, systemClock } from "./clock.ts";
import type { Driver, ExecResult, SqlValue, Statement } from "./driver.ts";
import {
  isQueueError,
  QueueBusyError,
  QueueClosedError,
  QueueSchemaError,
  QueueValidationError,
  toQueueError,
} from "./errors.ts";
import { Mutex } from "./internal/mutex.ts";
import type { QueueDialect } from "./dialect/dialect.ts";
import { sqliteDialect } from "./dialect/sqlite/index.ts";

export { pragmaProblem } from "./dialect/sqlite/schema.ts";

/** Options of {@link QueueDatabase}. */
export interface QueueDatabaseOptions {
  /** Source of every timestamp the queue writes. @default systemClock */
  readonly clock?: Clock | undefined;
  /**
   * Retries after the engine's own busy timeout has run out, with jittered exponential waits,
   * before {@link QueueBusyError} is thrown. @default 5
   */
  readonly busyRetries?: number | undefined;
  /** First wait between busy retries, doubled each time. @default 20 */
  readonly busyRetryBaseMs?: number | undefined;
  /** PRAGMAs to apply over the seed 002 defaults; `false` applies none. */
  readonly pragmas?: Readonly<Record<string, string | number>> | false | undefined;
  /**
   * Read an existing queue database without changing it: {@link QueueDatabase.open} migrates
   * nothing, skips the PRAGMAs stored in the file (`journal_mode`, `page_size`, …), and refuses a file with no queue schema or a newer one ({@link QueueSchemaError}).
   * An older schema is accepted as it is (a backup before an upgrade must be possible). Open the
   * driver read-only too (`openDriver({ readOnly: true })`). @default false
   */
  readonly readOnly?: boolean | undefined;
  /**
   * The SQL of the engine behind the driver: every component on this database asks it for its
   * statements. @default sqliteDialect
   */
  readonly dialect?: QueueDialect | undefined;
}

/** The handle a {@link QueueDatabase.transaction} callback runs its SQL on. */
export interface QueueTransaction {
  /** Runs one statement inside the transaction. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<ExecResult>;
  /** Runs a prepared {@link Statement} inside the transaction. */
  executeStatement(stmt: Statement): Promise<ExecResult>;
}

/** Path used when none is given: `PRISMQ_QUEUE_DB_PATH`, else the seed 002 default per platform. */
export function defaultDbPath(env: Readonly<Record<string, string | undefined>>, platform: string): string {
  const fromEnv = env["PRISMQ_QUEUE_DB_PATH"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return platform === "win32" ? "C:\\Data\\PrismQ\\queue\\queue.db" : "/tmp/prismq/queue/queue.db";
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * One connection to a queue database. The client and workers run every statement through it, so
 * it is where busy retries happen and where a user's {@link QueueDatabase.transaction} keeps
 * everything else out until it ends.
 *
 * @example
 * ```ts
 * import { QueueDatabase } from "@prismq/queue";
 * import { openDriver } from "@prismq/queue/node";
 * await using db = await QueueDatabase.open(await openDriver());
 * const { rows } = await db.execute("SELECT status, COUNT(*) AS n FROM task_queue GROUP BY status");
 * ```
 */
export class QueueDatabase {
  readonly #driver: Driver;
  readonly #clock: Clock;
  readonly #busyRetries: number;
  readonly #busyRetryBaseMs: number;
  readonly #pragmas: Readonly<Record<string, string | number>> | false;
  readonly #readOnly: boolean;
  readonly #dialect: QueueDialect;
  readonly #gate = new Mutex();
  #closed = false;
  #busyRetryCount = 0;
  #callCount = 0;

  /** Wraps an open driver. Call {@link initializeSchema} (or use {@link QueueDatabase.open}) before use. */
  constructor(driver: Driver, options: QueueDatabaseOptions = {}) {
    this.#driver = driver;
    this.#clock = options.clock ?? systemClock;
    this.#busyRetries = options.busyRetries ?? 5;
    this.#busyRetryBaseMs = options.busyRetryBaseMs ?? 20;
    this.#dialect = options.dialect ?? sqliteDialect;
    this.#pragmas = options.pragmas === false ? false : { ...this.#dialect.schema.defaultSettings, ...options.pragmas };
    this.#readOnly = options.readOnly === true;
    if (!Number.isInteger(this.#busyRetries) || this.#busyRetries < 0) {
      throw new QueueValidationError("invalid QueueDatabase options", ["busyRetries: expected an integer >= 0"]);
    }
  }

  /**
   * Wraps `driver` and brings its schema up to date: the usual way to get a database. With
   * `readOnly` it only checks the schema ({@link QueueDatabase.checkSchema}).
   */
  static async open(driver: Driver, options: QueueDatabaseOptions = {}): Promise<QueueDatabase> {
    const db = new QueueDatabase(driver, options);
    try {
      if (db.readOnly) await db.checkSchema();
      else await db.initializeSchema();
    } catch (err) {
      await db.close().catch(() => {});
      throw err;
    }
    return db;
  }

  /** The clock every component on this database takes time from. */
  get clock(): Clock {
    return this.#clock;
  }

  /** The SQL of this database's engine: components ask it for their statements. */
  get dialect(): QueueDialect {
    return this.#dialect;
  }

  /** The driver underneath (for adapters' own features; queue SQL goes through this class). */
  get driver(): Driver {
    return this.#driver;
  }

  /** Busy retries spent so far (each one a wait after the engine's busy timeout ran out). */
  get busyRetryCount(): number {
    return this.#busyRetryCount;
  }

  /**
   * Statements and batches run through this database so far (each counted once, however many
   * busy retries it took): the denominator of the busy-retry rate.
   */
  get callCount(): number {
    return this.#callCount;
  }

  /** True when opened with `readOnly`: nothing is migrated and the connection refuses writes. */
  get readOnly(): boolean {
    return this.#readOnly;
  }

  /** True once {@link close} has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Applies the PRAGMAs, checks the engine, and migrates the schema forward to this library's
   * version inside one `BEGIN IMMEDIATE` transaction, so concurrent openers apply it once.
   * A database written by a newer version is refused with {@link QueueSchemaError}.
   */
  async initializeSchema(): Promise<void> {
    if (this.#readOnly) throw new QueueValidationError("this database was opened read-only: its schema cannot be migrated");
    await this.#prepareConnection();
    const schema = this.#dialect.schema;
    await this.transaction(async (tx) => {
      const row = (await tx.executeStatement(schema.readVersion())).rows[0];
      const current = Number(row?.["user_version"] ?? 0);
      this.#refuseNewer(current);
      for (const m of schema.migrations) {
        if (m.version <= current) continue;
        try {
          for (const stmt of m.statements) await tx.execute(stmt);
          await tx.executeStatement(schema.writeVersion(m.version));
        } catch (err) {
          throw new QueueSchemaError(`migration ${m.version} failed; nothing of it was applied`, {
            cause: err,
            kind: "sql",
          });
        }
      }
    });
  }

  /**
   * Checks, without writing anything, that the file holds a queue schema this library can read:
   * version 1 up to this library's, with its `task_queue` table. Another application's SQLite
   * file (no queue schema) or a newer schema is refused with {@link QueueSchemaError}. Used by
   * read-only opens, which get only the per-connection PRAGMAs.
   */
  async checkSchema(): Promise<void> {
    await this.#prepareConnection();
    const current = await this.schemaVersion();
    this.#refuseNewer(current);
    const table = await this.run(this.#dialect.schema.hasQueueTable());
    if (current < 1 || Number(table.rows[0]?.["n"] ?? 0) !== 1) {
      throw new QueueSchemaError(
        current < 1
          ? "not a queue database: it has no queue schema (schema version 0)"
          : `not a queue database: schema version ${current} but no task_queue table`,
      );
    }
  }

  /**
   * Engine check and PRAGMAs; read-only: the per-connection ones only. (Not `query_only`: it
   * would also refuse `VACUUM INTO`, which writes only the backup file; the driver's read-only
   * open is what keeps the database unchanged.)
   */
  async #prepareConnection(): Promise<void> {
    const schema = this.#dialect.schema;
    const v = await this.run(schema.engineVersion());
    const version = String(v.rows[0]?.["v"] ?? "0");
    if (compareVersions(version, schema.minEngineVersion) < 0) {
      throw new QueueSchemaError(
        `${schema.engineName} ${version} is too old: the queue needs ${schema.minEngineVersion} or later`,
      );
    }
    if (this.#pragmas !== false) {
      for (const [key, value] of Object.entries(this.#pragmas)) {
        const problem = schema.settingProblem(key, value);
        if (problem !== null) throw new QueueValidationError("invalid PRAGMA", [problem]);
        if (this.#readOnly && schema.fileSettings.has(key)) continue;
        await this.run(schema.applySetting(key, value));
      }
    }
  }

  #refuseNewer(current: number): void {
    const latest = this.#dialect.schema.latestVersion;
    if (current > latest) {
      throw new QueueSchemaError(
        `database schema version ${current} is newer than this library supports (${latest}); upgrade @prismq/queue`,
      );
    }
  }

  /** The schema version recorded in the file (`PRAGMA user_version` on SQLite). */
  async schemaVersion(): Promise<number> {
    const r = await this.run(this.#dialect.schema.readVersion());
    return Number(r.rows[0]?.["user_version"] ?? 0);
  }

  /** Runs one statement of the user's own SQL, with `?` parameters. */
  async execute(sql: string, params: readonly SqlValue[] = []): Promise<ExecResult> {
    return this.run({ sql, params });
  }

  /** Runs one statement once per parameter list, all in one transaction (all or nothing). */
  async executeMany(sql: string, paramList: readonly (readonly SqlValue[])[]): Promise<number> {
    if (paramList.length === 0) return 0;
    const results = await this.batch(paramList.map((params) => ({ sql, params })));
    return results.reduce((n, r) => n + r.changes, 0);
  }

  /**
   * Runs `fn` inside `BEGIN IMMEDIATE … COMMIT` (ROLLBACK if it throws). Until it ends nothing
   * else on this database runs, workers included, so keep it short, and run SQL only through the
   * `tx` handle: calling this database's own methods inside `fn` would wait for `fn` forever.
   */
  async transaction<T>(fn: (tx: QueueTransaction) => Promise<T>): Promise<T> {
    this.#assertOpen();
    return this.#gate.run(async () => {
      await this.#withBusyRetry(() => this.#driver.execute(this.#dialect.schema.begin));
      let open = true;
      const exec = async (stmt: Statement): Promise<ExecResult> => {
        if (!open) throw new QueueValidationError("this transaction has already ended");
        try {
          return await this.#driver.execute(stmt);
        } catch (err) {
          throw this.#mapError(err);
        }
      };
      const tx: QueueTransaction = {
        execute: (sql, params = []) => exec({ sql, params }),
        executeStatement: exec,
      };
      let result: T;
      try {
        result = await fn(tx);
      } catch (err) {
        // The user's own error goes back to them as it is; only the driver's errors are mapped.
        open = false;
        await this.#driver.execute(this.#dialect.schema.rollback).catch(() => {});
        throw err;
      }
      open = false;
      try {
        await this.#driver.execute(this.#dialect.schema.commit);
      } catch (err) {
        await this.#driver.execute(this.#dialect.schema.rollback).catch(() => {});
        throw this.#mapError(err);
      }
      return result;
    });
  }

  /**
   * Runs one queue statement with busy retries.
   * @internal used by the client and worker
   */
  run(stmt: Statement): Promise<ExecResult> {
    return this.#gated(() => this.#driver.execute(stmt));
  }

  /**
   * Runs statements all or nothing, with busy retries.
   * @internal used by the client and worker
   */
  batch(stmts: readonly Statement[]): Promise<readonly ExecResult[]> {
    return this.#gated(() => this.#driver.batch(stmts));
  }

  /** Closes the connection once in-flight work on it has settled. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#gate.run(() => this.#driver.close());
  }

  /** Lets `await using db = …` close the database. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new QueueClosedError();
  }

  #gated<T>(call: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new QueueClosedError());
    this.#callCount++;
    // Fast path: with no user transaction open or waiting, go straight to the driver; sync
    // drivers then pay for no lock at all.
    if (!this.#gate.locked) return this.#withBusyRetry(call);
    return this.#gate.run(() => this.#withBusyRetry(call));
  }

  async #withBusyRetry<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        const mapped = this.#mapError(err);
        if (!isQueueError(mapped, "BUSY")) throw mapped;
        if (attempt >= this.#busyRetries) {
          throw new QueueBusyError(
            `database still busy after the busy timeout and ${this.#busyRetries} retries`,
            { cause: err },
          );
        }
        this.#busyRetryCount++;
        // Full jitter keeps colliding writers from retrying in lockstep.
        const wait = Math.random() * this.#busyRetryBaseMs * 2 ** attempt;
        await systemClock.sleep(wait);
      }
    }
  }

  #mapError(err: unknown): Error {
    if (isQueueError(err)) return err;
    return toQueueError(err, "database error");
  }
}
