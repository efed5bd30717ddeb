/**
 * Seed 001's performance target: queue-backed `startTask` latency against the in-memory
 * manager (seed: at most 2×). Standalone: `node bench/task-manager.bench.ts [--quick] [--json FILE]`.
 *
 * Two measures per Node file driver:
 * - `startTask`: the call alone (tinybench), until the run is accepted. In memory that is a
 *   Map insert and a promise; on the queue it is one committed INSERT (WAL, synchronous=NORMAL).
 * - `start → finished`: startTask of a 20 ms unit of work until the manager reports it
 *   finished, with an in-process worker (claim poll 10 ms, status poll 10 ms): the latency a
 *   caller polling `getRun` sees for a short task.
 */
import { writeFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Bench } from "tinybench";
import Database from "better-sqlite3";
import { DatabaseSync } from "node:sqlite";
import { fromBetterSqlite3 } from "../adapters/better-sqlite3/index.ts";
import { fromNodeSqlite } from "../adapters/node-sqlite/index.ts";
import { BackgroundTaskManager, QueueDatabase, QueuedTaskManager, type TaskManager, WorkRegistry } from "../src/index.ts";
import { quantile } from "./stats.ts";

const { values } = parseArgs({ options: { quick: { type: "boolean" }, json: { type: "string" } } });
const quick = values.quick === true;
const CALL_ITERATIONS = quick ? 500 : 5000;
const E2E_SAMPLES = quick ? 20 : 100;
const WORK_MS = 20;

const DRIVERS = [
  { name: "better-sqlite3", open: (p: string) => fromBetterSqlite3(new Database(p, { timeout: 5000 })) },
  { name: "node-sqlite", open: (p: string) => fromNodeSqlite(new DatabaseSync(p)) },
];

const registry = new WorkRegistry()
  .register("noop", async () => {})
  .register("work", async () => new Promise<void>((r) => setTimeout(r, WORK_MS)));

interface Row {
  readonly measure: string;
  readonly backend: string;
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p95Us: number;
  readonly samples: number;
}

async function callLatency(label: string, manager: TaskManager): Promise<Row> {
  const bench = new Bench({ name: label, iterations: CALL_ITERATIONS, time: 0, warmupTime: 0, warmupIterations: 50, retainSamples: true });
  bench.add(label, async () => {
    await manager.startTask({}, { handler: "noop", params: { x: 1 } });
  });
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (r.state !== "completed") throw new Error(`${label}: ${String((r as { error?: unknown }).error)}`);
  const s = [...(r.latency.samples ?? [])].sort((a, b) => a - b);
  return { measure: "startTask", backend: label, meanUs: r.latency.mean * 1000, p50Us: quantile(s, 0.5) * 1000, p95Us: quantile(s, 0.95) * 1000, samples: s.length };
}

async function endToEnd(label: string, manager: TaskManager): Promise<Row> {
  const samples: number[] = [];
  for (let i = 0; i < E2E_SAMPLES; i++) {
    const t0 = performance.now();
    const done = new Promise<void>((resolve) => {
      const off = manager.onRunStatusChange((run) => {
        if (run.runId === id && (run.status === "COMPLETED" || run.status === "FAILED")) {
          off();
          resolve();
        }
      });
    });
    const id = await manager.startTask({}, { handler: "work" });
    await done;
    samples.push((performance.now() - t0) * 1000);
  }
  samples.sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { measure: `start → finished (${WORK_MS} ms work)`, backend: label, meanUs: mean, p50Us: quantile(samples, 0.5), p95Us: quantile(samples, 0.95), samples: samples.length };
}

const rows: Row[] = [];
const memory = new BackgroundTaskManager({ registry });
rows.push(await callLatency("in-memory", memory));
rows.push(await endToEnd("in-memory", memory));
await memory.waitAll();
for (const d of DRIVERS) {
  const dir = mkdtempSync(join(tmpdir(), "prismq-tm-bench-"));
  try {
    const db = await QueueDatabase.open(d.open(join(dir, "queue.db")));
    const producer = new QueuedTaskManager({ db, registry, worker: false });
    rows.push(await callLatency(`queue (${d.name})`, producer));
    await producer.close();
    const db2 = await QueueDatabase.open(d.open(join(dir, "e2e.db")));
    const full = new QueuedTaskManager({ db: db2, registry, pollIntervalMs: 10, worker: { pollIntervalMs: 10 } });
    rows.push(await endToEnd(`queue (${d.name})`, full));
    await full.close();
    await db.close();
    await db2.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const base = (measure: string) => rows.find((r) => r.measure === measure && r.backend === "in-memory")!;
const table = rows.map((r) => ({
  measure: r.measure,
  backend: r.backend,
  "mean µs": r.meanUs.toFixed(1),
  "p50 µs": r.p50Us.toFixed(1),
  "p95 µs": r.p95Us.toFixed(1),
  "p50 vs in-memory": `${(r.p50Us / base(r.measure).p50Us).toFixed(2)}×`,
  samples: r.samples,
}));
console.log(`task-manager bench${quick ? " (--quick)" : ""}, node ${process.version}, seed 001 target: queue ≤ 2× in-memory`);
console.table(table);
if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify({ node: process.version, quick, rows }, null, 2)}\n`);
