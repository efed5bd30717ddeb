/**
 * Ours, @prismq/queue on PostgreSQL, in the PostgreSQL bench, opened the way users open it:
 * `openQueueDatabase({ path: "postgres://…", poolSize })`. Settings, and why:
 * - `concurrency: CONCURRENCY` (8) and `batchSize: PREFETCH` (100): the same jobs in flight and
 *   the same prefetch per round trip as the peers (and as the SQLite processes bench).
 * - `pollIntervalMs` at its default (1000 ms): idle workers are woken by LISTEN/NOTIFY where the
 *   PostgreSQL driver offers it, polling is the fallback, as for the peers.
 * - `poolSize: POOL_SIZE`, as every system here.
 */
import { QueueClient, QueueWorker, type QueueDatabase } from "../../src/index.ts";
import { openQueueDatabase } from "../../runtime/node/open.ts";
import { CONCURRENCY, PREFETCH, POOL_SIZE, type PgSystem } from "./pg-system.ts";

const open = (url: string): Promise<QueueDatabase> => openQueueDatabase({ path: url, poolSize: POOL_SIZE });

/** @prismq/queue on PostgreSQL (see the settings above). */
export const prismq: PgSystem = {
  key: "prismq",
  label: "@prismq/queue (PostgreSQL)",
  settings: `concurrency ${CONCURRENCY}, batchSize ${PREFETCH}, pollIntervalMs default (1000), wake-ups by LISTEN/NOTIFY when the driver has them; pool ${POOL_SIZE}`,

  async producer(url) {
    const db = await open(url);
    const client = new QueueClient(db);
    return {
      enqueue: async (i) => void (await client.enqueue("t", { i })),
      enqueueBulk: async (from, count) => void (await client.enqueueMany(Array.from({ length: count }, (_, j) => ({ type: "t", payload: { i: from + j } })))),
      finished: async () => (await client.stats()).completed,
      close: () => db.close(),
    };
  },

  async consumer(url, onJob) {
    const db = await open(url);
    const worker = new QueueWorker(db, {
      concurrency: CONCURRENCY,
      batchSize: PREFETCH,
      handlers: { t: (p: { i: number }) => onJob(p.i) },
    });
    return {
      start: async () => worker.start(),
      stop: async () => {
        await worker.stop();
        await db.close();
      },
    };
  },

  async claimSamples(url, n) {
    const db = await open(url);
    try {
      const client = new QueueClient(db);
      const worker = new QueueWorker(db, { workerId: "bench-claim", handlers: { t: () => {} } });
      const total = n + 50;
      for (let i = 0; i < total; i += 500) {
        await client.enqueueMany(Array.from({ length: Math.min(500, total - i) }, (_, j) => ({ type: "t", payload: { i: i + j } })));
      }
      const samples: number[] = [];
      for (let k = 0; k < total; k++) {
        const t = performance.now();
        const [task] = await worker.claimTasks(1);
        const ms = performance.now() - t;
        if (task === undefined) throw new Error("prismq claim: backlog ran out");
        await worker.completeTask(task);
        if (k >= 50) samples.push(ms); // the first 50 warm up
      }
      return { samples, how: "worker.claimTasks(1) on a standing backlog; completeTask untimed" };
    } finally {
      await db.close();
    }
  },
};
