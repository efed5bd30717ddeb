/**
 * One side of the hand-over measurement (handover.bench.ts): opens the file as a user who sets
 * nothing would (or with the PRAGMAs given as JSON), says `ready`, and for each `r` line on stdin
 * claims one task and completes it, timing that alone, and answers `d`. On `q` it prints the
 * timings (µs) as one JSON line and exits.
 *
 *   <runtime> bench/handover-proc.ts <driver> <db path> [pragmas JSON]
 */
import { QueueDatabase, QueueWorker } from "../src/index.ts";
import { runtimeDrivers } from "./drivers.ts";

const [driverName, path, pragmas] = process.argv.slice(2);
const d = runtimeDrivers().find((x) => x.name === driverName);
if (d === undefined || path === undefined) {
  console.error("usage: handover-proc.ts <driver> <db path> [pragmas JSON]");
  process.exit(2);
}
const db = await QueueDatabase.open(await d.openDriver(path), pragmas === undefined ? {} : { pragmas: JSON.parse(pragmas) as Record<string, number> });
const worker = new QueueWorker(db, { heartbeatIntervalMs: 0, handlers: { t: () => {} } });
const us: number[] = [];
let buffered = "";
let chain = Promise.resolve();
process.stdin.on("data", (chunk) => {
  buffered += String(chunk);
  let nl: number;
  while ((nl = buffered.indexOf("\n")) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    chain = chain.then(() => command(line));
  }
});
process.stdout.write("ready\n");

async function command(line: string): Promise<void> {
  if (line === "r") {
    const t0 = performance.now();
    const [task] = await worker.claimTasks(1);
    if (task === undefined) throw new Error("handover: nothing to claim");
    await worker.completeTask(task);
    us.push((performance.now() - t0) * 1000);
    process.stdout.write("d\n");
  } else if (line === "q") {
    await db.close();
    process.stdout.write(`${JSON.stringify(us)}\n`);
    process.exit(0);
  }
}
