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
 * Contract shared with bench/peers/liteque/run.mjs: exactly one JSON line on stdout (diagnostics go
 * to stderr); exit 0 only when every job ran exactly once and the peer recorded it as done.
 */
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute } from "node:path";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { better, defineQueue, defineWorker, JobStatus, type Job, type Logger } from "plainjob";

const PEER = "plainjob";
const JOB_TYPE = "bench";
const require = createRequire(import.meta.url);

type Args = { db: string; jobs: number; batch: boolean; timeoutMs: number; pollMs: number };

const result: Record<string, unknown> = {
  peer: PEER,
  peerVersion: null,
  driver: "better-sqlite3",
  driverVersion: null,
  sqliteVersion: null,
  runtime: `node ${process.version}`,
  pragmas: null,
};
let printed = false;

// The harness reads the single stdout line, so every way out (success, timeout, crash) goes
// through here and prints it exactly once.
function finish(code: number, error?: string): never {
  if (!printed) {
    printed = true;
    if (error !== undefined) result["error"] = error;
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
  process.exit(code);
}

function usage(message: string): never {
  process.stderr.write(
    `${PEER}: ${message}\nusage: plainjob.ts --db <absolute path, must not exist> --jobs <N> [--batch] [--timeout-ms MS] [--poll-ms MS]\n`,
  );
  finish(2, `usage: ${message}`);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { db: "", jobs: 0, batch: false, timeoutMs: 600_000, pollMs: 1 };
  for (let k = 0; k < argv.length; k++) {
    const flag = argv[k];
    const value = (): string => {
      const v = argv[++k];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    const int = (min: number): number => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < min) usage(`${flag} must be an integer >= ${min}`);
      return v;
    };
    if (flag === "--db") args.db = value();
    else if (flag === "--jobs") args.jobs = int(1);
    else if (flag === "--batch") args.batch = true;
    else if (flag === "--timeout-ms") args.timeoutMs = int(1);
    else if (flag === "--poll-ms") args.pollMs = int(0);
    else usage(`unknown argument ${flag}`);
  }
  if (!args.db) usage("--db is required");
  if (!isAbsolute(args.db)) usage("--db must be an absolute path");
  // A leftover file (or its WAL) would mix old jobs into the count and skew the timing.
  for (const f of [args.db, `${args.db}-wal`, `${args.db}-shm`]) if (existsSync(f)) usage(`${f} already exists`);
  if (!args.jobs) usage("--jobs is required");
  return args;
}

process.on("uncaughtException", (e) => {
  process.stderr.write(`${PEER}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  finish(1, e instanceof Error ? e.message : String(e));
});
process.on("unhandledRejection", (e) => {
  process.stderr.write(`${PEER}: unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  finish(1, e instanceof Error ? e.message : String(e));
});

process.on("exit", () => {
  if (printed) return;
  tally();
  result["error"] = "exited before every job was done";
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exitCode = 1;
});

const args = parseArgs(process.argv.slice(2));
const N = args.jobs;
const deadline = performance.now() + args.timeoutMs;
result["peerVersion"] = (require("plainjob/package.json") as { version: string }).version;
result["driverVersion"] = (require("better-sqlite3/package.json") as { version: string }).version;
result["jobs"] = N;
result["batch"] = args.batch;
// plainjob has no concurrency setting: a worker runs one job at a time.
result["concurrency"] = 1;
result["pollMs"] = args.pollMs;

const executions = new Uint32Array(N);
let executed = 0;
let unexpected = 0;
let peerErrors = 0;

function tally(): void {
  let duplicates = 0;
  let missing = 0;
  for (const n of executions) {
    if (n === 0) missing++;
    else duplicates += n - 1;
  }
  result["executed"] = executed;
  result["duplicates"] = duplicates;
  result["missing"] = missing;
  if (unexpected) result["unexpectedPayloads"] = unexpected;
  if (peerErrors) result["peerErrors"] = peerErrors;
}

function timeout(phase: string): never {
  process.stderr.write(`${PEER}: timeout after ${args.timeoutMs} ms during ${phase}\n`);
  tally();
  finish(1, "timeout");
}

// plainjob logs every job at debug level through this logger (console by default), which would
// dominate the timing; errors and warnings are rare and worth seeing.
const logger: Logger = {
  error: (message, ...meta) => {
    peerErrors++;
    process.stderr.write(`${PEER} error: ${message} ${meta.length ? JSON.stringify(meta) : ""}\n`);
  },
  warn: (message) => process.stderr.write(`${PEER} warn: ${message}\n`),
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
    if ((i & 1023) === 0 && performance.now() > deadline) timeout("enqueue");
  }
}
result["enqueueMs"] = round(performance.now() - enqueueStart);

let drainStart = 0;
let completed = 0;
const processor = (job: Job): void => {
  // The worker loop only awaits microtasks while jobs are pending, so a timer cannot fire during
  // the drain: the deadline is checked here.
  if (performance.now() > deadline) timeout("drain");
  const i = (JSON.parse(job.data) as { i?: unknown }).i;
  executed++;
  if (typeof i === "number" && Number.isInteger(i) && i >= 0 && i < N) executions[i]!++;
  else unexpected++;
};
// onCompleted runs right after plainjob marks the job done in its table; the count of done rows
// then confirms it from the peer's own state before the clock stops.
const onCompleted = (): void => {
  if (++completed < N) return;
  if (queue.countJobs({ type: JOB_TYPE, status: JobStatus.Done }) < N) return;
  result["drainMs"] = round(performance.now() - drainStart);
  done();
};
const worker = defineWorker(JOB_TYPE, processor, { queue, logger, pollIntervall: args.pollMs, onCompleted });

// Covers a stall while the worker sleeps between polls (e.g. jobs stuck in "processing").
setTimeout(() => timeout("drain"), Math.max(0, deadline - performance.now()));

drainStart = performance.now();
worker.start().catch((e: unknown) => {
  tally();
  finish(1, `worker failed: ${e instanceof Error ? e.message : String(e)}`);
});

function done(): void {
  tally();
  queue.close();
  const ok = executed === N && result["duplicates"] === 0 && result["missing"] === 0 && !unexpected;
  finish(ok ? 0 : 1);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
