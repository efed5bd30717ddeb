/**
 * plainjob measured on the rows of issue 12's table that its lifecycle runner (bench/peers/
 * plainjob.ts) does not give: enqueue one at a time (tasks/s and p95 of one `add`), enqueue 100
 * per call (`addMany`), and P worker processes on one file with plainjob's defaults. Same Node,
 * same better-sqlite3 build, file database as plainjob sets it up (WAL, synchronous=1).
 *
 *   node bench/plainjob-ops.ts ops <db> <n>        → one JSON line { oneRate, oneP50Us, oneP95Us, manyRate }
 *   node bench/plainjob-ops.ts procs <db> <n> <p> [warmup]  → one JSON line { rate, executed, duplicates }
 *   node bench/plainjob-ops.ts child <db> <n> [warmup]  (spawned by `procs`)
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { better, defineQueue, defineWorker, JobStatus, type Logger } from "plainjob";
import { quantile } from "./stats.ts";

const quiet: Logger = { error: (t) => process.stderr.write(`plainjob: ${t}\n`), warn: () => {}, info: () => {}, debug: () => {} };
const [mode, db, nText, pText, warmText] = process.argv.slice(2);
const n = Number(nText);
const open = (path: string) => defineQueue({ connection: better(new Database(path)), logger: quiet });

if (mode === "ops") {
  const q = open(`${db!}.one`);
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    q.add("bench", { i });
    lat.push(performance.now() - a);
  }
  const oneRate = n / ((performance.now() - t0) / 1000);
  q.close();
  const m = open(`${db!}.many`);
  const t1 = performance.now();
  for (let i = 0; i < n; i += 100) m.addMany("bench", Array.from({ length: Math.min(100, n - i) }, (_, j) => ({ i: i + j })));
  const manyRate = n / ((performance.now() - t1) / 1000);
  m.close();
  lat.sort((a, b) => a - b);
  console.log(JSON.stringify({ oneRate, oneP50Us: quantile(lat, 0.5) * 1000, oneP95Us: quantile(lat, 0.95) * 1000, manyRate }));
} else if (mode === "procs") {
  const q = open(db!);
  for (let i = 0; i < n; i += 100) q.addMany("bench", Array.from({ length: Math.min(100, n - i) }, (_, j) => ({ i: i + j })));
  q.close();
  const p = Number(pText);
  // Warm-up as for our processes (bench/processes.bench.ts): each child first drains jobs on a scratch file of its own.
  const warmup = Number(warmText ?? 0);
  const kids = Array.from({ length: p }, () => {
    const warm = warmup > 0 ? [String(warmup)] : [];
    const c = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", fileURLToPath(import.meta.url), "child", db!, String(n), ...warm], { stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    c.stdout.on("data", (x) => (out += String(x)));
    const ready = new Promise<void>((r) => c.stdout.once("data", () => r()));
    const done = new Promise<{ ids: number[] }>((r, j) =>
      c.on("exit", (code) => (code === 0 ? r(JSON.parse(out.trim().split("\n").pop()!)) : j(new Error(`plainjob child exited ${code}`)))),
    );
    return { c, ready, done };
  });
  await Promise.all(kids.map((k) => k.ready));
  // As for our own processes (bench/processes.bench.ts): this process polls the file every 5 ms
  // on its own connection, with a question that costs two index seeks (is any job still pending
  // or running?), and tells the workers to stop once none is; then one count checks every job
  // is done.
  const watcher = open(db!);
  const file = new Database(db!, { readonly: true });
  const left = file.prepare(`SELECT EXISTS (SELECT 1 FROM plainjob_jobs WHERE status IN (${JobStatus.Pending}, ${JobStatus.Processing}) AND type = 'bench') AS n`);
  const t0 = performance.now();
  for (const k of kids) k.c.stdin.write("go\n");
  while ((left.get() as { n: number }).n !== 0) await new Promise((r) => setTimeout(r, 5));
  const ms = performance.now() - t0;
  file.close();
  const done = watcher.countJobs({ type: "bench", status: JobStatus.Done });
  watcher.close();
  if (done !== n) throw new Error(`plainjob procs: ${done}/${n} jobs done, the rest ended otherwise`);
  for (const k of kids) k.c.stdin.end("stop\n");
  const got = await Promise.all(kids.map((k) => k.done));
  const seen = new Set<number>();
  let executed = 0;
  for (const g of got) for (const id of g.ids) (executed++, seen.add(id));
  console.log(JSON.stringify({ rate: n / (ms / 1000), executed, duplicates: executed - seen.size, missing: n - seen.size }));
} else if (mode === "child") {
  const warmN = Number(process.argv[5] ?? 0);
  if (warmN > 0) {
    const dir = mkdtempSync(join(tmpdir(), "pj-warm-"));
    try {
      const wq = open(join(dir, "warm.db"));
      for (let i = 0; i < warmN; i += 100) wq.addMany("bench", Array.from({ length: Math.min(100, warmN - i) }, (_, j) => ({ i: i + j })));
      const w = defineWorker("bench", () => {}, { queue: wq, logger: quiet });
      void w.start();
      while (wq.countJobs({ type: "bench", status: JobStatus.Done }) < warmN) await new Promise((r) => setTimeout(r, 5));
      await w.stop();
      wq.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const q = open(db!);
  const ids: number[] = [];
  process.stdout.write("ready\n");
  let input = "";
  const said = (word: string): Promise<void> =>
    new Promise<void>((r) => {
      const check = (): void => {
        if (input.includes(word)) r();
      };
      process.stdin.on("data", (x) => {
        input += String(x);
        check();
      });
      check();
    });
  await said("go");
  // plainjob's default worker (one job at a time), its default poll interval, until told to stop.
  const worker = defineWorker("bench", (job) => void ids.push((JSON.parse(job.data) as { i: number }).i), { queue: q, logger: quiet });
  void worker.start();
  await said("stop");
  await worker.stop();
  q.close();
  process.stdout.write(`${JSON.stringify({ ids })}\n`);
  process.exit(0);
} else {
  console.error("usage: plainjob-ops.ts ops|procs <db> <n> [processes [warmup]]");
  process.exit(2);
}
