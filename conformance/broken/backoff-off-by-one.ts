/**
 * BROKEN ON PURPOSE: after a failure the retry delay is computed for the next attempt instead
 * of the one that failed (`backoffMs(attempts + 1)`), so the first retry already waits
 * `baseMs × factor`. Everything else (fencing, statuses) is right.
 *
 * @module
 */
import { backoffMs } from "../../src/backoff.ts";
import { toSqlTime } from "../../src/clock.ts";
import { LeaseLostError } from "../../src/errors.ts";
import { finishFailed, retryTask } from "../../src/sql/sqlite.ts";
import type { Task } from "../../src/task.ts";
import { BrokenWorkerBase } from "./base.ts";

export class BackoffOffByOneWorker extends BrokenWorkerBase {
  override async failTask(task: Task, error: unknown): Promise<"queued" | "failed" | "dead_letter"> {
    const now = this.db.clock.now();
    const fence = { id: task.id, leaseToken: task.leaseToken, now: toSqlTime(now) };
    const text = error instanceof Error ? error.message : String(error);
    const retry = task.attempts < task.maxAttempts;
    const stmt = retry
      ? retryTask(fence, toSqlTime(now + backoffMs(task.attempts + 1, this.backoff, this.random)), text)
      : finishFailed(fence, "failed", text);
    const r = await this.db.batch([stmt]);
    if (r[0]!.changes === 0) throw new LeaseLostError(task.id);
    return retry ? "queued" : "failed";
  }
}
