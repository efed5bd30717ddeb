/**
 * `runWorkerProcess` of the built `@prismq/queue/node`: the runtime behind `prismq worker`, run
 * from a user's own entry script with a handler map, on both Node drivers. It says ready, does
 * the work, stops gracefully on SIGTERM with exit code 0 and removes its `workers` row; a
 * taskTypes entry with no handler is refused before the database is opened.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { distPath, importDist } from "./helpers/dist.ts";
import { tempDir } from "./helpers/drivers.ts";

const node = await importDist<typeof import("../runtime/node/index.ts")>("node.js");
const core = await importDist<typeof import("../src/index.ts")>("index.js");

let dir = "";
let cleanup = (): void => {};
before(() => ({ dir, cleanup } = tempDir("prismq-worker-process-")));
after(() => cleanup());

/** An entry script as a user would write it, run as its own process. */
function entryScript(dbPath: string, driver: string, configJson: string): string {
  return `
    import { runWorkerProcess } from ${JSON.stringify(pathToFileURL(distPath("node.js")).href)};
    import { parseWorkerConfig } from ${JSON.stringify(pathToFileURL(distPath("config.js")).href)};
    const config = parseWorkerConfig(${JSON.stringify(configJson)}, { format: "json", env: {} });
    try {
      const result = await runWorkerProcess({
        config,
        dbPath: ${JSON.stringify(dbPath)},
        driver: ${JSON.stringify(driver)},
        quiet: true,
        handlers: { echo: async (payload) => payload },
      });
      console.log(JSON.stringify({ result }));
      process.exitCode = result.exitCode;
    } catch (e) {
      console.log(JSON.stringify({ error: { name: e.name, code: e.code, message: e.message } }));
      process.exitCode = 2;
    }`;
}

/** Runs an entry script; `onStdout` sees stdout as it grows. */
function run(script: string, onStdout: (text: string, kill: (s: NodeJS.Signals) => void) => void = () => {}) {
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", "--input-type=module", "-e", script], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    onStdout(stdout, (s) => child.kill(s));
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

for (const driver of ["better-sqlite3", "node-sqlite"] as const) {
  describe(`runWorkerProcess with ${driver}`, () => {
    test("says ready, runs the tasks, stops on SIGTERM with exit code 0 and removes its workers row", async () => {
      const dbPath = join(dir, `lib-${driver}.db`);
      const db = await node.openQueueDatabase({ path: dbPath, driver });
      const client = new core.QueueClient(db);
      const ids = await client.enqueueMany([1, 2, 3].map((n) => ({ type: "echo", payload: { n } })));
      let signalled = false;
      const config = JSON.stringify({ workerId: `lib-${driver}`, pollIntervalMs: 20, heartbeatIntervalMs: 200 });
      const r = await run(entryScript(dbPath, driver, config), (text, kill) => {
        if (signalled || !/^prismq worker \S+ ready \(pid \d+\)$/m.test(text)) return;
        signalled = true;
        // Stop once every task is done.
        const poll = async (): Promise<void> => {
          const tasks = await Promise.all(ids.map((id) => client.getTask(id)));
          if (tasks.every((t) => t?.status === "completed")) kill("SIGTERM");
          else setTimeout(() => void poll(), 20);
        };
        void poll();
      });
      try {
        assert.equal(r.code, 0, r.stderr);
        const last = JSON.parse(r.stdout.trim().split("\n").pop()!) as { result: { exitCode: number; abandoned: boolean } };
        assert.deepEqual(last.result, { exitCode: 0, abandoned: false });
        assert.match(r.stderr, new RegExp(`prismq worker lib-${driver} stopped: claimed 3, completed 3,`));
        const rows = await db.execute("SELECT COUNT(*) AS n FROM workers WHERE worker_id = ?", [`lib-${driver}`]);
        assert.equal(Number(rows.rows[0]?.["n"]), 0, "workers row removed");
      } finally {
        await db.close();
      }
    });

    test("a taskTypes entry with no handler is refused before the database is opened", async () => {
      const dbPath = join(dir, `refused-${driver}.db`);
      const config = JSON.stringify({ taskTypes: ["echo", "missing"] });
      const r = await run(entryScript(dbPath, driver, config));
      assert.equal(r.code, 2, r.stderr);
      const { error } = JSON.parse(r.stdout.trim()) as { error: { name: string; code: string; message: string } };
      assert.equal(error.code, "VALIDATION");
      assert.match(error.message, /taskTypes lists 'missing', not exported by the handlers given/);
      assert.ok(!existsSync(dbPath), "database not created");
    });
  });
}
