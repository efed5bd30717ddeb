/**
 * Runs every scenario and prints a table per scenario; results also go to
 * bench/results/<date>.json. Figures are reported, never asserted. `BENCH_TIME_MS` sets the
 * time per task (default 1000).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { run as overhead } from "./driver-overhead.bench.ts";
import { run as claimComplete } from "./claim-complete.bench.ts";

const time = Number(process.env["BENCH_TIME_MS"] ?? 1000);
const out: Record<string, unknown> = {
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  date: new Date().toISOString(),
};
for (const scenario of [overhead, claimComplete]) {
  const bench = await scenario(time);
  console.log(`\n${bench.name}`);
  const table = bench.table();
  console.table(table);
  out[bench.name ?? "bench"] = table;
}
mkdirSync("bench/results", { recursive: true });
const file = `bench/results/${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
writeFileSync(file, JSON.stringify(out, null, 2));
console.log(`\nwritten: ${file}`);
