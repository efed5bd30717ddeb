/**
 * Unit tests of the retry delay (src/backoff.ts): pure, no database.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { backoffMs, DEFAULT_BACKOFF, nominalBackoffMs } from "../../src/backoff.ts";

describe("backoff", () => {
  it("the default is the seeds' 1, 2, 4, 8 … minutes capped at an hour", () => {
    const minutes = [1, 2, 3, 4, 5, 6, 7, 8].map((a) => nominalBackoffMs(a, DEFAULT_BACKOFF) / 60_000);
    assert.deepEqual(minutes, [1, 2, 4, 8, 16, 32, 60, 60]);
  });

  it("attempt 0 or below counts as the first failure", () => {
    assert.equal(nominalBackoffMs(0, DEFAULT_BACKOFF), 60_000);
    assert.equal(nominalBackoffMs(-3, DEFAULT_BACKOFF), 60_000);
  });

  it("jitter only takes off: random 0 gives the nominal delay, random → 1 gives nominal × (1 − jitter)", () => {
    const b = { baseMs: 1000, factor: 2, maxMs: 10_000, jitter: 0.25 };
    assert.equal(backoffMs(3, b, () => 0), 4000);
    assert.equal(backoffMs(3, b, () => 0.999999), 3000);
    assert.equal(backoffMs(10, b, () => 0), 10_000, "the cap stays a cap");
  });

  it("rounds to whole milliseconds when a fractional factor makes the delay fractional", () => {
    const b = { baseMs: 10, factor: 1.5, maxMs: 1000, jitter: 0 };
    assert.equal(nominalBackoffMs(2, b), 15);
    assert.equal(nominalBackoffMs(3, b), 22.5);
    assert.equal(backoffMs(3, b, () => 0.5), 23);
    for (let a = 1; a < 20; a++) assert.ok(Number.isInteger(backoffMs(a, b, Math.random)));
  });

  it("with jitter 0 the delay does not depend on the random source", () => {
    const b = { ...DEFAULT_BACKOFF, jitter: 0 };
    assert.equal(backoffMs(2, b, () => 0.9), backoffMs(2, b, () => 0.1));
  });
});
