/**
 * PostgreSQL errors as the queue's typed errors, by SQLSTATE class, shared by the PostgreSQL
 * drivers: integrity violations (23) → {@link QueueConstraintError}; serialization failures,
 * deadlocks and lock timeouts (40001, 40P01, 55P03) → {@link QueueBusyError}, which the core
 * retries; syntax and undefined objects (42) → kind `sql`; read-only (25006) → `readonly`;
 * disk full (53100) → `full`; data corruption (XX001/XX002) → `corrupt`; connection and
 * authentication failures (08, 28, 3D000, 57P0x) → `cantopen`. The SQLSTATE is the error's
 * `engineCode`, the driver's error its `cause`.
 *
 * @internal
 * @module
 */
import { type DatabaseErrorKind, QueueBusyError, QueueConstraintError, QueueDatabaseError } from "../../errors.ts";

/** The kind of a SQLSTATE. */
export function kindOfSqlState(code: string): DatabaseErrorKind {
  if (code.startsWith("23")) return "constraint";
  if (code === "40001" || code === "40P01" || code === "55P03") return "busy";
  if (code === "25006") return "readonly";
  if (code === "53100") return "full";
  if (code === "XX001" || code === "XX002") return "corrupt";
  if (code.startsWith("08") || code.startsWith("28") || code === "3D000" || code.startsWith("57P")) return "cantopen";
  if (code.startsWith("42") || code.startsWith("22") || code.startsWith("0A") || code.startsWith("25") || code.startsWith("P0")) return "sql";
  return "unknown";
}

/** A PostgreSQL error (with its SQLSTATE) as a typed queue error. */
export function pgError(err: unknown, code: string, message: string): QueueDatabaseError {
  const kind = kindOfSqlState(code);
  // The core's statements need the PostgreSQL dialect: name it when SQLite SQL reached the server.
  const hint = /sqlite_version|PRAGMA/i.test(message)
    ? " (this is SQLite SQL: open the database with { dialect: postgresDialect } from @prismq/queue/postgres)"
    : "";
  const text = `PostgreSQL: ${message}${hint}`;
  if (kind === "constraint") return new QueueConstraintError(text, { engineCode: code, cause: err });
  if (kind === "busy") return new QueueBusyError(text, { engineCode: code, cause: err });
  return new QueueDatabaseError(text, { kind, engineCode: code, cause: err });
}
