/**
 * Issue 10, defect 10 (worker half): a handler may throw anything. Whatever it throws, the
 * attempt's outcome is recorded (a safe description in `error_message`, a `task_logs` row, the
 * app logger and the events) and the task is retried or failed as for an Error; it never stays
 * `processing` until its lease runs out. Through the built package.
 */
import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { DRIVERS } from "./helpers/drivers.ts";
import { importDist } from "./helpers/dist.ts";

const pkg = await importDist<typeof import("../src/index.ts")>("index.js");
const { FakeClock, QueueClient, QueueDatabase, QueueWorker, TaskLogger } = pkg;
type WorkerEvent = import("../src/index.ts").WorkerEvent;

class Weird extends Error {}

/** Values a handler can throw that `String()` or `error.message` cannot print. */
function unprintables(): [label: string, make: () => unknown, expected: RegExp][] {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  return [
    ["Object.create(null)", () => Object.create(null), /^\{\}$/],
    ["toString that throws", () => ({ toString: () => { throw new Error("no"); }, code: 7 }), /"code":7/],
    [
      "Error whose message getter throws",
      () => {
        const e = new Error("x");
        Object.defineProperty(e, "message", { get: () => { throw new Error("getter"); } });
        return e;
      },
      /^Error: \[unprintable value\]$/,
    ],
    [
      "Error whose name getter throws",
      () => {
        const e = new Weird("boom");
        Object.defineProperty(e, "name", { get: () => { throw new Error("getter"); } });
        return e;
      },
      /^Error: boom$/,
    ],
    ["Symbol", () => Symbol("sym"), /^Symbol\(sym\)$/],
    ["BigInt", () => 12345678901234567890n, /^12345678901234567890n$/],
    ["revoked Proxy", () => revoked.proxy, /\[unprintable value\]/],
    ["cyclic object with no prototype", () => { const o = Object.create(null); o.self = o; return o; }, /\[unprintable value\]/],
    ["undefined", () => undefined, /^undefined$/],
  ];
}

for (const d of DRIVERS) {
  describe(`built package: a handler throwing an unprintable value, on ${d.name}`, () => {
    let clock: InstanceType<typeof FakeClock>;
    let db: InstanceType<typeof QueueDatabase>;
    let client: InstanceType<typeof QueueClient>;

    beforeEach(async () => {
      clock = new FakeClock();
      db = await QueueDatabase.open(d.open(), { clock });
      client = new QueueClient(db);
    });
    afterEach(async () => {
      await db.close();
    });

    for (const [label, make, expected] of unprintables()) {
      it(`${label}: recorded and retried, then failed, like an Error`, async () => {
        const id = await client.enqueue("t", {}, { maxAttempts: 2 });
        const events: WorkerEvent[] = [];
        const logged: Record<string, unknown>[] = [];
        const logger = { debug() {}, info() {}, warn: (_m: string, f?: Record<string, unknown>) => void logged.push(f ?? {}), error: (_m: string, f?: Record<string, unknown>) => void logged.push(f ?? {}) };
        const w = new QueueWorker(db, { workerId: "w", random: () => 0, heartbeatIntervalMs: 0, logger, onEvent: (e) => void events.push(e), backoff: { baseMs: 1000, jitter: 0 } });
        w.register("t", () => {
          throw make();
        });
        assert.equal(await w.processOnce(), 1);
        const first = await client.getTask(id);
        assert.equal(first?.status, "queued", "retried, not stuck in processing");
        assert.match(first?.errorMessage ?? "", expected);
        assert.equal(w.stats.errors, 0, "no worker error: the outcome was written");
        assert.deepEqual(events.map((e) => e.type), ["claimed", "retried"]);
        const retried = events[1] as Extract<WorkerEvent, { type: "retried" }>;
        assert.equal(retried.errorMessage, first?.errorMessage, "the event carries the same description");
        assert.equal(logged[0]?.["error"], first?.errorMessage, "the app logger hears the same description");
        const rows = await new TaskLogger(db).getTaskLogs(id);
        const errorRow = rows.find((r) => r.level === "ERROR");
        assert.ok(errorRow, "a task_logs error row");
        const details = errorRow.details as Record<string, unknown>;
        const logMessage = String(details["error_message"]);
        assert.ok(first?.errorMessage?.endsWith(logMessage), `task_logs error_message ${logMessage} is part of ${first?.errorMessage}`);
        assert.equal(typeof details["error_type"], "string");

        await clock.advance(1000);
        assert.equal(await w.processOnce(), 1);
        const last = await client.getTask(id);
        assert.equal(last?.status, "failed", "no attempts left: failed, not 'lease expired'");
        assert.match(last?.errorMessage ?? "", expected);
        assert.equal(last?.attempts, 2);
      });
    }

    it("also when the worker groups outcomes (start(), prefetch) and for a non-retryable class check that throws", async () => {
      const ids = await client.enqueueMany([1, 2, 3].map((n) => ({ type: "t", payload: { n }, options: { maxAttempts: 1 } })));
      const revoked = Proxy.revocable({}, {});
      revoked.revoke();
      const w = new QueueWorker(db, {
        workerId: "w",
        concurrency: 1,
        batchSize: 3,
        pollIntervalMs: 10,
        heartbeatIntervalMs: 0,
        nonRetryableErrors: [Weird],
      });
      const throws = [() => Object.create(null), () => revoked.proxy, () => Symbol("s")];
      w.register("t", (p: { n: number }) => {
        throw throws[p.n - 1]!();
      });
      w.start();
      for (let i = 0; i < 50 && (await client.stats()).failed < 3; i++) await clock.advance(10);
      await w.stop();
      for (const id of ids) assert.equal((await client.getTask(id))?.status, "failed", `task ${id}`);
      assert.equal(w.stats.errors, 0);
    });
  });
}

describe("built package: describeError / describeThrown", () => {
  it("never throw and describe each value", () => {
    for (const [label, make, expected] of unprintables()) {
      const value = make();
      assert.match(pkg.describeError(value), expected, label);
      const d = pkg.describeThrown(value);
      assert.equal(typeof d.name, "string", label);
      assert.equal(typeof d.message, "string", label);
    }
    assert.equal(pkg.describeError(new TypeError("bad")), "TypeError: bad");
    assert.equal(pkg.describeError("plain"), "plain");
    assert.equal(pkg.describeError({ a: 1 }), '{"a":1}');
    assert.equal(pkg.describeError("x".repeat(10_000)).length, pkg.MAX_ERROR_TEXT + 1, "clipped with an ellipsis");
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    assert.equal(pkg.isQueueError(revoked.proxy), false);
  });
});
