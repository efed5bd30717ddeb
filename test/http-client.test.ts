/**
 * The typed HTTP client against the built app, and `prismq serve` as a process on loopback.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DIST_CLI } from "./helpers/dist.ts";
import { DRIVERS, tempDir } from "./helpers/drivers.ts";
import { core, http, READ, setup, WRITE } from "./http/setup.ts";

for (const driver of DRIVERS) {
  describe(`createQueueHttpClient (${driver.name})`, () => {
    it("has QueueClient's method names and results where they overlap", async () => {
      const { app, db, client: local, close } = await setup(driver, { tokens: [WRITE], readTokens: [READ] });
      const q = http.createQueueHttpClient("http://queue.test", { token: WRITE, fetch: (r) => Promise.resolve(app.fetch(r)) });
      for (const m of ["enqueue", "enqueueMany", "getTask", "listTasks", "cancel", "retry", "stats"] as const) {
        assert.equal(typeof (local as unknown as Record<string, unknown>)[m], "function", `QueueClient.${m}`);
        assert.equal(typeof q[m], "function", `http client ${m}`);
      }
      const id = await q.enqueue("email", { to: "a" }, { idempotencyKey: "k", runAfter: new Date(Date.now() - 1000) });
      assert.equal(await q.enqueue("email", { to: "b" }, { idempotencyKey: "k" }), id);
      const [a, b] = await q.enqueueMany([{ type: "a" }, { type: "b", payload: 2 }]);
      assert.ok(id < a! && a! < b!);
      assert.deepEqual(await q.enqueueMany([]), []);
      assert.deepEqual((await q.getTask(id))?.payload, (await local.getTask(id))?.payload);
      assert.equal(await q.getTask(999), null);
      const page = await q.listTasks({ status: ["queued"], limit: 2 });
      assert.equal(page.tasks.length, 2);
      assert.notEqual(page.nextCursor, null);
      const rest = await q.listTasks({ status: "queued", limit: 2, cursor: page.nextCursor! });
      assert.deepEqual(rest.tasks.map((t) => t.id), [b]);
      assert.equal(await q.cancel(b!), true);
      assert.equal(await q.cancel(b!), false);
      assert.equal(await q.retry(b!), false);
      await db.execute("UPDATE task_queue SET status = 'dead_letter' WHERE id = ?", [a!]);
      assert.equal(await q.retry(a!), true);
      assert.equal(await q.retryAll({ status: ["dead_letter"] }), 0);
      const stats = await q.stats();
      assert.equal(stats.byStatus.queued, (await local.stats()).queued);
      assert.equal(stats.total, (await local.stats()).total);
      assert.ok((await q.getTaskLogs(id)).length >= 0);
      assert.deepEqual(await q.getWorkers(), []);
      assert.equal((await q.getTimeline({ minutes: 5, buckets: 5 })).buckets.length, 5);
      assert.equal((await q.health({ quickCheck: true })).integrity, "ok");
      assert.match(await q.metrics(), /prismq_queue_tasks/);
      assert.deepEqual(await q.whoami(), { access: "write", authRequired: true });
      await close();
    });

    it("throws QueueHttpError with the API's code and status", async () => {
      const { app, close } = await setup(driver, { tokens: [WRITE], readTokens: [READ] });
      const fetch = (r: Request) => Promise.resolve(app.fetch(r));
      const ro = http.createQueueHttpClient("http://queue.test/", { token: READ, fetch });
      await assert.rejects(ro.enqueue("t"), (e: unknown) => e instanceof http.QueueHttpError && e.status === 403 && e.code === "FORBIDDEN");
      const anon = http.createQueueHttpClient("http://queue.test/", { fetch });
      await assert.rejects(anon.stats(), { name: "QueueHttpError", status: 401, code: "UNAUTHORIZED" });
      const rw = http.createQueueHttpClient("http://queue.test/", { token: WRITE, fetch });
      await assert.rejects(rw.enqueue(""), (e: unknown) => e instanceof http.QueueHttpError && e.code === "VALIDATION" && e.details.length > 0);
      await assert.rejects(rw.cancel(12345), { code: "TASK_NOT_FOUND", status: 404 });
      await close();
    });
  });
}

/** `prismq serve ARGS` through the built CLI, as users run it. */

function serveProcess(args: string[], env: Record<string, string> = {}): { child: ChildProcess; out: () => string; err: () => string } {
  const child = spawn(process.execPath, [DIST_CLI, "serve", ...args], {
    env: { ...process.env, PRISMQ_HTTP_TOKEN: "", PRISMQ_HTTP_READ_TOKEN: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  return { child, out: () => out, err: () => err };
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, "exit")) as [number | null];
  return code;
}

async function waitFor(check: () => RegExpMatchArray | null, ms: number): Promise<RegExpMatchArray> {
  const end = Date.now() + ms;
  for (;;) {
    const m = check();
    if (m !== null) return m;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("prismq serve", () => {
  it("--help exits 0; bad usage and beyond loopback without a token exit 2", async () => {
    const help = serveProcess(["--help"]);
    assert.equal(await exitCode(help.child), 0);
    assert.match(help.out(), /^Usage: prismq serve/);
    assert.match(help.out(), /Exit codes:/);
    const cases: [string[], RegExp][] = [
      [["--host", "0.0.0.0"], /refusing to listen on 0\.0\.0\.0 without a token/],
      [["--port", "70000"], /--port/],
      [["--port", "abc"], /--port/],
      [["--bogus"], /Unknown option/],
      [["--db", ":memory:"], /--db is ':memory:'/],
      [["--db", ""], /--db is empty/],
      [["--port", "0x10"], /--port expects an integer in plain decimal digits/],
      [["--port", " 80"], /--port expects an integer in plain decimal digits/],
      [["--body-limit", "1e3"], /--body-limit expects an integer in plain decimal digits/],
      [["--token", "short"], /at least 16 characters/],
      [["--driver", "nope"], /--driver/],
      [["extra"], /unexpected argument 'extra'/],
    ];
    for (const [args, message] of cases) {
      const p = serveProcess(args);
      assert.equal(await exitCode(p.child), 2, args.join(" "));
      assert.match(p.err(), message, args.join(" "));
    }
  });

  it("serves over loopback with tokens, stops on SIGTERM and SIGINT with exit 0; a busy port exits 1", async () => {
    const { dir, cleanup } = tempDir("prismq-serve-");
    const dbPath = join(dir, "q.db");
    try {
      for (const signal of ["SIGTERM", "SIGINT"] as const) {
        const p = serveProcess(["--port", "0", "--db", dbPath, "--read-token", READ], { PRISMQ_HTTP_TOKEN: WRITE });
        const m = await waitFor(() => p.out().match(/listening on (http:\/\/127\.0\.0\.1:(\d+)) \(dashboard: \1\/\)/), 30_000);
        const base = m[1]!;
        const q = http.createQueueHttpClient(base, { token: WRITE });
        const id = await q.enqueue("t", { via: signal });
        assert.equal((await q.getTask(id))?.status, "queued");
        assert.equal((await fetch(`${base}/api/v1/stats`)).status, 401);
        assert.equal((await fetch(`${base}/api/v1/tasks`, { method: "POST", headers: { Authorization: `Bearer ${READ}` }, body: "{}" })).status, 403);
        const page = await fetch(`${base}/`);
        assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/);
        p.child.kill(signal);
        assert.equal(await exitCode(p.child), 0, p.err());
        assert.match(p.err(), new RegExp(`${signal}, stopping`));
        // The database was closed cleanly and holds the task.
        const db = await core.QueueDatabase.open(DRIVERS[0]!.open(dbPath));
        assert.equal((await new core.QueueClient(db).getTask(id))?.payload && true, true);
        await db.close();
      }
      const blocker = createServer();
      blocker.listen(0, "127.0.0.1");
      await once(blocker, "listening");
      const port = (blocker.address() as { port: number }).port;
      const busy = serveProcess(["--port", String(port), "--db", dbPath]);
      assert.equal(await exitCode(busy.child), 1);
      assert.match(busy.err(), /EADDRINUSE/);
      blocker.close();
    } finally {
      cleanup();
    }
  });
});
