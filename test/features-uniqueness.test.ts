/**
 * Uniqueness windows (issue 17 item 5): idempotency key modes permanent, window, active and
 * replace, on every driver, through the public client.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { FEATURE_ENGINES } from "./helpers/feature-engines.ts";
import { FakeClock, QueueClient, QueueDatabase, QueueValidationError, QueueWorker } from "../src/index.ts";

for (const d of FEATURE_ENGINES) {
  describe(`uniqueness windows on ${d.name}`, d.options, () => {
    let clock: FakeClock;
    let db: QueueDatabase;
    let dispose = async (): Promise<void> => {};
    let client: QueueClient;
    beforeEach(async () => {
      clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0, 250));
      ({ db, dispose } = await d.open(clock));
      client = new QueueClient(db);
    });
    afterEach(async () => {
      await dispose();
    });
    const count = async () => Number((await db.execute("SELECT COUNT(*) AS n FROM task_queue")).rows[0]?.["n"]);
    const finishAll = async () => {
      const w = new QueueWorker(db, { handlers: { t: () => "done" }, concurrency: 10, heartbeatIntervalMs: 0 });
      await w.processOnce(10);
    };

    it("permanent (default): the key holds after its task finished", async () => {
      const a = await client.enqueue("t", { n: 1 }, { idempotencyKey: "k" });
      await finishAll();
      await clock.advance(86_400_000);
      assert.equal(await client.enqueue("t", { n: 2 }, { idempotencyKey: "k", keyMode: "permanent" }), a);
      assert.equal(await count(), 1);
    });

    it("window: the key holds for keyWindowMs, then a new task is stored", async () => {
      const a = await client.enqueue("t", { n: 1 }, { idempotencyKey: "w", keyMode: "window", keyWindowMs: 1000 });
      await clock.advance(999);
      assert.equal(await client.enqueue("t", { n: 2 }, { idempotencyKey: "w", keyMode: "window", keyWindowMs: 1000 }), a);
      await clock.advance(1);
      const b = await client.enqueue("t", { n: 3 }, { idempotencyKey: "w", keyMode: "window", keyWindowMs: 1000 });
      assert.notEqual(b, a);
      assert.equal((await client.getTask(b))?.idempotencyKey, "w");
      assert.equal((await client.getTask(a))?.idempotencyKey, null, "the lapsed key left the first task");
      const lapsed = (await db.execute("SELECT lapsed_key FROM task_queue WHERE id = ?", [a])).rows[0]?.["lapsed_key"];
      assert.equal(lapsed, "w");
    });

    it("window: a permanent enqueue also sees a lapsed window key", async () => {
      const a = await client.enqueue("t", {}, { idempotencyKey: "w2", keyMode: "window", keyWindowMs: 50 });
      await clock.advance(50);
      const b = await client.enqueue("t", {}, { idempotencyKey: "w2" });
      assert.notEqual(a, b);
      assert.equal(await client.enqueue("t", {}, { idempotencyKey: "w2" }), b, "b holds it for ever");
    });

    it("active: the key holds while its task is queued or processing only", async () => {
      const a = await client.enqueue("t", { n: 1 }, { idempotencyKey: "a", keyMode: "active" });
      assert.equal(await client.enqueue("t", { n: 2 }, { idempotencyKey: "a", keyMode: "active" }), a);
      const w = new QueueWorker(db, { handlers: { t: () => {} }, heartbeatIntervalMs: 0 });
      const [held] = await w.claimTasks(1);
      assert.equal(held?.id, a);
      assert.equal(await client.enqueue("t", { n: 3 }, { idempotencyKey: "a", keyMode: "active" }), a, "processing holds it");
      await w.completeTask(held!);
      const b = await client.enqueue("t", { n: 4 }, { idempotencyKey: "a", keyMode: "active" });
      assert.notEqual(b, a);
      assert.deepEqual((await client.getTask(b))?.payload, { n: 4 });
    });

    it("active: a cancelled holder frees the key", async () => {
      const a = await client.enqueue("t", {}, { idempotencyKey: "c", keyMode: "active" });
      await client.cancel(a);
      assert.notEqual(await client.enqueue("t", {}, { idempotencyKey: "c", keyMode: "active" }), a);
    });

    it("replace: a queued holder takes the new payload and options in place", async () => {
      const a = await client.enqueue("t", { v: 1 }, { idempotencyKey: "r", keyMode: "replace", priority: 5 });
      const again = await client.enqueue("t2", { v: 2 }, { idempotencyKey: "r", keyMode: "replace", priority: 7, delayMs: 5000 });
      assert.equal(again, a);
      const t = await client.getTask(a);
      assert.equal(t?.type, "t2");
      assert.deepEqual(t?.payload, { v: 2 });
      assert.equal(t?.priority, 7);
      assert.equal(t?.runAfter, clock.now() + 5000);
      assert.equal(await count(), 1);
    });

    it("replace: a processing holder keeps running and the key moves to a new task", async () => {
      const a = await client.enqueue("t", { v: 1 }, { idempotencyKey: "p", keyMode: "replace" });
      const w = new QueueWorker(db, { handlers: { t: () => {} }, heartbeatIntervalMs: 0 });
      const [held] = await w.claimTasks(1);
      const b = await client.enqueue("t", { v: 2 }, { idempotencyKey: "p", keyMode: "replace" });
      assert.notEqual(b, a);
      assert.equal((await client.getTask(a))?.status, "processing");
      await w.completeTask(held!);
      assert.equal((await client.getTask(a))?.status, "completed", "the running holder's completion still counts");
      assert.equal(await client.enqueue("t", { v: 3 }, { idempotencyKey: "p", keyMode: "replace" }), b, "b was replaced in place");
      assert.deepEqual((await client.getTask(b))?.payload, { v: 3 });
    });

    it("enqueueMany: modes mix in one all-or-nothing batch", async () => {
      const ids = await client.enqueueMany([
        { type: "t", payload: { i: 0 }, options: { idempotencyKey: "m1", keyMode: "active" } },
        { type: "t", payload: { i: 1 }, options: { idempotencyKey: "m1", keyMode: "active" } },
        { type: "t", payload: { i: 2 } },
        { type: "t", payload: { i: 3 }, options: { idempotencyKey: "m2", keyMode: "window", keyWindowMs: 10 } },
      ]);
      assert.equal(ids[0], ids[1]);
      assert.equal(new Set(ids).size, 3);
    });

    it("bad key options are QueueValidationErrors with nothing stored", async () => {
      await assert.rejects(client.enqueue("t", {}, { keyMode: "active" }), QueueValidationError);
      await assert.rejects(client.enqueue("t", {}, { idempotencyKey: "x", keyMode: "window" }), QueueValidationError);
      await assert.rejects(client.enqueue("t", {}, { idempotencyKey: "x", keyWindowMs: 5 }), QueueValidationError);
      await assert.rejects(client.enqueue("t", {}, { idempotencyKey: "x", keyMode: "sometimes" as "active" }), QueueValidationError);
      await assert.rejects(client.enqueue("t", {}, { idempotencyKey: "x", keyMode: "window", keyWindowMs: 0 }), QueueValidationError);
      assert.equal(await count(), 0);
    });
  });
}
