/**
 * Unit tests of the stored-time codec (src/clock.ts): pure, no database. The stored text must
 * sort as time does, because every claim compares it as text.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { fromSqlTime, isTaskTime, MAX_TASK_TIME_MS, toSqlRunAfter, toSqlTime } from "../../src/clock.ts";
import { QueueValidationError } from "../../src/errors.ts";

const taskTime = fc.integer({ min: 0, max: MAX_TASK_TIME_MS });

describe("time codec", () => {
  it("formats UTC as YYYY-MM-DD HH:MM:SS.SSS and parses it back exactly", () => {
    assert.equal(toSqlTime(Date.UTC(2026, 0, 2, 3, 4, 5, 67)), "2026-01-02 03:04:05.067");
    fc.assert(fc.property(taskTime, (ms) => fromSqlTime(toSqlTime(ms)) === ms));
  });

  it("text order is time order over the whole storable range", () => {
    fc.assert(
      fc.property(taskTime, taskTime, (a, b) => {
        const ta = toSqlTime(a);
        const tb = toSqlTime(b);
        return Math.sign(a - b) === (ta < tb ? -1 : ta > tb ? 1 : 0);
      }),
    );
  });

  it("refuses times it cannot store in sortable form: after 9999, NaN, ±Infinity", () => {
    for (const bad of [MAX_TASK_TIME_MS + 1, 8.64e15 + 1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      assert.throws(() => toSqlTime(bad), QueueValidationError, String(bad));
      assert.equal(isTaskTime(bad), false);
    }
    assert.equal(isTaskTime(0), true);
    assert.equal(isTaskTime(MAX_TASK_TIME_MS), true);
    assert.equal(isTaskTime(-1), false, "a task cannot be scheduled before 1970");
  });

  it("reads SQLite's own second-precision form and the T separator; anything else is NaN", () => {
    assert.equal(fromSqlTime("2026-01-02 03:04:05"), Date.UTC(2026, 0, 2, 3, 4, 5));
    assert.equal(fromSqlTime("2026-01-02T03:04:05.5"), Date.UTC(2026, 0, 2, 3, 4, 5, 500));
    assert.ok(Number.isNaN(fromSqlTime("yesterday")));
  });

  it("a run time already reached is stored at second precision, a future one keeps its milliseconds", () => {
    const now = Date.UTC(2026, 5, 1, 12, 0, 0, 500);
    assert.equal(toSqlRunAfter(now - 1, now), "2026-06-01 12:00:00");
    assert.equal(toSqlRunAfter(now + 1, now), "2026-06-01 12:00:00.501");
  });
});
