/**
 * graphile-worker 0.18 in the PostgreSQL bench. Settings, and why:
 * - `concurrency: CONCURRENCY` (8) jobs at once per process, as ours and pg-boss.
 * - `localQueue: { size: PREFETCH }` (100): the pool locks and fetches 100 jobs per round trip and
 *   hands them to its workers, graphile-worker's documented batching for high throughput; it
 *   matches our prefetch (`batchSize` 100).
 * - `completeJobBatchDelay: 0`: completions made in the same tick go in one statement, the
 *   documented batching of completions (0 = no added wait).
 * - `pollInterval` left at its default (2 s): new jobs wake the workers through LISTEN/NOTIFY,
 *   which graphile-worker always uses; polling is only its fallback.
 * - A pool of `POOL_SIZE` connections (node-postgres's default, as every system here), created
 *   and connected before the clock starts; the schema is migrated by the producer, untimed.
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import { Logger, makeWorkerUtils, run, type Runner, type WorkerUtils } from "graphile-worker";
import { benchPool, CONCURRENCY, PREFETCH, POOL_SIZE, type PgSystem } from "./pg-system.ts";

// Its package.json is not among its exports: read the installed file.
const VERSION = (JSON.parse(readFileSync(new URL("../../node_modules/graphile-worker/package.json", import.meta.url), "utf8")) as { version: string }).version;
const TASK = "t";
/** graphile-worker logs every job at info level; errors still go to stderr. */
const logger = new Logger(() => (level, message) => {
  if (level === "error") process.stderr.write(`graphile-worker: ${message}\n`);
});

/** A pool with its connections opened, so the timed part does not pay for connecting. */
async function warmPool(url: string, max: number): Promise<pg.Pool> {
  const pool = benchPool(url, max);
  const clients = await Promise.all(Array.from({ length: max }, () => pool.connect()));
  for (const c of clients) c.release();
  return pool;
}

/** graphile-worker 0.18 (see the settings above). */
export const graphile: PgSystem = {
  key: "graphile-worker",
  label: `graphile-worker ${VERSION}`,
  settings: `concurrency ${CONCURRENCY}, localQueue.size ${PREFETCH}, completeJobBatchDelay 0, pollInterval 2000 (LISTEN/NOTIFY wakes); pool ${POOL_SIZE}`,

  async producer(url) {
    const utils: WorkerUtils = await makeWorkerUtils({ connectionString: url, logger });
    await utils.migrate();
    const pool = benchPool(url, 1);
    return {
      enqueue: async (i) => void (await utils.addJob(TASK, { i })),
      enqueueBulk: async (from, count) => void (await utils.addJobs(Array.from({ length: count }, (_, j) => ({ identifier: TASK, payload: { i: from + j } })))),
      // graphile-worker deletes a job when it completes: finished = total minus rows left.
      finished: async (total) => total - Number((await pool.query("SELECT count(*) AS n FROM graphile_worker._private_jobs")).rows[0].n),
      close: async () => {
        await pool.end();
        await utils.release();
      },
    };
  },

  async consumer(url, onJob) {
    const pgPool = await warmPool(url, POOL_SIZE);
    let runner: Runner | undefined;
    return {
      start: async () => {
        runner = await run({
          pgPool,
          concurrency: CONCURRENCY,
          noHandleSignals: true,
          logger,
          taskList: { [TASK]: async (payload) => onJob((payload as { i: number }).i) },
          preset: { worker: { localQueue: { size: PREFETCH }, completeJobBatchDelay: 0 } },
        });
      },
      stop: async () => {
        await runner?.stop();
        await pgPool.end();
      },
    };
  },

  async claimSamples(url, n) {
    // No public call claims one job: time the worker's own fetch, from its "worker:getJob:start"
    // event to "job:start" (the getJob query and nothing else), one worker, no local queue.
    const utils = await makeWorkerUtils({ connectionString: url, logger });
    await utils.migrate();
    const total = n + 50;
    for (let i = 0; i < total; i += 500) {
      await utils.addJobs(Array.from({ length: Math.min(500, total - i) }, (_, j) => ({ identifier: TASK, payload: { i: i + j } })));
    }
    const pgPool = await warmPool(url, POOL_SIZE);
    const samples: number[] = [];
    let started = 0;
    let seen = 0;
    let allDone!: () => void;
    const done = new Promise<void>((r) => (allDone = r));
    const runner = await run({
      pgPool,
      concurrency: 1,
      noHandleSignals: true,
      logger,
      taskList: { [TASK]: async () => void (++seen === total && allDone()) },
    });
    runner.events.on("worker:getJob:start", () => void (started = performance.now()));
    runner.events.on("job:start", () => {
      if (started > 0) samples.push(performance.now() - started);
      started = 0;
    });
    await done;
    await runner.stop();
    await pgPool.end();
    await utils.release();
    return { samples: samples.slice(50), how: "worker events worker:getJob:start → job:start (its getJob query), concurrency 1, no local queue, standing backlog" };
  },
};
