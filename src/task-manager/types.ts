/**
 * The task-manager contract of seed 001: one interface, two implementations (in-memory and
 * queue-backed), so callers can switch backend without changing a line.
 *
 * @module
 */
import { QueueError } from "../errors.ts";
import type { TaskStatus } from "../task.ts";

/** The statuses a {@link Run} goes through, as seed 001's `RunStatus` enum names them. */
export const RUN_STATUSES = ["QUEUED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"] as const;
/** One of {@link RUN_STATUSES}. */
export type RunStatus = (typeof RUN_STATUSES)[number];
/** Statuses a run never leaves. */
export const FINISHED_RUN_STATUSES: readonly RunStatus[] = ["COMPLETED", "FAILED", "CANCELLED"];

/** Where a run executes: memory of this process, or the persistent queue. */
export type TaskBackend = "in-memory" | "queue";
/** What a manager is: one backend, or the canary router over both. */
export type TaskManagerKind = TaskBackend | "canary";

/**
 * Names the work to do. Work is never a closure: it is a name resolved in a {@link WorkRegistry},
 * so any process holding the same registry can run it. `{ module, method }` names the function
 * `"module.method"`; `{ handler }` names it `handler`.
 */
export type WorkRef =
  | { readonly module: string; readonly method: string; readonly params?: Readonly<Record<string, unknown>> | undefined }
  | { readonly handler: string; readonly params?: Readonly<Record<string, unknown>> | undefined };

/** What a registered function receives besides its parameters. */
export interface WorkContext {
  /** The run's id, as {@link TaskManager.startTask} returned it. */
  readonly runId: string;
  /** 1 on the first execution, 2 on the first retry, and so on. */
  readonly attempt: number;
  /** Aborted when the run is cancelled (or its queue lease is lost): stop, the result is ignored. */
  readonly signal: AbortSignal;
  /**
   * Records how far the run got (any JSON value), readable as {@link Run.progress} by the starter
   * and other processes. On the queue it is stored under the run's lease (a lost lease rejects).
   */
  readonly progress: (value: unknown) => Promise<void>;
}

/** A registered unit of work. Resolving completes the run; throwing fails it (or retries it). */
export type WorkFunction = (params: Readonly<Record<string, unknown>>, context: WorkContext) => unknown;

/** Per-run options of {@link TaskManager.startTask}. */
export interface RunOptions {
  /** A second start with the same key returns the first run's id and starts nothing. */
  readonly idempotencyKey?: string | undefined;
  /** Executions allowed, including the first. @default the manager's `defaultMaxAttempts` (3) */
  readonly maxAttempts?: number | undefined;
  /** Queue priority, lower first; the in-memory manager starts everything at once. @default 100 */
  readonly priority?: number | undefined;
}

/**
 * One unit of tracked background work, as seed 001's `Run` model has it. Times are epoch ms.
 * Results are not kept: work writes them where the application reads them.
 */
export interface Run {
  /** Queue task id as a string, or `mem-<uuid>` for in-memory runs. */
  readonly runId: string;
  /** The work's name: the queue task's `type`. */
  readonly moduleId: string;
  /** The work's parameters: the queue task's `payload`. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Where the run is in its lifecycle. */
  readonly status: RunStatus;
  /** When it was started, epoch ms. */
  readonly createdAt: number;
  /** When it began executing, epoch ms. */
  readonly startedAt: number | null;
  /** When it ended, epoch ms. */
  readonly completedAt: number | null;
  /** The last failure's message, if any. */
  readonly errorMessage: string | null;
  /** Executions started so far. */
  readonly attempts: number;
  /** Executions allowed, the first included. */
  readonly maxAttempts: number;
  /** The key it was started with, if any. */
  readonly idempotencyKey: string | null;
  /** The backend that runs it: the canary router's decision, recorded per run. */
  readonly backend: TaskBackend;
  /** The queue's own status (e.g. `dead_letter`, shown as FAILED), for queue runs. */
  readonly queueStatus: TaskStatus | null;
  /** The last value the work reported with `context.progress`, or null. */
  readonly progress: unknown;
  /** What the work function resolved to once the run completed (JSON), or null. */
  readonly result: unknown;
}

/** Called on every status change of a run; `previous` is null when the run is first seen. */
export type RunStatusListener = (run: Run, previous: RunStatus | null) => void;

/** What {@link TaskManager.drain} found: in-flight work finished, and what is still waiting. */
export interface DrainReport {
  /** The manager that drained. */
  readonly backend: TaskManagerKind;
  /** True if in-flight work finished before the timeout. */
  readonly settled: boolean;
  /** Runs still running when the drain gave up (empty when settled). */
  readonly stillRunning: readonly string[];
  /** Runs still waiting to start: persisted in the queue, or lost on exit for in-memory. */
  readonly stillQueued: readonly string[];
  /** Waiting runs by module id. */
  readonly queuedByModule: Readonly<Record<string, number>>;
}

/** Options of {@link TaskManager.drain}. */
export interface DrainOptions {
  /** Give up waiting for in-flight work after this long. @default no limit */
  readonly timeoutMs?: number | undefined;
}

/**
 * The operations of seed 001's `BackgroundTaskManager`, shared by both implementations.
 * Everything that may touch the queue is async on both, so callers need no change to switch.
 */
export interface TaskManager {
  /** The backend new runs go to (`in-memory` after a fallback; `canary` for the router). */
  readonly backend: TaskManagerKind;
  /** Fire-and-forget: resolves with the run id once the run is accepted, not when it finishes. */
  startTask(run: RunOptions, work: WorkRef): Promise<string>;
  /** Cancels a waiting or running run. False if it is unknown or already finished. */
  cancelTask(runId: string): Promise<boolean>;
  /** Resolves once no run is waiting or running (graceful shutdown). */
  waitAll(): Promise<void>;
  /** Runs waiting or running. */
  getActiveTaskCount(): Promise<number>;
  /** Ids of runs waiting or running. */
  getActiveTaskIds(): Promise<string[]>;
  /** True if the run is waiting or running. */
  isTaskActive(runId: string): Promise<boolean>;
  /** The run's latest known state, or null. */
  getRun(runId: string): Promise<Run | null>;
  /** Subscribes to status changes (seed 001's future push path); returns the unsubscribe. */
  onRunStatusChange(listener: RunStatusListener): () => void;
  /** Stops taking new runs, waits for in-flight ones, reports what is still waiting. */
  drain(options?: DrainOptions): Promise<DrainReport>;
  /** Drains without waiting and releases resources (the queue manager closes its worker/poller). */
  close(): Promise<void>;
}

/** {@link TaskManager.startTask} after {@link TaskManager.drain} or close: no new work is taken. */
export class TaskManagerClosedError extends QueueError {
  /** The default message says why the run was refused. */
  constructor(message = "the task manager is draining or closed and takes no new runs") {
    super(message);
  }
}
