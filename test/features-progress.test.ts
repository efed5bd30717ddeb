/**
 * Progress and results (issue 17 item 3): `context.progress(value)` stored under the lease
 * (a stale holder is refused), size-limited JSON; the handler's return value stored at
 * completion, alone or in a group-committed batch; both readable through `getTask`.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { FEATURE_ENGINES } from "./helpers/feature-engines.ts";
import {
  FakeClock,
  LeaseLostError,
  PROGRESS_MAX_BYTES,
  QueueClient,
  QueueDatabase,
  QueueValidationError,
  QueueWorker,
  RESULT_MAX_BYTES,
  type TaskContext,
  writeProgress,
} from "../src/index.ts";

for (const d of FEATURE_ENGINES) {
  describe(`progress and results on ${d.name}`, d.options, () => {
    let clock: FakeClock;
    let db: QueueDatabase;
    let dispose = async (): Promise<void> => {};
    let client: QueueClient;
    beforeEach(async () => {
      clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0));
      ({ db, dispose } = await d.open(clock));
      client = new QueueClient(db);
    });
    afterEach(async () => {
      await dispose();
    });

    it("a handler's progress is readable while it runs, and its return value after", async () => {
      const id = await client.enqueue("job", { n: 3 });
      let seen: unknown = "unset";
      const worker = new QueueWorker(db, {
        heartbeatIntervalMs: 0,
        handlers: {
          job: async (p: { n: number }, ctx: TaskContext) => {
            for (let i = 1; i <= p.n; i++) await ctx.progress({ done: i, of: p.n });
            seen = (await client.getTask(id))?.progress;
            return { sum: 6, list: [1, 2, 3] };
          },
        },
      });
      assert.equal(await worker.processOnce(1), 1);
      assert.deepEqual(seen, { done: 3, of: 3 });
      const t = await client.getTask(id);
      assert.equal(t?.status, "completed");
      assert.deepEqual(t?.progress, { done: 3, of: 3 });
      assert.deepEqual(t?.result, { sum: 6, list: [1, 2, 3] });
    });

    it("undefined stores no result; strings, numbers and null are stored as JSON", async () => {
      const ids = await client.enqueueMany([
        { type: "none", payload: {} },
        { type: "str", payload: {} },
        { type: "num", payload: {} },
      ]);
      const worker = new QueueWorker(db, {
        heartbeatIntervalMs: 0,
        concurrency: 3,
        handlers: { none: () => undefined, str: () => "ok", num: async () => 42 },
      });
      await worker.processOnce(3);
      assert.deepEqual(await Promise.all(ids.map(async (id) => (await client.getTask(id))?.result)), [null, "ok", 42]);
    });

    it("group commit: completions with results and without go out together, each stored", async () => {
      const n = 12;
      const ids = await client.enqueueMany(Array.from({ length: n }, (_, i) => ({ type: i % 2 === 0 ? "r" : "v", payload: { i } })));
      const worker = new QueueWorker(db, {
        heartbeatIntervalMs: 0,
        pollIntervalMs: 5,
        concurrency: 4,
        batchSize: 8,
        handlers: { r: (p: { i: number }) => ({ twice: p.i * 2 }), v: () => {} },
      });
      worker.start();
      for (let i = 0; i < 200 && (await client.getActiveCount()) > 0; i++) await clock.advance(10);
      await worker.stop();
      for (const [i, id] of ids.entries()) {
        const t = await client.getTask(id);
        assert.equal(t?.status, "completed");
        assert.deepEqual(t?.result, i % 2 === 0 ? { twice: i * 2 } : null);
      }
    });

    it("a result too large or not JSON completes the task with a marker instead", async () => {
      const [big, cyc] = await client.enqueueMany([
        { type: "big", payload: {} },
        { type: "cyc", payload: {} },
      ]);
      const worker = new QueueWorker(db, {
        heartbeatIntervalMs: 0,
        concurrency: 2,
        handlers: {
          big: () => "x".repeat(RESULT_MAX_BYTES + 1),
          cyc: () => {
            const o: Record<string, unknown> = {};
            o["self"] = o;
            return o;
          },
        },
      });
      await worker.processOnce(2);
      const b = await client.getTask(big!);
      assert.equal(b?.status, "completed");
      assert.deepEqual(b?.result, { $prismq: "result_not_stored", reason: "too_large", bytes: RESULT_MAX_BYTES + 3 });
      assert.deepEqual((await client.getTask(cyc!))?.result, { $prismq: "result_not_stored", reason: "not_json" });
    });

    it("progress refuses values that are not JSON or too large, and stale holders", async () => {
      const id = await client.enqueue("job", {});
      const worker = new QueueWorker(db, { heartbeatIntervalMs: 0, leaseMs: 1000, handlers: { job: () => {} } });
      const [held] = await worker.claimTasks(1);
      await assert.rejects(writeProgress(db, held!, "x".repeat(PROGRESS_MAX_BYTES)), QueueValidationError);
      await assert.rejects(writeProgress(db, held!, 10n), QueueValidationError);
      await assert.rejects(writeProgress(db, held!, undefined), QueueValidationError);
      await writeProgress(db, held!, 0.5);
      assert.equal((await client.getTask(id))?.progress, 0.5);
      // The lease runs out and another worker claims the task: the first holder is fenced off.
      await clock.advance(1001);
      const other = new QueueWorker(db, { heartbeatIntervalMs: 0, handlers: { job: () => {} } });
      const [again] = await other.claimTasks(1);
      assert.equal(again?.id, id);
      await assert.rejects(writeProgress(db, held!, 0.9), LeaseLostError);
      await writeProgress(db, again!, 0.1);
      assert.equal((await client.getTask(id))?.progress, 0.1);
    });

    it("a stale holder's result is refused with its completion", async () => {
      const id = await client.enqueue("job", {});
      const other = new QueueWorker(db, { heartbeatIntervalMs: 0, handlers: { job: () => {} } });
      const events: string[] = [];
      const worker = new QueueWorker(db, {
        heartbeatIntervalMs: 0,
        leaseMs: 1000,
        onEvent: (e) => events.push(e.type),
        handlers: {
          job: async () => {
            // The lease runs out mid-run and another worker takes the task over.
            await db.execute("UPDATE task_queue SET lease_until_utc = '2000-01-01 00:00:00.000' WHERE id = ?", [id]);
            assert.equal((await other.claimTasks(1)).length, 1);
            return { v: 1 };
          },
        },
      });
      await worker.processOnce(1);
      assert.ok(events.includes("lease_lost"), events.join());
      const t = await client.getTask(id);
      assert.equal(t?.status, "processing");
      assert.equal(t?.result, null, "the stale holder's result was not stored");
    });
  });
}
