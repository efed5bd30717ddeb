/**
 * BROKEN ON PURPOSE: a claim that SELECTs the ids first and UPDATEs them in a second statement,
 * with an `await` in between and no `status = 'queued'` re-check. Two workers can select the same
 * ids before either updates them, and both run the task. Sequentially it looks correct, so only
 * the real-concurrency property can catch it. (WEIGHTED_RANDOM claims are left correct.)
 *
 * @module
 */
import { systemClock, toSqlTime } from "../../src/clock.ts";
import { reclaimExpired } from "../../src/sql/sqlite.ts";
import type { Task } from "../../src/task.ts";
import { BrokenWorkerBase, CLAIM_SET, ORDER_BY } from "./base.ts";

export class RacyClaimWorker extends BrokenWorkerBase {
  override async claimTasks(limit = 1): Promise<Task[]> {
    if (this.strategy === "WEIGHTED_RANDOM") return super.claimTasks(limit);
    const now = this.db.clock.now();
    const nowText = toSqlTime(now);
    await this.db.batch(reclaimExpired(nowText));
    const picked = await this.db.execute(
      `SELECT id FROM task_queue WHERE status = 'queued' AND run_after_utc <= ? ORDER BY ${ORDER_BY[this.strategy]} LIMIT ?`,
      [nowText, limit],
    );
    // The bug: another worker runs between the SELECT and the UPDATE (a round trip, a log call…).
    await systemClock.sleep(0);
    const tasks: Task[] = [];
    for (const row of picked.rows) {
      const r = await this.db.execute(`UPDATE task_queue ${CLAIM_SET} WHERE id = ? RETURNING *`, [
        ...this.claimSetParams(now),
        row["id"] ?? null,
      ]);
      tasks.push(...BrokenWorkerBase.tasks(r.rows));
    }
    return tasks;
  }
}
