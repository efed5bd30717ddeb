/**
 * The loop a started worker with a `retention` option runs beside its heartbeat: one bounded
 * retention pass (`runRetentionPass`) every `intervalMs` until stopped. Any number of workers may
 * run it on one database: the deletes are idempotent, and each pass is bounded by `batchSize`.
 *
 * @internal
 * @module
 */
import type { QueueDatabase } from "../database.ts";
import { DEFAULT_RETENTION_INTERVAL_MS, type RetentionPassResult, type RetentionPolicy, runRetentionPass } from "./index.ts";

/** Runs retention passes until `stop` aborts; `failed` hears each error, `passed` each result. */
export async function runRetentionLoop(
  db: QueueDatabase,
  policy: RetentionPolicy,
  stop: AbortSignal,
  failed: (err: unknown) => void,
  passed: (r: RetentionPassResult) => void = () => {},
): Promise<void> {
  while (!stop.aborted) {
    try {
      passed(await runRetentionPass(db, policy));
    } catch (err) {
      failed(err);
    }
    try {
      await db.clock.sleep(policy.intervalMs ?? DEFAULT_RETENTION_INTERVAL_MS, stop);
    } catch {
      return;
    }
  }
}
