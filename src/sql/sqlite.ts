/**
 * The queue's SQLite statement builders at their former path, kept so importers (the worker,
 * the broken conformance variants) compile while they move to `db.dialect`. The statements live
 * in `src/dialect/sqlite/`, one file per operation; new code asks `db.dialect`.
 *
 * @internal
 * @module
 */
export { type InsertTask, insertTask, selectIdByIdempotencyKey } from "../dialect/sqlite/enqueue.ts";
export { type ClaimParams, claimOrdered, claimWeightedRandom } from "../dialect/sqlite/claim.ts";
export { reclaimExpired } from "../dialect/sqlite/reclaim.ts";
export {
  completeMany,
  completeTask,
  type Fence,
  finishFailed,
  type Held,
  releaseTask,
  retryTask,
} from "../dialect/sqlite/outcome.ts";
export { renewLease } from "../dialect/sqlite/renew.ts";
export { cancelTask, requeueTask } from "../dialect/sqlite/cancel-retry.ts";
export {
  anyActive,
  countActive,
  countByStatus,
  type ListFilter,
  listTasks,
  selectActiveIds,
  selectTask,
} from "../dialect/sqlite/read.ts";
