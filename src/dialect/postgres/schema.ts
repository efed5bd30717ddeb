/**
 * How a PostgreSQL queue database is opened and brought up to date: the server version check,
 * the schema version in `prismq_schema_version`, and the transaction statements
 * `QueueDatabase.transaction` runs. Connection settings (time zone, pool size, timeouts) belong to
 * the driver's connection options, not to statements run on one pooled connection, so no
 * setting is applied at open and any PRAGMA-style setting is refused with a clear message.
 *
 * @internal
 * @module
 */
import type { Statement } from "../../driver.ts";
import type { SchemaSupport } from "../dialect.ts";
import { MIN_POSTGRES_VERSION, POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from "./migrations.ts";

const s = (sql: string): Statement => ({ sql, params: [] });

/** Why a setting cannot be applied: on PostgreSQL every one is the driver's connection option. */
export function postgresSettingProblem(key: string, _value: unknown): string | null {
  return `setting ${JSON.stringify(key.slice(0, 64))}: PostgreSQL takes no PRAGMAs; pass connection settings to the driver (openPostgres options)`;
}

// The version table may not exist yet (a new database): query_to_xml runs the read only when
// to_regclass finds it, so one statement answers 0 or the highest version applied.
const READ_VERSION =
  `SELECT CASE WHEN to_regclass('prismq_schema_version') IS NULL THEN 0 ELSE` +
  ` CAST(CAST((xpath('/row/v/text()', query_to_xml('SELECT COALESCE(MAX(version), 0) AS v FROM prismq_schema_version', false, true, '')))[1] AS text) AS integer)` +
  ` END AS user_version`;

/**
 * `BEGIN` plus a transaction-scoped advisory lock per schema: like SQLite's `BEGIN IMMEDIATE`, a
 * transaction takes the queue's write lock at once, so concurrent openers migrate one at a time
 * (the second then reads the version the first wrote). Two statements in one text, run without
 * parameters (the drivers send it as a simple query).
 */
const BEGIN = `BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(hashtext('prismq:' || current_schema()))`;

/** The PostgreSQL schema support of `postgresDialect`. */
export const postgresSchema: SchemaSupport = Object.freeze({
  migrations: POSTGRES_MIGRATIONS,
  latestVersion: POSTGRES_SCHEMA_VERSION,
  minEngineVersion: MIN_POSTGRES_VERSION,
  engineName: "PostgreSQL",
  defaultSettings: Object.freeze({}),
  fileSettings: new Set<string>(),
  engineVersion: () =>
    s(`SELECT (n / 10000) || '.' || (n % 10000) AS v FROM (SELECT CAST(current_setting('server_version_num') AS integer) AS n) AS s`),
  readVersion: () => s(READ_VERSION),
  // The version is an integer from a migration list compiled in, never user input.
  writeVersion: (version: number) =>
    s(`INSERT INTO prismq_schema_version (version) VALUES (${Math.trunc(version)}) ON CONFLICT (version) DO NOTHING`),
  settingProblem: postgresSettingProblem,
  applySetting: (key: string, value: string | number) => ({ sql: `SELECT set_config(?, ?, false)`, params: [key, String(value)] }),
  hasQueueTable: () => s(`SELECT CASE WHEN to_regclass('task_queue') IS NULL THEN 0 ELSE 1 END AS n`),
  begin: s(BEGIN),
  commit: s("COMMIT"),
  rollback: s("ROLLBACK"),
});
