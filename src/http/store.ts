/**
 * The queries the HTTP API needs that the core does not offer: cursor paging with an allow-listed
 * sort, a filtered bulk retry, the dashboard timeline, the last run of a task, health. Every
 * statement is fixed text with `?` parameters; request input only ever picks from the maps here.
 *
 * @module
 */
import { fromSqlTime, toSqlRunAfter, toSqlTime } from "../clock.ts";
import type { QueueDatabase } from "../database.ts";
import type { SqlValue } from "../driver.ts";
import { QueueValidationError } from "../errors.ts";
import { decodeJson } from "../dialect/json.ts";
import { readOldestWaitingAgeMs, readStatusCounts } from "../observability/queue-figures.ts";
import { rowToTask, type Task, TASK_STATUSES, type TaskStatus } from "../task.ts";
import type { HealthView, ListQuery, TaskLogView, TaskView, TimelineView } from "./schemas.ts";

/** Allow-list: API sort field → column. Nothing else reaches the ORDER BY. */
const SORT_COLUMNS = {
  id: "id",
  createdAt: "created_at_utc",
  updatedAt: "updated_at_utc",
  priority: "priority",
  finishedAt: "finished_at_utc",
} as const;

/** The API's view of a stored task (internal lease fields left out). */
export function toTaskView(t: Task): TaskView {
  return {
    id: t.id,
    type: t.type,
    priority: t.priority,
    payload: t.payload,
    compatibility: t.compatibility,
    status: t.status,
    attempts: t.attempts,
    maxAttempts: t.maxAttempts,
    runAfter: t.runAfter,
    leaseUntil: t.leaseUntil,
    processingStartedAt: t.processingStartedAt,
    finishedAt: t.finishedAt,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    lockedBy: t.lockedBy,
    errorMessage: t.errorMessage,
    idempotencyKey: t.idempotencyKey,
  };
}

function encodeCursor(value: SqlValue, id: number): string {
  const json = JSON.stringify([typeof value === "bigint" ? Number(value) : value, id]);
  return btoa(json).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function decodeCursor(cursor: string): [SqlValue, number] {
  const bad = () => new QueueValidationError("invalid cursor", ["cursor: not a cursor this API returned"]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw bad();
  const [value, id] = parsed as unknown[];
  if (!(value === null || typeof value === "string" || typeof value === "number")) throw bad();
  if (typeof id !== "number" || !Number.isSafeInteger(id)) throw bad();
  return [value, id];
}

/**
 * One page of tasks in a stable order: the sort column, then id as tie-breaker. The cursor holds
 * the last row's (value, id), so a page never repeats or skips a row that did not move.
 */
export async function listPage(db: QueueDatabase, q: ListQuery): Promise<{ tasks: TaskView[]; nextCursor: string | null }> {
  const column = SORT_COLUMNS[q.sort ?? "id"];
  const desc = q.order === "desc";
  const limit = q.limit ?? 50;
  const where: string[] = [];
  const params: SqlValue[] = [];
  const statuses = q.status === undefined ? [] : [...new Set(q.status.split(","))];
  if (statuses.length > 0) {
    where.push(`status IN (${statuses.map(() => "?").join(", ")})`);
    params.push(...statuses);
  }
  if (q.type !== undefined) {
    where.push("type = ?");
    params.push(q.type);
  }
  if (q.cursor !== undefined) {
    const [value, id] = decodeCursor(q.cursor);
    const cmp = desc ? "<" : ">";
    if (column === "id") {
      where.push(`id ${cmp} ?`);
      params.push(id);
    } else if (value === null) {
      // NULLs sort first ascending and last descending in SQLite.
      where.push(desc ? `(${column} IS NULL AND id < ?)` : `((${column} IS NULL AND id > ?) OR ${column} IS NOT NULL)`);
      params.push(id);
    } else {
      where.push(
        desc
          ? `(${column} < ? OR (${column} = ? AND id < ?) OR ${column} IS NULL)`
          : `(${column} > ? OR (${column} = ? AND id > ?))`,
      );
      params.push(value, value, id);
    }
  }
  const dir = desc ? "DESC" : "ASC";
  const order = column === "id" ? `id ${dir}` : `${column} ${dir}, id ${dir}`;
  const sql = `SELECT * FROM task_queue${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY ${order} LIMIT ?`;
  const r = await db.execute(sql, [...params, limit + 1]);
  const rows = r.rows.slice(0, limit);
  const last = rows.at(-1);
  const nextCursor =
    r.rows.length > limit && last !== undefined ? encodeCursor(last[column] ?? null, Number(last["id"])) : null;
  return { tasks: rows.map((row) => toTaskView(rowToTask(row))), nextCursor };
}

/** Requeues every `failed`/`dead_letter` task matching the filter, as `QueueClient.retry` does one. */
export async function retryMatching(
  db: QueueDatabase,
  filter: { status?: readonly ("failed" | "dead_letter")[] | undefined; type?: string | undefined },
): Promise<number> {
  const statuses = [...new Set(filter.status ?? ["failed", "dead_letter"])];
  const now = db.clock.now();
  const params: SqlValue[] = [toSqlRunAfter(now, now), toSqlTime(now), ...statuses];
  let sql =
    `UPDATE task_queue SET status = 'queued', attempts = 0, run_after_utc = ?, updated_at_utc = ?,` +
    ` locked_by = NULL, lease_until_utc = NULL, finished_at_utc = NULL, error_message = NULL` +
    ` WHERE status IN (${statuses.map(() => "?").join(", ")})`;
  if (filter.type !== undefined) {
    sql += " AND type = ?";
    params.push(filter.type);
  }
  return (await db.execute(sql, params)).changes;
}

function toLogView(row: Readonly<Record<string, SqlValue>>): TaskLogView {
  return {
    logId: Number(row["log_id"]),
    taskId: Number(row["task_id"]),
    at: fromSqlTime(String(row["at_utc"])),
    level: String(row["level"]) as TaskLogView["level"],
    message: row["message"] === null || row["message"] === undefined ? null : String(row["message"]),
    details: decodeJson(row["details"]),
  };
}

/** The newest status-transition log row of a task: how its last run ended. */
export async function lastRun(db: QueueDatabase, taskId: number): Promise<TaskLogView | null> {
  const r = await db.execute(
    `SELECT * FROM task_logs WHERE task_id = ? AND json_extract(details, '$.to_status') IS NOT NULL ORDER BY log_id DESC LIMIT 1`,
    [taskId],
  );
  return r.rows[0] === undefined ? null : toLogView(r.rows[0]);
}

/** A task's log, oldest first, at most `limit` rows after `afterLogId`. */
export async function taskLogs(db: QueueDatabase, taskId: number, limit: number, afterLogId: number): Promise<TaskLogView[]> {
  const r = await db.execute(`SELECT * FROM task_logs WHERE task_id = ? AND log_id > ? ORDER BY log_id ASC LIMIT ?`, [
    taskId,
    afterLogId,
    limit,
  ]);
  return r.rows.map(toLogView);
}

/** Counts by type and status. */
export async function countsByType(db: QueueDatabase): Promise<Record<string, Record<string, number>>> {
  const r = await db.execute(`SELECT type, status, COUNT(*) AS n FROM task_queue GROUP BY type, status ORDER BY type`);
  const out: Record<string, Record<string, number>> = {};
  for (const row of r.rows) {
    const byStatus = (out[String(row["type"])] ??= {});
    byStatus[String(row["status"])] = Number(row["n"]);
  }
  return out;
}

/**
 * Counts by status, every known status present: the core's one definition
 * ({@link readStatusCounts}), less statuses that only hand-written rows hold (the API's schema
 * lists the library's statuses).
 */
export async function countsByStatus(db: QueueDatabase): Promise<Record<TaskStatus, number>> {
  const { byStatus } = await readStatusCounts(db);
  return Object.fromEntries(TASK_STATUSES.map((s) => [s, byStatus[s] ?? 0])) as Record<TaskStatus, number>;
}

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Tasks finished per bucket over the last `minutes`, with processing-time p50/p95. */
export async function timeline(db: QueueDatabase, minutes: number, bucketCount: number): Promise<TimelineView> {
  const now = db.clock.now();
  const bucketMs = Math.max(1000, Math.ceil((minutes * 60_000) / bucketCount));
  const start = Math.floor((now - bucketMs * (bucketCount - 1)) / bucketMs) * bucketMs;
  // Bounded: a dashboard poll must not read an unbounded history.
  const r = await db.execute(
    `SELECT status, processing_started_utc AS s, finished_at_utc AS f FROM task_queue` +
      ` WHERE finished_at_utc >= ? AND status IN ('completed', 'failed', 'dead_letter') ORDER BY finished_at_utc DESC LIMIT 50000`,
    [toSqlTime(start)],
  );
  const buckets = Array.from({ length: bucketCount }, (_, i) => ({
    start: start + i * bucketMs,
    completed: 0,
    failed: 0,
    times: [] as number[],
  }));
  for (const row of r.rows) {
    const f = fromSqlTime(String(row["f"]));
    const b = buckets[Math.floor((f - start) / bucketMs)];
    if (b === undefined) continue;
    if (row["status"] === "completed") b.completed++;
    else b.failed++;
    if (row["s"] !== null && row["s"] !== undefined) b.times.push(Math.max(0, f - fromSqlTime(String(row["s"]))));
  }
  return {
    bucketMs,
    buckets: buckets.map(({ times, ...b }) => {
      const sorted = times.sort((x, y) => x - y);
      return { ...b, p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95) };
    }),
  };
}

/** Age of the oldest runnable queued task: the core's one definition ({@link readOldestWaitingAgeMs}). */
export const oldestQueuedAgeMs: (db: QueueDatabase) => Promise<number | null> = readOldestWaitingAgeMs;

/** Database reachability, schema version, journal mode, and `quick_check` when asked. */
export async function health(db: QueueDatabase, quickCheck: boolean): Promise<HealthView> {
  try {
    const schemaVersion = await db.schemaVersion();
    const mode = String(Object.values((await db.run(db.dialect.maintenance.connectionSetting("journal_mode"))).rows[0] ?? {})[0] ?? "");
    let integrity: string | null = null;
    if (quickCheck) {
      const rows = (await db.run(db.dialect.maintenance.quickCheck())).rows;
      integrity = rows.map((row) => String(Object.values(row)[0])).join("; ");
    }
    return {
      ok: integrity === null || integrity === "ok",
      database: "reachable",
      schemaVersion,
      journalMode: mode,
      wal: mode.toLowerCase() === "wal",
      integrity,
      error: null,
    };
  } catch (err) {
    return {
      ok: false,
      database: "unreachable",
      schemaVersion: null,
      journalMode: null,
      wal: false,
      integrity: null,
      error: (err as Error).message,
    };
  }
}
