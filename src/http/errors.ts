/**
 * Maps anything thrown in a route to the one error body and an HTTP status.
 *
 * @module
 */
import { isQueueError, type QueueValidationError } from "../errors.ts";
import type { ApiErrorBody, ApiErrorCode } from "./schemas.ts";

/** An error the HTTP layer raises itself (auth, size, unknown route). */
export class HttpError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly details: readonly string[];
  constructor(status: number, code: ApiErrorCode, message: string, details: readonly string[] = []) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The error body. */
export function errorBody(code: ApiErrorCode, message: string, details: readonly string[] = []): ApiErrorBody {
  return { error: { code, message, details } };
}

const STATUS_BY_CODE: Partial<Record<ApiErrorCode, number>> = {
  VALIDATION: 400,
  TASK_NOT_FOUND: 404,
  BUSY: 503,
  CLOSED: 503,
  CONSTRAINT: 409,
};

/** Status and body for a thrown value. Unknown errors say nothing of their internals. */
export function toErrorResponse(err: unknown): { status: number; body: ApiErrorBody } {
  if (err instanceof HttpError) return { status: err.status, body: errorBody(err.code, err.message, err.details) };
  if (isQueueError(err)) {
    const details = err.code === "VALIDATION" ? (err as QueueValidationError).issues : [];
    return { status: STATUS_BY_CODE[err.code] ?? 500, body: errorBody(err.code, err.message, details) };
  }
  return { status: 500, body: errorBody("INTERNAL", "internal error") };
}

/** zod issues as `path: message` lines. */
export function issueLines(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string[] {
  return issues.map((i) => `${i.path.length > 0 ? i.path.map(String).join(".") : "(root)"}: ${i.message}`);
}
