/**
 * Pieces both managers share, so they fail, retry and report the same way.
 *
 * @module
 */
import { type Backoff } from "../backoff.ts";
import { QueueValidationError } from "../errors.ts";
import type { BackoffOptions } from "../options.ts";
import type { QueueDatabase } from "../database.ts";
import type { SqlValue } from "../driver.ts";

/** Retry delays of task-manager runs: 1 s, 2 s, 4 s … up to a minute (the queue default is minutes). */
export const TASK_MANAGER_BACKOFF: Backoff = Object.freeze({ baseMs: 1_000, factor: 2, maxMs: 60_000, jitter: 0.1 });

/** Executions per run, including the first, unless the run or the manager says otherwise. */
export const DEFAULT_RUN_MAX_ATTEMPTS = 3;

/** The stored error text: the same `Name: message` form the queue worker writes. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > 8000 ? `${text.slice(0, 8000)}…` : text;
}

/** Backoff options over {@link TASK_MANAGER_BACKOFF}. */
export function resolveBackoff(o: BackoffOptions | undefined): Backoff {
  const b = { ...TASK_MANAGER_BACKOFF, ...o };
  if (!(b.baseMs >= 0 && b.factor >= 1 && b.maxMs >= b.baseMs && b.jitter >= 0 && b.jitter <= 1)) {
    throw new QueueValidationError("invalid task manager backoff", [`backoff: ${JSON.stringify(o)}`]);
  }
  return b;
}

/** A run's max attempts: an integer from 1 to 1000. */
export function checkMaxAttempts(n: number | undefined, fallback: number): number {
  const v = n ?? fallback;
  if (!Number.isInteger(v) || v < 1 || v > 1000) {
    throw new QueueValidationError("invalid run options", [`maxAttempts: must be an integer from 1 to 1000, got ${String(v)}`]);
  }
  return v;
}

/** Counts waiting runs by module id. */
export function countByModule(runs: readonly { moduleId: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of runs) out[r.moduleId] = (out[r.moduleId] ?? 0) + 1;
  return out;
}

/** Rows of these tasks, read 500 ids at a time through the database's dialect (any engine). */
export async function selectTasksByIds(
  db: QueueDatabase,
  ids: readonly number[],
): Promise<readonly Readonly<Record<string, SqlValue>>[]> {
  const rows: Readonly<Record<string, SqlValue>>[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    rows.push(...(await db.run(db.dialect.reads.selectTasksByIds(ids.slice(i, i + 500)))).rows);
  }
  return rows;
}
