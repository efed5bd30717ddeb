/**
 * Issue 12's table from one run: each row's raw SQL, plainjob and @prismq/queue figures side by
 * side with the ratio to plainjob (our lifecycle and process figures there are the runs made
 * alternately with plainjob's, `c1pj`/`d1pj`/`d4pj`, and the enqueue rates of bench/ours-ops.ts,
 * run alternately with plainjob's own; `w1`/`w2`/`w4`: the same drains after a
 * warm-up in each process, the steady state), then the issue's goals with what was measured.
 * The process goals are given for both: the issue's cold drain, which includes each process's
 * start-up, and the warm one. Figures on
 * better-sqlite3; a blank cell is a figure the run did not measure (no claim call in plainjob's
 * API). The raw cells of the process rows are the raw round in that many processes (`r1`/`r2`/`r4`).
 */
import type { Ceiling } from "./ceiling.bench.ts";
import type { Latencies } from "./latency.bench.ts";
import type { PlainjobOps } from "./peers.bench.ts";

/** What the table reads of one driver's results in bench/run.ts. */
export interface IssueFigures {
  readonly ceiling: Ceiling;
  readonly latency: Latencies;
  /** Tasks/s by lifecycle key: c1 (defaults), c8b (concurrency 8, batchSize 100). */
  readonly lifecycle: Readonly<Record<string, number>>;
  /**
   * Tasks/s by processes key: d1/d2/d4 (defaults), p1/p2/p4 (tuned), w1/w2/w4 (defaults, warm),
   * r1/r2/r4 (the raw round, no queue code).
   */
  readonly processes: Readonly<Record<string, { readonly rate: number }>>;
}

const n = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined || !Number.isFinite(x) ? "–" : x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const times = (a: number | null | undefined, b: number | null | undefined): string =>
  a === null || a === undefined || b === null || b === undefined || !(b > 0) ? "" : `${(a / b).toFixed(2)}×`;

/** The table and the goals as Markdown. `pjLifecycle`: plainjob's lifecycle rate; `pjProcs`: by d1/d4/w1/w2/w4. */
export function issueTable(
  f: IssueFigures,
  pjLifecycle: number | null,
  pj: PlainjobOps | null,
  pjProcs: Readonly<Record<string, number>>,
  ourOps: PlainjobOps | null = null,
): string {
  const l = f.latency;
  const ours = {
    // Enqueue rates beside plainjob's: measured as plainjob's are, alternating with them, when the run has them.
    one: ourOps?.oneRate ?? l.rates.enqueue,
    p95: l.p95.enqueue,
    many: ourOps?.manyRate ?? l.rates.enqueueMany,
    c1: f.lifecycle["c1"]!,
    d1: f.processes["d1"]?.rate,
    d2: f.processes["d2"]?.rate,
    d4: f.processes["d4"]?.rate,
    // Ratios to plainjob use our runs made alternately with plainjob's, when the run has them.
    c1pj: f.lifecycle["c1pj"] ?? f.lifecycle["c1"]!,
    d1pj: f.processes["d1pj"]?.rate ?? f.processes["d1"]?.rate,
    d4pj: f.processes["d4pj"]?.rate ?? f.processes["d4"]?.rate,
    // After a warm-up of their own in each process (steady state), alternating with plainjob's.
    w1: f.processes["w1"]?.rate,
    w2: f.processes["w2"]?.rate,
    w4: f.processes["w4"]?.rate,
    c8b: f.lifecycle["c8b"]!,
  };
  // The raw round (complete + claim, one transaction) in 1, 2 and 4 processes: how far the file
  // itself lets more processes go, with no queue code (processes.bench.ts, rawProcessesOnce).
  const r1 = f.processes["r1"]?.rate;
  const raw = (p: number): string => {
    const r = f.processes[`r${p}`]?.rate;
    if (r === undefined) return "–";
    return p === 1 ? `${n(r)} (1 txn/task)` : `${n(r)} (${times(r, r1)} of 1)`;
  };
  const rows: string[][] = [
    ["enqueue one at a time, tasks/s", n(l.rates.rawInsert), n(pj?.oneRate), n(ours.one), times(ours.one, pj?.oneRate)],
    ["enqueue p95, µs (ours beside the raw INSERT)", n(l.p95.rawInsert, 1), "–", n(ours.p95, 1), ""],
    ["enqueue p95, µs (fresh process, beside plainjob)", "–", n(pj?.oneP95Us, 1), n(ourOps?.oneP95Us, 1), ""],
    ["enqueue 100 per call, tasks/s", n(l.rates.rawInsertMany), n(pj?.manyRate), n(ours.many), times(ours.many, pj?.manyRate)],
    ["lifecycle, default worker (concurrency 1), tasks/s", `${n(f.ceiling.unbatched)} (3 txn/task)`, n(pjLifecycle), n(ours.c1pj), times(ours.c1pj, pjLifecycle)],
    ["drain, 1 worker process, defaults, tasks/s", raw(1), n(pjProcs["d1"]), n(ours.d1pj), times(ours.d1pj, pjProcs["d1"])],
    ["drain, 2 worker processes, defaults, tasks/s", raw(2), "–", n(ours.d2), ""],
    ["drain, 4 worker processes, defaults, tasks/s", raw(4), n(pjProcs["d4"]), n(ours.d4pj), times(ours.d4pj, pjProcs["d4"])],
    ["drain, 1 worker process, defaults, warm, tasks/s", "–", n(pjProcs["w1"]), n(ours.w1), times(ours.w1, pjProcs["w1"])],
    ["drain, 2 worker processes, defaults, warm, tasks/s", "–", n(pjProcs["w2"]), n(ours.w2), times(ours.w2, pjProcs["w2"])],
    ["drain, 4 worker processes, defaults, warm, tasks/s", "–", n(pjProcs["w4"]), n(ours.w4), times(ours.w4, pjProcs["w4"])],
    ["claim p50 / p95, µs", `${n(l.p50.rawClaim, 1)} / ${n(l.p95.rawClaim, 1)}`, "–", `${n(l.p50.claim, 1)} / ${n(l.p95.claim, 1)}`, ""],
    ["lifecycle, concurrency 8, batchSize 100, tasks/s", `${n(f.ceiling.batched)} (100 per txn)`, "–", n(ours.c8b), `${times(ours.c8b, f.ceiling.batched)} of raw`],
  ];
  const goals: [string, string, boolean | null][] = [
    ["default worker ≥ 1.5× plainjob lifecycle", times(ours.c1pj, pjLifecycle), pjLifecycle === null ? null : ours.c1pj >= 1.5 * pjLifecycle],
    ["2 processes (defaults) ≥ 1 process", times(ours.d2, ours.d1), ours.d2 === undefined || ours.d1 === undefined ? null : ours.d2 >= ours.d1],
    ["4 processes (defaults) ≥ 1 process", times(ours.d4, ours.d1), ours.d4 === undefined || ours.d1 === undefined ? null : ours.d4 >= ours.d1],
    ["4 processes (defaults) ≥ 1.5× plainjob's 4 processes", times(ours.d4pj, pjProcs["d4"]), ours.d4pj === undefined || pjProcs["d4"] === undefined ? null : ours.d4pj >= 1.5 * pjProcs["d4"]],
    ["warm: 2 processes ≥ 1 process", times(ours.w2, ours.w1), ours.w2 === undefined || ours.w1 === undefined ? null : ours.w2 >= ours.w1],
    ["warm: 4 processes ≥ 1 process", times(ours.w4, ours.w1), ours.w4 === undefined || ours.w1 === undefined ? null : ours.w4 >= ours.w1],
    ["warm: 4 processes ≥ 1.5× plainjob's 4 processes", times(ours.w4, pjProcs["w4"]), ours.w4 === undefined || pjProcs["w4"] === undefined ? null : ours.w4 >= 1.5 * pjProcs["w4"]],
    ["enqueue one at a time ≥ 1.2× plainjob", times(ours.one, pj?.oneRate), pj === null ? null : ours.one >= 1.2 * pj.oneRate],
    ["enqueue p95 ≤ 1.5× raw INSERT p95", times(ours.p95, l.p95.rawInsert), ours.p95 <= 1.5 * l.p95.rawInsert],
    ["claim p95 ≤ 2× raw claim p95", times(l.p95.claim, l.p95.rawClaim), l.p95.claim <= 2 * l.p95.rawClaim],
    ["concurrency 8, batchSize 100 ≥ 50% of raw 100-per-transaction", times(ours.c8b, f.ceiling.batched), ours.c8b >= 0.5 * f.ceiling.batched],
  ];
  const out = ["| work | raw SQL | plainjob | @prismq/queue | ratio to plainjob |", "|---|---|---|---|---|"];
  for (const r of rows) out.push(`| ${r.join(" | ")} |`);
  out.push("", "| goal (issue 12) | measured | met |", "|---|---|---|");
  for (const [g, m, met] of goals) out.push(`| ${g} | ${m || "–"} | ${met === null ? "not measured" : met ? "yes" : "**no**"} |`);
  return out.join("\n");
}
