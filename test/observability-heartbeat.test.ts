import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { DRIVERS } from "./helpers/drivers.ts";
import {
  type EnqueueOptions,
  FakeClock,
  LeaseLostError,
  NonRetryableError,
  QueueClient,
  QueueDatabase,
  QueueValidationError,
  QueueWorker,
  type Task,
  toSqlTime,
} from "../src/index.ts";
import { QueueMonitoring, WorkerHeartbeat } from "../src/observability/heartbeat.ts";
import { TaskLogger } from "../src/observability/task-logger.ts";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

for (const d of DRIVERS) {
  describe(`WorkerHeartbeat on ${d.name}`, () => {
    let clock: FakeClock;
    let db: QueueDatabase;
    let client: QueueClient;
    let hb: WorkerHeartbeat;

    beforeEach(async () => {
      clock = new FakeClock(T0);
      db = await QueueDatabase.open(d.open(), { clock });
      client = new QueueClient(db);
      hb = new WorkerHeartbeat(db);
    });
    afterEach(async () => {
      await db.close();
    });

    const rawWorkers = async () =>
      (await db.execute("SELECT worker_id, capabilities, heartbeat_utc FROM workers ORDER BY worker_id")).rows.map((r) => ({ ...r }));

    /** Enqueues one task and has `workerId` claim it under a one-hour lease. */
    async function hold(workerId: string, type: string, options: EnqueueOptions = {}): Promise<{ worker: QueueWorker; task: Task }> {
      const id = await client.enqueue(type, {}, options);
      // taskLogs off: these tests count the log rows that reclaim writes, not the claim's own.
      const worker = new QueueWorker(db, { workerId, leaseMs: HOUR, random: () => 0, taskLogs: false });
      worker.register(type, async () => {});
      const [task] = await worker.claimTasks();
      assert.equal(task?.id, id, `${workerId} claims task ${id}`);
      return { worker, task: task! };
    }

    /** Registers each worker with a heartbeat `age` ms before `now`, then sets the clock to `now`. */
    async function registerAged(target: WorkerHeartbeat, now: number, ages: Record<string, number>): Promise<void> {
      for (const [id, age] of Object.entries(ages)) {
        clock.set(now - age);
        await target.updateHeartbeat(id);
      }
      clock.set(now);
    }

    it("registers a worker on its first heartbeat and refreshes time and capabilities on the next (UPSERT)", async () => {
      await hb.updateHeartbeat("w1", { gpu: true, region: "eu" });
      assert.deepEqual(await rawWorkers(), [
        { worker_id: "w1", capabilities: '{"gpu":true,"region":"eu"}', heartbeat_utc: "2026-01-01 00:00:00.000" },
      ]);
      await clock.advance(5_250);
      await hb.updateHeartbeat("w1", { gpu: false });
      await hb.updateHeartbeat("w2");
      assert.deepEqual(await rawWorkers(), [
        { worker_id: "w1", capabilities: '{"gpu":false}', heartbeat_utc: "2026-01-01 00:00:05.250" },
        { worker_id: "w2", capabilities: "{}", heartbeat_utc: "2026-01-01 00:00:05.250" },
      ]);
    });

    it("touch refreshes only a registered worker's heartbeat and keeps its capabilities", async () => {
      assert.equal(await hb.touch("ghost"), false);
      assert.deepEqual(await rawWorkers(), [], "an unknown worker is not registered by touch");
      await hb.updateHeartbeat("w1", { cpu: 8 });
      await clock.advance(1_500);
      assert.equal(await hb.touch("w1"), true);
      assert.deepEqual(await rawWorkers(), [{ worker_id: "w1", capabilities: '{"cpu":8}', heartbeat_utc: "2026-01-01 00:00:01.500" }]);
    });

    it("splits workers into active (<= 60 s) and stale (> 300 s) at the exact default thresholds", async () => {
      const now = T0 + HOUR;
      await registerAged(hb, now, { fresh: 0, a60: 60_000, a60p: 60_001, s300: 300_000, s300p: 300_001 });
      assert.deepEqual(
        await hb.getActiveWorkers(),
        [
          { workerId: "fresh", capabilities: {}, heartbeatAt: now },
          { workerId: "a60", capabilities: {}, heartbeatAt: now - 60_000 },
        ],
      );
      assert.deepEqual(await hb.getStaleWorkers(), [{ workerId: "s300p", capabilities: {}, heartbeatAt: now - 300_001 }]);
      assert.deepEqual(
        (await hb.getAllWorkers()).map((w) => [w.workerId, w.msSinceHeartbeat, w.isActive, w.isStale]),
        [
          ["fresh", 0, true, false],
          ["a60", 60_000, true, false],
          ["a60p", 60_001, false, false],
          ["s300", 300_000, false, false],
          ["s300p", 300_001, false, true],
        ],
      );
      assert.deepEqual(await hb.countWorkers(), { total: 5, active: 2, stale: 1 });
    });

    it("takes its thresholds from the constructor and per call", async () => {
      const custom = new WorkerHeartbeat(db, { activeThresholdMs: 1_000, staleThresholdMs: 5_000 });
      assert.equal(custom.activeThresholdMs, 1_000);
      assert.equal(custom.staleThresholdMs, 5_000);
      assert.equal(hb.activeThresholdMs, 60_000);
      assert.equal(hb.staleThresholdMs, 300_000);
      const now = T0 + HOUR;
      await registerAged(custom, now, { a: 1_000, b: 1_001, c: 5_000, e: 5_001 });
      assert.deepEqual((await custom.getActiveWorkers()).map((w) => w.workerId), ["a"]);
      assert.deepEqual((await custom.getStaleWorkers()).map((w) => w.workerId), ["e"]);
      assert.deepEqual(await custom.countWorkers(), { total: 4, active: 1, stale: 1 });
      assert.deepEqual((await custom.getActiveWorkers(5_000)).map((w) => w.workerId), ["a", "b", "c"]);
      assert.deepEqual((await custom.getStaleWorkers(1_000)).map((w) => w.workerId), ["b", "c", "e"]);
      assert.deepEqual((await hb.getActiveWorkers()).map((w) => w.workerId), ["a", "b", "c", "e"]);
      assert.deepEqual(await hb.getStaleWorkers(), []);
    });

    it("compares second-precision heartbeats (the seeds' datetime('now') form) exactly", async () => {
      await db.execute("INSERT INTO workers (worker_id, capabilities, heartbeat_utc) VALUES ('py', '{\"v\":1}', '2026-01-01 00:00:00')");
      clock.set(T0 + 300_000);
      assert.deepEqual(await hb.getStaleWorkers(), [], "exactly 300 s old: not yet stale");
      assert.equal((await hb.countWorkers()).stale, 0);
      clock.set(T0 + 300_001);
      assert.deepEqual(await hb.getStaleWorkers(), [{ workerId: "py", capabilities: { v: 1 }, heartbeatAt: T0 }]);
      clock.set(T0 + 60_000);
      assert.deepEqual((await hb.getActiveWorkers()).map((w) => w.workerId), ["py"], "exactly 60 s old: still active");
    });

    it("cleans up stale workers, keeping one that holds a processing task unless forced", async () => {
      await hb.updateHeartbeat("holder");
      await hb.updateHeartbeat("idle");
      await hb.updateHeartbeat("finisher");
      await hb.updateHeartbeat("fresh");
      await hold("holder", "t");
      const done = await hold("finisher", "t");
      await done.worker.completeTask(done.task);
      await clock.advance(300_001);
      await hb.updateHeartbeat("fresh");
      assert.equal(await hb.cleanupStaleWorkers(), 2, "idle and finisher (its task is completed) go");
      assert.deepEqual((await hb.getAllWorkers()).map((w) => w.workerId), ["fresh", "holder"]);
      assert.equal(await hb.cleanupStaleWorkers({ force: false }), 0);
      assert.equal(await hb.cleanupStaleWorkers({ force: true }), 1);
      assert.deepEqual((await hb.getAllWorkers()).map((w) => w.workerId), ["fresh"]);
      assert.equal(await hb.cleanupStaleWorkers({ force: true }), 0, "an active worker is never removed");
    });

    /** w1: 2 completed, 1 failed, 1 dead-lettered, 1 retried (no longer attributed), 1 processing; w2: 1 completed. */
    async function craftWorkerHistory(): Promise<void> {
      await hb.updateHeartbeat("w1", { gpu: true });
      for (let i = 0; i < 2; i++) {
        const c = await hold("w1", "t");
        await c.worker.completeTask(c.task);
      }
      const f = await hold("w1", "t", { maxAttempts: 1 });
      assert.equal(await f.worker.failTask(f.task, new Error("x")), "failed");
      const dl = await hold("w1", "t");
      assert.equal(await dl.worker.failTask(dl.task, new NonRetryableError("bad input")), "dead_letter");
      const r = await hold("w1", "t", { maxAttempts: 3 });
      assert.equal(await r.worker.failTask(r.task, new Error("flaky")), "queued");
      await hold("w1", "p");
      await clock.advance(2_000);
      await hb.updateHeartbeat("w2");
      const c2 = await hold("w2", "t2");
      await c2.worker.completeTask(c2.task);
      await clock.advance(1_000);
      await hb.updateHeartbeat("w3");
      await clock.advance(4_500);
    }

    it("reports one worker's liveness and the tasks attributed to it, or null if unknown", async () => {
      await craftWorkerHistory();
      assert.deepEqual(await hb.getWorkerStats("w1"), {
        workerId: "w1",
        capabilities: { gpu: true },
        heartbeatAt: T0,
        msSinceHeartbeat: 7_500,
        isActive: true,
        isStale: false,
        processingTasks: 1,
        completedTasks: 2,
        failedTasks: 1,
        deadLetterTasks: 1,
        successRate: 0.5,
      });
      assert.equal(await hb.getWorkerStats("nobody"), null);
    });

    it("summarises every worker, most recent heartbeat first", async () => {
      await craftWorkerHistory();
      const rows = (await hb.getAllWorkersSummary()).map((s) => [
        s.workerId,
        s.msSinceHeartbeat,
        s.processingTasks,
        s.completedTasks,
        s.failedTasks,
        s.deadLetterTasks,
        s.successRate,
      ]);
      assert.deepEqual(rows, [
        ["w3", 4_500, 0, 0, 0, 0, null],
        ["w2", 5_500, 0, 1, 0, 0, 1],
        ["w1", 7_500, 1, 2, 1, 1, 0.5],
      ]);
      await clock.advance(300_000 - 7_500 + 1);
      assert.deepEqual(
        (await hb.getAllWorkersSummary()).map((s) => [s.workerId, s.isActive, s.isStale]),
        [["w3", false, false], ["w2", false, false], ["w1", false, true]],
      );
    });

    it("reclaims a stale worker's tasks by the default retry policy, exhausted attempts ending failed", async () => {
      for (const w of ["dead", "alive"]) await hb.updateHeartbeat(w);
      const a = await hold("dead", "t", { maxAttempts: 3 });
      const b = await hold("dead", "t", { maxAttempts: 1 });
      const c = await hold("alive", "t");
      const ghost = await hold("ghost", "t"); // never registered: only its lease can release it
      const before = { c: await client.getTask(c.task.id), ghost: await client.getTask(ghost.task.id) };
      await clock.advance(300_001);
      await hb.updateHeartbeat("alive");
      const now = clock.now();

      assert.equal(await hb.reclaimStaleWorkerTasks(), 2);

      const ta = await client.getTask(a.task.id);
      assert.equal(ta?.status, "queued");
      assert.equal(ta?.attempts, 1, "attempts kept");
      assert.equal(ta?.lockedBy, null);
      assert.equal(ta?.leaseUntil, null);
      assert.equal(ta?.leaseToken, a.task.leaseToken + 1, "fencing token bumped");
      assert.equal(ta?.runAfter, a.task.runAfter, "runnable again at once");
      assert.equal(ta?.updatedAt, now);
      assert.equal(ta?.finishedAt, null);
      assert.equal(ta?.errorMessage, "worker dead went stale (last heartbeat 2026-01-01 00:00:00.000)");

      const tb = await client.getTask(b.task.id);
      assert.equal(tb?.status, "failed");
      assert.equal(tb?.attempts, 1);
      assert.equal(tb?.finishedAt, now);
      assert.equal(tb?.leaseUntil, null);
      assert.equal(tb?.leaseToken, b.task.leaseToken + 1);
      assert.equal(tb?.lockedBy, "dead", "a finished task keeps its last holder");
      assert.equal(tb?.errorMessage, "worker dead went stale (last heartbeat 2026-01-01 00:00:00.000) and no attempts left");

      assert.deepEqual(await client.getTask(c.task.id), before.c, "an active worker's task is untouched");
      assert.deepEqual(await client.getTask(ghost.task.id), before.ghost, "an unregistered holder's task is left to its lease");

      await assert.rejects(a.worker.completeTask(a.task), LeaseLostError);
      await assert.rejects(a.worker.failTask(a.task, new Error("late")), LeaseLostError);
      await assert.rejects(a.worker.renewLease(a.task), LeaseLostError);
      await assert.rejects(b.worker.completeTask(b.task), LeaseLostError);
      assert.equal((await client.getTask(a.task.id))?.status, "queued");
      assert.equal((await client.getTask(b.task.id))?.status, "failed");
      await c.worker.completeTask(c.task);

      const next = new QueueWorker(db, { workerId: "next", leaseMs: HOUR });
      next.register("t", async () => {});
      const [again] = await next.claimTasks();
      assert.equal(again?.id, a.task.id, "the released task is claimable at once");
      assert.equal(again?.attempts, 2);
      assert.equal(again?.leaseToken, a.task.leaseToken + 2);
      assert.equal(await hb.reclaimStaleWorkerTasks(), 0, "nothing left to reclaim");
    });

    it("refuses the stale worker's complete by the bumped fencing token alone", async () => {
      await hb.updateHeartbeat("dead");
      const a = await hold("dead", "t");
      await clock.advance(300_001);
      assert.equal(await hb.reclaimStaleWorkerTasks(), 1);
      // Put everything but the token back as the stale worker left it.
      const restore = "UPDATE task_queue SET status = 'processing', locked_by = 'dead', lease_until_utc = ? WHERE id = ?";
      await db.execute(restore, [toSqlTime(clock.now() + HOUR), a.task.id]);
      await assert.rejects(a.worker.completeTask(a.task), LeaseLostError);
      // Control: with the old token back, the same complete is accepted.
      await db.execute("UPDATE task_queue SET lease_token = ? WHERE id = ?", [a.task.leaseToken, a.task.id]);
      await a.worker.completeTask(a.task);
      assert.equal((await client.getTask(a.task.id))?.status, "completed");
    });

    it("applies the crash policy per task type", async () => {
      await hb.updateHeartbeat("dead");
      const held: Record<string, Task> = {};
      const cases: [string, EnqueueOptions][] = [
        ["a", {}], // not listed: retry
        ["b", {}], // fail
        ["c", { maxAttempts: 1 }], // dead_letter even with attempts spent
        ["d", {}], // retry, explicitly
        ["e", { maxAttempts: 1 }], // retry, attempts spent: failed
      ];
      for (const [type, opts] of cases) held[type] = (await hold("dead", type, opts)).task;
      await clock.advance(300_001);
      const now = clock.now();
      assert.equal(await hb.reclaimStaleWorkerTasks({ policy: { b: "fail", c: "dead_letter", d: "retry" } }), 5);
      const got: Record<string, unknown[]> = {};
      for (const [type] of cases) {
        const t = await client.getTask(held[type]!.id);
        got[type] = [t?.status, t?.lockedBy, t?.finishedAt, t?.leaseToken === held[type]!.leaseToken + 1, t?.leaseUntil];
      }
      assert.deepEqual(got, {
        a: ["queued", null, null, true, null],
        b: ["failed", "dead", now, true, null],
        c: ["dead_letter", "dead", now, true, null],
        d: ["queued", null, null, true, null],
        e: ["failed", "dead", now, true, null],
      });
      assert.equal((await client.getTask(held["b"]!.id))?.errorMessage, "worker dead went stale (last heartbeat 2026-01-01 00:00:00.000)");
    });

    it("logs each reclaimed task's transition in task_logs", async () => {
      await hb.updateHeartbeat("dead");
      const a = (await hold("dead", "a")).task;
      const b = (await hold("dead", "b")).task;
      await clock.advance(300_001);
      await hb.reclaimStaleWorkerTasks({ policy: { b: "dead_letter" } });
      const logs = (await new TaskLogger(db).getRecentLogs()).map((l) => [l.taskId, l.at, l.level, l.message, l.details]);
      // The one reclaim rule's log row (src/dialect/sqlite/reclaim.ts): transition, reason, attempt, new token.
      const message = (to: string) => `Status transition: processing → ${to}: worker dead went stale (last heartbeat 2026-01-01 00:00:00.000)`;
      const details = (to: string) => ({
        from_status: "processing", to_status: to, worker_id: "dead", reason: "stale_worker", attempt: 1, lease_token: 2,
      });
      assert.deepEqual(
        logs.sort((x, y) => Number(x[0]) - Number(y[0])),
        [
          [a.id, clock.now(), "WARNING", message("queued"), details("queued")],
          [b.id, clock.now(), "ERROR", message("dead_letter"), details("dead_letter")],
        ],
      );
    });

    it("reclaims by the configured stale threshold, whatever the lease says", async () => {
      const quick = new WorkerHeartbeat(db, { staleThresholdMs: 10_000 });
      await quick.updateHeartbeat("w");
      const a = await hold("w", "t");
      await clock.advance(10_000);
      assert.equal(await quick.reclaimStaleWorkerTasks(), 0, "exactly at the threshold: not stale");
      assert.equal(await hb.reclaimStaleWorkerTasks(), 0, "the default 300 s threshold is far off");
      await clock.advance(1);
      assert.equal(await quick.reclaimStaleWorkerTasks(), 1);
      assert.ok((a.task.leaseUntil ?? 0) > clock.now(), "the lease had not run out");
    });

    it("is all or nothing: a failure in a later group undoes the earlier ones", async () => {
      await hb.updateHeartbeat("dead");
      const tasks = [(await hold("dead", "a")).task, (await hold("dead", "f")).task, (await hold("dead", "x")).task];
      await clock.advance(300_001);
      await db.execute(
        "CREATE TRIGGER refuse_dead_letter BEFORE UPDATE OF status ON task_queue WHEN NEW.status = 'dead_letter'" +
          " BEGIN SELECT RAISE(ABORT, 'refused'); END",
      );
      const policy = { f: "fail", x: "dead_letter" } as const;
      await assert.rejects(hb.reclaimStaleWorkerTasks({ policy }), /refused/);
      for (const t of tasks) {
        const now = await client.getTask(t.id);
        assert.deepEqual([now?.status, now?.leaseToken], ["processing", t.leaseToken], `task ${t.type} untouched`);
      }
      assert.deepEqual(await new TaskLogger(db).getRecentLogs(), [], "no log row survives");
      await db.execute("DROP TRIGGER refuse_dead_letter");
      assert.equal(await hb.reclaimStaleWorkerTasks({ policy }), 3);
    });

    it("refuses bad input with QueueValidationError and writes nothing", async () => {
      const circular: Record<string, unknown> = {};
      circular["self"] = circular;
      const ctor: unknown[] = [
        { activeThresholdMs: 0 },
        { staleThresholdMs: -1 },
        { activeThresholdMs: Number.NaN },
        { staleThresholdMs: "300000" },
        { staleThresholdSeconds: 300 },
      ];
      for (const options of ctor) {
        assert.throws(() => new WorkerHeartbeat(db, options as never), QueueValidationError, JSON.stringify(options));
      }
      const bad: [string, () => Promise<unknown>][] = [
        ["empty worker id", () => hb.updateHeartbeat("")],
        ["numeric worker id", () => hb.updateHeartbeat(7 as never)],
        ["long worker id", () => hb.updateHeartbeat("x".repeat(201))],
        ["array capabilities", () => hb.updateHeartbeat("w", [] as never)],
        ["null capabilities", () => hb.updateHeartbeat("w", null as never)],
        ["string capabilities", () => hb.updateHeartbeat("w", "gpu" as never)],
        ["circular capabilities", () => hb.updateHeartbeat("w", circular)],
        ["touch empty id", () => hb.touch("")],
        ["zero active threshold", () => hb.getActiveWorkers(0)],
        ["negative stale threshold", () => hb.getStaleWorkers(-5)],
        ["infinite stale threshold", () => hb.getStaleWorkers(Number.POSITIVE_INFINITY)],
        ["non-boolean force", () => hb.cleanupStaleWorkers({ force: "yes" as never })],
        ["unknown cleanup option", () => hb.cleanupStaleWorkers({ all: true } as never)],
        ["unknown policy", () => hb.reclaimStaleWorkerTasks({ policy: { t: "requeue" as never } })],
        ["policy not an object", () => hb.reclaimStaleWorkerTasks({ policy: "fail" as never })],
        ["unknown reclaim option", () => hb.reclaimStaleWorkerTasks({ polcy: {} } as never)],
        ["stats for empty id", () => hb.getWorkerStats("")],
      ];
      for (const [what, call] of bad) {
        await assert.rejects(call(), QueueValidationError, what);
      }
      assert.deepEqual(await rawWorkers(), []);
    });
  });

  describe(`QueueMonitoring on ${d.name}`, () => {
    let clock: FakeClock;
    let db: QueueDatabase;
    let client: QueueClient;
    let mon: QueueMonitoring;

    beforeEach(async () => {
      clock = new FakeClock(T0);
      db = await QueueDatabase.open(d.open(), { clock });
      client = new QueueClient(db);
      mon = new QueueMonitoring(db);
    });
    afterEach(async () => {
      await db.close();
    });

    it("registers workers and refreshes heartbeats, false for an unregistered worker", async () => {
      await mon.registerWorker("w1", { cpu: 8, gpu: true });
      await mon.registerWorker("w2");
      await clock.advance(1_000);
      assert.equal(await mon.updateHeartbeat("w1"), true);
      assert.equal(await mon.updateHeartbeat("nope"), false);
      assert.deepEqual(await mon.getWorkerActivity(), [
        { workerId: "w1", capabilities: { cpu: 8, gpu: true }, heartbeatAt: T0 + 1_000, msSinceHeartbeat: 0, isActive: true, isStale: false },
        { workerId: "w2", capabilities: {}, heartbeatAt: T0, msSinceHeartbeat: 1_000, isActive: true, isStale: false },
      ]);
      await mon.registerWorker("w1", { cpu: 4 });
      assert.deepEqual((await mon.getWorkerActivity())[0]?.capabilities, { cpu: 4 }, "re-registering replaces capabilities");
    });

    it("finds active and stale workers by its thresholds or by the ones given per call", async () => {
      const m = new QueueMonitoring(db, { activeThresholdMs: 2_000, staleThresholdMs: 4_000 });
      assert.equal(m.heartbeat.activeThresholdMs, 2_000);
      assert.equal(m.heartbeat.staleThresholdMs, 4_000);
      const now = T0 + HOUR;
      for (const [id, age] of Object.entries({ a0: 0, a2000: 2_000, a2001: 2_001, s4000: 4_000, s4001: 4_001 })) {
        clock.set(now - age);
        await m.registerWorker(id);
      }
      clock.set(now);
      const ids = (ws: { workerId: string }[]) => ws.map((w) => w.workerId);
      assert.deepEqual(ids(await m.getActiveWorkers()), ["a0", "a2000"]);
      assert.deepEqual(ids(await m.getActiveWorkers(4_000)), ["a0", "a2000", "a2001", "s4000"]);
      assert.deepEqual(ids(await m.getStaleWorkers()), ["s4001"]);
      assert.deepEqual(ids(await m.getStaleWorkers(2_000)), ["a2001", "s4000", "s4001"]);
      assert.deepEqual(ids(await mon.getActiveWorkers()), ["a0", "a2000", "a2001", "s4000", "s4001"], "defaults 60 s / 300 s");
      assert.deepEqual(ids(await mon.getStaleWorkers()), []);
    });

    it("reports empty metrics on an empty queue", async () => {
      assert.deepEqual(await mon.getQueueMetrics(), {
        queueDepthByStatus: { queued: 0, processing: 0, completed: 0, failed: 0, cancelled: 0, dead_letter: 0 },
        queueDepthByType: {},
        successRate: null,
        oldestQueuedTaskAgeMs: null,
        workers: { total: 0, active: 0, stale: 0 },
      });
    });

    it("reports exact depth, success rate, backlog age and worker totals on crafted data", async () => {
      const m = new QueueMonitoring(db, { activeThresholdMs: 5_000, staleThresholdMs: 8_000 });
      await m.registerWorker("wb");
      await client.enqueue("a"); // stays queued: the oldest
      await clock.advance(1_000);
      const a2 = await client.enqueue("a");
      await client.enqueue("b");
      await client.enqueue("b", {}, { maxAttempts: 1 });
      await client.enqueue("b");
      await client.enqueue("c");
      await client.enqueue("c", {}, { delayMs: HOUR }); // queued, not yet runnable: still depth
      const wb = new QueueWorker(db, { workerId: "wb", leaseMs: HOUR });
      wb.register("b", async () => {});
      const [b1] = await wb.claimTasks();
      await wb.completeTask(b1!);
      const [b2] = await wb.claimTasks();
      assert.equal(await wb.failTask(b2!, new Error("x")), "failed");
      const [b3] = await wb.claimTasks();
      assert.equal(await wb.failTask(b3!, new NonRetryableError("x")), "dead_letter");
      const wc = new QueueWorker(db, { workerId: "wc", leaseMs: HOUR });
      wc.register("c", async () => {});
      assert.equal((await wc.claimTasks()).length, 1);
      assert.equal(await client.cancel(a2), true);
      clock.set(T0 + 3_000);
      await m.registerWorker("wx");
      clock.set(T0 + 6_000);
      await m.registerWorker("wc");
      clock.set(T0 + 10_000);
      assert.deepEqual(await m.getQueueMetrics(), {
        queueDepthByStatus: { queued: 2, processing: 1, completed: 1, failed: 1, cancelled: 1, dead_letter: 1 },
        queueDepthByType: { a: 1, c: 1 },
        successRate: 1 / 3,
        oldestQueuedTaskAgeMs: 10_000,
        workers: { total: 3, active: 1, stale: 1 },
      });
    });

    it("lists worker activity most recent first with capabilities parsed", async () => {
      await db.execute("INSERT INTO workers (worker_id, capabilities, heartbeat_utc) VALUES ('py', 'not json', '2025-12-31 23:55:00')");
      await mon.registerWorker("old", { region: "eu", slots: 2 });
      await clock.advance(250);
      await mon.registerWorker("new", { nested: { ok: true } });
      await clock.advance(61_000);
      assert.deepEqual(await mon.getWorkerActivity(), [
        { workerId: "new", capabilities: { nested: { ok: true } }, heartbeatAt: T0 + 250, msSinceHeartbeat: 61_000, isActive: false, isStale: false },
        { workerId: "old", capabilities: { region: "eu", slots: 2 }, heartbeatAt: T0, msSinceHeartbeat: 61_250, isActive: false, isStale: false },
        { workerId: "py", capabilities: {}, heartbeatAt: T0 - 300_000, msSinceHeartbeat: 361_250, isActive: false, isStale: true },
      ]);
    });

    it("refuses bad input with QueueValidationError", async () => {
      assert.throws(() => new QueueMonitoring(db, { activeThresholdMs: -1 }), QueueValidationError);
      const bad: [string, () => Promise<unknown>][] = [
        ["empty worker id", () => mon.registerWorker("", {})],
        ["array capabilities", () => mon.registerWorker("w", [1] as never)],
        ["numeric id on heartbeat", () => mon.updateHeartbeat(5 as never)],
        ["zero active threshold", () => mon.getActiveWorkers(0)],
        ["NaN stale threshold", () => mon.getStaleWorkers(Number.NaN)],
      ];
      for (const [what, call] of bad) {
        await assert.rejects(call(), QueueValidationError, what);
      }
      assert.deepEqual(await mon.getWorkerActivity(), []);
    });
  });
}
