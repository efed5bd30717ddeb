/**
 * Codecs of the JSON text columns (`payload`, `details`, `capabilities`), shared by every dialect.
 *
 * @internal
 * @module
 */
import type { SqlValue } from "../driver.ts";
import { QueueValidationError } from "../errors.ts";

/**
 * JSON text of a plain object (the `details` and `capabilities` columns). Anything else, or an
 * object `JSON.stringify` cannot encode (cycles, bigint), is a {@link QueueValidationError}.
 */
export function encodeJsonObject(value: unknown, what: string): string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new QueueValidationError(`${what} must be a JSON object`);
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new QueueValidationError(`${what} is not JSON-serialisable`, [(err as Error).message], { cause: err });
  }
  if (text === undefined) throw new QueueValidationError(`${what} is not JSON-serialisable`);
  return text;
}

/** Parses a JSON text column; NULL is null, and text that is not JSON comes back as it is. */
export function decodeJson(value: SqlValue | undefined): unknown {
  if (value === null || value === undefined) return null;
  const text = String(value);
  try {
    return JSON.parse(text);
  } catch {
    // Rows written by hand or by other tools are returned, not refused.
    return text;
  }
}
