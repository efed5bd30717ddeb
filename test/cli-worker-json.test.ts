/**
 * `prismq worker` through the built CLI (`DIST_CLI`) with no config file (every key's default)
 * and `--log-format json`: every stderr line is one JSON object (time, level, event, and the
 * event's fields: taskId, type, workerId, attempt, error); human durations in flags.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DIST_CLI, ROOT } from "./helpers/dist.ts";

let dir = "";
let db = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "prismq-worker-json-"));
  db = join(dir, "q.db");
});
after(() => rmSync(dir, { recursive: true, force: true }));

const env = (): NodeJS.ProcessEnv => ({ ...process.env, PRISMQ_QUEUE_DB_PATH: db });
function prismq(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DIST_CLI, ...args], { encoding: "utf8", env: env(), timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("prismq worker: no config file, --log-format json (built CLI)", () => {
  test("runs with the defaults and writes one JSON object per stderr line", async () => {
    assert.equal(prismq("enqueue", "echo", '{"n":1}').code, 0);
    assert.equal(prismq("enqueue", "fail", '{"message":"boom"}', "--max-attempts", "1").code, 0);
    // a human duration where a flag takes ms
    assert.equal(prismq("enqueue", "echo", '{"n":2}', "--delay-ms", "1s").code, 0);
    const child = spawn(
      process.execPath,
      [DIST_CLI, "worker", "--handlers", join(ROOT, "test/fixtures/handlers.mjs"), "--log-format", "json", "--load-timeout-ms", "30s"],
      { env: { ...env(), PRISMQ_POLL_INTERVAL_MS: "50" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
    const deadline = Date.now() + 20_000;
    while (!/"event":"task completed"[^\n]*"n":2|task completed/.test(stderr) || (stderr.match(/"event":"task completed"/g) ?? []).length < 2) {
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGTERM");
    const code = await exited;
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^prismq worker \S+ ready \(pid \d+\)$/m);
    const lines = stderr.trim().split("\n");
    const records = lines.map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        assert.fail(`not a JSON line: ${l}`);
      }
    });
    for (const r of records) {
      assert.equal(typeof r["time"], "string");
      assert.ok(!Number.isNaN(Date.parse(String(r["time"]))));
      assert.match(String(r["level"]), /^(debug|info|warn|error)$/);
      assert.equal(typeof r["event"], "string");
    }
    const completed = records.filter((r) => r["event"] === "task completed");
    assert.equal(completed.length, 2, stderr);
    for (const r of completed) {
      assert.equal(r["type"], "echo");
      assert.equal(typeof r["taskId"], "number");
      assert.equal(typeof r["workerId"], "string");
      assert.equal(typeof r["attempt"], "number");
    }
    const failed = records.find((r) => r["type"] === "fail" && r["level"] === "error");
    assert.ok(failed, stderr);
    assert.match(String(failed["error"]), /boom/);
  });

  test("bad --log-format and an empty --config are usage errors", () => {
    const handlers = join(ROOT, "test/fixtures/handlers.mjs");
    let r = prismq("worker", "--handlers", handlers, "--log-format", "xml");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--log-format must be text or json/);
    r = prismq("worker", "--handlers", handlers, "--config", "");
    assert.equal(r.code, 2);
    r = prismq("worker", "--handlers", handlers, "--load-timeout-ms", "soon");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--load-timeout-ms expects an integer in plain decimal digits \(ms\) or a duration/);
    r = prismq("worker");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing --handlers MODULE/);
  });
});
