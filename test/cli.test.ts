/**
 * The `prismq` CLI, run as a subprocess the way users run it (`node cli/prismq.ts …`), against
 * database files in a temporary folder.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { openQueueDatabase } from "../adapters/node/index.ts";
import { QueueClient } from "../src/index.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "cli", "prismq.ts");

let dir = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "prismq-cli-test-"));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI to completion. The default path points into the temp folder, never /tmp/prismq. */
function prismq(...args: string[]): RunResult {
  const r = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 20_000,
    env: { ...process.env, PRISMQ_QUEUE_DB_PATH: join(dir, "default.db") },
  });
  if (r.error !== undefined) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The demo's "status / this run / database" table, parsed. */
function demoCounts(stdout: string): Map<string, { run: number; db: number }> {
  const counts = new Map<string, { run: number; db: number }>();
  for (const m of stdout.matchAll(/^\s+(queued|processing|completed|failed|cancelled|dead_letter|total)\s+(\d+)\s+(\d+)\s*$/gm)) {
    counts.set(m[1]!, { run: Number(m[2]), db: Number(m[3]) });
  }
  return counts;
}

describe("prismq demo", () => {
  test("finishes a small run, exits 0, and its counts match the database", async () => {
    const db = join(dir, "demo.db");
    const r = prismq("demo", "--db", db, "--tasks", "40", "--workers", "2");
    assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    assert.match(r.stdout, /^OK: all 40 tasks ended as expected/m);
    assert.match(r.stdout, /^elapsed: \d+\.\d+ s$/m);
    assert.match(r.stdout, /^throughput: \d+(\.\d+)? tasks\/s$/m);
    assert.ok(r.stdout.includes(`database: ${db}`), "prints the database path");
    // Not a TTY: a progress line at most every 10%, so at most 11 of them.
    const progress = r.stdout.split("\n").filter((l) => l.startsWith("progress "));
    assert.ok(progress.length >= 1 && progress.length <= 11, `${progress.length} progress lines`);
    assert.ok(!r.stdout.includes("\r"), "no carriage returns in a log");

    const counts = demoCounts(r.stdout);
    assert.equal(counts.get("total")?.run, 40);
    assert.equal(counts.get("queued")?.run, 0);
    assert.equal(counts.get("processing")?.run, 0);
    const completed = counts.get("completed")!.run;
    const failed = counts.get("failed")!.run;
    assert.ok(failed >= 1, "at least one always-failing task");
    assert.equal(completed + failed, 40);

    const qdb = await openQueueDatabase({ path: db });
    try {
      const client = new QueueClient(qdb);
      const stats = await client.stats();
      assert.equal(stats.total, 40);
      assert.equal(stats.completed, completed);
      assert.equal(stats.failed, failed);
      assert.equal(counts.get("total")?.db, stats.total);
      const failedTasks = await client.listTasks({ status: "failed" });
      assert.equal(failedTasks.length, failed);
      for (const t of failedTasks) {
        assert.equal(t.type, "demo.always_fails");
        assert.equal(t.attempts, 3);
        assert.equal(t.maxAttempts, 3);
      }
      const flaky = await client.listTasks({ type: "demo.flaky" });
      assert.ok(flaky.length >= 1);
      for (const t of flaky) assert.deepEqual([t.status, t.attempts], ["completed", 2]);
    } finally {
      await qdb.close();
    }
  });

  test("a second run on the same file counts only its own tasks", () => {
    const db = join(dir, "demo.db");
    const r = prismq("demo", "--db", db, "--tasks", "40", "--workers", "2", "--concurrency", "2");
    assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    const counts = demoCounts(r.stdout);
    assert.equal(counts.get("total")?.run, 40);
    assert.equal(counts.get("total")?.db, 80);
    assert.equal(counts.get("completed")!.run + counts.get("failed")!.run, 40);
  });

  test("bad demo options exit 2", () => {
    const r = prismq("demo", "--db", join(dir, "unused.db"), "--tasks", "zero");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--tasks expects an integer/);
  });
});

describe("prismq init, enqueue, list, stats", () => {
  test("round trip", () => {
    const db = join(dir, "sub", "queue.db");
    const init = prismq("init", "--db", db);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /schema version: \d+/);
    assert.ok(init.stdout.includes(db));

    const a = prismq("enqueue", "email", '{"to":"a@example.com"}', "--priority", "10", "--max-attempts", "3", "--db", db);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout.trim(), /^\d+$/);
    const b = prismq("enqueue", "report", "--delay-ms", "60000", "--key", "k-1", "--db", db);
    assert.equal(b.code, 0, b.stderr);
    const again = prismq("enqueue", "report", '{"other":true}', "--key", "k-1", "--db", db);
    assert.equal(again.stdout.trim(), b.stdout.trim(), "same idempotency key, same id");

    const table = prismq("list", "--db", db);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split("\n");
    assert.match(lines[0]!, /^id\s+type\s+status\s+priority\s+attempts\/max\s+run_after/);
    assert.equal(lines.length, 4, table.stdout); // header, rule, two tasks
    assert.match(table.stdout, /email\s+queued\s+10\s+0\/3/);

    const json = prismq("list", "--db", db, "--json", "--type", "email");
    assert.equal(json.code, 0, json.stderr);
    const tasks = JSON.parse(json.stdout) as { id: number; type: string; payload: unknown; priority: number }[];
    assert.equal(tasks.length, 1);
    assert.equal(tasks[0]!.id, Number(a.stdout.trim()));
    assert.deepEqual(tasks[0]!.payload, { to: "a@example.com" });
    assert.equal(tasks[0]!.priority, 10);

    const empty = prismq("list", "--db", db, "--status", "failed");
    assert.equal(empty.code, 0);
    assert.equal(empty.stdout.trim(), "(no tasks)");

    const stats = prismq("stats", "--db", db, "--json");
    assert.equal(stats.code, 0, stats.stderr);
    assert.deepEqual(JSON.parse(stats.stdout), {
      queued: 2,
      processing: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
      dead_letter: 0,
      total: 2,
    });
    const text = prismq("stats", "--db", db);
    assert.match(text.stdout, /^queued\s+2$/m);
    assert.match(text.stdout, /^total\s+2$/m);
  });
});

describe("prismq errors", () => {
  test("a bad JSON payload exits 2 with one line on stderr and stores nothing", async () => {
    const db = join(dir, "bad.db");
    const r = prismq("enqueue", "email", "{not json", "--db", db);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /not valid JSON/);
    const qdb = await openQueueDatabase({ path: db });
    try {
      assert.equal((await new QueueClient(qdb).stats()).total, 0);
    } finally {
      await qdb.close();
    }
  });

  test("bad options exit 2 with one line on stderr", () => {
    const db = join(dir, "bad.db");
    for (const args of [
      ["enqueue", "email", "--priority", "high"],
      ["enqueue", "email", "--max-attempts", "0"],
      ["enqueue", "email", "--nope"],
      ["enqueue"],
      ["list", "--status", "bogus"],
      ["stats", "--driver", "sqlite9"],
    ]) {
      const r = prismq(...args, "--db", db);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split("\n").length, 1, `${args.join(" ")}: ${r.stderr}`);
    }
  });

  test("an unknown command exits 2 with usage on stderr", () => {
    const r = prismq("frobnicate");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command 'frobnicate'/);
    assert.match(r.stderr, /Usage:/);
  });

  test("--help prints usage and exits 0", () => {
    const r = prismq("--help");
    assert.equal(r.code, 0);
    assert.match(r.stdout, /prismq demo/);
    const sub = prismq("enqueue", "--help");
    assert.equal(sub.code, 0);
    assert.match(sub.stdout, /--max-attempts/);
  });
});
