/**
 * The few assertions the conformance suite needs, with no runtime-specific import (no
 * `node:assert`), so the same files run under Node, Deno, Bun and in a browser Worker. Every
 * failure is a plain `Error` whose message says what was expected and what came instead.
 *
 * @module
 */

/** Thrown by every assertion here. */
export class AssertionError extends Error {
  override readonly name = "AssertionError";
}

/** A short, stable rendering of a value for messages (bigints, bytes, undefined and NaN kept). */
export function show(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return `[function ${value.name || "anonymous"}]`;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    const text = JSON.stringify(value, (_k, v: unknown) =>
      typeof v === "bigint"
        ? `${v}n`
        : v instanceof Uint8Array
          ? `Uint8Array[${[...v].join(",")}]`
          : v instanceof Map
            ? { Map: [...v.entries()] }
            : v instanceof Set
              ? { Set: [...v] }
              : v === undefined
                ? "undefined"
                : v,
    );
    return text ?? String(value);
  } catch {
    return String(value);
  }
}

function fail(message: string | undefined, detail: string): never {
  throw new AssertionError(message === undefined ? detail : `${message}: ${detail}`);
}

/** Passes if `value` is truthy. */
export function ok(value: unknown, message?: string): asserts value {
  if (!value) fail(message, `expected a truthy value, got ${show(value)}`);
}

/** Passes if `actual` is `expected` (`Object.is`, so NaN equals NaN and 0 differs from -0). */
export function equal<T>(actual: unknown, expected: T, message?: string): asserts actual is T {
  if (!Object.is(actual, expected)) fail(message, `expected ${show(expected)}, got ${show(actual)}`);
}

function deepSame(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((v, i) => v === b[i]);
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepSame(v, b.get(k))) return false;
    return true;
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepSame(v, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepSame((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Passes if `actual` and `expected` have the same structure and values (same prototypes). */
export function deepEqual<T>(actual: unknown, expected: T, message?: string): asserts actual is T {
  if (!deepSame(actual, expected)) fail(message, `expected ${show(expected)}, got ${show(actual)}`);
}

/** What {@link rejects} accepts as the expected error: a class, or a predicate. */
export type ErrorMatcher = (abstract new (...args: never[]) => unknown) | ((error: unknown) => boolean);

function isClass(m: ErrorMatcher): m is abstract new (...args: never[]) => unknown {
  if (typeof m !== "function" || !Object.hasOwn(m, "prototype")) return false;
  const proto: unknown = m.prototype;
  return m === Error || proto instanceof Error || /^class[\s{]/.test(Function.prototype.toString.call(m));
}

/**
 * Passes if the promise (or the promise the function returns) rejects, with an error matching
 * `expected` when given. Resolves with the error, for further checks.
 */
export async function rejects(
  action: Promise<unknown> | (() => Promise<unknown>),
  expected?: ErrorMatcher,
  message?: string,
): Promise<unknown> {
  let error: unknown;
  try {
    await (typeof action === "function" ? action() : action);
  } catch (err) {
    error = err;
    if (expected !== undefined) {
      const matches = isClass(expected) ? err instanceof expected : (expected as (e: unknown) => boolean)(err);
      if (!matches) {
        const want = isClass(expected) ? expected.name : "the predicate";
        fail(message, `expected a rejection matching ${want}, got ${show(err)}`);
      }
    }
    return error;
  }
  fail(message, "expected a rejection, but it resolved");
}
