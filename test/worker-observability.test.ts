import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { DRIVERS } from "./helpers/drivers.ts";
import {
  FakeClock,
  LeaseLostError,
  NonRetryableError,
  QueueClient,
  QueueDatabase,
  QueueWorker,
  TaskLogger,
  WorkerHeartbeat,
  type AppLogger,
} from "../src/index.ts";

function recordingLogger(): AppLogger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void lines.push(`${level} ${message} #${String(fields?.["taskId"] ?? "")}`);
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

for (const d of DRIVERS) {
  describe(`QueueWorker transitions and heartbeats on ${d.name}`, () => {
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
    const transitions = async (taskId: number) =>
      (await new TaskLogger(db).getTaskLogs(taskId))
        .reverse()
        .map((l) => {
          const det = l.details as Record<string, unknown>;
          const what = det["from_status"] !== undefined ? `${String(det["from_status"])}->${String(det["to_status"])}` : String(det["error_type"] ?? "retry");
          return `${l.level} ${what}`;
        });

    it("writes every status change to task_logs and tells the app logger", async () => {
      const log = recordingLogger();
      const ok = await client.enqueue("ok", {});
      const flaky = await client.enqueue("flaky", {}, { maxAttempts: 2 });
      const bad = await client.enqueue("bad", {});
      const w = new QueueWorker(db, { workerId: "w", logger: log, random: () => 0, backoff: { baseMs: 1000 }, taskLogs: "all" });
      let first = true;
      w.register("ok", async () => {});
      w.register("flaky", async () => {
        if (first) {
          first = false;
          throw new Error("once");
        }
      });
      w.register("bad", async () => {
        throw new NonRetryableError("never");
      });
      await w.processOnce(3);
      await clock.advance(1000);
      await w.processOnce(3);
      assert.deepEqual(await transitions(ok), ["DEBUG queued->processing", "INFO processing->completed"]);
      assert.deepEqual(await transitions(flaky), [
        "DEBUG queued->processing",
        "ERROR Error",
        "WARNING retry",
        "DEBUG queued->processing",
        "INFO processing->completed",
      ]);
      assert.deepEqual(await transitions(bad), ["DEBUG queued->processing", "ERROR NonRetryableError", "ERROR processing->dead_letter"]);
      const claimLog = (await new TaskLogger(db).getTaskLogs(flaky)).at(-1)!;
      assert.deepEqual(claimLog.details, { from_status: "queued", to_status: "processing", worker_id: "w", attempt: 1, lease_token: 1 });
      assert.ok(log.lines.includes(`info task completed #${ok}`));
      assert.ok(log.lines.includes(`warn task failed, retry scheduled #${flaky}`));
      assert.ok(log.lines.includes(`error task dead-lettered #${bad}`));
      assert.equal(log.lines.filter((l) => l.startsWith("debug task claimed")).length, 4);
    });

    it("a refused (stale) write logs nothing, and an expired lease's reclaim is logged", async () => {
      const id = await client.enqueue("t", {});
      const a = new QueueWorker(db, { workerId: "A", leaseMs: 1000, taskLogs: "all" });
      const b = new QueueWorker(db, { workerId: "B", leaseMs: 1000, taskLogs: "all" });
      a.register("t", async () => {});
      b.register("t", async () => {});
      const [held] = await a.claimTasks();
      await clock.advance(1000);
      await b.claimTasks();
      await assert.rejects(a.completeTask(held!), LeaseLostError);
      assert.deepEqual(await transitions(id), [
        "DEBUG queued->processing",
        "WARNING processing->queued",
        "DEBUG queued->processing",
      ]);
    });

    it("taskLogs: false writes no log rows", async () => {
      await client.enqueue("t", {});
      const w = new QueueWorker(db, { workerId: "w", taskLogs: false });
      w.register("t", async () => {});
      await w.processOnce();
      assert.deepEqual(await new TaskLogger(db).getRecentLogs(), []);
    });

    it("registers while running, beats, releases a stale worker's tasks by crash policy, and deregisters", async () => {
      const hb = new WorkerHeartbeat(db);
      // A worker that died holding two tasks with long leases.
      const keep = await client.enqueue("keep", {});
      const drop = await client.enqueue("drop", {});
      const dead = new QueueWorker(db, { workerId: "dead", leaseMs: 3_600_000 });
      dead.register("keep", async () => {});
      dead.register("drop", async () => {});
      await hb.updateHeartbeat("dead");
      const held = await dead.claimTasks(2);
      assert.equal(held.length, 2);
      await clock.advance(60_000);

      const live = new QueueWorker(db, {
        workerId: "live",
        heartbeatIntervalMs: 10_000,
        staleAfterMs: 30_000,
        crashPolicy: { drop: "dead_letter" },
        pollIntervalMs: 1000,
        capabilities: { region: "eu" },
      });
      live.register("other", async () => {});
      live.start();
      await clock.advance(0);
      const registered = (await hb.getAllWorkers()).map((w) => [w.workerId, w.capabilities, w.isStale]);
      assert.deepEqual(registered, [["live", { region: "eu" }, false], ["dead", {}, false]]);
      assert.equal((await client.getTask(keep))?.status, "queued", "retry policy: back in the queue");
      assert.equal((await client.getTask(drop))?.status, "dead_letter", "dead_letter policy");
      await assert.rejects(dead.completeTask(held[0]!), LeaseLostError);

      const beatOf = async (id: string) => (await hb.getAllWorkers()).find((w) => w.workerId === id)!.heartbeatAt;
      const before = await beatOf("live");
      await clock.advance(10_000);
      const after = await beatOf("live");
      assert.equal(after - before, 10_000, "beat once per interval");

      const stopping = live.stop();
      await clock.advance(0);
      await stopping;
      assert.deepEqual((await hb.getAllWorkers()).map((w) => w.workerId), ["dead"], "live deregistered at stop");
    });
  });
}
