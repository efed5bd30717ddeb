/**
 * Renew on PostgreSQL: a lease holder extends its lease, fenced (no status change, no log row).
 *
 * @internal
 * @module
 */
import type { Statement } from "../../driver.ts";
import type { Fence } from "../types.ts";
import { FENCE, fenceParams } from "./fence.ts";
import { TS } from "./time.ts";

const RENEW_SQL = `UPDATE task_queue SET lease_until_utc = ${TS}, updated_at_utc = ${TS} ${FENCE}`;

/** Extends a held lease. */
export function renewLease(f: Fence, leaseUntil: string): Statement {
  return { sql: RENEW_SQL, params: [leaseUntil, f.now, ...fenceParams(f)] };
}
