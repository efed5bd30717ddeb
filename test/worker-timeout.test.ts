/**
 * Handler timeouts (issue 10, "also deliver"): per worker (`timeoutMs`), per type
 * (`taskTimeouts`, `register(type, h, { timeoutMs })`), from config files and
 * `PRISMQ_TIMEOUT_MS` / `PRISMQ_TASK_TIMEOUTS`. When one passes, the handler's signal aborts with
 * a TaskTimeoutError and the attempt is failed and retried or failed like any error; the
 * handler's later result is ignored. Through the built package, on the injected FakeClock, plus
 * one real-time run.
 */
import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { DRIVERS } from "./helpers/drivers.ts";
import { importDist } from "./helpers/dist.ts";
import { deferred } from "./helpers/random.ts";

const pkg = await importDist<typeof import("../src/index.ts")>("index.js");
const config = await importDist<typeof import("../src/config/worker-config.ts")>("config.js");
const { FakeClock, QueueClient, QueueDatabase, QueueWorker, TaskTimeoutError } = pkg;
type WorkerEvent = import("../src/index.ts").WorkerEvent;
type Options = NonNullable<ConstructorParameters<typeof QueueWorker>[1]>;

for (const d of DRIVERS) {
  describe(`built package: handler timeout on ${d.name}`, () => {
    let clock: InstanceType<typeof FakeClock>;
    let db: InstanceType<typeof QueueDatabase>;
    let client: InstanceType<typeof QueueClient>;

    beforeEach(async () => {
      clock = new FakeClock();
      db = await QueueDatabase.open(d.open(), { clock });
      client = new QueueClient(db);
    });
    afterEach(async () => {
      await db.close();
    });

    const worker = (opts: Options) =>
      new QueueWorker(db, { workerId: "w", random: () => 0, heartbeatIntervalMs: 0, leaseMs: 3000, backoff: { baseMs: 1000, jitter: 0 }, ...opts });

    it("a handler that never resolves: the signal aborts with TaskTimeoutError at the deadline, the attempt is retried, its late result ignored", async () => {
      const id = await client.enqueue("t", {}, { maxAttempts: 2 });
      const events: WorkerEvent[] = [];
      const w = worker({ timeoutMs: 5000, onEvent: (e) => void events.push(e) });
      let signal: AbortSignal | undefined;
      const never = deferred();
      w.register("t", async (_p: unknown, ctx) => {
        signal = ctx.signal;
        // Ignores its signal; the first attempt resolves late, the second never.
        await (ctx.task.attempts === 1 ? never.promise : new Promise(() => {}));
        return "late";
      });
      let done = false;
      const run = w.processOnce().then(() => (done = true));
      await clock.advance(4999);
      assert.equal(done, false);
      assert.equal(signal?.aborted, false, "not before the deadline");
      const held = await client.getTask(id);
      assert.equal(held?.status, "processing");
      assert.ok((held?.leaseUntil ?? 0) > clock.now(), "the lease was renewed meanwhile (3 s lease, 5 s run)");
      await clock.advance(1);
      await run;
      assert.ok(signal?.aborted, "aborted at the deadline");
      const reason = signal?.reason as InstanceType<typeof TaskTimeoutError>;
      assert.ok(reason instanceof TaskTimeoutError, `reason ${String(reason)}`);
      assert.equal(reason.code, "TASK_TIMEOUT");
      assert.equal(reason.taskId, id);
      assert.equal(reason.timeoutMs, 5000);
      assert.ok(pkg.isQueueError(reason, "TASK_TIMEOUT"));
      const after = await client.getTask(id);
      assert.equal(after?.status, "queued", "retried like any error");
      assert.equal(after?.errorMessage, `TaskTimeoutError: task ${id} timed out after 5000 ms`);
      assert.equal(after?.runAfter, clock.now() + 1000, "with the backoff");
      const retried = events.find((e) => e.type === "retried") as Extract<WorkerEvent, { type: "retried" }>;
      assert.ok(retried.error instanceof TaskTimeoutError);

      never.resolve();
      await clock.advance(0);
      assert.equal((await client.getTask(id))?.status, "queued", "the late resolution changes nothing");
      assert.equal(w.stats.completed, 0);

      // The last attempt times out too: failed.
      await clock.advance(1000);
      const second = w.processOnce();
      await clock.advance(5000);
      await second;
      const last = await client.getTask(id);
      assert.deepEqual([last?.status, last?.attempts], ["failed", 2]);
      assert.match(last?.errorMessage ?? "", /^TaskTimeoutError: /);
    });

    it("a handler that finishes in time completes, its signal never aborted", async () => {
      const id = await client.enqueue("t", {});
      const w = worker({ timeoutMs: 5000 });
      let signal: AbortSignal | undefined;
      w.register("t", async (_p: unknown, ctx) => {
        signal = ctx.signal;
        await clock.sleep(4000);
      });
      const run = w.processOnce();
      await clock.advance(4000);
      await run;
      await clock.advance(2000);
      assert.equal((await client.getTask(id))?.status, "completed");
      assert.equal(signal?.aborted, false);
    });

    it("per type: taskTimeouts and register's timeoutMs override timeoutMs; 0 means none", async () => {
      const ids = await client.enqueueMany(["dflt", "fast", "none", "reg"].map((type) => ({ type, payload: {}, options: { maxAttempts: 1 } })));
      const w = worker({ timeoutMs: 5000, taskTimeouts: { fast: 1000, none: 0, reg: 9000 }, concurrency: 4 });
      const gates = deferred();
      for (const type of ["dflt", "fast", "none"]) w.register(type, () => gates.promise);
      w.register("reg", () => gates.promise, { timeoutMs: 2000 });
      const run = w.processOnce(4);
      const status = async () => Object.fromEntries(await Promise.all(ids.map(async (id, i) => [["dflt", "fast", "none", "reg"][i], (await client.getTask(id))?.status])));
      await clock.advance(1000);
      assert.deepEqual(await status(), { dflt: "processing", fast: "failed", none: "processing", reg: "processing" });
      await clock.advance(1000);
      assert.deepEqual(await status(), { dflt: "processing", fast: "failed", none: "processing", reg: "failed" });
      await clock.advance(3000);
      assert.deepEqual(await status(), { dflt: "failed", fast: "failed", none: "processing", reg: "failed" });
      await clock.advance(60_000);
      assert.equal((await status())["none"], "processing", "no limit for that type");
      gates.resolve();
      await run;
      assert.deepEqual(await status(), { dflt: "failed", fast: "failed", none: "completed", reg: "failed" });
    });

    it("the grouped loop (start, prefetch) frees the slot at the deadline and runs the next task", async () => {
      const [first, second] = await client.enqueueMany([{ type: "t", payload: { n: 1 } }, { type: "t", payload: { n: 2 } }]);
      const w = worker({ timeoutMs: 1000, concurrency: 1, batchSize: 2, pollIntervalMs: 100 });
      const seen: number[] = [];
      w.register("t", (p: { n: number }) => {
        seen.push(p.n);
        return p.n === 1 ? new Promise(() => {}) : undefined;
      });
      w.start();
      for (let i = 0; i < 30 && (await client.getTask(second!))?.status !== "completed"; i++) await clock.advance(100);
      const stopping = w.stop();
      await clock.advance(100);
      await stopping;
      assert.deepEqual(seen, [1, 2]);
      assert.equal((await client.getTask(first!))?.status, "queued");
      assert.equal((await client.getTask(second!))?.status, "completed");
    });

    it("a cancelled task whose handler ignores its signal still frees its slot at the deadline", async () => {
      const id = await client.enqueue("t", {});
      const events: WorkerEvent[] = [];
      const w = worker({ timeoutMs: 5000, renewIntervalMs: 1000, onEvent: (e) => void events.push(e) });
      let signal: AbortSignal | undefined;
      w.register("t", (_p: unknown, ctx) => {
        signal = ctx.signal;
        return new Promise(() => {});
      });
      const run = w.processOnce();
      await clock.advance(0);
      assert.equal(await client.cancel(id), true);
      await clock.advance(1000);
      assert.ok(pkg.isQueueError(signal?.reason, "TASK_CANCELLED"), "cancel reaches the handler at the next renewal");
      await clock.advance(4000);
      await run;
      assert.equal((await client.getTask(id))?.status, "cancelled");
      assert.deepEqual(events.filter((e) => e.type === "lease_lost").map((e) => (e as { cancelled: boolean }).cancelled), [true]);
    });

    it("no timeout configured: no timer beyond the lease renewal; with one, still one timer per running handler", async () => {
      await client.enqueueMany([1, 2, 3].map((n) => ({ type: "t", payload: { n } })));
      for (const opts of [{}, { timeoutMs: 60_000 }]) {
        const w = worker({ ...opts, concurrency: 3 });
        const gate = deferred();
        let started = 0;
        w.register("t", async () => {
          started++;
          await gate.promise;
        });
        const before = clock.pendingSleeps;
        const run = w.processOnce(3);
        await clock.advance(0);
        assert.equal(started, 3);
        assert.equal(clock.pendingSleeps - before, 3, `${JSON.stringify(opts)}: one sleep per running handler`);
        gate.resolve();
        await run;
        await client.enqueueMany([1, 2, 3].map((n) => ({ type: "t", payload: { n } })));
      }
    });

    it("refuses bad timeouts with QueueValidationError", () => {
      const bad: unknown[] = [{ timeoutMs: -1 }, { timeoutMs: "5" }, { timeoutMs: 2 ** 31 }, { taskTimeouts: { t: -1 } }, { taskTimeouts: { "": 5 } }, { taskTimeouts: [] }];
      for (const opts of bad) assert.throws(() => worker(opts as Options), (e: unknown) => pkg.isQueueError(e, "VALIDATION"), JSON.stringify(opts));
      const w = worker({});
      assert.throws(() => w.register("t", () => {}, { timeoutMs: -5 }), (e: unknown) => pkg.isQueueError(e, "VALIDATION"));
      assert.throws(() => w.register("t", () => {}, { timeout: 5 } as never), (e: unknown) => pkg.isQueueError(e, "VALIDATION"));
    });
  });
}

describe("built package: handler timeout in real time", () => {
  it("a 50 ms timeout on the system clock fails a hung handler's attempt within a second", async () => {
    const db = await QueueDatabase.open(DRIVERS[0]!.open());
    try {
      const client = new QueueClient(db);
      const id = await client.enqueue("hang", {}, { maxAttempts: 1 });
      const w = new QueueWorker(db, { timeoutMs: 50, pollIntervalMs: 10, heartbeatIntervalMs: 0 });
      let reason: unknown;
      w.register("hang", (_p: unknown, { signal }) => new Promise(() => signal.addEventListener("abort", () => (reason = signal.reason))));
      const t0 = performance.now();
      w.start();
      let task = await client.getTask(id);
      while (task?.status !== "failed" && performance.now() - t0 < 5000) {
        await new Promise((r) => setTimeout(r, 5));
        task = await client.getTask(id);
      }
      const elapsed = performance.now() - t0;
      await w.stop();
      assert.equal(task?.status, "failed", `status after ${elapsed.toFixed(0)} ms`);
      assert.ok(elapsed >= 45 && elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
      assert.ok(reason instanceof TaskTimeoutError);
    } finally {
      await db.close();
    }
  });
});

describe("built package: timeout keys in config files and env", () => {
  it("timeoutMs and taskTimeouts from JSON, YAML and TOML", () => {
    const want = { timeoutMs: 30_000, taskTimeouts: { video: 600_000, email: 0 } };
    const texts: [string, "json" | "yaml" | "toml"][] = [
      [JSON.stringify(want), "json"],
      ["timeoutMs: 30000\ntaskTimeouts:\n  video: 600000\n  email: 0\n", "yaml"],
      ["timeoutMs = 30000\n[taskTimeouts]\nvideo = 600000\nemail = 0\n", "toml"],
    ];
    for (const [text, format] of texts) {
      const c = config.parseWorkerConfig(text, { format, source: `w.${format}` });
      assert.deepEqual({ timeoutMs: c.timeoutMs, taskTimeouts: c.taskTimeouts }, want, format);
    }
    const unset = config.parseWorkerConfig("{}", { format: "json", source: "w.json" });
    assert.equal(unset.timeoutMs, undefined, "no timeout unless configured");
  });

  it("PRISMQ_TIMEOUT_MS and PRISMQ_TASK_TIMEOUTS override the file; bad values are refused naming the variable", () => {
    const env = { PRISMQ_TIMEOUT_MS: "1500", PRISMQ_TASK_TIMEOUTS: '{"video": 9000}' };
    const c = config.parseWorkerConfig('{"timeoutMs": 1, "taskTimeouts": {"email": 5}}', { format: "json", source: "w.json", env });
    assert.deepEqual([c.timeoutMs, c.taskTimeouts], [1500, { video: 9000 }]);
    for (const [name, value] of [["PRISMQ_TIMEOUT_MS", "-1"], ["PRISMQ_TIMEOUT_MS", "1.5"], ["PRISMQ_TASK_TIMEOUTS", '{"v": -1}'], ["PRISMQ_TASK_TIMEOUTS", "[1]"]] as const) {
      assert.throws(
        () => config.parseWorkerConfig("{}", { format: "json", source: "w.json", env: { [name]: value } }),
        (e: unknown) => pkg.isQueueError(e, "VALIDATION") && (e as Error).message.includes(name),
        `${name}=${value}`,
      );
    }
    assert.throws(() => config.parseWorkerConfig('{"timeoutMs": -5}', { format: "json", source: "w.json" }), /timeoutMs/);
  });
});

describe("built CLI: prismq worker passes the timeout keys to the worker", () => {
  it("taskTimeouts from the config file fail a handler that runs too long", async () => {
    const { spawn } = await import("node:child_process");
    const { writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tempDir } = await import("./helpers/drivers.ts");
    const { DIST_CLI } = await import("./helpers/dist.ts");
    const node = await importDist<typeof import("../runtime/node/index.ts")>("node.js");
    const { dir, cleanup } = tempDir("prismq-h3-timeout-");
    const dbPath = join(dir, "q.db");
    const cfg = join(dir, "w.json");
    writeFileSync(cfg, JSON.stringify({ pollIntervalMs: 20, heartbeatIntervalMs: 200, staleAfterMs: 600, taskTimeouts: { sleep: 200 } }));
    const db = await node.openQueueDatabase({ path: dbPath });
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("PRISMQ_")) env[k] = v;
    const child = spawn(process.execPath, [DIST_CLI, "worker", "--config", cfg, "--handlers", join(import.meta.dirname, "fixtures", "handlers.mjs"), "--db", dbPath], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      const client = new QueueClient(db);
      const id = await client.enqueue("sleep", { ms: 60_000 }, { maxAttempts: 1 });
      const t0 = performance.now();
      let task = await client.getTask(id);
      while (task?.status !== "failed" && performance.now() - t0 < 15_000) {
        await new Promise((r) => setTimeout(r, 25));
        task = await client.getTask(id);
      }
      assert.equal(task?.status, "failed", stderr);
      assert.match(task?.errorMessage ?? "", /^TaskTimeoutError: task \d+ timed out after 200 ms$/);
    } finally {
      child.kill("SIGTERM");
      await exited;
      await db.close();
      cleanup();
    }
  });
});
