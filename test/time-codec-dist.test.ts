/**
 * The stored-time codec of the built package against the plain `Date` formulas it replaced.
 * `toSqlTime` formats the date and hour once an hour and the rest by arithmetic; `fromSqlTime`
 * reads minutes, seconds and milliseconds by character codes once it has seen the hour. Both
 * must give exactly what the old code gave for every input: times in one hour and across hour,
 * day and year edges, fractional milliseconds, years before 0, and any text at all to parse
 * (the old parser's leniencies included: the `T` separator, one or two millisecond digits,
 * trailing characters, out-of-range fields that `Date.UTC` carries over).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { core } from "./helpers/dist-drivers.ts";

const { toSqlTime, fromSqlTime } = core;
/** The last storable time, 9999-12-31 23:59:59.999 UTC (the package does not export it). */
const MAX_TASK_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The formatting as it was: `Date#toISOString` reshaped. */
function oldFormat(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** The parsing as it was: one regular expression and `Date.UTC`. */
function oldParse(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?/.exec(text);
  if (m === null) return Number.NaN;
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, "0"));
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms);
}

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 2, 17, 59, 59, 990);
// Times near one instant (the common case: the fast paths), near hour edges, and anywhere.
const near = fc.integer({ min: -2 * HOUR, max: 2 * HOUR }).map((d) => NOW + d);
const edge = fc.tuple(fc.integer({ min: 0, max: 2_000_000 }), fc.integer({ min: -3, max: 3 })).map(([h, d]) => h * HOUR + d);
const anywhere = fc.integer({ min: -8.64e15, max: MAX_TASK_TIME_MS });
const fractional = fc.double({ min: -1e13, max: 1e13, noNaN: true });
const time = fc.oneof(near, edge, anywhere, fractional);

describe("stored-time codec (dist)", () => {
  it("formats every time exactly as Date#toISOString did", () => {
    for (const ms of [0, -1, 0.5, -0.5, 1.999, -1.999, HOUR - 1, HOUR, -HOUR - 1, -62_167_219_200_000, -62_167_219_200_001, MAX_TASK_TIME_MS, -8.64e15]) {
      assert.equal(toSqlTime(ms), oldFormat(ms), String(ms));
    }
    fc.assert(fc.property(fc.array(time, { minLength: 1, maxLength: 20 }), (times) => times.every((ms) => toSqlTime(ms) === oldFormat(ms))), { numRuns: 2000 });
  });

  it("parses every text exactly as the regular expression did, and its own output back to the time", () => {
    const same = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));
    const fixed = ["2026-12-02 17:45:01.123", "2026-12-02 17:45:01", "2026-12-02T17:45:01.5", "2026-12-02 17:45:01.12", "0050-01-01 00:00:00.1", "2026-02-30 25:61:61.999", "2026-12-02 17:45:01.1234", "2026-12-02 17:45:0a.123", "2026-12-02 17:45:01.12x", "2026-12-02 17:45:01.", "2026-12-02 17:45", "", "yesterday"];
    // Twice: the second pass runs with every hour already seen.
    for (let pass = 0; pass < 2; pass++) for (const t of fixed) assert.ok(same(fromSqlTime(t), oldParse(t)), `${JSON.stringify(t)}: ${fromSqlTime(t)} vs ${oldParse(t)}`);
    fc.assert(fc.property(fc.integer({ min: 0, max: MAX_TASK_TIME_MS }), (ms) => fromSqlTime(toSqlTime(ms)) === ms), { numRuns: 2000 });
    fc.assert(fc.property(near, (ms) => fromSqlTime(toSqlTime(ms)) === ms), { numRuns: 2000 });
    // Stored-looking texts with a few characters changed and cut at any length.
    const mutated = fc
      .tuple(near, fc.array(fc.tuple(fc.nat(22), fc.constantFrom(..."0123456789 -:.Tx")), { maxLength: 3 }), fc.integer({ min: 15, max: 25 }))
      .map(([ms, edits, len]) => {
        const chars = toSqlTime(ms).split("");
        for (const [at, c] of edits) chars[at] = c;
        return chars.join("").slice(0, len);
      });
    fc.assert(fc.property(fc.array(mutated, { minLength: 1, maxLength: 10 }), (texts) => texts.every((t) => same(fromSqlTime(t), oldParse(t)))), { numRuns: 3000 });
  });
});
