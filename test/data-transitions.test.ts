/**
 * Issue 11, through the built package: every status change writes its `task_logs` row (cancel
 * and retry included, which logged nothing before); the database's dialect is the one place the
 * client, the observability classes and maintenance take their statements from; and the oldest
 * waiting age has one definition (QueueMonitoring used to count a delayed task from its creation).
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { core, DIST_DRIVERS } from "./helpers/dist-drivers.ts";
import type { QueueDialect } from "../src/index.ts";

const { FakeClock, QueueClient, QueueDatabase, QueueMaintenance, QueueMetrics, QueueMonitoring, QueueWorker } = core;
const T0 = Date.UTC(2026, 0, 1);

/** A dialect that is the built SQLite one, recording which `reads` builders were asked for. */
function recordingDialect(asked: string[]): QueueDialect {
  const base = core.sqliteDialect;
  const reads = Object.fromEntries(
    Object.entries(base.reads).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        asked.push(name);
        return (fn as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as QueueDialect["reads"];
  return { ...base, name: "recording", reads };
}

for (const d of DIST_DRIVERS) {
  describe(`transitions and the dialect seam (built package) on ${d.name}`, () => {
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

    const logsOf = async (id: number) =>
      (await db.execute("SELECT level, message, details FROM task_logs WHERE task_id = ? ORDER BY log_id", [id])).rows.map(
        (r) => ({ level: r["level"], message: r["message"], details: JSON.parse(String(r["details"])) as Record<string, unknown> }),
      );

    it("cancel logs queued → cancelled and processing → cancelled; a refused cancel logs nothing", async () => {
      const queued = await client.enqueue("t");
      assert.equal(await client.cancel(queued), true);
      assert.deepEqual(await logsOf(queued), [
        {
          level: "DEBUG",
          message: "Status transition: queued → cancelled",
          details: { from_status: "queued", to_status: "cancelled", worker_id: null, attempt: 0, reason: "cancelled" },
        },
      ]);
      assert.equal(await client.cancel(queued), false);
      assert.equal((await logsOf(queued)).length, 1, "a cancel that changes nothing writes no row");

      const running = await client.enqueue("t");
      const w = new QueueWorker(db, { workerId: "w1", taskLogs: false }).register("t", async () => {});
      assert.equal((await w.claimTasks()).length, 1);
      assert.equal(await client.cancel(running), true);
      const [row] = await logsOf(running);
      assert.equal(row?.message, "Status transition: processing → cancelled");
      assert.deepEqual(row?.details, { from_status: "processing", to_status: "cancelled", worker_id: "w1", attempt: 1, reason: "cancelled" });
    });

    it("retry logs failed → queued and dead_letter → queued; a refused retry logs nothing", async () => {
      const id = await client.enqueue("t", {}, { maxAttempts: 1 });
      const w = new QueueWorker(db, { workerId: "w1", taskLogs: false }).register("t", async () => {});
      const [task] = await w.claimTasks();
      assert.equal(await w.failTask(task!, new Error("boom")), "failed");
      assert.equal(await client.retry(id), true);
      assert.deepEqual(await logsOf(id), [
        {
          level: "DEBUG",
          message: "Status transition: failed → queued",
          details: { from_status: "failed", to_status: "queued", attempt: 1, reason: "retry" },
        },
      ]);
      assert.equal(await client.retry(id), false, "a queued task is not retried");
      assert.equal((await logsOf(id)).length, 1);
      await db.execute("UPDATE task_queue SET status = 'dead_letter' WHERE id = ?", [id]);
      assert.equal(await client.retry(id), true);
      assert.equal((await logsOf(id))[1]?.message, "Status transition: dead_letter → queued");
    });

    it("the client, metrics, monitoring and maintenance take counts and ages from db.dialect", async () => {
      const asked: string[] = [];
      const own = await QueueDatabase.open(d.open(), { clock, dialect: recordingDialect(asked) });
      try {
        assert.equal(own.dialect.name, "recording");
        const c = new QueueClient(own);
        await c.enqueue("a");
        await c.enqueue("b", {}, { delayMs: 60_000 });
        asked.length = 0;
        assert.equal((await c.stats()).queued, 2);
        assert.deepEqual(asked, ["countByStatus"]);
        asked.length = 0;
        assert.equal((await new QueueMetrics(own).getQueueDepthByStatus()).queued, 2);
        assert.deepEqual(asked, ["countByStatus"]);
        asked.length = 0;
        await new QueueMonitoring(own).getQueueMetrics();
        assert.deepEqual(asked, ["countByStatus", "countQueuedByType", "oldestWaitingSince"]);
        asked.length = 0;
        assert.equal((await new QueueMaintenance(own).getDatabaseStats()).tasksByStatus.queued, 2);
        assert.deepEqual(asked, ["countByStatus"]);
      } finally {
        await own.close();
      }
    });

    it("QueueMonitoring and QueueMetrics agree on the oldest waiting age: a delayed task waits from its run time", async () => {
      await client.enqueue("late", {}, { delayMs: 10 * 60_000 });
      clock.set(T0 + 10 * 60_000 + 1_500);
      const fromMetrics = await new QueueMetrics(db).getOldestQueuedTaskAge();
      const fromMonitoring = (await new QueueMonitoring(db).getQueueMetrics()).oldestQueuedTaskAgeMs;
      assert.equal(fromMetrics, 1_500);
      assert.equal(fromMonitoring, 1_500);
    });
  });
}
