/**
 * One worker process of the multi-process lifecycle (spawned by processes.bench.ts). It opens the
 * file, says `ready`, waits for `go` on stdin, drains the queue with a no-op handler until no task
 * is queued or processing, and prints the ids it ran as one JSON line.
 *
 *   <runtime> bench/worker-proc.ts <driver> <db path> <concurrency> [batchSize]
 *
 * Without batchSize every other worker option is left at its default.
 */
import { QueueClient, QueueDatabase, QueueWorker } from "../src/index.ts";
import { runtimeDrivers } from "./drivers.ts";

const [driverName, path, conc, batch] = process.argv.slice(2);
const d = runtimeDrivers().find((x) => x.name === driverName);
if (d === undefined || path === undefined) {
  console.error("usage: worker-proc.ts <driver> <db path> <concurrency>");
  process.exit(2);
}
const db = await QueueDatabase.open(await d.openDriver(path));
const client = new QueueClient(db);
const ids: number[] = [];
// Without a batch size the worker runs with its defaults (what a user who sets nothing gets);
// with one, the tuned configuration: short polls, no heartbeat.
const worker = new QueueWorker(db, {
  concurrency: Number(conc ?? 8),
  ...(batch !== undefined ? { batchSize: Number(batch), pollIntervalMs: 2, heartbeatIntervalMs: 0 } : {}),
  handlers: { t: (_p: unknown, { task }) => void ids.push(task.id) },
});
process.stdout.write("ready\n");
await new Promise<void>((resolve) => {
  process.stdin.on("data", (chunk) => {
    if (String(chunk).includes("go")) resolve();
  });
});
process.stdin.pause();
// CPU from `go` on (start-up and module loading left out): per task, it shows what each added
// process costs (on one host, SQLite's page cache is dropped whenever another connection wrote).
const cpu0 = process.resourceUsage();
worker.start();
// Done when nothing is left anywhere: tasks held by another process still count as active.
await client.waitUntilEmpty({ pollIntervalMs: 2 });
// Wall-clock epoch ms, comparable across processes: the drain ends here, not after close().
const doneAt = performance.timeOrigin + performance.now();
const cpu1 = process.resourceUsage();
const cpuUs = cpu1.userCPUTime - cpu0.userCPUTime + cpu1.systemCPUTime - cpu0.systemCPUTime;
await worker.stop();
await db.close();
process.stdout.write(`${JSON.stringify({ ids, doneAt, cpuUs, busyRetries: db.busyRetryCount, calls: db.callCount })}\n`);
process.exit(0);
