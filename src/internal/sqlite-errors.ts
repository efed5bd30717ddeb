/**
 * Maps SQLite result codes to the queue's typed errors, for every SQLite adapter.
 *
 * @internal
 * @module
 */
import {
  type DatabaseErrorKind,
  describeThrown,
  QueueBusyError,
  QueueConstraintError,
  QueueDatabaseError,
} from "../errors.ts";

const BY_PRIMARY: Record<number, [DatabaseErrorKind, string]> = {
  1: ["sql", "SQLITE_ERROR"],
  5: ["busy", "SQLITE_BUSY"],
  6: ["busy", "SQLITE_LOCKED"],
  8: ["readonly", "SQLITE_READONLY"],
  11: ["corrupt", "SQLITE_CORRUPT"],
  13: ["full", "SQLITE_FULL"],
  14: ["cantopen", "SQLITE_CANTOPEN"],
  19: ["constraint", "SQLITE_CONSTRAINT"],
  26: ["notadb", "SQLITE_NOTADB"],
};

const BY_NAME: [string, DatabaseErrorKind][] = [
  ["SQLITE_BUSY", "busy"],
  ["SQLITE_LOCKED", "busy"],
  ["SQLITE_CONSTRAINT", "constraint"],
  ["SQLITE_CORRUPT", "corrupt"],
  ["SQLITE_NOTADB", "notadb"],
  ["SQLITE_READONLY", "readonly"],
  ["SQLITE_CANTOPEN", "cantopen"],
  ["SQLITE_FULL", "full"],
  ["SQLITE_ERROR", "sql"],
];

/**
 * Builds the typed error for an engine failure. `code` is a numeric (extended) result code or a
 * `SQLITE_*` name; either may be missing.
 */
export function sqliteError(err: unknown, code: number | string | undefined): QueueDatabaseError {
  const message = describeThrown(err).message;
  let kind: DatabaseErrorKind = "unknown";
  let engineCode: string | undefined;
  if (typeof code === "number") {
    const hit = BY_PRIMARY[code & 0xff];
    if (hit !== undefined) [kind, engineCode] = hit;
  } else if (typeof code === "string") {
    engineCode = code;
    kind = BY_NAME.find(([prefix]) => code.startsWith(prefix))?.[1] ?? "unknown";
  }
  if (kind === "busy") return new QueueBusyError(message, { engineCode, cause: err });
  if (kind === "constraint") return new QueueConstraintError(message, { engineCode, cause: err });
  return new QueueDatabaseError(message, { kind, engineCode, cause: err });
}
