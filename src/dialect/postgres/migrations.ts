/**
 * The PostgreSQL schema as numbered migrations, one file each, listed here one line per
 * migration. Numbers follow the SQLite dialect's so one schema version means the same features
 * on both engines: a PostgreSQL database starts at 6 (the SQLite v6 schema in one step), and
 * every later SQLite migration gets a PostgreSQL migration of the same number (empty if nothing
 * changes here), so {@link POSTGRES_SCHEMA_VERSION} always equals the SQLite dialect's latest
 * version (a unit test checks it). `prismq_schema_version` records the versions applied.
 *
 * @module
 */
import type { Migration } from "../types.ts";
import { MIGRATION_6_BASE } from "./migration-6-base.ts";
import { MIGRATION_7_INDEXES } from "./migration-7-indexes.ts";
import { MIGRATION_8_SCHEDULES } from "./migration-8-schedules.ts";
import { MIGRATION_9_FEATURES } from "./migration-9-features.ts";
import { MIGRATION_10_TYPE_CLAIMS } from "./migration-10-type-claims.ts";
import { MIGRATION_11_PROCESSING } from "./migration-11-processing.ts";

/** All migrations in order. */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  MIGRATION_6_BASE,
  MIGRATION_7_INDEXES,
  MIGRATION_8_SCHEDULES,
  MIGRATION_9_FEATURES,
  MIGRATION_10_TYPE_CLAIMS,
  MIGRATION_11_PROCESSING,
];

/** The schema version this library writes and understands on PostgreSQL. */
export const POSTGRES_SCHEMA_VERSION: number = POSTGRES_MIGRATIONS[POSTGRES_MIGRATIONS.length - 1]!.version;

/** Oldest PostgreSQL the SQL runs on: `pg_current_xact_id_if_assigned()` arrived in 13. */
export const MIN_POSTGRES_VERSION = "13.0";
