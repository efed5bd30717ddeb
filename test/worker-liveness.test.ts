/**
 * Issue 10, defect 4: a stale threshold that lets a live worker's tasks be stolen is refused
 * (QueueWorker options, config file in each format, env), a stale threshold below the active one
 * is refused by every class, and every class classifies a worker by the same rule. Through the
 * built package.
 */
import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { DRIVERS } from "./helpers/drivers.ts";
import { importDist } from "./helpers/dist.ts";

const pkg = await importDist<typeof import("../src/index.ts")>("index.js");
const config = await importDist<typeof import("../src/config/worker-config.ts")>("config.js");
const { FakeClock, QueueClient, QueueDatabase, QueueMetrics, QueueMonitoring, QueueWorker, WorkerHeartbeat } = pkg;

const T0 = Date.UTC(2026, 0, 1);

/** Asserts `fn` throws the package's QueueValidationError whose message names every one of `names`. */
function refuses(fn: () => unknown, names: readonly string[], label: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(pkg.isQueueError(err, "VALIDATION"), `${label}: a QueueValidationError, got ${String(err)}`);
    for (const name of names) assert.ok((err as Error).message.includes(name), `${label}: "${(err as Error).message}" names ${name}`);
    return true;
  });
}

describe("built package: staleAfterMs against heartbeatIntervalMs", () => {
  it("the minimum ratio is exported and documented as 3", () => {
    assert.equal(pkg.MIN_STALE_HEARTBEATS, 3);
  });

  it("parseWorkerConfig refuses staleAfterMs < 3 × heartbeatIntervalMs in JSON, YAML and TOML, naming both keys", () => {
    const files: [string, "json" | "yaml" | "toml", string][] = [
      ["w.json", "json", JSON.stringify({ heartbeatIntervalMs: 10_000, staleAfterMs: 100 })],
      ["w.yaml", "yaml", "heartbeatIntervalMs: 10000\nstaleAfterMs: 29999\n"],
      ["w.toml", "toml", "heartbeatIntervalMs = 10000\nstaleAfterMs = 5000\n"],
    ];
    for (const [source, format, text] of files) {
      refuses(() => config.parseWorkerConfig(text, { format, source }), [source, "staleAfterMs", "heartbeatIntervalMs"], source);
    }
    // The default heartbeat (10 s) with a stale threshold below 30 s, from the file alone.
    refuses(() => config.parseWorkerConfig('{"staleAfterMs": 100}', { format: "json", source: "s.json" }), ["staleAfterMs", "heartbeatIntervalMs"], "default beat");
    // Exactly three beats, and heartbeats off, are fine.
    assert.equal(config.parseWorkerConfig("staleAfterMs = 30000", { format: "toml", source: "ok.toml" }).staleAfterMs, 30_000);
    assert.equal(config.parseWorkerConfig("heartbeatIntervalMs: 0\nstaleAfterMs: 1\n", { format: "yaml", source: "off.yaml" }).staleAfterMs, 1);
  });

  it("parseWorkerConfig refuses PRISMQ_STALE_AFTER_MS=100 and a too slow PRISMQ_HEARTBEAT_INTERVAL_MS, naming the variables", () => {
    refuses(
      () => config.parseWorkerConfig("{}", { format: "json", source: "w.json", env: { PRISMQ_STALE_AFTER_MS: "100" } }),
      ["staleAfterMs", "PRISMQ_STALE_AFTER_MS", "heartbeatIntervalMs"],
      "env stale",
    );
    refuses(
      () => config.parseWorkerConfig("{}", { format: "json", source: "w.json", env: { PRISMQ_HEARTBEAT_INTERVAL_MS: "200000" } }),
      ["staleAfterMs", "heartbeatIntervalMs", "PRISMQ_HEARTBEAT_INTERVAL_MS"],
      "env beat",
    );
  });

  it("QueueWorker refuses the same options before touching the database", async () => {
    const db = await QueueDatabase.open(DRIVERS[0]!.open());
    try {
      refuses(() => new QueueWorker(db, { staleAfterMs: 100 }), ["staleAfterMs", "heartbeatIntervalMs"], "default beat");
      refuses(() => new QueueWorker(db, { heartbeatIntervalMs: 1000, staleAfterMs: 2999 }), ["staleAfterMs", "heartbeatIntervalMs"], "2.99 beats");
      refuses(() => new QueueWorker(db, { heartbeatIntervalMs: 200_000 }), ["staleAfterMs", "heartbeatIntervalMs"], "default stale");
      assert.ok(new QueueWorker(db, { heartbeatIntervalMs: 1000, staleAfterMs: 3000 }));
      assert.ok(new QueueWorker(db, { heartbeatIntervalMs: 0, staleAfterMs: 1 }), "heartbeats off: nothing to compare");
      assert.equal((await db.execute("SELECT COUNT(*) AS n FROM workers")).rows[0]?.["n"], 0);
    } finally {
      await db.close();
    }
  });
});

for (const d of DRIVERS) {
  describe(`built package: one definition of active and stale, on ${d.name}`, () => {
    let clock: InstanceType<typeof FakeClock>;
    let db: InstanceType<typeof QueueDatabase>;

    beforeEach(async () => {
      clock = new FakeClock(T0);
      db = await QueueDatabase.open(d.open(), { clock });
    });
    afterEach(async () => {
      await db.close();
    });

    it("WorkerHeartbeat, QueueMonitoring and QueueMetrics refuse a stale threshold below the active one, naming both", async () => {
      const both = ["activeThresholdMs", "staleThresholdMs"];
      refuses(() => new WorkerHeartbeat(db, { activeThresholdMs: 10_000, staleThresholdMs: 5_000 }), both, "WorkerHeartbeat");
      refuses(() => new QueueMonitoring(db, { activeThresholdMs: 10_000, staleThresholdMs: 5_000 }), both, "QueueMonitoring");
      refuses(
        () => new QueueMetrics(db, { activeWorkerThresholdMs: 10_000, staleWorkerThresholdMs: 5_000 }),
        ["activeWorkerThresholdMs", "staleWorkerThresholdMs"],
        "QueueMetrics",
      );
      const hb = new WorkerHeartbeat(db, { activeThresholdMs: 10_000, staleThresholdMs: 20_000 });
      await assert.rejects(hb.getStaleWorkers(5_000), (e: unknown) => pkg.isQueueError(e, "VALIDATION") && /activeThresholdMs/.test(String(e)));
      await assert.rejects(hb.getActiveWorkers(25_000), (e: unknown) => pkg.isQueueError(e, "VALIDATION") && /staleThresholdMs/.test(String(e)));
      // Only one given: the other's default follows it.
      assert.deepEqual([new WorkerHeartbeat(db, { staleThresholdMs: 10_000 }).activeThresholdMs], [10_000]);
      assert.deepEqual([new QueueMonitoring(db, { activeThresholdMs: 100_000 }).heartbeat.staleThresholdMs], [300_000]);
    });

    it("every class reports each worker in the same state, and none both active and stale", async () => {
      const active = 60_000;
      const stale = 300_000;
      const ages: Record<string, number> = { a0: 0, a60: active, l60: active + 1, l300: stale, s300: stale + 1, s900: 900_000 };
      const hb = new WorkerHeartbeat(db, { activeThresholdMs: active, staleThresholdMs: stale });
      const now = T0 + 3_600_000;
      for (const [id, age] of Object.entries(ages)) {
        clock.set(now - age);
        await hb.updateHeartbeat(id);
      }
      clock.set(now);
      const expected = Object.fromEntries(Object.entries(ages).map(([id, age]) => [id, pkg.workerState(age, { activeMs: active, staleMs: stale })]));
      assert.deepEqual(expected, { a0: "active", a60: "active", l60: "late", l300: "late", s300: "stale", s900: "stale" });

      const fromFlags = (w: { workerId: string; isActive: boolean; isStale: boolean }): [string, string] => {
        assert.ok(!(w.isActive && w.isStale), `${w.workerId} both active and stale`);
        return [w.workerId, w.isActive ? "active" : w.isStale ? "stale" : "late"];
      };
      const monitoring = new QueueMonitoring(db, { activeThresholdMs: active, staleThresholdMs: stale });
      const metrics = new QueueMetrics(db, { activeWorkerThresholdMs: active, staleWorkerThresholdMs: stale });
      assert.deepEqual(Object.fromEntries((await hb.getAllWorkers()).map(fromFlags)), expected, "WorkerHeartbeat");
      assert.deepEqual(Object.fromEntries((await monitoring.getWorkerActivity()).map(fromFlags)), expected, "QueueMonitoring");
      assert.deepEqual(Object.fromEntries((await metrics.getWorkerActivity()).map((w) => [w.workerId, w.state])), expected, "QueueMetrics");
      const count = (s: string) => Object.values(expected).filter((v) => v === s).length;
      assert.deepEqual(await hb.countWorkers(), { total: 6, active: count("active"), stale: count("stale") }, "SQL counts");
      assert.deepEqual((await hb.getActiveWorkers()).map((w) => w.workerId).sort(), ["a0", "a60"]);
      assert.deepEqual((await hb.getStaleWorkers()).map((w) => w.workerId).sort(), ["s300", "s900"]);
    });

    it("with the smallest accepted ratio, a live worker's long task is not taken by another worker", async () => {
      const client = new QueueClient(db);
      const id = await client.enqueue("long", {});
      const runs: string[] = [];
      const opts = { heartbeatIntervalMs: 1000, staleAfterMs: 3000, leaseMs: 3000, pollIntervalMs: 500, random: () => 0 };
      const a = new QueueWorker(db, { ...opts, workerId: "A" });
      const b = new QueueWorker(db, { ...opts, workerId: "B" });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      for (const [name, w] of [["A", a], ["B", b]] as const) {
        w.register("long", async () => {
          runs.push(name);
          await gate;
        });
      }
      a.start();
      await clock.advance(0);
      b.start();
      for (let i = 0; i < 40; i++) await clock.advance(250); // 10 s, three times the stale threshold
      release();
      await clock.advance(0);
      const stopping = Promise.all([a.stop(), b.stop()]);
      await clock.advance(1000);
      await stopping;
      assert.deepEqual(runs, ["A"], "ran once, by A");
      assert.equal((await client.getTask(id))?.status, "completed");
    });
  });
}
