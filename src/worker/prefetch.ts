/**
 * The prefetch buffer: when `batchSize` exceeds `concurrency`, a claim takes a whole batch and
 * the tasks beyond the free slots wait here, claimed and leased. A task that waited longer than
 * the renewal period has its lease renewed before it starts (the task runner checks
 * `claimedAt`), and at stop() the tasks still waiting are handed back to the queue with their attempt not
 * counted. graphile-worker's `localQueue` is the model.
 *
 * @module
 */
import type { Task } from "../task.ts";

/** A claimed task not started yet, and when it was claimed. @internal */
export interface Buffered {
  readonly task: Task;
  readonly claimedAt: number;
}

/** Claimed tasks waiting for a free slot, first claimed first. @internal */
export class PrefetchBuffer {
  readonly #items: Buffered[] = [];
  /** Tasks waiting. */
  get size(): number {
    return this.#items.length;
  }

  /** Adds a claimed task. */
  push(task: Task, claimedAt: number): void {
    this.#items.push({ task, claimedAt });
  }

  /** The next task to start, if any. */
  take(): Buffered | undefined {
    return this.#items.shift();
  }

  /** Empties the buffer, returning the tasks to hand back to the queue. */
  drain(): Task[] {
    return this.#items.splice(0).map((b) => b.task);
  }
}
