/**
 * Peer runner for side-by-side benchmarks: the same enqueue-then-drain workload as our own
 * benchmarks, run on plainjob 0.0.14, so our figures can be set next to another SQLite queue
 * measured on the same machine, file system and better-sqlite3 build.
 *
 * The bench harness spawns it as a child process (its own process, so the peer's timers and
 * connection cannot disturb anything else), on the project's Node 22:
 *
 *   PATH=/work/main/node_modules/.bin:$PATH node --disable-warning=ExperimentalWarning \
 *     bench/peers/plainjob.ts --db /abs/new.db --jobs 20000 [--batch] [--timeout-ms 600000] [--poll-ms 1]
 *
 * The contract with the harness (flags, one JSON line, exit codes) is bench/peers/protocol.mjs.
 */
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { better, defineQueue, defineWorker, JobStatus, type Job, type Logger } from "plainjob";
import { message, round, startRunner } from "./protocol.mjs";

const PEER = "plainjob";
const JOB_TYPE = "bench";
const require = createRequire(import.meta.url);

const run = startRunner(PEER, "plainjob.ts");
const { result, args, deadline } = run;
const N = args.jobs;
result["peerVersion"] = (require("plainjob/package.json") as { version: string }).version;
result["driverVersion"] = (require("better-sqlite3/package.json") as { version: string }).version;
// plainjob has no concurrency setting: a worker runs one job at a time.
result["concurrency"] = 1;

// plainjob logs every job at debug level through this logger (console by default), which would
// dominate the timing; errors and warnings are rare and worth seeing.
const logger: Logger = {
  error: (text, ...meta) => {
    run.peerError();
    process.stderr.write(`${PEER} error: ${text} ${meta.length ? JSON.stringify(meta) : ""}\n`);
  },
  warn: (text) => process.stderr.write(`${PEER} warn: ${text}\n`),
  info: () => {},
  debug: () => {},
};

mkdirSync(dirname(args.db), { recursive: true });
const sqlite = new Database(args.db);
const queue = defineQueue({ connection: better(sqlite), logger });
result["sqliteVersion"] = (sqlite.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
// Read back what the peer chose (it sets WAL, synchronous=1 and busy_timeout itself).
result["pragmas"] = {
  journal_mode: sqlite.pragma("journal_mode", { simple: true }),
  synchronous: sqlite.pragma("synchronous", { simple: true }),
  busy_timeout: sqlite.pragma("busy_timeout", { simple: true }),
};

const enqueueStart = performance.now();
if (args.batch) {
  result["enqueueApi"] = "addMany";
  const payloads: { i: number }[] = [];
  for (let i = 0; i < N; i++) payloads.push({ i });
  queue.addMany(JOB_TYPE, payloads);
} else {
  result["enqueueApi"] = "add";
  for (let i = 0; i < N; i++) {
    queue.add(JOB_TYPE, { i });
    if ((i & 1023) === 0 && performance.now() > deadline) run.timeout("enqueue");
  }
}
result["enqueueMs"] = round(performance.now() - enqueueStart);

let drainStart = 0;
let completed = 0;
const processor = (job: Job): void => {
  // The worker loop only awaits microtasks while jobs are pending, so a timer cannot fire during
  // the drain: the deadline is checked here.
  if (performance.now() > deadline) run.timeout("drain");
  run.record((JSON.parse(job.data) as { i?: unknown }).i);
};
// onCompleted runs right after plainjob marks the job done in its table; the count of done rows
// then confirms it from the peer's own state before the clock stops.
const onCompleted = (): void => {
  if (++completed < N) return;
  if (queue.countJobs({ type: JOB_TYPE, status: JobStatus.Done }) < N) return;
  result["drainMs"] = round(performance.now() - drainStart);
  queue.close();
  run.done();
};
const worker = defineWorker(JOB_TYPE, processor, { queue, logger, pollIntervall: args.pollMs, onCompleted });

// Covers a stall while the worker sleeps between polls (e.g. jobs stuck in "processing").
setTimeout(() => run.timeout("drain"), Math.max(0, deadline - performance.now()));

drainStart = performance.now();
worker.start().catch((e: unknown) => run.fail(`worker failed: ${message(e)}`));
