/**
 * One BullMQ worker process of the multi-process drain (spawned by bench/peers/bullmq.ts). It
 * connects, says `ready`, starts fetching on `go`, runs a no-op handler that records each job's
 * index, and on `stop` closes and prints the indexes it ran as one JSON line.
 *
 *   node bench/peers/bullmq-worker.ts <redis url> <queue name> <concurrency>
 */
import { Worker, type Job } from "bullmq";

const [url, name, conc] = process.argv.slice(2);
if (url === undefined || name === undefined) {
  console.error("usage: bullmq-worker.ts <redis url> <queue name> <concurrency>");
  process.exit(2);
}
const ids: number[] = [];
const worker = new Worker(name, async (job: Job<{ i: number }>) => void ids.push(job.data.i), {
  connection: { url, maxRetriesPerRequest: null },
  concurrency: Number(conc ?? 8),
  autorun: false,
});
worker.on("error", (e) => process.stderr.write(`bullmq worker: ${e.message}\n`));
await worker.waitUntilReady();
process.stdout.write("ready\n");
let input = "";
let running: Promise<void> | undefined;
process.stdin.on("data", (chunk) => {
  input += String(chunk);
  if (running === undefined && input.includes("go")) running = worker.run();
  if (input.includes("stop")) {
    void (async () => {
      await worker.close();
      await running;
      process.stdout.write(`${JSON.stringify({ ids })}\n`);
      process.exit(0);
    })();
  }
});
