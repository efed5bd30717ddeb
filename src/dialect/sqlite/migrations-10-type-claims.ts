/**
 * Migration 10: claims walk each of the worker's task types on its own, so a worker never walks
 * past the queued backlog of types it does not handle. Before, every claim walked the type-blind
 * `ix_task_status_prio_time` and checked each row's type: measured, a PRIORITY claim behind
 * 20,000 queued tasks of another type took ~5 ms instead of ~0.1 ms.
 *
 * - `ix_task_type_status` keeps its name and its leading `(type, status)`, so it still covers every
 *   count by type and status, and grows the claim order `(priority, run_after_utc, id)`: a typed
 *   PRIORITY claim seeks `type = ? AND status = 'queued'` and reads rows already in order. No new
 *   B-tree: a claim and a completion move this index's entry as they did before.
 * - `ix_task_queued_time` (FIFO/LIFO, created by the first such claim) is replaced by
 *   `ix_task_type_queued_time (type, run_after_utc, id) WHERE status = 'queued'`, again made by
 *   the first FIFO or LIFO claim (src/dialect/sqlite/claim.ts).
 *
 * @internal
 * @module
 */
import { TYPE_CLAIM_INDEXES } from "../type-claim-indexes.ts";
import type { Migration } from "../types.ts";

/** Migration 10: type-led claim indexes. Never edited once released. */
export const MIGRATION_10_TYPE_CLAIMS: Migration = Object.freeze({
  version: 10,
  statements: TYPE_CLAIM_INDEXES,
});
