/**
 * The fence every lease holder's write carries: id, lease token, `processing` and an unexpired
 * lease, so a stale holder's write changes zero rows (as on SQLite).
 *
 * @internal
 * @module
 */
import type { SqlValue } from "../../driver.ts";
import type { Fence } from "../types.ts";
import { TS } from "./time.ts";

/** The WHERE of a fenced write; its parameters are {@link fenceParams}. */
export const FENCE: string = `WHERE id = ? AND lease_token = ? AND status = 'processing' AND lease_until_utc > ${TS}`;

/** Parameters of {@link FENCE}. */
export const fenceParams = (f: Fence): SqlValue[] => [f.id, f.leaseToken, f.now];
