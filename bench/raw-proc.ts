/**
 * One process of the raw multi-process ceiling (processes.bench.ts, `rawProcessesOnce`): the bare
 * library on the queue's file and PRAGMAs, looping the default worker's round with no queue code
 * around it, one transaction per task: complete the previous task and claim the next (the
 * ceiling's own statements, bench/ceiling.bench.ts). Says `ready`, waits for `go` on stdin, runs
 * until the claim comes back empty, then prints `{"n": rounds}` and exits.
 *
 *   <runtime> bench/raw-proc.ts <driver> <db path>
 */
import { runtimeDrivers } from "./drivers.ts";
import { LEASE, RAW_SQL, T0 } from "./ceiling.bench.ts";

const [driverName, path] = process.argv.slice(2);
const d = runtimeDrivers().find((x) => x.name === driverName);
if (d === undefined || path === undefined) {
  console.error("usage: raw-proc.ts <driver> <db path>");
  process.exit(2);
}
const db = await d.openRaw(path);
const begin = db.prepare("BEGIN IMMEDIATE");
const commit = db.prepare("COMMIT");
const claim = db.prepare(RAW_SQL.claim(1));
const complete = db.prepare(RAW_SQL.complete);
process.stdout.write("ready\n");
await new Promise<void>((resolve) => {
  let input = "";
  process.stdin.on("data", (chunk) => {
    input += String(chunk);
    if (input.includes("go")) resolve();
  });
});
let n = 0;
let held: { id: number; lease_token: number } | undefined;
for (;;) {
  begin.run();
  if (held !== undefined) complete.run(T0, held.id, held.lease_token);
  held = (claim.all(LEASE, T0) as { id: number; lease_token: number; payload: string }[])[0];
  commit.run();
  if (held === undefined) break;
  n++;
}
db.close();
process.stdout.write(`${JSON.stringify({ n })}\n`);
process.exit(0);
