/**
 * The built CLI (`dist/cli.js`) on a real PostgreSQL server: `--db postgres://…` for init,
 * enqueue, list, stats, metrics and worker; `PRISMQ_QUEUE_DB_PATH` and a worker config's
 * `database.path` as URLs; read-only commands that create nothing; commands that only make sense
 * on a SQLite file refused with exit 2 naming pg_dump; the password never printed; and a SQLite
 * user's command never loading a PostgreSQL client.
 *
 * Each run creates its own database (test/helpers/postgres.ts) and drops it.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { DIST_CLI, distPath, importDist, ROOT } from "./helpers/dist.ts";
import { createTempDatabase, pgSuiteOptions, queryDatabase, requirePostgres, type TempDatabase } from "./helpers/postgres.ts";

const HANDLERS = join(ROOT, "test", "fixtures", "postgres-handlers.mjs");

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let dir = "";

/** Runs the built CLI to completion; the default database is a file in the temp folder. */
function prismq(args: readonly string[], env: Record<string, string> = {}, nodeArgs: readonly string[] = []): RunResult {
  const r = spawnSync(process.execPath, [...nodeArgs, DIST_CLI, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 90_000, // a busy CI machine starts Node slowly
    env: { ...process.env, PRISMQ_QUEUE_DB_PATH: join(dir, "default.db"), ...env },
  });
  if (r.error !== undefined) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Tables of the public schema of `url`. */
async function tablesOf(url: string): Promise<string[]> {
  const rows = await queryDatabase<{ t: string }>(url, "select table_name as t from information_schema.tables where table_schema = 'public' order by 1");
  return rows.map((r) => r.t);
}

describe("prismq CLI on PostgreSQL (built dist/cli.js)", pgSuiteOptions(), () => {
  let pg: TempDatabase;
  let empty: TempDatabase;
  before(async () => {
    requirePostgres();
    distPath("cli.js");
    dir = mkdtempSync(join(tmpdir(), "prismq-pgcli-"));
    pg = await createTempDatabase("cli");
    empty = await createTempDatabase("cli_empty");
  });
  after(async () => {
    await pg?.drop();
    await empty?.drop();
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  test("read-only commands on a database without the queue schema create nothing: exit 2", async () => {
    for (const cmd of [["list"], ["stats"], ["metrics"], ["export"]]) {
      const r = prismq([...cmd, "--db", empty.url]);
      assert.equal(r.code, 2, `${cmd[0]}: ${r.stderr}`);
      assert.match(r.stderr, /prismq init --db postgres:\/\//, cmd[0]);
    }
    assert.deepEqual(await tablesOf(empty.url), [], "no table created by a read-only command");
  });

  test("init creates the schema, and again is a no-op; the URL's password is never printed", async () => {
    const withPassword = pg.url.replace("postgres@", "postgres:s3cret@");
    const r = prismq(["init", "--db", withPassword]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /schema version: +\d+/);
    assert.doesNotMatch(r.stdout + r.stderr, /s3cret/);
    assert.match(r.stdout, /postgres:\*\*\*@/);
    assert.ok((await tablesOf(pg.url)).includes("task_queue") || (await tablesOf(pg.url)).length > 0);
    const again = prismq(["init", "--db", pg.url]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.replace(/\s+/g, " "), r.stdout.replace(/\s+/g, " ").replace(/:\*\*\*@/, "@"));
  });

  test("enqueue (idempotency key kept), list, stats and metrics by --db and by PRISMQ_QUEUE_DB_PATH", () => {
    const a = prismq(["enqueue", "email", '{"to":"a@example.com"}', "--key", "k-1", "--priority", "5", "--db", pg.url]);
    assert.equal(a.code, 0, a.stderr);
    const id = Number(a.stdout.trim());
    assert.ok(Number.isInteger(id) && id > 0, a.stdout);
    const again = prismq(["enqueue", "email", '{"to":"other"}', "--key", "k-1", "--db", pg.url]);
    assert.equal(Number(again.stdout.trim()), id, "the same key gives the first task's id");
    // The URL from the environment, no --db.
    const b = prismq(["enqueue", "report", "{}", "--max-attempts", "2"], { PRISMQ_QUEUE_DB_PATH: pg.url });
    assert.equal(b.code, 0, b.stderr);

    const list = prismq(["list", "--json", "--db", pg.url]);
    assert.equal(list.code, 0, list.stderr);
    const tasks = JSON.parse(list.stdout) as { id: number; type: string; status: string; priority: number; idempotencyKey: string | null; maxAttempts: number }[];
    assert.deepEqual(
      tasks.map((t) => [t.type, t.status, t.priority, t.idempotencyKey, t.maxAttempts]),
      [
        ["email", "queued", 5, "k-1", 5],
        ["report", "queued", 100, null, 2],
      ],
    );
    const stats = prismq(["stats", "--json"], { PRISMQ_QUEUE_DB_PATH: pg.url });
    assert.equal(stats.code, 0, stats.stderr);
    const s = JSON.parse(stats.stdout) as { queued: number; total: number; health: { status: string } };
    assert.equal(s.queued, 2);
    assert.equal(s.total, 2);
    const metrics = prismq(["metrics", "--db", pg.url]);
    assert.equal(metrics.code, 0, metrics.stderr);
    assert.match(metrics.stdout, /^# (HELP|TYPE) /m);
    assert.match(metrics.stdout, /status="queued"[^\n]* 2\b/);
  });

  test("worker --db URL runs the tasks; a config file's database.path may be the URL too", async () => {
    await queryDatabase(pg.url, "create table if not exists executions (task_id bigint, worker_pid int, at_ms bigint, attempt int)");
    for (let i = 0; i < 20; i++) assert.equal(prismq(["enqueue", "record", `{"n":${i}}`, "--db", pg.url]).code, 0);
    const config = join(dir, "worker.json");
    writeFileSync(config, JSON.stringify({ concurrency: 4, pollIntervalMs: 50, heartbeatIntervalMs: 500, database: { path: pg.url } }));
    const child = spawn(process.execPath, [DIST_CLI, "worker", "--config", config, "--handlers", HANDLERS, "--quiet"], {
      cwd: ROOT,
      // No --db and no PRISMQ_QUEUE_DB_PATH: the config's database.path is used.
      env: { ...process.env, PRISMQ_QUEUE_DB_PATH: undefined as unknown as string },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const done = await queryDatabase<{ n: string }>(pg.url, "select count(*) as n from task_queue where type = 'record' and status = 'completed'");
        if (Number(done[0]!.n) === 20) break;
        assert.ok(Date.now() < deadline, `worker did not finish: ${stdout} ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(stdout, /^prismq worker \S+ ready \(pid \d+\)$/m);
      const runs = await queryDatabase<{ n: string }>(pg.url, "select count(distinct task_id) as n from executions");
      assert.equal(Number(runs[0]!.n), 20);
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0, stderr);
    const stats = JSON.parse(prismq(["stats", "--json", "--db", pg.url]).stdout) as { completed: number };
    assert.equal(stats.completed, 20);
  });

  test("a read-only open (as list, stats, metrics and export use) cannot write: its transactions are read-only", async () => {
    const node = await importDist<typeof import("../runtime/node/index.ts")>("node.js");
    const db = await node.openQueueDatabase({ path: pg.url, readOnly: true });
    try {
      assert.ok((await db.execute("SELECT count(*) AS n FROM task_queue")).rows.length === 1, "reads work");
      await assert.rejects(db.execute("DELETE FROM task_queue"), /read-only/);
      await assert.rejects(db.execute("CREATE TABLE prismq_should_not_exist (x int)"), /read-only/);
    } finally {
      await db.close();
    }
    assert.ok(!(await tablesOf(pg.url)).includes("prismq_should_not_exist"));
  });

  test("backup, restore and file-only maintenance are refused with exit 2 naming the PostgreSQL tool", () => {
    const backup = prismq(["backup", "--db", pg.url]);
    assert.equal(backup.code, 2, backup.stderr);
    assert.match(backup.stderr, /pg_dump/);
    const restore = prismq(["restore", join(dir, "nothing.db"), "--db", pg.url]);
    assert.equal(restore.code, 2, restore.stderr);
    assert.match(restore.stderr, /pg_restore/);
    for (const op of ["checkpoint", "integrity", "pragmas"]) {
      const r = prismq(["maintenance", op, "--db", pg.url]);
      assert.equal(r.code, 2, `${op}: ${r.stderr}`);
      assert.match(r.stderr, /PostgreSQL/);
    }
    const driver = prismq(["list", "--driver", "better-sqlite3", "--db", pg.url]);
    assert.equal(driver.code, 2, driver.stderr);
  });

  test("an unreachable server is exit 1 with a message naming it, without the password", () => {
    const r = prismq(["stats", "--db", "postgres://postgres:hunter2@127.0.0.1:1/nothing"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /127\.0\.0\.1:1|ECONNREFUSED|connect/i);
    assert.doesNotMatch(r.stderr, /hunter2/);
  });

  test("a SQLite command never loads a PostgreSQL client (the adapter is imported lazily)", () => {
    // A module hook that fails any import of a PostgreSQL client package.
    const hooks = join(dir, "no-pg-hooks.mjs");
    writeFileSync(
      hooks,
      `export async function resolve(spec, ctx, next) {
        if (spec === "postgres" || spec === "pg" || spec.startsWith("pg/")) throw new Error("PG CLIENT LOADED: " + spec);
        return next(spec, ctx);
      }`,
    );
    const register = join(dir, "no-pg.mjs");
    writeFileSync(register, `import { register } from "node:module"; register(${JSON.stringify(pathToFileURL(hooks).href)});`);
    const file = join(dir, "sqlite.db");
    for (const args of [["init", "--db", file], ["enqueue", "x", "{}", "--db", file], ["stats", "--db", file]]) {
      const r = prismq(args, {}, ["--import", register]);
      assert.equal(r.code, 0, `${args[0]}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /PG CLIENT LOADED/);
    }
    // The hook does catch a PostgreSQL open (so the check above can fail), and a missing client
    // is reported as what to install.
    const pgRun = prismq(["stats", "--db", pg.url], {}, ["--import", register]);
    assert.equal(pgRun.code, 1, pgRun.stderr);
    assert.match(pgRun.stderr, /needs the "postgres" package: npm install postgres/);
  });
});
