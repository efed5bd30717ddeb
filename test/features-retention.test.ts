/**
 * Retention (bounded passes), bulk purge and redrive, and the stored pause/rate-limit controls
 * (issue 17 items 4 and 6), on every driver through the public client.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { FEATURE_ENGINES } from "./helpers/feature-engines.ts";
import { FakeClock, QueueClient, QueueDatabase, QueueValidationError, QueueWorker, runRetentionPass } from "../src/index.ts";
import { NonRetryableError } from "../src/errors.ts";

for (const d of FEATURE_ENGINES) {
  describe(`retention, purge and redrive on ${d.name}`, d.options, () => {
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
    const n = async (sql: string) => Number((await db.execute(sql)).rows[0]?.["n"]);
    /** Runs every queued task once: type ok completes, type bad dead-letters, type fail fails. */
    const runAll = async () => {
      const w = new QueueWorker(db, {
        heartbeatIntervalMs: 0,
        concurrency: 50,
        handlers: {
          ok: () => {},
          bad: () => {
            throw new NonRetryableError("no");
          },
          fail: () => {
            throw new Error("boom");
          },
        },
      });
      while ((await w.processOnce(50)) > 0) {
        /* until nothing is claimable */
      }
    };

    it("a retention pass deletes finished tasks older than their age, with their logs, at most batchSize each", async () => {
      for (let i = 0; i < 5; i++) await client.enqueue("ok", { i });
      for (let i = 0; i < 3; i++) await client.enqueue("bad", { i });
      await client.enqueue("fail", {}, { maxAttempts: 1 });
      const keep = await client.enqueue("ok", {}, { delayMs: 10_000_000 });
      await runAll();
      assert.ok((await n("SELECT COUNT(*) AS n FROM task_logs")) > 0);
      await clock.advance(60_000);
      const r1 = await runRetentionPass(db, { completedMs: 30_000, deadLetterMs: 30_000, batchSize: 2 });
      assert.deepEqual(r1.tasks, { completed: 2, failed: 0, dead_letter: 2, cancelled: 0 });
      const r2 = await runRetentionPass(db, { completedMs: 30_000, deadLetterMs: 30_000, batchSize: 2 });
      assert.deepEqual(r2.tasks, { completed: 2, failed: 0, dead_letter: 1, cancelled: 0 });
      const r3 = await runRetentionPass(db, { completedMs: 30_000, deadLetterMs: 30_000, failedMs: 120_000, batchSize: 2 });
      assert.deepEqual(r3.tasks, { completed: 1, failed: 0, dead_letter: 0, cancelled: 0 }, "failed is younger than 120 s");
      assert.equal(await n("SELECT COUNT(*) AS n FROM task_queue"), 2, "the failed task and the delayed one stay");
      assert.equal(await n("SELECT COUNT(*) AS n FROM task_logs WHERE task_id NOT IN (SELECT id FROM task_queue)"), 0);
      assert.equal((await client.getTask(keep))?.status, "queued");
    });

    it("a started worker with the retention option purges old finished tasks every intervalMs", async () => {
      for (let i = 0; i < 3; i++) await client.enqueue("ok", { i });
      const w = new QueueWorker(db, {
        heartbeatIntervalMs: 0,
        pollIntervalMs: 10,
        concurrency: 3,
        handlers: { ok: () => {} },
        retention: { completedMs: 5000, batchSize: 1, intervalMs: 1000 },
      });
      w.start();
      for (let i = 0; i < 50 && (await client.stats()).completed < 3; i++) await clock.advance(10);
      assert.equal((await client.stats()).completed, 3);
      const samples: number[] = [];
      for (let i = 0; i < 100; i++) {
        await clock.advance(100);
        samples.push((await client.stats()).completed);
      }
      await w.stop();
      assert.equal(samples[40], 3, "nothing is purged before it is 5 s old");
      for (let i = 1; i < samples.length; i++) assert.ok(samples[i - 1]! - samples[i]! <= 1, `one pass deleted more than batchSize: ${samples.join()}`);
      assert.equal(samples.at(-1), 0, "later passes delete the rest");
    });

    it("logsMs deletes old log rows of live tasks, bounded by batchSize", async () => {
      const id = await client.enqueue("ok", {});
      for (let i = 0; i < 5; i++) await db.execute("INSERT INTO task_logs (task_id, at_utc, level, message) VALUES (?, '2025-01-01 00:00:00.000', 'INFO', 'old')", [id]);
      await db.execute("INSERT INTO task_logs (task_id, at_utc, level, message) VALUES (?, '2026-01-01 11:59:59.000', 'INFO', 'new')", [id]);
      assert.equal((await runRetentionPass(db, { logsMs: 86_400_000, batchSize: 3 })).logs, 3);
      assert.equal((await runRetentionPass(db, { logsMs: 86_400_000, batchSize: 3 })).logs, 2);
      assert.equal((await runRetentionPass(db, { logsMs: 86_400_000, batchSize: 3 })).logs, 0);
      assert.equal(await n("SELECT COUNT(*) AS n FROM task_logs"), 1);
    });

    it("purge deletes finished tasks by status and age; redrive requeues by type and status", async () => {
      for (let i = 0; i < 4; i++) await client.enqueue("bad", { i });
      await client.enqueue("fail", {}, { maxAttempts: 1 });
      await client.enqueue("ok", {});
      await runAll();
      assert.equal(await client.redrive({ type: "ok" }), 0);
      assert.equal(await client.redrive({ type: "bad", limit: 3 }), 3);
      assert.equal((await client.stats()).dead_letter, 1);
      assert.equal((await client.stats()).queued, 3);
      const redriven = (await client.listTasks({ status: "queued" }))[0]!;
      assert.equal(redriven.attempts, 0);
      assert.equal(redriven.errorMessage, null);
      assert.equal(await client.redrive({ statuses: ["failed", "dead_letter"] }), 2);
      assert.equal((await client.stats()).queued, 5);
      const logged = await n("SELECT COUNT(*) AS n FROM task_logs WHERE CAST(details AS text) LIKE '%redrive%'");
      assert.equal(logged, 5);
      await runAll();
      assert.equal(await client.purge({ statuses: ["completed"], olderThanMs: 1000 }), 0, "too young");
      await clock.advance(1000);
      assert.equal(await client.purge({ statuses: ["completed"], olderThanMs: 1000 }), 1);
      assert.equal(await client.purge(), 5);
      assert.equal((await client.stats()).total, 0);
      await assert.rejects(client.purge({ statuses: ["queued" as "completed"] }), QueueValidationError);
      await assert.rejects(client.redrive({ statuses: [] }), QueueValidationError);
    });

    it("pauses and rate limits are stored rows every client reads", async () => {
      assert.deepEqual(await client.controls(), []);
      await client.pause("a");
      await client.pause();
      await client.setRateLimit("b", { max: 5, intervalMs: 1000 });
      const other = new QueueClient(db);
      const c = await other.controls();
      assert.deepEqual(
        c.map((x) => [x.type, x.paused, x.rateLimit]),
        [
          [null, true, null],
          ["a", true, null],
          ["b", false, { max: 5, intervalMs: 1000 }],
        ],
      );
      await client.resume();
      await client.resume("a");
      await client.clearRateLimit("b");
      assert.deepEqual(await client.controls(), [], "rows with nothing left in them are removed");
      await assert.rejects(client.setRateLimit("b", { max: 0, intervalMs: 1000 }), QueueValidationError);
      await assert.rejects(client.setRateLimit("", { max: 1, intervalMs: 1000 }), QueueValidationError);
    });
  });
}
