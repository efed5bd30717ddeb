/**
 * Differential test: one deterministic queue history (fake clock) played on SQLite and on
 * PostgreSQL (the real server, and PGlite), then everything the public API reads back compared:
 * every task row, every task log (message, level, details), metrics, worker summaries,
 * liveness and the Prometheus text. The SQLite dialect is the reference; any difference in the
 * PostgreSQL dialect's statements (a count, a time, a log row, an order) shows here as a diff.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { PGlite } from "@electric-sql/pglite";
import { fromNodeSqlite } from "../adapters/node-sqlite/index.ts";
import { fromPGlite } from "../adapters/pglite/index.ts";
import { openPostgres, postgresDialect } from "../adapters/postgres/index.ts";
import { FakeClock } from "../src/clock.ts";
import type { Driver } from "../src/driver.ts";
import {
  NonRetryableError,
  QueueClient,
  QueueDatabase,
  type QueueDialect,
  QueueMaintenance,
  QueueMetrics,
  QueueWorker,
  WorkerHeartbeat,
} from "../src/index.ts";
import { createTempDatabase, PG_MISSING, pgSuiteOptions, requirePostgres, type TempDatabase } from "./helpers/postgres.ts";

const START = Date.UTC(2026, 2, 3, 10, 0, 0, 250);

/** Plays the history and returns everything read back, in engine-neutral form. */
async function history(driver: Driver, dialect?: QueueDialect): Promise<Record<string, unknown>> {
  const clock = new FakeClock(START);
  const db = await QueueDatabase.open(driver, { clock, ...(dialect !== undefined ? { dialect } : {}) });
  try {
    const tick = (ms: number): void => clock.set(clock.now() + ms);
    const client = new QueueClient(db);
    const beat = new WorkerHeartbeat(db, { staleThresholdMs: 60_000, activeThresholdMs: 30_000 });
    const ids = await client.enqueueMany([
      { type: "mail", payload: { to: "a", n: 1 }, options: { priority: 5 } },
      { type: "mail", payload: { to: "b" }, options: { priority: 1, maxAttempts: 2 } },
      { type: "video", payload: { format: "mp4" }, options: { compatibility: { region: "eu" }, delayMs: 1500 } },
      { type: "video", payload: { format: "webm" }, options: { idempotencyKey: "v-1" } },
      { type: "mail", payload: { to: "c" }, options: { priority: 9 } },
    ]);
    const dup = await client.enqueue("video", { format: "other" }, { idempotencyKey: "v-1" });
    const w1 = new QueueWorker(db, { workerId: "w1", strategy: "PRIORITY", leaseMs: 10_000, taskLogs: "all", capabilities: { region: "eu" }, random: () => 0.5 });
    const w2 = new QueueWorker(db, { workerId: "w2", strategy: "FIFO", leaseMs: 5_000, taskLogs: "all", backoff: { baseMs: 1000, factor: 2, maxMs: 60_000, jitter: 0 }, random: () => 0.5 });
    for (const w of [w1, w2]) {
      w.register("mail", () => Promise.resolve());
      w.register("video", () => Promise.resolve());
    }
    await beat.updateHeartbeat("w1", { region: "eu" });
    await beat.updateHeartbeat("w2", {});
    const first = await w1.claimTasks(2);
    tick(200);
    await w1.completeTask(first[0]!);
    const retried = await w1.failTask(first[1]!, new Error("smtp down"));
    tick(300);
    const second = await w2.claimTasks(2);
    tick(100);
    const dead = await w2.failTask(second[0]!, new NonRetryableError("bad input"));
    tick(1500);
    await beat.updateHeartbeat("w1", { region: "eu" });
    const third = await w1.claimTasks(3);
    tick(50);
    for (const t of third) await w1.completeTask(t);
    const cancelled = await client.cancel(ids[4]!);
    const requeued = await client.retry(second[0]!.id);
    // w2 takes the requeued task and goes silent: its heartbeat goes stale.
    const held = await w2.claimTasks(1);
    tick(70_000);
    await beat.updateHeartbeat("w1", { region: "eu" });
    const reclaimed = await beat.reclaimStaleWorkerTasks({ policy: {} });
    const rest = await w1.claimTasks(5);
    tick(10);
    for (const t of rest) await w1.completeTask(t);
    await client.enqueue("mail", { to: "late" }, { delayMs: 5000 });
    await client.enqueue("mail", { to: "now" });
    tick(1000);

    const metrics = new QueueMetrics(db);
    const maint = new QueueMaintenance(db);
    const tasks = (await client.listTasks({ limit: 100 })).map((t) => ({ ...t }));
    const logs = await db.execute("SELECT task_id, at_utc, level, message, details FROM task_logs ORDER BY task_id, at_utc, log_id");
    return {
      ids,
      dup,
      outcomes: { retried, dead, cancelled, requeued, reclaimed },
      claimed: [first, second, third, held, rest].map((b) => b.map((t) => t.id)),
      tasks,
      // Details as JSON values (key order and spacing are the engine's); an error's stack names this run's frames.
      logs: logs.rows.map((r) => {
        const details = r["details"] === null ? null : (JSON.parse(String(r["details"])) as Record<string, unknown>);
        if (details !== null) delete details["stack"];
        return { ...r, details };
      }),
      stats: await client.stats(),
      depth: await metrics.getQueueDepthByStatus(),
      depthByType: await metrics.getQueueDepthByType(),
      oldest: await metrics.getOldestQueuedTaskAge(),
      rates: await metrics.getSuccessFailureRates({ hours: 1 }),
      activity: await metrics.getWorkerActivity(),
      throughput: await metrics.getThroughputMetrics({ hours: 1 }),
      retries: await metrics.getRetryMetrics({ hours: 1 }),
      percentiles: await metrics.getProcessingTimePercentiles(),
      health: await metrics.getQueueHealthSummary(),
      prometheus: await metrics.toPrometheus(),
      workers: await beat.getAllWorkers(),
      workerCounts: await beat.countWorkers(),
      summaries: await beat.getAllWorkersSummary(),
      w2: await beat.getWorkerStats("w2"),
      cleaned: await beat.cleanupStaleWorkers({ force: true }),
      purged: await maint.purgeCompleted({ olderThanMs: 1000 }),
      after: await client.stats(),
      logCount: Number((await db.execute("SELECT COUNT(*) AS n FROM task_logs")).rows[0]?.["n"]),
    };
  } finally {
    await db.close();
  }
}

let reference: Record<string, unknown>;
before(async () => {
  reference = await history(fromNodeSqlite(new DatabaseSync(":memory:")));
});

function compare(got: Record<string, unknown>): void {
  for (const key of Object.keys(reference)) assert.deepStrictEqual(got[key], reference[key], `"${key}" differs from SQLite`);
}

describe("PostgreSQL answers exactly what SQLite answers (same history)", () => {
  it("on PGlite", async () => {
    compare(await history(fromPGlite(new PGlite()), postgresDialect));
  });
});

describe("PostgreSQL server answers exactly what SQLite answers (same history)", pgSuiteOptions(), () => {
  let tmp: TempDatabase | undefined;
  before(async () => {
    requirePostgres();
    tmp = await createTempDatabase("pgcore_diff");
  });
  after(async () => {
    await tmp?.drop();
  });
  it("on the server", { skip: PG_MISSING !== undefined && pgSuiteOptions().skip !== false }, async () => {
    compare(await history(await openPostgres(tmp!.url), postgresDialect));
  });
});
