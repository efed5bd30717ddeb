/**
 * The one definition of the queue's headline figures, read the same way by `QueueClient.stats`,
 * `QueueMonitoring`, `QueueMetrics` and `QueueMaintenance.stats`:
 *
 * - **counts by status**: every status of {@link TASK_STATUSES} (0 where none), plus any status a
 *   hand-written row holds under its own name, and their total;
 * - **oldest waiting age**: how long the longest-waiting *runnable* queued task has waited,
 *   `now − max(created_at, run_after)` over queued tasks whose `run_after` has been reached; a
 *   delayed task or one backing off waits for a worker only from the moment it becomes
 *   runnable. Never negative; null when nothing is waiting.
 *
 * Worker liveness (active/late/stale) has its one home in `./liveness.ts`.
 *
 * @module
 */
import { fromSqlTime, toSqlTime } from "../clock.ts";
import type { QueueDatabase } from "../database.ts";
import { TASK_STATUSES, type TaskStatus } from "../task.ts";

/** Task counts by status (every status present) and their total. */
export interface StatusCounts {
  readonly byStatus: Readonly<Record<TaskStatus, number>>;
  readonly total: number;
}

/** Counts by status, as defined above. */
export async function readStatusCounts(db: QueueDatabase): Promise<StatusCounts> {
  const r = await db.run(db.dialect.reads.countByStatus());
  const out: Record<string, number> = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0]));
  let total = 0;
  for (const row of r.rows) {
    const n = Number(row["n"]);
    const status = String(row["status"]);
    out[status] = (out[status] ?? 0) + n;
    total += n;
  }
  return Object.freeze({ byStatus: Object.freeze(out) as Record<TaskStatus, number>, total });
}

/** Queued task counts by type, in type order; types with nothing queued are absent. */
export async function readQueuedByType(db: QueueDatabase): Promise<Readonly<Record<string, number>>> {
  const r = await db.run(db.dialect.reads.countQueuedByType());
  // fromEntries defines own properties, so a type named "__proto__" is a key like any other.
  return Object.freeze(Object.fromEntries(r.rows.map((row) => [String(row["type"]), Number(row["n"])])));
}

/** The oldest waiting age in ms, as defined above, at `db.clock.now()`. */
export async function readOldestWaitingAgeMs(db: QueueDatabase): Promise<number | null> {
  const now = db.clock.now();
  const r = await db.run(db.dialect.reads.oldestWaitingSince(toSqlTime(now)));
  const since = r.rows[0]?.["since"];
  if (since === null || since === undefined) return null;
  const at = fromSqlTime(String(since));
  return Number.isNaN(at) ? null : Math.max(0, now - at);
}
