/**
 * Peer runner for side-by-side benchmarks: the same enqueue-then-drain workload as our own
 * benchmarks, run on liteque 0.8.0, so our figures can be set next to another SQLite queue
 * measured on the same machine.
 *
 * Why a nested package and plain JS: liteque 0.8.0 hands an async callback to a synchronous
 * better-sqlite3 transaction, which better-sqlite3 >= 11.10 rejects ("Transaction function cannot
 * return a promise"), stranding the half-claimed job. It therefore gets better-sqlite3 11.9.1 in
 * this folder's own node_modules, built from source for the machine's node (v20 here; there are no
 * Node 22 headers on the machine), and Node 20 does not strip TypeScript types.
 *
 * Install once with scripts/bench-peers-setup.sh (it prints the node to use), then, as the bench
 * harness does, in a child process:
 *
 *   /usr/bin/node bench/peers/liteque/run.mjs --db /abs/new.db --jobs 2000 [--batch] [--timeout-ms 600000] [--poll-ms 1]
 *
 * Contract shared with bench/peers/plainjob.ts: exactly one JSON line on stdout (diagnostics go
 * to stderr); exit 0 only when every job ran exactly once and the peer recorded it as done.
 */
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

const PEER = "liteque";
const QUEUE_NAME = "bench";
const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const result = {
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
function finish(code, error) {
  if (!printed) {
    printed = true;
    if (error !== undefined) result.error = error;
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
  process.exit(code);
}

function usage(message) {
  process.stderr.write(
    `${PEER}: ${message}\nusage: run.mjs --db <absolute path, must not exist> --jobs <N> [--batch] [--timeout-ms MS] [--poll-ms MS]\n`,
  );
  finish(2, `usage: ${message}`);
}

function parseArgs(argv) {
  const args = { db: "", jobs: 0, batch: false, timeoutMs: 600_000, pollMs: 1 };
  for (let k = 0; k < argv.length; k++) {
    const flag = argv[k];
    const value = () => {
      const v = argv[++k];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    const int = (min) => {
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

const message = (e) => (e instanceof Error ? e.message : String(e));
process.on("uncaughtException", (e) => {
  process.stderr.write(`${PEER}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  finish(1, message(e));
});
process.on("unhandledRejection", (e) => {
  process.stderr.write(`${PEER}: unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  finish(1, message(e));
});
process.on("exit", () => {
  if (printed) return;
  tally();
  result.error = "exited before every job was done";
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exitCode = 1;
});

const args = parseArgs(process.argv.slice(2));
const N = args.jobs;
const deadline = performance.now() + args.timeoutMs;

// Without this folder's install, Node would walk up to the repo's better-sqlite3 13.x, which
// segfaults on Node 20 and which liteque cannot use anyway.
const ownModules = join(HERE, "node_modules") + "/";
let driverPath;
try {
  driverPath = require.resolve("better-sqlite3");
  require.resolve("liteque");
} catch (e) {
  finish(1, `liteque or better-sqlite3 not installed in ${ownModules}: run scripts/bench-peers-setup.sh (${message(e)})`);
}
if (!driverPath.startsWith(ownModules)) {
  finish(1, `better-sqlite3 resolves to ${driverPath}, not ${ownModules}: run scripts/bench-peers-setup.sh`);
}
result.peerVersion = require("liteque/package.json").version;
result.driverVersion = require("better-sqlite3/package.json").version;
result.jobs = N;
result.batch = args.batch;
// liteque's own example value; with a no-op handler the runner's dequeue loop is the bottleneck.
result.concurrency = 1;
result.pollMs = args.pollMs;

const executions = new Uint32Array(N);
let executed = 0;
let unexpected = 0;
let peerErrors = 0;

function tally() {
  let duplicates = 0;
  let missing = 0;
  for (const n of executions) {
    if (n === 0) missing++;
    else duplicates += n - 1;
  }
  result.executed = executed;
  result.duplicates = duplicates;
  result.missing = missing;
  if (unexpected) result.unexpectedPayloads = unexpected;
  if (peerErrors) result.peerErrors = peerErrors;
}

function timeout(phase) {
  process.stderr.write(`${PEER}: timeout after ${args.timeoutMs} ms during ${phase}\n`);
  tally();
  finish(1, "timeout");
}

// Imported only after the checks above, so a missing or mismatched install reports JSON instead
// of a loader crash.
const { buildDBClient, Runner, SqliteQueue } = await import("liteque");

mkdirSync(dirname(args.db), { recursive: true });
// liteque opens the file itself (WAL, synchronous=NORMAL, its migrations create the tasks table).
const db = buildDBClient(args.db, { runMigrations: true });
// drizzle 0.33 keeps the better-sqlite3 handle on its session; the pragmas are per connection,
// so they must be read on liteque's own connection, not on a second one.
const sqlite = db.session?.client;
if (!sqlite || typeof sqlite.pragma !== "function") finish(1, "cannot reach liteque's better-sqlite3 connection");
result.sqliteVersion = sqlite.prepare("SELECT sqlite_version() AS v").get().v;
result.pragmas = {
  journal_mode: sqlite.pragma("journal_mode", { simple: true }),
  synchronous: sqlite.pragma("synchronous", { simple: true }),
  busy_timeout: sqlite.pragma("busy_timeout", { simple: true }),
};
const remainingStmt = sqlite.prepare("SELECT count(*) AS n FROM tasks WHERE queue = ?");

let drainStart = 0;
let completed = 0;
let runner;

// liteque records a completed job by deleting its row in finalize(), which runs after
// onComplete; counting here therefore stops the clock only once the peer's own table says done.
class CountingQueue extends SqliteQueue {
  async finalize(id, allocationId, status, ...rest) {
    await super.finalize(id, allocationId, status, ...rest);
    if (status !== "completed" || ++completed < N) return;
    if (remainingStmt.get(QUEUE_NAME).n !== 0) return;
    result.drainMs = round(performance.now() - drainStart);
    runner.stop();
    done();
  }
}

// numRetries 0 and keepFailedJobs: a failure must show up as a missing job left in the table,
// not as a silent retry or a deleted row.
const queue = new CountingQueue(QUEUE_NAME, db, { defaultJobArgs: { numRetries: 0 }, keepFailedJobs: true });

const enqueueStart = performance.now();
// liteque has no bulk enqueue: --batch still adds one job per call (and says so).
result.enqueueApi = "enqueue";
if (args.batch) result.note = "--batch ignored: liteque 0.8.0 has no bulk enqueue API";
for (let i = 0; i < N; i++) {
  await queue.enqueue({ i });
  if ((i & 1023) === 0 && performance.now() > deadline) timeout("enqueue");
}
result.enqueueMs = round(performance.now() - enqueueStart);

runner = new Runner(
  queue,
  {
    run: async (job) => {
      // The runner loop only awaits microtasks while jobs are pending, so a timer cannot fire
      // during the drain: the deadline is checked here.
      if (performance.now() > deadline) timeout("drain");
      const i = job.data?.i;
      executed++;
      if (Number.isInteger(i) && i >= 0 && i < N) executions[i]++;
      else unexpected++;
    },
    onError: async (job) => {
      peerErrors++;
      process.stderr.write(`${PEER}: job ${job.id} failed: ${message(job.error)}\n`);
    },
  },
  // timeoutSecs is also the lease: long enough that no job is reclaimed while it is running.
  { concurrency: 1, pollIntervalMs: args.pollMs, timeoutSecs: 600 },
);

// Covers a stall while the runner sleeps between polls (e.g. a job stranded in "running").
setTimeout(() => timeout("drain"), Math.max(0, deadline - performance.now()));

drainStart = performance.now();
runner.run().catch((e) => {
  tally();
  finish(1, `runner failed: ${message(e)}`);
});

function done() {
  tally();
  sqlite.close();
  const ok = executed === N && result.duplicates === 0 && result.missing === 0 && !unexpected;
  finish(ok ? 0 : 1);
}

function round(ms) {
  return Math.round(ms * 10) / 10;
}
