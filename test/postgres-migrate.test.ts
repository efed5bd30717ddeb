/**
 * Moving a queue from SQLite to PostgreSQL through the built CLI:
 * `prismq export --db file.db --history | prismq import --db postgres://… -` copies every task
 * (ids, statuses, attempts, errors, idempotency keys, times, fencing tokens), every task_logs row
 * and the workers table; the counts, statuses and keys are identical after; a second import adds
 * nothing; and the PostgreSQL queue goes on from there (new ids after the imported ones, an
 * imported key still deduplicates, workers drain what was queued).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DIST_CLI, importDist, ROOT } from "./helpers/dist.ts";
import { createTempDatabase, pgSuiteOptions, requirePostgres, type TempDatabase } from "./helpers/postgres.ts";

type Core = typeof import("../src/index.ts");
type NodeEntry = typeof import("../runtime/node/index.ts");
type QueueDatabase = import("../src/database.ts").QueueDatabase;
type Task = import("../src/task.ts").Task;

/** `export | import` as a shell pipeline of the built CLI, failing if either side fails. */
function pipeExportImport(file: string, url: string): { code: number | null; stdout: string; stderr: string } {
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const cli = `${q(process.execPath)} ${q(DIST_CLI)}`;
  const r = spawnSync("bash", ["-o", "pipefail", "-c", `${cli} export --db ${q(file)} --history | ${cli} import --db ${q(url)} --json -`], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.error !== undefined) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function cli(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DIST_CLI, ...args], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
  if (r.error !== undefined) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What must survive the move, per task. */
function essentials(t: Task): unknown {
  return {
    id: t.id,
    type: t.type,
    status: t.status,
    priority: t.priority,
    payload: t.payload,
    attempts: t.attempts,
    maxAttempts: t.maxAttempts,
    idempotencyKey: t.idempotencyKey,
    errorMessage: t.errorMessage,
    runAfter: t.runAfter,
    createdAt: t.createdAt,
    finishedAt: t.finishedAt,
    leaseToken: t.leaseToken,
  };
}

/** Log rows per task as (level, message, time), the import's own rows left out. */
async function logsOf(db: QueueDatabase, core: Core): Promise<string[]> {
  const r = await db.execute("SELECT task_id, level, message, at_utc FROM task_logs WHERE message <> ? ORDER BY task_id, log_id", [core.IMPORTED_LOG_MESSAGE]);
  return r.rows.map((row) => `${String(row["task_id"])} ${String(row["level"])} ${String(row["message"])} ${String(row["at_utc"]).slice(0, 23)}`);
}

async function workersOf(db: QueueDatabase): Promise<string[]> {
  const r = await db.execute("SELECT worker_id, capabilities FROM workers ORDER BY worker_id");
  return r.rows.map((row) => `${String(row["worker_id"])} ${JSON.stringify(JSON.parse(String(row["capabilities"])))}`);
}

describe("moving a SQLite queue to PostgreSQL (built CLI export | import)", pgSuiteOptions(), () => {
  let core: Core;
  let node: NodeEntry;
  let pg: TempDatabase;
  let dir = "";
  let file = "";
  before(async () => {
    requirePostgres();
    core = await importDist<Core>("index.js");
    node = await importDist<NodeEntry>("node.js");
    pg = await createTempDatabase("migrate");
    dir = mkdtempSync(join(tmpdir(), "prismq-pgmigrate-"));
    file = join(dir, "queue.db");

    // A SQLite queue with a history: completed, retried, failed, dead-lettered, cancelled,
    // delayed and queued tasks, idempotency keys, and a worker row.
    const db = await node.openQueueDatabase({ path: file });
    try {
      const client = new core.QueueClient(db);
      for (let i = 0; i < 12; i++) await client.enqueue("ok", { i }, { idempotencyKey: `ok-${i}`, priority: i % 3 });
      for (let i = 0; i < 5; i++) await client.enqueue("flaky", { i }, { maxAttempts: 3 });
      for (let i = 0; i < 3; i++) await client.enqueue("fatal", { i }, { idempotencyKey: `fatal-${i}` });
      const cancelled = await client.enqueue("ok", { cancel: true });
      await client.enqueue("later", { n: 1 }, { delayMs: 3_600_000, idempotencyKey: "later-1" });
      const worker = new core.QueueWorker(db, {
        workerId: "sqlite-host-1",
        heartbeatIntervalMs: 0,
        taskLogs: "all",
        backoff: { baseMs: 1, maxMs: 1, jitter: 0 },
        handlers: {
          ok: async () => {},
          flaky: async () => {
            throw new Error("flaky upstream");
          },
          fatal: async () => {
            throw new core.NonRetryableError("bad input");
          },
        },
      });
      await client.cancel(cancelled);
      // Rounds until nothing runnable remains: flaky ends failed after 3 attempts.
      for (let round = 0; round < 20; round++) {
        await new Promise((r) => setTimeout(r, 5));
        if ((await worker.processOnce(50)) === 0 && round > 4) break;
      }
      await client.enqueue("ok", { tail: true }, { idempotencyKey: "tail" }); // still queued
      await db.execute("INSERT INTO workers (worker_id, capabilities, heartbeat_utc) VALUES (?, ?, ?)", ["sqlite-host-2", '{"region":"eu"}', "2026-11-30 10:00:00.000"]);
    } finally {
      await db.close();
    }
  });
  after(async () => {
    await pg?.drop();
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  test("every task, log row and worker arrives identical; a second import adds nothing", async () => {
    const r = pipeExportImport(file, pg.url);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { read: number; imported: number; skipped: number; logs: number; workers: number };

    const src = await node.openQueueDatabase({ path: file, readOnly: true });
    const dst = await node.openQueueDatabase({ path: pg.url });
    try {
      const srcTasks = await new core.QueueClient(src).listTasks({ limit: 1000 });
      const dstTasks = await new core.QueueClient(dst).listTasks({ limit: 1000 });
      assert.equal(report.read, srcTasks.length);
      assert.equal(report.imported, srcTasks.length);
      assert.deepEqual(dstTasks.map(essentials), srcTasks.map(essentials), "tasks identical");
      const byStatus = (ts: Task[]) => ts.reduce<Record<string, number>>((m, t) => ((m[t.status] = (m[t.status] ?? 0) + 1), m), {});
      const counts = byStatus(srcTasks);
      for (const s of ["completed", "failed", "dead_letter", "cancelled", "queued"]) assert.ok((counts[s] ?? 0) > 0, `the source has ${s} tasks`);
      assert.deepEqual(byStatus(dstTasks), counts);
      assert.deepEqual(await new core.QueueClient(dst).stats(), await new core.QueueClient(src).stats(), "stats identical");

      const srcLogs = await logsOf(src, core);
      assert.ok(srcLogs.length > srcTasks.length, "the source has a history");
      assert.deepEqual(await logsOf(dst, core), srcLogs, "every log row, in order, with its time");
      assert.equal(report.logs, srcLogs.length);
      assert.deepEqual(await workersOf(dst), await workersOf(src), "workers identical");
      assert.equal(report.workers, 1);

      // Again: nothing added.
      const again = pipeExportImport(file, pg.url);
      assert.equal(again.code, 0, again.stderr);
      const second = JSON.parse(again.stdout) as typeof report;
      assert.deepEqual([second.imported, second.skipped, second.logs, second.workers], [0, srcTasks.length, 0, 0]);
      assert.equal((await new core.QueueClient(dst).listTasks({ limit: 1000 })).length, srcTasks.length);
      assert.deepEqual(await logsOf(dst, core), srcLogs);
    } finally {
      await src.close();
      await dst.close();
    }
  });

  test("the PostgreSQL queue goes on: new ids follow the imported ones, imported keys still deduplicate, queued tasks run", async () => {
    const maxId = Number((await (async () => {
      const db = await node.openQueueDatabase({ path: pg.url });
      try {
        return (await db.execute("SELECT max(id) AS m FROM task_queue")).rows[0]!["m"];
      } finally {
        await db.close();
      }
    })()) ?? 0);
    const fresh = cli(["enqueue", "ok", '{"new":true}', "--db", pg.url]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.ok(Number(fresh.stdout.trim()) > maxId, `new id ${fresh.stdout.trim()} after the imported ${maxId}`);
    const dup = cli(["enqueue", "ok", "{}", "--key", "tail", "--db", pg.url]);
    assert.equal(dup.code, 0, dup.stderr);
    const db = await node.openQueueDatabase({ path: pg.url });
    try {
      const tail = await db.execute("SELECT id FROM task_queue WHERE idempotency_key = 'tail'");
      assert.equal(Number(dup.stdout.trim()), Number(tail.rows[0]!["id"]), "the imported key returns the imported task");
      const worker = new core.QueueWorker(db, { heartbeatIntervalMs: 0, handlers: { ok: async () => {} } });
      while ((await worker.processOnce(20)) > 0);
      const queuedOk = await new core.QueueClient(db).listTasks({ status: ["queued"], type: "ok" });
      assert.deepEqual(queuedOk, [], "imported queued tasks run on PostgreSQL");
    } finally {
      await db.close();
    }
  });
});
