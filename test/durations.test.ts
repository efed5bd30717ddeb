import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseWorkerConfig } from "../src/config/worker-config.ts";
import { durationKeysToMs, isDuration, parseDuration, QueueValidationError } from "../src/index.ts";

describe("parseDuration (the one duration reader)", () => {
  it("reads milliseconds and human durations", () => {
    const cases: [unknown, number][] = [
      [1500, 1500],
      ["1500", 1500],
      ["250ms", 250],
      ["30s", 30_000],
      ["5m", 300_000],
      ["1.5h", 5_400_000],
      ["1d", 86_400_000],
      ["2 days", 172_800_000],
      [" 10s ", 10_000],
      [0, 0],
    ];
    for (const [input, ms] of cases) assert.equal(parseDuration(input, "x"), ms, String(input));
  });

  it("refuses what is not a duration, naming it", () => {
    for (const bad of ["", "5 parsecs", "abc", "-5m", "1e3", "0x10", Number.NaN, Infinity, -1, null, {}, true]) {
      assert.throws(() => parseDuration(bad, "--every"), (e: unknown) => e instanceof QueueValidationError && e.message.startsWith("--every:"), String(bad));
      assert.equal(isDuration(bad), false, String(bad));
    }
    assert.throws(() => parseDuration("5m", "t", { max: 1000 }), /outside 0\.\.1000 ms/);
    assert.throws(() => parseDuration(0, "t", { min: 1 }), /outside 1\.\./);
  });
});

describe("durations in the worker config", () => {
  it("every key ending in Ms, and taskTimeouts' values, take human durations", () => {
    const c = parseWorkerConfig(
      ["leaseMs: 2m", "pollIntervalMs: 250ms", "heartbeatIntervalMs: 10s", "staleAfterMs: 5m", "shutdownTimeoutMs: 1m",
        "scheduleIntervalMs: 2s", "timeoutMs: 1h", "backoff: { baseMs: 30s, maxMs: 1h }", "taskTimeouts: { video: 30m, email: 5000 }",
        "database: { pragmas: { busy_timeout: 8000 } }"].join("\n"),
      { format: "yaml", source: "w.yaml" },
    );
    assert.equal(c.leaseMs, 120_000);
    assert.equal(c.pollIntervalMs, 250);
    assert.equal(c.heartbeatIntervalMs, 10_000);
    assert.equal(c.staleAfterMs, 300_000);
    assert.equal(c.shutdownTimeoutMs, 60_000);
    assert.equal(c.scheduleIntervalMs, 2000);
    assert.equal(c.timeoutMs, 3_600_000);
    assert.deepEqual(c.backoff, { baseMs: 30_000, maxMs: 3_600_000 });
    assert.deepEqual(c.taskTimeouts, { video: 1_800_000, email: 5000 });
    assert.deepEqual(c.database.pragmas, { busy_timeout: 8000 });
  });

  it("a bad duration names the file and the key", () => {
    assert.throws(() => parseWorkerConfig("leaseMs: soon", { format: "yaml", source: "w.yaml" }), /w\.yaml: key "leaseMs": expected a duration/);
    assert.throws(() => parseWorkerConfig('{"backoff":{"baseMs":"5 parsecs"}}', { format: "json", source: "w.json" }), /key "backoff\.baseMs"/);
  });

  it("durationKeysToMs leaves other keys and numbers alone", () => {
    assert.deepEqual(durationKeysToMs({ a: "5m", aMs: "5m", n: { xMs: 3, yMs: "1s" }, list: ["1m"] }, "s"), { a: "5m", aMs: 300_000, n: { xMs: 3, yMs: 1000 }, list: ["1m"] });
  });
});
