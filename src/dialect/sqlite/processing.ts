/**
 * How SQLite queries find `processing` rows since schema 11, which has no index of its own for
 * them: through `ix_task_type_status (type, status, …)`, one seek per task type.
 *
 * The partial index `ix_task_processing_lease` it replaces took an entry at every claim and lost
 * it at every completion: one more B-tree page in the WAL on each round of a worker (5.65 → 4.65
 * pages per claim + completion), and ~8% of a default worker's drain. Processing rows are few (at
 * most the tasks in flight) and every type's lie together in `ix_task_type_status`, so a query
 * that needs them walks the distinct types (one seek each, a handful in practice) and reads each
 * type's processing range; none of them runs in a worker's round except the once-a-second sweep
 * of expired leases.
 *
 * The price is a walk that grows with the number of distinct types in the table (finished ones
 * included, until purged). Measured, the lease sweep with nothing expired, 200 rows per type: 14,
 * 22, 76 and 1,194 µs at 1, 10, 100 and 1,000 types, against ~10 µs with the old index whatever
 * the count. A worker sweeps at most about once a second (and at each poll while idle, every
 * second by default), so even 1,000 types cost ~0.1% of a worker's time.
 *
 * @internal
 * @module
 */

// Every type present in task_queue, in order: one seek per type on ix_task_type_status. `min()`
// takes SQLite's one-seek path; measured at 1,000 types, 0.49 ms for the walk against 0.72 ms
// with `ORDER BY type LIMIT 1`.
const HELD_TYPES =
  `WITH RECURSIVE held_types(t) AS (` +
  `SELECT (SELECT min(type) FROM task_queue INDEXED BY ix_task_type_status)` +
  ` UNION ALL SELECT (SELECT min(type) FROM task_queue INDEXED BY ix_task_type_status WHERE type > held_types.t)` +
  ` FROM held_types WHERE held_types.t IS NOT NULL)`;

/**
 * A subquery of the processing rows' `columns` (columns of the alias `p`), optionally narrowed by
 * `where` (on `p`): each type's processing range of `ix_task_type_status`, never a table scan.
 */
export function processingRows(columns: string, where?: string): string {
  return (
    // CROSS JOIN keeps the types as the outer loop (left to itself the planner may scan the
    // index and look each row's type up in the CTE).
    `${HELD_TYPES} SELECT ${columns} FROM held_types CROSS JOIN task_queue AS p INDEXED BY ix_task_type_status` +
    ` WHERE p.type = held_types.t AND p.status = 'processing' AND held_types.t IS NOT NULL${where === undefined ? "" : ` AND (${where})`}`
  );
}
