/**
 * The full lifecycle in one process: enqueue N tasks (`enqueueMany`, 100 a call), then drain
 * them with a no-op handler; throughput is N over the whole time. Every run checks that each
 * task ran exactly once and ended `completed`.
 */
import { QueueClient, QueueDatabase, QueueWorker } from "../src/index.ts";
import type { BenchDriver } from "./drivers.ts";
import { scratchDir } from "./drivers.ts";

/** Enqueues `n` tasks `{ i }` on `client`, 100 per transaction. */
export async function enqueueN(client: QueueClient, n: number): Promise<void> {
  for (let i = 0; i < n; i += 100) {
    await client.enqueueMany(Array.from({ length: Math.min(100, n - i) }, (_, j) => ({ type: "t", payload: { i: i + j } })));
  }
}

/** Executions per task index, and what is wrong with them. */
export function checkExactlyOnce(counts: ArrayLike<number>): { duplicates: number; missing: number } {
  let duplicates = 0;
  let missing = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) missing++;
    else if (counts[i]! > 1) duplicates += counts[i]! - 1;
  }
  return { duplicates, missing };
}

export interface LifecycleRun {
  readonly enqueueMs: number;
  readonly drainMs: number;
  /** Tasks per second over enqueue + drain. */
  readonly rate: number;
}

/**
 * One lifecycle run of `n` tasks with a worker of `concurrency` (and `batchSize`, which above
 * concurrency turns on prefetch). Throws if any task ran twice or never.
 */
export async function lifecycleOnce(d: BenchDriver, n: number, concurrency: number, batchSize?: number): Promise<LifecycleRun> {
  const scratch = scratchDir();
  try {
    const db = await QueueDatabase.open(await d.openDriver(scratch.file("life.db")));
    const client = new QueueClient(db);
    const counts = new Uint32Array(n);
    let ran = 0;
    let allRan!: () => void;
    const done = new Promise<void>((resolve) => (allRan = resolve));
    const worker = new QueueWorker(db, {
      concurrency,
      ...(batchSize !== undefined ? { batchSize } : {}),
      pollIntervalMs: 5,
      handlers: {
        t: (p: { i: number }) => {
          counts[p.i]!++;
          if (++ran === n) allRan();
        },
      },
    });
    const t0 = performance.now();
    await enqueueN(client, n);
    const t1 = performance.now();
    worker.start();
    await done;
    await worker.stop(); // writes the outcomes still waiting
    const t2 = performance.now();
    const { duplicates, missing } = checkExactlyOnce(counts);
    const completed = (await client.stats()).completed;
    await db.close();
    if (duplicates > 0 || missing > 0 || completed !== n) {
      throw new Error(`lifecycle on ${d.name}: ${duplicates} duplicate and ${missing} missing executions, ${completed}/${n} completed`);
    }
    return { enqueueMs: t1 - t0, drainMs: t2 - t1, rate: n / ((t2 - t0) / 1000) };
  } finally {
    scratch.dispose();
  }
}
