/**
 * Retention and bulk redrive. A {@link RetentionPolicy} says how long finished tasks (by status)
 * and log rows are kept; workers given one run a pass every `intervalMs`, each pass deleting at
 * most `batchSize` rows per status and of logs, so its cost is bounded whatever the backlog (a
 * larger backlog is worked off over several passes). The same deletes and the redrive of many
 * failed/dead-lettered tasks are offered to operators (`QueueClient.purge`, `QueueClient.redrive`,
 * `prismq purge`, `prismq redrive`).
 *
 * @module
 */
import { toSqlRunAfter, toSqlTime } from "../clock.ts";
import type { QueueDatabase } from "../database.ts";
import type { RetainedStatus } from "../dialect/features.ts";
import { QueueValidationError } from "../errors.ts";

export type { RetainedStatus };

/** The finished statuses retention and `purge` delete. */
export const RETAINED_STATUSES: readonly RetainedStatus[] = ["completed", "failed", "dead_letter", "cancelled"];

/** Default rows one pass deletes per status (and of logs). */
export const DEFAULT_RETENTION_BATCH = 500;
/** Default time between a worker's retention passes. */
export const DEFAULT_RETENTION_INTERVAL_MS = 60_000;

/** How long finished tasks and logs are kept; a status left out is kept for ever. */
export interface RetentionPolicy {
  /** Completed tasks are deleted this long after they finished (ms). */
  readonly completedMs?: number | undefined;
  /** Failed tasks, likewise. */
  readonly failedMs?: number | undefined;
  /** Dead-lettered tasks, likewise. */
  readonly deadLetterMs?: number | undefined;
  /** Cancelled tasks, likewise. */
  readonly cancelledMs?: number | undefined;
  /** Log rows of any task are deleted this long after they were written. */
  readonly logsMs?: number | undefined;
  /** Most rows one pass deletes per status and of logs. @default 500 */
  readonly batchSize?: number | undefined;
  /** Time between a worker's passes. @default 60000 */
  readonly intervalMs?: number | undefined;
}

/** What one pass deleted. */
export interface RetentionPassResult {
  /** Tasks deleted, by status. */
  readonly tasks: Readonly<Record<RetainedStatus, number>>;
  /** Log rows deleted by age (those of deleted tasks are not counted here). */
  readonly logs: number;
}

const AGE_KEY: Readonly<Record<RetainedStatus, keyof RetentionPolicy>> = {
  completed: "completedMs",
  failed: "failedMs",
  dead_letter: "deadLetterMs",
  cancelled: "cancelledMs",
};

function positiveInt(v: unknown, what: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw new QueueValidationError(`${what} must be a positive integer`);
  return v as number;
}
function age(v: unknown, what: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw new QueueValidationError(`${what} must be a whole number of ms >= 0`);
  return v as number;
}

/** Checks a policy (ages are whole ms >= 0, batch and interval positive); returns it. */
export function checkRetentionPolicy(p: RetentionPolicy): RetentionPolicy {
  for (const k of ["completedMs", "failedMs", "deadLetterMs", "cancelledMs", "logsMs"] as const) {
    if (p[k] !== undefined) age(p[k], `retention.${k}`);
  }
  if (p.batchSize !== undefined) positiveInt(p.batchSize, "retention.batchSize");
  if (p.intervalMs !== undefined) positiveInt(p.intervalMs, "retention.intervalMs");
  return p;
}

/** One bounded retention pass at the database clock's now. */
export async function runRetentionPass(db: QueueDatabase, policy: RetentionPolicy): Promise<RetentionPassResult> {
  const now = db.clock.now();
  const limit = policy.batchSize ?? DEFAULT_RETENTION_BATCH;
  const tasks = { completed: 0, failed: 0, dead_letter: 0, cancelled: 0 };
  for (const status of RETAINED_STATUSES) {
    const ms = policy[AGE_KEY[status]];
    if (ms === undefined) continue;
    tasks[status] = await purgeBatch(db, status, now - ms, limit);
  }
  let logs = 0;
  if (policy.logsMs !== undefined) {
    logs = (await db.run(db.dialect.features.purgeLogs(toSqlTime(now - policy.logsMs), limit))).changes;
  }
  return Object.freeze({ tasks: Object.freeze(tasks), logs });
}

async function purgeBatch(db: QueueDatabase, status: RetainedStatus, before: number, limit: number): Promise<number> {
  const rs = await db.batch(db.dialect.features.purgeFinished(status, toSqlTime(Math.max(0, before)), limit));
  return rs.at(-1)?.changes ?? 0;
}

/** Options of `QueueClient.purge`. */
export interface PurgeOptions {
  /** Finished statuses to delete. @default every finished status */
  readonly statuses?: readonly RetainedStatus[] | undefined;
  /** Only tasks finished at least this long ago (ms). @default 0 */
  readonly olderThanMs?: number | undefined;
  /** Most tasks deleted per status. @default no limit (deleted in batches of 500) */
  readonly limit?: number | undefined;
}

/** Deletes finished tasks (and their logs) by status and age; returns how many. */
export async function purgeTasks(db: QueueDatabase, o: PurgeOptions = {}): Promise<number> {
  const statuses = o.statuses ?? RETAINED_STATUSES;
  for (const s of statuses) {
    if (!RETAINED_STATUSES.includes(s)) throw new QueueValidationError(`purge: status must be one of ${RETAINED_STATUSES.join(", ")}, got ${JSON.stringify(s)}`);
  }
  const olderThan = age(o.olderThanMs ?? 0, "purge: olderThanMs");
  const max = o.limit === undefined ? Number.POSITIVE_INFINITY : positiveInt(o.limit, "purge: limit");
  const before = db.clock.now() - olderThan;
  let total = 0;
  for (const s of statuses) {
    let left = max;
    while (left > 0) {
      const n = await purgeBatch(db, s, before, Math.min(left, DEFAULT_RETENTION_BATCH));
      total += n;
      left -= n;
      if (n < Math.min(left + n, DEFAULT_RETENTION_BATCH)) break;
    }
  }
  return total;
}

/** Options of `QueueClient.redrive`. */
export interface RedriveOptions {
  /** Only tasks of this type. @default every type */
  readonly type?: string | undefined;
  /** Which statuses are requeued. @default ["dead_letter"] */
  readonly statuses?: readonly ("failed" | "dead_letter")[] | undefined;
  /** Most tasks requeued. @default no limit (in batches of 500) */
  readonly limit?: number | undefined;
}

/** Requeues failed/dead-lettered tasks with a fresh attempt budget, runnable now; returns how many. */
export async function redriveTasks(db: QueueDatabase, o: RedriveOptions = {}): Promise<number> {
  const statuses = o.statuses ?? ["dead_letter"];
  if (statuses.length === 0) throw new QueueValidationError("redrive: statuses must not be empty");
  for (const s of statuses) {
    if (s !== "failed" && s !== "dead_letter") throw new QueueValidationError(`redrive: status must be failed or dead_letter, got ${JSON.stringify(s)}`);
  }
  if (o.type !== undefined && (typeof o.type !== "string" || o.type.length === 0)) throw new QueueValidationError("redrive: type must be a non-empty string");
  let left = o.limit === undefined ? Number.POSITIVE_INFINITY : positiveInt(o.limit, "redrive: limit");
  let total = 0;
  while (left > 0) {
    const now = db.clock.now();
    const size = Math.min(left, DEFAULT_RETENTION_BATCH);
    const rs = await db.batch(db.dialect.features.redrive(statuses, o.type ?? null, toSqlTime(now), toSqlRunAfter(now, now), size));
    const n = rs.at(-1)?.changes ?? 0;
    total += n;
    left -= n;
    if (n < size) break;
  }
  return total;
}
