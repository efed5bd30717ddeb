/**
 * The deliberately broken queue variants, each with the property that must catch it and the
 * reason it must fail for. `conformance/self-test.ts` runs them.
 *
 * @module
 */
import type { QueueDatabase } from "../../src/database.ts";
import type { QueueWorkerOptions } from "../../src/worker.ts";
import type { Category } from "../model/model.ts";
import { PROPERTY, type PropertyName } from "../model/properties.ts";
import type { QueueOps } from "../queue/ops.ts";
import { BackoffOffByOneWorker } from "./backoff-off-by-one.ts";
import type { BrokenWorkerBase } from "./base.ts";
import { RacyClaimWorker } from "./racy-claim.ts";
import { TieOrderWorker } from "./tie-order.ts";
import { UncountedReclaimWorker } from "./uncounted-reclaim.ts";
import { UnfencedWorker } from "./unfenced-writes.ts";

/** A broken variant and where the suite must catch it. */
export interface BrokenVariant {
  readonly name: string;
  readonly bug: string;
  readonly ops: QueueOps;
  /** The property that must fail on it… */
  readonly caughtBy: PropertyName;
  /** …with a violation of this category. */
  readonly reason: Category;
}

const ops = (name: string, W: new (db: QueueDatabase, o: QueueWorkerOptions) => BrokenWorkerBase): QueueOps => ({
  name,
  createWorker: (db, o) => new W(db, o),
});

export const BROKEN_VARIANTS: readonly BrokenVariant[] = [
  {
    name: "racy select-then-update claim",
    bug: "SELECT ids, await, then UPDATE each id without re-checking status",
    ops: ops("RacyClaimWorker", RacyClaimWorker),
    caughtBy: PROPERTY.concurrencyOneConnection,
    reason: "exactly-once",
  },
  {
    name: "unfenced complete/fail",
    bug: "complete and fail ignore lease_token and lease expiry",
    ops: ops("UnfencedWorker", UnfencedWorker),
    caughtBy: PROPERTY.noDuplicateExecution,
    reason: "no-duplicate-execution",
  },
  {
    name: "PRIORITY ties broken by id DESC",
    bug: "ORDER BY priority, run_after_utc, id DESC",
    ops: ops("TieOrderWorker", TieOrderWorker),
    caughtBy: PROPERTY.ordering,
    reason: "strategy-ordering",
  },
  {
    name: "backoff off by one attempt",
    bug: "retry delay computed with backoffMs(attempts + 1)",
    ops: ops("BackoffOffByOneWorker", BackoffOffByOneWorker),
    caughtBy: PROPERTY.backoff,
    reason: "backoff",
  },
  {
    name: "reclaim that does not count the attempt",
    bug: "expired leases requeued with attempts - 1, never failed",
    ops: ops("UncountedReclaimWorker", UncountedReclaimWorker),
    caughtBy: PROPERTY.leaseExpiry,
    reason: "lease-expiry",
  },
];
