/**
 * The hot path per driver: enqueue one task, and claim + complete one task (each its own
 * transaction), and a batch of 100 claimed and completed, on a file database with WAL.
 */
import { Bench } from "tinybench";
import { QueueClient, QueueWorker } from "../src/index.ts";
import { BENCH_DRIVERS, openBenchDb, type BenchDb } from "./drivers.ts";

export async function run(time: number): Promise<Bench> {
  const bench = new Bench({ name: "enqueue / claim+complete (file, WAL, synchronous=NORMAL)", time });
  const dbs: BenchDb[] = [];
  for (const name of BENCH_DRIVERS) {
    const b = await openBenchDb(name);
    dbs.push(b);
    const client = new QueueClient(b.db);
    const worker = new QueueWorker(b.db, { workerId: "bench", strategy: "PRIORITY" });
    worker.register("t", async () => {});
    // The same worker without the transition rows in task_logs: what the log costs.
    const bare = new QueueWorker(b.db, { workerId: "bench-nolog", strategy: "PRIORITY", taskLogs: false });
    bare.register("t", async () => {});
    // A standing backlog so claims walk a realistic index.
    await client.enqueueMany(Array.from({ length: 30_000 }, (_, i) => ({ type: "t", payload: { i } })));
    bench.add(`${name} enqueue`, async () => {
      await client.enqueue("t", { n: 1 });
    });
    bench.add(`${name} claim+complete x1`, async () => {
      const [task] = await worker.claimTasks(1);
      if (task === undefined) throw new Error("backlog ran out");
      await worker.completeTask(task);
    });
    bench.add(`${name} claim+complete x1, taskLogs off`, async () => {
      const [task] = await bare.claimTasks(1);
      if (task === undefined) throw new Error("backlog ran out");
      await bare.completeTask(task);
    });
    bench.add(`${name} enqueueMany x100`, async () => {
      await client.enqueueMany(Array.from({ length: 100 }, (_, i) => ({ type: "t", payload: { i } })));
    });
    bench.add(`${name} claim x100 + complete`, async () => {
      const tasks = await worker.claimTasks(100);
      for (const t of tasks) await worker.completeTask(t);
    });
  }
  await bench.run();
  for (const b of dbs) await b.dispose();
  return bench;
}
