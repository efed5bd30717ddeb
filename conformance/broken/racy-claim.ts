/**
 * BROKEN ON PURPOSE: a claim that SELECTs the ids first and UPDATEs them in a second statement,
 * with an `await` in between and no `status = 'queued'` re-check. Two workers can select the same
 * ids before either updates them, and both run the task. Sequentially it looks correct, so only
 * the real-concurrency property can catch it. (WEIGHTED_RANDOM claims are left correct.)
 *
 * @module
 */
import { systemClock, toSqlTime } from "../../src/clock.ts";
import type { Task } from "../../src/task.ts";
import { brokenOperations, CLAIM_SET, claimSetParams, ORDER_BY, tasksOf } from "./base.ts";

export const racyClaim = brokenOperations((ctx, real) => ({
  async claim(limit, now) {
    const { strategy } = ctx.settings;
    if (strategy === "WEIGHTED_RANDOM") return real.claim(limit, now);
    const { db } = ctx;
    const nowText = toSqlTime(now);
    await db.batch(db.dialect.transitions.reclaimExpired(nowText));
    const picked = await db.execute(
      `SELECT id FROM task_queue WHERE status = 'queued' AND run_after_utc <= ? ORDER BY ${ORDER_BY[strategy]} LIMIT ?`,
      [nowText, limit],
    );
    // The bug: another worker runs between the SELECT and the UPDATE (a round trip, a log call…).
    await systemClock.sleep(0);
    const tasks: Task[] = [];
    for (const row of picked.rows) {
      const r = await db.execute(`UPDATE task_queue ${CLAIM_SET} WHERE id = ? RETURNING *`, [...claimSetParams(ctx, now), row["id"] ?? null]);
      tasks.push(...tasksOf(r.rows));
    }
    return tasks;
  },
}));
