/**
 * Seed 001's rollback and reliability targets, measured through the built package: the time to
 * switch back to in-memory with nothing lost (target ≤ 5 minutes), and the error rate of
 * startTask under a sustained, bounded load with worker processes contending (target ≤ 0.1%).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "./helpers/drivers.ts";
import { core, FILE_DRIVERS, runReaches, until } from "./fixtures/task-manager/helpers.ts";
import { executions, startWorker, stopWorker } from "./fixtures/task-manager/procs.ts";
import { scenarioRegistry } from "./fixtures/task-manager/registry.ts";

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of it) out.push(l);
  return out;
}

for (const driver of FILE_DRIVERS) {
  describe(`rollout targets (${driver.name})`, () => {
    it("rollback: drain, report, export, restart on in-memory; then the export runs elsewhere, nothing lost", { timeout: 120_000 }, async (t) => {
      const tmp = tempDir("prismq-tm-rb-");
      const dbPath = join(tmp.dir, "queue.db");
      const logPath = join(tmp.dir, "exec.log");
      const env = { TASK_BACKEND: "queue", QUEUE_DB_PATH: dbPath, QUEUE_POLL_INTERVAL_MS: "20" };
      const open = (p: string | undefined) => driver.open(p!);
      const live = await core.createTaskManager({ registry: scenarioRegistry(core, logPath), env, openDatabase: open, worker: { pollIntervalMs: 10, concurrency: 2 } });
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push(await live.startTask({}, { module: "scenario", method: "work", params: { ms: 150, i } }));
      await until(() => executions(logPath).filter((e) => e.event === "start").length >= 2, 10_000, "work to start");

      // The procedure, timed from the decision to roll back to the first run on the old backend.
      const started = performance.now();
      const report = await live.drain({ timeoutMs: 60_000 }); // 1. stop intake, finish in-flight
      await live.close();
      const db = await driver.open(dbPath); // 2. from outside: what is left, and export it
      const outside = await core.drainQueue(db, { timeoutMs: 10_000 });
      const exported = await collect(core.exportTasks(db, { statuses: ["queued", "processing"] }));
      await db.close();
      const restarted = await core.createTaskManager({ registry: scenarioRegistry(core, logPath), env: { ...env, TASK_BACKEND: "in-memory" }, openDatabase: open });
      assert.equal(restarted.backend, "in-memory"); // 3. restart with TASK_BACKEND=in-memory
      const first = await restarted.startTask({}, { module: "scenario", method: "work", params: { ms: 1 } });
      await runReaches(restarted, first, ["COMPLETED"]);
      const rollbackMs = performance.now() - started;
      t.diagnostic(`rollback to in-memory took ${rollbackMs.toFixed(0)} ms (target ≤ 300000 ms); ${report.stillQueued.length} run(s) left queued and exported`);
      assert.ok(rollbackMs < 300_000);

      // Nothing lost: every run either completed before the switch or is in the export.
      assert.equal(report.settled, true);
      assert.deepEqual(report.stillRunning, []);
      assert.ok(report.stillQueued.length > 0, "the drain left queued work to report");
      assert.deepEqual(outside.pending.map((p) => String(p.id)), report.stillQueued);
      const exportedIds = exported.slice(1, -1).map((l) => String(JSON.parse(l).id));
      assert.deepEqual(exportedIds, report.stillQueued);
      const doneBefore = new Set(executions(logPath).filter((e) => e.event === "done").map((e) => e.runId));
      assert.deepEqual([...ids].filter((id) => !doneBefore.has(id)), report.stillQueued);

      // Roll forward later: the export imported into a fresh queue runs to completion.
      const fresh = join(tmp.dir, "fresh.db");
      const fdb = await driver.open(fresh);
      assert.equal((await core.importTasks(fdb, exported)).imported, report.stillQueued.length);
      await fdb.close();
      const again = await core.createTaskManager({ registry: scenarioRegistry(core, logPath), env: { ...env, QUEUE_DB_PATH: fresh }, openDatabase: open, worker: { pollIntervalMs: 10, concurrency: 4 } });
      await again.waitAll();
      for (const id of report.stillQueued) assert.equal((await again.getRun(id))?.status, "COMPLETED");
      await again.close();
      await restarted.close();
      tmp.cleanup();
    });

    it("drainQueue waits for the tasks running when it began", { timeout: 30_000 }, async () => {
      const tmp = tempDir("prismq-tm-rb-");
      const dbPath = join(tmp.dir, "queue.db");
      const manager = await core.createTaskManager({
        registry: scenarioRegistry(core, join(tmp.dir, "exec.log")),
        env: { TASK_BACKEND: "queue", QUEUE_DB_PATH: dbPath },
        openDatabase: (p) => driver.open(p!),
        worker: { pollIntervalMs: 10 },
      });
      const id = await manager.startTask({}, { module: "scenario", method: "work", params: { ms: 400 } });
      await runReaches(manager, id, ["RUNNING"]);
      const db = await driver.open(dbPath);
      const report = await core.drainQueue(db, { pollIntervalMs: 20 });
      assert.deepEqual([report.inFlightAtStart, report.settled, report.pending], [1, true, []]);
      assert.ok(report.waitedMs >= 100, `waited ${report.waitedMs} ms`);
      const stuck = await new core.QueueClient(db).enqueue("nobody-runs-this", {});
      await new core.QueueWorker(db, { handlers: { "nobody-runs-this": async () => {} }, leaseMs: 60_000 }).claimTasks(1);
      const timedOut = await core.drainQueue(db, { timeoutMs: 100, pollIntervalMs: 20 });
      assert.deepEqual([timedOut.settled, timedOut.pending.map((p) => [p.id, p.status])], [false, [[stuck, "processing"]]]);
      await db.close();
      await manager.close();
      tmp.cleanup();
    });

    it("error rate of startTask under sustained load with 2 worker processes contending ≤ 0.1%", { timeout: 180_000 }, async (t) => {
      const tmp = tempDir("prismq-tm-load-");
      const dbPath = join(tmp.dir, "queue.db");
      const logPath = join(tmp.dir, "exec.log");
      const manager = await core.createTaskManager({
        registry: scenarioRegistry(core, logPath),
        env: { TASK_BACKEND: "queue", QUEUE_DB_PATH: dbPath, QUEUE_POLL_INTERVAL_MS: "100" },
        openDatabase: (p) => driver.open(p!),
        worker: { pollIntervalMs: 10, concurrency: 4 },
      });
      const wenv = { DB: dbPath, DRIVER: driver.name, LOG: logPath, CONCURRENCY: "4" };
      const workers = await Promise.all([startWorker(wenv), startWorker(wenv)]);
      const TOTAL = 2_000;
      const CALLERS = 8;
      let rejected = 0;
      const ids: string[] = [];
      const firstErrors: string[] = [];
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CALLERS }, async (_, c) => {
          for (let n = 0; n < TOTAL / CALLERS; n++) {
            try {
              ids.push(await manager.startTask({}, { module: "scenario", method: "work", params: { ms: 1, c, n } }));
            } catch (err) {
              rejected++;
              if (firstErrors.length < 3) firstErrors.push(String(err));
            }
          }
        }),
      );
      const enqueueMs = performance.now() - started;
      await manager.waitAll();
      const statuses = await Promise.all(ids.map(async (id) => (await manager.getRun(id))?.status));
      const failedRuns = statuses.filter((s) => s !== "COMPLETED").length;
      const rate = (rejected + failedRuns) / TOTAL;
      t.diagnostic(
        `${TOTAL} startTask calls from ${CALLERS} callers in ${enqueueMs.toFixed(0)} ms, drained in ${(performance.now() - started).toFixed(0)} ms ` +
          `by 1 in-process + 2 worker processes: ${rejected} rejected, ${failedRuns} not completed, error rate ${(rate * 100).toFixed(3)}% (target ≤ 0.1%)` +
          (firstErrors.length > 0 ? `; first errors: ${firstErrors.join(" | ")}` : ""),
      );
      await Promise.all(workers.map((w) => stopWorker(w)));
      await manager.close();
      tmp.cleanup();
      assert.ok(rate <= 0.001, `error rate ${rate}`);
      assert.equal(new Set(ids).size, ids.length);
    });
  });
}
