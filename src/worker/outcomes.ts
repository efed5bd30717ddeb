/**
 * The outcome writer: decides what a finished run writes (completed, retried after the backoff,
 * failed, dead-lettered) and writes it under the lease fence, either at once or by group
 * commit: finished outcomes wait for the claim loop's next transaction and go out with the
 * claim that refills their slots, completions as one set-based write.
 *
 * @module
 */
import { type Backoff, backoffMs } from "../backoff.ts";
import type { Clock } from "../clock.ts";
import type { QueueDatabase } from "../database.ts";
import type { ExecResult, Statement } from "../driver.ts";
import { describeError, isQueueError, LeaseLostError } from "../errors.ts";
import type { Task } from "../task.ts";
import { encodeResult } from "../progress.ts";
import type { BatchOperations, WorkerOperations } from "./operations.ts";
import type { WorkerReporter } from "./reporter.ts";
import type { ErrorClass, Outcome, OutcomeRecord } from "./types.ts";

/** The status an outcome wrote. */
export type OutcomeStatus = OutcomeRecord["status"];

/** An outcome waiting for the claim loop's next transaction. */
interface PendingOutcome {
  readonly task: Task;
  readonly outcome: Outcome;
  resolve(status: OutcomeStatus): void;
  reject(err: unknown): void;
}

/** What one group-commit round writes besides its outcomes. @internal */
export interface RoundRequest {
  /** Tasks to claim (0: none). */
  readonly want: number;
  readonly now: number;
  /** Claimed tasks that never started, handed back to the queue. */
  readonly release: readonly Task[];
}

/** Settings of an {@link OutcomeWriter}. @internal */
export interface OutcomeWriterOptions {
  readonly db: QueueDatabase;
  readonly ops: WorkerOperations;
  readonly reporter: WorkerReporter;
  readonly backoff: Backoff;
  readonly random: () => number;
  readonly nonRetryable: readonly ErrorClass[];
  /** Called when an outcome is queued, so the loop wakes and writes it. */
  readonly wake: () => void;
}

/** Decides and writes task outcomes, at once or grouped. @internal */
export class OutcomeWriter {
  readonly #o: OutcomeWriterOptions;
  readonly #clock: Clock;
  /** Outcomes waiting for the claim loop's next transaction. */
  readonly #pending: PendingOutcome[] = [];
  /** When the oldest waiting outcome arrived. */
  #since = 0;

  constructor(options: OutcomeWriterOptions) {
    this.#o = options;
    this.#clock = options.db.clock;
  }

  /** Outcomes waiting to be written. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /** When the oldest waiting outcome arrived (meaningful while {@link pendingCount} > 0). */
  get pendingSince(): number {
    return this.#since;
  }

  /**
   * What a run's outcome writes at `now`: `dead_letter` for a non-retryable error, a retry after
   * the backoff while attempts remain, else `failed`.
   */
  decide(task: Task, outcome: Outcome, now: number): OutcomeRecord {
    if (outcome.ok) return outcome.result === undefined ? COMPLETED : { status: "completed", result: encodeResult(outcome.result) };
    const { error } = outcome;
    const errorText = describeError(error);
    if (this.#isNonRetryable(error)) return { status: "dead_letter", error, errorText };
    if (task.attempts < task.maxAttempts) {
      return { status: "queued", error, errorText, runAfter: now + backoffMs(task.attempts, this.#o.backoff, this.#o.random) };
    }
    return { status: "failed", error, errorText };
  }

  /** Writes one outcome on its own; {@link LeaseLostError} if the lease is no longer held. */
  async writeNow(task: Task, outcome: Outcome): Promise<OutcomeStatus> {
    const now = this.#clock.now();
    const record = this.decide(task, outcome, now);
    if (!(await this.#o.ops.record(task, record, now))) throw new LeaseLostError(task.id);
    this.#o.reporter.recorded(task, record);
    return record.status;
  }

  /** Queues an outcome for the claim loop's next round and wakes the loop. */
  queue(task: Task, outcome: Outcome): Promise<OutcomeStatus> {
    return new Promise<OutcomeStatus>((resolve, reject) => {
      if (this.#pending.length === 0) this.#since = this.#clock.now();
      this.#pending.push({ task, outcome, resolve, reject });
      this.#o.wake();
    });
  }

  /**
   * One transaction: the waiting outcomes (if `flush`), the releases, then (if `want` > 0) a
   * claim. Each outcome keeps its own fence, so a refused result is refused alone. If the
   * transaction fails, each outcome is retried on its own, so one bad write cannot hold the
   * others back, and the claim's error is thrown to the loop.
   */
  async round(batch: BatchOperations, flush: boolean, req: RoundRequest): Promise<Task[]> {
    const { want, now, release } = req;
    const outcomes = flush ? this.#pending.splice(0) : [];
    // Completions share one set-based write; failures keep their own statements (each needs its
    // error text and backoff), as does a lone completion.
    // A completion with a result to store goes on its own (its result statement comes first).
    const oks = outcomes.filter((o) => o.outcome.ok && o.outcome.result === undefined);
    const many = oks.length > 1 ? batch.completeMany(oks.map((o) => o.task), now) : null;
    const singles = many === null ? outcomes : outcomes.filter((o) => !oks.includes(o));
    const writes: { o: PendingOutcome; record: OutcomeRecord; stmts: Statement[] }[] = [];
    for (const o of singles) {
      try {
        const record = this.decide(o.task, o.outcome, now);
        writes.push({ o, record, stmts: batch.record(o.task, record, now) });
      } catch (err) {
        o.reject(err);
      }
    }
    const releases = release.flatMap((task) => batch.release(task, now));
    const claim = want > 0 ? batch.claim(want, now) : null;
    const stmts = [...(many ?? []), ...writes.flatMap((w) => w.stmts), ...releases, ...(claim?.stmts ?? [])];
    if (stmts.length === 0) return [];
    let results: readonly ExecResult[];
    try {
      results = stmts.length === 1 ? [await this.#o.db.run(stmts[0]!)] : await this.#o.db.batch(stmts);
    } catch (err) {
      for (const o of [...(many === null ? [] : oks), ...writes.map((w) => w.o)]) this.writeNow(o.task, o.outcome).then(o.resolve, o.reject);
      // Unreleased tasks stay leased to this worker and are reclaimed when the lease runs out.
      if (release.length > 0) this.#o.reporter.error(err, "release");
      if (claim === null) return [];
      throw err;
    }
    let at = 0;
    if (many !== null) {
      at += many.length;
      const done = new Set(results[at - 1]!.rows.map((row) => Number(row["id"])));
      for (const o of oks) {
        if (done.has(o.task.id)) {
          this.#o.reporter.recorded(o.task, COMPLETED);
          o.resolve("completed");
        } else {
          o.reject(new LeaseLostError(o.task.id));
        }
      }
    }
    for (const { o, record, stmts: own } of writes) {
      if (results[at]!.changes === 0) {
        o.reject(new LeaseLostError(o.task.id));
      } else {
        this.#o.reporter.recorded(o.task, record);
        o.resolve(record.status);
      }
      at += own.length;
    }
    if (release.length > 0) this.#o.reporter.released(release.length);
    at += releases.length;
    if (claim === null) return [];
    const tasks = claim.tasks(results.slice(at));
    this.#o.reporter.claimed(tasks);
    return tasks;
  }

  #isNonRetryable(error: unknown): boolean {
    if (isQueueError(error, "NON_RETRYABLE")) return true;
    return this.#o.nonRetryable.some((cls) => {
      try {
        return error instanceof cls;
      } catch {
        return false; // e.g. a revoked Proxy thrown by a handler
      }
    });
  }
}

const COMPLETED: OutcomeRecord = Object.freeze({ status: "completed" });
