/**
 * The worker's public types: what a handler receives, the events it reports, its counters.
 *
 * @module
 */
import type { LeaseLostError, TaskCancelledError, TaskTimeoutError } from "../errors.ts";
import type { Task } from "../task.ts";

/** What a handler receives besides the payload. */
export interface TaskContext<P = unknown> {
  /** The task as claimed (its `attempts` already counts this run). */
  readonly task: Task<P>;
  /**
   * Aborted when the task is cancelled (reason {@link TaskCancelledError}), the lease is lost
   * (reason {@link LeaseLostError}) or the handler's timeout passed (reason
   * {@link TaskTimeoutError}); the handler should stop, as its result will be refused or ignored.
   */
  readonly signal: AbortSignal;
  /** The worker running it, as written to `locked_by`. */
  readonly workerId: string;
  /**
   * Stores how far the task got (any JSON value of at most 64 KiB, e.g. `{ done: 3, of: 10 }`),
   * readable from `getTask`, `prismq show` and the task manager while it runs. Written at once
   * under the lease: rejects with `LeaseLostError` if the lease is gone, `QueueValidationError`
   * if the value is not JSON or too large (see src/progress.ts).
   */
  readonly progress: (value: unknown) => Promise<void>;
}

/**
 * Runs one task. Resolving completes it, and the value it resolves to is stored as the task's
 * `result` (JSON, see src/progress.ts); throwing retries it or fails it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TaskHandler<P = any> = (payload: P, context: TaskContext<P>) => unknown;

/** An error class that should dead-letter a task instead of retrying it. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * What a worker reports as it goes (for progress output and application logs). `error` is the
 * value as thrown (it may be anything, even unprintable); `errorMessage` is its safe description
 * by `describeError`, as written to `error_message`.
 */
export type WorkerEvent =
  | { readonly type: "claimed"; readonly task: Task }
  | { readonly type: "completed"; readonly task: Task; readonly durationMs: number }
  | {
      readonly type: "retried";
      readonly task: Task;
      readonly error: unknown;
      readonly errorMessage: string;
      readonly runAfter: number;
    }
  | { readonly type: "failed"; readonly task: Task; readonly error: unknown; readonly errorMessage: string }
  | { readonly type: "dead_letter"; readonly task: Task; readonly error: unknown; readonly errorMessage: string }
  | { readonly type: "lease_lost"; readonly task: Task; readonly cancelled: boolean }
  | {
      readonly type: "error";
      readonly error: unknown;
      readonly errorMessage: string;
      readonly phase: string;
      readonly taskId?: number;
    };

/** Options of `QueueWorker.register`. */
export interface RegisterOptions {
  /**
   * Handler timeout for this type, overriding the worker's `taskTimeouts` and `timeoutMs`;
   * 0 means none.
   */
  readonly timeoutMs?: number | undefined;
}

/** Counts since the worker was made. */
export interface WorkerRunStats {
  /** Tasks claimed. */
  readonly claimed: number;
  /** Tasks completed. */
  readonly completed: number;
  /** Failed attempts scheduled for another try. */
  readonly retried: number;
  /** Tasks left `failed` with every attempt spent. */
  readonly failed: number;
  /** Tasks sent to `dead_letter`. */
  readonly deadLettered: number;
  /** Results refused because the lease had been lost. */
  readonly leaseLost: number;
  /** Prefetched tasks handed back to the queue unstarted at stop(). */
  readonly released: number;
  /** Failures of the worker itself (its loop, heartbeat or database calls), not of handlers. */
  readonly errors: number;
}

/** How a handler's run ended. @internal */
export type Outcome = { readonly ok: true; readonly result?: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * The status an outcome writes, decided before the write (the backoff is drawn once): a
 * completion, a retry at `runAfter`, or a final failure. @internal
 */
export type OutcomeRecord =
  | { readonly status: "completed"; readonly result?: string | null }
  | { readonly status: "queued"; readonly error: unknown; readonly errorText: string; readonly runAfter: number }
  | { readonly status: "failed" | "dead_letter"; readonly error: unknown; readonly errorText: string };
