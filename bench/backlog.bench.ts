/**
 * Claim latency by backlog size for every strategy: `claimTasks(1)` on a file holding 1k, 10k or
 * 100k queued tasks (priorities 1–10), the backlog kept level by an untimed completion and
 * enqueue after each sample. Shows which claims stay flat as the backlog grows (the ordered
 * ones walk an index and stop at the first row) and which grow with it.
 *
 * {@link measureOtherTypes}: the same claim by a worker of one type while queued tasks of another
 * type come first in every order (older, and of a more urgent priority). A claim that walked a
 * type-blind index would grow with them (measured before migration 10: PRIORITY ~0.1 → ~5 ms at
 * 20k); one that walks its own type's rows stays flat.
 */
import { CLAIM_STRATEGIES, QueueClient, QueueDatabase, QueueWorker, type ClaimStrategy } from "../src/index.ts";
import type { BenchDriver } from "./drivers.ts";
import { scratchDir } from "./drivers.ts";
import { quantile } from "./stats.ts";

/** p50/p95 of one claim in µs, by strategy and backlog size. */
export type BacklogLatency = Record<ClaimStrategy, Record<number, { p50: number; p95: number }>>;

/**
 * For each size: a fresh file, `fill` run on it, then `samples` claims of one `t` task per
 * strategy, each completed and replaced (`priority(k)`) untimed so the backlog stays level.
 */
async function sampleClaims(
  d: BenchDriver,
  sizes: readonly number[],
  samples: number,
  fill: (client: QueueClient, size: number) => Promise<void>,
  priority: (k: number) => number,
): Promise<BacklogLatency> {
  const out = Object.fromEntries(CLAIM_STRATEGIES.map((s) => [s, {}])) as BacklogLatency;
  for (const size of sizes) {
    const scratch = scratchDir();
    try {
      const db = await QueueDatabase.open(await d.openDriver(scratch.file("backlog.db")));
      const client = new QueueClient(db);
      await fill(client, size);
      for (const strategy of CLAIM_STRATEGIES) {
        const w = new QueueWorker(db, { workerId: `b-${strategy}`, strategy, heartbeatIntervalMs: 0, handlers: { t: () => {} } });
        await w.claimTasks(1).then((ts) => Promise.all(ts.map((t) => w.completeTask(t)))); // warm-up (FIFO/LIFO make their index)
        const lat: number[] = [];
        for (let k = 0; k < samples; k++) {
          const t0 = performance.now();
          const [t] = await w.claimTasks(1);
          lat.push((performance.now() - t0) * 1000);
          if (t?.type !== "t") throw new Error(`size ${size}, ${strategy}: claimed ${t?.type ?? "nothing"}`);
          await w.completeTask(t);
          await client.enqueue("t", { k }, { priority: priority(k) });
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

/** Enqueues `n` tasks made by `task`, 500 per call. */
async function enqueueN(client: QueueClient, n: number, task: (i: number) => { type: string; payload: unknown; options: { priority: number } }): Promise<void> {
  for (let i = 0; i < n; i += 500) await client.enqueueMany(Array.from({ length: Math.min(500, n - i) }, (_, j) => task(i + j)));
}

/** Measures `samples` claims per strategy at each size of `backlogs`. */
export function measureBacklog(d: BenchDriver, backlogs: readonly number[], samples: number): Promise<BacklogLatency> {
  const priority = (i: number): number => 1 + (i % 10);
  return sampleClaims(d, backlogs, samples, (client, size) => enqueueN(client, size, (i) => ({ type: "t", payload: { i }, options: { priority: priority(i) } })), priority);
}

/**
 * Measures `samples` claims per strategy by a worker of type `t` (300 of its tasks queued, at
 * priorities 6–10) behind each count of `aheads` queued tasks of type `other` (priorities 1–5,
 * enqueued first).
 */
export function measureOtherTypes(d: BenchDriver, aheads: readonly number[], samples: number): Promise<BacklogLatency> {
  const priority = (i: number): number => 6 + (i % 5);
  return sampleClaims(
    d,
    aheads,
    samples,
    async (client, ahead) => {
      await enqueueN(client, ahead, (i) => ({ type: "other", payload: { i }, options: { priority: 1 + (i % 5) } }));
      await enqueueN(client, 300, (i) => ({ type: "t", payload: { i }, options: { priority: priority(i) } }));
    },
    priority,
  );
}

/** The Markdown table of {@link measureBacklog}'s (or, with `what`, {@link measureOtherTypes}'s) figures. */
export function backlogTable(r: BacklogLatency, backlogs: readonly number[], what = "queued"): string {
  const f = (x: number): string => x.toLocaleString("en-US", { maximumFractionDigits: 0 });
  const lines = [`| claim p50 / p95, µs | ${backlogs.map((b) => `${f(b)} ${what}`).join(" | ")} |`, `|---|${backlogs.map(() => "---").join("|")}|`];
  for (const s of CLAIM_STRATEGIES) lines.push(`| ${s} | ${backlogs.map((b) => `${f(r[s][b]!.p50)} / ${f(r[s][b]!.p95)}`).join(" | ")} |`);
  return lines.join("\n");
}
