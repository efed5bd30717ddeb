/**
 * BROKEN ON PURPOSE: complete and fail check only `id` and `status = 'processing'`, not the
 * lease token or the lease's expiry. A holder whose lease ran out (and maybe was taken over by
 * another worker) still gets its late result written.
 *
 * @module
 */
import { toSqlTime } from "../../src/clock.ts";
import { brokenOperations } from "./base.ts";

export const unfencedWrites = brokenOperations((ctx) => ({
  async record(task, outcome, nowMs) {
    const now = toSqlTime(nowMs);
    const r =
      outcome.status === "completed"
        ? await ctx.db.execute(
            `UPDATE task_queue SET status = 'completed', finished_at_utc = ?, updated_at_utc = ?, lease_until_utc = NULL,` +
              ` error_message = NULL WHERE id = ? AND status = 'processing'`,
            [now, now, task.id],
          )
        : outcome.status === "queued"
          ? await ctx.db.execute(
              `UPDATE task_queue SET status = 'queued', run_after_utc = ?, error_message = ?, updated_at_utc = ?,` +
                ` locked_by = NULL, lease_until_utc = NULL WHERE id = ? AND status = 'processing'`,
              [toSqlTime(outcome.runAfter), outcome.errorText, now, task.id],
            )
          : await ctx.db.execute(
              `UPDATE task_queue SET status = ?, error_message = ?, finished_at_utc = ?, updated_at_utc = ?,` +
                ` lease_until_utc = NULL WHERE id = ? AND status = 'processing'`,
              [outcome.status, outcome.errorText, now, now, task.id],
            );
    return r.changes > 0;
  },
}));
