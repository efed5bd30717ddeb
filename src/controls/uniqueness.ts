/**
 * Uniqueness windows: how an enqueue with an idempotency key is written, by key mode.
 *
 * | `keyMode` | the key holds | a second enqueue with it while it holds |
 * |---|---|---|
 * | `permanent` (default) | for ever | returns the first task's id, stores nothing |
 * | `window` | for `keyWindowMs` after the enqueue | same |
 * | `active` | while its task is queued or processing | same |
 * | `replace` | while its task is queued or processing | a queued holder takes the new payload and options in place (same id); a processing one keeps running and the key moves to a new task |
 *
 * Whatever the new enqueue's mode, a key that has lapsed on the task holding it (window passed,
 * or an `active`/`replace` task finished) is taken off that task first, in the same batch
 * (kept in its `lapsed_key` column), so the check and the insert are one transaction.
 *
 * @module
 */
import { toSqlTime } from "../clock.ts";
import type { QueueDialect } from "../dialect/dialect.ts";
import type { KeyLapse } from "../dialect/features.ts";
import type { InsertTask } from "../dialect/types.ts";
import type { Statement } from "../driver.ts";
import { QueueValidationError } from "../errors.ts";

/** How long an idempotency key holds; see the module doc. */
export const KEY_MODES = ["permanent", "window", "active", "replace"] as const;
/** One of {@link KEY_MODES}. */
export type KeyMode = (typeof KEY_MODES)[number];

/** The statements of one task's enqueue and where its results are. @internal */
export interface KeyedInsert {
  readonly stmts: Statement[];
  /** Index of the INSERT (changes 1: new task). */
  readonly insert: number;
  /** Index of the lookup of the key's task id, or null without a key. */
  readonly lookup: number | null;
}

/** Checks the key options of one enqueue; `where` prefixes messages. @internal */
export function checkKeyOptions(key: string | undefined, mode: KeyMode | undefined, windowMs: number | undefined, where: string): void {
  if (mode !== undefined && mode !== "permanent" && key === undefined) {
    throw new QueueValidationError(`${where}keyMode "${mode}" needs an idempotencyKey`);
  }
  if (mode === "window" && windowMs === undefined) throw new QueueValidationError(`${where}keyMode "window" needs keyWindowMs`);
  if (windowMs !== undefined && mode !== "window") throw new QueueValidationError(`${where}keyWindowMs goes with keyMode "window"`);
}

/** The statements of one enqueue by key mode (see the module doc). @internal */
export function keyedInsert(d: QueueDialect, t: InsertTask, mode: KeyMode | undefined, windowMs: number | undefined, now: number): KeyedInsert {
  const key = t.idempotencyKey;
  if (key === null) return { stmts: [d.transitions.insertTask(t)], insert: 0, lookup: null };
  const lapse = d.features.lapseKey(key, t.now, mode === "replace");
  const lookup = d.transitions.selectIdByIdempotencyKey(key);
  if (mode === undefined || mode === "permanent") {
    return { stmts: [lapse, d.transitions.insertTask(t), lookup], insert: 1, lookup: 2 };
  }
  const l: KeyLapse =
    mode === "window" ? { until: toSqlTime(now + (windowMs ?? 0)), whileActive: false } : { until: null, whileActive: true };
  if (mode === "replace") {
    return { stmts: [lapse, d.features.replaceQueued(t, l), d.features.insertKeyedTask(t, l), lookup], insert: 2, lookup: 3 };
  }
  return { stmts: [lapse, d.features.insertKeyedTask(t, l), lookup], insert: 1, lookup: 2 };
}
