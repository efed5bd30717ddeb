/**
 * One worker process of the multi-process lifecycle (spawned by processes.bench.ts). It opens the
 * file, says `ready`, waits for `go` on stdin, runs a worker with a no-op handler until `stop` on
 * stdin, and prints the ids it ran as one JSON line.
 *
 *   <runtime> bench/worker-proc.ts <driver> <db path> <concurrency> [batchSize]
 *
 * Without batchSize every other worker option is left at its default. With PRISMQ_BENCH_WARMUP=N
 * in the environment it first drains N tasks on a scratch file of its own with a worker of the
 * same options, and only then opens the measured file and says `ready` (processes.bench.ts: the
 * steady state of a long-lived process).
 */
import { QueueClient, QueueDatabase, QueueWorker } from "../src/index.ts";
import { runtimeDrivers, scratchDir } from "./drivers.ts";
import { enqueueN } from "./lifecycle.bench.ts";

const [driverName, path, conc, batch] = process.argv.slice(2);
const d = runtimeDrivers().find((x) => x.name === driverName);
if (d === undefined || path === undefined) {
  console.error("usage: worker-proc.ts <driver> <db path> <concurrency>");
  process.exit(2);
}
// Without a batch size the worker runs with its defaults (what a user who sets nothing gets);
// with one, the tuned configuration: short polls, no heartbeat.
const options = {
  concurrency: Number(conc ?? 8),
  ...(batch !== undefined ? { batchSize: Number(batch), pollIntervalMs: 2, heartbeatIntervalMs: 0 } : {}),
};
const warmup = Number(process.env["PRISMQ_BENCH_WARMUP"] ?? 0);
if (warmup > 0) {
  const scratch = scratchDir();
  try {
    const wdb = await QueueDatabase.open(await d.openDriver(scratch.file("warm.db")));
    await enqueueN(new QueueClient(wdb), warmup);
    let warmed = 0;
    let allWarm!: () => void;
    const warm = new Promise<void>((resolve) => (allWarm = resolve));
    const warmer = new QueueWorker(wdb, { ...options, handlers: { t: () => void (++warmed === warmup && allWarm()) } });
    warmer.start();
    await warm;
    await warmer.stop();
    await wdb.close();
  } finally {
    scratch.dispose();
  }
}
const db = await QueueDatabase.open(await d.openDriver(path));
const ids: number[] = [];
const worker = new QueueWorker(db, { ...options, handlers: { t: (_p: unknown, { task }) => void ids.push(task.id) } });
process.stdout.write("ready\n");
// stdin says "go" (start draining) and later "stop" (the parent saw every task done).
let input = "";
const said = (word: string): Promise<void> =>
  new Promise<void>((resolve) => {
    const check = (): void => {
      if (input.includes(word)) {
        process.stdin.off("data", onData);
        resolve();
      }
    };
    const onData = (chunk: unknown): void => {
      input += String(chunk);
      check();
    };
    process.stdin.on("data", onData);
    check();
  });
await said("go");
// CPU from `go` on (start-up and module loading left out): per task, it shows what each added
// process costs (on one host, SQLite's page cache is dropped whenever another connection wrote).
const cpu0 = process.resourceUsage();
worker.start();
// Done when the parent, polling the file on its own connection, has seen every task completed:
// a poll in each process would add reads (and page-cache reloads) that the queue itself does not
// make. The drain's time is measured by the parent.
await said("stop");
const cpu1 = process.resourceUsage();
const cpuUs = cpu1.userCPUTime - cpu0.userCPUTime + cpu1.systemCPUTime - cpu0.systemCPUTime;
await worker.stop();
await db.close();
process.stdout.write(`${JSON.stringify({ ids, cpuUs, busyRetries: db.busyRetryCount, calls: db.callCount })}\n`);
process.exit(0);
