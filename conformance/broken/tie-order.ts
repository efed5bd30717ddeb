/**
 * BROKEN ON PURPOSE: a PRIORITY claim that breaks ties of (priority, run_after) by `id DESC`
 * instead of `id ASC`, so among equal tasks the newest goes first. Other strategies are right.
 *
 * @module
 */
import { toSqlTime } from "../../src/clock.ts";
import { brokenOperations, CLAIM_SET, claimSetParams, tasksOf } from "./base.ts";

const WRONG_ORDER = "priority ASC, run_after_utc ASC, id DESC";

export const tieOrder = brokenOperations((ctx, real) => ({
  async claim(limit, now) {
    if (ctx.settings.strategy !== "PRIORITY") return real.claim(limit, now);
    const nowText = toSqlTime(now);
    const results = await ctx.db.batch([
      ...ctx.db.dialect.transitions.reclaimExpired(nowText),
      {
        sql:
          `UPDATE task_queue ${CLAIM_SET} WHERE id IN (SELECT id FROM task_queue WHERE status = 'queued'` +
          ` AND run_after_utc <= ? ORDER BY ${WRONG_ORDER} LIMIT ?) AND status = 'queued' RETURNING *`,
        params: [...claimSetParams(ctx, now), nowText, limit],
      },
    ]);
    const tasks = tasksOf(results[results.length - 1]!.rows);
    return tasks.sort((a, b) => a.priority - b.priority || a.runAfter - b.runAfter || b.id - a.id);
  },
}));
