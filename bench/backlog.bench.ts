/**
 * Claim latency by backlog size for every strategy: `claimTasks(1)` on a file holding 1k, 10k or
 * 100k queued tasks (priorities 1–10), the backlog kept level by an untimed completion and
 * enqueue after each sample. Shows which claims stay flat as the backlog grows (the ordered
 * ones walk an index and stop at the first row) and which grow with it (WEIGHTED_RANDOM sums the
 * weights of every eligible row per draw).
 */
import { CLAIM_STRATEGIES, QueueClient, QueueDatabase, QueueWorker, type ClaimStrategy } from "../src/index.ts";
import type { BenchDriver } from "./drivers.ts";
import { scratchDir } from "./drivers.ts";
import { quantile } from "./stats.ts";

/** p50/p95 of one claim in µs, by strategy and backlog size. */
export type BacklogLatency = Record<ClaimStrategy, Record<number, { p50: number; p95: number }>>;

/** Measures `samples` claims per strategy at each size of `backlogs`. */
export async function measureBacklog(d: BenchDriver, backlogs: readonly number[], samples: number): Promise<BacklogLatency> {
  const out = Object.fromEntries(CLAIM_STRATEGIES.map((s) => [s, {}])) as BacklogLatency;
  for (const size of backlogs) {
    const scratch = scratchDir();
    try {
      const db = await QueueDatabase.open(await d.openDriver(scratch.file("backlog.db")));
      const client = new QueueClient(db);
      const task = (i: number) => ({ type: "t", payload: { i }, priority: 1 + (i % 10) });
      for (let i = 0; i < size; i += 500) await client.enqueueMany(Array.from({ length: Math.min(500, size - i) }, (_, j) => task(i + j)));
      for (const strategy of CLAIM_STRATEGIES) {
        const w = new QueueWorker(db, { workerId: `b-${strategy}`, strategy, heartbeatIntervalMs: 0, handlers: { t: () => {} } });
        await w.claimTasks(1).then((ts) => Promise.all(ts.map((t) => w.completeTask(t)))); // warm-up (FIFO/LIFO make their index)
        const lat: number[] = [];
        for (let k = 0; k < samples; k++) {
          const t0 = performance.now();
          const [t] = await w.claimTasks(1);
          lat.push((performance.now() - t0) * 1000);
          if (t === undefined) throw new Error(`backlog ${size}, ${strategy}: nothing claimed`);
          await w.completeTask(t);
          await client.enqueue("t", { i: k }, { priority: 1 + (k % 10) });
        }
        lat.sort((a, b) => a - b);
        out[strategy][size] = { p50: quantile(lat, 0.5), p95: quantile(lat, 0.95) };
      }
      await db.close();
    } finally {
      scratch.dispose();
    }
  }
  return out;
}

/** The Markdown table of {@link measureBacklog}'s figures. */
export function backlogTable(r: BacklogLatency, backlogs: readonly number[]): string {
  const f = (x: number): string => x.toLocaleString("en-US", { maximumFractionDigits: 0 });
  const lines = [`| claim p50 / p95, µs | ${backlogs.map((b) => `${f(b)} queued`).join(" | ")} |`, `|---|${backlogs.map(() => "---").join("|")}|`];
  for (const s of CLAIM_STRATEGIES) lines.push(`| ${s} | ${backlogs.map((b) => `${f(r[s][b]!.p50)} / ${f(r[s][b]!.p95)}`).join(" | ")} |`);
  return lines.join("\n");
}
