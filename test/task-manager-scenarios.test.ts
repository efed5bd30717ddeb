/**
 * Seed 001's six integration scenarios for the queue-backed manager, on both Node file drivers,
 * through the built package: happy path, cancellation, error handling, fallback, multi-process
 * (10 tasks, 3 worker processes, none run twice) and crash recovery (SIGKILL mid-task).
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { tempDir } from "./helpers/drivers.ts";
import { core, FILE_DRIVERS, memoryLogger, runReaches, until } from "./fixtures/task-manager/helpers.ts";
import { executions, startWorker, stopWorker } from "./fixtures/task-manager/procs.ts";
import { scenarioRegistry } from "./fixtures/task-manager/registry.ts";

type Manager = import("../src/task-manager/types.ts").TaskManager;

for (const driver of FILE_DRIVERS) {
  describe(`seed 001 scenarios, queue backend (${driver.name})`, () => {
    let tmp: ReturnType<typeof tempDir>;
    let dbPath: string;
    let logPath: string;
    const closers: (() => Promise<unknown>)[] = [];
    beforeEach(() => {
      tmp = tempDir("prismq-tm-scn-");
      dbPath = join(tmp.dir, "queue.db");
      logPath = join(tmp.dir, "exec.log");
    });
    afterEach(async () => {
      for (const c of closers.splice(0).reverse()) await c();
      tmp.cleanup();
    });
    const queueManager = async (worker: object | false = { pollIntervalMs: 10 }): Promise<Manager> => {
      const manager = await core.createTaskManager({
        registry: scenarioRegistry(core, logPath),
        env: { TASK_BACKEND: "queue", QUEUE_DB_PATH: dbPath, QUEUE_POLL_INTERVAL_MS: "20", QUEUE_FALLBACK_ENABLED: "false" },
        openDatabase: (path) => driver.open(path!),
        worker,
      });
      closers.push(() => manager.close());
      assert.equal(manager.backend, "queue");
      return manager;
    };

    it("1. happy path: the run completes, as it does in memory", async () => {
      const manager = await queueManager();
      const memory = new core.BackgroundTaskManager({ registry: scenarioRegistry(core, join(tmp.dir, "mem.log")) });
      const work = { module: "scenario", method: "work", params: { ms: 20, item: "a" } } as const;
      const q = await runReaches(manager, await manager.startTask({}, work), ["COMPLETED", "FAILED"]);
      const m = await runReaches(memory, await memory.startTask({}, work), ["COMPLETED", "FAILED"]);
      const comparable = (r: typeof q) => [r.status, r.moduleId, r.parameters, r.attempts, r.errorMessage];
      assert.deepEqual(comparable(q), comparable(m));
      assert.deepEqual([q.backend, m.backend], ["queue", "in-memory"]);
      assert.deepEqual(executions(logPath).map((e) => [e.event, e.runId]), [["start", q.runId], ["done", q.runId]]);
    });

    it("2. cancellation: a running run and a queued run end CANCELLED", async () => {
      const manager = await queueManager({ pollIntervalMs: 10, leaseMs: 400 });
      const running = await manager.startTask({}, { module: "scenario", method: "work", params: { ms: 30_000 } });
      await runReaches(manager, running, ["RUNNING"]);
      assert.equal(await manager.cancelTask(running), true);
      assert.equal((await runReaches(manager, running, ["CANCELLED"])).queueStatus, "cancelled");
      // The worker's handler sees its signal abort at the next lease renewal and never finishes.
      await manager.waitAll();
      assert.ok(!executions(logPath).some((e) => e.event === "done"));

      const idle = await queueManager(false);
      const queued = await idle.startTask({}, { module: "scenario", method: "work", params: { ms: 1 } });
      assert.equal(await idle.cancelTask(queued), true);
      assert.equal((await idle.getRun(queued))?.status, "CANCELLED");
      assert.equal(await idle.isTaskActive(queued), false);
    });

    it("3. error handling: FAILED with the error message, stored in the queue", async () => {
      const manager = await queueManager();
      const runId = await manager.startTask({ maxAttempts: 1 }, { module: "scenario", method: "fail", params: { message: "disk full" } });
      const run = await runReaches(manager, runId, ["FAILED", "COMPLETED"]);
      assert.deepEqual([run.status, run.errorMessage, run.queueStatus], ["FAILED", "Error: disk full", "failed"]);
      assert.ok(run.completedAt !== null);
      const db = await driver.open(dbPath);
      closers.push(() => db.close());
      const row = (await db.execute("SELECT status, error_message FROM task_queue WHERE id = ?", [Number(runId)])).rows[0];
      assert.deepEqual({ ...row }, { status: "failed", error_message: "Error: disk full" });
    });

    it("4. fallback: a queue that cannot be opened gives the in-memory manager, with a warning", async () => {
      writeFileSync(dbPath, "this is not a SQLite database, it is a text file that is long enough to have a header".repeat(20));
      const logger = memoryLogger();
      const env = { TASK_BACKEND: "queue", QUEUE_DB_PATH: dbPath, QUEUE_FALLBACK_ENABLED: "true" };
      const manager = await core.createTaskManager({ registry: scenarioRegistry(core, logPath), env, openDatabase: (p) => driver.open(p!), logger });
      closers.push(() => manager.close());
      assert.equal(manager.backend, "in-memory");
      const warning = logger.lines.find((l) => l.level === "warn");
      assert.match(warning?.message ?? "", /falling back to the in-memory/);
      assert.match(String(warning?.fields?.["error"]), /database|not a/i);
      const run = await runReaches(manager, await manager.startTask({}, { module: "scenario", method: "work", params: { ms: 5 } }), ["COMPLETED"]);
      assert.equal(run.backend, "in-memory");
      await assert.rejects(
        core.createTaskManager({ registry: scenarioRegistry(core, logPath), env: { ...env, QUEUE_FALLBACK_ENABLED: "false" }, openDatabase: (p) => driver.open(p!) }),
        (e: unknown) => core.isQueueError(e) && e instanceof core.QueueDatabaseError,
      );
    });

    it("5. multi-process: 10 tasks, 3 worker processes, all complete, none runs twice", { timeout: 60_000 }, async () => {
      const manager = await queueManager(false);
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push(await manager.startTask({}, { module: "scenario", method: "work", params: { ms: 150, i } }));
      const go = join(tmp.dir, "go");
      const env = { DB: dbPath, DRIVER: driver.name, LOG: logPath, GO: go };
      const workers = await Promise.all([startWorker(env), startWorker(env), startWorker(env)]);
      closers.push(() => Promise.all(workers.map((w) => stopWorker(w, "SIGKILL"))));
      writeFileSync(go, "");
      await manager.waitAll();
      for (const id of ids) assert.equal((await manager.getRun(id))?.status, "COMPLETED");
      const log = executions(logPath);
      const starts = log.filter((e) => e.event === "start").map((e) => e.runId);
      assert.deepEqual([...starts].sort(), [...ids].sort(), "each run started exactly once");
      assert.equal(log.filter((e) => e.event === "done").length, 10);
      const pids = new Set(log.map((e) => e.pid));
      assert.ok(pids.size >= 2, `work spread over processes (${pids.size} took part)`);
      assert.deepEqual(await Promise.all(workers.map((w) => stopWorker(w))), ["0", "0", "0"]);
    });

    it("6. crash recovery: SIGKILL a worker mid-task, restart, the tasks retry and complete", { timeout: 60_000 }, async () => {
      const manager = await queueManager(false);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await manager.startTask({ maxAttempts: 3 }, { module: "scenario", method: "work", params: { ms: 1_500, i } }));
      const env = { DB: dbPath, DRIVER: driver.name, LOG: logPath, LEASE_MS: "800", CONCURRENCY: "5" };
      const first = await startWorker(env);
      closers.push(() => stopWorker(first, "SIGKILL"));
      await until(() => executions(logPath).filter((e) => e.event === "start").length === 5, 20_000, "all 5 runs to start");
      for (const id of ids) assert.equal((await runReaches(manager, id, ["RUNNING"])).status, "RUNNING");
      assert.equal(await stopWorker(first, "SIGKILL"), "SIGKILL");
      const second = await startWorker(env);
      closers.push(() => stopWorker(second, "SIGKILL"));
      await manager.waitAll();
      for (const id of ids) {
        const run = (await manager.getRun(id))!;
        assert.deepEqual([run.status, run.attempts], ["COMPLETED", 2], `run ${id}`);
      }
      const log = executions(logPath);
      assert.ok(log.filter((e) => e.pid === first.pid).every((e) => e.event === "start"), "the killed worker finished nothing");
      const done = log.filter((e) => e.event === "done");
      assert.deepEqual(done.map((e) => e.runId).sort(), [...ids].sort(), "each run completed exactly once");
      assert.ok(done.every((e) => e.pid === second.pid && e.attempt === 2));
      assert.equal(await stopWorker(second), "0");
    });
  });
}
