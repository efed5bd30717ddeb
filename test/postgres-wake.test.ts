/**
 * LISTEN/NOTIFY wake-ups on a real PostgreSQL server, through the built package: an idle worker
 * whose poll interval is long starts a task enqueued on another connection, or by another
 * process (the built CLI), well before its next poll; with notifications unavailable (a driver
 * without `listen`) the same worker waits for its poll, so the fallback still works. Prints the
 * measured enqueue-to-start latency of both (figures, asserted only with a wide margin).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { DIST_CLI, importDist, ROOT } from "./helpers/dist.ts";
import { createTempDatabase, pgSuiteOptions, requirePostgres, type TempDatabase } from "./helpers/postgres.ts";

type Core = typeof import("../src/index.ts");
type NodeEntry = typeof import("../runtime/node/index.ts");
type PgEntry = typeof import("../adapters/postgres/index.ts");
type Driver = import("../src/driver.ts").Driver;
type QueueDatabase = import("../src/database.ts").QueueDatabase;

/** Percentile of sorted numbers. */
function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(ms: readonly number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `n=${s.length} p50=${pct(s, 50).toFixed(1)} ms p95=${pct(s, 95).toFixed(1)} ms max=${s.at(-1)!.toFixed(1)} ms`;
}

describe("LISTEN/NOTIFY wake-ups (built package, real server)", pgSuiteOptions(), () => {
  let core: Core;
  let node: NodeEntry;
  let pgEntry: PgEntry;
  let pg: TempDatabase;
  before(async () => {
    requirePostgres();
    core = await importDist<Core>("index.js");
    node = await importDist<NodeEntry>("node.js");
    pgEntry = await importDist<PgEntry>("postgres.js");
    pg = await createTempDatabase("wake");
    await (await node.openQueueDatabase({ path: pg.url })).close();
  });
  after(async () => {
    await pg?.drop();
  });

  /**
   * Runs a worker on `workerDb` (poll `pollMs`), enqueues `n` tasks one at a time through
   * `enqueue`, each after the worker has gone idle, and returns each task's enqueue-to-start time
   * (from its stored creation time, so a producer process's start-up is not counted).
   */
  async function measure(workerDb: QueueDatabase, enqueue: (i: number) => Promise<number>, n: number, pollMs: number, timeoutMs: number): Promise<number[]> {
    const started = new Map<number, number>();
    let notifyStarted: (() => void) | undefined;
    const worker = new core.QueueWorker(workerDb, {
      concurrency: 1,
      pollIntervalMs: pollMs,
      heartbeatIntervalMs: 0,
      handlers: {
        // Enqueue-to-start: the task's creation time (the enqueuer's clock, same machine) to now.
        ping: async (payload: unknown, { task }: { task: { createdAt: number } }) => {
          started.set((payload as { i: number }).i, Date.now() - task.createdAt);
          notifyStarted?.();
        },
      },
    });
    worker.start();
    const latencies: number[] = [];
    try {
      // Let it claim nothing once, go idle, and subscribe.
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < n; i++) {
        const seen = new Promise<void>((resolve) => (notifyStarted = resolve));
        await enqueue(i);
        const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), timeoutMs).unref());
        const r = await Promise.race([seen.then(() => "ok" as const), timer]);
        assert.equal(r, "ok", `task ${i} did not start within ${timeoutMs} ms`);
        latencies.push(started.get(i)!);
        // Idle again before the next one (its completion is written, the loop waits).
        await new Promise((r2) => setTimeout(r2, 30));
      }
    } finally {
      await worker.stop();
    }
    return latencies;
  }

  test("an enqueue on another connection wakes an idle worker long before its 10 s poll", async () => {
    const workerDb = await node.openQueueDatabase({ path: pg.url });
    const producerDb = await node.openQueueDatabase({ path: pg.url });
    try {
      const client = new core.QueueClient(producerDb);
      const lat = await measure(workerDb, (i) => client.enqueue("ping", { i }), 30, 10_000, 5_000);
      console.log(`wake-up latency with NOTIFY (poll 10 s): ${summary(lat)}`);
      for (const ms of lat) assert.ok(ms < 2_000, `started ${ms.toFixed(0)} ms after the enqueue, poll is 10 000 ms`);
    } finally {
      await workerDb.close();
      await producerDb.close();
    }
  });

  test("an enqueue by another process (the built CLI) wakes it too", async () => {
    const workerDb = await node.openQueueDatabase({ path: pg.url });
    try {
      const lat = await measure(
        workerDb,
        async (i) => {
          const r = spawnSync(process.execPath, [DIST_CLI, "enqueue", "ping", JSON.stringify({ i }), "--db", pg.url], { cwd: ROOT, encoding: "utf8", timeout: 50_000 });
          assert.equal(r.status, 0, r.stderr);
          return Number(r.stdout.trim());
        },
        3,
        120_000,
        60_000,
      );
      console.log(`wake-up latency after an enqueue by another process (poll 120 s): ${summary(lat)}`);
      for (const ms of lat) assert.ok(ms < 10_000, `started ${ms.toFixed(0)} ms after the enqueue, poll is 120 000 ms`);
    } finally {
      await workerDb.close();
    }
  });

  test("without notifications (a driver with no listen) the worker falls back to polling", async () => {
    const inner = await pgEntry.openPostgres(pg.url);
    // The same driver, its listen hidden: what a lost subscription or a pooler without LISTEN gives.
    const noListen: Driver = {
      name: inner.name,
      capabilities: inner.capabilities,
      execute: (s) => inner.execute(s),
      batch: (s) => inner.batch(s),
      close: () => inner.close(),
    };
    const workerDb = await core.QueueDatabase.open(noListen, { dialect: pgEntry.postgresDialect });
    const producerDb = await node.openQueueDatabase({ path: pg.url });
    try {
      const client = new core.QueueClient(producerDb);
      const lat = await measure(workerDb, (i) => client.enqueue("ping", { i }), 10, 500, 5_000);
      console.log(`wake-up latency by polling only (poll 500 ms): ${summary(lat)}`);
      const sorted = [...lat].sort((a, b) => a - b);
      // Polling: a task waits for the next poll, so the median is a good part of the interval.
      assert.ok(pct(sorted, 50) > 50, `median ${pct(sorted, 50).toFixed(1)} ms: polling alone should not start tasks at once`);
      for (const ms of lat) assert.ok(ms < 2_000, `started ${ms.toFixed(0)} ms after the enqueue with a 500 ms poll`);
    } finally {
      await workerDb.close();
      await producerDb.close();
    }
  });
});
