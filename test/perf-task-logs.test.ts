/**
 * Issue 12: the `taskLogs` levels. The default ("failures") writes a `task_logs` row for every
 * retry, failure and dead-letter (and the schema logs every reclaim), none for a claim or a
 * completion, whose task row keeps the claim and finish times and the worker; "all" also logs
 * claims, completions and releases; false logs nothing the worker would write. Also the config
 * key and its environment variable, and the migration-7 index definitions (partial, same names).
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { DRIVERS } from "./helpers/drivers.ts";
import { FakeClock, NonRetryableError, QueueClient, QueueDatabase, QueueWorker, TaskLogger } from "../src/index.ts";
import { parseWorkerConfig } from "../src/config/worker-config.ts";

for (const d of DRIVERS) {
  describe(`taskLogs levels on ${d.name}`, () => {
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
    const messages = async (id: number): Promise<string[]> => (await new TaskLogger(db).getTaskLogs(id)).reverse().map((l) => l.message ?? "");

    it('default ("failures"): no row for a claim or a completion; the task row keeps times and worker', async () => {
      const w = new QueueWorker(db, { workerId: "w1", heartbeatIntervalMs: 0 }).register("t", () => {});
      const id = await client.enqueue("t", {});
      assert.equal(await w.processOnce(1), 1);
      assert.deepEqual(await messages(id), []);
      const t = (await client.getTask(id))!;
      assert.equal(t.status, "completed");
      assert.equal(t.lockedBy, "w1");
      assert.ok(t.reservedAt !== null && t.processingStartedAt !== null && t.finishedAt !== null, JSON.stringify(t));
    });

    it('default ("failures"): a retry, a failure and a dead-letter are logged', async () => {
      let fail: Error = new Error("boom");
      const w = new QueueWorker(db, { workerId: "w1", heartbeatIntervalMs: 0, random: () => 0, backoff: { baseMs: 1, maxMs: 1 } }).register("t", () => {
        throw fail;
      });
      const retried = await client.enqueue("t", {}, { maxAttempts: 2 });
      await w.processOnce(1);
      const afterRetry = await messages(retried);
      assert.ok(afterRetry.length >= 2 && afterRetry.some((m) => /retry/i.test(m)), JSON.stringify(afterRetry));
      assert.ok(!afterRetry.some((m) => /queued → processing/.test(m)), JSON.stringify(afterRetry));
      await clock.advance(3_600_000);
      await w.processOnce(1);
      assert.ok((await messages(retried)).some((m) => /→ failed/.test(m)), JSON.stringify(await messages(retried)));
      fail = new NonRetryableError("no");
      const dead = await client.enqueue("t", {});
      await w.processOnce(1);
      assert.ok((await messages(dead)).some((m) => /→ dead_letter/.test(m)), JSON.stringify(await messages(dead)));
    });

    it('"all": claims and completions are logged too; false: nothing', async () => {
      const all = new QueueWorker(db, { workerId: "w1", heartbeatIntervalMs: 0, taskLogs: "all" }).register("t", () => {});
      const a = await client.enqueue("t", {});
      await all.processOnce(1);
      assert.deepEqual((await messages(a)).filter((m) => /queued → processing|processing → completed/.test(m)).length, 2);
      const none = new QueueWorker(db, { workerId: "w2", heartbeatIntervalMs: 0, taskLogs: false, random: () => 0 }).register("t", () => {
        throw new Error("x");
      });
      const b = await client.enqueue("t", {});
      await none.processOnce(1);
      assert.deepEqual(await messages(b), []);
    });

    it("an expired lease's reclaim is logged whatever the level", async () => {
      const a = new QueueWorker(db, { workerId: "A", leaseMs: 1000, taskLogs: false, heartbeatIntervalMs: 0 });
      const id = await client.enqueue("t", {});
      await a.claimTasks(1);
      await clock.advance(1001);
      const b = new QueueWorker(db, { workerId: "B", leaseMs: 1000, heartbeatIntervalMs: 0 });
      await b.claimTasks(1);
      assert.ok((await messages(id)).some((m) => /lease expired/.test(m)), JSON.stringify(await messages(id)));
    });

    it("migration 7: the seeds' index names stay, partial where the hot statements allow", async () => {
      const r = await db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'task_queue' AND sql IS NOT NULL");
      const sql = new Map(r.rows.map((row) => [String(row["name"]), String(row["sql"])]));
      for (const name of ["ix_task_status_prio_time", "ix_task_type_status", "ix_task_region", "ix_task_format", "uq_task_idempotency"]) {
        assert.ok(sql.has(name), `${name} kept`);
      }
      assert.match(sql.get("ix_task_status_prio_time")!, /WHERE status = 'queued'/);
      assert.match(sql.get("ix_task_region")!, /WHERE region IS NOT NULL/);
      assert.match(sql.get("ix_task_format")!, /WHERE format IS NOT NULL/);
      // The FIFO/LIFO index is made by the first such claim only.
      assert.ok(!sql.has("ix_task_type_queued_time") && !sql.has("ix_task_queued_time"), "no FIFO index before a FIFO claim");
      await new QueueWorker(db, { workerId: "f", strategy: "FIFO", heartbeatIntervalMs: 0 }).claimTasks(1);
      const after = await db.execute("SELECT sql FROM sqlite_master WHERE name = 'ix_task_type_queued_time'");
      assert.match(String(after.rows[0]?.["sql"]), /\(type, run_after_utc, id\) WHERE status = 'queued'/);
      // Migration 10: the counts' index leads with (type, status) and then holds the PRIORITY order.
      assert.match(sql.get("ix_task_type_status")!, /\(type, status, priority, run_after_utc, id\)$/);
      // The seeds' lookups still use them.
      const plan = async (q: string): Promise<string> =>
        (await db.execute(`EXPLAIN QUERY PLAN ${q}`)).rows.map((row) => String(row["detail"])).join("; ");
      assert.match(await plan("SELECT * FROM task_queue WHERE region = 'eu'"), /ix_task_region/);
      assert.match(await plan("SELECT * FROM task_queue WHERE format = 'mp4'"), /ix_task_format/);
      assert.match(
        await plan("SELECT * FROM task_queue WHERE status = 'queued' AND run_after_utc <= datetime('now') ORDER BY priority ASC, run_after_utc ASC LIMIT 1"),
        /ix_task_status_prio_time/,
      );
    });
  });
}

describe("taskLogs in a worker config file and PRISMQ_TASK_LOGS", () => {
  const cfg = (text: string, env: Record<string, string> = {}) => parseWorkerConfig(text, { format: "json", source: "w.json", env });
  it('defaults to "failures"; the file and the variable set "all", "failures" or false', () => {
    assert.equal(cfg("{}").taskLogs, "failures");
    assert.equal(cfg('{"taskLogs": "all"}').taskLogs, "all");
    assert.equal(cfg('{"taskLogs": false}').taskLogs, false);
    assert.equal(cfg("{}", { PRISMQ_TASK_LOGS: "false" }).taskLogs, false);
    assert.equal(cfg('{"taskLogs": false}', { PRISMQ_TASK_LOGS: "all" }).taskLogs, "all");
    assert.throws(() => cfg("{}", { PRISMQ_TASK_LOGS: "some" }), /taskLogs/);
  });
});
