/**
 * Every SQL call of the worker, behind one object: claim, renew, record an outcome, read a
 * task's status, and (for group commit) the statements of each so several go out in one batch.
 * The worker never builds a statement itself: every statement comes from `db.dialect`, so a
 * second engine needs no edit here, and a test can inject a deliberately wrong set of operations (conformance/broken/) without
 * subclassing the worker.
 *
 * @module
 */
import { toSqlTime } from "../clock.ts";
import type { QueueDatabase } from "../database.ts";
import type { ExecResult, SqlValue, Statement } from "../driver.ts";
import { taskLogLevel, type WorkerSettings } from "../options.ts";
import type { ClaimParams, Fence } from "../dialect/dialect.ts";
import type { ClaimStrategy } from "../strategies.ts";
import { rowToTask, type Task, type TaskStatus } from "../task.ts";
import { taskErrorLogInsert, taskRetryLogInsert, taskTransitionLogInsert } from "../observability/task-logger.ts";
import type { OutcomeRecord } from "./types.ts";
import { LimitedTypes } from "../controls/limited.ts";

/** What the operations need to know of their worker. @internal */
export interface OperationsContext {
  readonly db: QueueDatabase;
  readonly workerId: string;
  readonly settings: WorkerSettings;
  /** Random source in [0, 1) (WEIGHTED_RANDOM draws). */
  readonly random: () => number;
  /** The registered task types, read at each claim (any type if empty). */
  types(): readonly string[];
}

/** The statements of one claim, and how to read its tasks out of their results. @internal */
export interface ClaimPlan {
  readonly stmts: readonly Statement[];
  /** The claimed tasks in the strategy's order, from the results of `stmts` (same order). */
  tasks(results: readonly ExecResult[]): Task[];
}

/**
 * The statements behind each operation, so the worker can group outcomes, releases and a
 * claim into one batch (group commit). Each outcome's first statement is its fenced UPDATE:
 * `changes === 0` there means the lease was lost. @internal
 */
export interface BatchOperations {
  claim(limit: number, now: number): ClaimPlan;
  record(task: Task, outcome: OutcomeRecord, now: number): Statement[];
  /** One set-based completion of several held tasks; its last result's rows are the ids completed. */
  completeMany(tasks: readonly Task[], now: number): Statement[];
  /** Hands a claimed task that never started back to the queue, its attempt not counted. */
  release(task: Task, now: number): Statement[];
}

/**
 * Every database call of a worker. `batch` is optional: without it the worker writes each
 * outcome on its own and never prefetches (a variant whose steps cannot be statements, such as
 * a claim with an `await` inside, leaves it out). @internal
 */
export interface WorkerOperations {
  /** Claims up to `limit` tasks in one all-or-nothing step; returned in the strategy's order. */
  claim(limit: number, now: number): Promise<Task[]>;
  /** Extends a held lease to `until`; false if the lease is no longer held. */
  renew(task: Task, now: number, until: number): Promise<boolean>;
  /** Writes an outcome under the lease fence; false if the lease is no longer held. */
  record(task: Task, outcome: OutcomeRecord, now: number): Promise<boolean>;
  /** The task's current status (undefined if it is gone). */
  status(taskId: number): Promise<TaskStatus | undefined>;
  readonly batch?: BatchOperations | undefined;
}

/** Makes a worker's operations from its context; the constructor's injection point. @internal */
export type OperationsFactory = (ctx: OperationsContext) => WorkerOperations;

type Row = Readonly<Record<string, SqlValue>>;

/** Longest wait between two expired-lease sweeps of a worker whose claims keep coming back full. */
export const RECLAIM_SWEEP_MS = 1000;

// Claimed rows are put in the strategy's order exactly as the SQL orders them: by the stored
// run_after_utc TEXT, where a run-now time ("…:01", second precision) sorts before a delayed
// time at the same instant ("…:01.000"); comparing parsed milliseconds would call those equal.
function compareRowsFor(strategy: ClaimStrategy): (a: Row, b: Row) => number {
  const text = (r: Row): string => String(r["run_after_utc"]);
  const num = (r: Row, k: string): number => Number(r[k]);
  const byTime = (a: Row, b: Row): number => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0);
  switch (strategy) {
    case "FIFO":
      return (a, b) => byTime(a, b) || num(a, "id") - num(b, "id");
    case "LIFO":
      return (a, b) => byTime(b, a) || num(b, "id") - num(a, "id");
    default:
      return (a, b) => num(a, "priority") - num(b, "priority") || byTime(a, b) || num(a, "id") - num(b, "id");
  }
}

/** The statements of the database's dialect, as the worker's {@link BatchOperations}. @internal */
export function dialectBatchOperations(ctx: OperationsContext): BatchOperations {
  const { workerId, settings } = ctx;
  const sql = ctx.db.dialect.transitions;
  const features = ctx.db.dialect.features;
  const limitedTypes = new LimitedTypes(ctx.random);
  const log = { ifPreviousChanged: true, dialect: ctx.db.dialect } as const;
  const { strategy } = settings;
  // "all": every transition; "failures": retries, failures and dead-letters only (a claim, a
  // completion and a release then write just the task row, which keeps times and worker).
  const level = taskLogLevel(settings.taskLogs);
  const taskLogs = level === "all";
  const failureLogs = level !== "none";
  const capabilities = JSON.stringify(settings.capabilities);
  const compare = compareRowsFor(strategy);
  // Expired leases are swept inside a claim's batch, but not in every one: a claim that took all
  // it asked for sweeps at most every `sweepMs`, so a busy queue pays the sweep's statement about
  // once a second instead of once per task (measured: ~8–13 µs of a ~90 µs round). The first claim
  // and every claim after one that came back short still sweep, so an idle or draining worker
  // picks up an expired task as soon as it did before; a busy one within `sweepMs` of expiry.
  const sweepMs = Math.min(RECLAIM_SWEEP_MS, settings.leaseMs);
  let sweptAt = -Infinity;
  let lastShort = true;
  const fence = (task: Task, now: number): Fence => ({ id: task.id, leaseToken: task.leaseToken, now: toSqlTime(now) });
  const details = (task: Task): Record<string, unknown> => ({ worker_id: workerId, attempt: task.attempts, lease_token: task.leaseToken });
  return {
    claim(limit, now) {
      const nowText = toSqlTime(now);
      const params: ClaimParams = {
        workerId,
        now: nowText,
        leaseUntil: toSqlTime(now + settings.leaseMs),
        types: ctx.types(),
        capabilities,
      };
      // A clock that went back (an injected one) sweeps too, rather than waiting for it to catch up.
      const sweep = lastShort || now - sweptAt >= sweepMs || now < sweptAt;
      if (sweep) sweptAt = now;
      // Until this claim's results come back it counts as short: if its batch fails (and a sweep
      // in it is rolled back), the next claim sweeps.
      lastShort = true;
      const stmts: Statement[] = sweep ? sql.reclaimExpired(nowText, settings.crashPolicy) : [];
      const claimAt: number[] = [];
      const add = (claim: Statement[], fromEnd = 1): void => {
        stmts.push(...claim);
        claimAt.push(stmts.length - fromEnd); // the claim is the last of its statements (rate-limited: second to last)
      };
      // Rate-limited types (src/controls/limited.ts): their own claims, first for ordered strategies.
      const limited = limitedTypes.claimable(params.types);
      const batchId = limited.length > 0 ? limitedTypes.nextBatchId(workerId) : undefined;
      const addLimited = (): void => {
        for (const type of limited) add(features.claimLimited(strategy, { ...params, batchId }, type, limit, taskLogs), 2);
      };
      if (strategy === "WEIGHTED_RANDOM") {
        for (let i = 0; i < limit; i++) add(sql.claimWeightedRandom(params, ctx.random(), taskLogs));
        addLimited();
      } else {
        addLimited();
        add(sql.claimOrdered(strategy, limited.length > 0 ? { ...params, batchId } : params, limit, taskLogs));
      }
      const limitedAt = stmts.push(features.selectLimitedTypes()) - 1;
      return {
        stmts,
        tasks: (results) => {
          limitedTypes.update(results[limitedAt]!.rows);
          const rows = claimAt.flatMap((i) => [...results[i]!.rows]);
          lastShort = rows.length < limit;
          // RETURNING gives rows in no promised order; weighted draws keep the order they were drawn in.
          if (strategy !== "WEIGHTED_RANDOM") rows.sort(compare);
          return rows.map((row) => rowToTask(row));
        },
      };
    },
    record(task, outcome, now) {
      const f = fence(task, now);
      if (outcome.status === "completed") {
        const stmt = sql.completeTask(f);
        // A result is stored first, under the same fence: its `changes` then says whether the lease held.
        const result = outcome.result == null ? [] : [ctx.db.dialect.features.setResult(f, outcome.result)];
        return taskLogs ? [...result, stmt, taskTransitionLogInsert(task.id, "processing", "completed", details(task), now, log)] : [...result, stmt];
      }
      const stmt =
        outcome.status === "queued"
          ? sql.retryTask(f, toSqlTime(outcome.runAfter), outcome.errorText)
          : sql.finishFailed(f, outcome.status, outcome.errorText);
      if (!failureLogs) return [stmt];
      return [
        stmt,
        taskErrorLogInsert(task.id, outcome.error, details(task), now, log),
        outcome.status === "queued"
          ? taskRetryLogInsert(task.id, task.attempts, task.maxAttempts, outcome.runAfter, details(task), now, log)
          : taskTransitionLogInsert(task.id, "processing", outcome.status, details(task), now, log),
      ];
    },
    completeMany(tasks, now) {
      return sql.completeMany(tasks, toSqlTime(now), taskLogs ? workerId : null);
    },
    release(task, now) {
      const stmt = sql.releaseTask(fence(task, now));
      if (!taskLogs) return [stmt];
      const logDetails = { ...details(task), reason: "released_unstarted" };
      return [stmt, taskTransitionLogInsert(task.id, "processing", "queued", logDetails, now, log)];
    },
  };
}

/** The worker's operations on its {@link QueueDatabase}, in the statements of `db.dialect`. @internal */
export function dialectWorkerOperations(ctx: OperationsContext): WorkerOperations {
  const { db } = ctx;
  const batch = dialectBatchOperations(ctx);
  const run = async (stmts: readonly Statement[]): Promise<ExecResult> =>
    stmts.length === 1 ? db.run(stmts[0]!) : (await db.batch(stmts))[0]!;
  return {
    batch,
    async claim(limit, now) {
      const plan = batch.claim(limit, now);
      return plan.tasks(await db.batch(plan.stmts));
    },
    async renew(task, now, until) {
      const r = await db.run(db.dialect.transitions.renewLease({ id: task.id, leaseToken: task.leaseToken, now: toSqlTime(now) }, toSqlTime(until)));
      return r.changes > 0;
    },
    async record(task, outcome, now) {
      return (await run(batch.record(task, outcome, now))).changes > 0;
    },
    async status(taskId) {
      const r = await db.run(db.dialect.reads.selectTask(taskId));
      return r.rows[0]?.["status"] as TaskStatus | undefined;
    },
  };
}
