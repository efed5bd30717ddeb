/**
 * What the deliberately broken workers share: a `QueueWorker` subclass that keeps the database
 * and options it was made with, so an override can write its own (wrong) SQL.
 *
 * These exist only to prove the suite can fail (see `conformance/self-test.ts`). Never use them.
 *
 * @module
 */
import { type Backoff, DEFAULT_BACKOFF } from "../../src/backoff.ts";
import { toSqlTime } from "../../src/clock.ts";
import type { QueueDatabase } from "../../src/database.ts";
import type { SqlValue } from "../../src/driver.ts";
import type { ClaimStrategy } from "../../src/strategies.ts";
import { rowToTask, type Task } from "../../src/task.ts";
import { QueueWorker, type QueueWorkerOptions } from "../../src/worker.ts";

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

/** A worker whose overrides can reach the database and the options. */
export class BrokenWorkerBase extends QueueWorker {
  protected readonly db: QueueDatabase;
  protected readonly options: QueueWorkerOptions;

  constructor(db: QueueDatabase, options: QueueWorkerOptions = {}) {
    super(db, options);
    this.db = db;
    this.options = options;
  }

  protected get strategy(): ClaimStrategy {
    return this.options.strategy ?? "PRIORITY";
  }

  protected get leaseMs(): number {
    return this.options.leaseMs ?? 30_000;
  }

  protected get backoff(): Backoff {
    return { ...DEFAULT_BACKOFF, ...this.options.backoff };
  }

  protected get random(): () => number {
    return this.options.random ?? Math.random;
  }

  /** Parameters of {@link CLAIM_SET} at `now`. */
  protected claimSetParams(now: number): string[] {
    const t = toSqlTime(now);
    return [this.workerId, toSqlTime(now + this.leaseMs), t, t, t];
  }

  protected static tasks(rows: readonly Readonly<Record<string, SqlValue>>[]): Task[] {
    return rows.map((row) => rowToTask(row));
  }
}
