/**
 * The browser conformance run (conformance/runners/browser/: sqlite-wasm `opfs-sahpool` and
 * wa-sqlite `OPFSCoopSyncVFS` in a Dedicated Worker, then a browser restart to check a task
 * persisted) with the library taken from a project where the packed tarball is installed:
 *
 *   node conformance/runners/package/browser-run.ts <project>
 *
 * The unchanged worker.ts and page.ts are bundled with every import of src/ and adapters/
 * resolved to the installed `@prismq/queue` files (scripts/lib/package-suite.ts), as a user's
 * bundler would take them; the run fails if any source file got in. Prints one line per test and
 * `browser: N passed, M failed`. Without Chromium it is skipped with a notice (exit 0), or fails
 * under PRISMQ_REQUIRE_BROWSER=1. CONFORMANCE_RUNS defaults to 20; DRIVERS and the other
 * CONFORMANCE_* variables pass through as in the source run.
 */
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, extname, join, normalize, resolve, sep } from "node:path";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { browserPackagePlugin, REPO_ROOT } from "../../../scripts/lib/package-suite.ts";

interface TestResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly durationMs: number;
}

const project = resolve(process.argv[2] ?? "");
if (!existsSync(join(project, "node_modules", "@prismq", "queue", "package.json"))) {
  console.error(`usage: browser-run.ts <project with @prismq/queue installed> (got ${project})`);
  process.exit(2);
}
const BROWSER = join(REPO_ROOT, "conformance", "runners", "browser");
const TIMEOUT_MS = Number(process.env["BROWSER_TIMEOUT_MS"] ?? 10 * 60_000);
const PASSED_ON = ["CONFORMANCE_SEED", "CONFORMANCE_PATH", "CONFORMANCE_REPLAY_PATH", "CONFORMANCE_MAX_COMMANDS", "DRIVERS"];
const MIME: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };

function findChromium(): string | undefined {
  const override = process.env["CHROMIUM_PATH"] || process.env["CHROMIUM"];
  if (override) return existsSync(override) ? override : undefined;
  const dirs = (process.env["PATH"] ?? "").split(delimiter).filter(Boolean);
  return [...dirs.flatMap((d) => [join(d, "chromium"), join(d, "chromium-browser")]), "/usr/bin/chromium"].find((c) => existsSync(c));
}

/** Bundles page and worker against the installed package and copies the WebAssembly files beside them. */
async function bundle(out: string): Promise<number> {
  const seen = new Set<string>();
  const result = await build({
    entryPoints: { worker: join(BROWSER, "worker.ts"), page: join(BROWSER, "page.ts") },
    outdir: out,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    metafile: true,
    logLevel: "warning",
    absWorkingDir: REPO_ROOT,
    plugins: [browserPackagePlugin(project, seen)],
  });
  const leaked = Object.keys(result.metafile.inputs).filter((f) => /^(src|adapters|runtime)\//.test(f));
  if (leaked.length > 0) throw new Error(`library sources were bundled: ${leaked.join(", ")}`);
  const fromPackage = [...seen].filter((f) => f.startsWith(join(project, "node_modules", "@prismq", "queue", "dist") + sep));
  if (fromPackage.length === 0 || fromPackage.length !== seen.size) throw new Error(`the bundle did not take the library from ${project}`);
  const modules = join(project, "node_modules");
  const sqliteWasm = join(modules, "@sqlite.org", "sqlite-wasm", "dist");
  await Promise.all([
    copyFile(join(BROWSER, "index.html"), join(out, "index.html")),
    copyFile(join(sqliteWasm, "sqlite3.wasm"), join(out, "sqlite3.wasm")),
    copyFile(join(sqliteWasm, "sqlite3-opfs-async-proxy.js"), join(out, "sqlite3-opfs-async-proxy.js")),
    copyFile(join(sqliteWasm, "sqlite3-worker1.mjs"), join(out, "sqlite3-worker1.mjs")),
    copyFile(join(modules, "@journeyapps", "wa-sqlite", "dist", "wa-sqlite.wasm"), join(out, "wa-sqlite.wasm")),
  ]);
  return fromPackage.length;
}

/** Serves `dir` on 127.0.0.1, cross-origin isolated (OPFS sync access handles need it). */
async function serve(dir: string): Promise<{ close(): void; origin: string }> {
  const server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      const file = normalize(join(dir, path === "/" ? "index.html" : path));
      const headers = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp", "Cache-Control": "no-store" };
      try {
        if (!file.startsWith(dir + sep) || !(await stat(file)).isFile()) throw new Error("not found");
        res.writeHead(200, { ...headers, "Content-Type": MIME[extname(file)] ?? "application/octet-stream" });
        res.end(await readFile(file));
      } catch {
        res.writeHead(404, headers);
        res.end("not found");
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}

/** One browser session on `profile`: waits for the worker's results and prints them. */
async function runPhase(executablePath: string, profile: string, url: string, label: string): Promise<TestResult[]> {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: false, // --headless=new below
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (e) => console.error(`# ${label} page error: ${e.message}`));
    await page.goto(url);
    const handle = await page.waitForFunction(
      () => {
        const w = globalThis as unknown as { __results?: unknown; __fatal?: string };
        return w.__fatal !== undefined ? { fatal: w.__fatal } : w.__results !== undefined ? { results: w.__results } : false;
      },
      undefined,
      { timeout: TIMEOUT_MS, polling: 250 },
    );
    const outcome = (await handle.jsonValue()) as { fatal?: string; results?: TestResult[] };
    if (outcome.fatal !== undefined) throw new Error(`${label}: the worker could not run: ${outcome.fatal}`);
    const results = outcome.results ?? [];
    for (const r of results) {
      console.log(`${r.ok ? "ok" : "not ok"} ${r.name} (${Math.round(r.durationMs)} ms)`);
      if (!r.ok && r.error !== undefined) console.log(r.error.replace(/^/gm, "    "));
    }
    return results;
  } finally {
    await context.close();
  }
}

async function main(): Promise<number> {
  const executable = findChromium();
  if (executable === undefined) {
    const notice = "!!!!! BROWSER RUN AGAINST THE PACKAGE SKIPPED: Chromium not found (apt-get install -y chromium, or CHROMIUM_PATH)";
    console.error(notice);
    if (process.env["PRISMQ_REQUIRE_BROWSER"] === "1") return 2;
    console.log("browser: SKIPPED");
    return 0;
  }
  const out = await mkdtemp(join(tmpdir(), "prismq-browser-package-"));
  const profile = await mkdtemp(join(tmpdir(), "prismq-chromium-package-"));
  const results: TestResult[] = [];
  let server: { close(): void; origin: string } | undefined;
  try {
    const files = await bundle(out);
    console.error(`# bundled against ${project} (${files} files of @prismq/queue's dist)`);
    server = await serve(out);
    const query = new URLSearchParams({ CONFORMANCE_RUNS: process.env["CONFORMANCE_RUNS"] ?? "20" });
    for (const k of PASSED_ON) if (process.env[k]) query.set(k, process.env[k]!);
    results.push(...(await runPhase(executable, profile, `${server.origin}/index.html?${query}`, "run")));
    query.set("PHASE", "reopen"); // a fresh browser on the same profile: the persisted task must be there
    results.push(...(await runPhase(executable, profile, `${server.origin}/index.html?${query}`, "after restart")));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    results.push({ name: "browser run", ok: false, error: String(e), durationMs: 0 });
  } finally {
    server?.close();
    await rm(profile, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  }
  const passed = results.filter((r) => r.ok).length;
  console.log(`browser: ${passed} passed, ${results.length - passed} failed`);
  return passed > 0 && passed === results.length ? 0 : 1;
}

process.exitCode = await main();
