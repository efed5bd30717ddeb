import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as z from "zod";
import { DRIVERS } from "./helpers/drivers.ts";
import {
  FakeClock,
  QueueClient,
  QueueDatabase,
  QueueValidationError,
  QueueWorker,
  TaskNotFoundError,
  toSqlTime,
} from "../src/index.ts";

for (const d of DRIVERS) {
  describe(`QueueClient on ${d.name}`, () => {
    let clock: FakeClock;
    let db: QueueDatabase;
    let client: QueueClient;
    beforeEach(async () => {
      clock = new FakeClock();
      db = await QueueDatabase.open(d.open(), { clock });
      client = new QueueClient(db);
    });
    afterEach(async () => {
      await db.close();
    });
    const count = async () => Number((await db.execute("SELECT COUNT(*) AS n FROM task_queue")).rows[0]?.["n"]);

    it("enqueue stores the seeds' defaults and returns the id", async () => {
      const id = await client.enqueue("video_processing", { video_id: "abc", format: "mp4" });
      const t = await client.getTask<{ video_id: string }>(id);
      assert.ok(t);
      assert.equal(t.type, "video_processing");
      assert.equal(t.priority, 100);
      assert.equal(t.maxAttempts, 5);
      assert.equal(t.attempts, 0);
      assert.equal(t.status, "queued");
      assert.equal(t.payload.video_id, "abc");
      assert.equal(t.format, "mp4", "generated format column");
      assert.equal(t.runAfter, clock.now());
      assert.equal(t.createdAt, clock.now());
      const raw = await db.execute("SELECT created_at_utc, run_after_utc FROM task_queue WHERE id = ?", [id]);
      assert.equal(raw.rows[0]?.["created_at_utc"], toSqlTime(clock.now()));
      // Runnable now: SQLite's second form, so the seeds' `<= datetime('now')` sees it at once.
      assert.equal(raw.rows[0]?.["run_after_utc"], toSqlTime(clock.now()).slice(0, 19));
      const later = await client.enqueue("t", {}, { delayMs: 1234 });
      const rawLater = await db.execute("SELECT run_after_utc FROM task_queue WHERE id = ?", [later]);
      assert.equal(rawLater.rows[0]?.["run_after_utc"], toSqlTime(clock.now() + 1234), "a future time keeps its milliseconds");
    });

    it("enqueue honours priority, delay, runAfter, maxAttempts and compatibility", async () => {
      const a = await client.enqueue("t", null, { priority: 5, delayMs: 1500, maxAttempts: 2, compatibility: { region: "eu" } });
      const at = clock.now() + 99_000;
      const b = await client.enqueue("t", {}, { runAfter: at });
      const ta = (await client.getTask(a))!;
      assert.equal(ta.priority, 5);
      assert.equal(ta.runAfter, clock.now() + 1500);
      assert.equal(ta.maxAttempts, 2);
      assert.deepEqual(ta.compatibility, { region: "eu" });
      assert.equal(ta.region, "eu");
      assert.equal((await client.getTask(b))!.runAfter, at);
    });

    it("a repeated idempotency key returns the existing id and stores nothing", async () => {
      const first = await client.enqueue("t", { v: 1 }, { idempotencyKey: "daily:2026-01-01" });
      const again = await client.enqueue("t", { v: 2 }, { idempotencyKey: "daily:2026-01-01" });
      assert.equal(again, first);
      assert.equal(await count(), 1);
      assert.deepEqual((await client.getTask(first))!.payload, { v: 1 }, "the first payload is kept");
      const ids = await client.enqueueMany([
        { type: "t", options: { idempotencyKey: "x" } },
        { type: "t", options: { idempotencyKey: "x" } },
        { type: "t", options: { idempotencyKey: "daily:2026-01-01" } },
        { type: "t" },
      ]);
      assert.equal(ids[0], ids[1]);
      assert.equal(ids[2], first);
      assert.equal(await count(), 3);
    });

    it("enqueueMany is all or nothing: a bad item stores nothing", async () => {
      await client.enqueue("keep", {});
      await assert.rejects(
        client.enqueueMany([
          { type: "a", payload: {} },
          { type: "b", payload: {}, options: { priority: 1.5 } },
        ]),
        (e: unknown) => e instanceof QueueValidationError && /task 1/.test(e.message) && /priority/.test(e.message),
      );
      assert.equal(await count(), 1);
    });

    it("enqueueMany is all or nothing when the database refuses an item half-way", async () => {
      await client.enqueue("keep", {});
      await db.execute(
        "CREATE TRIGGER refuse_poison BEFORE INSERT ON task_queue WHEN NEW.type = 'poison' BEGIN SELECT RAISE(ABORT, 'poison refused'); END",
      );
      await assert.rejects(
        client.enqueueMany([{ type: "a" }, { type: "b" }, { type: "poison" }, { type: "c" }]),
        { code: "CONSTRAINT" },
      );
      assert.equal(await count(), 1, "the first two inserts were rolled back");
      assert.deepEqual((await client.listTasks()).map((t) => t.type), ["keep"]);
    });

    it("refuses bad input with a clear typed error and stores nothing", async () => {
      const cases: [string, () => Promise<unknown>, RegExp][] = [
        ["empty type", () => client.enqueue("", {}), /type/],
        ["unknown option", () => client.enqueue("t", {}, { prio: 1 } as never), /prio/],
        ["negative delay", () => client.enqueue("t", {}, { delayMs: -1 }), /delayMs/],
        ["both times", () => client.enqueue("t", {}, { delayMs: 1, runAfter: 5 }), /runAfter or delayMs/],
        ["zero attempts", () => client.enqueue("t", {}, { maxAttempts: 0 }), /maxAttempts/],
        ["bigint payload", () => client.enqueue("t", { n: 1n }), /JSON/],
        ["circular payload", () => { const o: Record<string, unknown> = {}; o["self"] = o; return client.enqueue("t", o); }, /JSON/],
        ["nested compatibility", () => client.enqueue("t", {}, { compatibility: { a: { b: 1 } } as never }), /compatibility/],
        ["empty key", () => client.enqueue("t", {}, { idempotencyKey: "" }), /idempotencyKey/],
      ];
      for (const [name, call, message] of cases) {
        await assert.rejects(call(), (e: unknown) => e instanceof QueueValidationError && message.test(e.message), name);
      }
      assert.equal(await count(), 0);
    });

    it("validates payloads against a zod schema per type, storing the parsed output", async () => {
      const schemas = {
        email: z.object({ to: z.email(), subject: z.string().default("(none)") }),
      };
      const c = new QueueClient(db, { schemas });
      const id = await c.enqueue("email", { to: "a@example.com" });
      assert.deepEqual((await c.getTask(id))!.payload, { to: "a@example.com", subject: "(none)" });
      await assert.rejects(c.enqueue("email", { to: "nope" }), (e: unknown) =>
        e instanceof QueueValidationError && /email/.test(e.message) && e.issues.some((i) => i.startsWith("to:")),
      );
      await assert.rejects(c.enqueueMany([{ type: "email", payload: { to: "b@example.com" } }, { type: "email", payload: {} }]), QueueValidationError);
      assert.equal(await count(), 1, "nothing stored by the refused calls");
      assert.equal(typeof (await c.enqueue("other", { anything: true })), "number", "types without a schema pass");
    });

    it("getTask, listTasks with filters and paging", async () => {
      const ids = await client.enqueueMany(Array.from({ length: 7 }, (_, i) => ({ type: i % 2 ? "odd" : "even", payload: { i } })));
      assert.equal(await client.getTask(9999), null);
      await assert.rejects(client.getTask(0), QueueValidationError);
      assert.deepEqual((await client.listTasks()).map((t) => t.id), ids);
      assert.deepEqual((await client.listTasks({ type: "odd" })).map((t) => t.id), [ids[1], ids[3], ids[5]]);
      assert.deepEqual((await client.listTasks({ limit: 2, offset: 2 })).map((t) => t.id), [ids[2], ids[3]]);
      assert.deepEqual((await client.listTasks({ limit: 2, order: "desc" })).map((t) => t.id), [ids[6], ids[5]]);
      await client.cancel(ids[0]!);
      assert.deepEqual((await client.listTasks({ status: "cancelled" })).map((t) => t.id), [ids[0]]);
      assert.equal((await client.listTasks({ status: ["queued", "cancelled"] })).length, 7);
      await assert.rejects(client.listTasks({ status: "done" as never }), QueueValidationError);
    });

    it("cancel: queued → cancelled; finished → false; missing → TaskNotFoundError", async () => {
      const id = await client.enqueue("t", {});
      assert.equal(await client.cancel(id), true);
      assert.equal((await client.getTask(id))!.status, "cancelled");
      assert.equal(await client.cancel(id), false);
      await assert.rejects(client.cancel(424242), TaskNotFoundError);
      const w = new QueueWorker(db, { workerId: "w" });
      w.register("t", async () => {});
      assert.equal(await w.processOnce(), 0, "a cancelled task is never claimed");
    });

    it("retry puts failed and dead-letter tasks back with a fresh attempt budget", async () => {
      const id = await client.enqueue("t", {}, { maxAttempts: 1 });
      const w = new QueueWorker(db, { workerId: "w" });
      let fail = true;
      w.register("t", async () => {
        if (fail) throw new Error("first time");
      });
      await w.processOnce();
      assert.equal((await client.getTask(id))!.status, "failed");
      assert.equal(await client.retry(id), true);
      const t = (await client.getTask(id))!;
      assert.equal(t.status, "queued");
      assert.equal(t.attempts, 0);
      assert.equal(t.errorMessage, null);
      fail = false;
      await w.processOnce();
      assert.equal((await client.getTask(id))!.status, "completed");
      assert.equal(await client.retry(id), false, "a completed task is not retried");
      await assert.rejects(client.retry(777), TaskNotFoundError);
    });

    it("stats, active count, active ids and isTaskActive", async () => {
      const [a, b, c] = await client.enqueueMany([{ type: "t" }, { type: "t" }, { type: "t" }]);
      await client.cancel(c!);
      const w = new QueueWorker(db, { workerId: "w" });
      w.register("t", async () => {});
      await w.claimTasks(1);
      const s = await client.stats();
      assert.deepEqual(
        { ...s },
        { queued: 1, processing: 1, completed: 0, failed: 0, cancelled: 1, dead_letter: 0, total: 3 },
      );
      assert.equal(await client.getActiveCount(), 2);
      assert.deepEqual(await client.getActiveTaskIds(), [a, b]);
      assert.equal(await client.isTaskActive(a!), true);
      assert.equal(await client.isTaskActive(c!), false);
      assert.equal(await client.isTaskActive(999), false);
    });

    it("waitUntilEmpty resolves true when drained and false at its timeout", async () => {
      const id = await client.enqueue("t", {});
      const waiting = client.waitUntilEmpty({ timeoutMs: 5000, pollIntervalMs: 1000 });
      await clock.advance(5000);
      assert.equal(await waiting, false);
      await client.cancel(id);
      assert.equal(await client.waitUntilEmpty({ timeoutMs: 10 }), true);
    });
  });
}
