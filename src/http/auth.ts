/**
 * Bearer tokens: write tokens may do everything, read tokens only read (dashboard, metrics).
 *
 * @module
 */
import { QueueValidationError } from "../errors.ts";

/** What a request may do. */
export type Access = "none" | "read" | "write";

const encoder = new TextEncoder();

/**
 * Compares two strings in time that depends only on their lengths' maximum, not on where they
 * first differ, so a caller cannot find a token byte by byte from response times.
 */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.max(x.length, y.length);
  let diff = x.length ^ y.length;
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** The tokens a server accepts. */
export interface TokenSet {
  readonly write: readonly string[];
  readonly read: readonly string[];
}

/** Refuses tokens too short to be secrets, and one string given as both kinds. */
export function checkTokens(tokens: TokenSet): void {
  for (const t of [...tokens.write, ...tokens.read]) {
    if (typeof t !== "string" || t.length < 16 || /\s/.test(t)) {
      throw new QueueValidationError("invalid HTTP token", ["a token must be at least 16 characters with no whitespace"]);
    }
  }
  if (tokens.read.some((r) => tokens.write.some((w) => timingSafeEqual(r, w)))) {
    throw new QueueValidationError("invalid HTTP token", ["the same token is given as a read token and a write token"]);
  }
}

/** True when the server runs with no tokens (then it must stay on loopback). */
export function authDisabled(tokens: TokenSet): boolean {
  return tokens.write.length === 0 && tokens.read.length === 0;
}

/**
 * What the `Authorization` header grants. Every configured token is compared, whatever matched
 * first, so the time taken does not tell which kind of token was close.
 */
export function accessOf(header: string | undefined, tokens: TokenSet): Access {
  if (authDisabled(tokens)) return "write";
  const m = header === undefined ? null : /^Bearer ([^\s]+)$/i.exec(header.trim());
  if (m === null) return "none";
  const presented = m[1]!;
  let write = false;
  let read = false;
  for (const t of tokens.write) write = timingSafeEqual(presented, t) || write;
  for (const t of tokens.read) read = timingSafeEqual(presented, t) || read;
  return write ? "write" : read ? "read" : "none";
}

/** True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Refuses to serve beyond loopback without a token: call before listening on `host`. Throws a
 * {@link QueueValidationError} saying what to pass.
 */
export function assertSafeBind(host: string, tokens: { write?: readonly string[]; read?: readonly string[] }): void {
  if (isLoopbackHost(host)) return;
  if ((tokens.write?.length ?? 0) + (tokens.read?.length ?? 0) === 0) {
    throw new QueueValidationError(`refusing to listen on ${host} without a token`, [
      "beyond loopback every request must carry a bearer token: pass a token (--token / PRISMQ_HTTP_TOKEN)",
    ]);
  }
}
