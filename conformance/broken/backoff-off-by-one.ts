/**
 * BROKEN ON PURPOSE: after a failure the retry delay is computed for the next attempt instead
 * of the one that failed (`backoffMs(attempts + 1)`), so the first retry already waits
 * `baseMs × factor`. Everything else (fencing, statuses) is right.
 *
 * @module
 */
import { backoffMs } from "../../src/backoff.ts";
import { toSqlTime } from "../../src/clock.ts";
import { backoffOf, brokenOperations } from "./base.ts";

export const backoffOffByOne = brokenOperations((ctx, real) => ({
  async record(task, outcome, now) {
    if (outcome.status !== "queued") return real.record(task, outcome, now);
    const fence = { id: task.id, leaseToken: task.leaseToken, now: toSqlTime(now) };
    const runAfter = now + backoffMs(task.attempts + 1, backoffOf(ctx), ctx.random);
    const r = await ctx.db.run(ctx.db.dialect.transitions.retryTask(fence, toSqlTime(runAfter), outcome.errorText));
    return r.changes > 0;
  },
}));
