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
 * Install once with scripts/bench-peers-setup.ts (npm run bench:peers-setup) (it prints the node to use), then, as the bench
 * harness does, in a child process:
 *
 *   /usr/bin/node bench/peers/liteque/run.mjs --db /abs/new.db --jobs 2000 [--batch] [--timeout-ms 600000] [--poll-ms 1]
 *
 * The contract with the harness (flags, one JSON line, exit codes) is bench/peers/protocol.mjs.
 */
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { message, round, startRunner } from "../protocol.mjs";

const PEER = "liteque";
const QUEUE_NAME = "bench";
const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const run = startRunner(PEER, "run.mjs");
const { result, args, deadline, finish } = run;
const N = args.jobs;

// Without this folder's install, Node would walk up to the repo's better-sqlite3 13.x, which
// segfaults on Node 20 and which liteque cannot use anyway.
const ownModules = join(HERE, "node_modules") + "/";
let driverPath;
try {
  driverPath = require.resolve("better-sqlite3");
  require.resolve("liteque");
} catch (e) {
  finish(1, `liteque or better-sqlite3 not installed in ${ownModules}: run scripts/bench-peers-setup.ts (npm run bench:peers-setup) (${message(e)})`);
}
if (!driverPath.startsWith(ownModules)) {
  finish(1, `better-sqlite3 resolves to ${driverPath}, not ${ownModules}: run scripts/bench-peers-setup.ts (npm run bench:peers-setup)`);
}
result.peerVersion = require("liteque/package.json").version;
result.driverVersion = require("better-sqlite3/package.json").version;
// liteque's own example value; with a no-op handler the runner's dequeue loop is the bottleneck.
result.concurrency = 1;

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
  if ((i & 1023) === 0 && performance.now() > deadline) run.timeout("enqueue");
}
result.enqueueMs = round(performance.now() - enqueueStart);

runner = new Runner(
  queue,
  {
    run: async (job) => {
      // The runner loop only awaits microtasks while jobs are pending, so a timer cannot fire
      // during the drain: the deadline is checked here.
      if (performance.now() > deadline) run.timeout("drain");
      run.record(job.data?.i);
    },
    onError: async (job) => {
      run.peerError();
      process.stderr.write(`${PEER}: job ${job.id} failed: ${message(job.error)}\n`);
    },
  },
  // timeoutSecs is also the lease: long enough that no job is reclaimed while it is running.
  { concurrency: 1, pollIntervalMs: args.pollMs, timeoutSecs: 600 },
);

// Covers a stall while the runner sleeps between polls (e.g. a job stranded in "running").
setTimeout(() => run.timeout("drain"), Math.max(0, deadline - performance.now()));

drainStart = performance.now();
runner.run().catch((e) => run.fail(`runner failed: ${message(e)}`));

function done() {
  sqlite.close();
  run.done();
}
