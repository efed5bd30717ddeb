/**
 * The worker's heartbeat loop, apart from the claim loop so each reads as one concern: register,
 * refresh the heartbeat every interval, and at each beat release the tasks of workers that went
 * stale (crashed or hung) by their type's crash policy.
 *
 * @internal
 * @module
 */
import type { Clock } from "../clock.ts";
import type { WorkerHeartbeat } from "../observability/heartbeat.ts";
import type { WorkerReporter } from "./reporter.ts";

/** What one worker's heartbeat loop needs. */
export interface HeartbeatLoop {
  readonly heartbeat: WorkerHeartbeat;
  readonly workerId: string;
  readonly capabilities: Readonly<Record<string, string | number | boolean | null>>;
  readonly intervalMs: number;
  readonly reclaimStale: boolean;
  readonly crashPolicy: Readonly<Record<string, "retry" | "fail" | "dead_letter">>;
  readonly clock: Clock;
  readonly report: WorkerReporter;
}

/** Beats until `stop` aborts. A failed beat is reported and the loop goes on: the next may work. */
export async function runHeartbeatLoop(h: HeartbeatLoop, stop: AbortSignal): Promise<void> {
  for (;;) {
    try {
      await h.heartbeat.updateHeartbeat(h.workerId, h.capabilities);
      if (h.reclaimStale) {
        const n = await h.heartbeat.reclaimStaleWorkerTasks({ policy: h.crashPolicy });
        if (n > 0) h.report.log.warn("released tasks of stale workers", { count: n, workerId: h.workerId });
      }
    } catch (err) {
      h.report.error(err, "heartbeat");
    }
    try {
      await h.clock.sleep(h.intervalMs, stop);
    } catch {
      return;
    }
  }
}
