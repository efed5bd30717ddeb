/**
 * PostgreSQL side by side: `npm run bench:postgres [-- --quick]`.
 *
 * Ours (@prismq/queue on PostgreSQL), pg-boss and graphile-worker on the same server
 * (PRISMQ_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres) and machine, with the
 * lifecycle of the SQLite bench: N jobs enqueued in calls of 100 (untimed), then drained with a
 * no-op handler by 1, 2 and 4 worker processes started together (every job checked to run
 * exactly once; the drain ends when the system has stored every job as done); median of runs.
 * Beside it: enqueue one at a time (throughput and p50/p95), enqueue 100 per call, claim p95
 * (each system's seam is named in the table), and enqueue-to-start wake-up latency with idle
 * workers. Each system gets a fresh database per measurement (`prismq_peers_<system>_<random>`),
 * dropped after. The peers' settings and why are in bench/peers/pg-boss.ts and graphile.ts.
 *
 * Flags: `--quick` (2,000 jobs, one run, few samples: proves it runs), `--jobs N`, `--runs R`,
 * `--iterations I` (latency samples), `--wake W` (wake-up samples), `--procs 1,2,4`,
 * `--systems prismq,pg-boss,graphile-worker`. With no server answering it prints SKIPPED and how
 * to point it at one, and exits 0.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { arch, cpus, platform, release, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { CONCURRENCY, loadSystem, type PgSystem } from "./peers/pg-system.ts";
import { median, progress, quantile, rateRow, type ResultRow } from "./stats.ts";

const SERVER = process.env["PRISMQ_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";
const CHILD = fileURLToPath(new URL("./peers/pg-worker.ts", import.meta.url));

// ---- options ----
const argv = process.argv.slice(2);
const value = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const quick = argv.includes("--quick");
const jobs = Number(value("--jobs") ?? (quick ? 2000 : 20_000));
const runs = Number(value("--runs") ?? (quick ? 1 : 3));
const iterations = Number(value("--iterations") ?? (quick ? 200 : 2000));
const wakes = Number(value("--wake") ?? (quick ? 10 : 50));
const procCounts = (value("--procs") ?? "1,2,4").split(",").map(Number);
const systemKeys = (value("--systems") ?? "prismq,pg-boss,graphile-worker").split(",");
for (const [k, v] of Object.entries({ jobs, runs, iterations, wake: wakes })) {
  if (!Number.isInteger(v) || v < 1) {
    console.error(`bench:postgres: --${k} must be a positive integer`);
    process.exit(2);
  }
}
if (procCounts.some((p) => !Number.isInteger(p) || p < 1)) {
  console.error("bench:postgres: --procs takes positive integers, e.g. 1,2,4");
  process.exit(2);
}

const redact = (url: string): string => url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");

// ---- server ----
async function admin<T>(f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: SERVER, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

/** A fresh database for one measurement, and how to drop it. */
async function tempDatabase(key: string): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `prismq_peers_${key.replace(/[^a-z0-9]/g, "")}_${randomBytes(4).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(SERVER);
  u.pathname = `/${name}`;
  return { url: u.toString(), name, drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}) };
}

/** Transactions committed and rows written in a database so far (pg_stat_database). */
async function dbCounters(name: string): Promise<{ xacts: number; writes: number }> {
  return admin(async (c) => {
    const r = (await c.query("SELECT xact_commit, tup_inserted + tup_updated + tup_deleted AS writes FROM pg_stat_database WHERE datname = $1", [name])).rows[0];
    return { xacts: Number(r?.xact_commit ?? 0), writes: Number(r?.writes ?? 0) };
  });
}

let serverInfo: Record<string, string>;
try {
  serverInfo = await admin(async (c) => {
    const info: Record<string, string> = { version: String((await c.query("SHOW server_version")).rows[0].server_version) };
    for (const s of ["synchronous_commit", "fsync", "shared_buffers", "max_connections", "wal_level"]) {
      info[s] = String((await c.query(`SHOW ${s}`)).rows[0][s]);
    }
    return info;
  });
} catch (e) {
  console.log(`PostgreSQL bench: SKIPPED (no PostgreSQL server answers at ${redact(SERVER)}: ${(e as Error).message.split("\n")[0]}; set PRISMQ_PG_URL=postgres://user@host:5432/db to a server where the user may CREATE DATABASE)`);
  process.exit(0);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rows: ResultRow[] = [];
const notes: Record<string, string> = {};
/** Systems that did not run, and why. */
const skipped: Record<string, string> = {};
/** Figures by system key then metric, for the ratio table. */
const figures: Record<string, Record<string, number>> = {};
const put = (key: string, metric: string, v: number): void => void ((figures[key] ??= {})[metric] = v);

// ---- one system's measurements ----
async function enqueueFigures(s: PgSystem): Promise<void> {
  const db = await tempDatabase(s.key);
  try {
    const p = await s.producer(db.url);
    try {
      for (let i = 0; i < 50; i++) await p.enqueue(1_000_000 + i); // warm-up
      const times: number[] = [];
      const t0 = performance.now();
      for (let i = 0; i < iterations; i++) {
        const t = performance.now();
        await p.enqueue(i);
        times.push(performance.now() - t);
      }
      const rate = iterations / ((performance.now() - t0) / 1000);
      times.sort((a, b) => a - b);
      const [p50, p95, p99] = [0.5, 0.95, 0.99].map((q) => quantile(times, q) * 1000) as [number, number, number];
      rows.push({ scenario: "enqueue one at a time", driver: s.label, opsPerSec: rate, spread: null, runs: iterations, p50Us: p50, p95Us: p95, p99Us: p99 });
      put(s.key, "enqueue 1/call, jobs/s", rate);
      put(s.key, "enqueue p95, µs", p95);
      const calls = quick ? 20 : Math.max(20, Math.round(jobs / 100));
      const t1 = performance.now();
      for (let c = 0; c < calls; c++) await p.enqueueBulk(2_000_000 + c * 100, 100);
      const bulk = (calls * 100) / ((performance.now() - t1) / 1000);
      rows.push(rateRow("enqueue 100 per call (jobs/s)", s.label, [bulk], `${calls} calls`));
      put(s.key, "enqueue 100/call, jobs/s", bulk);
    } finally {
      await p.close();
    }
  } finally {
    await db.drop();
  }
}

async function claimFigures(s: PgSystem): Promise<void> {
  const db = await tempDatabase(s.key);
  try {
    const got = await s.claimSamples(db.url, iterations);
    if (got === null) return;
    const sorted = [...got.samples].sort((a, b) => a - b);
    const [p50, p95, p99] = [0.5, 0.95, 0.99].map((q) => quantile(sorted, q) * 1000) as [number, number, number];
    rows.push({ scenario: "claim one job", driver: s.label, opsPerSec: null, spread: null, runs: sorted.length, p50Us: p50, p95Us: p95, p99Us: p99, note: got.how });
    put(s.key, "claim p95, µs", p95);
  } finally {
    await db.drop();
  }
}

/** Idle workers; one job at a time is enqueued at a random moment; time from the enqueue call to its handler. */
async function wakeFigures(s: PgSystem): Promise<void> {
  const db = await tempDatabase(s.key);
  try {
    const p = await s.producer(db.url);
    let waiting: { i: number; resolve: () => void } | undefined;
    const c = await s.consumer(db.url, (i) => {
      if (waiting?.i === i) waiting.resolve();
    });
    try {
      await c.start();
      await sleep(300);
      const samples: number[] = [];
      for (let k = 0; k < wakes; k++) {
        await sleep(50 + Math.random() * 150); // a random phase against any polling
        const seen = new Promise<void>((resolve) => (waiting = { i: k, resolve }));
        const t = performance.now();
        await p.enqueue(k);
        const timeout = sleep(10_000).then(() => "timeout" as const);
        if ((await Promise.race([seen, timeout])) === "timeout") throw new Error(`${s.key}: job ${k} not started within 10 s of its enqueue`);
        samples.push(performance.now() - t);
      }
      samples.sort((a, b) => a - b);
      const [p50, p95, p99] = [0.5, 0.95, 0.99].map((q) => quantile(samples, q) * 1000) as [number, number, number];
      rows.push({ scenario: "wake-up: enqueue → handler start, idle workers", driver: s.label, opsPerSec: null, spread: null, runs: samples.length, p50Us: p50, p95Us: p95, p99Us: p99, note: "includes the enqueue call's round trip" });
      put(s.key, "wake-up p50, ms", p50 / 1000);
      put(s.key, "wake-up p95, ms", p95 / 1000);
    } finally {
      await c.stop();
      await p.close();
    }
  } finally {
    await db.drop();
  }
}

interface Child {
  readonly proc: ChildProcess;
  readonly ready: Promise<void>;
  handled: number;
  readonly result: Promise<{ ids: number[] }>;
}

function startChild(key: string, url: string): Child {
  const proc = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", CHILD, key, url], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  const child: Child = {
    proc,
    ready,
    handled: 0,
    result: new Promise<{ ids: number[] }>((resolve, reject) => {
      let partial = "";
      proc.stdout!.on("data", (c) => {
        out += String(c);
        if (out.startsWith("ready\n")) readyResolve();
        const lines = (partial + String(c)).split("\n");
        partial = lines.pop()!;
        for (const l of lines) if (l.startsWith("h ")) child.handled = Number(l.slice(2));
      });
      proc.on("error", reject);
      proc.on("exit", (code) => {
        const last = out.trim().split("\n").pop() ?? "";
        if (code !== 0 || !last.startsWith("{")) reject(new Error(`${key} worker process exited ${code}: ${out.slice(-300)}`));
        else resolve(JSON.parse(last) as { ids: number[] });
      });
    }),
  };
  child.result.catch(() => {}); // awaited by the drain; a child killed after a failure must not crash the bench
  return child;
}

/** One drain of `jobs` by `procs` processes; with `counters`, also transactions and row writes per job. */
async function drainOnce(s: PgSystem, procs: number, counters: boolean): Promise<{ rate: number; xactsPerJob?: number; writesPerJob?: number }> {
  const db = await tempDatabase(s.key);
  const children: Child[] = [];
  try {
    const p = await s.producer(db.url);
    try {
      for (let i = 0; i < jobs; i += 100) await p.enqueueBulk(i, Math.min(100, jobs - i));
      for (let k = 0; k < procs; k++) children.push(startChild(s.key, db.url));
      await Promise.all(children.map((c) => c.ready));
      if (counters) await sleep(1100); // let the backends flush their statistics
      const before = counters ? await dbCounters(db.name) : undefined;
      const t0 = performance.now();
      for (const c of children) c.proc.stdin!.write("go\n");
      const deadline = t0 + (quick ? 60_000 : 600_000);
      // Cheap until every handler ran (the children report), then ask the database itself.
      while (children.reduce((a, c) => a + c.handled, 0) < jobs) {
        if (performance.now() > deadline) throw new Error(`${s.key}, ${procs} processes: not every handler ran in time (${children.reduce((a, c) => a + c.handled, 0)}/${jobs})`);
        await sleep(2);
      }
      while ((await p.finished(jobs)) < jobs) {
        if (performance.now() > deadline) throw new Error(`${s.key}, ${procs} processes: outcomes not stored in time (${await p.finished(jobs)}/${jobs})`);
        await sleep(2);
      }
      const ms = performance.now() - t0;
      for (const c of children) c.proc.stdin!.end("stop\n");
      const results = await Promise.all(children.map((c) => c.result));
      const counts = new Uint32Array(jobs);
      let unexpected = 0;
      for (const r of results) for (const i of r.ids) i >= 0 && i < jobs ? counts[i]!++ : unexpected++;
      let duplicates = 0;
      let missing = 0;
      for (const n of counts) n === 0 ? missing++ : (duplicates += n - 1);
      if (duplicates > 0 || missing > 0 || unexpected > 0) throw new Error(`${s.key}, ${procs} processes: ${duplicates} duplicate, ${missing} missing, ${unexpected} unexpected executions`);
      let extra = {};
      if (before !== undefined) {
        await sleep(1100);
        const after = await dbCounters(db.name);
        extra = { xactsPerJob: (after.xacts - before.xacts) / jobs, writesPerJob: (after.writes - before.writes) / jobs };
      }
      return { rate: jobs / (ms / 1000), ...extra };
    } finally {
      for (const c of children) if (c.proc.exitCode === null) c.proc.kill();
      await p.close();
    }
  } finally {
    await db.drop();
  }
}

/**
 * The drains, interleaved: for each process count, run r of every system before run r + 1 of
 * any, so load that drifts over the minutes (the machine is shared) falls on all alike.
 */
async function drainFigures(systems: readonly PgSystem[]): Promise<void> {
  for (const procs of procCounts) {
    const got = new Map<PgSystem, { rate: number; xactsPerJob?: number; writesPerJob?: number }[]>(systems.map((s) => [s, []]));
    for (let r = 0; r < runs; r++) {
      for (const s of systems) {
        if (skipped[s.key] !== undefined) continue;
        progress(`${s.label}: drain of ${jobs} jobs, ${procs} worker process${procs > 1 ? "es" : ""}, run ${r + 1}/${runs}`);
        try {
          got.get(s)!.push(await drainOnce(s, procs, r === 0));
        } catch (e) {
          skipped[s.key] = `failed: ${(e as Error).message.split("\n")[0]}`;
          progress(`${s.label}: FAILED (${skipped[s.key]})`);
        }
      }
    }
    for (const s of systems) {
      const g = got.get(s)!;
      if (skipped[s.key] !== undefined || g.length === 0) continue;
      const rates = g.map((x) => x.rate);
      const c = g[0]!;
      const note = `every job once${c.xactsPerJob !== undefined ? `; ${c.xactsPerJob.toFixed(2)} transactions and ${c.writesPerJob!.toFixed(2)} row writes per job (pg_stat_database, first run)` : ""}`;
      rows.push(rateRow(`drain, ${procs} worker process${procs > 1 ? "es" : ""}`, s.label, rates, note));
      put(s.key, `drain ${procs} proc, jobs/s`, median(rates));
      put(s.key, `drain ${procs} proc, jobs/s per process`, median(rates) / procs);
    }
  }
}

// ---- run ----
const started = Date.now();
progress(`PostgreSQL ${serverInfo.version} at ${redact(SERVER)}; ${jobs} jobs, ${runs} run(s), ${iterations} latency samples, ${wakes} wake-ups, processes ${procCounts.join(",")}${quick ? " (quick)" : ""}`);
const labels: Record<string, string> = {};
const loaded: PgSystem[] = [];
for (const key of systemKeys) {
  let s: PgSystem;
  try {
    s = await loadSystem(key);
  } catch (e) {
    // Ours is skipped (not failed) only while the PostgreSQL adapter is not in the tree yet.
    const pending = key === "prismq" && !existsSync(fileURLToPath(new URL("../adapters/postgres/index.ts", import.meta.url)));
    skipped[key] = `${pending ? "not built yet" : "failed: not loadable"}: ${(e as Error).message.split("\n")[0]}`;
    progress(`${key}: SKIPPED (${skipped[key]})`);
    continue;
  }
  labels[key] = s.label;
  notes[s.label] = s.settings;
  try {
    progress(`${s.label}: enqueue one at a time (${iterations}) and 100 per call`);
    await enqueueFigures(s);
    progress(`${s.label}: claim latency (${iterations})`);
    await claimFigures(s);
    progress(`${s.label}: wake-up latency (${wakes})`);
    await wakeFigures(s);
    loaded.push(s);
  } catch (e) {
    skipped[key] = `failed: ${(e as Error).message.split("\n")[0]}`;
    progress(`${s.label}: FAILED (${skipped[key]})`);
  }
}
await drainFigures(loaded);

// ---- report ----
const fmt = (x: number | null | undefined, d = 0): string =>
  x === null || x === undefined || !Number.isFinite(x) ? "" : x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const table = rows.map((r) => ({
  scenario: r.scenario,
  system: r.driver,
  "ops/s (median)": fmt(r.opsPerSec),
  spread: r.spread === null ? "" : `${fmt(r.spread[0])}–${fmt(r.spread[1])}`,
  runs: r.runs,
  "p50 µs": fmt(r.p50Us, 0),
  "p95 µs": fmt(r.p95Us, 0),
  "p99 µs": fmt(r.p99Us, 0),
  note: r.note ?? "",
}));
const metrics = [...new Set(Object.values(figures).flatMap((f) => Object.keys(f)))];
const peersPresent = Object.keys(figures).filter((k) => k !== "prismq");
const lowerIsBetter = (m: string): boolean => /µs|ms/.test(m);
const ratioTable = metrics.map((m) => {
  const row: Record<string, string> = { metric: m };
  for (const k of Object.keys(figures)) row[k] = fmt(figures[k]![m], m.includes("ms") ? 1 : 0);
  for (const k of peersPresent) {
    const o = figures["prismq"]?.[m];
    const p = figures[k]![m];
    row[`ours/${k}`] = o !== undefined && p !== undefined && p > 0 ? `${(o / p).toFixed(2)}×` : "";
  }
  row["better"] = lowerIsBetter(m) ? "lower" : "higher";
  return row;
});

const machine = { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), os: `${platform()} ${release()} ${arch()}` };
const settings = { quick, jobs, runs, iterations, wakes, procs: procCounts, concurrencyPerProcess: CONCURRENCY };
const stamp = new Date(started).toISOString().replace(/[:.]/g, "-");
const resultsDir = join("bench", "results");
mkdirSync(resultsDir, { recursive: true });
const base = join(resultsDir, `${stamp}-postgres`);
writeFileSync(`${base}.json`, JSON.stringify({ date: new Date(started).toISOString(), machine, node: process.version, server: serverInfo, settings, systems: notes, skipped, rows, figures, durationS: (Date.now() - started) / 1000 }, null, 2));
const md: string[] = [`# PostgreSQL queues side by side, ${new Date(started).toISOString()}`, ""];
md.push(`- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; Node ${process.version}`);
md.push(`- Server: PostgreSQL ${Object.entries(serverInfo).map(([k, v]) => `${k}=${v}`).join(", ")} (same machine)`);
md.push(`- Settings: ${jobs} jobs per drain, ${runs} run(s) per figure (median, spread = slowest–fastest), ${iterations} latency samples, ${wakes} wake-ups${quick ? "; quick mode: figures are rough" : ""}`);
for (const [label, s] of Object.entries(notes)) md.push(`- ${label}: ${s}`);
for (const [k, why] of Object.entries(skipped)) md.push(`- ${k}: ${why}`);
md.push("");
const mdTable = (t: Record<string, unknown>[]): void => {
  const cols = Object.keys(t[0] ?? {});
  if (cols.length === 0) return;
  md.push(`| ${cols.join(" | ")} |`, `|${cols.map(() => "---").join("|")}|`);
  for (const r of t) md.push(`| ${cols.map((c) => String(r[c] ?? "")).join(" | ")} |`);
  md.push("");
};
mdTable(table);
md.push("## Ratios (ours / peer)", "");
mdTable(ratioTable);
writeFileSync(`${base}.md`, `${md.join("\n")}\n`);

console.table(table);
console.table(ratioTable);
for (const [k, why] of Object.entries(skipped)) console.log(`${labels[k] ?? k}: ${why}`);
console.log(`\nwritten: ${base}.json, ${base}.md (${((Date.now() - started) / 1000).toFixed(0)} s)`);
process.exit(Object.values(skipped).some((w) => w.startsWith("failed")) ? 1 : 0);
