/**
 * BullMQ side by side: the same lifecycle as our SQLite bench (enqueue N in calls of 100, drain
 * with a no-op handler, every job checked to run exactly once, median of runs), on BullMQ with
 * ioredis against the Redis at PRISMQ_REDIS_URL (default redis://127.0.0.1:6379), so an
 * embedded SQLite queue can be set next to the usual Redis one on the same machine.
 *
 * Measured: the lifecycle in one process (Worker concurrency 1, BullMQ's default, and 8), the
 * drain with 1 and 4 worker processes (concurrency 1 and 8 each, as our processes bench), `Queue.add`
 * one at a time (throughput and p50/p95/p99 of each call) and `Queue.addBulk` of 100. Each run
 * uses its own queue name and obliterates it after, so runs and other users of the server do not
 * mix. With no Redis answering it prints "BullMQ: SKIPPED …" and returns no rows.
 *
 * bench/run.ts calls `runBullmq`; on its own: `node bench/peers/bullmq.ts [--quick]`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { median, progress, quantile, rateRow, type ResultRow } from "../stats.ts";

const require = createRequire(import.meta.url);
const CHILD = fileURLToPath(new URL("./bullmq-worker.ts", import.meta.url));
/** The job name every bench job carries. */
const NAME = "t";

/** Where the bench finds Redis. */
export const redisUrl = (): string => process.env["PRISMQ_REDIS_URL"] ?? "redis://127.0.0.1:6379";

/** Our own figures on the reference driver, to print ratios beside BullMQ's (all optional). */
export interface OursForBullmq {
  /** Lifecycle tasks/s by key: c1 = concurrency 1, c8 = concurrency 8 (run.ts's keys). */
  readonly lifecycle?: Readonly<Record<string, number>>;
  /** Drain tasks/s by run.ts's keys: d1, d4 (worker defaults), p1, p4 (concurrency 8, batchSize 100). */
  readonly processes?: Readonly<Record<string, { readonly rate: number }>>;
  /** Latency rows of latency.bench.ts (for enqueue and enqueueMany x100). */
  readonly latency?: { readonly rows: readonly ResultRow[] };
}

/** Options of one BullMQ measurement. */
export interface BullmqOptions {
  readonly jobs: number;
  readonly runs: number;
  /** Samples of the one-at-a-time enqueue latency. */
  readonly iterations: number;
  readonly quick?: boolean;
  readonly ours?: OursForBullmq | undefined;
}

/** Versions and server facts that go in the notes. */
interface Info {
  readonly label: string;
  readonly persistence: string;
}

const connectionOf = (url: string): { url: string; maxRetriesPerRequest: null } => ({ url, maxRetriesPerRequest: null });
const uniqueName = (): string => `prismq-bench-${process.pid}-${randomBytes(4).toString("hex")}`;
const ratio = (a: number | undefined, b: number | undefined | null): string =>
  a === undefined || b === undefined || b === null || !(b > 0) ? "" : `; ours/BullMQ ${(a / b).toFixed(2)}×`;

/** Answers whether Redis answers a PING within a second, and what it keeps on disk. */
async function probe(url: string): Promise<Info | null> {
  const r = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  r.on("error", () => {});
  try {
    await r.connect();
    if ((await r.ping()) !== "PONG") return null;
    const info = await r.info("server");
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? "?";
    let persistence = "unknown (CONFIG refused)";
    try {
      const aof = (await r.config("GET", "appendonly")) as string[];
      const save = (await r.config("GET", "save")) as string[];
      persistence = `appendonly=${aof[1]}, save="${save[1]}"`;
    } catch {
      // managed servers refuse CONFIG
    }
    const v = (p: string): string => (require(`${p}/package.json`) as { version: string }).version;
    return { label: `bullmq ${v("bullmq")}, ioredis ${v("ioredis")}, Redis ${version}`, persistence };
  } catch {
    return null;
  } finally {
    r.disconnect();
  }
}

/** Enqueues jobs `{ i }` for i in [0, n) with addBulk, 100 a call (as our enqueueMany x100). */
async function addN(queue: Queue, n: number): Promise<void> {
  for (let i = 0; i < n; i += 100) {
    await queue.addBulk(Array.from({ length: Math.min(100, n - i) }, (_, j) => ({ name: NAME, data: { i: i + j } })));
  }
}

function exactlyOnce(counts: ArrayLike<number>): { duplicates: number; missing: number } {
  let duplicates = 0;
  let missing = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) missing++;
    else if (counts[i]! > 1) duplicates += counts[i]! - 1;
  }
  return { duplicates, missing };
}

/** One lifecycle in this process: enqueue n, then drain with one Worker of `concurrency`. */
async function lifecycleOnce(url: string, n: number, concurrency: number): Promise<number> {
  const name = uniqueName();
  const queue = new Queue(name, { connection: connectionOf(url) });
  const counts = new Uint32Array(n);
  let completed = 0;
  let allDone!: () => void;
  const done = new Promise<void>((r) => (allDone = r));
  // autorun false: the worker connects now and starts fetching only when run() is called.
  const worker = new Worker(name, async (job: Job<{ i: number }>) => void counts[job.data.i]!++, {
    connection: connectionOf(url),
    concurrency,
    autorun: false,
  });
  // "completed" fires after BullMQ moved the job to its completed set: the outcome is stored.
  worker.on("completed", () => void (++completed === n && allDone()));
  try {
    await queue.waitUntilReady();
    await worker.waitUntilReady();
    const t0 = performance.now();
    await addN(queue, n);
    void worker.run();
    await done;
    const t1 = performance.now();
    await worker.close();
    const stored = await queue.getCompletedCount();
    const { duplicates, missing } = exactlyOnce(counts);
    if (duplicates > 0 || missing > 0 || stored !== n) {
      throw new Error(`BullMQ lifecycle: ${duplicates} duplicate and ${missing} missing executions, ${stored}/${n} completed`);
    }
    return n / ((t1 - t0) / 1000);
  } finally {
    await worker.close().catch(() => {});
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
}

interface ChildRun {
  readonly proc: ChildProcess;
  readonly ready: Promise<void>;
  readonly result: Promise<{ ids: number[] }>;
}

function startChild(url: string, name: string, concurrency: number): ChildRun {
  const proc = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", CHILD, url, name, String(concurrency)], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  const result = new Promise<{ ids: number[] }>((resolve, reject) => {
    proc.stdout!.on("data", (c) => {
      out += String(c);
      if (out.startsWith("ready\n")) readyResolve();
    });
    proc.on("error", reject);
    proc.on("exit", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || !last.startsWith("{")) reject(new Error(`BullMQ worker process exited ${code}: ${out.slice(-300)}`));
      else resolve(JSON.parse(last) as { ids: number[] });
    });
  });
  return { proc, ready, result };
}

/**
 * n jobs enqueued first; `procs` worker processes connect and wait, then all go at once. The
 * drain ends when BullMQ's completed count reaches n (polled every 2 ms from here, one poller
 * instead of one per process); the ids each process ran are merged to check exactly once.
 */
async function processesOnce(url: string, n: number, procs: number, concurrency: number): Promise<number> {
  const name = uniqueName();
  const queue = new Queue(name, { connection: connectionOf(url) });
  const children: ChildRun[] = [];
  try {
    await addN(queue, n);
    for (let p = 0; p < procs; p++) children.push(startChild(url, name, concurrency));
    await Promise.all(children.map((c) => c.ready));
    const t0 = performance.now();
    for (const c of children) c.proc.stdin!.write("go\n");
    const deadline = t0 + 600_000;
    while ((await queue.getCompletedCount()) < n) {
      if (performance.now() > deadline) throw new Error(`BullMQ ${procs} processes: not drained in 600 s`);
      await new Promise((r) => setTimeout(r, 2));
    }
    const ms = performance.now() - t0;
    for (const c of children) c.proc.stdin!.end("stop\n");
    const results = await Promise.all(children.map((c) => c.result));
    const counts = new Uint32Array(n);
    for (const r of results) for (const i of r.ids) counts[i]!++;
    const { duplicates, missing } = exactlyOnce(counts);
    if (duplicates > 0 || missing > 0) throw new Error(`BullMQ ${procs} processes: ${duplicates} duplicate and ${missing} missing executions`);
    return n / (ms / 1000);
  } finally {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
}

/** `Queue.add` one at a time: per-call latency samples (ms) and throughput over the loop. */
async function addLatency(url: string, samples: number): Promise<{ rate: number; sorted: number[] }> {
  const name = uniqueName();
  const queue = new Queue(name, { connection: connectionOf(url) });
  try {
    await queue.waitUntilReady();
    for (let i = 0; i < 50; i++) await queue.add(NAME, { w: i }); // warm-up (scripts loaded)
    const times: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < samples; i++) {
      const s = performance.now();
      await queue.add(NAME, { i });
      times.push(performance.now() - s);
    }
    const total = performance.now() - t0;
    return { rate: samples / (total / 1000), sorted: times.sort((a, b) => a - b) };
  } finally {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
}

/** `Queue.addBulk` of 100: tasks/s over `calls` calls. */
async function addBulkRate(url: string, calls: number): Promise<number> {
  const name = uniqueName();
  const queue = new Queue(name, { connection: connectionOf(url) });
  try {
    await queue.waitUntilReady();
    await addN(queue, 500); // warm-up
    const t0 = performance.now();
    await addN(queue, calls * 100);
    return (calls * 100) / ((performance.now() - t0) / 1000);
  } finally {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
}

/**
 * Runs the BullMQ measurements and returns rows in the bench's row shape, or none (with the
 * SKIPPED line printed) when no Redis answers at PRISMQ_REDIS_URL.
 */
export async function runBullmq(opts: BullmqOptions): Promise<ResultRow[]> {
  const url = redisUrl();
  const info = await probe(url);
  if (info === null) {
    console.log(`BullMQ: SKIPPED (no Redis at ${url.replace(/^redis:\/\//, "").replace(/\/$/, "")}; set PRISMQ_REDIS_URL)`);
    return [];
  }
  const { jobs, runs, iterations, ours } = opts;
  const driver = info.label;
  const rows: ResultRow[] = [];
  const oursRow = (prefix: string): ResultRow | undefined => ours?.latency?.rows.find((r) => r.scenario.startsWith(prefix));

  progress(`BullMQ (${driver}; Redis persistence ${info.persistence}): enqueue one at a time, ${iterations} samples`);
  const lat = await addLatency(url, iterations);
  const ourEnq = oursRow("latency: enqueue");
  rows.push({
    scenario: "BullMQ: Queue.add one at a time",
    driver,
    opsPerSec: lat.rate,
    spread: null,
    runs: lat.sorted.length,
    p50Us: quantile(lat.sorted, 0.5) * 1000,
    p95Us: quantile(lat.sorted, 0.95) * 1000,
    p99Us: quantile(lat.sorted, 0.99) * 1000,
    note: `sequential awaits over one connection${ourEnq?.p95Us !== undefined ? `; ours p95/BullMQ p95 ${(ourEnq.p95Us / (quantile(lat.sorted, 0.95) * 1000)).toFixed(2)}×` : ""}${ratio(ourEnq?.opsPerSec ?? undefined, lat.rate)}`,
  });

  const calls = opts.quick ? 20 : Math.max(20, Math.round(jobs / 100));
  progress(`BullMQ: addBulk of 100, ${calls} calls x${runs}`);
  const bulk: number[] = [];
  for (let r = 0; r < runs; r++) bulk.push(await addBulkRate(url, calls));
  rows.push(rateRow("BullMQ: Queue.addBulk of 100 (tasks/s)", driver, bulk, `${calls} calls${ratio(oursRow("enqueueMany of 100")?.opsPerSec ?? undefined, median(bulk))}`));

  for (const [key, c] of [["c1", 1], ["c8", 8]] as const) {
    progress(`BullMQ: lifecycle of ${jobs} jobs, 1 process, concurrency ${c} x${runs}`);
    const rates: number[] = [];
    for (let r = 0; r < runs; r++) rates.push(await lifecycleOnce(url, jobs, c));
    rows.push(rateRow(`BullMQ: lifecycle, 1 process, concurrency ${c}`, driver, rates, `addBulk x100, then drain; every job once${ratio(ours?.lifecycle?.[key], median(rates))}`));
  }

  // "d": BullMQ's default concurrency 1 (beside our defaults, run.ts key d<P>); "p": concurrency 8
  // (beside ours at concurrency 8, batchSize 100, key p<P>; BullMQ has no prefetch to set).
  for (const [mode, p, c] of [["d", 1, 1], ["d", 4, 1], ["p", 1, 8], ["p", 4, 8]] as const) {
    const procs = `${p} worker process${p > 1 ? "es" : ""}`;
    progress(`BullMQ: drain of ${jobs} jobs, ${procs} (concurrency ${c} each) x${runs}`);
    const rates: number[] = [];
    for (let r = 0; r < runs; r++) rates.push(await processesOnce(url, jobs, p, c));
    rows.push(rateRow(`BullMQ: drain, ${procs}, concurrency ${c}`, driver, rates, `every job once${ratio(ours?.processes?.[`${mode}${p}`]?.rate, median(rates))}`));
  }
  rows.push({ scenario: "BullMQ: Redis persistence", driver, opsPerSec: null, spread: null, runs: 0, note: `${info.persistence} (nothing on disk when both are off; our SQLite file is WAL, synchronous=NORMAL)` });
  return rows;
}

// Standalone: node bench/peers/bullmq.ts [--quick] [--jobs N] [--runs R]
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const value = (k: string): string | undefined => (argv.includes(k) ? argv[argv.indexOf(k) + 1] : undefined);
  const quick = argv.includes("--quick");
  const rows = await runBullmq({
    jobs: Number(value("--jobs") ?? (quick ? 2000 : 20_000)),
    runs: Number(value("--runs") ?? (quick ? 1 : 3)),
    iterations: Number(value("--iterations") ?? (quick ? 300 : 3000)),
    quick,
  });
  const f = (x: number | null | undefined, d = 0): string => (x === null || x === undefined ? "" : x.toLocaleString("en-US", { maximumFractionDigits: d }));
  if (rows.length > 0) console.table(rows.map((r) => ({ scenario: r.scenario, "ops/s": f(r.opsPerSec), spread: r.spread ? `${f(r.spread[0])}–${f(r.spread[1])}` : "", "p50 µs": f(r.p50Us, 1), "p95 µs": f(r.p95Us, 1), "p99 µs": f(r.p99Us, 1), note: r.note ?? "" })));
  if (rows[0] !== undefined) console.log(rows[0].driver);
}
