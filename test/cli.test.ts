/**
 * The `prismq` CLI, run as a subprocess the way users run it (`node cli/prismq.ts …`), against
 * database files in a temporary folder.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { openQueueDatabase } from "../runtime/node/index.ts";
import { QueueClient, type QueueHealthSummary, QueueWorker, WorkerHeartbeat } from "../src/index.ts";

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

/** Runs the CLI without blocking, so independent runs (usage errors) can overlap. */
function prismqAsync(...args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, PRISMQ_QUEUE_DB_PATH: join(dir, "default.db") },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 20_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
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
    const { health, ...counts } = JSON.parse(stats.stdout) as Record<string, unknown> & { health: QueueHealthSummary };
    assert.deepEqual(counts, {
      queued: 2,
      processing: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
      dead_letter: 0,
      total: 2,
    });
    assert.equal(health.status, "healthy");
    assert.deepEqual(health.reasons, []);
    assert.equal(health.queueDepth, 2);
    assert.equal(health.depthByStatus.queued, 2);
    assert.deepEqual(health.workers, { total: 0, active: 0, late: 0, stale: 0 });
    const text = prismq("stats", "--db", db);
    assert.match(text.stdout, /^queued\s+2$/m);
    assert.match(text.stdout, /^total\s+2$/m);
    assert.match(text.stdout, /^health:\s+healthy$/m);
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

  test("bad options exit 2 with one line on stderr", async () => {
    const db = join(dir, "bad.db");
    const cases = [
      ["enqueue", "email", "--priority", "high"],
      ["enqueue", "email", "--max-attempts", "0"],
      ["enqueue", "email", "--nope"],
      ["enqueue"],
      ["list", "--status", "bogus"],
      ["stats", "--driver", "sqlite9"],
    ];
    const results = await Promise.all(cases.map((args) => prismqAsync(...args, "--db", db)));
    for (const [i, r] of results.entries()) {
      const args = cases[i]!;
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

/** The families parse-prometheus-text-format returns (the package ships no types). */
interface PromFamily {
  readonly name: string;
  readonly type: string;
  readonly metrics: readonly { readonly value?: string; readonly labels?: Readonly<Record<string, string>> }[];
}
const parsePrometheus = createRequire(import.meta.url)("parse-prometheus-text-format") as (text: string) => PromFamily[];

/** A database in the temp folder with `queued` queued tasks and `completed` completed ones. */
async function seedDb(name: string, queued: number, completed = 0): Promise<string> {
  const path = join(dir, name);
  const qdb = await openQueueDatabase({ path });
  try {
    const client = new QueueClient(qdb);
    for (let i = 0; i < completed; i++) await client.enqueue("done", { i });
    if (completed > 0) {
      const worker = new QueueWorker(qdb, { handlers: { done: async () => {} } });
      while ((await worker.processOnce(10)) > 0);
    }
    for (let i = 0; i < queued; i++) await client.enqueue("email", { i });
  } finally {
    await qdb.close();
  }
  return path;
}

/** Task count of a database file. */
async function taskCount(path: string): Promise<number> {
  const qdb = await openQueueDatabase({ path });
  try {
    return (await new QueueClient(qdb).stats()).total;
  } finally {
    await qdb.close();
  }
}

describe("prismq metrics", () => {
  test("prints Prometheus text by default and the health summary with --format json", async () => {
    const db = await seedDb("metrics.db", 3, 2);
    const r = prismq("metrics", "--db", db);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.endsWith("\n") && !r.stdout.endsWith("\n\n"), "one trailing newline");
    const families = new Map(parsePrometheus(r.stdout).map((f) => [f.name, f]));
    const tasks = families.get("prismq_queue_tasks");
    assert.equal(tasks?.type, "GAUGE");
    const byStatus = Object.fromEntries(tasks!.metrics.map((m) => [m.labels!["status"], Number(m.value)]));
    assert.equal(byStatus["queued"], 3);
    assert.equal(byStatus["completed"], 2);
    assert.equal(Number(families.get("prismq_queue_completed_total")?.metrics[0]?.value), 2);
    assert.ok(families.has("prismq_queue_processing_seconds"));

    const json = prismq("metrics", "--db", db, "--format", "json");
    assert.equal(json.code, 0, json.stderr);
    const health = JSON.parse(json.stdout) as QueueHealthSummary;
    assert.equal(health.status, "healthy");
    assert.equal(health.queueDepth, 3);
    assert.equal(health.successFailureRates24h.completed, 2);
  });

  test("a bad --format exits 2", () => {
    const r = prismq("metrics", "--db", join(dir, "metrics.db"), "--format", "xml");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--format must be prometheus or json/);
  });
});

describe("prismq backup and restore", () => {
  test("backup writes a verified file in <db folder>/backups, --list lists it, --keep rotates", async () => {
    const db = await seedDb(join("bk", "queue.db"), 4);
    const first = prismq("backup", "--db", db, "--name", "first");
    assert.equal(first.code, 0, first.stderr);
    const path = /^backup:\s+(\S+)$/m.exec(first.stdout)?.[1];
    assert.ok(path !== undefined, first.stdout);
    assert.ok(path.startsWith(join(dir, "bk", "backups", "queue-first-")), path);
    assert.match(first.stdout, new RegExp(`^size:\\s+${statSync(path).size} bytes$`, "m"));
    assert.match(first.stdout, /^verified: ok \(integrity ok, schema \d+, 4 tasks\)$/m);

    const second = prismq("backup", "--db", db, "--name", "second", "--json");
    assert.equal(second.code, 0, second.stderr);
    const made = JSON.parse(second.stdout) as { backup: { path: string; label: string }; verification: { ok: boolean }; removed: string[] };
    assert.equal(made.backup.label, "second");
    assert.equal(made.verification.ok, true);
    assert.deepEqual(made.removed, []);

    const list = prismq("backup", "--list", "--db", db);
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.trim().split("\n");
    assert.equal(lines.length, 4, list.stdout); // header, rule, two backups
    assert.match(lines[2]!, /second/, "newest first");
    assert.match(lines[3]!, /first/);

    const third = prismq("backup", "--db", db, "--name", "third", "--keep", "1");
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stdout, /^removed:\s+2 old backup\(s\), 1 newest kept$/m);
    assert.ok(third.stdout.includes(path), "names the removed files");
    assert.deepEqual(readdirSync(join(dir, "bk", "backups")).map((n) => n.split("-")[1]), ["third"]);

    const other = join(dir, "elsewhere");
    const custom = prismq("backup", "--db", db, "--dir", other);
    assert.equal(custom.code, 0, custom.stderr);
    assert.equal(readdirSync(other).length, 1);
    const listed = JSON.parse(prismq("backup", "--list", "--dir", other, "--json").stdout) as { label: string }[];
    assert.deepEqual(listed.map((b) => b.label), ["backup"]);
  });

  test("backup refuses a missing database, a bad name and a bad --keep with exit 2", async () => {
    const db = join(dir, "bk", "queue.db");
    const cases: [string[], RegExp][] = [
      [["--db", join(dir, "no-such.db")], /no database at/],
      [["--db", db, "--name", "no spaces"], /invalid backup name/],
      [["--db", db, "--keep", "0"], /--keep must be between 1 and/],
      [["--db", db, "--list", "--keep", "2"], /--list cannot be combined with --keep/],
    ];
    const results = await Promise.all(cases.map(([args]) => prismqAsync("backup", ...args)));
    for (const [i, r] of results.entries()) {
      const [args, message] = cases[i]!;
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, message);
    }
    assert.ok(!existsSync(join(dir, "no-such.db")), "not created");
  });

  test("restore: refuses to clobber without --force (exit 2), replaces with it, creates a new file", async () => {
    const db = await seedDb(join("rs", "queue.db"), 2);
    const made = prismq("backup", "--db", db, "--json");
    assert.equal(made.code, 0, made.stderr);
    const backupPath = (JSON.parse(made.stdout) as { backup: { path: string } }).backup.path;
    await seedDb(join("rs", "queue.db"), 3); // now 5 tasks

    const refused = prismq("restore", backupPath, "--db", db);
    assert.equal(refused.code, 2);
    assert.equal(refused.stderr.trim().split("\n").length, 1, refused.stderr);
    assert.match(refused.stderr, /restore target already exists: .*queue\.db; pass --force to replace it/);
    assert.equal(await taskCount(db), 5, "untouched");

    const forced = prismq("restore", backupPath, "--db", db, "--force");
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /^replaced: yes/m);
    assert.match(forced.stdout, /^verified: ok .*2 tasks\)$/m);
    assert.equal(await taskCount(db), 2, "back to the backup's tasks");

    const fresh = join(dir, "rs", "new", "restored.db");
    const created = prismq("restore", backupPath, "--db", fresh, "--json");
    assert.equal(created.code, 0, created.stderr);
    const result = JSON.parse(created.stdout) as { path: string; replaced: boolean; verification: { ok: boolean; tasks: number } };
    assert.equal(result.path, fresh);
    assert.equal(result.replaced, false);
    assert.equal(result.verification.tasks, 2);
    assert.equal(await taskCount(fresh), 2);
  });

  test("restore: a missing backup exits 2, an invalid one exits 1, and the target is left alone", async () => {
    const target = join(dir, "rs", "target.db");
    const missing = prismq("restore", join(dir, "rs", "nope.db"), "--db", target);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no backup file at/);
    const junk = join(dir, "rs", "junk.db");
    writeFileSync(junk, "not a database\n".repeat(100));
    const invalid = prismq("restore", junk, "--db", target, "--force");
    assert.equal(invalid.code, 1);
    assert.equal(invalid.stderr.trim().split("\n").length, 1, invalid.stderr);
    assert.match(invalid.stderr, /invalid backup .*junk\.db: /);
    assert.ok(!existsSync(target), "nothing written");
    const usage = prismq("restore", "--db", target);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing BACKUP_PATH/);
  });
});

describe("prismq maintenance", () => {
  /** Runs one operation with --json and returns its parsed output. */
  function maint(db: string, ...args: string[]): { code: number | null; json: Record<string, unknown>; stderr: string } {
    const r = prismq("maintenance", ...args, "--db", db, "--json");
    return { code: r.code, json: r.stdout === "" ? {} : (JSON.parse(r.stdout) as Record<string, unknown>), stderr: r.stderr };
  }

  test("stats, checkpoint, analyze, optimize, vacuum, integrity and pragmas on a healthy file", async () => {
    const db = await seedDb("maint.db", 5, 3);
    assert.match(prismq("maintenance", "stats", "--db", db).stdout, /^tasks:\s+8 \(queued 5, processing 0, completed 3,/m);
    const stats = maint(db, "stats");
    assert.equal(stats.code, 0, stats.stderr);
    assert.equal(stats.json["taskCount"], 8);
    assert.equal(stats.json["journalMode"], "wal");
    assert.equal(stats.json["path"], db);
    assert.deepEqual((stats.json["tasksByStatus"] as Record<string, number>)["completed"], 3);

    const checkpoint = maint(db, "checkpoint", "--mode", "truncate");
    assert.equal(checkpoint.code, 0, checkpoint.stderr);
    assert.equal(checkpoint.json["mode"], "TRUNCATE");
    assert.equal(checkpoint.json["busy"], false);
    assert.equal(maint(db, "stats").json["walSizeBytes"], 0, "TRUNCATE empties the WAL");

    for (const op of ["analyze", "vacuum"]) {
      const r = maint(db, op);
      assert.equal(r.code, 0, `${op}: ${r.stderr}`);
      assert.equal(typeof r.json["durationMs"], "number");
    }
    const optimize = maint(db, "optimize", "--full");
    assert.equal(optimize.code, 0, optimize.stderr);
    assert.deepEqual(optimize.json["operations"], ["analyze", "optimize", "vacuum"]);

    assert.deepEqual(maint(db, "pragmas").json, { ok: true, warnings: [] });
    const integrity = prismq("maintenance", "integrity", "--db", db);
    assert.equal(integrity.code, 0, integrity.stderr);
    assert.equal(integrity.stdout, "integrity: ok\n");
  });

  test("cleanup-leases puts back a stale processing task; purge deletes old completed tasks", async () => {
    const db = await seedDb("leases.db", 2, 2);
    const qdb = await openQueueDatabase({ path: db });
    try {
      // "gone" beat once and fell silent: its lease is still valid, only its heartbeat can age.
      await new WorkerHeartbeat(qdb).updateHeartbeat("gone");
      const claimed = await new QueueWorker(qdb, { workerId: "gone", handlers: { email: async () => {} } }).claimTasks(1);
      assert.equal(claimed.length, 1);
    } finally {
      await qdb.close();
    }
    const kept = maint(db, "cleanup-leases", "--timeout-ms", "3600000");
    assert.deepEqual(kept.json, { released: 0, timeoutMs: 3_600_000 }, "its lease is valid and its heartbeat recent");
    await new Promise((r) => setTimeout(r, 5));
    const released = maint(db, "cleanup-leases", "--timeout-ms", "0");
    assert.equal(released.code, 0, released.stderr);
    assert.equal(released.json["released"], 1);

    assert.equal(maint(db, "purge", "--older-than-ms", "3600000").json["deleted"], 0);
    const purged = maint(db, "purge", "--older-than-ms", "0");
    assert.equal(purged.code, 0, purged.stderr);
    assert.equal(purged.json["deleted"], 2);
    const stats = maint(db, "stats").json;
    assert.equal(stats["taskCount"], 2);
    assert.equal((stats["tasksByStatus"] as Record<string, number>)["queued"], 2);
  });

  test("usage errors exit 2 with one line: unknown or missing op, an option the op does not take, missing or bad numbers", async () => {
    const db = join(dir, "maint.db");
    const cases: [string[], RegExp][] = [
      [["defragment"], /unknown operation 'defragment'/],
      [[], /missing OP/],
      [["analyze", "--full"], /analyze does not take --full/],
      [["checkpoint", "--mode", "SOMETIMES"], /--mode must be one of PASSIVE, FULL, RESTART, TRUNCATE/],
      [["cleanup-leases"], /cleanup-leases needs --timeout-ms N/],
      [["purge", "--older-than-ms", "soon"], /--older-than-ms expects an integer/],
    ];
    const results = await Promise.all(cases.map(([args]) => prismqAsync("maintenance", ...args, "--db", db)));
    for (const [i, r] of results.entries()) {
      const [args, message] = cases[i]!;
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split("\n").length, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });

  test("--help lists every operation", () => {
    const r = prismq("maintenance", "--help");
    assert.equal(r.code, 0);
    for (const op of ["checkpoint", "analyze", "vacuum", "integrity", "cleanup-leases", "stats", "optimize", "purge", "pragmas"]) {
      assert.match(r.stdout, new RegExp(`^  ${op}\\b`, "m"));
    }
  });
});
