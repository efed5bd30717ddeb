import type { QueueDialect } from "../../src/dialect/dialect.ts";
import type { Driver } from "../../src/driver.ts";

/** One adapter under test, in the runtime that runs the suite. */
export interface Target {
  /** Adapter name as reported in results, e.g. "better-sqlite3", "sqlite-wasm (opfs-sahpool)". */
  readonly name: string;
  /**
   * What `create()`'s drivers must report as `capabilities.sharedStorage`: true for storage
   * another connection could open (a file, OPFS). @default false (a private in-memory database)
   */
  readonly persistent?: boolean;
  /** The SQL of the engine behind the drivers; every queue database of the suite is opened with it. @default sqliteDialect */
  readonly dialect?: QueueDialect;
  /**
   * How stored run-after times compare: as text (SQLite: a run-now time kept to the second,
   * `…:01`, sorts before a delayed `…:01.000`) or as instants (PostgreSQL: equal, `id` decides).
   * @default "text"
   */
  readonly timeOrder?: "text" | "instant";
  /** The engine the driver contract's own test SQL is written for. @default "sqlite" */
  readonly engine?: "sqlite" | "postgres";
  /** A fresh, empty, private database (in memory, or a new file/OPFS name). */
  create(): Promise<Driver>;
  /**
   * Opens (creating if needed) a shared database by name/path, for cases that need two
   * connections on one store. Absent for drivers whose storage is private to one connection.
   */
  openShared?(name: string): Promise<Driver>;
}
