/**
 * Chaos: 4 `prismq worker` processes on one file database, thousands of tasks, workers killed
 * with SIGKILL at random moments and restarted. Every execution appends a row to a side table
 * (the `record` handler of test/fixtures/handlers.mjs). Afterwards: every task completed, none
 * run twice except tasks their worker was killed holding, and no busy error surfaced. Sized for
 * a 2-core CI machine; bounded by CHAOS_TIMEOUT_MS.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./helpers/drivers.ts";
import { seeded } from "./helpers/random.ts";
import { QueueClient } from "../src/index.ts";
import { openQueueDatabase } from "../runtime/node/index.ts";

const TASKS = Number(process.env["CHAOS_TASKS"] ?? 3000);
const WORKERS = 4;
const TIMEOUT_MS = Number(process.env["CHAOS_TIMEOUT_MS"] ?? 120_000);
const CLI = new URL("../cli/prismq.ts", import.meta.url).pathname;
const HANDLERS = new URL("./fixtures/handlers.mjs", import.meta.url).pathname;

interface Proc {
  readonly id: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stderr: string;
}

function startWorker(id: string, config: string, db: string): Promise<Proc> {
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, "worker", "--config", config, "--handlers", HANDLERS, "--db", db], {
    env: { ...process.env, PRISMQ_WORKER_ID: id },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc: Proc = {
    id,
    child,
    stderr: "",
    exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))),
  };
  child.stderr!.on("data", (d: Buffer) => (proc.stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("ready")) resolve(proc);
    });
    void proc.exited.then((code) => reject(new Error(`worker ${id} exited (${code}) before ready: ${proc.stderr}`)));
  });
}

describe("chaos: SIGKILLed worker processes on one file", () => {
  it(`${TASKS} tasks, ${WORKERS} worker processes killed and restarted at random: nothing lost, nothing run twice unless its worker died holding it`, { timeout: TIMEOUT_MS + 30_000 }, async () => {
    const { dir, cleanup } = tempDir("prismq-chaos-");
    const path = join(dir, "chaos.db");
    const config = join(dir, "worker.yaml");
    writeFileSync(
      config,
      [
        "strategy: FIFO",
        "concurrency: 4",
        "leaseMs: 1500",
        "renewIntervalMs: 400",
        "pollIntervalMs: 20",
        "heartbeatIntervalMs: 300",
        "staleAfterMs: 2000",
        "shutdownTimeoutMs: 10000",
      ].join("\n"),
    );
    const random = seeded(20261123);
    const db = await openQueueDatabase({ path });
    const procs = new Map<number, Proc>();
    const killedHolding = new Set<number>();
    let kills = 0;
    const startedAt = Date.now();
    try {
      await db.execute("CREATE TABLE IF NOT EXISTS executions (task_id INTEGER, worker_pid INTEGER, at_ms INTEGER)");
      const client = new QueueClient(db);
      await client.enqueueMany(
        Array.from({ length: TASKS }, (_, i) => ({ type: "record", payload: { db: path, ms: i % 4 }, options: { maxAttempts: 1000 } })),
      );
      let generation = 0;
      const spawnSlot = async (slot: number) => procs.set(slot, await startWorker(`chaos-${slot}-${generation++}`, config, path));
      await Promise.all(Array.from({ length: WORKERS }, (_, slot) => spawnSlot(slot)));

      for (;;) {
        const s = await client.stats();
        if (s.completed === TASKS) break;
        assert.ok(Date.now() - startedAt < TIMEOUT_MS, `timed out with ${JSON.stringify(s)} after ${kills} kills`);
        await new Promise((r) => setTimeout(r, 150 + Math.floor(random() * 450)));
        if ((await client.stats()).completed === TASKS) break;
        // Kill a random worker mid-flight, note what it held, and start a replacement.
        const slot = Math.floor(random() * WORKERS);
        const victim = procs.get(slot)!;
        victim.child.kill("SIGKILL");
        await victim.exited;
        kills++;
        const held = await db.execute("SELECT id FROM task_queue WHERE status = 'processing' AND locked_by = ?", [victim.id]);
        for (const row of held.rows) killedHolding.add(Number(row["id"]));
        await spawnSlot(slot);
      }

      // Graceful stop of the survivors.
      for (const p of procs.values()) p.child.kill("SIGTERM");
      const codes = await Promise.all([...procs.values()].map((p) => p.exited));
      assert.deepEqual(codes, codes.map(() => 0), "survivors stop gracefully");

      const stats = await client.stats();
      assert.equal(stats.completed, TASKS, "no task lost: all completed");
      assert.equal(stats.total, TASKS);
      const runs = await db.execute("SELECT task_id, COUNT(*) AS n FROM executions GROUP BY task_id");
      assert.equal(runs.rows.length, TASKS, "every task executed");
      const rerun = runs.rows.filter((r) => Number(r["n"]) > 1).map((r) => Number(r["task_id"]));
      const unexplained = rerun.filter((id) => !killedHolding.has(id));
      assert.deepEqual(unexplained, [], "re-executions only for tasks whose worker was killed holding them");
      const totalRuns = runs.rows.reduce((n, r) => n + Number(r["n"]), 0);

      const all = [...procs.values()].map((p) => p.stderr).join("\n");
      const busyErrors = (all.match(/QueueBusyError/g) ?? []).length;
      const busy = [...all.matchAll(/busyRetries=(\d+) calls=(\d+)/g)];
      const busyRetries = busy.reduce((n, m) => n + Number(m[1]), 0);
      const calls = busy.reduce((n, m) => n + Number(m[2]), 0);
      assert.equal(busyErrors, 0, "no busy error surfaced");
      console.log(
        `chaos: tasks=${TASKS} workers=${WORKERS} kills=${kills} executions=${totalRuns} re-executions=${totalRuns - TASKS}` +
          ` (tasks held at a kill: ${killedHolding.size}) busy-errors=${busyErrors}` +
          ` busy-retries=${busyRetries}/${calls} calls of surviving workers (${calls > 0 ? ((100 * busyRetries) / calls).toFixed(3) : "0"}%)` +
          ` wall=${((Date.now() - startedAt) / 1000).toFixed(1)}s`,
      );
    } finally {
      for (const p of procs.values()) p.child.kill("SIGKILL");
      await db.close();
      cleanup();
    }
  });
});
