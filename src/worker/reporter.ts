/**
 * What a worker tells the outside: its counters, its events and its application log lines, in
 * one place so the loop, the outcome writer and the task runner report the same way.
 *
 * @module
 */
import { describeError } from "../errors.ts";
import type { AppLogger } from "../observability/task-logger.ts";
import type { Task } from "../task.ts";
import type { OutcomeRecord, WorkerEvent, WorkerRunStats } from "./types.ts";

type Counters = { -readonly [K in keyof WorkerRunStats]: number };

/** Counts, emits and logs for one worker. @internal */
export class WorkerReporter {
  readonly stats: Counters = { claimed: 0, completed: 0, retried: 0, failed: 0, deadLettered: 0, leaseLost: 0, released: 0, errors: 0 };
  readonly #id: string;
  readonly #onEvent: (event: WorkerEvent) => void;
  /** The application logger. */
  readonly log: AppLogger;

  constructor(workerId: string, log: AppLogger, onEvent: (event: WorkerEvent) => void) {
    this.#id = workerId;
    this.log = log;
    this.#onEvent = onEvent;
  }

  /** Hands an event to the listener; a faulty listener must not break the worker. */
  emit(event: WorkerEvent): void {
    try {
      this.#onEvent(event);
    } catch {
      // ignored on purpose
    }
  }

  /** A failure of the worker itself (not of a handler), during `phase`. */
  error(error: unknown, phase: string, taskId?: number): void {
    this.stats.errors++;
    const errorMessage = describeError(error);
    this.log.error(`worker error during ${phase}`, { workerId: this.#id, taskId, error: errorMessage });
    this.emit(taskId === undefined ? { type: "error", error, errorMessage, phase } : { type: "error", error, errorMessage, phase, taskId });
  }

  /** Tasks a claim took. */
  claimed(tasks: readonly Task[]): void {
    this.stats.claimed += tasks.length;
    for (const task of tasks) {
      this.emit({ type: "claimed", task });
      this.log.debug("task claimed", { taskId: task.id, type: task.type, attempt: task.attempts, workerId: this.#id });
    }
  }

  /** An outcome written under a held lease (a completion's event waits for its duration). */
  recorded(task: Task, outcome: OutcomeRecord): void {
    const fields = { taskId: task.id, type: task.type, attempt: task.attempts, workerId: this.#id };
    if (outcome.status === "completed") {
      this.log.info("task completed", fields);
      return;
    }
    const { error, errorText: errorMessage } = outcome;
    if (outcome.status === "queued") {
      this.log.warn("task failed, retry scheduled", { ...fields, error: errorMessage, runAfter: outcome.runAfter });
      this.stats.retried++;
      this.emit({ type: "retried", task, error, errorMessage, runAfter: outcome.runAfter });
    } else if (outcome.status === "failed") {
      this.log.error("task failed, no attempts left", { ...fields, error: errorMessage });
      this.stats.failed++;
      this.emit({ type: "failed", task, error, errorMessage });
    } else {
      this.log.error("task dead-lettered", { ...fields, error: errorMessage });
      this.stats.deadLettered++;
      this.emit({ type: "dead_letter", task, error, errorMessage });
    }
  }

  /** A task whose result was refused or which could not start: its lease is gone. */
  leaseLost(task: Task, cancelled: boolean, refused: boolean): void {
    this.stats.leaseLost++;
    if (refused) this.log.warn("task result refused: lease no longer held", { taskId: task.id, type: task.type, workerId: this.#id });
    this.emit({ type: "lease_lost", task, cancelled });
  }

  /** Prefetched tasks handed back to the queue unstarted at stop(). */
  released(count: number): void {
    this.stats.released += count;
    this.log.info("released claimed tasks that never started", { count, workerId: this.#id });
  }
}
