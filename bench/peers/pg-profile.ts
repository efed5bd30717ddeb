/**
 * Where ours spends its time on PostgreSQL, beside the shapes the peers use (for issue 16's
 * findings, not part of `npm run bench:postgres`): in a fresh database of the server at
 * PRISMQ_PG_URL it times
 *   1. `enqueueMany` of 100 (driver calls per call, ms per call);
 *   2. the same 100 INSERT statements pipelined in one transaction on a bare postgres.js
 *      connection (what the driver sends today), with and without the enqueue NOTIFY trigger;
 *   3. one multi-row `INSERT … SELECT FROM unnest(…)` of 100 rows (the shape pg-boss and
 *      graphile-worker use for their bulk insert), same table and trigger;
 *   4. a drain of N tasks in one process (concurrency 8, batchSize 100): driver calls and
 *      transactions per task, tasks/s.
 *
 *   node bench/peers/pg-profile.ts [--jobs N]   (add --cpu-prof to see the JavaScript side)
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import postgres from "postgres";
import { QueueClient, QueueWorker } from "../../src/index.ts";
import { openQueueDatabase } from "../../runtime/node/open.ts";

const SERVER = process.env["PRISMQ_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";
const argv = process.argv.slice(2);
const jobs = Number(argv.includes("--jobs") ? argv[argv.indexOf("--jobs") + 1] : 20_000);
const CALLS = 50;

async function admin(text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: SERVER });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

const name = `prismq_peers_profile_${randomBytes(4).toString("hex")}`;
await admin(`CREATE DATABASE ${name}`);
const u = new URL(SERVER);
u.pathname = `/${name}`;
const url = u.toString();
const out: Record<string, string> = {};
const per = (ms: number, n: number): string => `${(ms / n).toFixed(2)} ms per call of 100 (${((n * 100) / (ms / 1000)).toFixed(0)} tasks/s)`;
try {
  const db = await openQueueDatabase({ path: url, poolSize: 10 });
  const client = new QueueClient(db);
  const batch = (from: number) => Array.from({ length: 100 }, (_, j) => ({ type: "t", payload: { i: from + j } }));
  await client.enqueueMany(batch(0)); // warm-up
  let calls = db.callCount;
  let t = performance.now();
  for (let c = 0; c < CALLS; c++) await client.enqueueMany(batch(c * 100));
  out["1. enqueueMany(100)"] = `${per(performance.now() - t, CALLS)}; ${((db.callCount - calls) / CALLS).toFixed(1)} driver calls per call`;

  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const now = new Date().toISOString().replace("T", " ").replace("Z", "");
  const text =
    "INSERT INTO task_queue (type, priority, payload, compatibility, status, attempts, max_attempts, run_after_utc, idempotency_key, created_at_utc, updated_at_utc)" +
    " VALUES ($1, 100, CAST($2 AS jsonb), '{}'::jsonb, 'queued', 0, 3, now(), NULL, now(), now()) RETURNING id";
  const pipelined = async (): Promise<number> => {
    const t0 = performance.now();
    for (let c = 0; c < CALLS; c++) {
      await sql.begin((tx) => Promise.all(Array.from({ length: 100 }, (_, j) => tx.unsafe(text, ["t", JSON.stringify({ i: j })], { prepare: true }))));
    }
    return performance.now() - t0;
  };
  const unnest = async (): Promise<number> => {
    const t0 = performance.now();
    for (let c = 0; c < CALLS; c++) {
      const payloads = Array.from({ length: 100 }, (_, j) => JSON.stringify({ i: j }));
      await sql.unsafe(
        "INSERT INTO task_queue (type, priority, payload, compatibility, status, attempts, max_attempts, run_after_utc, idempotency_key, created_at_utc, updated_at_utc)" +
          " SELECT 't', 100, CAST(p AS jsonb), '{}'::jsonb, 'queued', 0, 3, now(), NULL, now(), now() FROM unnest($1::text[]) AS p RETURNING id",
        [payloads],
        { prepare: true },
      );
    }
    return performance.now() - t0;
  };
  await pipelined();
  out["2a. 100 INSERTs pipelined in one transaction (bare postgres.js)"] = per(await pipelined(), CALLS);
  await sql.unsafe("ALTER TABLE task_queue DISABLE TRIGGER trg_task_notify");
  out["2b. the same, NOTIFY trigger disabled"] = per(await pipelined(), CALLS);
  await sql.unsafe("ALTER TABLE task_queue ENABLE TRIGGER trg_task_notify");
  await unnest();
  out["3. one INSERT … SELECT FROM unnest($1::text[]) of 100 rows"] = per(await unnest(), CALLS);
  const idx = await sql.unsafe("SELECT indexname FROM pg_indexes WHERE tablename = 'task_queue' ORDER BY 1");
  out["indexes on task_queue"] = idx.map((r) => String(r["indexname"])).join(", ");
  await sql.unsafe("TRUNCATE task_queue, task_logs");
  await sql.end();

  // 4. a drain in this process
  for (let i = 0; i < jobs; i += 100) await client.enqueueMany(batch(i).slice(0, Math.min(100, jobs - i)));
  let ran = 0;
  let allRan!: () => void;
  const done = new Promise<void>((r) => (allRan = r));
  const worker = new QueueWorker(db, { concurrency: 8, batchSize: 100, handlers: { t: () => void (++ran === jobs && allRan()) } });
  const xacts = async (): Promise<number> => Number((await admin(`SELECT xact_commit FROM pg_stat_database WHERE datname = '${name}'`)).rows[0].xact_commit);
  await new Promise((r) => setTimeout(r, 1100));
  const x0 = await xacts();
  calls = db.callCount;
  t = performance.now();
  worker.start();
  await done;
  await worker.stop();
  const ms = performance.now() - t;
  const driverCalls = db.callCount - calls;
  await db.close();
  await new Promise((r) => setTimeout(r, 1100));
  out["4. drain in one process, concurrency 8, batchSize 100"] =
    `${(jobs / (ms / 1000)).toFixed(0)} tasks/s; ${(driverCalls / jobs).toFixed(3)} driver calls and ${((await xacts()) - x0) / jobs} transactions per task`;
} finally {
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
for (const [k, v] of Object.entries(out)) console.log(`${k}: ${v}`);
