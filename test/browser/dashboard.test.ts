/**
 * The dashboard in a real browser (playwright-core driving Debian's Chromium) against a live
 * server from the built package, with a worker running: its numbers match the API, a
 * dead-lettered task is redriven and completes, an XSS payload stays inert text, a read-only
 * token gets no write buttons. Screenshots go to .tmp/screenshots/ (PRISMQ_SCREENSHOT_DIR).
 *
 * Without Chromium (PRISMQ_CHROMIUM, default /usr/bin/chromium) the test is skipped with a loud
 * notice; PRISMQ_REQUIRE_BROWSER=1 (CI) makes that a failure.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { serve } from "@hono/node-server";
import { chromium, type Browser, type Page } from "playwright-core";
import { ROOT } from "../helpers/dist.ts";
import { DRIVERS, tempDir } from "../helpers/drivers.ts";
import { core, http, READ, WRITE } from "../http/setup.ts";

const CHROMIUM = process.env["PRISMQ_CHROMIUM"] ?? "/usr/bin/chromium";
const REQUIRED = process.env["PRISMQ_REQUIRE_BROWSER"] === "1";
const SHOTS = process.env["PRISMQ_SCREENSHOT_DIR"] ?? join(ROOT, ".tmp", "screenshots");
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];
const XSS = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;

const missing = existsSync(CHROMIUM) ? null : `Chromium not found at ${CHROMIUM}`;
if (missing !== null) {
  const line = "!".repeat(78);
  process.stderr.write(`\n${line}\n!! dashboard browser test ${REQUIRED ? "FAILS" : "SKIPPED"}: ${missing}\n!! install it (apt-get install -y chromium) or set PRISMQ_CHROMIUM\n${line}\n\n`);
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("dashboard in Chromium", { skip: missing !== null && !REQUIRED ? missing : false }, () => {
  const tmp = tempDir("prismq-dashboard-");
  let browser: Browser;
  let base = "";
  let stopAll: () => Promise<void> = async () => {};
  let db: Awaited<ReturnType<typeof core.QueueDatabase.open>>;
  let api: ReturnType<typeof http.createQueueHttpClient>;
  let flakyFails = true;
  const consoleProblems: string[] = [];

  before(async () => {
    if (missing !== null) throw new Error(`PRISMQ_REQUIRE_BROWSER=1 and ${missing}`);
    mkdirSync(SHOTS, { recursive: true });
    db = await core.QueueDatabase.open(DRIVERS[0]!.open(join(tmp.dir, "q.db")));
    const app = http.createQueueApp(db, { tokens: [WRITE], readTokens: [READ] });
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
    await new Promise<void>((r) => server.once("listening", () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    api = http.createQueueHttpClient(base, { token: WRITE });
    const worker = new core.QueueWorker(db, {
      workerId: "browser-test-worker",
      concurrency: 4,
      pollIntervalMs: 50,
      heartbeatIntervalMs: 1000,
      handlers: {
        resize: async () => { await new Promise((r) => setTimeout(r, 5 + Math.random() * 20)); },
        flaky: async () => { if (flakyFails) throw new core.NonRetryableError("upstream said <b>no</b>"); },
      },
    });
    worker.start();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    stopAll = async () => {
      await browser.close();
      await worker.stop();
      await new Promise((r) => server.close(r));
      await db.close();
    };
  });

  after(async () => {
    await stopAll();
    tmp.cleanup();
  });

  async function open(token: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    page.on("console", (m) => { if (m.type() === "error") consoleProblems.push(m.text()); });
    page.on("pageerror", (e) => consoleProblems.push(e.message));
    await page.goto(`${base}/#token=${token}`);
    await page.waitForSelector("body[data-loaded]");
    return page;
  }

  const cardNumber = (page: Page, status: string) => page.textContent(`[data-count="${status}"] .n`);

  it("shows the API's numbers, keeps an XSS payload inert, redrives a dead-lettered task", async () => {
    await api.enqueueMany(Array.from({ length: 30 }, (_, i) => ({ type: "resize", payload: { image: i } })));
    const xssId = await api.enqueue("resize", { caption: XSS });
    const flakyId = await api.enqueue("flaky", { note: "fails until the upstream recovers" });
    await api.enqueue("resize", { later: true }, { delayMs: 600_000 });
    await until("the queue to settle", async () => {
      const s = await api.stats();
      return s.byStatus.processing === 0 && s.byStatus.queued === 1 && s.byStatus.dead_letter === 1;
    });

    const page = await open(WRITE);
    // Numbers: the cards against the API, once the page has refreshed after the queue settled.
    const stats = await api.stats();
    await until("the cards to match the API", async () => (await cardNumber(page, "completed")) === String(stats.byStatus.completed));
    for (const s of ["queued", "processing", "completed", "failed", "dead_letter", "cancelled"] as const) {
      assert.equal(await cardNumber(page, s), String(stats.byStatus[s]), s);
    }
    assert.equal(await cardNumber(page, "total"), String(stats.total));
    assert.equal(await cardNumber(page, "depth"), String(stats.depth));
    assert.equal(await page.textContent('#types tr[data-type="resize"] td:nth-child(4)'), String(stats.byType["resize"]!["completed"]));
    assert.match((await page.textContent('#workers tr[data-worker="browser-test-worker"]'))!, /active/);
    assert.equal(await page.locator("#chart svg rect.ok").count() > 0, true, "the chart is drawn");
    assert.equal((await page.textContent(`#dead tr[data-task="${flakyId}"] td.err`))?.endsWith("upstream said <b>no</b>"), true);
    await page.screenshot({ path: join(SHOTS, "dashboard-overview.png"), fullPage: true });
    await page.screenshot({ path: join(SHOTS, "dashboard.png") }); // the README's picture

    // XSS: the payload shows as text in the detail, and nothing of it ran or became an element.
    await page.click(`#tasks tr[data-task="${xssId}"]`).catch(async () => {
      await page.selectOption("#filter-status", "completed");
      await page.click(`#tasks tr[data-task="${xssId}"]`);
    });
    await page.waitForSelector("#detail:not([hidden])");
    await until("the detail", async () => ((await page.textContent("#detail-payload")) ?? "").includes("caption"));
    assert.equal(JSON.parse((await page.textContent("#detail-payload"))!).caption, XSS);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined, "no script ran");
    assert.equal(await page.locator('img[src="x"]').count(), 0, "no element made from the payload");
    assert.equal(await page.locator("b").count(), 0, "the error's <b> stayed text");
    await page.screenshot({ path: join(SHOTS, "dashboard-task-detail-xss.png"), fullPage: true });

    // Redrive: the upstream recovers, the button requeues the task, the worker completes it.
    flakyFails = false;
    await page.click(`#dead tr[data-task="${flakyId}"] button`);
    await until("the redriven task to complete", async () => (await api.getTask(flakyId))?.status === "completed");
    const t = await api.getTask(flakyId);
    assert.equal(t?.attempts, 1, "attempts were reset by the redrive");
    await until("the dead-letter list to empty", async () => (await page.locator("#dead tbody tr").count()) === 0);
    await until("the card to follow", async () => (await cardNumber(page, "dead_letter")) === "0");
    await page.screenshot({ path: join(SHOTS, "dashboard-after-redrive.png"), fullPage: true });
    assert.deepEqual(consoleProblems.filter((m) => /Content Security Policy|Refused/.test(m)), [], "no CSP violation");
    await page.close();
  });

  it("a read-only token sees the numbers but no write button; no token gets the sign-in form", async () => {
    const ro = await open(READ);
    await ro.waitForSelector('[data-count="total"]');
    assert.match((await ro.textContent("#access"))!, /read access/);
    assert.equal(await ro.locator("button.write:visible").count(), 0);
    await ro.close();
    const anon = await browser.newPage();
    await anon.goto(`${base}/`);
    await anon.waitForSelector("#login:not([hidden])");
    assert.equal(await anon.locator('[data-count="total"]').count(), 0, "nothing shown without a token");
    await anon.fill("#token", READ);
    await anon.click("#login button");
    await anon.waitForSelector('[data-count="total"]');
    await anon.screenshot({ path: join(SHOTS, "dashboard-read-only.png") });
    await anon.close();
  });
});
