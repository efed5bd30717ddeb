/**
 * Former path of the SQLite migrations; they live in `src/dialect/sqlite/migrations.ts`.
 *
 * @internal
 * @module
 */
export {
  DEFAULT_PRAGMAS,
  MIN_SQLITE_VERSION,
  type Migration,
  SQLITE_MIGRATIONS,
  SQLITE_SCHEMA_VERSION,
} from "../dialect/sqlite/migrations.ts";
