/**
 * `CanaryTaskManager`: seed 001's rollout router. A share of new runs (and optionally only some
 * work names: seed 000's phase 2, "by task type") goes to the queue, the rest to memory; the
 * decision is recorded on each run as `Run.backend`.
 *
 * @module
 */
import { QueueValidationError } from "../errors.ts";
import { type AppLogger, silentLogger } from "../observability/task-logger.ts";
import type { BackgroundTaskManager } from "./in-memory.ts";
import { taskIdOf } from "./mapping.ts";
import type { QueuedTaskManager } from "./queued.ts";
import type {
  DrainOptions,
  DrainReport,
  Run,
  RunOptions,
  RunStatusListener,
  TaskBackend,
  TaskManager,
  WorkRef,
} from "./types.ts";
import { workName } from "./work-registry.ts";

/** Options of {@link CanaryTaskManager}. Both managers must share one `RunRegistry`. */
export interface CanaryTaskManagerOptions {
  /** Runs the runs kept in process. */
  readonly memory: BackgroundTaskManager;
  /** Runs the runs sent to the durable queue. */
  readonly queue: QueuedTaskManager;
  /** Share of eligible new runs sent to the queue, 0 to 100. */
  readonly queuePercentage: number;
  /**
   * Only these work names (or module ids, matching `module.*`) are eligible for the queue;
   * others always run in memory. @default every name
   */
  readonly queueEnabledTypes?: readonly string[] | undefined;
  /** Random source in [0, 1). @default Math.random */
  readonly random?: (() => number) | undefined;
  /** Where routing decisions are logged (debug). @default silentLogger */
  readonly logger?: AppLogger | undefined;
}

/** Routes each new run to memory or the queue; everything else goes where the run lives. */
export class CanaryTaskManager implements TaskManager {
  /** Tells reports this manager splits runs between the two. */
  readonly backend = "canary" as const;
  readonly #memory: BackgroundTaskManager;
  readonly #queue: QueuedTaskManager;
  readonly #percentage: number;
  readonly #types: readonly string[] | null;
  readonly #random: () => number;
  readonly #log: AppLogger;

  /** Both managers must already share one `RunRegistry`. */
  constructor(options: CanaryTaskManagerOptions) {
    const p = options.queuePercentage;
    if (typeof p !== "number" || !(p >= 0 && p <= 100)) {
      throw new QueueValidationError("invalid CanaryTaskManager options", ["queuePercentage: must be from 0 to 100"]);
    }
    this.#memory = options.memory;
    this.#queue = options.queue;
    this.#percentage = p;
    this.#types = options.queueEnabledTypes === undefined ? null : [...options.queueEnabledTypes];
    this.#random = options.random ?? Math.random;
    this.#log = options.logger ?? silentLogger;
  }

  /** The backend a new run of this work would go to (one draw of the random source). */
  route(work: WorkRef): TaskBackend {
    const name = workName(work);
    const eligible = this.#types === null || this.#types.some((t) => name === t || name.startsWith(`${t}.`));
    return eligible && this.#random() * 100 < this.#percentage ? "queue" : "in-memory";
  }

  /** Starts the run on the backend {@link route} picks. */
  async startTask(run: RunOptions, work: WorkRef): Promise<string> {
    const backend = this.route(work);
    const runId = await (backend === "queue" ? this.#queue : this.#memory).startTask(run, work);
    this.#log.debug("run routed", { runId, backend, work: workName(work) });
    return runId;
  }

  /** Cancels the run where it lives (the id says which backend). */
  async cancelTask(runId: string): Promise<boolean> {
    return this.#owner(runId).cancelTask(runId);
  }

  /** Waits for the runs of both backends. */
  async waitAll(): Promise<void> {
    await Promise.all([this.#memory.waitAll(), this.#queue.waitAll()]);
  }

  /** Active runs of both backends. */
  async getActiveTaskCount(): Promise<number> {
    const [a, b] = await Promise.all([this.#memory.getActiveTaskCount(), this.#queue.getActiveTaskCount()]);
    return a + b;
  }

  /** Active run ids of both backends. */
  async getActiveTaskIds(): Promise<string[]> {
    const [a, b] = await Promise.all([this.#memory.getActiveTaskIds(), this.#queue.getActiveTaskIds()]);
    return [...a, ...b];
  }

  /** Asks the backend the run lives on. */
  async isTaskActive(runId: string): Promise<boolean> {
    return this.#owner(runId).isTaskActive(runId);
  }

  /** Reads the run from the backend it lives on. */
  async getRun(runId: string): Promise<Run | null> {
    return this.#owner(runId).getRun(runId);
  }

  /** Hears status changes of runs of both backends. */
  onRunStatusChange(listener: RunStatusListener): () => void {
    // Both managers share one run registry, so one subscription hears both.
    return this.#memory.onRunStatusChange(listener);
  }

  /** Drains both backends and merges their reports. */
  async drain(options: DrainOptions = {}): Promise<DrainReport> {
    const [m, q] = await Promise.all([this.#memory.drain(options), this.#queue.drain(options)]);
    const byModule: Record<string, number> = { ...m.queuedByModule };
    for (const [k, v] of Object.entries(q.queuedByModule)) byModule[k] = (byModule[k] ?? 0) + v;
    return {
      backend: this.backend,
      settled: m.settled && q.settled,
      stillRunning: [...m.stillRunning, ...q.stillRunning],
      stillQueued: [...m.stillQueued, ...q.stillQueued],
      queuedByModule: byModule,
    };
  }

  /** Closes both backends. */
  async close(): Promise<void> {
    await Promise.all([this.#memory.close(), this.#queue.close()]);
  }

  // Queue run ids are task ids (digits); in-memory ids are `mem-<uuid>`: the id says where a
  // run lives, even after a restart that lost the router's memory.
  #owner(runId: string): TaskManager {
    return taskIdOf(runId) !== null ? this.#queue : this.#memory;
  }
}
