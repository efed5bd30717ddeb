/**
 * Latency of single operations, measured with tinybench in one Bench so that ours and the raw
 * statement share the machine's state: enqueue against the raw INSERT, claim against the raw
 * claim UPDATE…RETURNING, plus `enqueueMany` of 100 and claim+complete. Each claim runs on a
 * standing backlog that an untimed hook keeps level.
 */
import { Bench, type Task } from "tinybench";
import { QueueClient, QueueDatabase, QueueWorker } from "../src/index.ts";
import type { BenchDriver } from "./drivers.ts";
import { scratchDir } from "./drivers.ts";
import { LEASE, RAW_SQL, rawQueueFile, T0 } from "./ceiling.bench.ts";
import { quantile, type ResultRow } from "./stats.ts";

const BACKLOG = 10_000;

export interface Latencies {
  readonly rows: ResultRow[];
  /** p95 in µs by operation name. */
  readonly p95: Readonly<Record<"enqueue" | "rawInsert" | "claim" | "rawClaim" | "claimNoLogs", number>>;
  /** p50 in µs by operation name. */
  readonly p50: Readonly<Record<"enqueue" | "rawInsert" | "claim" | "rawClaim", number>>;
  /** Tasks/s: one enqueue at a time and 100 per call, ours and raw (raw: 100 INSERTs in one transaction). */
  readonly rates: Readonly<Record<"enqueue" | "rawInsert" | "enqueueMany" | "rawInsertMany", number>>;
}

function row(task: Task, scenario: string, driver: string, opsPerOp = 1): ResultRow {
  const r = task.result;
  if (r.state !== "completed") throw new Error(`${scenario} on ${driver}: ${String((r as { error?: unknown }).error)}`);
  const samples = [...(r.latency.samples ?? [])].sort((a, b) => a - b);
  return {
    scenario,
    driver,
    opsPerSec: r.throughput.mean * opsPerOp,
    spread: null,
    runs: samples.length,
    p50Us: quantile(samples, 0.5) * 1000,
    p95Us: quantile(samples, 0.95) * 1000,
    p99Us: quantile(samples, 0.99) * 1000,
  };
}

/** Runs the latency Bench on `d` with `iterations` samples per operation. */
export async function measureLatency(d: BenchDriver, iterations: number): Promise<Latencies> {
  const scratch = scratchDir();
  try {
    const ours = await QueueDatabase.open(await d.openDriver(scratch.file("ours.db")));
    const client = new QueueClient(ours);
    const worker = new QueueWorker(ours, { workerId: "bench", strategy: "PRIORITY", handlers: { t: () => {} } });
    // The same claim without the task_logs transition rows: what the audit trail costs.
    const bare = new QueueWorker(ours, { workerId: "bench-nolog", strategy: "PRIORITY", taskLogs: false, handlers: { t: () => {} } });
    await rawQueueFile(d, scratch.file("raw.db"));
    const raw = await d.openRaw(scratch.file("raw.db"));
    const ins = raw.prepare(RAW_SQL.insert);
    const claim = raw.prepare(RAW_SQL.claim(1));
    const done = raw.prepare(RAW_SQL.complete);
    const fill = async (): Promise<void> => {
      for (let i = 0; i < BACKLOG; i += 500) {
        await client.enqueueMany(Array.from({ length: 500 }, (_, j) => ({ type: "t", payload: { i: i + j } })));
        raw.exec("BEGIN IMMEDIATE");
        for (let j = 0; j < 500; j++) ins.run(JSON.stringify({ i: i + j }), T0, T0, T0);
        raw.exec("COMMIT");
      }
    };
    await fill();
    let n = 0;
    let held: Awaited<ReturnType<QueueWorker["claimTasks"]>> = [];
    let rawHeld: { id: number; lease_token: number }[] = [];
    const bench = new Bench({ name: `latency ${d.name}`, time: 0, iterations, warmupTime: 0, warmupIterations: 50, retainSamples: true });
    bench
      .add("raw INSERT", () => void ins.run(JSON.stringify({ n: n++ }), T0, T0, T0))
      .add("enqueue", async () => void (await client.enqueue("t", { n: n++ })))
      .add("raw claim", () => void (rawHeld = claim.all(LEASE, T0) as typeof rawHeld), {
        beforeEach: () => void ins.run(JSON.stringify({ n: n++ }), T0, T0, T0),
        afterEach: () => {
          for (const r of rawHeld) done.run(T0, r.id, r.lease_token);
        },
      })
      .add("claim", async () => void (held = await worker.claimTasks(1)), {
        beforeEach: async () => void (await client.enqueue("t", { n: n++ })),
        afterEach: async () => {
          for (const t of held) await worker.completeTask(t);
        },
      })
      .add("claim, taskLogs off", async () => void (held = await bare.claimTasks(1)), {
        beforeEach: async () => void (await client.enqueue("t", { n: n++ })),
        afterEach: async () => {
          for (const t of held) await bare.completeTask(t);
        },
      })
      .add("claim+complete", async () => {
        const [t] = await worker.claimTasks(1);
        if (t === undefined) throw new Error("backlog ran out");
        await worker.completeTask(t);
      }, { beforeEach: async () => void (await client.enqueue("t", { n: n++ })) })
      .add("enqueueMany x100", async () => {
        await client.enqueueMany(Array.from({ length: 100 }, () => ({ type: "t", payload: { n: n++ } })));
      })
      .add("raw INSERT x100", () => {
        raw.exec("BEGIN IMMEDIATE");
        for (let j = 0; j < 100; j++) ins.run(JSON.stringify({ n: n++ }), T0, T0, T0);
        raw.exec("COMMIT");
      });
    await bench.run();
    const get = (name: string): Task => bench.getTask(name)!;
    const rows = [
      row(get("raw INSERT"), "latency: raw INSERT (autocommit)", d.name),
      row(get("enqueue"), "latency: enqueue", d.name),
      row(get("raw claim"), "latency: raw claim UPDATE…RETURNING (autocommit)", d.name),
      row(get("claim"), "latency: claimTasks(1)", d.name),
      row(get("claim, taskLogs off"), "latency: claimTasks(1), taskLogs off", d.name),
      row(get("claim+complete"), "claim+complete, 1 task", d.name),
      row(get("enqueueMany x100"), "enqueueMany of 100 (tasks/s)", d.name, 100),
      row(get("raw INSERT x100"), "raw INSERT x100 in one transaction (tasks/s)", d.name, 100),
    ];
    const claimNoLogs = rows[4]!.p95Us!;
    raw.close();
    await ours.close();
    return {
      rows,
      p95: { rawInsert: rows[0]!.p95Us!, enqueue: rows[1]!.p95Us!, rawClaim: rows[2]!.p95Us!, claim: rows[3]!.p95Us!, claimNoLogs },
      p50: { rawInsert: rows[0]!.p50Us!, enqueue: rows[1]!.p50Us!, rawClaim: rows[2]!.p50Us!, claim: rows[3]!.p50Us! },
      rates: { rawInsert: rows[0]!.opsPerSec!, enqueue: rows[1]!.opsPerSec!, enqueueMany: rows[6]!.opsPerSec!, rawInsertMany: rows[7]!.opsPerSec! },
    };
  } finally {
    scratch.dispose();
  }
}
