/**
 * The benchmark suite: `npm run bench` (Node), `deno task bench`, `bun run bench`.
 *
 * For every file-backed driver of the runtime it measures the raw SQLite ceiling first, then the
 * queue: latency of single operations (tinybench), the full lifecycle in one process
 * (concurrency 1 and 8), and 1, 2 and 4 worker processes on one file; on Node also the peers
 * plainjob and liteque on the same lifecycle, and the WAL pages each enqueue and each drained
 * task write beside plainjob's (bench/wal-frames.bench.ts). Figures are reported as ratios to the
 * ceiling and to the peers, so they mean something on any machine; nothing here is asserted
 * except that every task ran exactly once. Results: a table on stdout, progress on stderr, and
 * a JSON and a Markdown report in bench/results/.
 *
 * Flags: `--quick` (2,000 tasks, one run: proves the suite works, for CI), `--jobs N`,
 * `--runs R`, `--iterations I` (latency samples), `--no-peers`, `--drivers a,b`.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { arch, cpus, platform, release, totalmem } from "node:os";
import { QueueDatabase } from "../src/index.ts";
import { measureCeiling, type Ceiling } from "./ceiling.bench.ts";
import { RUNTIME, runtimeDrivers, runtimeVersion, scratchDir, type BenchDriver } from "./drivers.ts";
import { measureLatency, type Latencies } from "./latency.bench.ts";
import { lifecycleOnce } from "./lifecycle.bench.ts";
import { medianOps, oursOps, peerOnce, peerRate, plainjobOps, plainjobProcesses, type PeerResult, type PlainjobOps } from "./peers.bench.ts";
import { issueTable } from "./issue-table.ts";
import { backlogTable, measureBacklog, measureOtherTypes, type BacklogLatency } from "./backlog.bench.ts";
import { processesOnce, rawProcessesOnce } from "./processes.bench.ts";
import { measureHandover, type Handover } from "./handover.bench.ts";
import { progress, rateRow, type ResultRow } from "./stats.ts";
import type { WalFrames } from "./wal-frames.bench.ts";

// `bun run bench` runs the package.json script, which starts Node: hand over to Bun itself.
if (RUNTIME === "node" && /^bun\//.test(process.env["npm_config_user_agent"] ?? "") && process.env["npm_execpath"]) {
  const r = spawnSync(process.env["npm_execpath"], [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

// ---- options ----
const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(name);
const value = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag("--quick");
const jobs = Number(value("--jobs") ?? (quick ? 2000 : 20_000));
const runs = Number(value("--runs") ?? (quick ? 1 : 3));
const iterations = Number(value("--iterations") ?? (quick ? 300 : 3000));
const withPeers = !flag("--no-peers") && RUNTIME === "node";
const only = value("--drivers")?.split(",");
for (const [k, v] of Object.entries({ jobs, runs, iterations })) {
  if (!Number.isInteger(v) || v < 1) {
    console.error(`bench: --${k} must be a positive integer`);
    process.exit(2);
  }
}
const drivers = runtimeDrivers().filter((d) => only === undefined || only.includes(d.name));
if (drivers.length === 0) {
  console.error(`bench: no driver matches --drivers ${only?.join(",")} (have: ${runtimeDrivers().map((d) => d.name).join(", ")})`);
  process.exit(2);
}

// ---- measurements ----
/** batchSize of the prefetching configurations. */
const PREFETCH = 100;
/** Lifecycle configurations: key, concurrency, batchSize (undefined: the default, = concurrency). */
const LIFECYCLES: readonly (readonly [string, number, number | undefined])[] = [
  ["c1", 1, undefined],
  ["c1b", 1, PREFETCH],
  ["c8", 8, undefined],
  ["c8b", 8, PREFETCH],
];
const LIFECYCLE_LABEL: Record<string, string> = {
  c1: "concurrency 1",
  c1b: `concurrency 1, batchSize ${PREFETCH}`,
  c8: "concurrency 8",
  c8b: `concurrency 8, batchSize ${PREFETCH}`,
};
const rows: ResultRow[] = [];
interface PerDriver {
  ceiling: Ceiling;
  latency: Latencies;
  lifecycle: Record<string, number>; // LIFECYCLES key -> median tasks/s
  processes: Record<string, { rate: number; duplicates: number; missing: number; busyRetries: number; calls: number }>;
  handover: Handover;
  sqliteVersion: string;
  pragmas: Record<string, unknown>;
}
const results: Record<string, PerDriver> = {};
/** Backlog sizes of the claim-latency-by-strategy scenario (better-sqlite3 only). */
const BACKLOGS = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
let backlog: BacklogLatency | null = null;
/** Queued tasks of another type ahead of a one-type worker's (better-sqlite3 only). */
const AHEAD = quick ? [0, 10_000] : [0, 1_000, 10_000, 20_000];
let otherTypes: BacklogLatency | null = null;
/** Tasks each worker process drains before the timed part of the warm process runs. */
const WARMUP = quick ? 1000 : 5000;
const totalSteps = drivers.length * 5 + (withPeers ? 5 : 0) + (drivers.some((d) => d.name === "better-sqlite3") ? 1 : 0);
let step = 0;
const next = (what: string): void => progress(`[${++step}/${totalSteps}] ${what}`);

async function describe(d: BenchDriver): Promise<{ sqliteVersion: string; pragmas: Record<string, unknown> }> {
  const scratch = scratchDir();
  try {
    const db = await QueueDatabase.open(await d.openDriver(scratch.file("info.db")));
    const one = async (sql: string): Promise<unknown> => Object.values((await db.execute(sql)).rows[0] ?? {})[0];
    const pragmas: Record<string, unknown> = {};
    for (const p of ["journal_mode", "synchronous", "busy_timeout", "page_size", "cache_size", "mmap_size", "wal_autocheckpoint", "temp_store", "foreign_keys"]) {
      pragmas[p] = await one(`PRAGMA ${p}`);
    }
    const sqliteVersion = String(await one("SELECT sqlite_version()"));
    await db.close();
    return { sqliteVersion, pragmas };
  } finally {
    scratch.dispose();
  }
}

const started = Date.now();
progress(`${runtimeVersion()}, drivers ${drivers.map((d) => d.name).join(", ")}; ${jobs} tasks, ${runs} run(s), ${iterations} latency samples${quick ? " (quick)" : ""}`);
for (const d of drivers) {
  const info = await describe(d);
  next(`${d.name}: raw SQLite ceiling`);
  const ceiling = await measureCeiling(d, jobs, runs);
  rows.push(...ceiling.rows);
  next(`${d.name}: latency (tinybench, ${iterations} samples each)`);
  const latency = await measureLatency(d, iterations);
  rows.push(...latency.rows);
  next(`${d.name}: lifecycle in one process, concurrency 1 and 8, default and batchSize ${PREFETCH}`);
  const lifecycle: Record<string, number> = {};
  for (const [key, c, b] of LIFECYCLES) {
    const rates: number[] = [];
    for (let r = 0; r < runs; r++) rates.push((await lifecycleOnce(d, jobs, c, b)).rate);
    const label = `lifecycle, 1 process, concurrency ${c}${b === undefined ? "" : `, batchSize ${b}`}`;
    const row = rateRow(label, d.name, rates, `enqueueMany x100, then drain; every task once${b === undefined ? "; default settings" : "; prefetch"}`);
    rows.push(row);
    lifecycle[key] = row.opsPerSec!;
  }
  next(`${d.name}: 1, 2 and 4 worker processes on one file (defaults; concurrency 8, batchSize ${PREFETCH}; the raw round)`);
  const processes: PerDriver["processes"] = {};
  // "d": every worker option at its default (concurrency 1), as issue 12 measures; "p": tuned.
  for (const [mode, p] of [["d", 1], ["d", 2], ["d", 4], ["p", 1], ["p", 2], ["p", 4]] as const) {
    const got = [];
    for (let r = 0; r < runs; r++) got.push(await (mode === "d" ? processesOnce(d, jobs, p, 1) : processesOnce(d, jobs, p, 8, PREFETCH)));
    const duplicates = got.reduce((a, g) => a + g.duplicates, 0);
    const missing = got.reduce((a, g) => a + g.missing, 0);
    const busyRetries = got.reduce((a, g) => a + g.busyRetries, 0);
    const calls = got.reduce((a, g) => a + g.calls, 0);
    const how = mode === "d" ? "defaults" : `concurrency 8, batchSize ${PREFETCH}`;
    const row = rateRow(`drain, ${p} worker process${p > 1 ? "es" : ""}, ${how}`, d.name, got.map((g) => g.rate), `duplicates ${duplicates}, missing ${missing}, busy retries ${busyRetries}/${calls} calls`);
    rows.push(row);
    processes[`${mode}${p}`] = { rate: row.opsPerSec!, duplicates, missing, busyRetries, calls };
    if (duplicates > 0 || missing > 0) throw new Error(`${d.name}, ${p} processes: ${duplicates} duplicate and ${missing} missing executions`);
  }
  // The same drain with the bare library in each process (complete + claim per transaction): what
  // the file allows more processes, before any queue code.
  for (const p of [1, 2, 4]) {
    const rates: number[] = [];
    for (let r = 0; r < runs; r++) rates.push(await rawProcessesOnce(d, jobs, p));
    const row = rateRow(`raw round, ${p} process${p > 1 ? "es" : ""}`, d.name, rates, "complete + claim in one transaction, no queue code");
    rows.push(row);
    processes[`r${p}`] = { rate: row.opsPerSec!, duplicates: 0, missing: 0, busyRetries: 0, calls: 0 };
  }
  next(`${d.name}: claim + complete in one worker process, and in two taking turns (the hand-over)`);
  const handover = await measureHandover(d, quick ? 300 : 1000);
  results[d.name] = { ceiling, latency, lifecycle, processes, handover, ...info };
  if (d.name === "better-sqlite3") {
    next(`${d.name}: claim latency by strategy at ${BACKLOGS.join(", ")} queued, and behind ${AHEAD.join(", ")} of another type`);
    backlog = await measureBacklog(d, BACKLOGS, quick ? 50 : 200);
    otherTypes = await measureOtherTypes(d, AHEAD, quick ? 50 : 200);
  }
}

const peers: Record<string, { runs: PeerResult[]; rate: number } | { error: string }> = {};
if (withPeers) {
  for (const peer of ["plainjob", "liteque"] as const) {
    // liteque runs at about 1,000 jobs/s here and is measured once.
    const peerRuns = peer === "liteque" ? 1 : runs;
    next(`peer ${peer}: lifecycle of ${jobs} jobs x${peerRuns}`);
    try {
      const got: PeerResult[] = [];
      // plainjob's runs alternate with ours (default worker) on better-sqlite3: this VM's disk and
      // CPU drift between minutes by more than the difference measured, so the ratio of issue
      // 12's table is taken from runs made side by side.
      const alternate = peer === "plainjob" ? drivers.find((x) => x.name === "better-sqlite3") : undefined;
      const oursBeside: number[] = [];
      for (let r = 0; r < peerRuns; r++) {
        if (alternate !== undefined) oursBeside.push((await lifecycleOnce(alternate, jobs, 1)).rate);
        got.push(await peerOnce(peer, jobs));
      }
      const row = rateRow(`peer ${peer} ${got[0]!.peerVersion}, lifecycle`, `better-sqlite3 ${got[0]!.driverVersion}`, got.map(peerRate), `${got[0]!.runtime}, SQLite ${got[0]!.sqliteVersion}, ${got[0]!.enqueueApi}; every job once`);
      rows.push(row);
      peers[peer] = { runs: got, rate: row.opsPerSec! };
      if (alternate !== undefined && results[alternate.name] !== undefined) {
        const beside = rateRow("lifecycle, 1 process, concurrency 1, alternating with plainjob", alternate.name, oursBeside, "default settings; each run just before one of plainjob's");
        rows.push(beside);
        results[alternate.name]!.lifecycle["c1pj"] = beside.opsPerSec!;
      }
    } catch (err) {
      peers[peer] = { error: err instanceof Error ? err.message : String(err) };
      progress(`peer ${peer} did not run: ${peers[peer].error}`);
    }
  }
}

// plainjob on the other rows of issue 12's table: enqueue one at a time and 100 per call, and 1
// and 4 worker processes with its defaults.
let pjOps: PlainjobOps | null = null;
let ourOps: PlainjobOps | null = null;
const pjProcs: Record<string, number> = {};
if (withPeers) {
  const alternate = drivers.find((x) => x.name === "better-sqlite3");
  next(`peer plainjob: enqueue one at a time and 100 per call, ${jobs} jobs x${runs}, alternating with ours measured the same way`);
  try {
    // Each run in a fresh process on a fresh file, ours (bench/ours-ops.ts) just before plainjob's:
    // the latency rows above come from one long-lived process at another minute of the run.
    const theirs: PlainjobOps[] = [];
    const ours: PlainjobOps[] = [];
    for (let r = 0; r < runs; r++) {
      if (alternate !== undefined) ours.push(await oursOps(alternate.name, jobs));
      theirs.push(await plainjobOps(jobs));
    }
    pjOps = medianOps(theirs);
    rows.push(rateRow("peer plainjob, enqueue one at a time (add)", "better-sqlite3", theirs.map((o) => o.oneRate)), rateRow("peer plainjob, enqueue 100 per call (addMany)", "better-sqlite3", theirs.map((o) => o.manyRate)));
    if (ours.length > 0) {
      ourOps = medianOps(ours);
      const note = "fresh process and file, each run just before one of plainjob's";
      rows.push(rateRow("enqueue one at a time, alternating with plainjob", alternate!.name, ours.map((o) => o.oneRate), note), rateRow("enqueue 100 per call, alternating with plainjob", alternate!.name, ours.map((o) => o.manyRate), note));
    }
    next(`peer plainjob: 1 and 4 worker processes, defaults`);
    for (const p of [1, 4]) {
      const rates: number[] = [];
      const oursBeside: number[] = [];
      for (let r = 0; r < runs; r++) {
        // Ours alternating with plainjob's, as for the lifecycle above.
        if (alternate !== undefined) oursBeside.push((await processesOnce(alternate, jobs, p, 1)).rate);
        rates.push(await plainjobProcesses(jobs, p));
      }
      const row = rateRow(`peer plainjob, drain, ${p} worker process${p > 1 ? "es" : ""}, defaults`, "better-sqlite3", rates);
      rows.push(row);
      pjProcs[`d${p}`] = row.opsPerSec!;
      const mine = alternate === undefined ? undefined : results[alternate.name];
      if (mine !== undefined) {
        const beside = rateRow(`drain, ${p} worker process${p > 1 ? "es" : ""}, defaults, alternating with plainjob`, alternate!.name, oursBeside, "each run just before one of plainjob's");
        rows.push(beside);
        mine.processes[`d${p}pj`] = { rate: beside.opsPerSec!, duplicates: 0, missing: 0, busyRetries: 0, calls: 0 };
      }
    }
    // The same drains in the steady state of long-lived processes: each process (ours and
    // plainjob's) first drains WARMUP tasks of its own, so JIT compilation, the checkpoint thread's
    // start and cold caches are not in the timed part (processes.bench.ts).
    if (alternate !== undefined && results[alternate.name] !== undefined) {
      next(`peer plainjob: 1, 2 and 4 worker processes after a warm-up of ${WARMUP} tasks each, alternating with ours`);
      for (const p of [1, 2, 4]) {
        const theirs: number[] = [];
        const ours: number[] = [];
        for (let r = 0; r < runs; r++) {
          ours.push((await processesOnce(alternate, jobs, p, 1, undefined, WARMUP)).rate);
          theirs.push(await plainjobProcesses(jobs, p, WARMUP));
        }
        const label = `${p} worker process${p > 1 ? "es" : ""}, defaults, after ${WARMUP} warm-up tasks each`;
        const pjRow = rateRow(`peer plainjob, drain, ${label}`, "better-sqlite3", theirs);
        const ourRow = rateRow(`drain, ${label}, alternating with plainjob`, alternate.name, ours, "each run just before one of plainjob's");
        rows.push(ourRow, pjRow);
        pjProcs[`w${p}`] = pjRow.opsPerSec!;
        results[alternate.name]!.processes[`w${p}`] = { rate: ourRow.opsPerSec!, duplicates: 0, missing: 0, busyRetries: 0, calls: 0 };
      }
    }
  } catch (err) {
    peers["plainjob-ops"] = { error: err instanceof Error ? err.message : String(err) };
    progress(`plainjob ops did not run: ${peers["plainjob-ops"].error}`);
  }
}

// Why the one-at-a-time enqueue trails plainjob's and the drain leads: the pages each commit writes to the WAL.
let walFrames: WalFrames | null = null;
if (withPeers && drivers.some((x) => x.name === "better-sqlite3")) {
  try {
    // Imported here: it loads plainjob and better-sqlite3, which only the Node run has.
    walFrames = await (await import("./wal-frames.bench.ts")).measureWalFrames(quick ? 500 : 2000);
  } catch (err) {
    peers["wal-frames"] = { error: err instanceof Error ? err.message : String(err) };
    progress(`WAL pages per task not measured: ${peers["wal-frames"].error}`);
  }
}

// BullMQ on Redis (issue 12): rows beside ours; prints "BullMQ: SKIPPED …" when no Redis answers.
if (withPeers) rows.push(...(await (await import("./peers/bullmq.ts")).runBullmq({ jobs, runs, iterations, quick, ours: results["better-sqlite3"] })));

// ---- report ----
const fmt = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined || !Number.isFinite(x) ? "" : x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

const ref = results["better-sqlite3"];
const table = rows.map((r) => {
  const c = results[r.driver]?.ceiling.unbatched ?? ref?.ceiling.unbatched;
  return {
    scenario: r.scenario,
    driver: r.driver,
    "ops/s (median)": fmt(r.opsPerSec),
    spread: r.spread === null ? "" : `${fmt(r.spread[0])}–${fmt(r.spread[1])}`,
    runs: r.runs,
    "p50 µs": fmt(r.p50Us, 1),
    "p95 µs": fmt(r.p95Us, 1),
    "p99 µs": fmt(r.p99Us, 1),
    "× raw 1/txn": r.opsPerSec !== null && c !== undefined && !r.scenario.startsWith("latency") ? ratio(r.opsPerSec, c) : "",
    note: r.note ?? "",
  };
});

const goals: { goal: string; measured: string; met: boolean }[] = [];
if (ref !== undefined) {
  const pj = peers["plainjob"];
  if (pj !== undefined && "rate" in pj) {
    for (const [key] of LIFECYCLES) {
      goals.push({ goal: `lifecycle ${LIFECYCLE_LABEL[key]} ≥ 4× plainjob`, measured: ratio(ref.lifecycle[key]!, pj.rate), met: ref.lifecycle[key]! >= 4 * pj.rate });
    }
  }
  const lq = peers["liteque"];
  if (lq !== undefined && "rate" in lq) {
    for (const [key] of LIFECYCLES) goals.push({ goal: `lifecycle ${LIFECYCLE_LABEL[key]} against liteque (no goal set)`, measured: ratio(ref.lifecycle[key]!, lq.rate), met: true });
  }
  for (const [key] of LIFECYCLES) {
    goals.push({ goal: `lifecycle ${LIFECYCLE_LABEL[key]} ≥ 1.5× raw unbatched ceiling`, measured: ratio(ref.lifecycle[key]!, ref.ceiling.unbatched), met: ref.lifecycle[key]! >= 1.5 * ref.ceiling.unbatched });
  }
  for (const p of ["d2", "d4", "p2", "p4"]) {
    const x = ref.processes[p]!;
    const one = ref.processes[`${p[0]}1`]!;
    const how = p[0] === "d" ? "defaults" : `concurrency 8, batchSize ${PREFETCH}`;
    goals.push({ goal: `${p.slice(1)} processes (${how}) no slower than 1, no duplicates`, measured: `${ratio(x.rate, one.rate)} of 1 process, ${x.duplicates} duplicates`, met: x.rate >= one.rate && x.duplicates === 0 });
  }
  const l = ref.latency.p95;
  goals.push({ goal: "enqueue p95 ≤ 1.5× raw INSERT p95", measured: `${fmt(l.enqueue, 1)} µs vs ${fmt(l.rawInsert, 1)} µs (${ratio(l.enqueue, l.rawInsert)})`, met: l.enqueue <= 1.5 * l.rawInsert });
  goals.push({ goal: "claim p95 ≤ 1.5× raw claim p95", measured: `${fmt(l.claim, 1)} µs vs ${fmt(l.rawClaim, 1)} µs (${ratio(l.claim, l.rawClaim)})`, met: l.claim <= 1.5 * l.rawClaim });
  goals.push({ goal: "claim p95, taskLogs off, ≤ 1.5× raw claim p95", measured: `${fmt(l.claimNoLogs, 1)} µs vs ${fmt(l.rawClaim, 1)} µs (${ratio(l.claimNoLogs, l.rawClaim)})`, met: l.claimNoLogs <= 1.5 * l.rawClaim });
  for (const [name, r] of Object.entries(results)) {
    if (name === "better-sqlite3") continue;
    for (const [key] of LIFECYCLES) {
      const q = r.lifecycle[key]! / ref.lifecycle[key]!;
      goals.push({ goal: `${name} lifecycle ${LIFECYCLE_LABEL[key]} within 25% of better-sqlite3`, measured: `${(q * 100).toFixed(0)}% of better-sqlite3`, met: q >= 0.75 });
    }
  }
}

// Read from the files: tinybench's exports hide its package.json from require().
const versionOf = (path: string): string =>
  (JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8")) as { version: string }).version;
const versions: Record<string, string> = { "@prismq/queue": versionOf("../package.json"), runtime: runtimeVersion() };
for (const d of drivers) versions[d.name] = `${d.version} (SQLite ${results[d.name]!.sqliteVersion})`;
versions["tinybench"] = versionOf("../node_modules/tinybench/package.json");
const machine = {
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  os: `${platform()} ${release()} ${arch()}`,
};
const settings = { quick, jobs, runs, iterations, peers: withPeers };
const stamp = new Date(started).toISOString().replace(/[:.]/g, "-");
const resultsDir = join("bench", "results");
mkdirSync(resultsDir, { recursive: true });
const base = join(resultsDir, `${stamp}-${RUNTIME}`);
writeFileSync(`${base}.json`, JSON.stringify({ date: new Date(started).toISOString(), machine, versions, settings, pragmas: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.pragmas])), rows, goals, peers, backlog, otherTypes, walFrames, handover: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.handover])), durationS: (Date.now() - started) / 1000 }, null, 2));

const md: string[] = [];
md.push(`# @prismq/queue benchmark, ${new Date(started).toISOString()}`, "");
md.push(`- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}`);
md.push(`- Versions: ${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join("; ")}`);
md.push(`- Settings: ${jobs} tasks per lifecycle run, ${runs} run(s) per figure (median, spread = slowest–fastest), ${iterations} latency samples${quick ? "; quick mode: proves the suite runs, figures are rough" : ""}`);
for (const [k, v] of Object.entries(results)) md.push(`- PRAGMAs on ${k}: ${Object.entries(v.pragmas).map(([p, x]) => `${p}=${String(x)}`).join(", ")}`);
md.push(`- The raw ceiling runs the queue's own INSERT / claim / complete statements on the bare driver, same schema, same PRAGMAs; "× raw 1/txn" divides by that driver's unbatched ceiling.`, "");
const cols = Object.keys(table[0] ?? {});
md.push(`| ${cols.join(" | ")} |`, `|${cols.map(() => "---").join("|")}|`);
for (const r of table) md.push(`| ${cols.map((c) => String((r as Record<string, unknown>)[c])).join(" | ")} |`);
md.push("", "## Goals (reported, not asserted)", "", "| goal | measured | met |", "|---|---|---|");
for (const g of goals) md.push(`| ${g.goal} | ${g.measured} | ${g.met ? "yes" : "**no**"} |`);
for (const [p, r] of Object.entries(peers)) if ("error" in r) md.push("", `Peer ${p} did not run: ${r.error}`);
md.push("", `Total time: ${((Date.now() - started) / 1000).toFixed(0)} s.`);
writeFileSync(`${base}.md`, `${md.join("\n")}\n`);

console.table(table);
if (ref !== undefined) {
  const pj = peers["plainjob"];
  const issue = issueTable(ref, pj !== undefined && "rate" in pj ? pj.rate : null, pjOps, pjProcs, ourOps);
  console.log(`\nIssue 12's table (better-sqlite3, one run):\n\n${issue}\n`);
  md.push("", "## Issue 12's table", "", issue);
  if (backlog !== null) {
    const bt = backlogTable(backlog, BACKLOGS);
    console.log(`Claim latency by strategy and backlog (better-sqlite3):\n\n${bt}\n`);
    md.push("", "## Claim latency by strategy and backlog", "", bt);
  }
  if (otherTypes !== null) {
    const ot = backlogTable(otherTypes, AHEAD, "of another type ahead");
    console.log(`Claim latency of a one-type worker behind other types' tasks (better-sqlite3):\n\n${ot}\n`);
    md.push("", "## Claim latency behind other types' tasks", "", ot);
  }
  if (walFrames !== null) {
    const { walFramesTable, walPagesByTreeTable } = await import("./wal-frames.bench.ts");
    const wt = walFramesTable(walFrames);
    const bt = walPagesByTreeTable(walFrames);
    console.log(`WAL pages written per task, checkpoints off (bench/wal-frames.bench.ts):\n\n${wt}\n\n${bt}\n`);
    md.push("", "## WAL pages per task", "", wt, "", bt);
  }
  writeFileSync(`${base}.md`, `${md.join("\n")}\n`);
}
{
  // Not a goal of its own: it says what each extra worker process costs every round it takes.
  const lines = ["| driver | one process, p50 / p95 µs | two taking turns, p50 / p95 µs | hand-over cost (p50) |", "|---|---|---|---|"];
  for (const [name, r] of Object.entries(results)) {
    const h = r.handover;
    lines.push(`| ${name} | ${fmt(h.one.p50, 1)} / ${fmt(h.one.p95, 1)} | ${fmt(h.two.p50, 1)} / ${fmt(h.two.p95, 1)} | +${fmt(h.two.p50 - h.one.p50, 1)} µs (${ratio(h.two.p50, h.one.p50)}) |`);
  }
  const ho = lines.join("\n");
  console.log(`Claim + complete right after another worker process's commit (bench/handover.bench.ts):\n\n${ho}\n`);
  md.push("", "## Claim + complete after another process's commit", "", ho);
  writeFileSync(`${base}.md`, `${md.join("\n")}\n`);
}
console.table(goals.map((g) => ({ goal: g.goal, measured: g.measured, met: g.met ? "yes" : "NO" })));
console.log(`\nwritten: ${base}.json, ${base}.md (${((Date.now() - started) / 1000).toFixed(0)} s)`);
// A peer that did not run means the suite did not run as asked (say --no-peers to leave them out).
const peerFailed = Object.values(peers).some((p) => "error" in p);
if (peerFailed) console.error("bench: a peer did not run (see above); exit 1");
process.exit(peerFailed ? 1 : 0);
