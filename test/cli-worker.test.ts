/**
 * `prismq worker` as a real process: spawned with a config file and test/fixtures/handlers.mjs on
 * a temporary database, fed tasks through the API, stopped with signals. Checks the ready line,
 * graceful and timed-out shutdowns, the `workers` row, the config precedence (--db > env > file)
 * and the exit codes of bad configs, bad handler modules and a database that cannot be opened.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { openQueueDatabase } from "../runtime/node/index.ts";
import { QueueClient, type QueueDatabase, type TaskStatus } from "../src/index.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "cli", "prismq.ts");
const HANDLERS = join(ROOT, "test", "fixtures", "handlers.mjs");

let dir = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "prismq-cli-worker-test-"));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The test's environment without any PRISMQ_* setting of the machine, plus `extra`. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("PRISMQ_")) env[k] = v;
  // Never the machine's default path: a worker started without --db lands in the temp folder.
  return { ...env, PRISMQ_QUEUE_DB_PATH: join(dir, "default.db"), ...extra };
}

/** {@link cleanEnv} with PRISMQ_QUEUE_DB_PATH unset (an empty one is refused, as an unset shell variable). */
function withoutDbPathEnv(): NodeJS.ProcessEnv {
  const env = cleanEnv();
  delete env["PRISMQ_QUEUE_DB_PATH"];
  return env;
}

/** Writes a file into the temp folder and returns its path. */
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A running `prismq worker` process and what it has printed. */
interface WorkerProc {
  readonly child: ChildProcess;
  /** Resolves with the worker id and pid of the ready line; rejects if the process exits first. */
  readonly ready: Promise<{ id: string; pid: number }>;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  readonly exited: Promise<number | string | null>;
  stdout: string;
  stderr: string;
}

/** Starts `prismq worker ARGS…` and collects its output. */
function startWorker(args: readonly string[], env: NodeJS.ProcessEnv = cleanEnv()): WorkerProc {
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, "worker", ...args], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc: WorkerProc = {
    child,
    stdout: "",
    stderr: "",
    exited: new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal))),
    ready: undefined as unknown as Promise<{ id: string; pid: number }>,
  };
  child.stderr!.on("data", (d: Buffer) => (proc.stderr += d.toString()));
  (proc as { ready: WorkerProc["ready"] }).ready = new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      proc.stdout += d.toString();
      const m = /^prismq worker (\S+) ready \(pid (\d+)\)$/m.exec(proc.stdout);
      if (m !== null) resolve({ id: m[1]!, pid: Number(m[2]) });
    });
    void proc.exited.then((code) => reject(new Error(`worker exited (${String(code)}) before ready:\n${proc.stderr}`)));
  });
  // Never leave a worker behind, whatever a test does.
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return proc;
}

/** Runs `prismq worker ARGS…` that is expected to end by itself (a start-up failure). */
function runWorker(args: readonly string[], env: NodeJS.ProcessEnv = cleanEnv()): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, "worker", ...args], {
      cwd: ROOT,
      env,
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

/** Polls `check` every 20 ms until it returns true, failing after `timeoutMs`. */
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The status of one task. */
async function statusOf(db: QueueDatabase, id: number): Promise<TaskStatus> {
  const task = await new QueueClient(db).getTask(id);
  assert.ok(task !== null, `task ${id} exists`);
  return task.status;
}

/** The `workers` row of `id`, capabilities parsed, or undefined. */
async function workerRow(db: QueueDatabase, id: string): Promise<{ capabilities: unknown } | undefined> {
  const r = await db.execute("SELECT capabilities FROM workers WHERE worker_id = ?", [id]);
  const row = r.rows[0];
  return row === undefined ? undefined : { capabilities: JSON.parse(String(row["capabilities"])) };
}

/** Rows of the `record` handler's side table. */
async function executions(db: QueueDatabase): Promise<{ taskId: number; pid: number; at: number }[]> {
  const r = await db.execute("SELECT task_id, worker_pid, at_ms FROM executions ORDER BY task_id");
  return r.rows.map((row) => ({ taskId: Number(row["task_id"]), pid: Number(row["worker_pid"]), at: Number(row["at_ms"]) }));
}

const FAST = ["pollIntervalMs: 20", "heartbeatIntervalMs: 200"];

describe("prismq worker: a run from start to graceful stop", () => {
  test("YAML config: ready line and workers row, tasks done, SIGTERM exits 0 with totals, row removed", async () => {
    const dbPath = join(dir, "run.db");
    const config = file(
      "run.yaml",
      [
        "workerId: w-yaml",
        "concurrency: 2",
        ...FAST,
        "capabilities: { region: eu }",
        "backoff: { baseMs: 10, maxMs: 50, jitter: 0 }",
      ].join("\n"),
    );
    const w = startWorker(["--config", config, "--handlers", HANDLERS, "--db", dbPath]);
    const ready = await w.ready;
    assert.equal(ready.id, "w-yaml");
    assert.equal(ready.pid, w.child.pid);
    assert.equal(w.stdout, `prismq worker w-yaml ready (pid ${w.child.pid})\n`, "exactly one line on stdout");

    const db = await openQueueDatabase({ path: dbPath });
    try {
      assert.deepEqual(await workerRow(db, "w-yaml"), { capabilities: { region: "eu" } }, "registered before ready");
      const client = new QueueClient(db);
      const ids = await client.enqueueMany([
        { type: "echo", payload: { n: 1 } },
        { type: "echo", payload: { n: 2 } },
        { type: "echo", payload: { n: 3 } },
        // No payload.db: the worker hands its database to handlers as PRISMQ_QUEUE_DB_PATH.
        { type: "record", payload: {} },
        { type: "record", payload: { ms: 20 } },
        { type: "flaky", payload: { succeedOnAttempt: 2 } },
      ]);
      await waitFor("all tasks completed", async () => (await client.stats()).completed === ids.length);

      w.child.kill("SIGTERM");
      assert.equal(await w.exited, 0, w.stderr);
      assert.match(
        w.stderr,
        /^prismq worker w-yaml stopped: claimed 7, completed 6, retried 1, failed 0, dead-lettered 0, lease lost 0, errors 0; database busyRetries=\d+ calls=\d+$/m,
      );
      assert.match(w.stderr, /^prismq worker w-yaml: database .*run\.db \(.+\), strategy PRIORITY, concurrency 2, /m);
      assert.match(w.stderr, /^\S+Z INFO task completed taskId=1 type=echo attempt=1 workerId=w-yaml$/m);
      assert.match(w.stderr, /^\S+Z WARN task failed, retry scheduled taskId=6 type=flaky attempt=1 .*error="Error: flaky: attempt 1 fails/m);
      assert.equal(await workerRow(db, "w-yaml"), undefined, "deregistered at stop");

      const runs = await executions(db);
      assert.deepEqual(runs.map((r) => r.taskId), [ids[3], ids[4]]);
      for (const r of runs) assert.equal(r.pid, w.child.pid, "recorded by the worker process");
    } finally {
      await db.close();
    }
  });

  test("SIGTERM while a 300 ms sleep task runs: the task completes, then exit 0", async () => {
    const dbPath = join(dir, "graceful.db");
    const config = file("graceful.yaml", ["workerId: w-graceful", ...FAST, "shutdownTimeoutMs: 10000"].join("\n"));
    const w = startWorker(["--config", config, "--handlers", HANDLERS, "--db", dbPath, "--quiet"]);
    await w.ready;
    const db = await openQueueDatabase({ path: dbPath });
    try {
      const id = await new QueueClient(db).enqueue("sleep", { ms: 300 });
      await waitFor("the sleep task to start", async () => (await statusOf(db, id)) === "processing");
      const signalledAt = Date.now();
      w.child.kill("SIGTERM");
      assert.equal(await w.exited, 0, w.stderr);
      assert.equal(await statusOf(db, id), "completed", "the running task finished before the process ended");
      assert.ok(Date.now() - signalledAt < 5_000);
      assert.match(w.stderr, /^prismq worker w-graceful: SIGTERM, stopping \(1 task\(s\) running, waiting up to 10000 ms\)$/m);
      assert.match(w.stderr, /^prismq worker w-graceful stopped: claimed 1, completed 1, retried 0, failed 0,/m);
      assert.doesNotMatch(w.stderr, / (DEBUG|INFO) /, "--quiet drops per-task lines");
      assert.equal(await workerRow(db, "w-graceful"), undefined);
    } finally {
      await db.close();
    }
  });

  test("shutdown timeout: a task still running after shutdownTimeoutMs makes the worker exit 3, the task left to its lease", async () => {
    const dbPath = join(dir, "timeout.db");
    const config = file("timeout.yaml", ["workerId: w-timeout", ...FAST, "shutdownTimeoutMs: 200", "leaseMs: 60000"].join("\n"));
    const w = startWorker(["--config", config, "--handlers", HANDLERS, "--db", dbPath]);
    await w.ready;
    const db = await openQueueDatabase({ path: dbPath });
    try {
      const id = await new QueueClient(db).enqueue("sleep", { ms: 30_000 });
      await waitFor("the sleep task to start", async () => (await statusOf(db, id)) === "processing");
      const signalledAt = Date.now();
      w.child.kill("SIGTERM");
      assert.equal(await w.exited, 3, w.stderr);
      assert.ok(Date.now() - signalledAt < 5_000, "does not wait for the handler");
      assert.match(w.stderr, new RegExp(`shutdown timed out after 200 ms with 1 task\\(s\\) running \\(${id}\\)`));
      assert.match(w.stderr, /^prismq worker w-timeout stopped: claimed 1, completed 0,/m);
      const task = await new QueueClient(db).getTask(id);
      assert.equal(task?.status, "processing", "released only when its lease expires");
      assert.equal(task?.lockedBy, "w-timeout");
      assert.ok((await workerRow(db, "w-timeout")) !== undefined, "row left, so others can see the worker go stale");
    } finally {
      await db.close();
    }
  });
});

describe("prismq worker: config sources", () => {
  test("TOML config with PRISMQ_CONCURRENCY=3 overriding concurrency = 1: three tasks run at once", async () => {
    const dbPath = join(dir, "toml.db");
    const config = file(
      "worker.toml",
      ['workerId = "w-toml"', "concurrency = 1", "pollIntervalMs = 20", "heartbeatIntervalMs = 200", "", "[capabilities]", 'gpu = true'].join("\n"),
    );
    const db = await openQueueDatabase({ path: dbPath });
    try {
      // Queued before the worker starts, so one claim can take all three if concurrency allows.
      const ids = await new QueueClient(db).enqueueMany([1, 2, 3].map((n) => ({ type: "record", payload: { db: dbPath, ms: 400, n } })));
      const w = startWorker(["--config", config, "--handlers", HANDLERS, "--db", dbPath], cleanEnv({ PRISMQ_CONCURRENCY: "3" }));
      await w.ready;
      assert.deepEqual(await workerRow(db, "w-toml"), { capabilities: { gpu: true } });
      await waitFor("three tasks completed", async () => (await new QueueClient(db).stats()).completed === 3);
      w.child.kill("SIGTERM");
      assert.equal(await w.exited, 0, w.stderr);
      assert.match(w.stderr, /^prismq worker w-toml: database .*, concurrency 3, /m);
      const runs = await executions(db);
      assert.deepEqual(runs.map((r) => r.taskId), ids);
      const spread = Math.max(...runs.map((r) => r.at)) - Math.min(...runs.map((r) => r.at));
      // One at a time they would end at least 2 x 400 ms apart; together, within moments.
      assert.ok(spread < 700, `three 400 ms tasks ran concurrently (ends ${spread} ms apart)`);
    } finally {
      await db.close();
    }
  });

  test("database path precedence: --db over PRISMQ_QUEUE_DB_PATH over database.path in the file", async () => {
    const fromFile = join(dir, "prec-file.db");
    const fromEnv = join(dir, "prec-env.db");
    const fromFlag = join(dir, "prec-flag.db");
    const config = file("prec.json", JSON.stringify({ workerId: "w-prec", pollIntervalMs: 20, database: { path: fromFile } }));
    const cases: [string[], NodeJS.ProcessEnv, string][] = [
      [[], withoutDbPathEnv(), fromFile],
      [[], cleanEnv({ PRISMQ_QUEUE_DB_PATH: fromEnv }), fromEnv],
      [["--db", fromFlag], cleanEnv({ PRISMQ_QUEUE_DB_PATH: fromEnv }), fromFlag],
    ];
    for (const [extra, env, expected] of cases) {
      const w = startWorker(["--config", config, "--handlers", HANDLERS, ...extra], env);
      await w.ready;
      w.child.kill("SIGTERM");
      assert.equal(await w.exited, 0, w.stderr);
      assert.match(w.stderr, new RegExp(`^prismq worker w-prec: database ${expected.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} `, "m"));
      assert.ok(existsSync(expected), `${expected} was used`);
    }
    assert.ok(!existsSync(join(dir, "default.db")), "the default path was never used");
  });
});

describe("prismq worker: start-up failures", () => {
  test("a bad config exits 2 with one line naming the file and the keys", async () => {
    const config = file("bad.yaml", ["concurrency: many", "strategy: SIDEWAYS", "leaseMs: 1000"].join("\n"));
    const r = await runWorker(["--config", config, "--handlers", HANDLERS, "--db", join(dir, "unused.db")]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.ok(r.stderr.includes(config), "names the file");
    assert.match(r.stderr, /key "concurrency": .*expected number/);
    assert.match(r.stderr, /key "strategy": .*expected one of/);
    assert.ok(!existsSync(join(dir, "unused.db")), "the database is not touched");
  });

  test("bad config variants exit 2: syntax error, unknown key, env override, unknown extension, missing file, bad log format", async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [["--config", file("syntax.toml", "concurrency = = 2")], cleanEnv(), /syntax\.toml: not valid TOML/],
      [["--config", file("unknown.json", '{"concurency": 2}')], cleanEnv(), /unknown\.json: invalid worker config: .*concurency/],
      [["--config", file("ok.yaml", "concurrency: 2")], cleanEnv({ PRISMQ_CONCURRENCY: "lots" }), /PRISMQ_CONCURRENCY/],
      [["--config", file("worker.ini", "x=1")], cleanEnv(), /worker\.ini: unknown config format/],
      [["--config", join(dir, "absent.yaml")], cleanEnv(), /cannot read config .*absent\.yaml: no such file/],
      // No --config is fine now (every key has a default); a bad --log-format is not.
      [["--handlers", HANDLERS, "--log-format", "xml"], cleanEnv(), /--log-format must be text or json/],
    ];
    const results = await Promise.all(
      cases.map(([args, env]) => runWorker([...(args.includes("--handlers") ? args : [...args, "--handlers", HANDLERS]), "--db", join(dir, "unused.db")], env)),
    );
    for (const [i, r] of results.entries()) {
      const [args, , message] = cases[i]!;
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, message);
    }
  });

  test("a missing or unusable handlers module exits 2", async () => {
    const config = file("types.yaml", "taskTypes: [echo, transcode]");
    const plain = file("plain.yaml", "concurrency: 1");
    const cases: [string, string, RegExp][] = [
      [plain, join(dir, "no-such-handlers.mjs"), /handlers module not found: .*no-such-handlers\.mjs/],
      [plain, file("empty.mjs", "export const version = 1;\n"), /has no handlers/],
      [plain, file("not-fn.mjs", "export default { echo: 42 };\n"), /handler 'echo' is not a function/],
      [plain, file("throws.mjs", 'throw new Error("broken at import");\n'), /cannot load handlers module .*: broken at import/],
      [config, HANDLERS, /taskTypes lists 'transcode', not exported by handlers module/],
    ];
    const results = await Promise.all(cases.map(([cfg, handlers]) => runWorker(["--config", cfg, "--handlers", handlers, "--db", join(dir, "unused.db")])));
    for (const [i, r] of results.entries()) {
      const [, handlers, message] = cases[i]!;
      assert.equal(r.code, 2, `${handlers}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, message);
    }
    assert.ok(!existsSync(join(dir, "unused.db")));
  });

  test("a database that cannot be opened exits 1", async () => {
    const config = file("plain2.yaml", "concurrency: 1");
    const notADb = file("not-a-db.db", "this is not a SQLite database, just some text long enough to fill a header\n".repeat(4));
    const results = await Promise.all([dir /* a folder */, notADb].map((db) => runWorker(["--config", config, "--handlers", HANDLERS, "--db", db])));
    for (const r of results) {
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, "", "never ready");
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
  });

  test("--help documents the exit codes", async () => {
    const r = await runWorker(["--help"]);
    assert.equal(r.code, 0);
    for (const text of [/^  0  stopped gracefully/m, /^  1  runtime or database failure/m, /^  2  bad usage/m, /^  3  shutdown timed out/m, /lease/]) {
      assert.match(r.stdout, text);
    }
  });
});
