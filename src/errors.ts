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
  "TASK_TIMEOUT",
  "WAIT_TIMEOUT",
] as const;
/** One of {@link QUEUE_ERROR_CODES}. */
export type QueueErrorCode = (typeof QUEUE_ERROR_CODES)[number];

/** Base class of every error this library throws. */
export class QueueError extends Error {
  /** Stable identifier to branch on, also sent as the HTTP API's `error.code`. */
  readonly code: QueueErrorCode = "QUEUE_ERROR";
  /** Names the error after its class, so subclasses need not. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** Checks the brand rather than `instanceof`, so a second copy of the package still matches. */
export function isQueueError(err: unknown, code?: QueueErrorCode): err is QueueError {
  if (typeof err !== "object" || err === null) return false;
  try {
    // A handler may throw anything, e.g. a Proxy whose traps throw: that is simply not ours.
    if ((err as Record<symbol, unknown>)[BRAND] !== true) return false;
    return code === undefined || (err as QueueError).code === code;
  } catch {
    return false;
  }
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
  /** Any database failure not classified more precisely. */
  override readonly code: QueueErrorCode = "DATABASE_ERROR";
  /** Classification of the engine error. */
  readonly kind: DatabaseErrorKind;
  /** The engine's own code (e.g. `SQLITE_CONSTRAINT_UNIQUE`), when known. */
  readonly engineCode: string | undefined;
  /** `kind` defaults to `unknown` when the adapter could not classify the engine error. */
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
  /** Worth retrying later: the lock is held by another connection. */
  override readonly code: QueueErrorCode = "BUSY";
  /** Always of kind `busy`. */
  constructor(message: string, options: { engineCode?: string | undefined; cause?: unknown } = {}) {
    super(message, { ...options, kind: "busy" });
  }
}

/** A uniqueness, NOT NULL, CHECK or foreign-key constraint refused a write. */
export class QueueConstraintError extends QueueDatabaseError {
  /** Not worth retrying: the same write will be refused again. */
  override readonly code: QueueErrorCode = "CONSTRAINT";
  /** Always of kind `constraint`. */
  constructor(message: string, options: { engineCode?: string | undefined; cause?: unknown } = {}) {
    super(message, { ...options, kind: "constraint" });
  }
}

/** The database or driver was closed; no call can succeed on it any more. */
export class QueueClosedError extends QueueDatabaseError {
  /** The handle is gone: open a new one. */
  override readonly code: QueueErrorCode = "CLOSED";
  /** Always of kind `closed`. */
  constructor(message = "the queue database is closed", options: { cause?: unknown } = {}) {
    super(message, { ...options, kind: "closed" });
  }
}

/**
 * The schema cannot be used: written by a newer version of this library, an engine too old for
 * the SQL the queue needs, or a migration that failed (then nothing of it was applied).
 */
export class QueueSchemaError extends QueueDatabaseError {
  /** The file needs a newer library, a newer engine, or a repair. */
  override readonly code: QueueErrorCode = "SCHEMA_ERROR";
}

/** Input was refused before anything was stored. */
export class QueueValidationError extends QueueError {
  /** The caller's input is wrong: fix it rather than retry. */
  override readonly code: QueueErrorCode = "VALIDATION";
  /** One line per problem, `path: message`. */
  readonly issues: readonly string[];
  /** The issues are appended to the message so a log line shows them all. */
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
  /** The caller must stop working on the task: its result would be refused. */
  override readonly code: QueueErrorCode = "LEASE_LOST";
  /** The task whose lease was lost. */
  readonly taskId: number;
  /** The default message names the task. */
  constructor(taskId: number, message?: string) {
    super(message ?? `lease on task ${taskId} is no longer held by this worker`);
    this.taskId = taskId;
  }
}

/** No task has that id. */
export class TaskNotFoundError extends QueueError {
  /** The id is wrong or the task was purged. */
  override readonly code: QueueErrorCode = "TASK_NOT_FOUND";
  /** The id asked for. */
  readonly taskId: number;
  /** The message names the task. */
  constructor(taskId: number) {
    super(`task ${taskId} does not exist`);
    this.taskId = taskId;
  }
}

/** The abort reason a handler's signal carries when its task was cancelled while running. */
export class TaskCancelledError extends QueueError {
  /** The handler should stop: its result will be ignored. */
  override readonly code: QueueErrorCode = "TASK_CANCELLED";
  /** The task that was cancelled. */
  readonly taskId: number;
  /** The message names the task. */
  constructor(taskId: number) {
    super(`task ${taskId} was cancelled`);
    this.taskId = taskId;
  }
}

/**
 * The abort reason a handler's signal carries when the handler ran past its timeout
 * (`timeoutMs` / `taskTimeouts` of the worker, or `register`'s `timeoutMs`). The attempt is
 * recorded as failed with this error, and retried or failed like any other error; whatever the
 * handler does afterwards is ignored.
 */
export class TaskTimeoutError extends QueueError {
  /** The attempt failed by running too long. */
  override readonly code: QueueErrorCode = "TASK_TIMEOUT";
  /** The task whose handler ran too long. */
  readonly taskId: number;
  /** The timeout that passed. */
  readonly timeoutMs: number;
  /** The message names the task and the timeout. */
  constructor(taskId: number, timeoutMs: number) {
    super(`task ${taskId} timed out after ${timeoutMs} ms`);
    this.taskId = taskId;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * `QueueClient.waitFor` / `watch` gave up: the task had not reached a final status within the
 * wait's `timeoutMs`. The task itself is untouched.
 */
export class WaitTimeoutError extends QueueError {
  /** The wait ran out, not the task. */
  override readonly code: QueueErrorCode = "WAIT_TIMEOUT";
  /** The task waited for. */
  readonly taskId: number;
  /** The wait's limit. */
  readonly timeoutMs: number;
  /** Its status when the wait gave up. */
  readonly lastStatus: string;
  /** The message names the task, the limit and the status it was left in. */
  constructor(taskId: number, timeoutMs: number, lastStatus: string) {
    super(`task ${taskId} did not finish within ${timeoutMs} ms (still ${lastStatus})`);
    this.taskId = taskId;
    this.timeoutMs = timeoutMs;
    this.lastStatus = lastStatus;
  }
}

/**
 * Throw this from a handler when retrying cannot help (bad input, a permanent refusal): the task
 * goes straight to `dead_letter` whatever attempts remain.
 */
export class NonRetryableError extends QueueError {
  /** Sends the task to `dead_letter` rather than retrying it. */
  override readonly code: QueueErrorCode = "NON_RETRYABLE";
}

/** Wraps anything that is not already a queue error, keeping it as `cause`. */
export function toQueueError(err: unknown, context: string): QueueError {
  if (isQueueError(err)) return err;
  return new QueueDatabaseError(`${context}: ${describeThrown(err).message}`, { cause: err });
}

/** A thrown value made printable by {@link describeThrown}. */
export interface ThrownDescription {
  /** `error.name` for an Error, else the value's kind (`string`, `object`, `symbol`, …). */
  readonly name: string;
  /** The message for an Error, else a printable rendering of the value. */
  readonly message: string;
  /** The Error's stack, when it has a readable one. */
  readonly stack: string | null;
}

/** Longest text {@link describeThrown} returns for a message or a stack. */
export const MAX_ERROR_TEXT = 8000;

const UNREADABLE = "[unprintable value]";

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Reads one property, or undefined when its getter (or a Proxy trap) throws. */
function readProperty(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function isErrorLike(value: object): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false; // a revoked Proxy throws on instanceof
  }
}

/** Text of anything that is not an Error; never throws. */
function renderValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "symbol":
      return value.toString();
    case "bigint":
      return `${value.toString()}n`;
    case "function":
      return `[function ${typeof value.name === "string" && value.name !== "" ? value.name : "anonymous"}]`;
    case "object":
      if (value === null) return "null";
      break;
    default:
      return String(value);
  }
  try {
    const text: unknown = String(value);
    if (typeof text === "string" && text !== "[object Object]") return text;
  } catch {
    // no toString (Object.create(null)) or one that throws: try JSON below
  }
  try {
    const json: unknown = JSON.stringify(value);
    if (typeof json === "string") return json;
  } catch {
    // cyclic, a BigInt inside, or a throwing toJSON
  }
  return UNREADABLE;
}

/**
 * Describes any thrown value as text without ever throwing: an Error whose `message` or `name`
 * getter throws, an object without a prototype or whose `toString` throws, a Symbol, a BigInt,
 * a revoked Proxy. The worker records a failed attempt's `error_message`, its `task_logs` row
 * and its log lines from this, so a strange throw is still recorded and retried like an Error.
 */
export function describeThrown(value: unknown, maxLength: number = MAX_ERROR_TEXT): ThrownDescription {
  if (typeof value === "object" && value !== null && isErrorLike(value)) {
    const name = readProperty(value, "name");
    const message = readProperty(value, "message");
    const stack = readProperty(value, "stack");
    return {
      name: clip(typeof name === "string" && name !== "" ? name : "Error", 200),
      message: clip(typeof message === "string" ? message : message === undefined ? UNREADABLE : renderValue(message), maxLength),
      stack: typeof stack === "string" ? clip(stack, maxLength) : null,
    };
  }
  return { name: value === null ? "null" : typeof value, message: clip(renderValue(value), maxLength), stack: null };
}

/**
 * One line for any thrown value: `Name: message` for an Error, the value's rendering otherwise.
 * Never throws; at most `maxLength` characters (plus an ellipsis).
 */
export function describeError(value: unknown, maxLength: number = MAX_ERROR_TEXT): string {
  const d = describeThrown(value, maxLength);
  return typeof value === "object" && value !== null && isErrorLike(value) ? clip(`${d.name}: ${d.message}`, maxLength) : d.message;
}
