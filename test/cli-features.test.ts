/**
 * The built `prismq` CLI's task commands of issue 17: show (progress, result, logs), cancel,
 * retry, redrive, purge, pause/resume and rate-limit, run as an operator runs them.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DIST_CLI, distPath, importDist } from "./helpers/dist.ts";
import { tempDir } from "./helpers/drivers.ts";

const node = await importDist<typeof import("../runtime/node/index.ts")>("node.js");
const core = await importDist<typeof import("../src/index.ts")>("index.js");

let dir = "";
let cleanup = (): void => {};
before(() => {
  distPath("cli.js");
  ({ dir, cleanup } = tempDir("prismq-cli-features-"));
});
after(() => cleanup());

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function prismq(args: readonly string[]): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("PRISMQ_")) env[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", DIST_CLI, ...args], {
      cwd: dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 30_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A database with: 1 completed (with progress and result), 3 dead_letter of type `bad`, 1 failed, 1 queued. */
async function fixture(name: string): Promise<{ db: string; completed: number; queued: number }> {
  const path = join(dir, name);
  const db = await node.openQueueDatabase({ path });
  try {
    const client = new core.QueueClient(db);
    const completed = await client.enqueue("ok", { n: 1 });
    for (let i = 0; i < 3; i++) await client.enqueue("bad", { i });
    await client.enqueue("fail", {}, { maxAttempts: 1 });
    const worker = new core.QueueWorker(db, {
      heartbeatIntervalMs: 0,
      concurrency: 10,
      handlers: {
        ok: async (_p: unknown, ctx: { progress(v: unknown): Promise<void> }) => {
          await ctx.progress({ done: 3, of: 3 });
          return { url: "https://example.com/out.mp4" };
        },
        bad: () => {
          throw new core.NonRetryableError("bad input");
        },
        fail: () => {
          throw new Error("transient");
        },
      },
    } as never);
    await worker.processOnce(10);
    const queued = await client.enqueue("later", {});
    return { db: path, completed, queued };
  } finally {
    await db.close();
  }
}

describe("prismq show|cancel|retry|redrive|purge|pause|resume|rate-limit (built CLI)", () => {
  test("show prints progress, result and logs; --json has them; a missing id exits 1", async () => {
    const f = await fixture("show.db");
    const r = await prismq(["show", String(f.completed), "--db", f.db]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /status: +completed/);
    assert.match(r.stdout, /progress: +\{"done":3,"of":3\}/);
    assert.match(r.stdout, /result: +\{"url":"https:\/\/example.com\/out.mp4"\}/);
    assert.match(r.stdout, /logs \(latest 10, newest first\):/);
    const dead = await prismq(["show", "2", "--db", f.db, "--logs", "5"]);
    assert.match(dead.stdout, /status: +dead_letter/);
    assert.match(dead.stdout, /error: +NonRetryableError: bad input/);
    assert.match(dead.stdout, /ERROR +Status transition: processing → dead_letter/);
    const j = await prismq(["show", String(f.completed), "--db", f.db, "--json"]);
    const parsed = JSON.parse(j.stdout) as { task: { progress: unknown; result: unknown }; logs: unknown[] };
    assert.deepEqual(parsed.task.progress, { done: 3, of: 3 });
    assert.deepEqual(parsed.task.result, { url: "https://example.com/out.mp4" });
    assert.ok(Array.isArray(parsed.logs));
    const missing = await prismq(["show", "999", "--db", f.db]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /task 999 does not exist/);
    assert.equal((await prismq(["show", "abc", "--db", f.db])).code, 2);
  });

  test("cancel and retry by id: exit 0 when all changed, 1 naming the ones that were not", async () => {
    const f = await fixture("cancel.db");
    const c = await prismq(["cancel", String(f.queued), "--db", f.db]);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, new RegExp(`${f.queued}: cancelled`));
    const again = await prismq(["cancel", String(f.queued), "999", "--db", f.db]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not cancelled \(status cancelled\)/);
    assert.match(again.stderr, /999: no such task/);
    const retry = await prismq(["retry", "2", "--db", f.db]);
    assert.equal(retry.code, 0, retry.stderr);
    assert.match(retry.stdout, /2: requeued/);
    assert.equal((await prismq(["retry", String(f.completed), "--db", f.db])).code, 1);
  });

  test("redrive --type T --status dead_letter requeues in bulk; purge --older-than deletes finished tasks", async () => {
    const f = await fixture("redrive.db");
    const none = await prismq(["redrive", "--type", "ok", "--db", f.db, "--json"]);
    assert.deepEqual(JSON.parse(none.stdout), { requeued: 0 });
    const r = await prismq(["redrive", "--type", "bad", "--status", "dead_letter", "--limit", "2", "--db", f.db]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /2 task\(s\) requeued/);
    const both = await prismq(["redrive", "--status", "failed,dead_letter", "--db", f.db, "--json"]);
    assert.deepEqual(JSON.parse(both.stdout), { requeued: 2 });
    assert.equal((await prismq(["redrive", "--status", "queued", "--db", f.db])).code, 2);
    assert.equal((await prismq(["purge", "--db", f.db])).code, 2, "--older-than is required");
    const p = await prismq(["purge", "--older-than", "0", "--status", "completed", "--db", f.db, "--json"]);
    assert.equal(p.code, 0, p.stderr);
    assert.deepEqual(JSON.parse(p.stdout), { deleted: 1 });
    const young = await prismq(["purge", "--older-than", "1d", "--db", f.db, "--json"]);
    assert.deepEqual(JSON.parse(young.stdout), { deleted: 0 });
    const list = await prismq(["list", "--db", f.db, "--json"]);
    const statuses = (JSON.parse(list.stdout) as { status: string }[]).map((t) => t.status).sort();
    assert.deepEqual(statuses, ["queued", "queued", "queued", "queued", "queued"]);
  });

  test("pause/resume and rate-limit are stored and listed", async () => {
    const f = await fixture("controls.db");
    assert.equal((await prismq(["pause", "--db", f.db])).code, 0);
    assert.equal((await prismq(["pause", "email", "--db", f.db])).code, 0);
    const rl = await prismq(["rate-limit", "sms", "--max", "5", "--per", "1s", "--db", f.db]);
    assert.equal(rl.code, 0, rl.stderr);
    assert.match(rl.stdout, /at most 5 start\(s\) per 1000 ms/);
    const list = await prismq(["rate-limit", "--list", "--db", f.db, "--json"]);
    const rows = JSON.parse(list.stdout) as { type: string | null; paused: boolean; rateLimit: unknown }[];
    assert.deepEqual(
      rows.map((x) => [x.type, x.paused, x.rateLimit]),
      [
        [null, true, null],
        ["email", true, null],
        ["sms", false, { max: 5, intervalMs: 1000 }],
      ],
    );
    const table = await prismq(["rate-limit", "--list", "--db", f.db]);
    assert.match(table.stdout, /\(whole queue\)/);
    await prismq(["resume", "--db", f.db]);
    await prismq(["resume", "email", "--db", f.db]);
    await prismq(["rate-limit", "sms", "--clear", "--db", f.db]);
    assert.match((await prismq(["rate-limit", "--list", "--db", f.db])).stdout, /no pauses or rate limits/);
    assert.equal((await prismq(["rate-limit", "sms", "--max", "0", "--per", "1s", "--db", f.db])).code, 2);
    assert.equal((await prismq(["rate-limit", "sms", "--max", "2", "--per", "soon", "--db", f.db])).code, 2);
  });
});
