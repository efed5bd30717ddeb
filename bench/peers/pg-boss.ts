/**
 * pg-boss 12 in the PostgreSQL bench. Settings, and why:
 * - `batchSize: 100` with `burstWhenBatchFull: true`: pg-boss waits its polling interval (at
 *   least 0.5 s) after every fetch unless a fetch came back full, so one job per fetch drains at
 *   about 2 jobs/s per worker; the batch mode is how pg-boss is meant to run at throughput, and 100
 *   matches our `batchSize` (prefetch) of 100.
 * - `localConcurrency: 1`: the handler gets the whole batch (it runs the no-op for each job) and
 *   pg-boss completes the batch in one statement; more local workers would each lock another 100.
 * - `pollingIntervalSeconds: 0.5` (its minimum) and `useListenNotify` with `notify: true` on the
 *   queue: the quickest wake-up pg-boss offers.
 * - `supervise: false`, `schedule: false`: maintenance and cron are not part of the lifecycle.
 * - `max: POOL_SIZE` connections, as every system here.
 */
import { createRequire } from "node:module";
import { PgBoss } from "pg-boss";
import { benchPool, PREFETCH, POOL_SIZE, type PgSystem } from "./pg-system.ts";

const require = createRequire(import.meta.url);
const VERSION = (require("pg-boss/package.json") as { version: string }).version;
const QUEUE = "bench";

function boss(url: string, extra: Record<string, unknown> = {}): PgBoss {
  const b = new PgBoss({
    connectionString: url,
    max: POOL_SIZE,
    supervise: false,
    schedule: false,
    useListenNotify: true,
    registerInstance: false,
    monitorVacuum: false,
    ...extra,
  });
  b.on("error", (e: Error) => process.stderr.write(`pg-boss error: ${e.message}\n`));
  return b;
}

/** pg-boss 12 (see the settings above). */
export const pgBoss: PgSystem = {
  key: "pg-boss",
  label: `pg-boss ${VERSION}`,
  settings: `work: batchSize ${PREFETCH}, burstWhenBatchFull, localConcurrency 1, pollingIntervalSeconds 0.5, LISTEN/NOTIFY on; pool ${POOL_SIZE}`,

  async producer(url) {
    const b = boss(url);
    await b.start();
    if ((await b.getQueue(QUEUE)) === null) await b.createQueue(QUEUE, { notify: true });
    const pool = benchPool(url, 1);
    return {
      enqueue: async (i) => void (await b.send(QUEUE, { i })),
      enqueueBulk: async (from, count) => void (await b.insert(QUEUE, Array.from({ length: count }, (_, j) => ({ data: { i: from + j } })))),
      finished: async () => Number((await pool.query("SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'", [QUEUE])).rows[0].n),
      close: async () => {
        await pool.end();
        await b.stop({ graceful: false });
      },
    };
  },

  async consumer(url, onJob) {
    const b = boss(url, { migrate: false });
    await b.start();
    let workId: string | undefined;
    return {
      start: async () => {
        workId = await b.work<{ i: number }>(
          QUEUE,
          { batchSize: PREFETCH, burstWhenBatchFull: true, localConcurrency: 1, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 },
          async (jobs) => {
            for (const j of jobs) onJob(j.data.i);
          },
        );
      },
      stop: async () => {
        if (workId !== undefined) await b.offWork(QUEUE, { wait: true });
        await b.stop({ graceful: true });
      },
    };
  },

  async claimSamples(url, n) {
    const b = boss(url);
    await b.start();
    try {
      if ((await b.getQueue(QUEUE)) === null) await b.createQueue(QUEUE, { notify: true });
      for (let i = 0; i < n + 50; i += 500) await b.insert(QUEUE, Array.from({ length: 500 }, (_, j) => ({ data: { i: i + j } })));
      const samples: number[] = [];
      for (let k = 0; k < n + 50; k++) {
        const t = performance.now();
        const jobs = await b.fetch<{ i: number }>(QUEUE);
        const ms = performance.now() - t;
        if (jobs.length !== 1) throw new Error("pg-boss claim: backlog ran out");
        await b.complete(QUEUE, jobs[0]!.id);
        if (k >= 50) samples.push(ms); // the first 50 warm up
      }
      return { samples, how: "boss.fetch(queue) (one job) on a standing backlog; complete() untimed" };
    } finally {
      await b.stop({ graceful: false });
    }
  },
};
