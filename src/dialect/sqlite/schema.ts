/**
 * How a SQLite queue database is opened and brought up to date: the engine version check,
 * connection settings (PRAGMAs), the schema version in `PRAGMA user_version`, and the
 * transaction statements `QueueDatabase.transaction` runs.
 *
 * @internal
 * @module
 */
import type { Statement } from "../../driver.ts";
import type { SchemaSupport } from "../dialect.ts";
import { DEFAULT_PRAGMAS, MIN_SQLITE_VERSION, SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION } from "./migrations.ts";
import { hasQueueTable } from "./maintenance.ts";

const s = (sql: string): Statement => ({ sql, params: [] });

/**
 * Why a PRAGMA cannot be applied as given, or null if it can. Names the PRAGMA but never echoes
 * its value: it may be a secret (SQLCipher's `key`).
 */
export function pragmaProblem(key: string, value: unknown): string | null {
  if (!/^[a-z_]+$/.test(key)) return `PRAGMA name ${JSON.stringify(key.slice(0, 64))}: expected lower-case letters and _`;
  if ((typeof value !== "string" && typeof value !== "number") || !/^[A-Za-z0-9_-]+$/.test(String(value))) {
    return `PRAGMA ${key}: value refused (expected a number or letters, digits, _ and -; the value is not shown)`;
  }
  return null;
}

/** The SQLite schema support of {@link sqliteDialect}. */
export const sqliteSchema: SchemaSupport = Object.freeze({
  migrations: SQLITE_MIGRATIONS,
  latestVersion: SQLITE_SCHEMA_VERSION,
  minEngineVersion: MIN_SQLITE_VERSION,
  engineName: "SQLite",
  defaultSettings: DEFAULT_PRAGMAS,
  fileSettings: new Set(["journal_mode", "page_size", "auto_vacuum", "user_version", "application_id"]),
  engineVersion: () => s("SELECT sqlite_version() AS v"),
  readVersion: () => s("PRAGMA user_version"),
  // The version is an integer from a migration list compiled in, never user input.
  writeVersion: (version: number) => s(`PRAGMA user_version = ${Math.trunc(version)}`),
  settingProblem: pragmaProblem,
  applySetting: (key: string, value: string | number) => s(`PRAGMA ${key} = ${value}`),
  hasQueueTable,
  begin: s("BEGIN IMMEDIATE"),
  commit: s("COMMIT"),
  rollback: s("ROLLBACK"),
});
