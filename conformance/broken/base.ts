/**
 * What the deliberately broken queues share. A variant is not a subclass: it is a set of
 * worker operations (`src/worker/operations.ts`) with one or two replaced by wrong SQL, handed
 * to a real `QueueWorker` through its internal `operations` constructor argument. The worker's
 * own loop (`start()`) and its public methods then run the wrong operations, so every property
 * exercises them. A variant has no batch operations: its worker writes each outcome on its own.
 *
 * These exist only to prove the suite can fail (see `conformance/self-test.ts`). Never use them.
 *
 * @module
 */
import { type Backoff, DEFAULT_BACKOFF } from "../../src/backoff.ts";
import { toSqlTime } from "../../src/clock.ts";
import type { SqlValue } from "../../src/driver.ts";
import type { ClaimStrategy } from "../../src/strategies.ts";
import { rowToTask, type Task } from "../../src/task.ts";
import {
  type OperationsContext,
  type OperationsFactory,
  dialectWorkerOperations,
  type WorkerOperations,
} from "../../src/worker/operations.ts";

/** The claim's SET clause (what a correct claim writes). */
export const CLAIM_SET =
  `SET status = 'processing', locked_by = ?, lease_token = lease_token + 1, lease_until_utc = ?,` +
  ` reserved_at_utc = ?, processing_started_utc = ?, updated_at_utc = ?, attempts = attempts + 1`;

/** The documented claim orders (WEIGHTED_RANDOM falls back to PRIORITY in the broken claims). */
export const ORDER_BY: Readonly<Record<ClaimStrategy, string>> = {
  FIFO: "run_after_utc ASC, id ASC",
  LIFO: "run_after_utc DESC, id DESC",
  PRIORITY: "priority ASC, run_after_utc ASC, id ASC",
  WEIGHTED_RANDOM: "priority ASC, run_after_utc ASC, id ASC",
};

/**
 * The real operations with `wrong` ones laid over them, and without batch operations.
 * `wrong` gets the worker's context and the real operations (to fall back on).
 */
export function brokenOperations(
  wrong: (ctx: OperationsContext, real: WorkerOperations) => Partial<Omit<WorkerOperations, "batch">>,
): OperationsFactory {
  return (ctx) => {
    const real = dialectWorkerOperations(ctx);
    return { ...real, batch: undefined, ...wrong(ctx, real) };
  };
}

/** The worker's resolved backoff settings. */
export function backoffOf(ctx: OperationsContext): Backoff {
  return { ...DEFAULT_BACKOFF, ...ctx.settings.backoff };
}

/** Parameters of {@link CLAIM_SET} at `now`. */
export function claimSetParams(ctx: OperationsContext, now: number): string[] {
  const t = toSqlTime(now);
  return [ctx.workerId, toSqlTime(now + ctx.settings.leaseMs), t, t, t];
}

/** Tasks from RETURNING rows. */
export function tasksOf(rows: readonly Readonly<Record<string, SqlValue>>[]): Task[] {
  return rows.map((row) => rowToTask(row));
}
