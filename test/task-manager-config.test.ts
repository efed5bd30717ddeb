/**
 * createTaskManager's configuration (zod, config object and environment), the canary router's
 * per-run decision, the mapping tables, and the registries, through the built package.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "./helpers/drivers.ts";
import { core, FILE_DRIVERS, runReaches } from "./fixtures/task-manager/helpers.ts";

const registry = () =>
  new core.WorkRegistry().register("email", { send: async () => {} }).register("report", async () => {});
const isValidation = (re: RegExp) => (e: unknown) => core.isQueueError(e, "VALIDATION") && re.test(String(e));

describe("resolveTaskManagerConfig", () => {
  it("defaults to in-memory with fallback on; the environment overrides the config object", () => {
    assert.deepEqual({ ...core.resolveTaskManagerConfig() }, {
      backend: "in-memory", dbPath: undefined, fallbackEnabled: true, queuePercentage: 100, queueEnabledTypes: undefined, pollIntervalMs: 250,
    });
    const c = core.resolveTaskManagerConfig(
      { backend: "queue", dbPath: "/a.db", queuePercentage: 50, fallbackEnabled: true },
      { TASK_BACKEND: "in-memory", QUEUE_DB_PATH: "/b.db", QUEUE_FALLBACK_ENABLED: "no", QUEUE_ROLLOUT_PERCENTAGE: "12.5", QUEUE_ENABLED_TYPES: "email, report ,", QUEUE_POLL_INTERVAL_MS: "", PATH: "/bin" },
    );
    assert.deepEqual({ ...c }, {
      backend: "in-memory", dbPath: "/b.db", fallbackEnabled: false, queuePercentage: 12.5, queueEnabledTypes: ["email", "report"], pollIntervalMs: 250,
    });
  });

  it("refuses bad values naming the variable or key", () => {
    assert.throws(() => core.resolveTaskManagerConfig({}, { TASK_BACKEND: "redis" }), isValidation(/TASK_BACKEND/));
    assert.throws(() => core.resolveTaskManagerConfig({}, { QUEUE_ROLLOUT_PERCENTAGE: "150" }), isValidation(/QUEUE_ROLLOUT_PERCENTAGE/));
    assert.throws(() => core.resolveTaskManagerConfig({}, { QUEUE_FALLBACK_ENABLED: "maybe" }), isValidation(/QUEUE_FALLBACK_ENABLED/));
    assert.throws(() => core.resolveTaskManagerConfig({}, { QUEUE_POLL_INTERVAL_MS: "1.5" }), isValidation(/QUEUE_POLL_INTERVAL_MS/));
    assert.throws(() => core.resolveTaskManagerConfig({ backend: "disk" } as never), isValidation(/backend/));
    assert.throws(() => core.resolveTaskManagerConfig({ bogus: 1 } as never), isValidation(/bogus/));
  });
});

describe("createTaskManager", () => {
  it("in-memory by default; queue without an openDatabase function is a usage error even with fallback", async () => {
    const m = await core.createTaskManager({ registry: registry() });
    assert.equal(m.backend, "in-memory");
    await assert.rejects(core.createTaskManager({ registry: registry(), env: { TASK_BACKEND: "queue" } }), isValidation(/openDatabase/));
    await assert.rejects(core.createTaskManager(undefined as never), isValidation(/registry/));
  });

  for (const driver of FILE_DRIVERS) {
    it(`canary (${driver.name}): each new run goes where the router decides, recorded on the run`, async () => {
      const tmp = tempDir("prismq-tm-cfg-");
      const draws = [0.05, 0.5, 0.09, 0.95];
      let i = 0;
      const manager = await core.createTaskManager({
        registry: registry(),
        env: { TASK_BACKEND: "queue", QUEUE_DB_PATH: join(tmp.dir, "q.db"), QUEUE_ROLLOUT_PERCENTAGE: "10", QUEUE_POLL_INTERVAL_MS: "20" },
        openDatabase: (p) => driver.open(p!),
        worker: { pollIntervalMs: 10 },
        random: () => draws[i++ % draws.length]!,
      });
      try {
        assert.equal(manager.backend, "canary");
        const ids: string[] = [];
        for (let n = 0; n < 4; n++) ids.push(await manager.startTask({}, { module: "email", method: "send", params: { n } }));
        const runs = await Promise.all(ids.map((id) => runReaches(manager, id, ["COMPLETED"])));
        assert.deepEqual(runs.map((r) => r.backend), ["queue", "in-memory", "queue", "in-memory"]);
        assert.match(ids[0]!, /^\d+$/);
        assert.match(ids[1]!, /^mem-/);
        assert.equal(await manager.getActiveTaskCount(), 0);
        assert.deepEqual(await manager.getActiveTaskIds(), []);
        assert.equal(await manager.isTaskActive(ids[0]!), false);
        assert.equal(await manager.cancelTask(ids[1]!), false);
        const heard: string[] = [];
        const off = manager.onRunStatusChange((r) => heard.push(`${r.backend}:${r.status}`));
        await manager.startTask({}, { handler: "report" }); // draw 0.05: queue
        await manager.startTask({}, { handler: "report" }); // draw 0.5: memory
        await manager.waitAll();
        await new Promise((r) => setTimeout(r, 100));
        off();
        assert.ok(heard.includes("queue:COMPLETED") && heard.includes("in-memory:COMPLETED"), heard.join(","));
        const report = await manager.drain();
        assert.deepEqual([report.backend, report.settled, report.stillQueued], ["canary", true, []]);
      } finally {
        await manager.close();
        tmp.cleanup();
      }
    });

    it(`QUEUE_ENABLED_TYPES (${driver.name}): only the listed modules go to the queue`, async () => {
      const tmp = tempDir("prismq-tm-cfg-");
      const manager = await core.createTaskManager({
        registry: registry(),
        env: { TASK_BACKEND: "queue", QUEUE_DB_PATH: join(tmp.dir, "q.db"), QUEUE_ENABLED_TYPES: "email" },
        openDatabase: (p) => driver.open(p!),
        worker: false,
      });
      try {
        const canary = manager as InstanceType<typeof core.CanaryTaskManager>;
        for (let n = 0; n < 20; n++) {
          assert.equal(canary.route({ module: "email", method: "send" }), "queue");
          assert.equal(canary.route({ handler: "report" }), "in-memory");
        }
      } finally {
        await manager.close();
        tmp.cleanup();
      }
    });
  }

  for (const driver of FILE_DRIVERS) {
    it(`queue manager (${driver.name}): an empty registry at start-up, and a run row deleted behind its back`, async () => {
      const tmp = tempDir("prismq-tm-cfg-");
      const db = await driver.open(join(tmp.dir, "q.db"));
      const reg = new core.WorkRegistry();
      const manager = new core.QueuedTaskManager({ db, registry: reg, pollIntervalMs: 10, worker: { pollIntervalMs: 10 } });
      try {
        assert.equal(manager.worker?.running, false);
        reg.register("late", async () => {});
        assert.equal(manager.worker?.running, true);
        await runReaches(manager, await manager.startTask({}, { handler: "late" }), ["COMPLETED"]);
        await manager.worker!.stop();
        const gone = await manager.startTask({}, { handler: "late" });
        await db.execute("DELETE FROM task_queue WHERE id = ?", [Number(gone)]);
        await new Promise((r) => setTimeout(r, 60));
        const calls = db.callCount;
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(db.callCount, calls, "the poller stopped watching the deleted run");
        assert.equal(await manager.getRun(gone), null);
        await manager.waitAll();
      } finally {
        await manager.close();
        await db.close();
        tmp.cleanup();
      }
    });
  }

  it("the percentage router sends about that share to the queue", () => {
    const r = new core.CanaryTaskManager({ memory: {} as never, queue: {} as never, queuePercentage: 25 });
    let queue = 0;
    for (let n = 0; n < 4000; n++) if (r.route({ handler: "report" }) === "queue") queue++;
    assert.ok(queue > 800 && queue < 1200, `${queue} of 4000`);
    assert.throws(() => new core.CanaryTaskManager({ memory: {} as never, queue: {} as never, queuePercentage: 101 }), isValidation(/queuePercentage/));
  });
});

describe("mapping tables and registries", () => {
  it("maps every queue status as seed 001's table says, dead_letter to FAILED", () => {
    const expected = { queued: "QUEUED", processing: "RUNNING", completed: "COMPLETED", failed: "FAILED", cancelled: "CANCELLED", dead_letter: "FAILED" };
    for (const s of core.TASK_STATUSES) assert.equal(core.runStatusOf(s), expected[s]);
    assert.throws(() => core.runStatusOf("leased" as never), TypeError);
    assert.deepEqual(["7", "0", "007", "mem-1", "1e3", "99999999999999999"].map(core.taskIdOf), [7, null, null, null, null, null]);
  });

  it("WorkRegistry refuses bad names and non-functions; resolves module.method and handler names", () => {
    const reg = registry();
    assert.deepEqual(reg.names().sort(), ["email.send", "report"]);
    assert.equal(reg.resolve({ module: "email", method: "send" }).name, "email.send");
    assert.throws(() => reg.register("bad name", async () => {}), isValidation(/handler/));
    assert.throws(() => reg.register("m", { x: 1 } as never), isValidation(/m\.x is not a function/));
    assert.throws(() => reg.register("m", 5 as never), isValidation(/function or an object/));
    assert.throws(() => core.workName({ module: "a" } as never), isValidation(/work must be/));
    assert.throws(() => core.workName(null as never), isValidation(/work must be/));
    assert.throws(() => core.workParams({ handler: "x", params: [] as never }), isValidation(/plain JSON object/));
  });

  it("RunRegistry keeps a bounded number of finished runs, never moves one back, survives a throwing listener", () => {
    const errors: unknown[] = [];
    const runs = new core.RunRegistry({ maxFinishedRuns: 2, onListenerError: (e) => errors.push(e) });
    runs.subscribe(() => {
      throw new Error("listener bug");
    });
    const base = { moduleId: "m", parameters: {}, createdAt: 0, startedAt: null, completedAt: null, errorMessage: null, attempts: 0, maxAttempts: 1, idempotencyKey: null, backend: "in-memory", queueStatus: null, progress: null, result: null } as const;
    for (const id of ["a", "b", "c"]) runs.update({ ...base, runId: id, status: "COMPLETED" });
    runs.update({ ...base, runId: "d", status: "RUNNING" });
    assert.deepEqual(runs.list().map((r) => r.runId), ["b", "c", "d"]);
    assert.equal(runs.update({ ...base, runId: "c", status: "RUNNING" }).status, "COMPLETED");
    assert.deepEqual(runs.active().map((r) => r.runId), ["d"]);
    assert.equal(errors.length, 4);
  });
});
