/**
 * BROKEN ON PURPOSE: a lease reclaim that does not count the attempt whose lease ran out: it
 * hands the attempt back (`attempts - 1`) and requeues every expired task, so a task that keeps
 * crashing its worker is retried for ever instead of ending failed.
 *
 * @module
 */
import { toSqlTime } from "../../src/clock.ts";
import { brokenOperations } from "./base.ts";

export const uncountedReclaim = brokenOperations((ctx, real) => ({
  async claim(limit, now) {
    const t = toSqlTime(now);
    await ctx.db.execute(
      `UPDATE task_queue SET status = 'queued', attempts = attempts - 1, lease_until_utc = NULL, locked_by = NULL,` +
        ` updated_at_utc = ? WHERE status = 'processing' AND lease_until_utc <= ?`,
      [t, t],
    );
    // Nothing is left expired, so the real claim's own reclaim finds nothing to do.
    return real.claim(limit, now);
  },
}));
