/**
 * Exactly-once across processes (Node only): N child processes, each a QueueWorker on its own
 * connection to one SQLite file, drain M tasks; every handler run is recorded in a side table,
 * and every task must have run exactly once and completed. Run with
 * `node --test conformance/runners/node-processes.test.ts` (`DRIVERS=` selects drivers).
 *
 * This file is also the child: started with PRISMQ_CONFORMANCE_CHILD set, it runs one worker
 * (node:test is imported only in the parent, so a child reports no tests).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { DatabaseSync } from "node:sqlite";
import { fromBetterSqlite3 } from "../../adapters/better-sqlite3/index.ts";
import { fromNodeSqlite } from "../../adapters/node-sqlite/index.ts";
import type { Driver } from "../../src/driver.ts";
import { type ClaimStrategy, QueueClient, QueueDatabase, QueueWorker, type QueueWorkerOptions, systemClock } from "../../src/index.ts";
import { racyClaim } from "../broken/racy-claim.ts";

const OPEN: Readonly<Record<string, (path: string) => Driver>> = {
  "better-sqlite3": (path) => fromBetterSqlite3(new Database(path, { timeout: 5000 })),
  "node-sqlite": (path) => fromNodeSqlite(new DatabaseSync(path)),
};
const PROCESSES = 4;
const TASKS = 120;
const STRATEGIES: readonly ClaimStrategy[] = ["PRIORITY", "FIFO", "LIFO", "WEIGHTED_RANDOM"];

interface ChildSpec {
  readonly driver: string;
  readonly path: string;
  readonly index: number;
  readonly broken: boolean;
}

/** One worker process: waits until all siblings are ready, then works until the queue is empty. */
async function runChild(spec: ChildSpec): Promise<void> {
  const db = await QueueDatabase.open(OPEN[spec.driver]!(spec.path));
  const client = new QueueClient(db);
  const workerId = `p${spec.index}-${process.pid}`;
  const options: QueueWorkerOptions = {
    workerId,
    strategy: STRATEGIES[spec.index % STRATEGIES.length]!,
    concurrency: 3,
    pollIntervalMs: 5,
    leaseMs: 60_000,
    heartbeatIntervalMs: 0,
    handlers: {
      job: async (_payload: unknown, { task }: { task: { id: number } }) => {
        await db.execute("INSERT INTO executions (task_id, worker) VALUES (?, ?)", [task.id, workerId]);
        await systemClock.sleep(1 + (task.id % 3));
      },
    },
  };
  const worker = new QueueWorker(db, options, spec.broken ? racyClaim : undefined);
  await db.execute("INSERT INTO ready (worker) VALUES (?)", [workerId]);
  const readyBy = Date.now() + 20_000;
  while (Number((await db.execute("SELECT COUNT(*) AS n FROM ready")).rows[0]?.["n"]) < PROCESSES && Date.now() < readyBy) {
    await systemClock.sleep(5);
  }
  worker.start();
  const deadline = Date.now() + 60_000;
  while ((await client.getActiveCount()) > 0 && Date.now() < deadline) await systemClock.sleep(20);
  await worker.stop();
  await db.close();
}

function runProcess(spec: ChildSpec): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", fileURLToPath(import.meta.url)], {
      env: { ...process.env, PRISMQ_CONFORMANCE_CHILD: JSON.stringify(spec) },
      stdio: ["ignore", "inherit", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stderr }));
  });
}

/** Sets up the file, runs the processes, returns how often each task ran and the final stats. */
async function drain(driver: string, broken: boolean): Promise<{ runs: Map<number, number>; ids: number[]; completed: number; workers: number }> {
  const dir = mkdtempSync(join(tmpdir(), "prismq-processes-"));
  try {
    const path = join(dir, "queue.db");
    const setup = await QueueDatabase.open(OPEN[driver]!(path));
    await setup.execute("CREATE TABLE executions (task_id INTEGER NOT NULL, worker TEXT NOT NULL)");
    await setup.execute("CREATE TABLE ready (worker TEXT NOT NULL)");
    const ids = await new QueueClient(setup).enqueueMany(
      Array.from({ length: TASKS }, (_, i) => ({ type: "job", payload: { i }, options: { priority: i % 3 } })),
    );
    await setup.close();
    const results = await Promise.all(Array.from({ length: PROCESSES }, (_, index) => runProcess({ driver, path, index, broken })));
    for (const [i, r] of results.entries()) {
      if (r.code !== 0) throw new Error(`worker process ${i} exited with ${r.code}:\n${r.stderr}`);
    }
    const check = await QueueDatabase.open(OPEN[driver]!(path));
    try {
      const rows = (await check.execute("SELECT task_id, COUNT(*) AS n FROM executions GROUP BY task_id")).rows;
      const runs = new Map(rows.map((r) => [Number(r["task_id"]), Number(r["n"])]));
      const workers = Number((await check.execute("SELECT COUNT(DISTINCT worker) AS n FROM executions")).rows[0]?.["n"]);
      const completed = (await new QueueClient(check).stats()).completed;
      return { runs, ids, completed, workers };
    } finally {
      await check.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const child = process.env["PRISMQ_CONFORMANCE_CHILD"];
if (child !== undefined) {
  await runChild(JSON.parse(child) as ChildSpec);
} else {
  const { describe, it } = await import("node:test");
  const wanted = process.env["DRIVERS"]?.split(",").map((s) => s.trim());
  const drivers = Object.keys(OPEN).filter((d) => wanted === undefined || wanted.includes(d));
  for (const driver of drivers) {
    describe(`worker processes on one file: ${driver}`, () => {
      it(`${PROCESSES} processes drain ${TASKS} tasks and every task runs exactly once`, async () => {
        const { runs, ids, completed, workers } = await drain(driver, false);
        const twice = [...runs].filter(([, n]) => n > 1).map(([id, n]) => `#${id}×${n}`);
        const never = ids.filter((id) => !runs.has(id));
        assert.deepEqual(twice, [], "tasks that ran more than once");
        assert.deepEqual(never, [], "tasks that never ran");
        assert.equal(completed, TASKS, "completed");
        assert.ok(workers >= 2, `only ${workers} process(es) ran tasks: no contention was tested`);
      });
    });
  }
  if (drivers[0] !== undefined && process.env["CONFORMANCE_SELF_TEST"] !== "0") {
    describe(`self-test: worker processes on one file (${drivers[0]})`, () => {
      it("the racy select-then-update claim runs some task more than once across processes", async () => {
        const { runs } = await drain(drivers[0]!, true);
        const twice = [...runs].filter(([, n]) => n > 1).length;
        assert.ok(twice > 0, "the broken claim ran every task exactly once: this test cannot catch the race");
      });
    });
  }
}
