/**
 * Refusals of the HTTP API, through the built package: missing, wrong and read-only tokens,
 * oversized and malformed bodies, CORS, the dashboard's headers, and HTML stored as data.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DRIVERS } from "./helpers/drivers.ts";
import { errorCode, http, READ, req, setup, WRITE } from "./http/setup.ts";

const WRITE_CALLS: [string, string, unknown][] = [
  ["POST", "/api/v1/tasks", { type: "t" }],
  ["POST", "/api/v1/tasks/batch", { tasks: [{ type: "t" }] }],
  ["POST", "/api/v1/tasks/1/cancel", undefined],
  ["POST", "/api/v1/tasks/1/retry", undefined],
  ["POST", "/api/v1/tasks/retry", {}],
];
const READ_PATHS = [
  "/api/v1/tasks", "/api/v1/tasks/1", "/api/v1/tasks/1/logs", "/api/v1/stats", "/api/v1/timeline",
  "/api/v1/workers", "/api/v1/health", "/health", "/metrics",
];
const XSS = `<img src=x onerror="alert(1)"><script>alert('x')</script>`;

for (const driver of DRIVERS) {
  describe(`HTTP API refusals (${driver.name})`, () => {
    it("with tokens: no header, a wrong token, another scheme → 401; read token on a write → 403; nothing stored", async () => {
      const { app, close } = await setup(driver, { tokens: [WRITE], readTokens: [READ] });
      assert.equal((await req(app, "POST", "/api/v1/tasks", { body: { type: "t" }, token: WRITE })).status, 201);
      for (const [method, path, body] of WRITE_CALLS) {
        const none = await req(app, method, path, { body });
        assert.equal(none.status, 401, `${path} without a token`);
        assert.equal(errorCode(none.body), "UNAUTHORIZED");
        assert.equal(none.headers.get("www-authenticate"), 'Bearer realm="prismq"');
        for (const bad of [`${WRITE}x`, WRITE.slice(0, -1), "", READ.toUpperCase()]) {
          assert.equal((await req(app, method, path, { body, headers: { Authorization: `Bearer ${bad}` } })).status, 401, `${path} wrong token`);
        }
        assert.equal((await req(app, method, path, { body, headers: { Authorization: `Basic ${WRITE}` } })).status, 401);
        const ro = await req(app, method, path, { body, token: READ });
        assert.equal(ro.status, 403, `${path} with the read token`);
        assert.equal(errorCode(ro.body), "FORBIDDEN");
      }
      const stats = await req(app, "GET", "/api/v1/stats", { token: READ });
      assert.equal(stats.body.total, 1, "no refused write stored anything");
      assert.equal(stats.body.byStatus.queued, 1, "nor cancelled anything");
      for (const path of READ_PATHS) {
        assert.equal((await req(app, "GET", path)).status, 401, `${path} without a token`);
        assert.equal((await req(app, "GET", path, { token: READ })).status, 200, `${path} with the read token`);
        assert.equal((await req(app, "GET", path, { token: WRITE })).status, 200, `${path} with the write token`);
      }
      assert.deepEqual((await req(app, "GET", "/api/v1/whoami", { token: READ })).body, { access: "read", authRequired: true });
      assert.deepEqual((await req(app, "GET", "/api/v1/whoami", { token: WRITE })).body, { access: "write", authRequired: true });
      assert.deepEqual((await req(app, "GET", "/api/v1/whoami")).body, { access: "none", authRequired: true });
      assert.equal((await req(app, "GET", "/api/v1/openapi.json")).status, 200, "the API description is public");
      assert.equal((await req(app, "GET", "/")).status, 200, "the dashboard shell holds no data");
      await close();
    });

    it("without tokens everything is allowed (loopback use); short or shared tokens are refused at creation", async () => {
      const { app, db, close } = await setup(driver);
      assert.deepEqual((await req(app, "GET", "/api/v1/whoami")).body, { access: "write", authRequired: false });
      assert.equal((await req(app, "POST", "/api/v1/tasks", { body: { type: "t" } })).status, 201);
      assert.throws(() => http.createQueueApp(db, { tokens: ["short"] }), { code: "VALIDATION" });
      assert.throws(() => http.createQueueApp(db, { tokens: ["has space 0123456789"] }), { code: "VALIDATION" });
      assert.throws(() => http.createQueueApp(db, { tokens: [WRITE], readTokens: [WRITE] }), { code: "VALIDATION" });
      await close();
    });

    it("refuses to bind beyond loopback without a token", () => {
      for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) {
        assert.equal(http.isLoopbackHost(host), true, host);
        http.assertSafeBind(host, {});
      }
      for (const host of ["0.0.0.0", "::", "192.168.1.10", "example.com", "127.0.0.1.nip.io"]) {
        assert.equal(http.isLoopbackHost(host), false, host);
        assert.throws(() => http.assertSafeBind(host, {}), { code: "VALIDATION" }, host);
        http.assertSafeBind(host, { write: [WRITE] });
        http.assertSafeBind(host, { read: [READ] });
      }
      assert.equal(http.timingSafeEqual(WRITE, WRITE), true);
      assert.equal(http.timingSafeEqual(WRITE, `${WRITE}\0`), false);
      assert.equal(http.timingSafeEqual("é", "e\u0301"), false);
    });

    it("a body over the limit is 413 PAYLOAD_TOO_LARGE and stores nothing; malformed or unknown bodies are 400", async () => {
      const { app, close } = await setup(driver, { bodyLimitBytes: 1024 });
      const big = await req(app, "POST", "/api/v1/tasks", { body: { type: "t", payload: "x".repeat(2000) } });
      assert.equal(big.status, 413);
      assert.equal(errorCode(big.body), "PAYLOAD_TOO_LARGE");
      const bigBatch = await req(app, "POST", "/api/v1/tasks/batch", { body: { tasks: Array.from({ length: 100 }, () => ({ type: "t" })) } });
      assert.equal(bigBatch.status, 413);
      // A chunked body (no Content-Length) is counted as it streams.
      const stream = new ReadableStream({
        start(c) {
          for (let i = 0; i < 4; i++) c.enqueue(new TextEncoder().encode(`${i === 0 ? '{"type":"t","payload":"' : ""}${"y".repeat(400)}`));
          c.enqueue(new TextEncoder().encode('"}'));
          c.close();
        },
      });
      const chunked = await app.fetch(
        new Request("http://127.0.0.1/api/v1/tasks", { method: "POST", body: stream, headers: { "Content-Type": "application/json" }, duplex: "half" } as RequestInit),
      );
      assert.equal(chunked.status, 413);
      const bad: [string, Record<string, string>?][] = [
        ["{not json"],
        ['{"type":"t","extra":1}'],
        ['{"type":"t","options":{"priority":1.5}}'],
        ['{"type":"t","options":{"runAfter":"tomorrow"}}'],
        ['{"type":"t","options":{"maxAttempts":0}}'],
        ['{"type":"t","options":{"unknown":true}}'],
        [`{"type":"${"t".repeat(201)}"}`],
        ['{"payload":{}}'],
        ["[]"],
        ["null"],
      ];
      for (const [raw] of bad) {
        const r = await req(app, "POST", "/api/v1/tasks", { raw });
        assert.equal(r.status, 400, raw);
        assert.equal(errorCode(r.body), "VALIDATION", raw);
      }
      const r = await req(app, "POST", "/api/v1/tasks", { raw: '{"type":"t"}', headers: { "Content-Type": "text/plain" } });
      assert.equal(r.status, 415, "a body that is not declared JSON is refused");
      assert.equal(errorCode(r.body), "VALIDATION");
      assert.equal((await req(app, "GET", "/api/v1/stats")).body.total, 0, "nothing refused was stored");
      assert.equal((await req(app, "DELETE", "/api/v1/tasks/1")).status, 404);
      await close();
    });

    it("HTML and script in a type, payload or error come back as JSON data, never as markup", async () => {
      const { app, db, close } = await setup(driver);
      const { id } = (await req(app, "POST", "/api/v1/tasks", { body: { type: XSS, payload: { html: XSS } } })).body;
      await db.execute("UPDATE task_queue SET status = 'dead_letter', error_message = ? WHERE id = ?", [XSS, id]);
      const t = await req(app, "GET", `/api/v1/tasks/${id}`);
      assert.match(t.headers.get("content-type")!, /^application\/json/);
      assert.equal(t.headers.get("x-content-type-options"), "nosniff");
      assert.equal(t.body.type, XSS);
      assert.equal(t.body.payload.html, XSS);
      assert.equal(t.body.errorMessage, XSS);
      const list = await req(app, "GET", `/api/v1/tasks?type=${encodeURIComponent(XSS)}`);
      assert.equal(list.body.tasks[0].id, id);
      await close();
    });

    it("dashboard: CSP without inline script, no inline script or handler in the page, assets as separate routes", async () => {
      const { app, close } = await setup(driver);
      const page = await req(app, "GET", "/");
      assert.match(page.headers.get("content-type")!, /^text\/html/);
      const csp = page.headers.get("content-security-policy")!;
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(page.headers.get("x-frame-options"), "DENY");
      assert.doesNotMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/, "no inline script");
      assert.doesNotMatch(page.body, /\son[a-z]+=/i, "no inline event handler");
      assert.doesNotMatch(page.body, /<style|style=/, "no inline style");
      const js = await req(app, "GET", "/assets/dashboard.js");
      assert.match(js.headers.get("content-type")!, /^text\/javascript/);
      assert.doesNotMatch(js.body, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/, "data only through textContent");
      assert.match((await req(app, "GET", "/assets/dashboard.css")).headers.get("content-type")!, /^text\/css/);
      const off = (await setup(driver, { dashboard: false })).app;
      assert.equal((await req(off, "GET", "/")).status, 404);
      await close();
    });

    it("CORS is off unless configured, then only for the configured origins", async () => {
      const { app, db, close } = await setup(driver);
      const plain = await req(app, "GET", "/api/v1/stats", { headers: { Origin: "https://evil.example" } });
      assert.equal(plain.headers.get("access-control-allow-origin"), null);
      const pre = await app.fetch(new Request("http://127.0.0.1/api/v1/tasks", { method: "OPTIONS", headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" } }));
      assert.equal(pre.headers.get("access-control-allow-origin"), null);
      const withCors = http.createQueueApp(db, { corsOrigins: ["https://ok.example"], tokens: [WRITE] });
      const ok = await req(withCors, "GET", "/api/v1/stats", { token: WRITE, headers: { Origin: "https://ok.example" } });
      assert.equal(ok.headers.get("access-control-allow-origin"), "https://ok.example");
      const evil = await req(withCors, "GET", "/api/v1/stats", { token: WRITE, headers: { Origin: "https://evil.example" } });
      assert.equal(evil.headers.get("access-control-allow-origin"), null);
      const preOk = await withCors.fetch(new Request("http://127.0.0.1/api/v1/tasks", { method: "OPTIONS", headers: { Origin: "https://ok.example", "Access-Control-Request-Method": "POST" } }));
      assert.equal(preOk.status, 204);
      assert.equal(preOk.headers.get("access-control-allow-origin"), "https://ok.example");
      await close();
    });
  });
}
