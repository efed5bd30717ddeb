import { describe, it, beforeEach, afterEach, after } from "node:test";
import assert from "node:assert/strict";
import { DRIVERS } from "./helpers/drivers.ts";
import { pgliteTarget } from "../conformance/targets/pglite.ts";
import { FakeClock, occurrenceKey, QueueClient, QueueDatabase, QueueScheduler, QueueValidationError } from "../src/index.ts";
import type { Driver } from "../src/driver.ts";
import type { QueueDialect } from "../src/dialect/dialect.ts";

// Every SQLite driver, and the PostgreSQL dialect on PGlite (in-process PostgreSQL).
const pglite = pgliteTarget();
after(() => pglite.dispose());
const BACKENDS: readonly { name: string; open(): Promise<Driver>; dialect?: QueueDialect }[] = [
  ...DRIVERS.map((d) => ({ name: d.name, open: () => Promise.resolve(d.open()) })),
  { name: "pglite (PostgreSQL dialect)", open: () => pglite.create(), dialect: pglite.dialect! },
];

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0, 250);

for (const d of BACKENDS) {
  describe(`QueueScheduler on ${d.name}`, () => {
    let clock: FakeClock;
    let db: QueueDatabase;
    let scheduler: QueueScheduler;
    let client: QueueClient;
    beforeEach(async () => {
      clock = new FakeClock(T0);
      db = await QueueDatabase.open(await d.open(), { clock, dialect: d.dialect });
      scheduler = new QueueScheduler(db);
      client = new QueueClient(db);
    });
    afterEach(async () => {
      await db.close();
    });

    it("an interval schedule enqueues one task per occurrence, keyed by the occurrence", async () => {
      const s = await scheduler.add({ name: "sync", type: "sync", every: "5m", payload: { full: false }, priority: 7 });
      assert.equal(s.intervalMs, 300_000);
      assert.equal(s.nextRunAt, T0 + 300_000);
      assert.deepEqual(await scheduler.tick(), { fired: [], enqueued: 0 });
      clock.set(T0 + 300_000);
      assert.deepEqual(await scheduler.tick(), { fired: ["sync"], enqueued: 1 });
      assert.deepEqual(await scheduler.tick(), { fired: [], enqueued: 0 }, "the same instant fires nothing twice");
      const [t] = await client.listTasks();
      assert.equal(t?.type, "sync");
      assert.deepEqual(t?.payload, { full: false });
      assert.equal(t?.priority, 7);
      assert.equal(t?.idempotencyKey, occurrenceKey("sync", T0 + 300_000));
      assert.equal((await scheduler.get("sync"))?.nextRunAt, T0 + 600_000);
      assert.equal((await scheduler.get("sync"))?.lastRunAt, T0 + 300_000);
    });

    it("a cron schedule reads its expression in its time zone", async () => {
      // Kathmandu is UTC+5:45: its 13:00 is 07:15 UTC.
      await scheduler.add({ name: "k", type: "report", cron: "0 13 * * *", timeZone: "Asia/Kathmandu" });
      const s = await scheduler.get("k");
      assert.equal(new Date(s!.nextRunAt).toISOString(), "2026-01-02T07:15:00.000Z");
      clock.set(s!.nextRunAt - 1);
      assert.equal((await scheduler.tick()).enqueued, 0);
      clock.set(s!.nextRunAt);
      assert.equal((await scheduler.tick()).enqueued, 1);
      assert.equal(new Date((await scheduler.get("k"))!.nextRunAt).toISOString(), "2026-01-03T07:15:00.000Z");
    });

    it("missed occurrences: skip enqueues only the latest, catch_up the latest catchUpLimit", async () => {
      await scheduler.add({ name: "skip", type: "a", cron: "*/10 * * * * *" }); // every 10 s
      await scheduler.add({ name: "catch", type: "b", cron: "*/10 * * * * *", missed: "catch_up", catchUpLimit: 4 });
      await scheduler.add({ name: "all", type: "c", every: 10_000, startAt: T0, missed: "catch_up" });
      clock.set(T0 + 65_000); // 12:01:05.250: occurrences 12:00:10 … 12:01:00 (6) are due
      const r = await scheduler.tick();
      assert.deepEqual([...r.fired].sort(), ["all", "catch", "skip"]);
      const byType = async (type: string) => (await client.listTasks({ type })).map((t) => t.idempotencyKey);
      assert.deepEqual(await byType("a"), [occurrenceKey("skip", Date.UTC(2026, 0, 1, 12, 1, 0))]);
      assert.deepEqual(
        await byType("b"),
        [30, 40, 50, 60].map((s) => occurrenceKey("catch", Date.UTC(2026, 0, 1, 12, 0, 0) + s * 1000)),
      );
      // interval from startAt T0: T0, T0+10 s, … T0+60 s are due (7), all within the default limit 10
      assert.equal((await byType("c")).length, 7);
      assert.equal((await scheduler.get("all"))?.nextRunAt, T0 + 70_000);
      assert.equal((await scheduler.get("skip"))?.nextRunAt, Date.UTC(2026, 0, 1, 12, 1, 10));
    });

    it("after a long gap catch_up enqueues only the latest catchUpLimit occurrences", async () => {
      await scheduler.add({ name: "sec", type: "s", cron: "* * * * * *", missed: "catch_up", catchUpLimit: 3 });
      clock.set(T0 + 3_600_000); // an hour of every-second occurrences missed
      assert.equal((await scheduler.tick()).enqueued, 3);
      const end = Date.UTC(2026, 0, 1, 13, 0, 0);
      assert.deepEqual(
        (await client.listTasks()).map((t) => t.idempotencyKey),
        [end - 2000, end - 1000, end].map((o) => occurrenceKey("sec", o)),
      );
      assert.equal((await scheduler.get("sec"))?.nextRunAt, end + 1000);
    });

    it("two schedulers ticking at once fire each occurrence once", async () => {
      const other = new QueueScheduler(db);
      await scheduler.add({ name: "x", type: "x", every: "1s", startAt: T0, missed: "catch_up", catchUpLimit: 1000 });
      for (let i = 1; i <= 20; i++) {
        clock.set(T0 + i * 1700);
        const [a, b] = await Promise.all([scheduler.tick(), other.tick()]);
        assert.ok(a.fired.length + b.fired.length <= 1);
      }
      const tasks = await client.listTasks({ limit: 1000 });
      assert.equal(tasks.length, Math.floor((20 * 1700) / 1000) + 1);
      assert.equal(new Set(tasks.map((t) => t.idempotencyKey)).size, tasks.length);
    });

    it("re-adding with the same timing keeps the next run; new timing recomputes it", async () => {
      await scheduler.add({ name: "n", type: "x", every: 60_000 });
      clock.set(T0 + 90_000); // the occurrence at T0+60 s is due and not yet fired
      await scheduler.add({ name: "n", type: "y", every: "1m", payload: { v: 2 } });
      assert.equal((await scheduler.get("n"))?.nextRunAt, T0 + 60_000);
      assert.equal((await scheduler.tick()).enqueued, 1);
      assert.equal((await client.listTasks())[0]?.type, "y");
      await scheduler.add({ name: "n", type: "y", every: "2m" });
      assert.equal((await scheduler.get("n"))?.nextRunAt, T0 + 90_000 + 120_000);
    });

    it("disabled schedules fire nothing; re-enabling starts after now", async () => {
      await scheduler.add({ name: "d", type: "x", every: 1000 });
      assert.equal(await scheduler.setEnabled("d", false), true);
      clock.set(T0 + 10_000);
      assert.equal((await scheduler.tick()).enqueued, 0);
      await scheduler.setEnabled("d", true);
      assert.equal((await scheduler.get("d"))?.nextRunAt, T0 + 11_000);
      assert.equal(await scheduler.setEnabled("nope", true), false);
    });

    it("list and remove", async () => {
      await scheduler.add({ name: "b", type: "x", every: 1000 });
      await scheduler.add({ name: "a", type: "x", cron: "0 * * * *" });
      assert.deepEqual((await scheduler.list()).map((s) => s.name), ["a", "b"]);
      assert.equal(await scheduler.remove("a"), true);
      assert.equal(await scheduler.remove("a"), false);
      assert.deepEqual((await scheduler.list()).map((s) => s.name), ["b"]);
    });

    it("refuses bad definitions with QueueValidationError", async () => {
      const bad = [
        { name: "", type: "x", every: 1000 },
        { name: "a", type: "x" },
        { name: "a", type: "x", every: 1000, cron: "* * * * *" },
        { name: "a", type: "x", cron: "not a cron" },
        { name: "a", type: "x", cron: "* * * * *", timeZone: "Mars/Olympus" },
        { name: "a", type: "x", every: "5 parsecs" },
        { name: "a", type: "x", every: 0 },
        { name: "a", type: "x", every: 1000, missed: "later" },
        { name: "a", type: "x", every: 1000, catchUpLimit: 0 },
        { name: "a", type: "x", cron: "0 0 31 2 *" },
        { name: "a", type: "", every: 1000 },
      ];
      for (const def of bad) {
        await assert.rejects(scheduler.add(def as never), QueueValidationError, JSON.stringify(def));
      }
      assert.deepEqual(await scheduler.list(), []);
    });
  });
}
