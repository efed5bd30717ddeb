/**
 * The SQLite {@link FeatureStatements}: progress, results, uniqueness windows, pauses, rate limits
 * and retention (migration 9), one file per concern in this folder.
 *
 * @internal
 * @module
 */
import type { FeatureStatements } from "../features.ts";
import * as controls from "./controls.ts";
import { setProgress, setResult } from "./progress.ts";
import { purgeFinished, purgeLogs, redrive } from "./retention.ts";
import { insertKeyedTask, lapseKey, replaceQueued } from "./uniqueness.ts";

/** The SQLite statements of `QueueDialect.features`. */
export const sqliteFeatures: FeatureStatements = Object.freeze({
  setProgress,
  setResult,
  lapseKey,
  replaceQueued,
  insertKeyedTask,
  setPaused: controls.setPaused,
  setRateLimit: controls.setRateLimit,
  clearRateLimit: controls.clearRateLimit,
  selectControls: controls.selectControls,
  selectLimitedTypes: controls.selectLimitedTypes,
  claimLimited: controls.claimLimited,
  purgeFinished,
  purgeLogs,
  redrive,
});
