/**
 * The history part of `prismq export --history`: every `task_logs` row and the `workers` table,
 * as JSON Lines after the tasks' end line, so moving a queue (SQLite to PostgreSQL, or back)
 * keeps what each task went through, not only where it ended. An importer without history
 * support refuses such a file ("nothing may follow the end line") rather than dropping it.
 *
 * Lines: `{"kind":"log","taskId","atUtc","level","message","details"}` per row by log id,
 * `{"kind":"worker","workerId","capabilities","heartbeatUtc"}` per worker, then
 * `{"kind":"history-end","logs":N,"workers":M}`, so a cut file is noticed.
 *
 * Plain SQL over the tables' common columns, with `?` parameters, runs on every dialect.
 *
 * @module
 */
import type { QueueDatabase } from "../../src/database.ts";
import type { SqlValue } from "../../src/driver.ts";
import { IMPORTED_LOG_MESSAGE, QueueValidationError } from "../../src/index.ts";

/** One `task_logs` row as an export line carries it (`taskId` is the exporting database's id). */
interface LogLine {
  readonly kind: "log";
  readonly taskId: number;
  readonly atUtc: string;
  readonly level: string;
  readonly message: string | null;
  readonly details: string | null;
}

/** One `workers` row as an export line carries it. */
interface WorkerLine {
  readonly kind: "worker";
  readonly workerId: string;
  readonly capabilities: string;
  readonly heartbeatUtc: string;
}

/** A stored time as the export writes it: SQLite's text as it is, a `Date` as UTC text. */
function timeText(v: SqlValue | Date | undefined): string {
  if (v instanceof Date) return v.toISOString().replace("T", " ").replace("Z", "");
  return String(v);
}

/** A JSON column as text, whether the engine hands back text or a parsed value. */
function jsonText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The history lines of `db` (see the module), each ending in a newline. */
export async function* exportHistory(db: QueueDatabase, pageSize = 1000): AsyncGenerator<string, void, undefined> {
  let after = 0;
  let logs = 0;
  for (;;) {
    const r = await db.execute(
      "SELECT log_id, task_id, at_utc, level, message, details FROM task_logs WHERE log_id > ? ORDER BY log_id LIMIT ?",
      [after, pageSize],
    );
    for (const row of r.rows) {
      const line: LogLine = {
        kind: "log",
        taskId: Number(row["task_id"]),
        atUtc: timeText(row["at_utc"]),
        level: String(row["level"]),
        message: row["message"] === null ? null : String(row["message"]),
        details: jsonText(row["details"]),
      };
      yield `${JSON.stringify(line)}\n`;
      logs++;
    }
    if (r.rows.length < pageSize) break;
    after = Number(r.rows[r.rows.length - 1]!["log_id"]);
  }
  const w = await db.execute("SELECT worker_id, capabilities, heartbeat_utc FROM workers ORDER BY worker_id");
  for (const row of w.rows) {
    const line: WorkerLine = {
      kind: "worker",
      workerId: String(row["worker_id"]),
      capabilities: jsonText(row["capabilities"]) ?? "{}",
      heartbeatUtc: timeText(row["heartbeat_utc"]),
    };
    yield `${JSON.stringify(line)}\n`;
  }
  yield `${JSON.stringify({ kind: "history-end", logs, workers: w.rows.length })}\n`;
}

/** True for a line of the history part (kinds `log`, `worker`, `history-end`). */
export function isHistoryLine(text: string): boolean {
  return /^\{"kind":"(log|worker|history-end)"/.test(text);
}

/**
 * Which task each earlier import stored, as `originId|type|createdAt` → id in `db`: read from
 * the `task imported` log rows `importTasks` writes for every task it adds.
 */
export async function importedOrigins(db: QueueDatabase): Promise<Map<string, number>> {
  const r = await db.execute("SELECT task_id, details FROM task_logs WHERE message = ?", [IMPORTED_LOG_MESSAGE]);
  const out = new Map<string, number>();
  for (const row of r.rows) {
    try {
      const raw = row["details"] as unknown;
      const d = (typeof raw === "string" ? JSON.parse(raw) : raw) as { originId: number; type: string; createdAtUtc: string };
      out.set(`${d.originId}|${d.type}|${d.createdAtUtc}`, Number(row["task_id"]));
    } catch {
      // Not one of ours.
    }
  }
  return out;
}

/** What {@link importHistory} added. */
export interface HistoryReport {
  /** Log rows added (those of tasks imported by this run). */
  readonly logs: number;
  /** Worker rows added (workers already present are kept as they are). */
  readonly workers: number;
}

/**
 * Adds the history lines to `db`, in one transaction: the log rows of the tasks this run
 * imported (`newTasks`: exporting id → id in `db`), so a re-run adds none twice, and the workers
 * not yet present. A cut or malformed history part is refused before anything is written.
 */
export async function importHistory(db: QueueDatabase, lines: readonly string[], newTasks: ReadonlyMap<number, number>): Promise<HistoryReport> {
  const logs: LogLine[] = [];
  const workers: WorkerLine[] = [];
  let end: { logs: number; workers: number } | undefined;
  for (const text of lines) {
    let v: { kind?: unknown; [k: string]: unknown };
    try {
      v = JSON.parse(text) as typeof v;
    } catch {
      throw new QueueValidationError(`a history line is not JSON: ${text.slice(0, 80)}`);
    }
    if (end !== undefined) throw new QueueValidationError("nothing may follow the history end line");
    if (v.kind === "log" && Number.isInteger(v["taskId"]) && typeof v["atUtc"] === "string" && typeof v["level"] === "string") logs.push(v as unknown as LogLine);
    else if (v.kind === "worker" && typeof v["workerId"] === "string" && typeof v["heartbeatUtc"] === "string") workers.push(v as unknown as WorkerLine);
    else if (v.kind === "history-end") end = { logs: Number(v["logs"]), workers: Number(v["workers"]) };
    else throw new QueueValidationError(`a history line is not a log, worker or end line: ${text.slice(0, 80)}`);
  }
  if (end === undefined || end.logs !== logs.length || end.workers !== workers.length) {
    throw new QueueValidationError(
      `the history part is incomplete: its end line ${end === undefined ? "is missing" : `counts ${end.logs} log rows and ${end.workers} workers`}, ` +
        `${logs.length} and ${workers.length} were read`,
    );
  }
  return db.transaction(async (tx) => {
    let addedLogs = 0;
    for (const l of logs) {
      const taskId = newTasks.get(l.taskId);
      if (taskId === undefined) continue; // its task was already there: its history too
      await tx.execute("INSERT INTO task_logs (task_id, at_utc, level, message, details) VALUES (?, ?, ?, ?, ?)", [
        taskId,
        l.atUtc,
        l.level,
        l.message,
        l.details,
      ]);
      addedLogs++;
    }
    let addedWorkers = 0;
    for (const w of workers) {
      const present = await tx.execute("SELECT worker_id FROM workers WHERE worker_id = ?", [w.workerId]);
      if (present.rows.length > 0) continue;
      await tx.execute("INSERT INTO workers (worker_id, capabilities, heartbeat_utc) VALUES (?, ?, ?)", [w.workerId, w.capabilities, w.heartbeatUtc]);
      addedWorkers++;
    }
    return { logs: addedLogs, workers: addedWorkers };
  });
}
