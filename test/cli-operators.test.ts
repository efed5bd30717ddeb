/**
 * The built `prismq` CLI (`dist/cli.js`) as an operator runs it, for issue 10's defects:
 * - 6: an empty or in-memory database path is refused with exit 2 by every command;
 * - 7: list, stats, metrics, backup and maintenance integrity|stats|pragmas open the database
 *   read-only: they create nothing, migrate nothing, leave another application's SQLite file
 *   byte-for-byte as it was, and read a file the user cannot write;
 * - 3: two `restore --force` at once on a target with committed tasks in its WAL: one restores,
 *   the other is refused (exit 4), and the target is always a whole database.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DIST_CLI, distPath, importDist, ROOT } from "./helpers/dist.ts";
import { tempDir } from "./helpers/drivers.ts";

const node = await importDist<typeof import("../runtime/node/index.ts")>("node.js");
const core = await importDist<typeof import("../src/index.ts")>("index.js");
const Database = createRequire(import.meta.url)("better-sqlite3") as typeof import("better-sqlite3");

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const DB_DRIVERS = ["better-sqlite3", "node-sqlite"] as const;

let dir = "";
let cleanup = (): void => {};
before(() => {
  distPath("cli.js");
  ({ dir, cleanup } = tempDir("prismq-cli-ops-"));
  chmodSync(dir, 0o755); // the read-only tests run the CLI as an unprivileged user
});
after(() => cleanup());

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without the machine's PRISMQ_* settings, plus `extra`. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("PRISMQ_")) env[k] = v;
  return { ...env, ...extra };
}

/** Runs the built CLI to completion (asynchronously, so runs can overlap). */
function prismq(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; unprivileged?: boolean } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", DIST_CLI, ...args], {
      cwd: dir,
      env: opts.env ?? cleanEnv({ PRISMQ_QUEUE_DB_PATH: join(dir, "default.db") }),
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 30_000,
      ...(opts.unprivileged === true && asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the thunks at most `width` at a time (the machine may have two cores). */
async function inBatches<T>(thunks: readonly (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < thunks.length; i += width) results.push(...(await Promise.all(thunks.slice(i, i + width).map((f) => f()))));
  return results;
}

/** A queue database with `n` queued tasks, made through the built package. */
async function seedQueue(path: string, n: number, driver: (typeof DB_DRIVERS)[number] = "better-sqlite3"): Promise<void> {
  const db = await node.openQueueDatabase({ path, driver });
  try {
    const client = new core.QueueClient(db);
    for (let i = 0; i < n; i++) await client.enqueue("email", { i });
  } finally {
    await db.close();
  }
}

/** Every file in `folder` (names), sorted. */
const filesIn = (folder: string): string[] => readdirSync(folder).sort();

describe("defect 6: an empty or in-memory database path is refused by every command", () => {
  test("--db '', --db :memory: and PRISMQ_QUEUE_DB_PATH='' exit 2 with one line, for every command", async () => {
    const config = join(dir, "w.yaml");
    writeFileSync(config, "pollIntervalMs: 20\n");
    const handlers = join(ROOT, "test", "fixtures", "handlers.mjs");
    const backupFile = join(dir, "some-backup.db");
    await seedQueue(backupFile, 1);
    const commands: string[][] = [
      ["init"],
      ["enqueue", "t", "{}"],
      ["list"],
      ["stats"],
      ["metrics"],
      ["backup"],
      ["backup", "--list", "--dir", join(dir, "bk")],
      ["restore", backupFile, "--force"],
      ["maintenance", "stats"],
      ["maintenance", "vacuum"],
      ["worker", "--config", config, "--handlers", handlers],
      ["demo", "--tasks", "1"],
    ];
    const runs: (() => Promise<[string, RunResult]>)[] = [];
    for (const args of commands) {
      for (const db of ["", ":memory:", "  "]) runs.push(() => prismq([...args, "--db", db]).then((r) => [`${args.join(" ")} --db '${db}'`, r]));
      runs.push(() => prismq(args, { env: cleanEnv({ PRISMQ_QUEUE_DB_PATH: "" }) }).then((r) => [`PRISMQ_QUEUE_DB_PATH='' ${args.join(" ")}`, r]));
    }
    for (const [what, r] of await inBatches(runs, 4)) {
      assert.equal(r.code, 2, `${what}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, "", `${what}: nothing printed on stdout (no task id)`);
      assert.equal(r.stderr.trim().split("\n").length, 1, `${what}: ${r.stderr}`);
      assert.match(r.stderr, /(--db|\$PRISMQ_QUEUE_DB_PATH) is (empty|':memory:'): name a database file/, what);
    }
    assert.ok(!existsSync(join(dir, "bk")), "nothing created");
  });
});

const READ_ONLY_COMMANDS: readonly (readonly string[])[] = [
  ["list"],
  ["list", "--json"],
  ["stats", "--json"],
  ["metrics"],
  ["metrics", "--format", "json"],
  ["maintenance", "integrity"],
  ["maintenance", "stats"],
  ["maintenance", "pragmas"],
];

describe("defect 7: read-only commands create, migrate and change nothing", () => {
  test("a missing file: exit 2 'no database at', and no folder or file is created", async () => {
    const missing = join(dir, "no", "such", "q.db");
    const results = await Promise.all(
      [...READ_ONLY_COMMANDS, ["backup", "--dir", join(dir, "bk-missing")], ["maintenance", "vacuum"]].map((args) =>
        prismq([...args, "--db", missing]),
      ),
    );
    for (const r of results) {
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, /no database at .*q\.db/);
    }
    assert.ok(!existsSync(join(dir, "no")), "no folder created");
  });

  test("another application's SQLite file: exit 2 'not a queue database', file byte-for-byte unchanged, no schema, no WAL", async () => {
    const other = join(dir, "other-app.db");
    const app = new Database(other);
    app.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')");
    app.close();
    const before = readFileSync(other);
    const filesBefore = filesIn(dir);
    for (const driver of DB_DRIVERS) {
      const results = await Promise.all(
        [...READ_ONLY_COMMANDS, ["backup", "--dir", join(dir, "bk-other")], ["maintenance", "vacuum"], ["maintenance", "purge", "--older-than-ms", "0"]].map(
          (args) => prismq([...args, "--db", other, "--driver", driver]),
        ),
      );
      for (const r of results) {
        assert.equal(r.code, 2, `${driver}: ${r.stderr}`);
        assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
        assert.match(r.stderr, /not a queue database/);
      }
    }
    assert.deepEqual(readFileSync(other), before, "byte-for-byte unchanged");
    assert.deepEqual(filesIn(dir), filesBefore, "no -wal, -shm or backup written");
    const check = new Database(other, { readonly: true });
    assert.equal(check.pragma("journal_mode", { simple: true }), "delete");
    assert.equal(check.pragma("user_version", { simple: true }), 0);
    assert.deepEqual(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all(), ["notes"]);
    check.close();
  });

  test("a schema newer than this version: exit 2 naming it, file unchanged", async () => {
    const path = join(dir, "newer.db");
    await seedQueue(path, 1);
    const raw = new Database(path);
    raw.pragma("user_version = 99");
    raw.close();
    const before = readFileSync(path);
    const results = await Promise.all(READ_ONLY_COMMANDS.map((args) => prismq([...args, "--db", path])));
    for (const r of results) {
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /schema version 99 is newer than this library supports/);
    }
    assert.deepEqual(readFileSync(path), before);
  });

  for (const driver of DB_DRIVERS) {
    test(`${driver}: a queue database the user cannot write is read, backed up and checked (exit 0), unchanged`, async () => {
      const folder = join(dir, `ro-${driver}`);
      mkdirSync(folder);
      // The file is read-only; its folder is not, so SQLite can keep its -shm there as a reader.
      chmodSync(folder, 0o777);
      const path = join(folder, "queue.db");
      await seedQueue(path, 3, driver);
      const backups = join(dir, `ro-backups-${driver}`);
      mkdirSync(backups);
      chmodSync(backups, 0o777);
      chmodSync(path, 0o444);
      const before = readFileSync(path);
      try {
        for (const args of [...READ_ONLY_COMMANDS, ["backup", "--dir", backups, "--json"]]) {
          const r = await prismq([...args, "--db", path, "--driver", driver], { unprivileged: true });
          assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
          if (args[0] === "list" && args[1] === "--json") assert.equal((JSON.parse(r.stdout) as unknown[]).length, 3);
          if (args[0] === "stats") assert.equal((JSON.parse(r.stdout) as { queued: number }).queued, 3);
          if (args[0] === "backup") {
            const made = JSON.parse(r.stdout) as { verification: { ok: boolean; tasks: number } };
            assert.deepEqual([made.verification.ok, made.verification.tasks], [true, 3]);
          }
        }
      } finally {
        chmodSync(path, 0o644);
      }
      assert.deepEqual(readFileSync(path), before, "the database file is unchanged");
    });
  }

  test("a writable queue database: read-only commands leave its bytes and journal mode as they were", async () => {
    const path = join(dir, "plain.db");
    await seedQueue(path, 2);
    const before = readFileSync(path);
    for (const args of READ_ONLY_COMMANDS) {
      const r = await prismq([...args, "--db", path]);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    }
    assert.deepEqual(readFileSync(path), before);
  });
});

/**
 * A target holding `n` tasks, some committed only in its WAL: the process that wrote them is
 * killed before it could checkpoint, as a crashed or killed worker leaves a database.
 */
function targetWithWal(path: string, n: number): void {
  const script = `
    const Database = require(${JSON.stringify(join(ROOT, "node_modules", "better-sqlite3"))});
    const db = new Database(${JSON.stringify(path)});
    db.pragma("wal_autocheckpoint = 0");
    const insert = db.prepare("INSERT INTO task_queue (type, payload) VALUES ('old', '{}')");
    for (let i = 0; i < ${n}; i++) insert.run();
    process.kill(process.pid, "SIGKILL");`;
  const r = require_("node:child_process").spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  assert.equal(r.signal, "SIGKILL", r.stderr);
}
const require_ = createRequire(import.meta.url);

/** Task count and table presence of a database, read with a fresh connection. */
function countTasks(path: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return Number(db.prepare("SELECT COUNT(*) FROM task_queue").pluck().get());
  } finally {
    db.close();
  }
}

/** Tasks in the backup the concurrent restores race over. */
const BIG = 20_000;

describe("defect 3: concurrent restores never destroy the target", () => {
  test("two restore --force at once, three times: one restores, the other is refused (exit 4), the target stays whole", async () => {
    const folder = join(dir, "restore-race");
    mkdirSync(folder);
    const source = join(folder, "source.db");
    // A backup of some megabytes, so that copying and verifying it takes long enough for the
    // two restores to overlap (before the fix they then destroyed the target).
    const big = await node.openQueueDatabase({ path: source });
    try {
      const pad = "x".repeat(300);
      const tasks = Array.from({ length: BIG }, (_, i) => ({ type: "email", payload: { i, pad } }));
      await new core.QueueClient(big).enqueueMany(tasks);
    } finally {
      await big.close();
    }
    const made = await prismq(["backup", "--db", source, "--dir", join(folder, "backups"), "--json"]);
    assert.equal(made.code, 0, made.stderr);
    const backupPath = (JSON.parse(made.stdout) as { backup: { path: string } }).backup.path;

    for (let round = 0; round < 3; round++) {
      const target = join(folder, `target-${round}.db`);
      await seedQueue(target, 2);
      targetWithWal(target, 5);
      assert.ok(existsSync(`${target}-wal`), "committed tasks sit in the WAL");
      assert.equal(countTasks(target), 7, "2 + 5 tasks before");

      const [a, b] = await Promise.all([
        prismq(["restore", backupPath, "--db", target, "--force"]),
        prismq(["restore", backupPath, "--db", target, "--force"]),
      ]);
      const codes = [a.code, b.code].sort();
      assert.ok(codes.every((c) => c === 0 || c === 4), `exit codes ${codes.join(", ")}:\n${a.stderr}\n${b.stderr}`);
      assert.ok(codes.includes(0), `one of them restored:\n${a.stderr}\n${b.stderr}`);
      for (const r of [a, b]) {
        if (r.code === 4) {
          assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
          assert.match(r.stderr, /another restore of .* is in progress \(lock file .*\.restore-lock\)/);
        }
      }
      const db = await node.openQueueDatabase({ path: target });
      try {
        const stats = await new core.QueueClient(db).stats();
        assert.equal(stats.total, BIG, "the backup's tasks, readable through the queue");
        assert.equal((await db.execute("PRAGMA integrity_check")).rows[0]?.["integrity_check"], "ok");
      } finally {
        await db.close();
      }
      const leftovers = filesIn(folder).filter((n) => n.startsWith(`target-${round}.db.`));
      assert.deepEqual(leftovers, [], "no lock, temporary or old files left");
    }
  });

  test("a restore refused by a held lock (exit 4) leaves the target and its WAL exactly as they were", async () => {
    const folder = join(dir, "restore-locked");
    mkdirSync(folder);
    const source = join(folder, "source.db");
    await seedQueue(source, 1);
    const made = await prismq(["backup", "--db", source, "--dir", folder, "--json"]);
    const backupPath = (JSON.parse(made.stdout) as { backup: { path: string } }).backup.path;
    const target = join(folder, "target.db");
    await seedQueue(target, 1);
    targetWithWal(target, 3);
    writeFileSync(`${target}.restore-lock`, "held by a test\n");
    const before = [readFileSync(target), readFileSync(`${target}-wal`)];
    const r = await prismq(["restore", backupPath, "--db", target, "--force"]);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /another restore .* in progress/);
    assert.deepEqual([readFileSync(target), readFileSync(`${target}-wal`)], before);
    assert.equal(readFileSync(`${target}.restore-lock`, "utf8"), "held by a test\n", "someone else's lock is not removed");
    assert.equal(countTasks(target), 4);
  });

  test("a restore failing at the final rename puts the old database and its WAL back (built package)", async () => {
    const folder = join(dir, "restore-fail");
    mkdirSync(folder);
    const source = join(folder, "source.db");
    await seedQueue(source, 2);
    const target = join(folder, "target.db");
    await seedQueue(target, 1);
    targetWithWal(target, 4);
    const before = [readFileSync(target), readFileSync(`${target}-wal`)];
    const db = await node.openQueueDatabase({ path: source });
    try {
      const backup = new core.QueueBackup(db, {
        dir: join(folder, "backups"),
        open: node.nodeDriverOpener(),
        fs: {
          ...node.nodeBackupFileSystem,
          // Every rename works except the one that would put the new file in place.
          rename: (from: string, to: string) =>
            from.includes(".restore-tmp-") ? Promise.reject(new Error("EBUSY: file is open elsewhere")) : node.nodeBackupFileSystem.rename(from, to),
        },
      });
      const b = await backup.createBackup();
      await assert.rejects(backup.restoreBackup(b.path, { targetPath: target, force: true }), /EBUSY: file is open elsewhere/);
    } finally {
      await db.close();
    }
    assert.deepEqual([readFileSync(target), readFileSync(`${target}-wal`)], before, "exactly as it was");
    assert.deepEqual(filesIn(folder).filter((n) => n.startsWith("target.db.")), []);
    assert.equal(countTasks(target), 5);
  });
});
