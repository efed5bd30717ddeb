/**
 * The deliberately broken queue variants, each with the property that must catch it and the
 * reason it must fail for. `conformance/self-test.ts` runs them.
 *
 * @module
 */
import { QueueWorker } from "../../src/worker.ts";
import type { OperationsFactory } from "../../src/worker/operations.ts";
import type { Category } from "../model/model.ts";
import { PROPERTY, type PropertyName } from "../model/properties.ts";
import type { QueueOps } from "../queue/ops.ts";
import { backoffOffByOne } from "./backoff-off-by-one.ts";
import { racyClaim } from "./racy-claim.ts";
import { tieOrder } from "./tie-order.ts";
import { uncountedReclaim } from "./uncounted-reclaim.ts";
import { unfencedWrites } from "./unfenced-writes.ts";

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

/** A real QueueWorker running the variant's operations (injected, not subclassed). */
const ops = (name: string, operations: OperationsFactory): QueueOps => ({
  name,
  createWorker: (db, o) => new QueueWorker(db, o, operations),
});

export const BROKEN_VARIANTS: readonly BrokenVariant[] = [
  {
    name: "racy select-then-update claim",
    bug: "SELECT ids, await, then UPDATE each id without re-checking status",
    ops: ops("racy claim", racyClaim),
    caughtBy: PROPERTY.concurrencyOneConnection,
    reason: "exactly-once",
  },
  {
    name: "unfenced complete/fail",
    bug: "complete and fail ignore lease_token and lease expiry",
    ops: ops("unfenced writes", unfencedWrites),
    caughtBy: PROPERTY.noDuplicateExecution,
    reason: "no-duplicate-execution",
  },
  {
    name: "PRIORITY ties broken by id DESC",
    bug: "ORDER BY priority, run_after_utc, id DESC",
    ops: ops("tie order", tieOrder),
    caughtBy: PROPERTY.ordering,
    reason: "strategy-ordering",
  },
  {
    name: "backoff off by one attempt",
    bug: "retry delay computed with backoffMs(attempts + 1)",
    ops: ops("backoff off by one", backoffOffByOne),
    caughtBy: PROPERTY.backoff,
    reason: "backoff",
  },
  {
    name: "reclaim that does not count the attempt",
    bug: "expired leases requeued with attempts - 1, never failed",
    ops: ops("uncounted reclaim", uncountedReclaim),
    caughtBy: PROPERTY.leaseExpiry,
    reason: "lease-expiry",
  },
];
