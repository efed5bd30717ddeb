/**
 * Progress and results of a task: how a handler's `context.progress(value)` and its return value
 * are encoded and stored.
 *
 * - **Progress** is JSON of at most {@link PROGRESS_MAX_BYTES} bytes (UTF-8), written at once under
 *   the lease fence: a value that is not JSON or too large is a {@link QueueValidationError}
 *   thrown to the handler, and a holder whose lease is gone gets a {@link LeaseLostError}.
 * - **A result** is the handler's resolved value, stored with the completion in the same batch.
 *   `undefined` stores nothing (NULL). A value that is not JSON (a bigint, a cycle) or longer
 *   than {@link RESULT_MAX_BYTES} is not stored and not fatal either (the work is done; failing
 *   or retrying it would run it again): the task completes with the marker
 *   `{ "$prismq": "result_not_stored", "reason": "too_large" | "not_json", "bytes"?: n }`.
 *
 * @module
 */
import { toSqlTime } from "./clock.ts";
import type { QueueDatabase } from "./database.ts";
import { LeaseLostError, QueueValidationError } from "./errors.ts";
import type { Task } from "./task.ts";

/** Largest progress value stored, in UTF-8 bytes of its JSON. */
export const PROGRESS_MAX_BYTES: number = 64 * 1024;
/** Largest result stored, in UTF-8 bytes of its JSON; a larger one is replaced by a marker. */
export const RESULT_MAX_BYTES: number = 256 * 1024;

const encoder = new TextEncoder();

/** UTF-8 length of `text`, without encoding it when it is short enough to be sure. */
function utf8Bytes(text: string, limit: number): number {
  return text.length * 3 <= limit ? text.length : encoder.encode(text).length;
}

function toJson(value: unknown): string | undefined {
  return JSON.stringify(value);
}

/** JSON text of a progress value, or a {@link QueueValidationError} saying why it cannot be stored. */
export function encodeProgress(value: unknown): string {
  let text: string | undefined;
  try {
    text = toJson(value);
  } catch (err) {
    throw new QueueValidationError("progress is not JSON-serialisable", [(err as Error).message], { cause: err });
  }
  if (text === undefined) throw new QueueValidationError("progress is not JSON-serialisable (undefined or a function)");
  const bytes = utf8Bytes(text, PROGRESS_MAX_BYTES);
  if (bytes > PROGRESS_MAX_BYTES) {
    throw new QueueValidationError(`progress is ${bytes} bytes of JSON, more than the ${PROGRESS_MAX_BYTES} allowed`);
  }
  return text;
}

/** JSON text of a result to store, null for `undefined`, or the not-stored marker (see the module doc). */
export function encodeResult(value: unknown): string | null {
  if (value === undefined) return null;
  let text: string | undefined;
  try {
    text = toJson(value);
  } catch {
    return JSON.stringify({ $prismq: "result_not_stored", reason: "not_json" });
  }
  if (text === undefined) return null;
  const bytes = utf8Bytes(text, RESULT_MAX_BYTES);
  if (bytes > RESULT_MAX_BYTES) return JSON.stringify({ $prismq: "result_not_stored", reason: "too_large", bytes });
  return text;
}

/**
 * Stores `value` as the progress of a task the caller holds, fenced by its lease token.
 * @throws {QueueValidationError} not JSON, or too large
 * @throws {LeaseLostError} the lease is no longer held
 */
export async function writeProgress(db: QueueDatabase, task: Task, value: unknown): Promise<void> {
  const text = encodeProgress(value);
  const f = { id: task.id, leaseToken: task.leaseToken, now: toSqlTime(db.clock.now()) };
  const r = await db.run(db.dialect.features.setProgress(f, text));
  if (r.changes === 0) throw new LeaseLostError(task.id);
}
