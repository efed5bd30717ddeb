/**
 * One worker process of the PostgreSQL multi-process drain (spawned by bench/postgres.bench.ts),
 * the same for every system. It connects (untimed), says `ready`, starts fetching on `go`,
 * reports how many jobs its handler ran as `h <count>` lines (every 5 ms while it changes), and
 * on `stop` stops its worker and prints the job indexes it ran as one JSON line.
 *
 *   node bench/peers/pg-worker.ts <system key> <database url>
 */
import { loadSystem } from "./pg-system.ts";

const [key, url] = process.argv.slice(2);
if (key === undefined || url === undefined) {
  console.error("usage: pg-worker.ts <prismq|pg-boss|graphile-worker> <database url>");
  process.exit(2);
}
const system = await loadSystem(key);
const ids: number[] = [];
const consumer = await system.consumer(url, (i) => void ids.push(i));
process.stdout.write("ready\n");
let reported = 0;
const report = setInterval(() => {
  if (ids.length !== reported) process.stdout.write(`h ${(reported = ids.length)}\n`);
}, 5);
let input = "";
let started = false;
let stopping = false;
process.stdin.on("data", (chunk) => {
  input += String(chunk);
  if (!started && input.includes("go")) {
    started = true;
    consumer.start().catch((e: unknown) => {
      process.stderr.write(`${key} worker did not start: ${(e as Error).message}\n`);
      process.exit(1);
    });
  }
  if (!stopping && input.includes("stop")) {
    stopping = true;
    clearInterval(report);
    void consumer.stop().then(
      () => {
        process.stdout.write(`${JSON.stringify({ ids })}\n`);
        process.exit(0);
      },
      (e: unknown) => {
        process.stderr.write(`${key} worker did not stop cleanly: ${(e as Error).message}\n`);
        process.stdout.write(`${JSON.stringify({ ids })}\n`);
        process.exit(0);
      },
    );
  }
});
