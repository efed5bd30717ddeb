/**
 * Draining a queue from outside the application (the `prismq drain` of a rollback): wait for
 * the tasks that are running now to finish, then report what is still waiting.
 *
 * @module
 */
import type { QueueDatabase } from "../database.ts";
import { QueueValidationError } from "../errors.ts";
import { selectTasksByIds } from "./shared.ts";

/** Options of {@link drainQueue}. */
export interface DrainQueueOptions {
  /** Stop waiting for running tasks after this long. @default 60000 */
  readonly timeoutMs?: number | undefined;
  /** Time between checks. @default 200 */
  readonly pollIntervalMs?: number | undefined;
  /** Aborting it stops the wait early. */
  readonly signal?: AbortSignal | undefined;
}

/** One task still waiting or running after a drain. */
export interface PendingTask {
  /** The task's id. */
  readonly id: number;
  /** The task's type. */
  readonly type: string;
  /** Waiting, or still running. */
  readonly status: "queued" | "processing";
  /** Executions started so far. */
  readonly attempts: number;
  /** The worker holding it, if any. */
  readonly lockedBy: string | null;
}

/** What {@link drainQueue} found. */
export interface QueueDrainReport {
  /** Tasks that were running when the drain began. */
  readonly inFlightAtStart: number;
  /** True if all of them left `processing` before the timeout. */
  readonly settled: boolean;
  /** How long the drain waited for running tasks. */
  readonly waitedMs: number;
  /** Tasks still queued or processing at the end, by id. */
  readonly pending: readonly PendingTask[];
  /** Queued tasks by type. */
  readonly queuedByType: Readonly<Record<string, number>>;
}

/**
 * Waits until every task that is `processing` now has finished (completed, failed, or been
 * handed back when its lease ran out), up to `timeoutMs`, then lists what is still queued or
 * processing. It claims nothing and changes nothing: stopping the producers is the caller's
 * part (switch `TASK_BACKEND` and restart, or `manager.drain()`); workers left running keep
 * claiming what is queued.
 */
export async function drainQueue(db: QueueDatabase, options: DrainQueueOptions = {}): Promise<QueueDrainReport> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pollMs = options.pollIntervalMs ?? 200;
  if (!(timeoutMs >= 0) || !(pollMs >= 1)) throw new QueueValidationError("drain: timeoutMs must be >= 0 and pollIntervalMs >= 1");
  const clock = db.clock;
  const start = clock.now();
  const inFlight = (await db.execute("SELECT id FROM task_queue WHERE status = 'processing'")).rows.map((r) => Number(r["id"]));
  let settled = inFlight.length === 0;
  while (!settled) {
    const rows = await selectTasksByIds(db, inFlight);
    if (!rows.some((r) => r["status"] === "processing")) settled = true;
    else if (clock.now() - start >= timeoutMs) break;
    else await clock.sleep(pollMs, options.signal);
  }
  const rows = (
    await db.execute("SELECT id, type, status, attempts, locked_by FROM task_queue WHERE status IN ('queued', 'processing') ORDER BY id")
  ).rows;
  const pending = rows.map((r) => ({
    id: Number(r["id"]),
    type: String(r["type"]),
    status: String(r["status"]) as "queued" | "processing",
    attempts: Number(r["attempts"]),
    lockedBy: r["locked_by"] === null ? null : String(r["locked_by"]),
  }));
  const queuedByType: Record<string, number> = {};
  for (const t of pending) if (t.status === "queued") queuedByType[t.type] = (queuedByType[t.type] ?? 0) + 1;
  return { inFlightAtStart: inFlight.length, settled, waitedMs: clock.now() - start, pending, queuedByType };
}
