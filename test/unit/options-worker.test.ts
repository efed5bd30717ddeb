/**
 * Unit tests of the worker options' one schema (src/options.ts) and what derives from it: the
 * defaults the worker runs with, the config file schema (src/config/worker-config.ts) and the
 * cross-field rules. Pure: no database is opened.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as z from "zod/mini";
import { checkWorkerOptionRules, parseOptions, WorkerOptionsSchema, type WorkerSettings } from "../../src/options.ts";
import { parseWorkerConfig, WorkerConfigSchema } from "../../src/config/worker-config.ts";
import { QueueValidationError } from "../../src/errors.ts";

const parse = (o: unknown): WorkerSettings => parseOptions(WorkerOptionsSchema, o, "QueueWorker options");
const rules = (o: unknown): void =>
  checkWorkerOptionRules(parse(o), (k) => k, (issues) => new QueueValidationError("invalid QueueWorker options", issues), "QueueWorker options");
const config = (text: string) => parseWorkerConfig(text, { format: "json", source: "w.json" });

describe("worker options: one schema, one set of defaults", () => {
  it("an empty object gets every default", () => {
    assert.deepEqual(parse({}), {
      strategy: "PRIORITY",
      concurrency: 1,
      leaseMs: 30_000,
      pollIntervalMs: 1000,
      heartbeatIntervalMs: 10_000,
      staleAfterMs: 300_000,
      capabilities: {},
      crashPolicy: {},
      taskLogs: "failures",
      reclaimStaleWorkers: true,
      scheduleIntervalMs: 1000,
    });
  });

  it("the config file has the same defaults for every key it shares with the worker", () => {
    const worker = parse({});
    const file = config("{}");
    const shared = Object.keys(WorkerOptionsSchema.shape).filter((k) => k in WorkerConfigSchema.shape);
    assert.ok(shared.length >= 14, `shared keys: ${shared.join(", ")}`);
    for (const k of shared) assert.deepEqual((file as Record<string, unknown>)[k], (worker as Record<string, unknown>)[k], k);
  });

  it("every worker option but reclaimStaleWorkers can be set in a config file, with the same rules", () => {
    const fileKeys = new Set(Object.keys(WorkerConfigSchema.shape));
    const missing = Object.keys(WorkerOptionsSchema.shape).filter((k) => !fileKeys.has(k));
    assert.deepEqual(missing.sort(), ["reclaimStaleWorkers"]);
    // Same field schema object, so the same checks: a value refused by one is refused by the other.
    for (const [k, v] of [["concurrency", 0], ["leaseMs", 0], ["pollIntervalMs", -1], ["strategy", "fifo"], ["batchSize", 10_001]] as const) {
      assert.throws(() => parse({ [k]: v }), QueueValidationError, `worker ${k}=${v}`);
      assert.throws(() => config(JSON.stringify({ [k]: v })), new RegExp(`key "${k}"`), `file ${k}=${v}`);
    }
  });

  it("times are whole milliseconds within a timer's range, in code and in files alike", () => {
    for (const k of ["leaseMs", "pollIntervalMs", "timeoutMs", "heartbeatIntervalMs"]) {
      assert.throws(() => parse({ [k]: 1.5 }), new RegExp(k));
      assert.throws(() => parse({ [k]: 2 ** 31 }), new RegExp(k));
      assert.throws(() => config(JSON.stringify({ [k]: 1.5 })), new RegExp(`key "${k}"`));
    }
  });

  it("unknown keys are refused (a typo is not silently ignored)", () => {
    assert.throws(() => parse({ leaseMS: 1000 }), /leaseMS/);
    assert.throws(() => config('{"leaseMS": 1000}'), /leaseMS/);
  });

  it("the inferred input type has every key optional and the output type every default filled", () => {
    type In = z.input<typeof WorkerOptionsSchema>;
    const none: In = {};
    const out: WorkerSettings = parse(none);
    const lease: number = out.leaseMs; // not `number | undefined`: the default is in the type
    assert.equal(lease, 30_000);
  });
});

describe("worker options: cross-field rules, the same for QueueWorker and config files", () => {
  it("renewIntervalMs must be shorter than leaseMs", () => {
    assert.throws(() => rules({ leaseMs: 1000, renewIntervalMs: 1000 }), /renewIntervalMs: must be shorter than leaseMs \(1000\)/);
    assert.throws(() => config('{"leaseMs": 1000, "renewIntervalMs": 1000}'), /key "renewIntervalMs": must be shorter than leaseMs \(1000\)/);
    rules({ leaseMs: 1000, renewIntervalMs: 999 });
  });

  it("staleAfterMs must be at least 3 × heartbeatIntervalMs while heartbeats are on", () => {
    assert.throws(() => rules({ heartbeatIntervalMs: 1000, staleAfterMs: 2999 }), /staleAfterMs \(2999\) must be at least 3 × heartbeatIntervalMs \(3000\)/);
    assert.throws(() => config('{"heartbeatIntervalMs": 1000, "staleAfterMs": 2999}'), /key "staleAfterMs" \(2999\) must be at least 3/);
    rules({ heartbeatIntervalMs: 1000, staleAfterMs: 3000 });
    rules({ heartbeatIntervalMs: 0, staleAfterMs: 1 });
  });

  it("backoff.maxMs must not be below backoff.baseMs (the defaults fill the missing one)", () => {
    assert.throws(() => rules({ backoff: { baseMs: 5000, maxMs: 4000 } }), /backoff\.maxMs: must be >= backoff\.baseMs/);
    assert.throws(() => rules({ backoff: { maxMs: 1000 } }), /backoff\.maxMs/, "below the default base of 60 s");
    assert.throws(() => config('{"backoff": {"baseMs": 5000, "maxMs": 4000}}'), /key "backoff\.maxMs"/);
    rules({ backoff: { baseMs: 5000, maxMs: 5000 } });
  });

  it("crash policies are retry, fail or dead_letter", () => {
    assert.deepEqual(parse({ crashPolicy: { a: "retry", b: "fail", c: "dead_letter" } }).crashPolicy, { a: "retry", b: "fail", c: "dead_letter" });
    assert.throws(() => parse({ crashPolicy: { a: "requeue" } }), /crashPolicy\.a/);
    assert.throws(() => config('{"crashPolicy": {"a": "requeue"}}'), /key "crashPolicy\.a"/);
  });

  it("handler timeouts: 0 or more, per type with a non-empty type", () => {
    assert.equal(parse({ timeoutMs: 0 }).timeoutMs, 0);
    assert.throws(() => parse({ timeoutMs: -1 }), /timeoutMs/);
    assert.throws(() => parse({ taskTimeouts: { "": 5 } }), /taskTimeouts/);
    assert.throws(() => parse({ taskTimeouts: { a: -5 } }), /taskTimeouts\.a/);
  });
});
