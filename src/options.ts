/**
 * zod schemas for public options, checked at the trust boundary. A bad option is a
 * {@link QueueValidationError} naming the key, raised before anything is written.
 *
 * @module
 */
import * as z from "zod/mini";
import { en } from "zod/locales";
import { QueueValidationError } from "./errors.ts";
import { CLAIM_STRATEGIES } from "./strategies.ts";
import { TASK_STATUSES, type TaskStatus } from "./task.ts";
import { DEFAULT_BACKOFF } from "./backoff.ts";
import { KEY_MODES, type KeyMode } from "./controls/uniqueness.ts";
import { RetentionOptionsSchema } from "./retention/schema.ts";
import type { ClaimStrategy } from "./strategies.ts";
import type { CrashPolicy } from "./observability/heartbeat.ts";
import type { AppLogger } from "./observability/task-logger.ts";
import {
  checkStaleAfterHeartbeat,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_STALE_THRESHOLD_MS,
} from "./observability/liveness.ts";
import type { ErrorClass, TaskHandler, WorkerEvent } from "./worker/types.ts";

const int = (min: number, max: number = Number.MAX_SAFE_INTEGER) =>
  z.int().check(z.gte(min), z.lte(max));
const ms = () => z.number().check(z.gte(0), z.lte(2 ** 31 - 1));
const capValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/** Whole milliseconds a timer can take (setTimeout's limit). */
const wholeMs = (min: number) => int(min, 2 ** 31 - 1);
// The crash policies (heartbeat.ts's CRASH_POLICIES; a value import would be circular).
const CRASH_POLICY_NAMES = ["retry", "fail", "dead_letter"] as const satisfies readonly CrashPolicy[];

/** Options of `QueueClient.enqueue`. */
export interface EnqueueOptions {
  /** Lower runs first. @default 100 */
  readonly priority?: number | undefined;
  /**
   * Not claimable before this time (epoch ms or Date), from 1970-01-01 to 9999-12-31 UTC.
   * Give this or `delayMs`.
   */
  readonly runAfter?: number | Date | undefined;
  /** Not claimable for this long from now (the result must be before year 10000 too). */
  readonly delayMs?: number | undefined;
  /** Total executions allowed, including the first. @default 5 */
  readonly maxAttempts?: number | undefined;
  /**
   * A second enqueue with the same key returns the first task's id and stores nothing. A key
   * with a lone UTF-16 surrogate cannot be stored exactly and is refused.
   */
  readonly idempotencyKey?: string | undefined;
  /**
   * How long `idempotencyKey` holds: `permanent`, for `keyWindowMs` (`window`), while its task
   * is queued or processing (`active`), or `replace` (a queued holder takes the new values). See
   * `KEY_MODES`. @default "permanent"
   */
  readonly keyMode?: KeyMode | undefined;
  /** The window of `keyMode: "window"`, in ms. */
  readonly keyWindowMs?: number | undefined;
  /** Requirements a worker's capabilities must meet, e.g. `{ region: "eu" }`. */
  readonly compatibility?: Readonly<Record<string, string | number | boolean | null>> | undefined;
}

/** Options of `QueueClient.listTasks`. */
export interface ListOptions {
  /** One status or several. */
  readonly status?: TaskStatus | readonly TaskStatus[] | undefined;
  /** Only tasks of this type. */
  readonly type?: string | undefined;
  /** At most this many tasks. @default 100 */
  readonly limit?: number | undefined;
  /** Tasks skipped first (paging). @default 0 */
  readonly offset?: number | undefined;
  /** By id. @default "asc" */
  readonly order?: "asc" | "desc" | undefined;
}

/** @internal */
export const EnqueueOptionsSchema: z.ZodMiniType<EnqueueOptions, EnqueueOptions> = z.strictObject({
  /** Lower runs first. @default 100 */
  priority: z.optional(int(-2_147_483_648, 2_147_483_647)),
  /** Not claimable before this time (epoch ms or Date). */
  runAfter: z.optional(z.union([z.number().check(z.gte(0)), z.date()])),
  /** Not claimable for this long from now. */
  delayMs: z.optional(ms()),
  /** Total executions allowed, including the first. @default 5 */
  maxAttempts: z.optional(int(1, 1_000_000)),
  /** A second enqueue with the same key returns the first task's id and stores nothing. */
  idempotencyKey: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
  /** How long the key holds. @default "permanent" */
  keyMode: z.optional(z.enum(KEY_MODES)),
  /** The window of `keyMode: "window"` (at most 100 years). */
  keyWindowMs: z.optional(int(1, 100 * 366 * 86_400_000)),
  /** Requirements a worker's capabilities must meet. */
  compatibility: z.optional(z.record(z.string(), capValue)),
});
/** @internal */
export const ListOptionsSchema: z.ZodMiniType<ListOptions, ListOptions> = z.strictObject({
  status: z.optional(z.union([z.enum(TASK_STATUSES), z.array(z.enum(TASK_STATUSES))])),
  type: z.optional(z.string()),
  limit: z.optional(int(1, 100_000)),
  offset: z.optional(int(0)),
  order: z.optional(z.enum(["asc", "desc"])),
});

// ---------------------------------------------------------------------------------------------
// Worker options: ONE schema. The type (`QueueWorkerOptions`), the worker's defaults, the config
// file schema (src/config/worker-config.ts) and the PRISMQ_* environment mapping all derive from
// it. `isolatedDeclarations` (JSR) needs the schema's type written out, so the shape type below
// names each field's zod type and carries its doc; the compiler checks the schema against it,
// and hovers and the d.ts show the docs on `QueueWorkerOptions`.
// ---------------------------------------------------------------------------------------------

type Opt<T extends z.core.SomeType> = z.ZodMiniOptional<T>;
type Def<T extends z.core.SomeType> = z.ZodMiniDefault<T>;
type Int = z.ZodMiniNumberFormat;
type Str = z.ZodMiniString<string>;
type Scalar = z.ZodMiniUnion<readonly [Str, z.ZodMiniNumber<number>, z.ZodMiniBoolean<boolean>, z.ZodMiniNull]>;

/** Fields of {@link BackoffOptionsSchema}, each with its doc. */
type BackoffShape = {
  /** Delay after the first failure. @default 60000 (the seeds' 2^0 minutes) */
  baseMs: Opt<Int>;
  /** Growth per attempt. @default 2 */
  factor: Opt<z.ZodMiniNumber<number>>;
  /** Upper bound of the delay. @default 3600000 */
  maxMs: Opt<Int>;
  /** Fraction of the delay taken off at random, 0 for none. @default 0.1 */
  jitter: Opt<z.ZodMiniNumber<number>>;
};

/** Retry delays; the defaults are `DEFAULT_BACKOFF` of backoff.ts. @internal */
export const BackoffOptionsSchema: z.ZodMiniObject<BackoffShape, z.core.$strict> = z.strictObject({
  baseMs: z.optional(wholeMs(0)),
  factor: z.optional(z.number().check(z.gte(1), z.lte(100))),
  maxMs: z.optional(wholeMs(0)),
  jitter: z.optional(z.number().check(z.gte(0), z.lte(1))),
});

/**
 * Exponential backoff after a failed attempt: `min(maxMs, baseMs × factor^(attempt-1))`, less up
 * to `jitter` of it. Spelled out rather than derived from {@link BackoffOptionsSchema} so the
 * published API names no zod type; a type check below keeps the two the same.
 */
export interface BackoffOptions {
  /** Delay after the first failure. @default 60000 (the seeds' 2^0 minutes) */
  readonly baseMs?: number | undefined;
  /** Growth per attempt, 1 to 100. @default 2 */
  readonly factor?: number | undefined;
  /** Upper bound of the delay. @default 3600000 */
  readonly maxMs?: number | undefined;
  /** Fraction of the delay taken off at random, 0 for none, at most 1. @default 0.1 */
  readonly jitter?: number | undefined;
}

/** True only when A and B are the same type (not merely assignable either way). */
type SameType<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only for `true`. */
type Assert<T extends true> = T;
/** A type error here means {@link BackoffOptions} and the schema's input have drifted apart. */
type BackoffOptionsMatchSchema = Assert<SameType<BackoffOptions, Readonly<z.input<typeof BackoffOptionsSchema>>>>;

/** Fields of {@link WorkerOptionsSchema}, each with its doc (shown on {@link QueueWorkerOptions}). */
type WorkerOptionsShape = {
  /** Written to `locked_by`. @default "worker-" + 8 random hex digits */
  workerId: Opt<Str>;
  /** Claim order, see `ClaimStrategy`. @default "PRIORITY" */
  strategy: Def<z.ZodMiniEnum<{ [K in ClaimStrategy]: K }>>;
  /** Handlers running at once. @default 1 */
  concurrency: Def<Int>;
  /**
   * Most tasks one claim statement takes. Up to `concurrency` it never takes more than the free
   * slots. Above it the worker prefetches: each claim takes a whole batch, the tasks beyond the
   * free slots wait in the worker under lease (renewed before they start if they waited longer
   * than `renewIntervalMs`), outcomes are written in groups (at the next claim, after
   * `batchSize` outcomes, or after at most 50 ms), and stop() hands unstarted tasks back to the
   * queue with their attempt not counted. Faster for many short tasks; a crash can then re-run
   * up to a batch of finished-but-unrecorded tasks. @default concurrency
   */
  batchSize: Opt<Int>;
  /** Lease length in ms; a task whose lease runs out is claimable again. @default 30000 */
  leaseMs: Def<Int>;
  /** Lease renewal period while a handler runs; also how soon a cancel reaches it. @default leaseMs / 3 */
  renewIntervalMs: Opt<Int>;
  /** Wait after a claim found nothing, in ms. @default 1000 */
  pollIntervalMs: Def<Int>;
  /**
   * How often the worker's `workers` row is refreshed while {@link QueueWorker.start} runs (it
   * is registered at start and removed at stop); 0 turns heartbeats off. @default 10000
   */
  heartbeatIntervalMs: Def<Int>;
  /**
   * A worker whose heartbeat is older than this is stale, and its tasks are released. Must be at
   * least 3 × `heartbeatIntervalMs` (see `MIN_STALE_HEARTBEATS`) when heartbeats are on, so a
   * live worker a beat or two late keeps its tasks; give every worker of one database the same
   * pair. @default 300000
   */
  staleAfterMs: Def<Int>;
  /** Matched against each task's `compatibility`. @default {} */
  capabilities: Def<z.ZodMiniRecord<Str, Scalar>>;
  /** Retry delays. @default DEFAULT_BACKOFF */
  backoff: Opt<typeof BackoffOptionsSchema>;
  /**
   * Crash policy by task type for tasks taken back from their holder (its lease ran out, or its
   * worker went stale); `retry` when not listed. @default {}
   */
  crashPolicy: Def<z.ZodMiniRecord<Str, z.ZodMiniEnum<{ [K in CrashPolicy]: K }>>>;
  /**
   * Longest a handler may run, in ms; 0 or absent for no limit. When it passes, the handler's
   * signal aborts with a `TaskTimeoutError`, the attempt is recorded as failed with that
   * error (retried with backoff while attempts remain, else failed), and its slot is freed;
   * whatever the handler does later is ignored (JavaScript cannot stop it: it should honour its
   * signal). Checked by the lease-renewal timer the handler has anyway, so it costs no extra
   * timer or SQL, and fires within a few ms of the deadline.
   */
  timeoutMs: Opt<Int>;
  /** Handler timeout by task type, overriding `timeoutMs` (0: no limit for that type). */
  taskTimeouts: Opt<z.ZodMiniRecord<Str, Int>>;
  /**
   * Which status changes get a `task_logs` row, written in the same transaction as the change:
   * `"failures"` the ones worth reading later (retries, failures, dead-letter, cancel, reclaim),
   * `"all"` every one (also each claim, completion and release), `false` none a worker writes
   * (reclaims and operator actions are logged whatever it says). The task row itself keeps the
   * claim and finish times and the worker, so `"failures"` loses no figure; it saves two
   * INSERTs per successful task. `true` is the same as `"all"`. @default "failures"
   */
  taskLogs: Def<z.ZodMiniUnion<readonly [z.ZodMiniEnum<{ all: "all"; failures: "failures" }>, z.ZodMiniBoolean<boolean>]>>;
  /**
   * At each heartbeat, release the tasks held by stale workers, by their type's crash policy.
   * @default true
   */
  reclaimStaleWorkers: Def<z.ZodMiniBoolean<boolean>>;
  /**
   * How often a started worker enqueues the due occurrences of the stored schedules
   * (`QueueScheduler.tick`), in ms; 0 turns it off for this worker. Any number of workers may
   * tick one database: each occurrence is enqueued once. @default 1000
   */
  scheduleIntervalMs: Def<Int>;
  /**
   * Automatic purge of old finished tasks and log rows: ages per status (`completedMs`,
   * `failedMs`, `deadLetterMs`, `cancelledMs`) and for logs (`logsMs`), run by a started worker
   * every `intervalMs` (default 60000), each pass deleting at most `batchSize` (default 500)
   * rows per status. Absent: nothing is purged automatically. See `RetentionPolicy`.
   */
  retention: Opt<typeof RetentionOptionsSchema>;
};

/**
 * The plain-data worker options with their one set of defaults. `QueueWorker` parses its
 * options with it; the config file schema extends it. @internal
 */
export const WorkerOptionsSchema: z.ZodMiniObject<WorkerOptionsShape, z.core.$strict> = z.strictObject({
  workerId: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  strategy: z._default(z.enum(CLAIM_STRATEGIES), "PRIORITY"),
  concurrency: z._default(int(1, 10_000), 1),
  batchSize: z.optional(int(1, 10_000)),
  leaseMs: z._default(wholeMs(1), 30_000),
  renewIntervalMs: z.optional(wholeMs(1)),
  pollIntervalMs: z._default(wholeMs(0), 1000),
  heartbeatIntervalMs: z._default(wholeMs(0), DEFAULT_HEARTBEAT_INTERVAL_MS),
  staleAfterMs: z._default(wholeMs(1), DEFAULT_STALE_THRESHOLD_MS),
  capabilities: z._default(z.record(z.string(), capValue), {}),
  backoff: z.optional(BackoffOptionsSchema),
  crashPolicy: z._default(z.record(z.string(), z.enum(CRASH_POLICY_NAMES)), {}),
  timeoutMs: z.optional(wholeMs(0)),
  taskTimeouts: z.optional(z.record(z.string().check(z.minLength(1)), wholeMs(0))),
  taskLogs: z._default(z.union([z.enum(["all", "failures"]), z.boolean()]), "failures"),
  reclaimStaleWorkers: z._default(z.boolean(), true),
  scheduleIntervalMs: z._default(wholeMs(0), 1000),
  retention: z.optional(RetentionOptionsSchema),
});

/** The worker options as parsed: every default filled in. @internal */
export type WorkerSettings = z.output<typeof WorkerOptionsSchema>;

/**
 * Options of `QueueWorker`: the plain data of {@link WorkerOptionsSchema} (documented per key,
 * defaults there) plus the functions and classes no schema can describe.
 */
export type QueueWorkerOptions = Readonly<z.input<typeof WorkerOptionsSchema>> & WorkerHooks;

/** The non-data worker options: handlers, error classes, callbacks. */
export interface WorkerHooks {
  /** Handlers by task type (more can be added with `QueueWorker.register`). */
  readonly handlers?: Readonly<Record<string, TaskHandler>> | undefined;
  /** Errors of these classes (and `NonRetryableError`) dead-letter the task at once. */
  readonly nonRetryableErrors?: readonly ErrorClass[] | undefined;
  /** Random source in [0, 1) for WEIGHTED_RANDOM and backoff jitter. @default Math.random */
  readonly random?: (() => number) | undefined;
  /** Called for every event; must not throw. */
  readonly onEvent?: ((event: WorkerEvent) => void) | undefined;
  /** Application logger that also hears every transition. @default silentLogger */
  readonly logger?: AppLogger | undefined;
}

/** What a worker logs, from its `taskLogs` setting: every change, failures only, or none. @internal */
export type TaskLogLevel = "all" | "failures" | "none";

/** The {@link TaskLogLevel} of a `taskLogs` setting (`true` is `"all"`). @internal */
export function taskLogLevel(setting: WorkerSettings["taskLogs"]): TaskLogLevel {
  return setting === true || setting === "all" ? "all" : setting === "failures" ? "failures" : "none";
}

/**
 * The rules between worker options that no single field can check: renewal inside the lease,
 * a stale threshold of at least 3 heartbeats, a backoff cap not below its base. Throws
 * `invalid(issues)` at the first one broken; `label` names a key in the caller's terms.
 * @internal
 */
export function checkWorkerOptionRules(
  o: WorkerSettings,
  label: (key: string) => string,
  invalid: (issues: readonly string[]) => Error,
  what: string,
): void {
  if (o.renewIntervalMs !== undefined && o.renewIntervalMs >= o.leaseMs) {
    throw invalid([`${label("renewIntervalMs")}: must be shorter than leaseMs (${o.leaseMs})`]);
  }
  try {
    checkStaleAfterHeartbeat(o.heartbeatIntervalMs, o.staleAfterMs, {
      heartbeat: label("heartbeatIntervalMs"),
      stale: label("staleAfterMs"),
      what,
    });
  } catch (err) {
    throw invalid((err as QueueValidationError).issues);
  }
  const b = { ...DEFAULT_BACKOFF, ...o.backoff };
  if (b.maxMs < b.baseMs) throw invalid([`${label("backoff.maxMs")}: must be >= backoff.baseMs`]);
}

const EN = en();

/** Parses `value` with `schema` or throws a {@link QueueValidationError} listing each issue. */
export function parseOptions<S extends z.ZodMiniType>(schema: S, value: unknown, what: string): z.output<S> {
  // zod/mini ships without messages; English ones are passed per parse rather than set globally,
  // so a user's own zod configuration is left alone.
  const r = z.safeParse(schema, value ?? {}, { error: EN.localeError });
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`);
  throw new QueueValidationError(`invalid ${what}`, issues, { cause: r.error });
}
