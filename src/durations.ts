/**
 * Human durations (`250ms`, `30s`, `5m`, `1.5h`, `1d`) for CLI flags, config keys and schedule
 * intervals, read by one helper over `@lukeed/ms` so every place accepts the same spellings.
 * Plain numbers (and digit-only strings) are milliseconds, as before.
 *
 * @module
 */
import { parse } from "@lukeed/ms";
import { QueueValidationError } from "./errors.ts";

/** A duration as a user may write it: milliseconds, or text such as `"5m"` or `"1d"`. */
export type Duration = number | string;

/** Longest duration accepted: what a timer can wait (setTimeout's limit, about 24.8 days) unless widened. */
export const MAX_TIMER_MS: number = 2 ** 31 - 1;

/** Options of {@link parseDuration}. */
export interface ParseDurationOptions {
  /** Smallest value accepted. @default 0 */
  readonly min?: number | undefined;
  /** Largest value accepted. @default Number.MAX_SAFE_INTEGER */
  readonly max?: number | undefined;
}

/**
 * Milliseconds of `value` (`1500`, `"1500"`, `"250ms"`, `"5m"`, `"1d"`, `"1.5h"`), rounded to
 * a whole millisecond; a {@link QueueValidationError} naming `what` for anything else (negative,
 * not finite, unknown unit, out of range).
 */
export function parseDuration(value: unknown, what: string, options: ParseDurationOptions = {}): number {
  const min = options.min ?? 0;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  let ms: number | undefined;
  if (typeof value === "number") ms = value;
  else if (typeof value === "string") {
    const text = value.trim();
    ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) : /^\d*\.?\d+\s*[a-zA-Z]+$/.test(text) ? parse(text) : undefined;
  }
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new QueueValidationError(`${what}: expected a duration such as 1500, "250ms", "30s", "5m", "2h" or "1d", got ${show(value)}`);
  }
  const rounded = Math.round(ms);
  if (rounded < min || rounded > max) {
    throw new QueueValidationError(`${what}: ${show(value)} is ${rounded} ms, outside ${min}..${max} ms`);
  }
  return rounded;
}

/** True if `value` is a number or a string {@link parseDuration} reads. */
export function isDuration(value: unknown): value is Duration {
  try {
    parseDuration(value, "value");
    return true;
  } catch {
    return false;
  }
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.slice(0, 40));
  return typeof value === "number" || typeof value === "boolean" || value === null || value === undefined ? String(value) : typeof value;
}

/**
 * A copy of a parsed config object in which every string under a key ending in `Ms` (at any
 * depth: `leaseMs`, `backoff.baseMs`, …) and every string value of `taskTimeouts` is read by
 * {@link parseDuration}, so a config file may say `leaseMs: 5m`. Numbers and other keys are
 * left as they are; a bad duration is a {@link QueueValidationError} naming `source` and the key.
 */
export function durationKeysToMs(value: unknown, source: string, path: readonly string[] = []): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const here = [...path, key];
    const isDuration = /Ms$/.test(key) || path[path.length - 1] === "taskTimeouts";
    if (typeof v === "string" && isDuration) out[key] = parseDuration(v, `${source}: key "${here.join(".")}"`);
    else if (key === "pragmas") out[key] = v; // database.pragmas are the engine's, not durations
    else out[key] = durationKeysToMs(v, source, here);
  }
  return out;
}
