/**
 * Chaos on a real PostgreSQL server: several `prismq worker` processes of the built CLI, each
 * with its own connection pool (standing in for several hosts), on one database; workers
 * SIGKILLed at random moments and restarted, and one frozen (SIGSTOP) past its lease and then
 * thawed, so it comes back as a stale holder. Every execution inserts a row into a side table
 * (test/fixtures/postgres-handlers.mjs). Afterwards: every task completed exactly once (one
 * completion logged per task), nothing lost, and no task ran more often than its lease was taken
 * back (each extra run is explained by a logged reclaim: the fencing token moved). A second test
 * checks fencing directly across two pools: a holder whose lease was reclaimed cannot complete.
 *
 * Sized for a busy 2-core CI machine (PG_CHAOS_TASKS, PG_CHAOS_TIMEOUT_MS).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DIST_CLI, importDist, ROOT } from "./helpers/dist.ts";
import { createTempDatabase, pgSuiteOptions, queryDatabase, requirePostgres, type TempDatabase } from "./helpers/postgres.ts";
import { seeded } from "./helpers/random.ts";

type Core = typeof import("../src/index.ts");
type NodeEntry = typeof import("../runtime/node/index.ts");

const TASKS = Number(process.env["PG_CHAOS_TASKS"] ?? 1200);
const WORKERS = 3;
const TIMEOUT_MS = Number(process.env["PG_CHAOS_TIMEOUT_MS"] ?? 150_000);
const LEASE_MS = 4000;
const HANDLERS = join(ROOT, "test", "fixtures", "postgres-handlers.mjs");

interface Proc {
  readonly id: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stderr: string;
}

function startWorker(id: string, config: string, url: string): Promise<Proc> {
  const child = spawn(process.execPath, [DIST_CLI, "worker", "--config", config, "--handlers", HANDLERS, "--db", url, "--quiet"], {
    cwd: ROOT,
    env: { ...process.env, PRISMQ_WORKER_ID: id },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc: Proc = { id, child, stderr: "", exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))) };
  child.stderr!.on("data", (d: Buffer) => (proc.stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes(" ready ")) resolve(proc);
    });
    void proc.exited.then((code) => reject(new Error(`worker ${id} exited (${code}) before ready: ${proc.stderr}`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("chaos on PostgreSQL: worker processes with their own pools, SIGKILLed and frozen", pgSuiteOptions(), () => {
  let core: Core;
  let node: NodeEntry;
  let pg: TempDatabase;
  let dir = "";
  before(async () => {
    requirePostgres();
    core = await importDist<Core>("index.js");
    node = await importDist<NodeEntry>("node.js");
    pg = await createTempDatabase("chaos");
    dir = mkdtempSync(join(tmpdir(), "prismq-pgchaos-"));
  });
  after(async () => {
    await pg?.drop();
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  test(`${TASKS} tasks, ${WORKERS} processes killed, restarted and one frozen past its lease: all complete once, re-runs only after a reclaim`, { timeout: TIMEOUT_MS + 60_000 }, async () => {
    const config = join(dir, "worker.yaml");
    writeFileSync(
      config,
      [
        "strategy: FIFO",
        "concurrency: 4",
        `leaseMs: ${LEASE_MS}`,
        "renewIntervalMs: 800",
        "pollIntervalMs: 200",
        "heartbeatIntervalMs: 500",
        "staleAfterMs: 6000",
        "shutdownTimeoutMs: 20000",
        "taskLogs: all", // every transition logged: the completions are counted below
      ].join("\n"),
    );
    const db = await node.openQueueDatabase({ path: pg.url });
    const procs = new Map<number, Proc>();
    const random = seeded(20261201);
    const killedHolding = new Set<number>();
    let kills = 0;
    let froze = false;
    let frozenProc: Proc | undefined;
    let frozenHeld = 0;
    const startedAt = Date.now();
    try {
      await db.execute("CREATE TABLE executions (task_id bigint, worker_pid int, at_ms bigint, attempt int)");
      const client = new core.QueueClient(db);
      await client.enqueueMany(Array.from({ length: TASKS }, (_, i) => ({ type: "record", payload: { ms: 40 + (i % 5) * 20 }, options: { maxAttempts: 1000 } })));
      let generation = 0;
      const spawnSlot = async (slot: number) => procs.set(slot, await startWorker(`pgchaos-${slot}-${generation++}`, config, pg.url));
      await Promise.all(Array.from({ length: WORKERS }, (_, slot) => spawnSlot(slot)));

      for (let round = 0; ; round++) {
        const s = await client.stats();
        if (s.completed === TASKS) break;
        assert.ok(Date.now() - startedAt < TIMEOUT_MS, `timed out with ${JSON.stringify(s)} after ${kills} kills`);
        await sleep(300 + Math.floor(random() * 700));
        if ((await client.stats()).completed === TASKS) break;
        const slot = Math.floor(random() * WORKERS);
        const victim = procs.get(slot)!;
        // The freeze comes first: a faster drain must not finish before a worker was frozen.
        if (!froze) {
          // Freeze the worker holding most tasks past its lease: the others take them back;
          // thawed, its late results must be refused by the fence.
          const holding = await db.execute(
            "SELECT locked_by, count(*) AS n FROM task_queue WHERE status = 'processing' GROUP BY locked_by ORDER BY n DESC LIMIT 1",
          );
          const top = holding.rows[0];
          const frozen = top === undefined ? undefined : [...procs.values()].find((p) => p.id === String(top["locked_by"]));
          if (frozen !== undefined) {
            froze = true;
            frozenProc = frozen;
            frozen.child.kill("SIGSTOP");
            frozenHeld = Number(top!["n"]);
            await sleep(LEASE_MS * 2 + 1000);
            frozen.child.kill("SIGCONT");
            continue;
          }
        }
        victim.child.kill("SIGKILL");
        await victim.exited;
        kills++;
        const held = await db.execute("SELECT id FROM task_queue WHERE status = 'processing' AND locked_by = ?", [victim.id]);
        for (const row of held.rows) killedHolding.add(Number(row["id"]));
        await spawnSlot(slot);
      }

      for (const p of procs.values()) p.child.kill("SIGTERM");
      const codes = await Promise.all([...procs.values()].map((p) => p.exited));
      assert.deepEqual(codes, codes.map(() => 0), "survivors stop gracefully");

      const stats = await client.stats();
      assert.equal(stats.completed, TASKS, "nothing lost: every task completed");
      assert.equal(stats.total, TASKS);

      // Exactly one completion per task, whatever the stale holders tried.
      const completions = await queryDatabase<{ task_id: string; n: string }>(
        pg.url,
        "SELECT task_id, count(*) AS n FROM task_logs WHERE message LIKE '%→ completed%' GROUP BY task_id",
      );
      assert.equal(completions.length, TASKS, "a completion is logged for every task");
      assert.deepEqual(completions.filter((r) => Number(r.n) !== 1), [], "no task completed twice");

      // Runs per task against reclaims per task: a second run needs its lease taken back first.
      const runs = await queryDatabase<{ task_id: string; n: string }>(pg.url, "SELECT task_id, count(*) AS n FROM executions GROUP BY task_id");
      assert.equal(runs.length, TASKS, "every task executed");
      const reclaims = new Map(
        (
          await queryDatabase<{ task_id: string; n: string }>(
            pg.url,
            "SELECT task_id, count(*) AS n FROM task_logs WHERE message LIKE 'Status transition: processing → queued%' GROUP BY task_id",
          )
        ).map((r) => [Number(r.task_id), Number(r.n)]),
      );
      const unexplained = runs.filter((r) => Number(r.n) > 1 + (reclaims.get(Number(r.task_id)) ?? 0));
      assert.deepEqual(unexplained, [], "no task ran more often than its lease was taken back");
      const reRuns = runs.reduce((n, r) => n + Number(r.n) - 1, 0);

      assert.ok(froze, "a worker holding tasks was frozen");
      assert.ok(kills >= 1, "at least one worker was SIGKILLed while tasks were left");
      const refused = (frozenProc?.stderr.match(/task result refused: lease no longer held/g) ?? []).length;
      console.log(
        `pg chaos: tasks=${TASKS} workers=${WORKERS} kills=${kills} froze=1 executions=${TASKS + reRuns} re-executions=${reRuns}` +
          ` (held at a kill: ${killedHolding.size}; reclaims logged: ${[...reclaims.values()].reduce((a, b) => a + b, 0)})` +
          ` frozen holding ${frozenHeld}, its late results refused: ${refused} wall=${((Date.now() - startedAt) / 1000).toFixed(1)}s`,
      );
    } finally {
      for (const p of procs.values()) {
        p.child.kill("SIGCONT");
        p.child.kill("SIGKILL");
      }
      await db.close();
    }
  });

  test("fencing across two pools: a holder whose lease was reclaimed cannot complete, renew or fail it", async () => {
    const dbA = await node.openQueueDatabase({ path: pg.url });
    const dbB = await node.openQueueDatabase({ path: pg.url });
    try {
      const client = new core.QueueClient(dbA);
      const id = await client.enqueue("fenced", { n: 1 });
      const handlers = { fenced: async () => {} };
      const a = new core.QueueWorker(dbA, { workerId: "fence-a", leaseMs: 300, renewIntervalMs: 100, heartbeatIntervalMs: 0, handlers });
      const b = new core.QueueWorker(dbB, { workerId: "fence-b", leaseMs: 10_000, heartbeatIntervalMs: 0, handlers });
      const [heldA] = await a.claimTasks(1);
      assert.equal(heldA?.id, id);
      await sleep(700); // A's lease runs out
      const [heldB] = await b.claimTasks(1);
      assert.equal(heldB?.id, id, "B reclaims the expired lease");
      assert.ok(heldB.leaseToken > heldA.leaseToken, "the token moved");
      await assert.rejects(a.completeTask(heldA), (e: Error) => e.name === "LeaseLostError", "A's completion is refused");
      await assert.rejects(a.renewLease(heldA), (e: Error) => e.name === "LeaseLostError", "A's renewal is refused");
      await assert.rejects(a.failTask(heldA, new Error("late")), (e: Error) => e.name === "LeaseLostError", "A's failure is refused");
      await b.completeTask(heldB);
      const task = await client.getTask(id);
      assert.equal(task?.status, "completed");
      assert.equal(task?.attempts, 2);
      assert.equal(task?.lockedBy, "fence-b");
    } finally {
      await dbA.close();
      await dbB.close();
    }
  });
});
