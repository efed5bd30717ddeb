/**
 * Renew: a lease holder extends its lease (no status change, so no log row). Fenced like every
 * holder's write.
 *
 * @internal
 * @module
 */
import type { Statement } from "../../driver.ts";
import type { Fence } from "../types.ts";
import { FENCE, fenceParams } from "./fence.ts";

// Built once: the driver's statement cache then hashes the same string object every time.
const RENEW_SQL = `UPDATE task_queue SET lease_until_utc = ?, updated_at_utc = ? ${FENCE}`;

/** Extends a held lease. */
export function renewLease(f: Fence, leaseUntil: string): Statement {
  return { sql: RENEW_SQL, params: [leaseUntil, f.now, ...fenceParams(f)] };
}
