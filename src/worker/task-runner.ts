/**
 * Runs one claimed task: renews its lease first if it waited in the prefetch buffer, calls its
 * handler with an AbortSignal, renews the lease while the handler runs (the same timer watches
 * the handler's timeout), then hands the outcome to the outcome writer.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import { LeaseLostError, NonRetryableError, TaskCancelledError, TaskTimeoutError } from "../errors.ts";
import type { Task } from "../task.ts";
import type { WorkerOperations } from "./operations.ts";
import type { OutcomeWriter } from "./outcomes.ts";
import type { WorkerReporter } from "./reporter.ts";
import type { Outcome, TaskHandler } from "./types.ts";

// Aborting with a reason of our own: a bare abort() builds a DOMException each time, which
// measured ~9% of a no-op task's CPU time.
const HANDLER_DONE = Symbol("handler done");

/** When a running handler times out, and the promise that then rejects. */
interface Deadline {
  readonly at: number;
  readonly ms: number;
  readonly timedOut: Promise<never>;
  readonly onTimeout: (err: TaskTimeoutError) => void;
}

function withDeadline(at: number, ms: number): Deadline {
  let onTimeout: (err: TaskTimeoutError) => void = () => {};
  const timedOut = new Promise<never>((_, reject) => {
    onTimeout = reject;
  });
  return { at, ms, timedOut, onTimeout };
}

/** What a {@link TaskRunner} works with. @internal */
export interface TaskRunnerOptions {
  readonly clock: Clock;
  readonly workerId: string;
  readonly renewMs: number;
  readonly ops: WorkerOperations;
  readonly outcomes: OutcomeWriter;
  readonly reporter: WorkerReporter;
  /** Extends a held lease; throws {@link LeaseLostError} if it is no longer held. */
  readonly renew: (task: Task) => Promise<number>;
  readonly handler: (type: string) => TaskHandler | undefined;
  /** The handler timeout of a type in ms; 0 for none. */
  readonly timeoutOf: (type: string) => number;
  /** Stores a held task's progress under its lease (`context.progress`). */
  readonly progress: (task: Task, value: unknown) => Promise<void>;
}

/** Runs claimed tasks under lease renewal and records their outcomes. @internal */
export class TaskRunner {
  readonly #o: TaskRunnerOptions;
  /** Handlers running right now (their slots are taken). */
  running = 0;

  constructor(options: TaskRunnerOptions) {
    this.#o = options;
  }

  /**
   * Runs one task's handler under lease renewal, then records its outcome: `grouped` hands the
   * write to the claim loop's next round, otherwise it is written at once. `claimedAt` is set
   * for tasks from the claim loop: one that waited a renewal period first renews its lease.
   */
  async run(task: Task, grouped: boolean, claimedAt?: number): Promise<void> {
    const { clock, reporter } = this.#o;
    if (claimedAt !== undefined && clock.now() - claimedAt >= this.#o.renewMs) {
      this.running++;
      try {
        await this.#o.renew(task);
      } catch (err) {
        if (err instanceof LeaseLostError) reporter.leaseLost(task, await this.#isCancelled(task), false);
        else reporter.error(err, "renew", task.id);
        return;
      } finally {
        this.running--;
      }
    }
    this.running++;
    const handler = this.#o.handler(task.type);
    const abort = new AbortController();
    const started = clock.now();
    let outcome: Outcome | undefined;
    let result: unknown;
    try {
      if (handler === undefined) throw new NonRetryableError(`no handler registered for task type "${task.type}"`);
      const progress = (value: unknown): Promise<void> => this.#o.progress(task, value);
      result = handler(task.payload, { task, signal: abort.signal, workerId: this.#o.workerId, progress });
      // A handler that returned without a promise has finished: no timer can have fired while it
      // ran (it held the thread), so it needs no renewal loop and no deadline. Skipping them saves
      // two timers, an AbortController and an abort event per such task.
      if (!isThenable(result)) outcome = result === undefined ? OK : { ok: true, result };
    } catch (error) {
      outcome = { ok: false, error };
    }
    if (outcome === undefined) {
      const stopRenewal = new AbortController();
      const timeoutMs = this.#o.timeoutOf(task.type);
      // With a timeout, the renewal loop also watches the deadline and rejects `timedOut`.
      const deadline = timeoutMs > 0 ? withDeadline(started + timeoutMs, timeoutMs) : null;
      const timedOut = deadline?.timedOut ?? null;
      // Renewals count from the handler's start: a long synchronous prefix before its first
      // await must not push the first renewal past the lease.
      const renewal = this.#renewWhileRunning(task, abort, stopRenewal.signal, deadline, started);
      try {
        // The race subscribes to the handler's promise, so its late rejection is not unhandled.
        const value: unknown = await (timedOut === null ? result : Promise.race([result, timedOut]));
        outcome = value === undefined ? OK : { ok: true, result: value };
      } catch (error) {
        outcome = { ok: false, error };
      } finally {
        stopRenewal.abort(HANDLER_DONE);
        await renewal;
      }
    }
    this.running--;
    try {
      const status = grouped ? await this.#o.outcomes.queue(task, outcome) : await this.#o.outcomes.writeNow(task, outcome);
      if (status === "completed") {
        reporter.stats.completed++;
        reporter.emit({ type: "completed", task, durationMs: clock.now() - started });
      }
    } catch (err) {
      if (err instanceof LeaseLostError) {
        reporter.leaseLost(task, abort.signal.reason instanceof TaskCancelledError || (await this.#isCancelled(task)), true);
      } else {
        // The outcome could not be written (database down): the lease will run out and the
        // task will be claimed again, so nothing is lost.
        reporter.error(err, "record-outcome", task.id);
      }
    }
  }

  /**
   * Renews the lease every `renewMs` from `started` while the handler runs, and aborts the handler's signal
   * when the lease is lost. With a `deadline`, the same timer also wakes at the deadline, aborts
   * the signal with a {@link TaskTimeoutError} and calls `onTimeout` (after a lost lease it
   * keeps waiting for the deadline, so a handler that ignores its signal still frees its slot).
   */
  async #renewWhileRunning(task: Task, abort: AbortController, stop: AbortSignal, deadline: Deadline | null, started: number): Promise<void> {
    const { clock, renewMs } = this.#o;
    let renewAt = started + renewMs;
    let holding = true;
    for (;;) {
      const wakeAt = deadline === null ? renewAt : holding ? Math.min(renewAt, deadline.at) : deadline.at;
      try {
        await clock.sleep(wakeAt - clock.now(), stop);
      } catch {
        return;
      }
      if (deadline !== null && clock.now() >= deadline.at) {
        const err = new TaskTimeoutError(task.id, deadline.ms);
        abort.abort(err);
        deadline.onTimeout(err);
        return;
      }
      if (!holding || clock.now() < renewAt) continue;
      try {
        await this.#o.renew(task);
      } catch (err) {
        if (err instanceof LeaseLostError) {
          abort.abort((await this.#isCancelled(task)) ? new TaskCancelledError(task.id) : err);
          if (deadline === null) return;
          holding = false;
          continue;
        }
        // A transient failure: keep trying while the lease may still be valid.
        this.#o.reporter.error(err, "renew", task.id);
      }
      renewAt = clock.now() + renewMs;
    }
  }

  async #isCancelled(task: Task): Promise<boolean> {
    try {
      return (await this.#o.ops.status(task.id)) === "cancelled";
    } catch {
      return false;
    }
  }
}

const OK: Outcome = Object.freeze({ ok: true });

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}
