/**
 * Typed errors. Every error the public API throws is a {@link QueueError}; database failures are
 * {@link QueueDatabaseError}s (never a driver's raw error, which is kept as `cause`).
 *
 * @module
 */

const BRAND: symbol = Symbol.for("@prismq/queue.error");

/** Machine-readable error codes, one per subclass. */
export const QUEUE_ERROR_CODES = [
  "QUEUE_ERROR",
  "DATABASE_ERROR",
  "BUSY",
  "SCHEMA_ERROR",
  "CONSTRAINT",
  "CLOSED",
  "VALIDATION",
  "LEASE_LOST",
  "TASK_NOT_FOUND",
  "NON_RETRYABLE",
  "TASK_CANCELLED",
] as const;
/** One of {@link QUEUE_ERROR_CODES}. */
export type QueueErrorCode = (typeof QUEUE_ERROR_CODES)[number];

/** Base class of every error this library throws. */
export class QueueError extends Error {
  readonly code: QueueErrorCode = "QUEUE_ERROR";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** Checks the brand rather than `instanceof`, so a second copy of the package still matches. */
export function isQueueError(err: unknown, code?: QueueErrorCode): err is QueueError {
  if (typeof err !== "object" || err === null || (err as Record<symbol, unknown>)[BRAND] !== true) {
    return false;
  }
  return code === undefined || (err as QueueError).code === code;
}

/** What went wrong in the database, as adapters classify the engine's own error code. */
export type DatabaseErrorKind =
  | "busy"
  | "constraint"
  | "closed"
  | "corrupt"
  | "notadb"
  | "readonly"
  | "cantopen"
  | "full"
  | "sql"
  | "unknown";

/** A failure reported by the database engine (the seed's base database exception). */
export class QueueDatabaseError extends QueueError {
  override readonly code: QueueErrorCode = "DATABASE_ERROR";
  /** Classification of the engine error. */
  readonly kind: DatabaseErrorKind;
  /** The engine's own code (e.g. `SQLITE_CONSTRAINT_UNIQUE`), when known. */
  readonly engineCode: string | undefined;
  constructor(
    message: string,
    options: { kind?: DatabaseErrorKind; engineCode?: string | undefined; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.kind = options.kind ?? "unknown";
    this.engineCode = options.engineCode;
  }
}

/** The database stayed locked (`SQLITE_BUSY`) past the busy timeout and the bounded retries. */
export class QueueBusyError extends QueueDatabaseError {
  override readonly code: QueueErrorCode = "BUSY";
  constructor(message: string, options: { engineCode?: string | undefined; cause?: unknown } = {}) {
    super(message, { ...options, kind: "busy" });
  }
}

/** A uniqueness, NOT NULL, CHECK or foreign-key constraint refused a write. */
export class QueueConstraintError extends QueueDatabaseError {
  override readonly code: QueueErrorCode = "CONSTRAINT";
  constructor(message: string, options: { engineCode?: string | undefined; cause?: unknown } = {}) {
    super(message, { ...options, kind: "constraint" });
  }
}

/** The database or driver was closed; no call can succeed on it any more. */
export class QueueClosedError extends QueueDatabaseError {
  override readonly code: QueueErrorCode = "CLOSED";
  constructor(message = "the queue database is closed", options: { cause?: unknown } = {}) {
    super(message, { ...options, kind: "closed" });
  }
}

/**
 * The schema cannot be used: written by a newer version of this library, an engine too old for
 * the SQL the queue needs, or a migration that failed (then nothing of it was applied).
 */
export class QueueSchemaError extends QueueDatabaseError {
  override readonly code: QueueErrorCode = "SCHEMA_ERROR";
}

/** Input was refused before anything was stored. */
export class QueueValidationError extends QueueError {
  override readonly code: QueueErrorCode = "VALIDATION";
  /** One line per problem, `path: message`. */
  readonly issues: readonly string[];
  constructor(message: string, issues: readonly string[] = [], options?: { cause?: unknown }) {
    super(issues.length > 0 ? `${message}: ${issues.join("; ")}` : message, options);
    this.issues = issues;
  }
}

/**
 * The caller no longer holds the task's lease: it expired, another worker claimed the task
 * (its fencing token moved on), or the task was cancelled. The write was refused.
 */
export class LeaseLostError extends QueueError {
  override readonly code: QueueErrorCode = "LEASE_LOST";
  readonly taskId: number;
  constructor(taskId: number, message?: string) {
    super(message ?? `lease on task ${taskId} is no longer held by this worker`);
    this.taskId = taskId;
  }
}

/** No task has that id. */
export class TaskNotFoundError extends QueueError {
  override readonly code: QueueErrorCode = "TASK_NOT_FOUND";
  readonly taskId: number;
  constructor(taskId: number) {
    super(`task ${taskId} does not exist`);
    this.taskId = taskId;
  }
}

/** The abort reason a handler's signal carries when its task was cancelled while running. */
export class TaskCancelledError extends QueueError {
  override readonly code: QueueErrorCode = "TASK_CANCELLED";
  readonly taskId: number;
  constructor(taskId: number) {
    super(`task ${taskId} was cancelled`);
    this.taskId = taskId;
  }
}

/**
 * Throw this from a handler when retrying cannot help (bad input, a permanent refusal): the task
 * goes straight to `dead_letter` whatever attempts remain.
 */
export class NonRetryableError extends QueueError {
  override readonly code: QueueErrorCode = "NON_RETRYABLE";
}

/** Wraps anything that is not already a queue error, keeping it as `cause`. */
export function toQueueError(err: unknown, context: string): QueueError {
  if (isQueueError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new QueueDatabaseError(`${context}: ${message}`, { cause: err });
}
