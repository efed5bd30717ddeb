/**
 * Our enqueue figures measured exactly as bench/plainjob-ops.ts measures plainjob's, so the two
 * can run side by side (bench/run.ts alternates them): a fresh process, a fresh file opened as
 * `openQueueDatabase` opens it, N `enqueue` calls one after another (tasks/s, and p50/p95 of one
 * call), then N tasks with `enqueueMany` of 100 per call on another fresh file.
 *
 *   <runtime> bench/ours-ops.ts <driver> <db> <n>  → one JSON line { oneRate, oneP50Us, oneP95Us, manyRate }
 */
import { QueueClient, QueueDatabase } from "../src/index.ts";
import { runtimeDrivers } from "./drivers.ts";
import { quantile } from "./stats.ts";

const [driverName, db, nText] = process.argv.slice(2);
const d = runtimeDrivers().find((x) => x.name === driverName);
const n = Number(nText);
if (d === undefined || db === undefined || !Number.isInteger(n) || n < 1) {
  console.error("usage: ours-ops.ts <driver> <db> <n>");
  process.exit(2);
}
const one = await QueueDatabase.open(await d.openDriver(`${db}.one`));
const client = new QueueClient(one);
const lat: number[] = [];
const t0 = performance.now();
for (let i = 0; i < n; i++) {
  const a = performance.now();
  await client.enqueue("bench", { i });
  lat.push(performance.now() - a);
}
const oneRate = n / ((performance.now() - t0) / 1000);
await one.close();
const many = await QueueDatabase.open(await d.openDriver(`${db}.many`));
const manyClient = new QueueClient(many);
const t1 = performance.now();
for (let i = 0; i < n; i += 100) await manyClient.enqueueMany(Array.from({ length: Math.min(100, n - i) }, (_, j) => ({ type: "bench", payload: { i: i + j } })));
const manyRate = n / ((performance.now() - t1) / 1000);
await many.close();
lat.sort((a, b) => a - b);
console.log(JSON.stringify({ oneRate, oneP50Us: quantile(lat, 0.5) * 1000, oneP95Us: quantile(lat, 0.95) * 1000, manyRate }));
