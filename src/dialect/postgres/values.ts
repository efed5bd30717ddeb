/**
 * How PostgreSQL values become the core's {@link SqlValue}s, shared by the PostgreSQL drivers
 * so the core decodes rows with no per-engine code: `timestamptz`/`timestamp` as the stored UTC
 * text `YYYY-MM-DD HH:MM:SS.SSS`, `bigint` as a number when safe (a bigint beyond 2^53), `numeric`
 * as a number, booleans as 1/0, JSON as its text.
 *
 * @internal
 * @module
 */
import type { SqlValue } from "../../driver.ts";

/** Type OIDs the drivers map. */
export const PG_OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  json: 114,
  float4: 700,
  float8: 701,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  jsonb: 3802,
} as const;

const pad = (n: number, w: number): string => String(n).padStart(w, "0");

/**
 * A `timestamptz` or `timestamp` as PostgreSQL prints it (`2026-01-01 10:00:00.12+00`, any zone,
 * up to microseconds) → `2026-01-01 10:00:00.120` in UTC. Infinity and BC dates come back as
 * the server printed them.
 */
export function pgTimeToText(raw: string): string {
  const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?$/.exec(raw);
  if (m === null) return raw;
  const ms = (m[2] ?? "").padEnd(3, "0").slice(0, 3);
  if (m[3] === undefined || (m[4] === "00" && (m[5] ?? "00") === "00" && (m[6] ?? "00") === "00")) return `${m[1]}.${ms}`;
  const sign = m[3] === "-" ? -1 : 1;
  const offsetMs = sign * ((Number(m[4]) * 60 + Number(m[5] ?? 0)) * 60 + Number(m[6] ?? 0)) * 1000;
  const t = Date.parse(`${m[1]!.replace(" ", "T")}.${ms}Z`) - offsetMs;
  if (!Number.isFinite(t)) return raw;
  const d = new Date(t);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}`
  );
}

/** A `bigint` column's text → a number when it is safe, else a bigint (exact). */
export function pgInt8(raw: string): number | bigint {
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : BigInt(raw);
}

/** A `numeric` column's text → a number (an integer beyond 2^53 stays exact as a bigint). */
export function pgNumeric(raw: string): number | bigint {
  if (/^-?\d+$/.test(raw)) return pgInt8(raw);
  return Number(raw);
}

/** A boolean → 1 or 0 (the driver boundary has no boolean). */
export function pgBool(raw: string | boolean): number {
  return raw === true || raw === "t" || raw === "true" ? 1 : 0;
}

/** A parameter value as text for a `timestamptz`/`json`/`jsonb` parameter: strings pass through. */
export function passText(x: unknown): string {
  return typeof x === "string" ? x : typeof x === "bigint" ? x.toString() : JSON.stringify(x);
}

/** A parameter for a `bool` parameter: 1/0, "t"/"f" and true/false. */
export function pgBoolParam(x: unknown): string {
  return x === true || x === 1 || x === 1n || x === "t" || x === "true" || x === "1" ? "t" : "f";
}

/** Narrows a driver-parsed value to a {@link SqlValue} (a Date, should one slip through, as stored text). */
export function toSqlValue(v: unknown): SqlValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "string":
    case "number":
    case "bigint":
      return v;
    case "boolean":
      return v ? 1 : 0;
    default:
      if (v instanceof Uint8Array) return v;
      if (v instanceof Date) return pgTimeToText(v.toISOString().replace("T", " ").replace("Z", "+00"));
      return JSON.stringify(v);
  }
}
