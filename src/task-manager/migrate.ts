/**
 * Export a queue to JSON Lines and import it into another (any driver), preserving status,
 * attempts, errors, timestamps and idempotency keys. Runtime-neutral: lines in, lines out; the
 * CLI does the file handling.
 *
 * @module
 */
import type { QueueDatabase, QueueTransaction } from "../database.ts";
import type { SqlValue } from "../driver.ts";
import { QueueValidationError } from "../errors.ts";
import { taskLogInsert } from "../observability/task-logger.ts";
import type { TaskStatus } from "../task.ts";
import {
  EXPORTED_COLUMNS,
  type ExportedTask,
  parseExportLine,
  payloadText,
  rowToExported,
  TASK_EXPORT_FORMAT,
  TASK_EXPORT_VERSION,
} from "./jsonl-format.ts";

/** Options of {@link exportTasks}. */
export interface ExportTasksOptions {
  /** Only tasks in these statuses. @default all */
  readonly statuses?: readonly TaskStatus[] | undefined;
  /** Rows read per query (keyset pages by id, so memory stays flat). @default 500 */
  readonly pageSize?: number | undefined;
}

/**
 * The queue as JSON Lines, one string per line (each ending in `\n`): a header, the tasks by
 * id, and an end line with their count. Pages by id, so a large queue is never held in memory.
 *
 * @example
 * ```ts
 * for await (const line of exportTasks(db)) stream.write(line);
 * ```
 */
export async function* exportTasks(db: QueueDatabase, options: ExportTasksOptions = {}): AsyncGenerator<string, void, undefined> {
  const pageSize = options.pageSize ?? 500;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new QueueValidationError("pageSize must be an integer >= 1");
  const statuses = options.statuses ?? null;
  // A stored column this format does not carry would be dropped without a word: refuse instead.
  const columns = (await db.run(db.dialect.reads.taskColumns())).rows;
  const missing = columns.filter((c) => !EXPORTED_COLUMNS.includes(String(c["name"])));
  if (missing.length > 0) {
    throw new QueueValidationError(
      `task_queue has column(s) the export format v${TASK_EXPORT_VERSION} does not carry: ${missing.map((c) => String(c["name"])).join(", ")}`,
    );
  }
  yield `${JSON.stringify({
    kind: "header",
    format: TASK_EXPORT_FORMAT,
    version: TASK_EXPORT_VERSION,
    exportedAtMs: db.clock.now(),
    schemaVersion: await db.schemaVersion(),
    statuses: options.statuses ?? null,
  })}\n`;
  let after = 0;
  let count = 0;
  for (;;) {
    // Plain placeholders, so the same text runs on every engine.
    const inStatuses =
      statuses === null ? "" : statuses.length === 0 ? " AND 0 = 1" : ` AND status IN (${statuses.map(() => "?").join(", ")})`;
    const r = await db.execute(`SELECT * FROM task_queue WHERE id > ?${inStatuses} ORDER BY id LIMIT ?`, [
      after,
      ...(statuses ?? []),
      pageSize,
    ]);
    for (const row of r.rows) {
      yield `${JSON.stringify(rowToExported(row))}\n`;
      count++;
    }
    if (r.rows.length < pageSize) break;
    after = Number(r.rows[r.rows.length - 1]!["id"]);
  }
  yield `${JSON.stringify({ kind: "end", count })}\n`;
}

/** What {@link importTasks} did. */
export interface ImportReport {
  /** Task lines read. */
  readonly read: number;
  /** Tasks inserted. */
  readonly imported: number;
  /** Tasks already present (same idempotency key, or imported before): nothing added. */
  readonly skipped: number;
  /** Inserted under a new id because their id was taken by another task. */
  readonly remapped: number;
  /** The end line was present and its count matched. */
  readonly complete: boolean;
}

/** The `task_logs` message that records where an imported task came from. */
export const IMPORTED_LOG_MESSAGE = "task imported";

/** A whole export as one string, or its lines (e.g. `exportTasks` output, or readline over a file). */
export type ImportLines = string | Iterable<string> | AsyncIterable<string>;

async function* eachLine(input: ImportLines): AsyncGenerator<string> {
  if (typeof input === "string") {
    yield* input.split("\n");
    return;
  }
  for await (const item of input as AsyncIterable<string>) {
    // Each item is a line (its newline optional, as readline gives them) or text holding whole lines.
    const text = String(item);
    yield* (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");
  }
}

const originKey = (t: { id: number; type: string; createdAtUtc: string }): string => `${t.id}\u0000${t.type}\u0000${t.createdAtUtc}`;

function samePayload(stored: SqlValue | undefined, t: ExportedTask): boolean {
  // Stored payloads are valid JSON (the schema's generated `format` column parses them).
  return JSON.stringify(JSON.parse(String(stored ?? "{}"))) === payloadText(t);
}

/**
 * Imports an export into `db` in one transaction: every task or none (a bad line names itself
 * and nothing is stored). Idempotent: a task is already present if a row has its idempotency
 * key, or its id with the same type, creation time and payload, or an earlier import of it was
 * recorded (a `task_logs` row, written for every imported task); re-running adds nothing.
 * Ids are kept when free; a task whose id is taken by another task gets a new one.
 */
export async function importTasks(db: QueueDatabase, input: ImportLines): Promise<ImportReport> {
  return db.transaction(async (tx) => {
    const origins = await loadOrigins(tx);
    let lineNo = 0;
    let header = false;
    let end: number | null = null;
    let read = 0;
    let imported = 0;
    let skipped = 0;
    let remapped = 0;
    for await (const raw of eachLine(input)) {
      lineNo++;
      const text = raw.trim();
      if (text === "") continue;
      const line = parseExportLine(text, lineNo);
      if (!header) {
        if (line.kind !== "header") throw new QueueValidationError(`line ${lineNo}: the first line must be the export header`);
        header = true;
        continue;
      }
      if (end !== null) throw new QueueValidationError(`line ${lineNo}: nothing may follow the end line`);
      if (line.kind === "header") throw new QueueValidationError(`line ${lineNo}: a second header`);
      if (line.kind === "end") {
        end = line.count;
        continue;
      }
      read++;
      const outcome = await importOne(tx, line, origins, db.clock.now());
      if (outcome === "skipped") skipped++;
      else {
        imported++;
        if (outcome === "remapped") remapped++;
      }
    }
    if (!header) throw new QueueValidationError("the input is empty: no export header");
    if (end !== null && end !== read) {
      throw new QueueValidationError(`the end line counts ${end} tasks but ${read} were read: the file is incomplete or edited`);
    }
    return { read, imported, skipped, remapped, complete: end !== null };
  });
}

async function loadOrigins(tx: QueueTransaction): Promise<Map<string, number>> {
  const r = await tx.execute("SELECT task_id, details FROM task_logs WHERE message = ?", [IMPORTED_LOG_MESSAGE]);
  const out = new Map<string, number>();
  for (const row of r.rows) {
    try {
      const d = JSON.parse(String(row["details"])) as { originId: number; type: string; createdAtUtc: string };
      out.set(originKey({ id: d.originId, type: d.type, createdAtUtc: d.createdAtUtc }), Number(row["task_id"]));
    } catch {
      // Not one of ours.
    }
  }
  return out;
}

async function importOne(
  tx: QueueTransaction,
  t: ExportedTask,
  origins: Map<string, number>,
  now: number,
): Promise<"skipped" | "imported" | "remapped"> {
  if (t.idempotencyKey !== null) {
    const k = await tx.execute("SELECT id FROM task_queue WHERE idempotency_key = ?", [t.idempotencyKey]);
    if (k.rows.length > 0) return "skipped";
  }
  const same = async (id: number): Promise<boolean | null> => {
    const r = await tx.execute("SELECT type, created_at_utc, payload FROM task_queue WHERE id = ?", [id]);
    const row = r.rows[0];
    if (row === undefined) return null;
    return String(row["type"]) === t.type && String(row["created_at_utc"]) === t.createdAtUtc && samePayload(row["payload"], t);
  };
  const atId = await same(t.id);
  if (atId === true) return "skipped";
  const earlier = origins.get(originKey(t));
  if (earlier !== undefined && (await same(earlier)) === true) return "skipped";
  const r = await tx.execute(
    "INSERT INTO task_queue (id, type, priority, payload, compatibility, status, attempts, max_attempts, run_after_utc," +
      " lease_until_utc, reserved_at_utc, processing_started_utc, finished_at_utc, locked_by, error_message, idempotency_key," +
      " created_at_utc, updated_at_utc, lease_token, progress, result, key_until_utc, key_while_active, lapsed_key)" +
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [
      atId === null ? t.id : null,
      t.type,
      t.priority,
      payloadText(t),
      JSON.stringify(t.compatibility),
      t.status,
      t.attempts,
      t.maxAttempts,
      t.runAfterUtc,
      t.leaseUntilUtc,
      t.reservedAtUtc,
      t.processingStartedUtc,
      t.finishedAtUtc,
      t.lockedBy,
      t.errorMessage,
      t.idempotencyKey,
      t.createdAtUtc,
      t.updatedAtUtc,
      t.leaseToken,
      t.progress === undefined ? null : JSON.stringify(t.progress),
      t.result === undefined ? null : JSON.stringify(t.result),
      t.keyUntilUtc ?? null,
      t.keyWhileActive === true ? 1 : 0,
      t.lapsedKey ?? null,
    ],
  );
  const newId = atId === null ? t.id : Number(r.lastInsertRowid);
  const details = { originId: t.id, type: t.type, createdAtUtc: t.createdAtUtc };
  await tx.executeStatement(taskLogInsert(newId, "INFO", IMPORTED_LOG_MESSAGE, details, now));
  origins.set(originKey(t), newId);
  return atId === null ? "imported" : "remapped";
}
