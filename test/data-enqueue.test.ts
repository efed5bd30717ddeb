/**
 * Issue 10, defects 8 and 9, through the built package: strings SQLite cannot store exactly (a
 * lone UTF-16 surrogate in an idempotency key or a type) and times outside 1970-01-01 …
 * 9999-12-31 UTC are refused with QueueValidationError, with nothing stored; payloads with lone
 * surrogates keep round-tripping exactly. A task item with a field besides type, payload and
 * options (an option put beside them, where it used to be dropped without a word) is refused.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { core, DIST_DRIVERS } from "./helpers/dist-drivers.ts";

const { FakeClock, QueueClient, QueueDatabase, QueueValidationError, QueueWorker } = core;
const T0 = Date.UTC(2026, 0, 1);
const MAX = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

for (const d of DIST_DRIVERS) {
  describe(`enqueue input the queue cannot store (built package) on ${d.name}`, () => {
    let clock: InstanceType<typeof FakeClock>;
    let db: InstanceType<typeof QueueDatabase>;
    let client: InstanceType<typeof QueueClient>;

    beforeEach(async () => {
      clock = new FakeClock(T0);
      db = await QueueDatabase.open(d.open(), { clock });
      client = new QueueClient(db);
    });
    afterEach(async () => {
      await db.close();
    });

    const count = async () => Number((await db.execute("SELECT COUNT(*) AS n FROM task_queue")).rows[0]!["n"]);
    const refused = (pattern: RegExp) => (err: unknown) => {
      assert.ok(err instanceof QueueValidationError, `expected QueueValidationError, got ${String(err)}`);
      assert.match((err as Error).message, pattern);
      return true;
    };

    it("refuses idempotency keys with a lone surrogate instead of letting them collide", async () => {
      for (const key of ["key-\ud800", "key-\udc00", "\udfff", "a\ud83d", "\ude00b"]) {
        await assert.rejects(client.enqueue("t", {}, { idempotencyKey: key }), refused(/idempotencyKey .* lone UTF-16 surrogate/));
      }
      await assert.rejects(
        client.enqueueMany([{ type: "t", options: { idempotencyKey: "fine" } }, { type: "t", options: { idempotencyKey: "key-\ud800" } }]),
        refused(/^task 1: idempotencyKey/),
      );
      assert.equal(await count(), 0, "nothing stored");
      // Well-formed pairs are stored exactly and stay distinct.
      const a = await client.enqueue("t", {}, { idempotencyKey: "key-😀" });
      const b = await client.enqueue("t", {}, { idempotencyKey: "key-😁" });
      assert.notEqual(a, b);
      assert.equal(await client.enqueue("t", {}, { idempotencyKey: "key-😀" }), a);
      assert.equal((await client.getTask(b))?.idempotencyKey, "key-😁");
    });

    it("refuses a task with a field other than type, payload and options (a misplaced option), storing none of the batch", async () => {
      const misplaced = [
        { type: "t", payload: {}, priority: 1 },
        { type: "t", idempotencyKey: "k" },
        { type: "t", payload: {}, options: {}, delayMs: 1000 },
      ];
      for (const task of misplaced) {
        const key = Object.keys(task).find((k) => !["type", "payload", "options"].includes(k))!;
        await assert.rejects(client.enqueueMany([{ type: "ok" }, task as never]), refused(new RegExp(`^task 1: unknown field "${key}": .*options go under "options"`)));
      }
      assert.equal(await count(), 0, "nothing of the batch is stored");
      assert.equal(await client.enqueue("t", {}, { priority: 1 }), 1, "the option in its place is taken");
      assert.equal((await client.getTask(1))!.priority, 1);
    });

    it("refuses task types with a lone surrogate instead of storing them rewritten", async () => {
      await assert.rejects(client.enqueue("t\ud800", {}), refused(/type .* lone UTF-16 surrogate/));
      await assert.rejects(client.enqueueMany([{ type: "ok" }, { type: "\udc00x" }]), refused(/^task 1: type/));
      assert.equal(await count(), 0);
      const id = await client.enqueue("видео-🎬", {});
      assert.equal((await client.getTask(id))?.type, "видео-🎬");
    });

    it("keeps round-tripping payloads with lone surrogates exactly", async () => {
      const payload = { lone: "x\ud800y", low: "\udc00", pair: "😀", list: ["\udbff", 1], ["k\ud801"]: true };
      const id = await client.enqueue("t", payload, { compatibility: { tag: "\ud800" } });
      const t = await client.getTask(id);
      assert.deepEqual(t?.payload, payload);
      assert.deepEqual(t?.compatibility, { tag: "\ud800" });
      const w = new QueueWorker(db, { workerId: "w", capabilities: { tag: "\ud800" } }).register("t", async () => {});
      assert.deepEqual((await w.claimTasks()).map((c) => c.payload), [payload], "the worker gets it exactly too");
    });

    it("refuses every runAfter outside 1970-01-01 … 9999-12-31 UTC, and takes both ends", async () => {
      const bad: unknown[] = [
        8.64e15 + 1, // beyond what a Date can hold (a raw RangeError before)
        8.64e15,
        MAX + 1, // year 10000: stored as "+010000-…", which sorts before today
        Date.UTC(10000, 0, 1),
        new Date(Date.UTC(10000, 0, 1)),
        new Date(Date.UTC(275000, 0, 1)),
        new Date(-1),
        new Date(Date.UTC(1969, 11, 31)),
        -1,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        new Date(Number.NaN),
      ];
      for (const runAfter of bad) {
        await assert.rejects(client.enqueue("t", {}, { runAfter: runAfter as number }), QueueValidationError, `runAfter ${String(runAfter)}`);
      }
      await assert.rejects(
        client.enqueueMany([{ type: "t" }, { type: "t", options: { runAfter: MAX + 1 } }]),
        refused(/^task 1: runAfter .* outside the times a task can run at/),
      );
      assert.equal(await count(), 0, "nothing stored");

      const last = await client.enqueue("last", {}, { runAfter: new Date(MAX) });
      const first = await client.enqueue("first", {}, { runAfter: 0 });
      const rows = (await db.execute("SELECT id, run_after_utc FROM task_queue ORDER BY id")).rows.map((r) => [r["id"], r["run_after_utc"]]);
      assert.deepEqual(rows, [[last, "9999-12-31 23:59:59.999"], [first, "1970-01-01 00:00:00"]]);
      assert.equal((await client.getTask(last))?.runAfter, MAX);
      const w = new QueueWorker(db, { workerId: "w" }).register("first", async () => {}).register("last", async () => {});
      assert.deepEqual((await w.claimTasks(2)).map((t) => t.id), [first], "year 9999 is not due; 1970 is");
    });

    it("refuses a delayMs that takes the run time past 9999-12-31", async () => {
      clock.set(MAX - 999);
      await assert.rejects(client.enqueue("t", {}, { delayMs: 1000 }), refused(/delayMs 1000 from now is outside/));
      assert.equal(await count(), 0);
      const id = await client.enqueue("t", {}, { delayMs: 999 });
      assert.equal((await client.getTask(id))?.runAfter, MAX);
    });
  });
}
