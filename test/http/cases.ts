/**
 * A runtime-neutral subset of the HTTP API tests, run by the Deno and Bun runners over a real
 * loopback socket (Deno.serve / Bun.serve) with the runtime's own SQLite driver, through the
 * built package. Each runner supplies the harness, the package modules and the server.
 */
import assert from "node:assert/strict";

type Http = typeof import("../../src/http/index.ts");
type Core = typeof import("../../src/index.ts");
type Db = Awaited<ReturnType<Core["QueueDatabase"]["open"]>>;
type App = ReturnType<Http["createQueueApp"]>;

/** What a runner provides. */
export interface HttpCaseEnv {
  readonly runtime: string;
  readonly http: Http;
  readonly core: Core;
  /** A fresh in-memory queue on the runtime's driver. */
  openDb(): Promise<Db>;
  /** Serves `app` on 127.0.0.1, on a free port. */
  serve(app: App): Promise<{ base: string; close(): Promise<void> }>;
}

const WRITE = "write-token-0123456789abcdef";
const READ = "read-token-0123456789abcdef";
const XSS = `<script>alert("x")</script><img src=x onerror=alert(1)>`;

async function withServer(env: HttpCaseEnv, options: Parameters<Http["createQueueApp"]>[1], fn: (base: string, db: Db) => Promise<void>): Promise<void> {
  const db = await env.openDb();
  const server = await env.serve(env.http.createQueueApp(db, options));
  try {
    await fn(server.base, db);
  } finally {
    await server.close();
    await db.close();
  }
}

async function call(base: string, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers["Authorization"] = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? null : typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (res.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : text, headers: res.headers };
}

/** Registers the cases with `test(name, fn)`. */
export function defineHttpCases(test: (name: string, fn: () => Promise<void>) => void, env: HttpCaseEnv): void {
  const name = (s: string) => `HTTP API on ${env.runtime}: ${s}`;

  test(name("enqueue with idempotency, get, 404 and 400 for ids, list with cursor paging"), () =>
    withServer(env, { tokens: [WRITE] }, async (base) => {
      const a = await call(base, "POST", "/api/v1/tasks", { type: "t", payload: { n: 1 }, options: { idempotencyKey: "k" } }, WRITE);
      assert.equal(a.status, 201);
      const again = await call(base, "POST", "/api/v1/tasks", { type: "t", options: { idempotencyKey: "k" } }, WRITE);
      assert.equal(again.status, 200);
      assert.equal(again.body.id, a.body.id);
      const batch = await call(base, "POST", "/api/v1/tasks/batch", { tasks: Array.from({ length: 6 }, () => ({ type: "u" })) }, WRITE);
      assert.equal(batch.status, 201);
      const t = await call(base, "GET", `/api/v1/tasks/${a.body.id}`, undefined, WRITE);
      assert.deepEqual(t.body.payload, { n: 1 });
      assert.equal((await call(base, "GET", "/api/v1/tasks/424242", undefined, WRITE)).body.error.code, "TASK_NOT_FOUND");
      assert.equal((await call(base, "GET", "/api/v1/tasks/x1", undefined, WRITE)).status, 400);
      const ids: number[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { tasks: { id: number }[]; nextCursor: string | null } } = await call(
          base, "GET", `/api/v1/tasks?type=u&limit=4&order=desc${cursor === null ? "" : `&cursor=${cursor}`}`, undefined, WRITE);
        ids.push(...page.body.tasks.map((x) => x.id));
        cursor = page.body.nextCursor;
      } while (cursor !== null);
      assert.deepEqual(ids, [...batch.body.ids].reverse());
      assert.equal((await call(base, "GET", "/api/v1/tasks?sort=payload", undefined, WRITE)).status, 400);
    }));

  test(name("401 without or with a wrong token, 403 for a read token on a write, 413 over the limit"), () =>
    withServer(env, { tokens: [WRITE], readTokens: [READ], bodyLimitBytes: 512 }, async (base) => {
      assert.equal((await call(base, "GET", "/api/v1/stats")).status, 401);
      assert.equal((await call(base, "GET", "/api/v1/stats", undefined, `${WRITE}0`)).status, 401);
      assert.equal((await call(base, "GET", "/api/v1/stats", undefined, READ)).status, 200);
      const ro = await call(base, "POST", "/api/v1/tasks", { type: "t" }, READ);
      assert.equal(ro.status, 403);
      assert.equal(ro.body.error.code, "FORBIDDEN");
      const big = await call(base, "POST", "/api/v1/tasks", { type: "t", payload: "x".repeat(1000) }, WRITE);
      assert.equal(big.status, 413);
      assert.equal(big.body.error.code, "PAYLOAD_TOO_LARGE");
      assert.equal((await call(base, "POST", "/api/v1/tasks", "{oops", WRITE)).status, 400);
      assert.equal((await call(base, "GET", "/api/v1/stats", undefined, READ)).body.total, 0);
    }));

  test(name("HTML stored as data, dashboard with a CSP and no inline script, health, metrics, OpenAPI"), () =>
    withServer(env, {}, async (base, db) => {
      const { id } = (await call(base, "POST", "/api/v1/tasks", { type: XSS, payload: { x: XSS } })).body;
      const t = await call(base, "GET", `/api/v1/tasks/${id}`);
      assert.equal(t.body.type, XSS);
      assert.equal(t.body.payload.x, XSS);
      assert.equal(t.headers.get("x-content-type-options"), "nosniff");
      const page = await call(base, "GET", "/");
      assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/);
      assert.doesNotMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/);
      const h = await call(base, "GET", "/health?check=quick");
      assert.equal(h.body.integrity, "ok");
      assert.equal(h.body.schemaVersion, await db.schemaVersion());
      assert.match((await call(base, "GET", "/metrics")).body, /prismq_queue_tasks\{status="queued"\} 1/);
      const doc = (await call(base, "GET", "/api/v1/openapi.json")).body;
      assert.ok(doc.paths["/api/v1/tasks/{id}/retry"].post);
    }));

  test(name("typed client: enqueue, redrive a dead-lettered task, stats"), () =>
    withServer(env, { tokens: [WRITE] }, async (base, db) => {
      const q = env.http.createQueueHttpClient(base, { token: WRITE });
      const id = await q.enqueue("job", { a: 1 });
      const worker = new env.core.QueueWorker(db, {
        heartbeatIntervalMs: 0,
        handlers: { job: async () => { throw new env.core.NonRetryableError("no"); } },
      });
      await worker.processOnce();
      assert.equal((await q.getTask(id))?.status, "dead_letter");
      assert.equal(await q.retry(id), true);
      assert.equal((await q.stats()).byStatus.queued, 1);
      assert.equal(await q.getTask(id + 1000), null);
      await assert.rejects(q.cancel(id + 1000), { code: "TASK_NOT_FOUND" });
    }));
}
