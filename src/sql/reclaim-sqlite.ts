/**
 * Former path of the one reclaim statement; it lives in `src/dialect/sqlite/reclaim.ts`.
 *
 * @internal
 * @module
 */
export { type Reclaim, type ReclaimPolicy, type ReclaimScope, reclaimExpired, reclaimTasks } from "../dialect/sqlite/reclaim.ts";
