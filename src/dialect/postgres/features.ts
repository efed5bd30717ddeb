/**
 * STUB until migration 9 (issue 17b) lands here: `QueueDialect.features` on PostgreSQL. Without
 * migration 9's columns an idempotency key never lapses, so `lapseKey` is a statement that
 * changes nothing (the permanent-key behaviour of schema 6–8); every other feature refuses with
 * a clear error. The owner of issue 17b replaces this file (and adds migration 9).
 *
 * @internal
 * @module
 */
import type { Statement } from "../../driver.ts";
import { QueueDatabaseError } from "../../errors.ts";
import type { FeatureStatements } from "../features.ts";

const notYet = (what: string): never => {
  throw new QueueDatabaseError(`${what} is not available on PostgreSQL yet (schema migration 9)`, { kind: "sql" });
};

/** The stub {@link FeatureStatements} of the PostgreSQL dialect. */
export const postgresFeatures: FeatureStatements = Object.freeze({
  setProgress: () => notYet("task progress"),
  setResult: () => notYet("task results"),
  lapseKey: (key: string): Statement => ({ sql: `SELECT 0 AS lapsed WHERE CAST(? AS text) IS NULL`, params: [key] }),
  replaceQueued: () => notYet('keyMode "replace"'),
  insertKeyedTask: () => notYet("key windows"),
  setPaused: () => notYet("pausing"),
  setRateLimit: () => notYet("rate limits"),
  clearRateLimit: () => notYet("rate limits"),
  selectControls: (): Statement => ({ sql: `SELECT '' AS type, 0 AS paused, NULL AS rate_max, NULL AS rate_interval_ms, NULL AS window_until_utc, 0 AS window_count WHERE false`, params: [] }),
  selectLimitedTypes: (): Statement => ({ sql: `SELECT '' AS type WHERE false`, params: [] }),
  claimLimited: () => notYet("rate limits"),
  purgeFinished: () => notYet("retention"),
  purgeLogs: () => notYet("retention"),
  redrive: () => notYet("redrive"),
});
