/**
 * Watching one task from any process: `QueueClient.watch(id)` yields the task each time its
 * status (or progress) changes and ends at a final status; `QueueClient.waitFor(id)` resolves
 * with the finished task. Both read the database by polling with backoff (from
 * `minIntervalMs`, doubling while nothing changes, up to `maxIntervalMs`, back to the minimum
 * after a change), sleeping on the database's clock between reads: no busy loop, and they see
 * changes made by other processes and hosts.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import { QueueValidationError, TaskNotFoundError, WaitTimeoutError } from "./errors.ts";
import { type Task, TERMINAL_STATUSES } from "./task.ts";

/** Options of `QueueClient.watch` and `QueueClient.waitFor`. */
export interface WatchOptions {
  /** Give up after this long (clock time) with {@link WaitTimeoutError}. @default no limit */
  readonly timeoutMs?: number | undefined;
  /** Aborting it ends the wait with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
  /** First and shortest time between reads. @default 50 */
  readonly minIntervalMs?: number | undefined;
  /** Longest time between reads. @default 2000 */
  readonly maxIntervalMs?: number | undefined;
}

function checkMs(v: number | undefined, what: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 2 ** 31 - 1) {
    throw new QueueValidationError(`${what} must be a number of ms between 0 and 2147483647, got ${String(v)}`);
  }
  return v;
}

/** A change worth reporting: status, attempts, progress or the last update. */
function fingerprint(t: Task): string {
  const progress = (t as { progress?: unknown }).progress;
  return `${t.status}|${t.attempts}|${t.updatedAt}|${progress === undefined ? "" : JSON.stringify(progress)}`;
}

/**
 * Yields the task now and after each change until it reaches a final status (that snapshot is
 * the last one). {@link TaskNotFoundError} if it does not exist (or is purged meanwhile).
 * @internal
 */
export async function* watchTask(read: (id: number) => Promise<Task | null>, clock: Clock, id: number, options: WatchOptions = {}): AsyncGenerator<Task, void, undefined> {
  const min = Math.max(1, checkMs(options.minIntervalMs, "minIntervalMs", 50));
  const max = Math.max(min, checkMs(options.maxIntervalMs, "maxIntervalMs", 2000));
  const timeoutMs = options.timeoutMs === undefined ? undefined : checkMs(options.timeoutMs, "timeoutMs", 0);
  const deadline = timeoutMs === undefined ? Infinity : clock.now() + timeoutMs;
  let last = "";
  let interval = min;
  for (;;) {
    options.signal?.throwIfAborted();
    const task = await read(id);
    if (task === null) throw new TaskNotFoundError(id);
    const print = fingerprint(task);
    if (print !== last) {
      last = print;
      interval = min;
      yield task;
      if (TERMINAL_STATUSES.includes(task.status)) return;
    } else {
      interval = Math.min(max, interval * 2);
    }
    const left = deadline - clock.now();
    if (left <= 0) throw new WaitTimeoutError(id, timeoutMs ?? 0, task.status);
    await clock.sleep(Math.min(interval, left), options.signal);
  }
}

/** The task once it reaches a final status; see {@link watchTask}. @internal */
export async function waitForTask(read: (id: number) => Promise<Task | null>, clock: Clock, id: number, options: WatchOptions = {}): Promise<Task> {
  let final: Task | undefined;
  for await (const t of watchTask(read, clock, id, options)) final = t;
  return final!;
}
