/**
 * Progress and result writes of a lease holder, fenced like every holder's write (`./fence.ts`):
 * a stale holder's write changes zero rows.
 *
 * @internal
 * @module
 */
import type { Statement } from "../../driver.ts";
import type { Fence } from "../types.ts";
import { FENCE, fenceParams } from "./fence.ts";

const PROGRESS_SQL = `UPDATE task_queue SET progress = ?, updated_at_utc = ? ${FENCE}`;
const RESULT_SQL = `UPDATE task_queue SET result = ? ${FENCE}`;

/** Stores progress (JSON text) on a held task. */
export function setProgress(f: Fence, progress: string): Statement {
  return { sql: PROGRESS_SQL, params: [progress, f.now, ...fenceParams(f)] };
}

/** Stores the result (JSON text) on a held task, just before its completion in the same batch. */
export function setResult(f: Fence, result: string): Statement {
  return { sql: RESULT_SQL, params: [result, ...fenceParams(f)] };
}
