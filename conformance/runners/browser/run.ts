/**
 * Runs the conformance suite in headless Chromium, in a Dedicated Worker, on OPFS:
 * sqlite-wasm (`opfs-sahpool`) and @journeyapps/wa-sqlite (`OPFSCoopSyncVFS`, sync build).
 *
 *   node --disable-warning=ExperimentalWarning conformance/runners/browser/run.ts
 *
 * Bundles worker.ts and page.ts with esbuild into a folder under the OS temp dir next to the `.wasm`
 * files, serves that folder on 127.0.0.1 with COOP/COEP headers, drives /usr/bin/chromium with
 * playwright-core on a fresh profile, prints one line per test and `browser: N passed, M failed`.
 * Then it restarts the browser on the same profile and checks the task the persistence test
 * wrote is still in OPFS. Exits non-zero on any failure or a timeout.
 *
 * Without Chromium the run is SKIPPED with a loud notice and exit 0, so `npm test` passes on a
 * fresh machine; with PRISMQ_REQUIRE_BROWSER=1 (set by `.ci/run`) a missing Chromium fails it.
 *
 * Environment: CONFORMANCE_RUNS (default 100), CONFORMANCE_SEED, CONFORMANCE_PATH,
 * CONFORMANCE_REPLAY_PATH, CONFORMANCE_MAX_COMMANDS and DRIVERS (target names, comma-separated)
 * go to the worker through the page URL; BROWSER_TIMEOUT_MS (default 600000) bounds each phase;
 * CHROMIUM_PATH (or CHROMIUM) names the executable, otherwise `chromium`/`chromium-browser` is
 * looked up on PATH, then /usr/bin/chromium.
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { type BrowserContext, chromium } from "playwright-core";

interface TestResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly durationMs: number;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..", "..");
// Outside the repository: the bundle carries third-party sources (fast-check, wa-sqlite) that the
// project's own checks would otherwise read as ours.
const OUT = join(tmpdir(), "prismq-browser-build");
const REQUIRE_BROWSER = process.env["PRISMQ_REQUIRE_BROWSER"] === "1";

/** The Chromium to drive: an explicit override, else the first one found on PATH or in /usr/bin. */
function findChromium(): { path: string | undefined; looked: string[] } {
  const override = process.env["CHROMIUM_PATH"] || process.env["CHROMIUM"];
  if (override) return { path: existsSync(override) ? override : undefined, looked: [override] };
  const dirs = (process.env["PATH"] ?? "").split(delimiter).filter(Boolean);
  const candidates = [
    ...dirs.flatMap((d) => ["chromium", "chromium-browser"].map((name) => join(d, name))),
    "/usr/bin/chromium",
  ];
  return { path: candidates.find((c) => existsSync(c)), looked: candidates };
}

/** A notice nobody scrolls past: the browser half of the conformance suite did not run. */
function skippedNotice(looked: readonly string[]): string {
  const bar = "!".repeat(78);
  return [
    bar,
    "!! BROWSER CONFORMANCE RUN SKIPPED: Chromium was not found.",
    "!! sqlite-wasm (OPFS) and wa-sqlite (OPFS) were NOT tested in a browser.",
    `!! Looked for: ${looked.length > 4 ? `${looked.slice(0, 4).join(", ")}, …` : looked.join(", ")}`,
    "!! To run it:   apt-get install -y chromium        (Debian/Ubuntu; or any Chromium/Chrome)",
    "!!              CHROMIUM_PATH=/path/to/chromium npm run test:browser   (another location)",
    "!! To make a missing browser FAIL instead of skip (CI does): PRISMQ_REQUIRE_BROWSER=1",
    bar,
  ].join("\n");
}
/** Set by main() once Chromium is found. */
let CHROMIUM = "";
const TIMEOUT_MS = Number(process.env["BROWSER_TIMEOUT_MS"] ?? 10 * 60_000);
const ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
/** Variables passed through to the worker in the page URL's query. */
const PASSED_ON = ["CONFORMANCE_RUNS", "CONFORMANCE_SEED", "CONFORMANCE_PATH", "CONFORMANCE_REPLAY_PATH", "CONFORMANCE_MAX_COMMANDS", "DRIVERS"];

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".map": "application/json",
};

/** Bundles the page and the worker and copies the WebAssembly files (and sqlite-wasm's helper scripts) beside them. */
async function bundle(): Promise<void> {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  await build({
    entryPoints: { worker: join(HERE, "worker.ts"), page: join(HERE, "page.ts") },
    outdir: OUT,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: "linked",
    logLevel: "warning",
    absWorkingDir: ROOT,
  });
  const sqliteWasm = join(ROOT, "node_modules", "@sqlite.org", "sqlite-wasm", "dist");
  const waSqlite = join(ROOT, "node_modules", "@journeyapps", "wa-sqlite", "dist");
  await Promise.all([
    copyFile(join(HERE, "index.html"), join(OUT, "index.html")),
    copyFile(join(sqliteWasm, "sqlite3.wasm"), join(OUT, "sqlite3.wasm")),
    copyFile(join(sqliteWasm, "sqlite3-opfs-async-proxy.js"), join(OUT, "sqlite3-opfs-async-proxy.js")),
    copyFile(join(sqliteWasm, "sqlite3-worker1.mjs"), join(OUT, "sqlite3-worker1.mjs")),
    copyFile(join(waSqlite, "wa-sqlite.wasm"), join(OUT, "wa-sqlite.wasm")),
  ]);
}

/** Serves OUT on 127.0.0.1 (random port), cross-origin isolated. */
async function serve(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      const file = normalize(join(OUT, path === "/" ? "index.html" : path));
      const headers = {
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Embedder-Policy": "require-corp",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cache-Control": "no-store",
      };
      try {
        if (!file.startsWith(OUT + sep) || !(await stat(file)).isFile()) throw new Error("not found");
        const body = await readFile(file);
        res.writeHead(200, { ...headers, "Content-Type": MIME[extname(file)] ?? "application/octet-stream" });
        res.end(body);
      } catch {
        res.writeHead(404, { ...headers, "Content-Type": "text/plain" });
        res.end("not found");
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * Opens the page in a browser on `profile` and prints and appends each result to `sink` as it
 * arrives (so a timeout still counts what ran); throws on timeout or when the worker cannot run.
 */
async function runPhase(profile: string, url: string, label: string, sink: TestResult[]): Promise<void> {
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: false, // --headless=new is in ARGS
    args: ARGS,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const printed = new Set<number>();
    page.on("console", (msg) => {
      const text = msg.text();
      if (text.startsWith("[prismq-result] ")) {
        const r = JSON.parse(text.slice("[prismq-result] ".length)) as TestResult & { index: number };
        if (printed.has(r.index)) return;
        printed.add(r.index);
        const { index: _index, ...result } = r;
        sink.push(result);
        printResult(result);
      } else if (text.startsWith("[prismq-log] ")) {
        console.error(`# ${label}: ${text.slice("[prismq-log] ".length)}`);
      } else if (msg.type() === "error") {
        console.error(`# ${label} console error: ${text}`);
      }
    });
    page.on("pageerror", (e) => console.error(`# ${label} page error: ${e.message}`));
    await page.goto(url);
    const handle = await page
      .waitForFunction(
        () => {
          const w = globalThis as unknown as { __results?: unknown; __fatal?: string };
          return w.__fatal !== undefined ? { fatal: w.__fatal } : w.__results !== undefined ? { results: w.__results } : false;
        },
        undefined,
        { timeout: TIMEOUT_MS, polling: 250 },
      )
      .catch((e: unknown) => {
        throw new Error(`${label}: timed out after ${TIMEOUT_MS} ms waiting for window.__results (BROWSER_TIMEOUT_MS); ${String(e)}`);
      });
    const outcome = (await handle.jsonValue()) as { fatal?: string; results?: TestResult[] };
    if (outcome.fatal !== undefined) throw new Error(`${label}: the worker could not run: ${outcome.fatal}`);
    // Console events can trail the final state: take whatever was not streamed from __results.
    (outcome.results ?? []).forEach((r, index) => {
      if (printed.has(index)) return;
      printed.add(index);
      sink.push(r);
      printResult(r);
    });
  } finally {
    await context.close();
  }
}

function printResult(r: TestResult): void {
  console.log(`${r.ok ? "ok" : "not ok"} ${r.name} (${Math.round(r.durationMs)} ms)`);
  if (!r.ok && r.error !== undefined) console.log(r.error.replace(/^/gm, "    "));
}

async function main(): Promise<number> {
  const { path: chromiumPath, looked } = findChromium();
  if (chromiumPath === undefined) {
    if (REQUIRE_BROWSER) {
      console.error(skippedNotice(looked).replace("RUN SKIPPED", "RUN FAILED"));
      console.error("browser: Chromium is required (PRISMQ_REQUIRE_BROWSER=1) and was not found");
      return 2;
    }
    console.error(skippedNotice(looked));
    console.log("browser: SKIPPED (no Chromium; apt-get install -y chromium, or set CHROMIUM_PATH)");
    return 0;
  }
  CHROMIUM = chromiumPath;
  console.error(`# chromium: ${CHROMIUM}`);
  const t0 = performance.now();
  await bundle();
  const { server, origin } = await serve();
  const profile = await mkdtemp(join(tmpdir(), "prismq-chromium-"));
  const query = new URLSearchParams();
  query.set("CONFORMANCE_RUNS", process.env["CONFORMANCE_RUNS"] ?? "100");
  for (const k of PASSED_ON) {
    const v = process.env[k];
    if (v !== undefined && v !== "" && !query.has(k)) query.set(k, v);
  }
  const results: TestResult[] = [];
  try {
    console.error(`# serving ${OUT} at ${origin}; profile ${profile}; ${query.toString()}`);
    await runPhase(profile, `${origin}/index.html?${query}`, "run", results);
    // Restart the browser on the same profile: the persistence check's task must still be there.
    const reopen = new URLSearchParams(query);
    reopen.set("PHASE", "reopen");
    await runPhase(profile, `${origin}/index.html?${reopen}`, "after restart", results);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    results.push({ name: "browser run", ok: false, error: e instanceof Error ? e.message : String(e), durationMs: 0 });
  } finally {
    server.close();
    server.closeAllConnections();
    await rm(profile, { recursive: true, force: true });
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  const perTarget = new Map<string, { passed: number; failed: number; ms: number }>();
  for (const r of results) {
    const target = /^[^:›]*: ([^›]+?) ›/.exec(r.name)?.[1] ?? "other";
    const t = perTarget.get(target) ?? { passed: 0, failed: 0, ms: 0 };
    if (r.ok) t.passed++;
    else t.failed++;
    t.ms += r.durationMs;
    perTarget.set(target, t);
  }
  for (const [target, t] of perTarget) {
    console.error(`# ${target}: ${t.passed} passed, ${t.failed} failed, ${(t.ms / 1000).toFixed(1)} s in tests`);
  }
  console.error(`# wall time ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`browser: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

process.exitCode = await main();
