/**
 * The JSON Lines export format: a header line, one line per task (every column, times as stored:
 * UTC `YYYY-MM-DD HH:MM:SS[.SSS]`), and an end line with the count, so a cut file is noticed.
 *
 * @module
 */
import * as z from "zod/mini";
import { toSqlTime } from "../clock.ts";
import { QueueValidationError } from "../errors.ts";
import { parseOptions } from "../options.ts";
import type { SqlValue } from "../driver.ts";
import { TASK_STATUSES, type TaskStatus } from "../task.ts";

/** `format` of the header line. */
export const TASK_EXPORT_FORMAT = "prismq.tasks";
/** `version` of the header line this library writes and reads. */
export const TASK_EXPORT_VERSION = 1;

/** One task as an export line carries it. */
export interface ExportedTask {
  /** Tells a task line from the header and trailer lines. */
  readonly kind: "task";
  /** The id in the exporting database; an import keeps it when free. */
  readonly id: number;
  /** Task type, which selects the handler. */
  readonly type: string;
  /** Lower runs first. */
  readonly priority: number;
  /** The payload, parsed (the schema's generated `format` column keeps it valid JSON). */
  readonly payload: unknown;
  /** Worker capabilities the task requires. */
  readonly compatibility: Readonly<Record<string, unknown>>;
  /** Status at export time. */
  readonly status: TaskStatus;
  /** Executions started so far. */
  readonly attempts: number;
  /** Executions allowed, the first included. */
  readonly maxAttempts: number;
  /** Not runnable before this time, UTC text as stored. */
  readonly runAfterUtc: string;
  /** End of the lease held at export time, if any. */
  readonly leaseUntilUtc: string | null;
  /** When the current or last claim happened, if ever. */
  readonly reservedAtUtc: string | null;
  /** When the current or last execution started, if ever. */
  readonly processingStartedUtc: string | null;
  /** When it reached a final status, if it did. */
  readonly finishedAtUtc: string | null;
  /** When it was enqueued. */
  readonly createdAtUtc: string;
  /** When its row last changed. */
  readonly updatedAtUtc: string;
  /** The worker holding or last holding the lease. */
  readonly lockedBy: string | null;
  /** The fencing token, kept so a lease held at export stays fenced after import. */
  readonly leaseToken: number;
  /** The last failure's message, if any. */
  readonly errorMessage: string | null;
  /** The key it was enqueued with, if any. */
  readonly idempotencyKey: string | null;
  /** Last progress reported (migration 9); absent when none. */
  readonly progress?: unknown;
  /** Stored result (migration 9); absent when none. */
  readonly result?: unknown;
  /** When its idempotency key lapses (a uniqueness window); absent when never by time. */
  readonly keyUntilUtc?: string | undefined;
  /** Its key lapses once it is no longer queued/processing; absent when false. */
  readonly keyWhileActive?: boolean | undefined;
  /** A key that has lapsed on it; absent when none. */
  readonly lapsedKey?: string | undefined;
}

const SQL_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,3})?$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
// Times are kept byte for byte as stored; ISO 8601 UTC (hand-written files) is converted.
const time = () =>
  z.pipe(
    z.string().check(z.refine((s) => SQL_TIME.test(s) || ISO_TIME.test(s), "expected UTC 'YYYY-MM-DD HH:MM:SS[.SSS]' or ISO 8601 with Z")),
    z.transform((s: string) => (ISO_TIME.test(s) ? toSqlTime(Date.parse(s)) : s)),
  );
const int = (min: number) => z.int().check(z.gte(min));

const HeaderSchema = z.object({
  kind: z.literal("header"),
  format: z.literal(TASK_EXPORT_FORMAT),
  version: z.literal(TASK_EXPORT_VERSION),
});
const TaskSchema = z.strictObject({
  kind: z.literal("task"),
  id: int(1),
  type: z.string().check(z.minLength(1), z.maxLength(200)),
  priority: z.int(),
  payload: z.unknown(),
  compatibility: z.record(z.string(), z.unknown()),
  status: z.enum(TASK_STATUSES),
  attempts: int(0),
  maxAttempts: int(1),
  runAfterUtc: time(),
  leaseUntilUtc: z.nullable(time()),
  reservedAtUtc: z.nullable(time()),
  processingStartedUtc: z.nullable(time()),
  finishedAtUtc: z.nullable(time()),
  createdAtUtc: time(),
  updatedAtUtc: time(),
  lockedBy: z.nullable(z.string()),
  leaseToken: int(0),
  errorMessage: z.nullable(z.string()),
  idempotencyKey: z.nullable(z.string().check(z.minLength(1), z.maxLength(512))),
  progress: z.optional(z.unknown()),
  result: z.optional(z.unknown()),
  keyUntilUtc: z.optional(time()),
  keyWhileActive: z.optional(z.boolean()),
  lapsedKey: z.optional(z.string()),
});
const EndSchema = z.object({ kind: z.literal("end"), count: int(0) });

/** A parsed line of an export file. */
export type ExportLine =
  | { readonly kind: "header" }
  | ExportedTask
  | { readonly kind: "end"; readonly count: number };

/** Parses one line; {@link QueueValidationError} naming the line and field if it is not valid. */
export function parseExportLine(text: string, lineNo: number): ExportLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new QueueValidationError(`line ${lineNo}: not valid JSON (${(err as Error).message})`);
  }
  const kind = (value as { kind?: unknown } | null)?.kind;
  const schema = kind === "header" ? HeaderSchema : kind === "task" ? TaskSchema : kind === "end" ? EndSchema : null;
  if (schema === null) throw new QueueValidationError(`line ${lineNo}: "kind" must be "header", "task" or "end"`);
  return parseOptions(schema, value, `line ${lineNo}`) as ExportLine;
}

/** The stored `task_queue` columns an export line carries (generated columns are derived). */
export const EXPORTED_COLUMNS: readonly string[] = Object.freeze([
  "id", "type", "priority", "payload", "compatibility", "status", "attempts", "max_attempts", "run_after_utc",
  "lease_until_utc", "reserved_at_utc", "processing_started_utc", "finished_at_utc", "locked_by", "error_message",
  "idempotency_key", "created_at_utc", "updated_at_utc", "lease_token",
  "progress", "result", "key_until_utc", "key_while_active", "lapsed_key",
]);

const text = (v: SqlValue | undefined): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: SqlValue | undefined): number => Number(v ?? 0);

/** A `SELECT *` row of `task_queue` as an export record. */
export function rowToExported(row: Readonly<Record<string, SqlValue>>): ExportedTask {
  let compatibility: Record<string, unknown> = {};
  try {
    const c = JSON.parse(String(row["compatibility"] ?? "{}"));
    if (typeof c === "object" && c !== null && !Array.isArray(c)) compatibility = c;
  } catch {
    // A malformed compatibility column matches no worker capabilities; exported as none.
  }
  return {
    kind: "task",
    id: num(row["id"]),
    type: String(row["type"]),
    priority: num(row["priority"]),
    payload: JSON.parse(String(row["payload"] ?? "{}")),
    compatibility,
    status: String(row["status"]) as TaskStatus,
    attempts: num(row["attempts"]),
    maxAttempts: num(row["max_attempts"]),
    runAfterUtc: String(row["run_after_utc"]),
    leaseUntilUtc: text(row["lease_until_utc"]),
    reservedAtUtc: text(row["reserved_at_utc"]),
    processingStartedUtc: text(row["processing_started_utc"]),
    finishedAtUtc: text(row["finished_at_utc"]),
    createdAtUtc: String(row["created_at_utc"]),
    updatedAtUtc: String(row["updated_at_utc"]),
    lockedBy: text(row["locked_by"]),
    leaseToken: num(row["lease_token"]),
    errorMessage: text(row["error_message"]),
    idempotencyKey: text(row["idempotency_key"]),
    // Migration 9's columns, written only when set, so other rows export as before.
    ...(row["progress"] != null ? { progress: JSON.parse(String(row["progress"])) } : {}),
    ...(row["result"] != null ? { result: JSON.parse(String(row["result"])) } : {}),
    ...(row["key_until_utc"] != null ? { keyUntilUtc: String(row["key_until_utc"]) } : {}),
    ...(Number(row["key_while_active"] ?? 0) === 1 ? { keyWhileActive: true } : {}),
    ...(row["lapsed_key"] != null ? { lapsedKey: String(row["lapsed_key"]) } : {}),
  };
}

/** The payload column text of a record. */
export function payloadText(t: ExportedTask): string {
  return JSON.stringify(t.payload ?? {});
}
