/**
 * BROKEN ON PURPOSE: a lease reclaim that does not count the attempt whose lease ran out: it
 * hands the attempt back (`attempts - 1`) and requeues every expired task, so a task that keeps
 * crashing its worker is retried for ever instead of ending failed.
 *
 * @module
 */
import { toSqlTime } from "../../src/clock.ts";
import type { Task } from "../../src/task.ts";
import { BrokenWorkerBase } from "./base.ts";

export class UncountedReclaimWorker extends BrokenWorkerBase {
  override async claimTasks(limit = 1): Promise<Task[]> {
    const now = toSqlTime(this.db.clock.now());
    await this.db.execute(
      `UPDATE task_queue SET status = 'queued', attempts = attempts - 1, lease_until_utc = NULL, locked_by = NULL,` +
        ` updated_at_utc = ? WHERE status = 'processing' AND lease_until_utc <= ?`,
      [now, now],
    );
    // Nothing is left expired, so the real claim's own reclaim finds nothing to do.
    return super.claimTasks(limit);
  }
}
