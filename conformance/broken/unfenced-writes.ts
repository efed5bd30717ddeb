/**
 * BROKEN ON PURPOSE: complete and fail check only `id` and `status = 'processing'`, not the
 * lease token or the lease's expiry. A holder whose lease ran out (and maybe was taken over by
 * another worker) still gets its late result written.
 *
 * @module
 */
import { backoffMs } from "../../src/backoff.ts";
import { toSqlTime } from "../../src/clock.ts";
import { LeaseLostError } from "../../src/errors.ts";
import type { Task } from "../../src/task.ts";
import { BrokenWorkerBase } from "./base.ts";

export class UnfencedWorker extends BrokenWorkerBase {
  override async completeTask(task: Task): Promise<void> {
    const now = toSqlTime(this.db.clock.now());
    const r = await this.db.execute(
      `UPDATE task_queue SET status = 'completed', finished_at_utc = ?, updated_at_utc = ?, lease_until_utc = NULL,` +
        ` error_message = NULL WHERE id = ? AND status = 'processing'`,
      [now, now, task.id],
    );
    if (r.changes === 0) throw new LeaseLostError(task.id);
  }

  override async failTask(task: Task, error: unknown): Promise<"queued" | "failed" | "dead_letter"> {
    const nowMs = this.db.clock.now();
    const now = toSqlTime(nowMs);
    const text = error instanceof Error ? error.message : String(error);
    const retry = task.attempts < task.maxAttempts;
    const r = retry
      ? await this.db.execute(
          `UPDATE task_queue SET status = 'queued', run_after_utc = ?, error_message = ?, updated_at_utc = ?,` +
            ` locked_by = NULL, lease_until_utc = NULL WHERE id = ? AND status = 'processing'`,
          [toSqlTime(nowMs + backoffMs(task.attempts, this.backoff, this.random)), text, now, task.id],
        )
      : await this.db.execute(
          `UPDATE task_queue SET status = 'failed', error_message = ?, finished_at_utc = ?, updated_at_utc = ?,` +
            ` lease_until_utc = NULL WHERE id = ? AND status = 'processing'`,
          [text, now, now, task.id],
        );
    if (r.changes === 0) throw new LeaseLostError(task.id);
    return retry ? "queued" : "failed";
  }
}
