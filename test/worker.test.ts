import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { DRIVERS, tempDir } from "./helpers/drivers.ts";
import { deferred, seeded } from "./helpers/random.ts";
import {
  FakeClock,
  LeaseLostError,
  NonRetryableError,
  QueueClient,
  QueueDatabase,
  QueueWorker,
  TaskCancelledError,
  toSqlTime,
  type Task,
  type WorkerEvent,
} from "../src/index.ts";

const MIN = 60_000;

for (const d of DRIVERS) {
  describe(`QueueWorker on ${d.name}`, () => {
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

    const worker = (opts: ConstructorParameters<typeof QueueWorker>[1] = {}) =>
      new QueueWorker(db, { random: () => 0, ...opts });

    it("claims atomically: a claimed task gets status, lease, fencing token and an attempt", async () => {
      const id = await client.enqueue("t", { n: 1 });
      const w = worker({ workerId: "w1", leaseMs: 5000 });
      w.register("t", async () => {});
      const [task] = await w.claimTasks();
      assert.ok(task);
      assert.equal(task.id, id);
      assert.equal(task.status, "processing");
      assert.equal(task.lockedBy, "w1");
      assert.equal(task.attempts, 1);
      assert.equal(task.leaseToken, 1);
      assert.equal(task.leaseUntil, clock.now() + 5000);
      assert.equal(task.reservedAt, clock.now());
      assert.deepEqual(await w.claimTasks(), [], "a leased task is not claimable while its lease is live");
    });

    it("prefetch: a task that waited in the buffer longer than the renew interval gets its lease renewed before it starts", async () => {
      await client.enqueueMany([{ type: "t", payload: { n: 1 } }, { type: "t", payload: { n: 2 } }]);
      const gate = deferred();
      const seen: { id: number; leaseUntil: number | null }[] = [];
      const w = worker({ workerId: "w", concurrency: 1, batchSize: 2, leaseMs: 3000, renewIntervalMs: 1000, pollIntervalMs: 100, heartbeatIntervalMs: 0 });
      w.register("t", async (_p: unknown, { task }) => {
        seen.push({ id: task.id, leaseUntil: (await client.getTask(task.id))?.leaseUntil ?? null });
        if (seen.length === 1) await gate.promise;
      });
      const claimedAt = clock.now();
      w.start();
      while (seen.length < 1) await clock.advance(0);
      // The first handler runs for 2.5 s; its own lease is renewed meanwhile, and the second
      // task's claim-time lease (claimedAt + 3 s) would be nearly gone when it starts.
      for (let i = 0; i < 5; i++) await clock.advance(500);
      gate.resolve();
      while (seen.length < 2) await clock.advance(1);
      await w.stop();
      assert.ok(seen[1]!.leaseUntil! > claimedAt + 3000, `lease renewed before start: ${seen[1]!.leaseUntil} > ${claimedAt + 3000}`);
      assert.equal((await client.stats()).completed, 2);
    });

    it("refuses complete, fail and renew from a stale lease holder after another worker took over", async () => {
      const id = await client.enqueue("t", {});
      const a = worker({ workerId: "A", leaseMs: 1000 });
      const b = worker({ workerId: "B", leaseMs: 1000 });
      a.register("t", async () => {});
      b.register("t", async () => {});
      const [held] = await a.claimTasks();
      assert.ok(held);
      await clock.advance(1500); // A's lease runs out (A is stalled, e.g. a long GC pause)
      const [taken] = await b.claimTasks();
      assert.ok(taken, "the expired lease is claimable again");
      assert.equal(taken.id, id);
      assert.equal(taken.leaseToken, held.leaseToken + 2, "the fencing token moved on: bumped by the reclaim, then by the claim");
      assert.equal(taken.attempts, 2, "the lost attempt is counted");

      await assert.rejects(a.completeTask(held), LeaseLostError);
      await assert.rejects(a.failTask(held, new Error("late")), LeaseLostError);
      await assert.rejects(a.renewLease(held), LeaseLostError);
      const mid = await client.getTask(id);
      assert.equal(mid?.status, "processing");
      assert.equal(mid?.lockedBy, "B");

      await b.completeTask(taken);
      const done = await client.getTask(id);
      assert.equal(done?.status, "completed");
      assert.equal(done?.lockedBy, "B");
      await assert.rejects(a.completeTask(held), LeaseLostError, "still refused after completion");
    });

    it("refuses a holder whose lease expired even when nobody else claimed the task", async () => {
      await client.enqueue("t", {});
      const a = worker({ workerId: "A", leaseMs: 1000 });
      a.register("t", async () => {});
      const [held] = await a.claimTasks();
      assert.ok(held);
      await clock.advance(1000);
      await assert.rejects(a.completeTask(held), LeaseLostError);
      await assert.rejects(a.renewLease(held), LeaseLostError);
    });

    it("renews the lease while a long handler runs, so nobody else can claim it", async () => {
      const id = await client.enqueue("t", {});
      const gate = deferred();
      const a = worker({ workerId: "A", leaseMs: 3000, renewIntervalMs: 1000 });
      a.register("t", () => gate.promise);
      const b = worker({ workerId: "B", leaseMs: 3000 });
      b.register("t", async () => {});
      const run = a.processOnce();
      for (let i = 0; i < 10; i++) {
        await clock.advance(1000); // 10 s in all, far past the first 3 s lease
        assert.deepEqual(await b.claimTasks(), [], `tick ${i}: lease still held`);
      }
      const t = await client.getTask(id);
      assert.equal(t?.leaseUntil, clock.now() + 3000, "renewed at the last tick");
      gate.resolve();
      assert.equal(await run, 1);
      assert.equal((await client.getTask(id))?.status, "completed");
    });

    it("retries with exponential backoff (the seeds' 2^n minutes) and ends failed with the error kept", async () => {
      const id = await client.enqueue("t", {}, { maxAttempts: 4 });
      const w = worker({ workerId: "w" });
      let runs = 0;
      w.register("t", async () => {
        runs++;
        throw new Error(`boom ${runs}`);
      });
      const expected = [1 * MIN, 2 * MIN, 4 * MIN];
      for (const delay of expected) {
        assert.equal(await w.processOnce(), 1);
        const t = await client.getTask(id);
        assert.equal(t?.status, "queued");
        assert.equal(t?.runAfter, clock.now() + delay);
        assert.match(t?.errorMessage ?? "", /boom/);
        await clock.advance(delay - 1);
        assert.equal(await w.processOnce(), 0, "not claimable before its backoff ends");
        await clock.advance(1);
      }
      assert.equal(await w.processOnce(), 1);
      const t = await client.getTask(id);
      assert.equal(t?.status, "failed");
      assert.equal(t?.attempts, 4);
      assert.equal(t?.errorMessage, "Error: boom 4");
      assert.equal(t?.finishedAt, clock.now());
      assert.equal(runs, 4);
    });

    it("keeps backoff within its cap and jitter bounds", async () => {
      const rnd = seeded(7);
      const id = await client.enqueue("t", {}, { maxAttempts: 50 });
      const backoff = { baseMs: 1000, factor: 3, maxMs: 20_000, jitter: 0.5 };
      const w = new QueueWorker(db, { workerId: "w", backoff, random: rnd });
      w.register("t", async () => {
        throw new Error("x");
      });
      for (let attempt = 1; attempt <= 6; attempt++) {
        await w.processOnce();
        const t = (await client.getTask(id))!;
        const delay = t.runAfter - clock.now();
        const nominal = Math.min(20_000, 1000 * 3 ** (attempt - 1));
        assert.ok(delay <= nominal && delay >= nominal * 0.5, `attempt ${attempt}: ${delay} in [${nominal / 2}, ${nominal}]`);
        await clock.advance(delay);
      }
    });

    it("dead-letters NonRetryableError and configured error classes at once", async () => {
      class PermanentError extends Error {}
      const a = await client.enqueue("nr", {});
      const b = await client.enqueue("perm", {});
      const w = worker({ workerId: "w", nonRetryableErrors: [PermanentError] });
      w.register("nr", async () => {
        throw new NonRetryableError("bad input");
      });
      w.register("perm", async () => {
        throw new PermanentError("gone");
      });
      assert.equal(await w.processOnce(2), 2);
      const ta = await client.getTask(a);
      const tb = await client.getTask(b);
      assert.equal(ta?.status, "dead_letter");
      assert.equal(ta?.attempts, 1);
      assert.equal(ta?.errorMessage, "NonRetryableError: bad input");
      assert.equal(tb?.status, "dead_letter");
      assert.equal(w.stats.deadLettered, 2);
    });

    it("reclaims an expired lease after a crash and runs the task again (crash recovery)", async () => {
      const id = await client.enqueue("t", { v: 1 });
      const crashed = worker({ workerId: "crashed", leaseMs: 2000 });
      crashed.register("t", async () => {});
      await crashed.claimTasks(); // then the process dies: no complete, no renewal
      const rescuer = worker({ workerId: "rescuer", leaseMs: 2000 });
      const seen: number[] = [];
      rescuer.register("t", async (_p, { task }) => {
        seen.push(task.attempts);
      });
      assert.equal(await rescuer.processOnce(), 0, "not before the lease runs out");
      await clock.advance(2000);
      assert.equal(await rescuer.processOnce(), 1);
      assert.deepEqual(seen, [2]);
      const t = await client.getTask(id);
      assert.equal(t?.status, "completed");
      assert.equal(t?.lockedBy, "rescuer");
    });

    it("fails an expired task whose attempts are spent instead of running it again", async () => {
      const id = await client.enqueue("t", {}, { maxAttempts: 1 });
      const crashed = worker({ workerId: "crashed", leaseMs: 1000 });
      crashed.register("t", async () => {});
      await crashed.claimTasks();
      await clock.advance(1000);
      const other = worker({ workerId: "other" });
      let ran = false;
      other.register("t", async () => {
        ran = true;
      });
      assert.equal(await other.processOnce(), 0);
      assert.equal(ran, false);
      const t = await client.getTask(id);
      assert.equal(t?.status, "failed");
      assert.equal(t?.attempts, 1, "attempts never exceed max_attempts");
      assert.match(t?.errorMessage ?? "", /lease expired \(held by crashed\)/);
    });

    it("cancel of a processing task aborts the handler's signal and its result is refused", async () => {
      const id = await client.enqueue("t", {});
      const events: WorkerEvent[] = [];
      const w = worker({ workerId: "w", leaseMs: 3000, renewIntervalMs: 500, onEvent: (e) => events.push(e) });
      let reason: unknown;
      w.register("t", (_p, { signal }) => {
        return new Promise<void>((resolve) => {
          signal.addEventListener("abort", () => {
            reason = signal.reason;
            resolve(); // a handler that ignores the abort and "succeeds" anyway
          });
        });
      });
      const run = w.processOnce();
      await clock.advance(100);
      assert.equal(await client.cancel(id), true);
      await clock.advance(500);
      await run;
      assert.ok(reason instanceof TaskCancelledError);
      const t = await client.getTask(id);
      assert.equal(t?.status, "cancelled");
      assert.ok(events.some((e) => e.type === "lease_lost" && e.cancelled));
      assert.equal(w.stats.completed, 0);
    });

    it("matches task compatibility against worker capabilities", async () => {
      const eu = await client.enqueue("t", {}, { compatibility: { region: "eu", gpu: true } });
      const any = await client.enqueue("t", {});
      const us = worker({ workerId: "us", capabilities: { region: "us", gpu: true } });
      us.register("t", async () => {});
      const euNoGpu = worker({ workerId: "eu0", capabilities: { region: "eu" } });
      euNoGpu.register("t", async () => {});
      const euGpu = worker({ workerId: "eu1", capabilities: { region: "eu", gpu: true, extra: 1 } });
      euGpu.register("t", async () => {});
      assert.deepEqual((await us.claimTasks(5)).map((t) => t.id), [any]);
      assert.deepEqual((await euNoGpu.claimTasks(5)).map((t) => t.id), []);
      const got = await euGpu.claimTasks(5);
      assert.deepEqual(got.map((t) => t.id), [eu]);
      assert.equal(got[0]?.region, "eu", "generated region column");
    });

    it("claims only the task types it has handlers for", async () => {
      await client.enqueue("a", {});
      const b = await client.enqueue("b", {});
      const w = worker({ workerId: "w" });
      w.register("b", async () => {});
      assert.deepEqual((await w.claimTasks(5)).map((t) => t.id), [b]);
    });

    it("does not claim delayed tasks before run_after", async () => {
      const id = await client.enqueue("t", {}, { delayMs: 10_000 });
      const at = await client.enqueue("t", {}, { runAfter: new Date(clock.now() + 20_000) });
      const w = worker({ workerId: "w" });
      w.register("t", async () => {});
      assert.equal((await w.claimTasks(5)).length, 0);
      await clock.advance(10_000);
      assert.deepEqual((await w.claimTasks(5)).map((t) => t.id), [id]);
      await clock.advance(10_000);
      assert.deepEqual((await w.claimTasks(5)).map((t) => t.id), [at]);
    });

    it("claims a batch in one statement, in strategy order", async () => {
      const ids = await client.enqueueMany(
        [300, 100, 200, 100, 50].map((priority, i) => ({ type: "t", payload: { i }, options: { priority } })),
      );
      const w = worker({ workerId: "w", strategy: "PRIORITY" });
      w.register("t", async () => {});
      const got = await w.claimTasks(4);
      assert.deepEqual(got.map((t) => t.id), [ids[4], ids[1], ids[3], ids[2]]);
      assert.ok(got.every((t) => t.leaseToken === 1 && t.lockedBy === "w"));
    });

    it("hands the handler its payload, the task and an AbortSignal", async () => {
      await client.enqueue("t", { hello: "world" }, { priority: 7 });
      const w = worker({ workerId: "w" });
      let got: { payload: unknown; task: Task; signal: AbortSignal } | undefined;
      w.register("t", async (payload, ctx) => {
        got = { payload, task: ctx.task, signal: ctx.signal };
      });
      await w.processOnce();
      assert.deepEqual(got?.payload, { hello: "world" });
      assert.equal(got?.task.priority, 7);
      assert.equal(got?.signal.aborted, false);
    });

    it("rejects bad options with a typed error", () => {
      assert.throws(() => new QueueWorker(db, { concurrency: 0 }), { code: "VALIDATION", message: /concurrency/ });
      assert.throws(() => new QueueWorker(db, { strategy: "RANDOM" as never }), { code: "VALIDATION" });
      assert.throws(() => new QueueWorker(db, { leaseMs: 1000, renewIntervalMs: 1000 }), { code: "VALIDATION" });
      assert.throws(() => new QueueWorker(db, { backoff: { jitter: 2 } }), { code: "VALIDATION", message: /jitter/ });
      assert.throws(() => new QueueWorker(db).start(), { code: "VALIDATION", message: /handler/ });
    });
  });

  describe(`QueueWorker run loop on ${d.name} (real clock)`, () => {
    it("runs N handlers at once, each task exactly once, and stop() waits for in-flight work", async () => {
      const db = await QueueDatabase.open(d.open());
      try {
        const client = new QueueClient(db);
        const ids = await client.enqueueMany(Array.from({ length: 40 }, (_, i) => ({ type: "t", payload: { i } })));
        const runs = new Map<number, number>();
        let now = 0;
        let peak = 0;
        const w = new QueueWorker(db, { workerId: "w", concurrency: 4, pollIntervalMs: 5 });
        w.register("t", async (_p: unknown, { task }) => {
          runs.set(task.id, (runs.get(task.id) ?? 0) + 1);
          now++;
          peak = Math.max(peak, now);
          await new Promise((r) => setTimeout(r, 3));
          now--;
        });
        w.start();
        assert.equal(await client.waitUntilEmpty({ timeoutMs: 10_000, pollIntervalMs: 5 }), true);
        await w.stop();
        assert.equal(w.running, false);
        assert.deepEqual([...runs.keys()].sort((a, b) => a - b), ids);
        assert.ok([...runs.values()].every((n) => n === 1), "no task ran twice");
        assert.equal(peak, 4, "concurrency reached and never exceeded");
        assert.equal((await client.stats()).completed, 40);
      } finally {
        await db.close();
      }
    });

    it("graceful stop: claims nothing new and lets running handlers finish and record", async () => {
      const db = await QueueDatabase.open(d.open());
      try {
        const client = new QueueClient(db);
        const first = await client.enqueue("t", {}, { priority: 1 });
        const gate = deferred();
        const started = deferred();
        const w = new QueueWorker(db, { workerId: "w", concurrency: 1, pollIntervalMs: 5 });
        w.register("t", async () => {
          started.resolve();
          await gate.promise;
        });
        w.start();
        await started.promise;
        const second = await client.enqueue("t", {});
        const stopping = w.stop();
        let stopped = false;
        void stopping.then(() => (stopped = true));
        await new Promise((r) => setTimeout(r, 30));
        assert.equal(stopped, false, "stop waits for the running handler");
        gate.resolve();
        await stopping;
        assert.equal((await client.getTask(first))?.status, "completed");
        assert.equal((await client.getTask(second))?.status, "queued", "nothing new claimed after stop()");
        assert.equal(w.inFlightCount, 0);
      } finally {
        await db.close();
      }
    });

    it("groups outcomes: a round of finished handlers is written in the transaction of the next claim", async () => {
      const db = await QueueDatabase.open(d.open());
      try {
        const client = new QueueClient(db);
        await client.enqueueMany(Array.from({ length: 64 }, (_, i) => ({ type: "t", payload: { i } })));
        const w = new QueueWorker(db, { workerId: "w", concurrency: 8, pollIntervalMs: 5, heartbeatIntervalMs: 0, taskLogs: "all" });
        w.register("t", () => {});
        const before = db.callCount;
        w.start();
        assert.equal(await client.waitUntilEmpty({ timeoutMs: 10_000, pollIntervalMs: 1 }), true);
        const used = db.callCount - before;
        await w.stop();
        // 64 tasks one at a time would be 64 claims + 64 completes; grouped, each round of 8
        // is one transaction (waitUntilEmpty's own polls are counted too).
        assert.ok(used < 64, `expected fewer than 64 calls for 64 tasks, got ${used}`);
        assert.equal((await client.stats()).completed, 64);
        const logs = await db.execute("SELECT COUNT(*) AS n FROM task_logs WHERE message LIKE '%→ completed%'");
        assert.equal(logs.rows[0]?.["n"], 64, "every completion still has its transition row");
      } finally {
        await db.close();
      }
    });

    it("prefetch (batchSize > concurrency): runs each task once, never more than concurrency at a time, in few transactions", async () => {
      const db = await QueueDatabase.open(d.open());
      try {
        const client = new QueueClient(db);
        const ids = await client.enqueueMany(Array.from({ length: 100 }, (_, i) => ({ type: "t", payload: { i } })));
        const runs = new Map<number, number>();
        let now = 0;
        let peak = 0;
        const w = new QueueWorker(db, { workerId: "w", concurrency: 2, batchSize: 25, pollIntervalMs: 5, heartbeatIntervalMs: 0 });
        w.register("t", async (_p: unknown, { task }) => {
          runs.set(task.id, (runs.get(task.id) ?? 0) + 1);
          peak = Math.max(peak, ++now);
          await Promise.resolve();
          now--;
        });
        const before = db.callCount;
        w.start();
        assert.equal(await client.waitUntilEmpty({ timeoutMs: 10_000, pollIntervalMs: 1 }), true);
        const used = db.callCount - before;
        await w.stop();
        assert.deepEqual([...runs.keys()].sort((a, b) => a - b), ids);
        assert.ok([...runs.values()].every((n) => n === 1), "no task ran twice");
        assert.equal(peak, 2, "never more than concurrency handlers at once");
        assert.ok(used < 40, `100 tasks in batches of 25 should take few calls, took ${used}`);
        const s = await client.stats();
        assert.equal(s.completed, 100);
        assert.equal(w.stats.completed, 100);
      } finally {
        await db.close();
      }
    });

    it("prefetch: stop() hands unstarted tasks back to the queue with their attempt not counted", async () => {
      const db = await QueueDatabase.open(d.open());
      try {
        const client = new QueueClient(db);
        await client.enqueueMany(Array.from({ length: 10 }, (_, i) => ({ type: "t", payload: { i } })));
        const gate = deferred();
        const started = deferred();
        const w = new QueueWorker(db, { workerId: "w", concurrency: 1, batchSize: 10, pollIntervalMs: 5, heartbeatIntervalMs: 0, taskLogs: "all" });
        w.register("t", async () => {
          started.resolve();
          await gate.promise;
        });
        w.start();
        await started.promise;
        assert.equal((await client.stats()).processing, 10, "the whole batch is claimed");
        const stopping = w.stop();
        gate.resolve();
        await stopping;
        const s = await client.stats();
        assert.equal(s.completed, 1, "the running task finished");
        assert.equal(s.queued, 9, "the nine that never started are queued again");
        assert.equal(w.stats.released, 9);
        const back = await client.listTasks({ status: "queued" });
        assert.ok(back.every((t) => t.attempts === 0 && t.lockedBy === null && t.leaseUntil === null));
        const logs = await db.execute("SELECT COUNT(*) AS n FROM task_logs WHERE details LIKE '%released_unstarted%'");
        assert.equal(logs.rows[0]?.["n"], 9);
      } finally {
        await db.close();
      }
    });

    it("two connections on one file never claim the same task", async () => {
      const { dir, cleanup } = tempDir();
      const path = join(dir, "q.db");
      const db1 = await QueueDatabase.open(d.open(path));
      const db2 = await QueueDatabase.open(d.open(path));
      try {
        const client = new QueueClient(db1);
        await client.enqueueMany(Array.from({ length: 200 }, (_, i) => ({ type: "t", payload: { i } })));
        const w1 = new QueueWorker(db1, { workerId: "one" });
        const w2 = new QueueWorker(db2, { workerId: "two" });
        w1.register("t", async () => {});
        w2.register("t", async () => {});
        const seen = new Set<number>();
        let dupes = 0;
        for (;;) {
          const [a, b] = await Promise.all([w1.claimTasks(3), w2.claimTasks(3)]);
          if (a.length + b.length === 0) break;
          for (const t of [...a, ...b]) {
            if (seen.has(t.id)) dupes++;
            seen.add(t.id);
          }
          await Promise.all([...a.map((t) => w1.completeTask(t)), ...b.map((t) => w2.completeTask(t))]);
        }
        assert.equal(dupes, 0);
        assert.equal(seen.size, 200);
        assert.equal((await client.stats()).completed, 200);
      } finally {
        await db1.close();
        await db2.close();
        cleanup();
      }
    });
  });

  describe(`claim strategies on ${d.name}`, () => {
    // Rows whose run_after ties and whose priorities tie, so every tie-break rule is exercised.
    async function setup() {
      const clock = new FakeClock();
      const db = await QueueDatabase.open(d.open(), { clock });
      const client = new QueueClient(db);
      const t0 = clock.now();
      const spec = [
        { p: 100, at: t0 - 3000 },
        { p: 50, at: t0 - 1000 },
        { p: 100, at: t0 - 3000 },
        { p: 10, at: t0 - 2000 },
        { p: 50, at: t0 - 1000 },
        { p: 100, at: t0 - 5000 },
        { p: 10, at: t0 + 9000 }, // not yet runnable
      ];
      const ids = await client.enqueueMany(spec.map((s) => ({ type: "t", options: { priority: s.p, runAfter: s.at } })));
      const rows = spec.map((s, i) => ({ id: ids[i]!, p: s.p, at: s.at })).filter((r) => r.at <= t0);
      return { db, rows };
    }
    const orders = {
      FIFO: (a: Row, b: Row) => a.at - b.at || a.id - b.id,
      LIFO: (a: Row, b: Row) => b.at - a.at || b.id - a.id,
      PRIORITY: (a: Row, b: Row) => a.p - b.p || a.at - b.at || a.id - b.id,
    };
    type Row = { id: number; p: number; at: number };
    for (const [strategy, cmp] of Object.entries(orders)) {
      it(`${strategy} claims exactly the documented order, ties included, one at a time`, async () => {
        const { db, rows } = await setup();
        try {
          const w = new QueueWorker(db, { workerId: "w", strategy: strategy as "FIFO" });
          w.register("t", async () => {});
          const got: number[] = [];
          for (;;) {
            const [t] = await w.claimTasks(1);
            if (t === undefined) break;
            got.push(t.id);
          }
          assert.deepEqual(got, [...rows].sort(cmp).map((r) => r.id));
        } finally {
          await db.close();
        }
      });
    }

    it("WEIGHTED_RANDOM draws tasks in proportion to 1/max(priority,1) (chi-square, fixed seed)", async () => {
      const db = await QueueDatabase.open(d.open(), { clock: new FakeClock() });
      try {
        const client = new QueueClient(db);
        const priorities = [10, 20, 50, 100, 200];
        const ids = await client.enqueueMany(priorities.map((priority) => ({ type: "t", options: { priority } })));
        const w = new QueueWorker(db, { workerId: "w", strategy: "WEIGHTED_RANDOM", random: seeded(42) });
        w.register("t", async () => {});
        const counts = new Map<number, number>(ids.map((id) => [id, 0]));
        const draws = 4000;
        for (let i = 0; i < draws; i++) {
          const [t] = await w.claimTasks(1);
          assert.ok(t);
          counts.set(t.id, counts.get(t.id)! + 1);
          // Put it back so every draw sees the same five tasks.
          await db.execute("UPDATE task_queue SET status = 'queued', lease_until_utc = NULL WHERE id = ?", [t.id]);
        }
        const weights = priorities.map((p) => 1 / p);
        const total = weights.reduce((a, b) => a + b, 0);
        let chi2 = 0;
        ids.forEach((id, i) => {
          const expected = (draws * weights[i]!) / total;
          chi2 += (counts.get(id)! - expected) ** 2 / expected;
        });
        // 4 degrees of freedom: p = 0.001 at 18.47.
        assert.ok(chi2 < 18.47, `chi-square ${chi2.toFixed(2)} with counts ${[...counts.values()]}`);
        // And it is not uniform: the priority-10 task must come up far more often than priority-200.
        assert.ok(counts.get(ids[0]!)! > 10 * counts.get(ids[4]!)!);
      } finally {
        await db.close();
      }
    });

    it("WEIGHTED_RANDOM batch claims take distinct tasks", async () => {
      const db = await QueueDatabase.open(d.open(), { clock: new FakeClock() });
      try {
        const client = new QueueClient(db);
        await client.enqueueMany(Array.from({ length: 6 }, (_, i) => ({ type: "t", options: { priority: 10 * (i + 1) } })));
        const w = new QueueWorker(db, { workerId: "w", strategy: "WEIGHTED_RANDOM", random: seeded(1) });
        w.register("t", async () => {});
        const got = await w.claimTasks(10);
        assert.equal(got.length, 6);
        assert.equal(new Set(got.map((t) => t.id)).size, 6);
      } finally {
        await db.close();
      }
    });
  });
}

void toSqlTime;
