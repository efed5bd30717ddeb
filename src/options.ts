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

const int = (min: number, max: number = Number.MAX_SAFE_INTEGER) =>
  z.int().check(z.gte(min), z.lte(max));
const ms = () => z.number().check(z.gte(0), z.lte(2 ** 31 - 1));
const capValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

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
  /** Requirements a worker's capabilities must meet, e.g. `{ region: "eu" }`. */
  readonly compatibility?: Readonly<Record<string, string | number | boolean | null>> | undefined;
}

/** Exponential backoff after a failed attempt: `min(maxMs, baseMs × factor^(attempt-1))`, less up to `jitter` of it. */
export interface BackoffOptions {
  /** Delay after the first failure. @default 60000 (the seeds' 2^0 minutes) */
  readonly baseMs?: number | undefined;
  /** Growth per attempt. @default 2 */
  readonly factor?: number | undefined;
  /** Upper bound of the delay. @default 3600000 */
  readonly maxMs?: number | undefined;
  /** Fraction of the delay taken off at random, 0 for none. @default 0.1 */
  readonly jitter?: number | undefined;
}

/** Options of `QueueClient.listTasks`. */
export interface ListOptions {
  /** One status or several. */
  readonly status?: TaskStatus | readonly TaskStatus[] | undefined;
  readonly type?: string | undefined;
  /** @default 100 */
  readonly limit?: number | undefined;
  /** @default 0 */
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
  /** Requirements a worker's capabilities must meet. */
  compatibility: z.optional(z.record(z.string(), capValue)),
});
/** @internal */
export const BackoffOptionsSchema: z.ZodMiniType<BackoffOptions, BackoffOptions> = z.strictObject({
  /** Delay after the first failure. @default 60000 (the seeds' 2^0 minutes) */
  baseMs: z.optional(ms()),
  /** Growth per attempt. @default 2 */
  factor: z.optional(z.number().check(z.gte(1), z.lte(100))),
  /** Upper bound of the delay. @default 3600000 */
  maxMs: z.optional(ms()),
  /** Fraction of the delay taken off at random, 0 for none. @default 0.1 */
  jitter: z.optional(z.number().check(z.gte(0), z.lte(1))),
});
/** @internal */
export const WorkerOptionsSchema: z.ZodMiniType<WorkerOptionsInput, WorkerOptionsInput> = z.strictObject({
  workerId: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  strategy: z.optional(z.enum(CLAIM_STRATEGIES)),
  concurrency: z.optional(int(1, 10_000)),
  batchSize: z.optional(int(1, 10_000)),
  leaseMs: z.optional(z.number().check(z.gte(1), z.lte(2 ** 31 - 1))),
  renewIntervalMs: z.optional(z.number().check(z.gte(1), z.lte(2 ** 31 - 1))),
  pollIntervalMs: z.optional(ms()),
  capabilities: z.optional(z.record(z.string(), capValue)),
  backoff: z.optional(BackoffOptionsSchema),
  taskLogs: z.optional(z.boolean()),
  heartbeatIntervalMs: z.optional(ms()),
  staleAfterMs: z.optional(z.number().check(z.gte(1), z.lte(2 ** 31 - 1))),
  reclaimStaleWorkers: z.optional(z.boolean()),
  crashPolicy: z.optional(z.record(z.string(), z.enum(["retry", "fail", "dead_letter"]))),
  timeoutMs: z.optional(ms()),
  taskTimeouts: z.optional(z.record(z.string().check(z.minLength(1)), ms())),
});

/** @internal */
export const ListOptionsSchema: z.ZodMiniType<ListOptions, ListOptions> = z.strictObject({
  status: z.optional(z.union([z.enum(TASK_STATUSES), z.array(z.enum(TASK_STATUSES))])),
  type: z.optional(z.string()),
  limit: z.optional(int(1, 100_000)),
  offset: z.optional(int(0)),
  order: z.optional(z.enum(["asc", "desc"])),
});

/** The plain-data part of the worker options, as validated. @internal */
export interface WorkerOptionsInput {
  readonly workerId?: string | undefined;
  readonly strategy?: (typeof CLAIM_STRATEGIES)[number] | undefined;
  readonly concurrency?: number | undefined;
  readonly batchSize?: number | undefined;
  readonly leaseMs?: number | undefined;
  readonly renewIntervalMs?: number | undefined;
  readonly pollIntervalMs?: number | undefined;
  readonly capabilities?: Readonly<Record<string, string | number | boolean | null>> | undefined;
  readonly backoff?: BackoffOptions | undefined;
  readonly taskLogs?: boolean | undefined;
  readonly heartbeatIntervalMs?: number | undefined;
  readonly staleAfterMs?: number | undefined;
  readonly reclaimStaleWorkers?: boolean | undefined;
  readonly crashPolicy?: Readonly<Record<string, "retry" | "fail" | "dead_letter">> | undefined;
  readonly timeoutMs?: number | undefined;
  readonly taskTimeouts?: Readonly<Record<string, number>> | undefined;
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
