/**
 * Pause/resume and rate limits as workers obey them (issue 17 item 4), on every engine: a paused
 * type (or queue) is never claimed, a running task runs on, a rate-limited type starts at most
 * `max` times per window across workers, and a claim never takes more than its limit in all.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { FEATURE_ENGINES } from "./helpers/feature-engines.ts";
import { FakeClock, QueueClient, type QueueDatabase, QueueWorker } from "../src/index.ts";

for (const d of FEATURE_ENGINES) {
  describe(`pause and rate limits on ${d.name}`, d.options, () => {
    let clock: FakeClock;
    let db: QueueDatabase;
    let dispose = async (): Promise<void> => {};
    let client: QueueClient;
    beforeEach(async () => {
      clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0, 500));
      ({ db, dispose } = await d.open(clock));
      client = new QueueClient(db);
    });
    afterEach(async () => {
      await dispose();
    });
    const worker = (id: string) =>
      new QueueWorker(db, { workerId: id, heartbeatIntervalMs: 0, leaseMs: 60_000, handlers: { a: () => {}, b: () => {}, c: () => {} } });
    const types = (ts: readonly { type: string }[]) => ts.map((t) => t.type).sort();

    it("a paused type is not claimed, others are; resume lets it run", async () => {
      await client.enqueueMany([{ type: "a" }, { type: "b" }, { type: "a" }]);
      await client.pause("a");
      const w = worker("w1");
      assert.deepEqual(types(await w.claimTasks(10)), ["b"]);
      assert.deepEqual(await w.claimTasks(10), []);
      await client.resume("a");
      assert.deepEqual(types(await w.claimTasks(10)), ["a", "a"]);
    });

    it("a paused queue claims nothing; a task already running finishes", async () => {
      await client.enqueueMany([{ type: "a" }, { type: "b" }]);
      const w = worker("w1");
      const [running] = await w.claimTasks(1);
      await client.pause();
      assert.deepEqual(await worker("w2").claimTasks(10), []);
      await w.completeTask(running!);
      assert.equal((await client.getTask(running!.id))?.status, "completed");
      await client.resume("a");
      assert.deepEqual(await w.claimTasks(10), [], "a type's resume does not end the queue's pause");
      await client.resume();
      assert.equal((await w.claimTasks(10)).length, 1);
    });

    it("a rate limit caps starts per window across workers; the next window opens at the first start after it", async () => {
      await client.enqueueMany(Array.from({ length: 7 }, () => ({ type: "a" })));
      await client.setRateLimit("a", { max: 2, intervalMs: 1000 });
      const w1 = worker("w1");
      const w2 = worker("w2");
      // A worker learns of the limit at its first claim (the ordinary claim leaves the type out).
      assert.deepEqual(await w1.claimTasks(10), []);
      assert.deepEqual(await w2.claimTasks(10), []);
      assert.equal((await w1.claimTasks(10)).length, 2);
      assert.equal((await w2.claimTasks(10)).length, 0, "the window is full for every worker");
      await clock.advance(999);
      assert.equal((await w2.claimTasks(10)).length, 0);
      await clock.advance(1);
      assert.equal((await w2.claimTasks(1)).length, 1);
      assert.equal((await w1.claimTasks(10)).length, 1);
      assert.equal((await w1.claimTasks(10)).length, 0);
      const [c] = await client.controls();
      assert.equal(c?.windowStarts, 2);
      assert.equal(c?.windowEndsAt, clock.now() + 1000);
      await client.clearRateLimit("a");
      assert.equal((await w1.claimTasks(10)).length, 3, "without the limit the rest is claimed at once");
    });

    it("a claim takes at most its limit across rate-limited and other types, rate-limited first", async () => {
      await client.enqueueMany([...Array.from({ length: 4 }, () => ({ type: "a" })), ...Array.from({ length: 4 }, () => ({ type: "b" }))]);
      await client.setRateLimit("a", { max: 10, intervalMs: 1000 });
      const w = worker("w1");
      assert.deepEqual(types(await w.claimTasks(3)), ["b", "b", "b"]);
      assert.deepEqual(types(await w.claimTasks(3)), ["a", "a", "a"]);
      assert.deepEqual(types(await w.claimTasks(3)), ["a", "b"]);
    });

    it("a paused rate-limited type is not claimed either", async () => {
      await client.enqueueMany([{ type: "a" }, { type: "a" }]);
      await client.setRateLimit("a", { max: 5, intervalMs: 1000 });
      await client.pause("a");
      const w = worker("w1");
      assert.deepEqual(await w.claimTasks(10), []);
      assert.deepEqual(await w.claimTasks(10), []);
      await client.resume("a");
      assert.equal((await w.claimTasks(10)).length, 2);
    });

    it("a started worker obeys a pause set by another client while it runs", async () => {
      const w = new QueueWorker(db, { heartbeatIntervalMs: 0, pollIntervalMs: 10, handlers: { a: () => {} } });
      await client.pause("a");
      await client.enqueue("a");
      w.start();
      for (let i = 0; i < 20; i++) await clock.advance(10);
      assert.equal((await client.stats()).queued, 1);
      await client.resume("a");
      for (let i = 0; i < 50 && (await client.stats()).completed === 0; i++) await clock.advance(10);
      await w.stop();
      assert.equal((await client.stats()).completed, 1);
    });
  });
}
