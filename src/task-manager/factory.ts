/**
 * `createTaskManager`: seed 001's factory and feature flag. Picks the backend from a config
 * object and the environment (validated with zod), falls back to memory when the queue cannot
 * be opened, and puts the canary router in front when only a share of runs should go to the queue.
 *
 * @module
 */
import * as z from "zod/mini";
import type { QueueDatabase } from "../database.ts";
import { QueueValidationError } from "../errors.ts";
import { type BackoffOptions, parseOptions } from "../options.ts";
import { type AppLogger, silentLogger } from "../observability/task-logger.ts";
import { CanaryTaskManager } from "./canary.ts";
import { BackgroundTaskManager } from "./in-memory.ts";
import { QueuedTaskManager } from "./queued.ts";
import { RunRegistry } from "./run-registry.ts";
import { errorText } from "./shared.ts";
import type { TaskWorkerOptions } from "./task-worker.ts";
import type { TaskBackend, TaskManager } from "./types.ts";
import type { WorkRegistry } from "./work-registry.ts";

/** The backends `TASK_BACKEND` accepts. */
export const TASK_BACKENDS = ["in-memory", "queue"] as const;

/** The feature flag and its companions, as seed 001's `TaskExecutionConfig` has them. */
export interface TaskManagerConfig {
  /** `TASK_BACKEND`. @default "in-memory" */
  readonly backend?: TaskBackend | undefined;
  /** `QUEUE_DB_PATH`: the queue's database file, handed to `openDatabase`. */
  readonly dbPath?: string | undefined;
  /** `QUEUE_FALLBACK_ENABLED`: use memory, with a logged warning, if the queue cannot be opened. @default true */
  readonly fallbackEnabled?: boolean | undefined;
  /** `QUEUE_ROLLOUT_PERCENTAGE`: share of new runs sent to the queue (canary) when backend is `queue`. @default 100 */
  readonly queuePercentage?: number | undefined;
  /** `QUEUE_ENABLED_TYPES` (comma-separated): only these work names or modules go to the queue. @default all */
  readonly queueEnabledTypes?: readonly string[] | undefined;
  /** `QUEUE_POLL_INTERVAL_MS`: how often run statuses are read back from the queue. @default 250 */
  readonly pollIntervalMs?: number | undefined;
}

/** {@link TaskManagerConfig} with defaults applied. */
export interface ResolvedTaskManagerConfig {
  /** Where new runs go. */
  readonly backend: TaskBackend;
  /** The queue database, or undefined for the default path. */
  readonly dbPath: string | undefined;
  /** Whether runs fall back to memory (with a logged warning) when the queue cannot be opened. */
  readonly fallbackEnabled: boolean;
  /** Share of eligible new runs the canary sends to the queue, 0 to 100. */
  readonly queuePercentage: number;
  /** Work names eligible for the queue; undefined for every name. */
  readonly queueEnabledTypes: readonly string[] | undefined;
  /** How often run statuses are read back from the queue. */
  readonly pollIntervalMs: number;
}

const percentage = () => z.number().check(z.gte(0), z.lte(100));
const pollMs = () => z.int().check(z.gte(1), z.lte(2 ** 31 - 1));
const ConfigSchema = z.strictObject({
  backend: z.optional(z.enum(TASK_BACKENDS)),
  dbPath: z.optional(z.string().check(z.minLength(1))),
  fallbackEnabled: z.optional(z.boolean()),
  queuePercentage: z.optional(percentage()),
  queueEnabledTypes: z.optional(z.array(z.string().check(z.minLength(1)))),
  pollIntervalMs: z.optional(pollMs()),
});
// Unknown variables are ignored: the environment holds far more than ours.
const EnvSchema = z.object({
  TASK_BACKEND: z.optional(z.enum(TASK_BACKENDS)),
  QUEUE_DB_PATH: z.optional(z.string()),
  QUEUE_FALLBACK_ENABLED: z.optional(z.stringbool()),
  QUEUE_ROLLOUT_PERCENTAGE: z.optional(z.coerce.number().check(z.gte(0), z.lte(100))),
  QUEUE_ENABLED_TYPES: z.optional(z.string()),
  QUEUE_POLL_INTERVAL_MS: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(2 ** 31 - 1))),
});

/**
 * Merges `config` and `env` (the environment wins, so an operator can roll back with an
 * environment change and a restart, no code change) and applies the defaults.
 */
export function resolveTaskManagerConfig(
  config: TaskManagerConfig = {},
  env: Readonly<Record<string, string | undefined>> = {},
): ResolvedTaskManagerConfig {
  const c = parseOptions(ConfigSchema, config, "task manager config");
  // An empty variable counts as unset, as shells and .env files commonly leave them.
  const set = Object.fromEntries(Object.entries(env).filter(([k, v]) => k in EnvSchema.shape && v !== undefined && v.trim() !== ""));
  const e = parseOptions(EnvSchema, set, "task manager environment");
  const types = e.QUEUE_ENABLED_TYPES?.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return Object.freeze({
    backend: e.TASK_BACKEND ?? c.backend ?? "in-memory",
    dbPath: e.QUEUE_DB_PATH ?? c.dbPath,
    fallbackEnabled: e.QUEUE_FALLBACK_ENABLED ?? c.fallbackEnabled ?? true,
    queuePercentage: e.QUEUE_ROLLOUT_PERCENTAGE ?? c.queuePercentage ?? 100,
    queueEnabledTypes: types ?? c.queueEnabledTypes,
    pollIntervalMs: e.QUEUE_POLL_INTERVAL_MS ?? c.pollIntervalMs ?? 250,
  });
}

/** Options of {@link createTaskManager}. */
export interface CreateTaskManagerOptions {
  /** The work every backend resolves names in. */
  readonly registry: WorkRegistry;
  /** Settings from code; the environment overrides them. */
  readonly config?: TaskManagerConfig | undefined;
  /** Environment variables (e.g. `process.env`); none are read unless given. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * Opens the queue database at `QUEUE_DB_PATH` (the core does no file I/O itself), e.g.
   * `(path) => openQueueDatabase({ path })` from `@prismq/queue/node`.
   */
  readonly openDatabase?: ((path: string | undefined) => Promise<QueueDatabase>) | undefined;
  /** Receives the fallback warning and run failures. @default silentLogger */
  readonly logger?: AppLogger | undefined;
  /** The queue manager's in-process worker, or `false` for separate worker processes. @default {} */
  readonly worker?: TaskWorkerOptions | false | undefined;
  /** Executions per run unless a run says otherwise. @default 3 */
  readonly defaultMaxAttempts?: number | undefined;
  /** Retry delays of in-memory runs (queue runs use the worker's). */
  readonly backoff?: BackoffOptions | undefined;
  /** Random source of the canary router. @default Math.random */
  readonly random?: (() => number) | undefined;
}

/**
 * The task manager the configuration asks for: {@link BackgroundTaskManager} for `in-memory`,
 * {@link QueuedTaskManager} for `queue`, or {@link CanaryTaskManager} for `queue` with a
 * rollout percentage below 100 or a list of enabled types. If the queue cannot be opened and
 * fallback is enabled, logs a warning and returns the in-memory manager.
 *
 * @example
 * ```ts
 * const manager = await createTaskManager({
 *   registry,
 *   env: process.env, // TASK_BACKEND=queue QUEUE_DB_PATH=/data/queue.db
 *   openDatabase: (path) => openQueueDatabase({ path }),
 *   logger: consoleLogger,
 * });
 * ```
 */
export async function createTaskManager(options: CreateTaskManagerOptions): Promise<TaskManager> {
  if (options?.registry === undefined) throw new QueueValidationError("createTaskManager needs a registry");
  const cfg = resolveTaskManagerConfig(options.config, options.env);
  const log = options.logger ?? silentLogger;
  const runs = new RunRegistry({ onListenerError: (e) => log.error("run listener failed", { error: errorText(e) }) });
  const common = { registry: options.registry, runs, logger: log, defaultMaxAttempts: options.defaultMaxAttempts };
  const memory = (): BackgroundTaskManager => new BackgroundTaskManager({ ...common, backoff: options.backoff, random: options.random });
  if (cfg.backend === "in-memory") return memory();
  let db: QueueDatabase;
  try {
    if (options.openDatabase === undefined) throw new QueueValidationError("TASK_BACKEND=queue needs an openDatabase function");
    db = await options.openDatabase(cfg.dbPath);
  } catch (err) {
    if (!cfg.fallbackEnabled || (err instanceof QueueValidationError && options.openDatabase === undefined)) throw err;
    log.warn("queue backend unavailable, falling back to the in-memory task manager", {
      dbPath: cfg.dbPath ?? "(default)",
      error: errorText(err),
    });
    return memory();
  }
  const queue = new QueuedTaskManager({
    ...common,
    db,
    pollIntervalMs: cfg.pollIntervalMs,
    worker: options.worker,
    closeDatabase: true,
  });
  if (cfg.queuePercentage >= 100 && cfg.queueEnabledTypes === undefined) return queue;
  return new CanaryTaskManager({
    memory: memory(),
    queue,
    queuePercentage: cfg.queuePercentage,
    queueEnabledTypes: cfg.queueEnabledTypes,
    random: options.random,
    logger: log,
  });
}
