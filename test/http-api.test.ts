/**
 * Every route of the HTTP API, through the built package, on each Node driver.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DRIVERS } from "./helpers/drivers.ts";
import { core, errorCode, req, setup } from "./http/setup.ts";

const STATUSES = ["queued", "processing", "completed", "failed", "cancelled", "dead_letter"];

for (const driver of DRIVERS) {
  describe(`HTTP API routes (${driver.name})`, () => {
    it("enqueue: 201 for a new task, 200 and the same id for a stored idempotency key", async () => {
      const { app, close } = await setup(driver);
      const a = await req(app, "POST", "/api/v1/tasks", { body: { type: "email", payload: { to: "a" }, options: { idempotencyKey: "k1", priority: 5 } } });
      assert.equal(a.status, 201);
      assert.deepEqual(a.body, { id: 1, created: true });
      const b = await req(app, "POST", "/api/v1/tasks", { body: { type: "email", payload: { to: "b" }, options: { idempotencyKey: "k1" } } });
      assert.equal(b.status, 200);
      assert.deepEqual(b.body, { id: 1, created: false });
      const t = await req(app, "GET", "/api/v1/tasks/1");
      assert.deepEqual(t.body.payload, { to: "a" }, "the repeat stored nothing");
      assert.equal(t.body.priority, 5);
      const later = await req(app, "POST", "/api/v1/tasks", { body: { type: "x", options: { runAfter: "2099-01-01T00:00:00Z" } } });
      assert.equal(later.status, 201);
      assert.equal((await req(app, "GET", `/api/v1/tasks/${later.body.id}`)).body.runAfter, Date.parse("2099-01-01T00:00:00Z"));
      await close();
    });

    it("batch enqueue: ids in order, all or none, 200 when every key was stored", async () => {
      const { app, close } = await setup(driver);
      const tasks = [{ type: "a" }, { type: "b", options: { idempotencyKey: "kb" } }, { type: "c", payload: [1, 2] }];
      const r = await req(app, "POST", "/api/v1/tasks/batch", { body: { tasks } });
      assert.equal(r.status, 201);
      assert.deepEqual(r.body, { ids: [1, 2, 3], created: [true, true, true] });
      const again = await req(app, "POST", "/api/v1/tasks/batch", { body: { tasks: [{ type: "b", options: { idempotencyKey: "kb" } }] } });
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, { ids: [2], created: [false] });
      const bad = await req(app, "POST", "/api/v1/tasks/batch", { body: { tasks: [{ type: "ok" }, { type: "" }] } });
      assert.equal(bad.status, 400);
      assert.equal(errorCode(bad.body), "VALIDATION");
      assert.match(bad.body.error.details.join(), /tasks\.1\.type/);
      assert.equal((await req(app, "GET", "/api/v1/stats")).body.total, 3, "nothing of the refused batch stored");
      const empty = await req(app, "POST", "/api/v1/tasks/batch", { body: { tasks: [] } });
      assert.equal(empty.status, 400);
      await close();
    });

    it("get: the task with its last run; 404 TASK_NOT_FOUND for an unknown id; 400 for a bad id", async () => {
      const { app, db, close } = await setup(driver);
      const { id } = (await req(app, "POST", "/api/v1/tasks", { body: { type: "t", payload: { n: 1 } } })).body;
      const worker = new core.QueueWorker(db, { heartbeatIntervalMs: 0, taskLogs: "all", handlers: { t: async () => {} } });
      assert.equal(await worker.processOnce(), 1);
      const r = await req(app, "GET", `/api/v1/tasks/${id}`);
      assert.equal(r.status, 200);
      assert.equal(r.body.status, "completed");
      assert.equal(r.body.attempts, 1);
      assert.equal(typeof r.body.finishedAt, "number");
      assert.equal(r.body.lastRun.details.to_status, "completed");
      assert.equal(r.body.errorMessage, null);
      const missing = await req(app, "GET", "/api/v1/tasks/999");
      assert.equal(missing.status, 404);
      assert.equal(errorCode(missing.body), "TASK_NOT_FOUND");
      for (const bad of ["0", "-1", "abc", "1.5", "99999999999999999999"]) {
        const b = await req(app, "GET", `/api/v1/tasks/${bad}`);
        assert.equal(b.status, 400, bad);
        assert.equal(errorCode(b.body), "VALIDATION");
      }
      await close();
    });

    it("list: filters by status and type, stable order, cursor paging over every sort field", async () => {
      const { app, db, close } = await setup(driver);
      const tasks = Array.from({ length: 23 }, (_, i) => ({ type: i % 2 === 0 ? "even" : "odd", options: { priority: i % 4 } }));
      await req(app, "POST", "/api/v1/tasks/batch", { body: { tasks } });
      await db.execute("UPDATE task_queue SET status = 'failed', finished_at_utc = updated_at_utc WHERE id % 3 = 0");
      const odd = await req(app, "GET", "/api/v1/tasks?type=odd&status=queued&limit=100");
      assert.ok(odd.body.tasks.every((t: any) => t.type === "odd" && t.status === "queued"));
      assert.equal(odd.body.tasks.length, 8, "ids 2..22 even, less 6, 12, 18 (failed)");
      const two = await req(app, "GET", "/api/v1/tasks?status=failed,queued&limit=100");
      assert.equal(two.body.tasks.length, 23);
      for (const sort of ["id", "createdAt", "updatedAt", "priority", "finishedAt"]) {
        for (const order of ["asc", "desc"]) {
          const seen: number[] = [];
          let cursor: string | null = null;
          let pages = 0;
          do {
            const q: string = `/api/v1/tasks?limit=4&sort=${sort}&order=${order}${cursor === null ? "" : `&cursor=${cursor}`}`;
            const page = await req(app, "GET", q);
            assert.equal(page.status, 200, JSON.stringify(page.body));
            seen.push(...page.body.tasks.map((t: any) => t.id));
            cursor = page.body.nextCursor;
            pages++;
          } while (cursor !== null && pages < 20);
          assert.equal(seen.length, 23, `${sort} ${order}: every task once`);
          assert.equal(new Set(seen).size, 23, `${sort} ${order}: no repeats`);
          if (sort === "id") assert.deepEqual(seen, [...seen].sort((a, b) => (order === "asc" ? a - b : b - a)));
        }
      }
      await close();
    });

    it("list: bad filters, sort fields, cursors and unknown parameters are 400, and SQL in a filter is data", async () => {
      const { app, close } = await setup(driver);
      await req(app, "POST", "/api/v1/tasks", { body: { type: "t" } });
      for (const q of ["status=bogus", "status=queued,", "sort=payload", "sort=id;DROP TABLE task_queue", "order=up", "limit=0", "limit=1001", "limit=x", "cursor=notacursor", "cursor=eyJhIjoxfQ", "cursor=WyJ4IiwxLjVd", "evil=1", "type="]) {
        const r = await req(app, "GET", `/api/v1/tasks?${q}`);
        assert.equal(r.status, 400, q);
        assert.equal(errorCode(r.body), "VALIDATION", q);
      }
      const inj = await req(app, "GET", `/api/v1/tasks?type=${encodeURIComponent("t' OR '1'='1")}`);
      assert.equal(inj.status, 200);
      assert.deepEqual(inj.body.tasks, []);
      assert.equal((await req(app, "GET", "/api/v1/stats")).body.total, 1);
      await close();
    });

    it("cancel: queued → cancelled, a second cancel changes nothing, unknown id 404", async () => {
      const { app, close } = await setup(driver);
      const { id } = (await req(app, "POST", "/api/v1/tasks", { body: { type: "t" } })).body;
      assert.deepEqual((await req(app, "POST", `/api/v1/tasks/${id}/cancel`)).body, { id, changed: true, status: "cancelled" });
      assert.deepEqual((await req(app, "POST", `/api/v1/tasks/${id}/cancel`)).body, { id, changed: false, status: "cancelled" });
      const missing = await req(app, "POST", "/api/v1/tasks/77/cancel");
      assert.equal(missing.status, 404);
      assert.equal(errorCode(missing.body), "TASK_NOT_FOUND");
      await close();
    });

    it("retry / redrive: one dead-lettered task back to queued and completed; all matching a filter", async () => {
      const { app, db, close } = await setup(driver);
      let fail = true;
      const worker = new core.QueueWorker(db, {
        heartbeatIntervalMs: 0,
        handlers: {
          a: async () => {
            if (fail) throw new core.NonRetryableError("bad input <b>x</b>");
          },
          b: async () => {
            if (fail) throw new core.NonRetryableError("nope");
          },
        },
      });
      await req(app, "POST", "/api/v1/tasks/batch", { body: { tasks: [{ type: "a" }, { type: "a" }, { type: "b" }, { type: "b" }] } });
      while ((await worker.processOnce(4)) > 0);
      const dead = await req(app, "GET", "/api/v1/tasks?status=dead_letter");
      assert.equal(dead.body.tasks.length, 4);
      assert.match(dead.body.tasks[0].errorMessage, /bad input <b>x<\/b>$/);
      const queued = await req(app, "POST", "/api/v1/tasks/1/retry");
      assert.deepEqual(queued.body, { id: 1, changed: true, status: "queued" });
      assert.deepEqual((await req(app, "POST", "/api/v1/tasks/1/retry")).body, { id: 1, changed: false, status: "queued" });
      const many = await req(app, "POST", "/api/v1/tasks/retry", { body: { status: ["dead_letter"], type: "b" } });
      assert.deepEqual(many.body, { retried: 2 });
      assert.equal((await req(app, "GET", "/api/v1/stats")).body.byStatus.dead_letter, 1);
      fail = false;
      while ((await worker.processOnce(4)) > 0);
      const after = await req(app, "GET", "/api/v1/stats");
      assert.equal(after.body.byStatus.completed, 3);
      assert.equal(after.body.byStatus.dead_letter, 1);
      assert.deepEqual((await req(app, "POST", "/api/v1/tasks/retry", { body: {} })).body, { retried: 1 });
      for (const bad of [{ status: ["completed"] }, { status: [] }, { type: 5 }, { extra: 1 }]) {
        const r = await req(app, "POST", "/api/v1/tasks/retry", { body: bad });
        assert.equal(r.status, 400, JSON.stringify(bad));
      }
      assert.equal((await req(app, "POST", "/api/v1/tasks/999/retry")).status, 404);
      await close();
    });

    it("stats, timeline, logs and workers reflect what workers did", async () => {
      const { app, db, close } = await setup(driver);
      await req(app, "POST", "/api/v1/tasks/batch", { body: { tasks: [{ type: "ok" }, { type: "ok" }, { type: "bad" }, { type: "idle", options: { delayMs: 60_000 } }] } });
      const worker = new core.QueueWorker(db, {
        heartbeatIntervalMs: 0,
        handlers: { ok: async () => {}, bad: async () => { throw new core.NonRetryableError("boom"); } },
      });
      while ((await worker.processOnce(4)) > 0);
      await new core.WorkerHeartbeat(db).updateHeartbeat("w-1", { region: "eu" });
      const stats = (await req(app, "GET", "/api/v1/stats")).body;
      assert.deepEqual(Object.keys(stats.byStatus).sort(), [...STATUSES].sort());
      assert.equal(stats.total, 4);
      assert.equal(stats.byStatus.completed, 2);
      assert.equal(stats.byStatus.dead_letter, 1);
      assert.deepEqual(stats.byType, { bad: { dead_letter: 1 }, idle: { queued: 1 }, ok: { completed: 2 } });
      assert.equal(stats.depth, 1);
      assert.equal(stats.oldestQueuedAgeMs, null, "the only queued task is not runnable yet");
      const tl = (await req(app, "GET", "/api/v1/timeline?minutes=10&buckets=5")).body;
      assert.equal(tl.buckets.length, 5);
      assert.equal(tl.buckets.reduce((n: number, b: any) => n + b.completed, 0), 2);
      assert.equal(tl.buckets.reduce((n: number, b: any) => n + b.failed, 0), 1);
      assert.ok(tl.buckets.some((b: any) => typeof b.p95Ms === "number"));
      for (const q of ["minutes=0", "buckets=201", "minutes=x", "foo=1"]) assert.equal((await req(app, "GET", `/api/v1/timeline?${q}`)).status, 400, q);
      const logs = (await req(app, "GET", "/api/v1/tasks/3/logs")).body.logs;
      assert.ok(logs.length >= 2);
      assert.ok(logs.some((l: any) => l.level === "ERROR"));
      const tail = (await req(app, "GET", `/api/v1/tasks/3/logs?after=${logs[0].logId}&limit=1`)).body.logs;
      assert.equal(tail.length, 1);
      assert.equal(tail[0].logId, logs[1].logId);
      assert.equal((await req(app, "GET", "/api/v1/tasks/99/logs")).status, 404);
      assert.equal((await req(app, "GET", "/api/v1/tasks/3/logs?limit=0")).status, 400);
      const workers = (await req(app, "GET", "/api/v1/workers")).body.workers;
      assert.equal(workers.length, 1);
      assert.equal(workers[0].workerId, "w-1");
      assert.equal(workers[0].state, "active");
      assert.ok(workers[0].heartbeatAgeMs >= 0 && workers[0].heartbeatAgeMs < 60_000);
      await close();
    });

    it("health (and quick check on demand), /metrics in Prometheus text, OpenAPI document of every route", async () => {
      const { app, db, close } = await setup(driver);
      const h = await req(app, "GET", "/api/v1/health");
      assert.equal(h.status, 200);
      assert.equal(h.body.database, "reachable");
      assert.equal(h.body.schemaVersion, await db.schemaVersion());
      assert.equal(h.body.integrity, null);
      assert.equal(typeof h.body.wal, "boolean");
      assert.equal((await req(app, "GET", "/health?check=quick")).body.integrity, "ok");
      assert.equal((await req(app, "GET", "/api/v1/health?check=full")).status, 400);
      const m = await req(app, "GET", "/metrics");
      assert.equal(m.status, 200);
      assert.equal(m.headers.get("content-type"), core.PROMETHEUS_CONTENT_TYPE);
      assert.match(m.body, /^prismq_queue_tasks\{status="queued"\} 0$/m);
      const doc = (await req(app, "GET", "/api/v1/openapi.json")).body;
      assert.equal(doc.openapi, "3.0.0");
      const routes = [
        ["post", "/api/v1/tasks"], ["get", "/api/v1/tasks"], ["post", "/api/v1/tasks/batch"], ["get", "/api/v1/tasks/{id}"],
        ["get", "/api/v1/tasks/{id}/logs"], ["post", "/api/v1/tasks/{id}/cancel"], ["post", "/api/v1/tasks/{id}/retry"],
        ["post", "/api/v1/tasks/retry"], ["get", "/api/v1/stats"], ["get", "/api/v1/timeline"], ["get", "/api/v1/workers"],
        ["get", "/api/v1/health"], ["get", "/api/v1/whoami"],
      ];
      routes.push(["get", "/metrics"], ["get", "/health"]);
      for (const [method, path] of routes) assert.ok(doc.paths[path!]?.[method!], `${method} ${path} documented`);
      assert.ok(doc.components.schemas.Task && doc.components.schemas.Error && doc.components.schemas.EnqueueRequest);
      assert.deepEqual(doc.components.securitySchemes.bearer, { type: "http", scheme: "bearer" });
      assert.ok(doc.paths["/api/v1/tasks"].post.responses["413"], "413 documented");
      await db.close();
      const down = await req(app, "GET", "/api/v1/health");
      assert.equal(down.status, 503);
      assert.equal(down.body.database, "unreachable");
      const closed = await req(app, "GET", "/api/v1/stats");
      assert.equal(closed.status, 503);
      assert.equal(errorCode(closed.body), "CLOSED");
      await close();
    });
  });
}
