/**
 * Several worker processes on one file: N tasks are enqueued first, P processes start and wait,
 * then all are told to go at once; throughput is N over the time from `go` until this process,
 * polling the file on its own connection, sees every task completed (plainjob's processes are
 * timed the same way, bench/plainjob-ops.ts). The ids each process ran are merged to check that
 * every task ran exactly once.
 *
 * With `warmup` > 0 each process first drains `warmup` tasks from a scratch file of its own,
 * with the same worker options, before it says `ready`: the steady state of a long-lived worker
 * process (its code compiled by the JIT). Without it a short drain also pays each process's
 * start-up, measured at ~300 ms of CPU per process over its first few thousand tasks here, which a
 * 20,000-task run split four ways cannot amortise. (The warm-up is not on the measured file: a
 * worker of one type behind thousands of queued tasks of another type walks past all of them in
 * each claim, which would measure that instead; see the README.)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { QueueClient, QueueDatabase } from "../src/index.ts";
import { RUNTIME, scratchDir, type BenchDriver } from "./drivers.ts";
import { enqueueN } from "./lifecycle.bench.ts";
import { RAW_SQL, rawQueueFile, T0 } from "./ceiling.bench.ts";

const WORKER = fileURLToPath(new URL("./worker-proc.ts", import.meta.url));

/** How this runtime starts one of the bench's TypeScript scripts as a child process. */
export function command(script = WORKER): { cmd: string; args: string[] } {
  if (RUNTIME === "bun") return { cmd: process.execPath, args: [script] };
  if (RUNTIME === "deno") return { cmd: process.execPath, args: ["run", "-A", script] };
  return { cmd: process.execPath, args: ["--disable-warning=ExperimentalWarning", script] };
}

interface Child {
  readonly proc: ChildProcess;
  readonly ready: Promise<void>;
  readonly result: Promise<{ ids: number[]; cpuUs: number; busyRetries: number; calls: number }>;
}

function start(d: BenchDriver, path: string, concurrency: number, batchSize: number | undefined, warmup: number): Child {
  const { cmd, args } = command();
  const tail = batchSize === undefined ? [] : [String(batchSize)];
  const env = warmup > 0 ? { ...process.env, PRISMQ_BENCH_WARMUP: String(warmup) } : process.env;
  const proc = spawn(cmd, [...args, d.name, path, String(concurrency), ...tail], { stdio: ["pipe", "pipe", "inherit"], env });
  let out = "";
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  const result = new Promise<{ ids: number[]; cpuUs: number; busyRetries: number; calls: number }>((resolve, reject) => {
    proc.stdout!.on("data", (c) => {
      out += String(c);
      if (out.startsWith("ready\n")) readyResolve();
    });
    proc.on("error", reject);
    proc.on("exit", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || !last.startsWith("{")) reject(new Error(`worker process exited ${code}: ${out.slice(-500)}`));
      else resolve(JSON.parse(last));
    });
  });
  return { proc, ready, result };
}

/** Polls the file until `n` tasks are completed; returns ms since `t0`. Throws after 10 minutes. */
async function waitAllCompleted(d: BenchDriver, path: string, n: number, t0: number): Promise<number> {
  const raw = await d.openRaw(path);
  try {
    // Whether any task is still queued or running: two seeks of ix_task_type_status, as
    // plainjob's watcher asks (bench/plainjob-ops.ts). This process shares the host's cores with
    // the workers, so its poll must cost next to nothing: a COUNT of the completed rows, as it
    // was, read the whole growing range every 5 ms after every other write had dropped its page
    // cache, and took ~23% of a core during a one-process drain (764 ms of CPU in a 3.3 s run).
    // Then one count checks that every task completed.
    const left = raw.prepare("SELECT EXISTS (SELECT 1 FROM task_queue WHERE type = 't' AND status IN ('queued', 'processing')) AS n");
    for (;;) {
      if (Number((left.all()[0] as { n: number | bigint }).n) === 0) break;
      if (performance.now() - t0 > 600_000) throw new Error(`processes: tasks still queued or running after 10 minutes`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const ms = performance.now() - t0;
    const done = Number((raw.prepare("SELECT COUNT(*) AS n FROM task_queue WHERE type = 't' AND status = 'completed'").all()[0] as { n: number | bigint }).n);
    if (done !== n) throw new Error(`processes: ${done}/${n} tasks completed, the rest ended otherwise`);
    return ms;
  } finally {
    raw.close();
  }
}

export interface ProcessesRun {
  readonly rate: number;
  readonly duplicates: number;
  readonly missing: number;
  readonly busyRetries: number;
  readonly calls: number;
  /**
   * CPU time of all processes from `go` to done, in µs per task: unlike throughput it hardly moves
   * with other load on the host, so it shows what each added process costs.
   */
  readonly cpuUsPerTask: number;
}

/**
 * Drains `n` tasks with `procs` processes of `concurrency` (and `batchSize`; undefined: the
 * worker's defaults, as a user who sets nothing gets) each; `warmup` > 0: each process first
 * drains that many tasks on a scratch file of its own (see the top of this file).
 */
export async function processesOnce(d: BenchDriver, n: number, procs: number, concurrency: number, batchSize?: number, warmup = 0): Promise<ProcessesRun> {
  const scratch = scratchDir();
  try {
    const path = scratch.file("procs.db");
    const db = await QueueDatabase.open(await d.openDriver(path));
    await enqueueN(new QueueClient(db), n);
    await db.close();
    const children = Array.from({ length: procs }, () => start(d, path, concurrency, batchSize, warmup));
    await Promise.all(children.map((c) => c.ready));
    const t0 = performance.now();
    for (const c of children) c.proc.stdin!.write("go\n");
    // The drain ends when this process, on its own read-only connection, sees every task
    // completed (polled every 5 ms); then the workers are told to stop. Closing and exiting are
    // not counted.
    const ms = await waitAllCompleted(d, path, n, t0);
    for (const c of children) c.proc.stdin!.end("stop\n");
    const results = await Promise.all(children.map((c) => c.result));
    const seen = new Map<number, number>();
    for (const r of results) for (const id of r.ids) seen.set(id, (seen.get(id) ?? 0) + 1);
    let duplicates = 0;
    for (const c of seen.values()) if (c > 1) duplicates += c - 1;
    return {
      rate: n / (ms / 1000),
      duplicates,
      missing: n - seen.size,
      busyRetries: results.reduce((a, r) => a + r.busyRetries, 0),
      calls: results.reduce((a, r) => a + r.calls, 0),
      cpuUsPerTask: results.reduce((a, r) => a + r.cpuUs, 0) / n,
    };
  } finally {
    scratch.dispose();
  }
}

const RAW = fileURLToPath(new URL("./raw-proc.ts", import.meta.url));

/**
 * The raw multi-process ceiling: `n` tasks drained by `procs` processes of bench/raw-proc.ts (the
 * bare library looping the default worker's round, complete + claim in one transaction, on the
 * queue's schema and PRAGMAs), timed from `go` until the last process found the queue empty.
 * Returns tasks/s; throws unless the rounds add up to `n`.
 */
export async function rawProcessesOnce(d: BenchDriver, n: number, procs: number): Promise<number> {
  const scratch = scratchDir();
  try {
    const path = scratch.file("raw-procs.db");
    await rawQueueFile(d, path);
    const db = await d.openRaw(path);
    const ins = db.prepare(RAW_SQL.insert);
    for (let i = 0; i < n; i += 100) {
      db.exec("BEGIN IMMEDIATE");
      for (let j = i; j < Math.min(n, i + 100); j++) ins.run(JSON.stringify({ i: j }), T0, T0, T0);
      db.exec("COMMIT");
    }
    db.close();
    const { cmd, args } = command(RAW);
    const children = Array.from({ length: procs }, () => {
      const proc = spawn(cmd, [...args, d.name, path], { stdio: ["pipe", "pipe", "inherit"] });
      let out = "";
      let readyResolve!: () => void;
      const ready = new Promise<void>((r) => (readyResolve = r));
      const done = new Promise<{ n: number; at: number }>((resolve, reject) => {
        proc.stdout!.on("data", (c) => {
          out += String(c);
          if (out.startsWith("ready\n")) readyResolve();
          const last = out.trim().split("\n").pop() ?? "";
          if (last.startsWith("{")) resolve({ n: (JSON.parse(last) as { n: number }).n, at: performance.now() });
        });
        proc.on("error", reject);
        proc.on("exit", (code) => {
          if (code !== 0) reject(new Error(`raw process exited ${code}: ${out.slice(-500)}`));
        });
      });
      return { proc, ready, done };
    });
    await Promise.all(children.map((c) => c.ready));
    const t0 = performance.now();
    for (const c of children) c.proc.stdin!.end("go\n");
    const results = await Promise.all(children.map((c) => c.done));
    const rounds = results.reduce((a, r) => a + r.n, 0);
    if (rounds !== n) throw new Error(`raw processes: ${rounds} rounds for ${n} tasks`);
    return n / ((Math.max(...results.map((r) => r.at)) - t0) / 1000);
  } finally {
    scratch.dispose();
  }
}
