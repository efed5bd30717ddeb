/**
 * The loop a started worker runs beside its heartbeat: `QueueScheduler.tick` every interval
 * until stopped. Many workers may run it on one database; each occurrence is enqueued once.
 *
 * @internal
 * @module
 */
import type { Clock } from "../clock.ts";
import type { QueueScheduler } from "./scheduler.ts";

/** Ticks `scheduler` every `intervalMs` until `stop` aborts; `enqueued` hears each tick that enqueued, `failed` each error. */
export async function runScheduleTicks(
  scheduler: QueueScheduler,
  clock: Clock,
  intervalMs: number,
  stop: AbortSignal,
  enqueued: () => void,
  failed: (err: unknown) => void,
): Promise<void> {
  while (!stop.aborted) {
    try {
      if ((await scheduler.tick()).enqueued > 0) enqueued();
    } catch (err) {
      failed(err);
    }
    try {
      await clock.sleep(intervalMs, stop);
    } catch {
      return;
    }
  }
}
